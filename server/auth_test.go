package server

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/vmcross/vmcross/backend/model"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func writeKeys(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// An authorized_keys line's comment gives the role and the name; no role is a viewer.
func TestAuthorizedKeysRoles(t *testing.T) {
	a, b, c := newKey(t, "alice@laptop role=operator user=alice"), newKey(t, "bob@desk"), newKey(t, "role=admin")
	path := filepath.Join(t.TempDir(), "authorized_keys")
	writeKeys(t, path, "# comment", "", a.line, b.line, c.line)
	k, err := newKeyring(nil, path, quiet())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  operatorKey
		name string
		role model.Role
	}{{a, "alice", model.RoleOperator}, {b, "", model.RoleViewer}, {c, "", model.RoleAdmin}} {
		id, ok := k.lookup(tc.key.signer.PublicKey())
		if !ok || id.name != tc.name || id.role != tc.role {
			t.Errorf("%s: %+v %v", tc.key.line, id, ok)
		}
	}
	if _, ok := k.lookup(newKey(t, "x").signer.PublicKey()); ok {
		t.Error("an unknown key was found")
	}
}

// Mistakes in the file are refused at start, naming the line.
func TestAuthorizedKeysMistakes(t *testing.T) {
	a := newKey(t, "role=operator user=alice")
	bare := strings.TrimSuffix(a.line, " role=operator user=alice")
	for _, tc := range []struct {
		line, want string
	}{
		{"not a key", ":1: not an SSH public key"},
		{bare + " role=root", `:1: unknown role "root"`},
		{bare + " user=al\x01ice", ":1: user=:"},
		{`from="10.0.0.0/8" ` + a.line, ":1: option from=\"10.0.0.0/8\" is not applied"},
		{`environment="VMCROSS_ROLE=admin" ` + a.line, ":1: option environment="},
	} {
		path := filepath.Join(t.TempDir(), "authorized_keys")
		writeKeys(t, path, tc.line)
		if _, err := newKeyring(nil, path, quiet()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.line, err, tc.want)
		}
	}
	path := filepath.Join(t.TempDir(), "authorized_keys")
	writeKeys(t, path, a.line, bare+" role=viewer")
	if _, err := newKeyring(nil, path, quiet()); err == nil || !strings.Contains(err.Error(), ":2: the same key as") {
		t.Errorf("one key, two roles: %v", err)
	}
	writeKeys(t, path, a.line)
	os.Chmod(path, 0o666)
	if _, err := newKeyring(nil, path, quiet()); err == nil || !strings.Contains(err.Error(), "can be changed by others") {
		t.Errorf("a file others may change: %v", err)
	}
	if _, err := newKeyring(nil, "", quiet()); err == nil || !strings.Contains(err.Error(), "no operator may connect") {
		t.Errorf("no keys at all: %v", err)
	}
	if _, err := newKeyring([]User{{Name: "al", Key: a.line, Role: model.RoleViewer}}, filepath.Join(t.TempDir(), "authorized_keys"), quiet()); err == nil {
		t.Error("a missing authorized_keys file was accepted")
	}
}

// The config's users come with the file's keys; a key given twice to different people is
// refused.
func TestConfigUsers(t *testing.T) {
	a, b := newKey(t, "alice"), newKey(t, "role=operator user=bob")
	path := filepath.Join(t.TempDir(), "authorized_keys")
	writeKeys(t, path, b.line)
	k, err := newKeyring([]User{{Name: "alice", Key: a.line, Role: model.RoleAdmin}}, path, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := k.lookup(a.signer.PublicKey()); !ok || id.name != "alice" || id.role != model.RoleAdmin {
		t.Errorf("alice: %+v", id)
	}
	if id, ok := k.lookup(b.signer.PublicKey()); !ok || id.name != "bob" {
		t.Errorf("bob: %+v", id)
	}
	if _, err := newKeyring([]User{{Name: "eve", Key: b.line, Role: model.RoleAdmin}}, path, quiet()); err == nil ||
		!strings.Contains(err.Error(), "another name or role") {
		t.Errorf("bob's key given to eve: %v", err)
	}
	if _, err := newKeyring([]User{{Name: "x", Key: "ssh-ed25519 nope"}}, "", quiet()); err == nil {
		t.Error("a bad config key was accepted")
	}
}

// A key added to the file lets its owner in at the next connection; a file broken later
// keeps the keys read last.
func TestAuthorizedKeysReload(t *testing.T) {
	a, b := newKey(t, "user=a"), newKey(t, "user=b")
	path := filepath.Join(t.TempDir(), "authorized_keys")
	writeKeys(t, path, a.line)
	k, err := newKeyring(nil, path, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := k.lookup(b.signer.PublicKey()); ok {
		t.Fatal("b before it was added")
	}
	writeKeys(t, path, a.line, b.line)
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(path, later, later)
	if _, ok := k.lookup(b.signer.PublicKey()); !ok {
		t.Error("b not found after it was added")
	}
	writeKeys(t, path, "garbage")
	later = later.Add(2 * time.Second)
	os.Chtimes(path, later, later)
	if _, ok := k.lookup(a.signer.PublicKey()); !ok {
		t.Error("a broken file dropped the keys read last")
	}
}

// The host key is made once, mode 0600, where XDG_STATE_HOME says, and read again on the
// next start; a key others can read is refused.
func TestHostKey(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	path := DefaultHostKeyPath()
	if path != filepath.Join(state, "vmcross", "ssh_host_ed25519_key") {
		t.Fatalf("DefaultHostKeyPath = %s", path)
	}
	k1, created, err := loadHostKey(path)
	if err != nil || !created {
		t.Fatalf("first start: %v, created %v", err, created)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the key file: %v %v", fi.Mode(), err)
	}
	if k1.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Errorf("key type %s", k1.PublicKey().Type())
	}
	k2, created, err := loadHostKey(path)
	if err != nil || created || gossh.FingerprintSHA256(k1.PublicKey()) != gossh.FingerprintSHA256(k2.PublicKey()) {
		t.Fatalf("second start: %v, created %v, same key %v", err, created,
			gossh.FingerprintSHA256(k1.PublicKey()) == gossh.FingerprintSHA256(k2.PublicKey()))
	}
	os.Chmod(path, 0o644)
	if _, _, err := loadHostKey(path); err == nil || !strings.Contains(err.Error(), "can be read by others (mode 0644)") {
		t.Errorf("a key others can read: %v", err)
	}
	os.Chmod(path, 0o600)
	os.WriteFile(path, []byte("not a key"), 0o600)
	if _, _, err := loadHostKey(path); err == nil {
		t.Error("a garbage key file was accepted")
	}
}
