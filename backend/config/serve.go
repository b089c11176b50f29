package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/vmcross/vmcross/backend/model"
)

// Serve is the serve: section: how `vmcross serve` lets operators in over SSH. Every field
// is optional; the command's flags override them.
//
//	serve:
//	  listen: 127.0.0.1:2222
//	  host_key: /var/lib/vmcross/ssh_host_ed25519_key   # default $XDG_STATE_HOME/vmcross/…
//	  authorized_keys: /etc/vmcross/authorized_keys     # comment "role=viewer user=alice"
//	  idle_timeout: 15m
//	  max_sessions: 32
//	  users:
//	    - {name: alice, key: "ssh-ed25519 AAAA…", role: operator}
type Serve struct {
	Listen         string      `yaml:"listen,omitempty"`
	HostKey        string      `yaml:"host_key,omitempty"`
	AuthorizedKeys string      `yaml:"authorized_keys,omitempty"`
	IdleTimeout    string      `yaml:"idle_timeout,omitempty"`
	MaxSessions    int         `yaml:"max_sessions,omitempty"`
	Users          []ServeUser `yaml:"users,omitempty"`
}

// ServeUser is one operator allowed in by their public key: the name their actions are
// recorded under, the key (one authorized_keys line, without options) and the role (viewer,
// operator or admin; default viewer).
type ServeUser struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
	Role string `yaml:"role,omitempty"`
}

// The serve: section's defaults and bounds.
const (
	DefaultServeListen      = "127.0.0.1:2222"
	DefaultServeIdleTimeout = 15 * time.Minute
	DefaultServeMaxSessions = 32
	maxServeSessions        = 1024
	minServeIdleTimeout     = 10 * time.Second
)

// Idle is the idle timeout: how long a console may go without a key from its operator
// before it is closed (DefaultServeIdleTimeout when not set).
func (s Serve) Idle() time.Duration {
	if d, err := time.ParseDuration(s.IdleTimeout); err == nil && d > 0 {
		return d
	}
	return DefaultServeIdleTimeout
}

// validateServe checks the serve: section.
func (c *Config) validateServe() error {
	s := c.Serve
	f := func(name string) string { return "serve." + name }
	if s.Listen != "" {
		if err := CheckListen(s.Listen); err != nil {
			return &Error{File: c.Path, Field: f("listen"), Msg: err.Error(), Fix: "write an address and port such as 127.0.0.1:2222"}
		}
	}
	if s.IdleTimeout != "" {
		if d, err := time.ParseDuration(s.IdleTimeout); err != nil || d < minServeIdleTimeout {
			return &Error{File: c.Path, Field: f("idle_timeout"), Msg: fmt.Sprintf("%q is not a duration of at least %v", s.IdleTimeout, minServeIdleTimeout),
				Fix: "write it like 15m"}
		}
	}
	if s.MaxSessions < 0 || s.MaxSessions > maxServeSessions {
		return &Error{File: c.Path, Field: f("max_sessions"), Msg: fmt.Sprintf("%d is not a number of sessions from 1 to %d", s.MaxSessions, maxServeSessions),
			Fix: fmt.Sprintf("write how many SSH sessions may be open at once, or leave it out for %d", DefaultServeMaxSessions)}
	}
	keys := map[string]int{}
	for i, u := range s.Users {
		at := func(name string) string { return fmt.Sprintf("serve.users[%d].%s", i, name) }
		if err := model.CheckOperatorName(u.Name); err != nil {
			return &Error{File: c.Path, Field: at("name"), Msg: err.Error(), Fix: "use the operator's login name, such as alice"}
		}
		if u.Role != "" {
			if _, err := model.ParseRole(u.Role); err != nil {
				return &Error{File: c.Path, Field: at("role"), Msg: err.Error(), Fix: "write viewer, operator or admin, or leave it out for viewer"}
			}
		}
		pk, _, opts, _, err := ssh.ParseAuthorizedKey([]byte(u.Key))
		switch {
		case strings.TrimSpace(u.Key) == "":
			return &Error{File: c.Path, Field: at("key"), Msg: "missing", Fix: "paste the operator's public key, the line of their id_ed25519.pub"}
		case err != nil:
			return &Error{File: c.Path, Field: at("key"), Msg: "not an SSH public key", Fix: "paste one line of the operator's .pub file, e.g. ssh-ed25519 AAAA… alice@laptop"}
		case len(opts) > 0:
			return &Error{File: c.Path, Field: at("key"), Msg: "has authorized_keys options (" + strings.Join(opts, ",") + "), which vmcross does not apply",
				Fix: "write the key alone: type, base64 and an optional comment"}
		}
		fp := ssh.FingerprintSHA256(pk)
		if j, dup := keys[fp]; dup {
			return &Error{File: c.Path, Field: at("key"), Msg: fmt.Sprintf("the same key as serve.users[%d] (%s)", j, fp),
				Fix: "give each operator their own key: a shared key makes the audit log say nothing"}
		}
		keys[fp] = i
	}
	return nil
}

// CheckListen checks an address to listen on: host:port, the port a number (0: any free).
func CheckListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: %q is not a TCP port", addr, port)
	}
	return nil
}
