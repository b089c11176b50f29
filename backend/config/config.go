// Package config loads and validates the vmcross configuration file.
package config

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric"
)

// Config is the whole configuration file.
type Config struct {
	// Path is the file it was loaded from (empty for a config built in memory).
	Path  string `yaml:"-"`
	Sites []Site `yaml:"sites"`
	// Switches are the DCI edges and distribution switches the fabric monitor polls.
	// Optional: without them the fabric pane says the monitor is not configured.
	Switches []Switch `yaml:"switches,omitempty"`
	// PollInterval is how often the switches are polled, e.g. "5s" (default 5s).
	PollInterval string `yaml:"poll_interval,omitempty"`
	// Theme is the default theme name; --theme overrides it.
	Theme string `yaml:"theme,omitempty"`
}

// Site is one vCenter, as written in the file.
type Site struct {
	ID           string `yaml:"id"`
	Name         string `yaml:"name,omitempty"`
	URL          string `yaml:"url"`
	Username     string `yaml:"username"`
	Password     string `yaml:"password,omitempty"`
	PasswordEnv  string `yaml:"password_env,omitempty"`
	PasswordFile string `yaml:"password_file,omitempty"`
	Thumbprint   string `yaml:"thumbprint,omitempty"`
	CAFile       string `yaml:"ca_file,omitempty"`
	Insecure     bool   `yaml:"insecure,omitempty"`
}

// Switch is one switch, as written in the file.
type Switch struct {
	Name         string `yaml:"name"`
	Site         string `yaml:"site"`
	Role         string `yaml:"role"` // dci-edge | distribution
	Host         string `yaml:"host"`
	Port         int    `yaml:"port,omitempty"`      // default 22
	Platform     string `yaml:"platform"`            // cisco_nxos | cisco_iosxe
	Transport    string `yaml:"transport,omitempty"` // standard (default) | system
	Username     string `yaml:"username"`
	Password     string `yaml:"password,omitempty"`
	PasswordEnv  string `yaml:"password_env,omitempty"`
	PasswordFile string `yaml:"password_file,omitempty"`
	// Host key verification: a pinned public key ("ssh-ed25519 AAAA..."), a known_hosts
	// file, or insecure_host_key: true (labs only).
	HostKey         string `yaml:"host_key,omitempty"`
	KnownHostsFile  string `yaml:"known_hosts_file,omitempty"`
	InsecureHostKey bool   `yaml:"insecure_host_key,omitempty"`
	// DCIInterfaces are the interfaces that carry the DCI, e.g. [port-channel10].
	DCIInterfaces []string `yaml:"dci_interfaces"`
	// PingTarget is the far DCI edge's address, pinged for RTT (dci-edge only).
	PingTarget string `yaml:"ping_target,omitempty"`
}

// Error is a configuration mistake: which file, which field, what is wrong and how to fix it.
// Its message is one line, fit to show an operator.
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string
	Fix   string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	s := loc + ": "
	if e.Field != "" {
		s += e.Field + ": "
	}
	s += e.Msg
	if e.Fix != "" {
		s += " (" + e.Fix + ")"
	}
	return s
}

// ErrNotFound reports that the config file does not exist.
var ErrNotFound = errors.New("config file not found")

// DefaultPath is $XDG_CONFIG_HOME/vmcross/config.yaml, or ~/.config/vmcross/config.yaml.
func DefaultPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "vmcross", "config.yaml")
}

// Load reads, parses and validates the file. A missing file wraps ErrNotFound.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, ErrNotFound)
	}
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error(), Fix: "check the path and its permissions"}
	}
	return Parse(path, data)
}

var lineRe = regexp.MustCompile(`line (\d+): (.*)`)

// Parse parses and validates config text; path is used in error messages only.
func Parse(path string, data []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: path, Msg: "the file is empty", Fix: "add a sites: list; run `vmcross lab --write-config FILE` for an example"}
		}
		return nil, yamlError(path, err)
	}
	c.Path = path
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func yamlError(path string, err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	e := &Error{File: path, Msg: msg, Fix: "see the config example in README.md"}
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		fmt.Sscanf(m[1], "%d", &e.Line)
		e.Msg = m[2]
		if strings.Contains(m[2], "not found in type") {
			e.Msg = "unknown field " + strings.Fields(m[2])[1]
		}
	}
	return e
}

// Validate checks every field and returns the first mistake as an *Error.
func (c *Config) Validate() error {
	if len(c.Sites) != 2 {
		return &Error{File: c.Path, Field: "sites", Msg: fmt.Sprintf("has %d entries, vmcross needs exactly 2", len(c.Sites)),
			Fix: "list the two vCenters, one per site"}
	}
	seen := map[string]bool{}
	for i, s := range c.Sites {
		f := func(name string) string { return fmt.Sprintf("sites[%d].%s", i, name) }
		if s.ID == "" {
			return &Error{File: c.Path, Field: f("id"), Msg: "missing", Fix: "set a short id such as site-a"}
		}
		if seen[s.ID] {
			return &Error{File: c.Path, Field: f("id"), Msg: fmt.Sprintf("%q is used twice", s.ID), Fix: "give each site its own id"}
		}
		seen[s.ID] = true
		if s.URL == "" {
			return &Error{File: c.Path, Field: f("url"), Msg: "missing", Fix: "set it to the vCenter SDK URL, e.g. https://vcenter.example.com/sdk"}
		}
		u, err := url.Parse(s.URL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return &Error{File: c.Path, Field: f("url"), Msg: fmt.Sprintf("%q is not an http(s) URL", s.URL), Fix: "use https://vcenter.example.com/sdk"}
		}
		if s.Username == "" {
			return &Error{File: c.Path, Field: f("username"), Msg: "missing", Fix: "set the vCenter user, e.g. administrator@vsphere.local"}
		}
		n := 0
		for _, p := range []string{s.Password, s.PasswordEnv, s.PasswordFile} {
			if p != "" {
				n++
			}
		}
		if n != 1 {
			return &Error{File: c.Path, Field: f("password_env"), Msg: "exactly one of password, password_env or password_file is needed",
				Fix: "prefer password_env: NAME_OF_VARIABLE"}
		}
		if s.Thumbprint != "" {
			if _, err := backend.NormalizeThumbprint(s.Thumbprint); err != nil {
				return &Error{File: c.Path, Field: f("thumbprint"), Msg: err.Error(), Fix: "copy the SHA-256 fingerprint, e.g. from `vmcross lab` or openssl x509 -fingerprint -sha256"}
			}
		}
		if u.Scheme == "https" && s.Thumbprint == "" && s.CAFile == "" && !s.Insecure {
			return &Error{File: c.Path, Field: f("thumbprint"), Msg: "no way to verify the vCenter certificate",
				Fix: "set thumbprint (SHA-256) or ca_file; insecure: true skips verification"}
		}
		if s.CAFile != "" {
			if _, err := os.Stat(s.CAFile); err != nil {
				return &Error{File: c.Path, Field: f("ca_file"), Msg: fmt.Sprintf("cannot read %s", s.CAFile), Fix: "point it at a PEM file of the vCenter's CA"}
			}
		}
	}
	return c.validateSwitches(seen)
}

// validateSwitches checks the switches section; sites holds the valid site ids.
func (c *Config) validateSwitches(sites map[string]bool) error {
	if c.PollInterval != "" {
		if d, err := time.ParseDuration(c.PollInterval); err != nil || d < 500*time.Millisecond {
			return &Error{File: c.Path, Field: "poll_interval", Msg: fmt.Sprintf("%q is not a duration of at least 500ms", c.PollInterval), Fix: "write it like 5s"}
		}
	}
	names := map[string]bool{}
	for i, s := range c.Switches {
		f := func(name string) string { return fmt.Sprintf("switches[%d].%s", i, name) }
		switch {
		case s.Name == "":
			return &Error{File: c.Path, Field: f("name"), Msg: "missing", Fix: "use the switch's hostname"}
		case names[s.Name]:
			return &Error{File: c.Path, Field: f("name"), Msg: fmt.Sprintf("%q is used twice", s.Name), Fix: "give each switch its own name"}
		case !sites[s.Site]:
			return &Error{File: c.Path, Field: f("site"), Msg: fmt.Sprintf("%q is not a site id", s.Site), Fix: "use the id of one of the sites above"}
		case s.Role != fabric.RoleDCIEdge && s.Role != fabric.RoleDistribution:
			return &Error{File: c.Path, Field: f("role"), Msg: fmt.Sprintf("%q is not a role", s.Role), Fix: "use dci-edge or distribution"}
		case s.Host == "":
			return &Error{File: c.Path, Field: f("host"), Msg: "missing", Fix: "set the switch's management address"}
		case s.Port < 0 || s.Port > 65535:
			return &Error{File: c.Path, Field: f("port"), Msg: fmt.Sprintf("%d is not a TCP port", s.Port), Fix: "leave it out for 22"}
		case s.Platform != fabric.NXOS && s.Platform != fabric.IOSXE:
			return &Error{File: c.Path, Field: f("platform"), Msg: fmt.Sprintf("%q is not supported", s.Platform), Fix: "use cisco_nxos (Nexus) or cisco_iosxe (Catalyst IOS/IOS-XE)"}
		case s.Transport != "" && s.Transport != "standard" && s.Transport != "system":
			return &Error{File: c.Path, Field: f("transport"), Msg: fmt.Sprintf("%q is not a transport", s.Transport), Fix: "use standard (built in) or system (the ssh binary)"}
		case s.Username == "":
			return &Error{File: c.Path, Field: f("username"), Msg: "missing", Fix: "set a read-only switch user"}
		case len(s.DCIInterfaces) == 0:
			return &Error{File: c.Path, Field: f("dci_interfaces"), Msg: "missing", Fix: "list the interfaces that carry the DCI, e.g. [port-channel10]"}
		}
		n := 0
		for _, p := range []string{s.Password, s.PasswordEnv, s.PasswordFile} {
			if p != "" {
				n++
			}
		}
		if n != 1 {
			return &Error{File: c.Path, Field: f("password_env"), Msg: "exactly one of password, password_env or password_file is needed", Fix: "prefer password_env: NAME_OF_VARIABLE"}
		}
		if s.HostKey == "" && s.KnownHostsFile == "" && !s.InsecureHostKey {
			return &Error{File: c.Path, Field: f("host_key"), Msg: "no way to verify the switch's SSH host key",
				Fix: "set host_key (ssh-keyscan output) or known_hosts_file; insecure_host_key: true skips the check"}
		}
		if s.HostKey != "" {
			if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.HostKey)); err != nil {
				return &Error{File: c.Path, Field: f("host_key"), Msg: "not an SSH public key", Fix: "paste one line of `ssh-keyscan -p PORT HOST` without the host, e.g. ssh-ed25519 AAAA..."}
			}
		}
		names[s.Name] = true
	}
	return nil
}

// Specs resolves passwords and returns the backend's view of each site.
func (c *Config) Specs() ([]backend.SiteSpec, error) {
	var out []backend.SiteSpec
	for i, s := range c.Sites {
		pw, err := c.password(fmt.Sprintf("sites[%d]", i), s.Password, s.PasswordEnv, s.PasswordFile)
		if err != nil {
			return nil, err
		}
		name := s.Name
		if name == "" {
			name = s.ID
		}
		out = append(out, backend.SiteSpec{ID: model.SiteID(s.ID), Name: name, URL: s.URL, Username: s.Username,
			Password: pw, Thumbprint: s.Thumbprint, CAFile: s.CAFile, Insecure: s.Insecure})
	}
	return out, nil
}

// password resolves one of password, password_env or password_file; at is the entry's
// field path for messages ("sites[0]").
func (c *Config) password(at, plain, env, file string) (string, error) {
	switch {
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok {
			return "", &Error{File: c.Path, Field: at + ".password_env",
				Msg: fmt.Sprintf("environment variable %s is not set", env), Fix: "export it before starting vmcross"}
		}
		return v, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", &Error{File: c.Path, Field: at + ".password_file",
				Msg: fmt.Sprintf("cannot read %s", file), Fix: "check the path and its permissions"}
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return plain, nil
}

// SwitchSpecs resolves passwords and returns the fabric monitor's view of each switch.
func (c *Config) SwitchSpecs() ([]fabric.SwitchSpec, error) {
	var out []fabric.SwitchSpec
	for i, s := range c.Switches {
		pw, err := c.password(fmt.Sprintf("switches[%d]", i), s.Password, s.PasswordEnv, s.PasswordFile)
		if err != nil {
			return nil, err
		}
		port := s.Port
		if port == 0 {
			port = 22
		}
		transport := s.Transport
		if transport == "" {
			transport = "standard"
		}
		out = append(out, fabric.SwitchSpec{Name: s.Name, Site: s.Site, Role: s.Role, Host: s.Host, Port: port,
			Platform: s.Platform, Transport: transport, Username: s.Username, Password: pw,
			HostKey: s.HostKey, KnownHostsFile: s.KnownHostsFile, InsecureHostKey: s.InsecureHostKey,
			DCIInterfaces: s.DCIInterfaces, PingTarget: s.PingTarget})
	}
	return out, nil
}

// Poll returns the switch poll interval.
func (c *Config) Poll() time.Duration {
	if d, err := time.ParseDuration(c.PollInterval); err == nil && d > 0 {
		return d
	}
	return fabric.DefaultPollInterval
}

// Write saves the config as YAML with a short header.
func (c *Config) Write(path string) error {
	b, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	hdr := "# vmcross configuration. See README.md for every field.\n"
	return os.WriteFile(path, append([]byte(hdr), b...), 0o600)
}
