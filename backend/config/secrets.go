package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/vmcross/vmcross/backend"
)

// Where passwords come from, and the rules that keep them out of sight:
//
//   - password_env: VARIABLE, or password_file: FILE (one password, the trailing newline
//     dropped). An empty variable or file is an error, not an empty password.
//   - The config file and every password file must be private to their owner: a mode with
//     any group or other bit (mode & 0o077 != 0) is refused, with the chmod that fixes it.
//   - password: written in the config is accepted only for a vCenter or switch on this
//     machine (127.0.0.0/8, ::1, localhost), which is what a lab is, and then with a
//     warning; anywhere else it is an error. `vmcross lab --write-config` writes none: it
//     puts each password in a private file beside the config (see MoveSecrets).
//   - Error messages name variables, files and fields, never a password's value.

// checkPrivate refuses a file that group or others may read or write. A file that cannot
// be examined is left to whoever reads it next, which says why.
func checkPrivate(path string) error {
	if runtime.GOOS == "windows" {
		return nil // no mode bits to speak of
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return &Error{File: path, Msg: fmt.Sprintf("%s (mode %04o), and a config holds or leads to passwords", openTo(perm), perm),
			Fix: "run chmod 600 " + path}
	}
	return nil
}

// openTo says who besides the owner may use a file of mode perm.
func openTo(perm os.FileMode) string {
	if perm&0o044 != 0 {
		return "group or others can read it"
	}
	return "group or others can write it"
}

// passwordFile reads the password in file for the entry at ("sites[0]").
func (c *Config) passwordFile(at, file string) (string, error) {
	field := at + ".password_file"
	fi, err := os.Stat(file)
	if err != nil {
		return "", &Error{File: c.Path, Field: field, Msg: fmt.Sprintf("cannot read %s", file), Fix: "check the path and its permissions"}
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && fi.Mode().IsRegular() && perm&0o077 != 0 {
		return "", &Error{File: c.Path, Field: field, Msg: fmt.Sprintf("%s: %s (mode %04o)", file, openTo(perm), perm),
			Fix: "run chmod 600 " + file}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", &Error{File: c.Path, Field: field, Msg: fmt.Sprintf("cannot read %s", file), Fix: "check the path and its permissions"}
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", &Error{File: c.Path, Field: field, Msg: fmt.Sprintf("%s is empty", file), Fix: "write the password in it, on one line"}
	}
	return pw, nil
}

// onThisMachine reports whether host (a name or an address, without a port) is this
// machine: localhost or a loopback address.
func onThisMachine(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// siteHost is the host name of a site's URL, "" when it has none.
func siteHost(s Site) string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// checkInlinePasswords refuses a password written in the file for a vCenter or switch
// that is not on this machine.
func (c *Config) checkInlinePasswords() error {
	const msg = "a password written in the config is accepted only for a lab on this machine (127.0.0.1, ::1 or localhost)"
	const fix = "move it to a file of mode 0600 named by password_file, or to a variable named by password_env"
	for i, s := range c.Sites {
		if s.Password != "" && !onThisMachine(siteHost(s)) {
			return &Error{File: c.Path, Field: fmt.Sprintf("sites[%d].password", i), Msg: msg, Fix: fix}
		}
	}
	for i, s := range c.Switches {
		if s.Password != "" && !onThisMachine(s.Host) {
			return &Error{File: c.Path, Field: fmt.Sprintf("switches[%d].password", i), Msg: msg, Fix: fix}
		}
	}
	return nil
}

// Warnings are what an operator should know about a config that loaded, one line each,
// naming the file: passwords written in it (accepted for a lab on this machine), vCenter
// certificates and switch host keys that are not verified.
func (c *Config) Warnings() []string {
	var inline, tlsOff, keysOff []string
	for _, s := range c.Sites {
		if s.Password != "" {
			inline = append(inline, s.ID)
		}
		if (backend.SiteSpec{URL: s.URL, Thumbprint: s.Thumbprint, CAFile: s.CAFile, Insecure: s.Insecure}).TLSUnverified() {
			tlsOff = append(tlsOff, s.ID)
		}
	}
	for _, s := range c.Switches {
		if s.Password != "" {
			inline = append(inline, s.Name)
		}
		if s.InsecureHostKey {
			keysOff = append(keysOff, s.Name)
		}
	}
	var out []string
	if len(inline) > 0 {
		out = append(out, fmt.Sprintf("%s: passwords written in the file (%s): accepted for a lab on this machine only; use password_file or password_env",
			c.Path, names(inline)))
	}
	if len(tlsOff) > 0 {
		out = append(out, fmt.Sprintf("%s: the vCenter certificate of %s is not verified (insecure: true): set thumbprint or ca_file",
			c.Path, names(tlsOff)))
	}
	if len(keysOff) > 0 {
		out = append(out, fmt.Sprintf("%s: the SSH host key of %s is not verified (insecure_host_key: true): set host_key or known_hosts_file",
			c.Path, names(keysOff)))
	}
	return out
}

// names lists a few names, and how many more: "a, b, c and 3 more".
func names(list []string) string {
	const shown = 3
	if len(list) <= shown {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(list[:shown], ", "), len(list)-shown)
}

// MoveSecrets takes every password written in c out of it: each goes into its own file
// in dir (created if need be, mode 0700; each file 0600, written atomically), named after
// its site or switch, and the entry names that file with password_file. A config written
// afterwards holds no password. dir is made absolute, so the config works from any
// directory.
func (c *Config) MoveSecrets(dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil { // it may have been there, open to others
		return err
	}
	used := map[string]bool{}
	move := func(name string, pw, file *string) error {
		if *pw == "" {
			return nil
		}
		base := fileName(name)
		for i := 2; used[base]; i++ {
			base = fmt.Sprintf("%s-%d", fileName(name), i)
		}
		used[base] = true
		path := filepath.Join(dir, base+".password")
		if err := writePrivate(path, []byte(*pw+"\n")); err != nil {
			return err
		}
		*pw, *file = "", path
		return nil
	}
	for i := range c.Sites {
		s := &c.Sites[i]
		if err := move(s.ID, &s.Password, &s.PasswordFile); err != nil {
			return err
		}
	}
	for i := range c.Switches {
		s := &c.Switches[i]
		if err := move(s.Name, &s.Password, &s.PasswordFile); err != nil {
			return err
		}
	}
	return nil
}

// fileName keeps the letters, digits, dots, dashes and underscores of name.
func fileName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, name)
}

// writePrivate writes data to path with mode 0600, atomically: the data goes to a new file
// in the same directory (made 0600 from the start), which then replaces path. A file that
// was at path, whatever its mode, is replaced, not rewritten in place.
func writePrivate(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}
