package server

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/vmcross/vmcross/backend/audit"
	"github.com/vmcross/vmcross/backend/model"
)

// User is an operator allowed in by a public key, as the config's serve: users: lists them.
type User struct {
	// Name is what their actions are recorded under; "" means the SSH login name.
	Name string
	// Key is the public key, as one authorized_keys line without options ("ssh-ed25519
	// AAAA… comment").
	Key string
	// Role is what they may do; "" means viewer.
	Role model.Role
}

// identity is who a key lets in: a name ("" for the SSH login name) and a role, and where
// the key was given, for messages.
type identity struct {
	name   string
	role   model.Role
	source string // "/etc/vmcross/authorized_keys:3", "serve.users[0]"
}

// keyring maps public keys to identities: the config's users, and the lines of an
// authorized_keys file, read again when it changes (a key added or removed takes effect at
// the next connection, without a restart).
type keyring struct {
	users map[string]identity // by the key's wire form; fixed

	path string // the authorized_keys file ("" for none)
	log  *slog.Logger

	mu    sync.Mutex
	file  map[string]identity // the file's keys as last read well
	stamp fileStamp           // what the file was when last read
}

// fileStamp tells that a file changed.
type fileStamp struct {
	mod  time.Time
	size int64
}

// newKeyring reads the users and the authorized_keys file. A mistake in either is an error
// naming its line; no key at all is one too (nobody could ever connect).
func newKeyring(users []User, path string, log *slog.Logger) (*keyring, error) {
	k := &keyring{users: map[string]identity{}, path: path, log: log}
	for i, u := range users {
		pk, _, opts, _, err := gossh.ParseAuthorizedKey([]byte(u.Key))
		src := fmt.Sprintf("serve.users[%d]", i)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%s (%s): not an SSH public key", src, u.Name)
		case len(opts) > 0:
			return nil, fmt.Errorf("%s (%s): authorized_keys options are not applied by vmcross: write the key alone", src, u.Name)
		}
		if u.Name != "" {
			if err := model.CheckOperatorName(u.Name); err != nil {
				return nil, fmt.Errorf("%s: name: %w", src, err)
			}
		}
		role := u.Role
		if role == "" {
			role = model.RoleViewer
		}
		if _, err := model.ParseRole(string(role)); err != nil {
			return nil, fmt.Errorf("%s (%s): %w", src, u.Name, err)
		}
		id := identity{name: u.Name, role: role, source: src}
		if was, dup := k.users[string(pk.Marshal())]; dup {
			return nil, fmt.Errorf("%s: the same key as %s: give each operator their own key", src, was.source)
		}
		k.users[string(pk.Marshal())] = id
	}
	if path != "" {
		file, stamp, err := readAuthorizedKeys(path)
		if err != nil {
			return nil, err
		}
		if err := k.clash(file); err != nil {
			return nil, err
		}
		k.file, k.stamp = file, stamp
	}
	if len(k.users) == 0 && len(k.file) == 0 {
		return nil, errors.New("no operator may connect: give an authorized_keys file (--authorized-keys) or serve: users: in the config")
	}
	return k, nil
}

// clash reports a key of the file that the config's users give to someone else.
func (k *keyring) clash(file map[string]identity) error {
	for wire, f := range file {
		if u, ok := k.users[wire]; ok && (u.name != f.name || u.role != f.role) {
			return fmt.Errorf("%s: the same key as %s, with another name or role: keep one of them", f.source, u.source)
		}
	}
	return nil
}

// lookup returns the identity a key is given, reading the authorized_keys file again first
// when it changed. A file that became unreadable or wrong keeps its last good keys, and the
// log says why.
func (k *keyring) lookup(pk gossh.PublicKey) (identity, bool) {
	if pk == nil {
		return identity{}, false
	}
	wire := string(pk.Marshal())
	if id, ok := k.users[wire]; ok {
		return id, true
	}
	if k.path == "" {
		return identity{}, false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if fi, err := os.Stat(k.path); err != nil || (fileStamp{fi.ModTime(), fi.Size()}) != k.stamp {
		file, stamp, err := readAuthorizedKeys(k.path)
		if err == nil {
			err = k.clash(file)
		}
		if err != nil {
			k.log.Warn("authorized keys not reloaded: keeping the keys last read", "file", k.path, "err", err)
		} else {
			k.file, k.stamp = file, stamp
		}
	}
	id, ok := k.file[wire]
	return id, ok
}

// readAuthorizedKeys reads an authorized_keys file: one key a line, blank lines and lines
// starting with # left out. A line's comment gives the operator: its words role=ROLE
// (viewer, operator or admin; default viewer) and user=NAME (default: the SSH login name);
// other words (ssh-keygen's alice@laptop) are left alone. Options before the key (from=,
// command=, restrict, environment=) are refused: vmcross does not apply them, and an
// administrator who writes one expects it to hold.
func readAuthorizedKeys(path string) (map[string]identity, fileStamp, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileStamp{}, fmt.Errorf("authorized keys: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fileStamp{}, fmt.Errorf("authorized keys %s: %w", path, err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o022 != 0 {
		return nil, fileStamp{}, fmt.Errorf("authorized keys %s can be changed by others (mode %04o): refusing it; run `chmod 600 %s`",
			path, fi.Mode().Perm(), path)
	}
	out := map[string]identity{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 16<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		at := fmt.Sprintf("%s:%d", path, n)
		pk, comment, opts, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			return nil, fileStamp{}, fmt.Errorf("%s: not an SSH public key line (type, base64 key, comment)", at)
		}
		if len(opts) > 0 {
			return nil, fileStamp{}, fmt.Errorf("%s: option %s is not applied by vmcross: remove it (write role= and user= in the comment)", at, opts[0])
		}
		id, err := parseComment(comment)
		if err != nil {
			return nil, fileStamp{}, fmt.Errorf("%s: %w", at, err)
		}
		id.source = at
		wire := string(pk.Marshal())
		if was, dup := out[wire]; dup && (was.name != id.name || was.role != id.role) {
			return nil, fileStamp{}, fmt.Errorf("%s: the same key as %s, with another name or role: keep one of them", at, was.source)
		}
		out[wire] = id
	}
	if err := sc.Err(); err != nil {
		return nil, fileStamp{}, fmt.Errorf("authorized keys %s: %w", path, err)
	}
	return out, fileStamp{fi.ModTime(), fi.Size()}, nil
}

// parseComment reads role= and user= from an authorized_keys line's comment.
func parseComment(comment string) (identity, error) {
	id := identity{role: model.RoleViewer}
	for _, w := range strings.Fields(comment) {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			continue
		}
		switch k {
		case "role":
			r, err := model.ParseRole(v)
			if err != nil {
				return identity{}, err
			}
			id.role = r
		case "user":
			if err := model.CheckOperatorName(v); err != nil {
				return identity{}, fmt.Errorf("user=: %w", err)
			}
			id.name = v
		}
	}
	return id, nil
}

// DefaultHostKeyPath is where the server keeps its host key unless told otherwise:
// $XDG_STATE_HOME/vmcross/ssh_host_ed25519_key (~/.local/state/… without it), beside the
// audit log. "" when neither is known.
func DefaultHostKeyPath() string {
	p := audit.DefaultPath()
	if p == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(p), "ssh_host_ed25519_key")
}

// loadHostKey reads the host key at path, or, when there is none, makes an ed25519 key and
// writes it there (mode 0600, its directory 0700), so clients see the same host key after a
// restart. A key file that group or others may read or change is refused: anyone who reads
// it can pose as this server.
func loadHostKey(path string) (key gossh.Signer, created bool, err error) {
	if path == "" {
		return nil, false, errors.New("no place for the host key: set XDG_STATE_HOME or HOME, or give --host-key FILE")
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err := newHostKey(path)
		return key, err == nil, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, false, fmt.Errorf("host key %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("host key %s can be read by others (mode %04o): refusing it; run `chmod 600 %s`",
			path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	key, err = gossh.ParsePrivateKey(b)
	if err != nil {
		return nil, false, fmt.Errorf("host key %s: %w", path, err)
	}
	return key, false, nil
}

// newHostKey makes an ed25519 host key and writes it to path in OpenSSH's format, never
// over an existing file.
func newHostKey(path string) (gossh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "vmcross host key")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("host key: create its directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	if err := pem.Encode(f, block); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return gossh.NewSignerFromKey(priv)
}
