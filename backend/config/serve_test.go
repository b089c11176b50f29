package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const serveKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop"

const serveKey2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB8ht8Z3j6yDWPBHQtOp/R9rpWb9gIgBl6R1OfMH8ZBw"

func TestServeSection(t *testing.T) {
	text := good + `read_only: true
serve:
  listen: 127.0.0.1:2022
  host_key: /var/lib/vmcross/host_key
  authorized_keys: /etc/vmcross/authorized_keys
  idle_timeout: 5m
  max_sessions: 8
  users:
    - {name: alice, key: "` + serveKey + `", role: operator}
    - name: bob
      key: "` + serveKey2 + `"
`
	t.Setenv("VMCROSS_TEST_PW_A", "pw-a")
	c, err := Parse("serve.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Serve
	if !c.ReadOnly || s.Listen != "127.0.0.1:2022" || s.HostKey != "/var/lib/vmcross/host_key" || s.AuthorizedKeys != "/etc/vmcross/authorized_keys" ||
		s.Idle() != 5*time.Minute || s.MaxSessions != 8 || len(s.Users) != 2 || s.Users[0].Role != "operator" || s.Users[1].Role != "" {
		t.Errorf("serve: %+v, read_only %v", s, c.ReadOnly)
	}
	if (Serve{}).Idle() != DefaultServeIdleTimeout {
		t.Error("no idle_timeout is not the default")
	}
	plain, err := Parse("plain.yaml", []byte(good))
	if err != nil || plain.ReadOnly || len(plain.Serve.Users) != 0 {
		t.Errorf("a config without serve: %+v %v", plain, err)
	}
}

func TestServeErrors(t *testing.T) {
	t.Setenv("VMCROSS_TEST_PW_A", "pw-a")
	user := func(name, key, role string) string {
		return "serve:\n  users:\n    - {name: \"" + name + "\", key: \"" + key + "\", role: \"" + role + "\"}\n"
	}
	for _, tc := range []struct {
		name, text, field, want string
	}{
		{"bad listen", "serve: {listen: localhost}\n", "serve.listen", "not host:port"},
		{"bad port", "serve: {listen: \"127.0.0.1:99999\"}\n", "serve.listen", "not a TCP port"},
		{"short idle", "serve: {idle_timeout: 1s}\n", "serve.idle_timeout", "at least 10s"},
		{"idle without unit", "serve: {idle_timeout: \"15\"}\n", "serve.idle_timeout", "not a duration"},
		{"too many sessions", "serve: {max_sessions: 5000}\n", "serve.max_sessions", "from 1 to 1024"},
		{"no name", user("", serveKey, "operator"), "serve.users[0].name", "missing"},
		{"odd name", user("al ice", serveKey, "operator"), "serve.users[0].name", "letters, digits"},
		{"bad role", user("alice", serveKey, "root"), "serve.users[0].role", "unknown role"},
		{"no key", user("alice", "", "viewer"), "serve.users[0].key", "missing"},
		{"bad key", user("alice", "ssh-ed25519 nope", "viewer"), "serve.users[0].key", "not an SSH public key"},
		{"options", user("alice", "restrict "+serveKey, "viewer"), "serve.users[0].key", "options"},
		{"shared key", "serve:\n  users:\n    - {name: a, key: \"" + serveKey + "\"}\n    - {name: b, key: \"" + serveKey + "\"}\n",
			"serve.users[1].key", "the same key as serve.users[0]"},
		{"read_only not a bool", "read_only: maybe\n", "read_only", "true or false"},
	} {
		_, err := Parse("serve.yaml", []byte(good+tc.text))
		var ce *Error
		if !errors.As(err, &ce) || ce.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %s: …%s…", tc.name, err, tc.field, tc.want)
		}
	}
}
