// Package config loads and validates the vmcross configuration file.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
	"github.com/vmcross/vmcross/backend/preflight"
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
	// Mapping names, for moves between the sites, the cluster, datastore or port group of
	// the other site that each one maps to. What it leaves out is matched by the same name,
	// then (port groups) by VLAN id.
	Mapping Mapping `yaml:"mapping,omitempty"`
	// Profile is the vMotion profile preflight judges with: reference-2009, metro or
	// long-distance. Empty: chosen from the vCenters' API versions.
	Profile string `yaml:"profile,omitempty"`
	// AuditLog is the audit log's file (default $XDG_STATE_HOME/vmcross/audit.log).
	AuditLog string `yaml:"audit_log,omitempty"`
	// Governor tunes how many moves run at once (see Governor).
	Governor Governor `yaml:"governor,omitempty"`
	// Plan tunes the plans vmcross proposes: their waves' size and the VMs' order (see
	// Plan).
	Plan Plan `yaml:"plan,omitempty"`
	// Serve configures `vmcross serve`: who may connect over SSH and how (see Serve).
	Serve Serve `yaml:"serve,omitempty"`
	// ReadOnly makes every session and command a viewer: the engine refuses every dangerous
	// command, to everyone.
	ReadOnly bool `yaml:"read_only,omitempty"`
}

// Governor is the governor: section: how many moves run at once. The DCI's own limit (its
// bandwidth for the moves over what each one needs) is read live from the switches.
//
//	governor:
//	  max_concurrent: 8   # moves at once across everything (default 8, at most 128)
//	  mbps_per_move: 250  # DCI bandwidth each concurrent move needs (default: the profile's)
//	  vmotion_gbps: 10    # the hosts' vMotion network: 1 → 4 moves per host, 10 → 8 (default 10)
//	  sites:
//	    site-a: {vmotion_gbps: 1}
type Governor struct {
	MaxConcurrent int                     `yaml:"max_concurrent,omitempty"`
	MbpsPerMove   int                     `yaml:"mbps_per_move,omitempty"`
	VMotionGbps   int                     `yaml:"vmotion_gbps,omitempty"`
	Sites         map[string]GovernorSite `yaml:"sites,omitempty"`
}

// Plan is the plan: section: how `vmcross plan` and the console propose plans. The flags
// --wave-size and --order override it.
//
//	plan:
//	  wave_size: 8                       # VMs a wave holds (default 8)
//	  orders:                            # order tags by VM name: lower moves first; the
//	    - {match: "ad-dc-*", order: 0}   # first match wins, before the vCenter custom
//	    - {match: "db-*", order: 1}      # attribute vmcross.order
type Plan struct {
	WaveSize int         `yaml:"wave_size,omitempty"`
	Orders   []PlanOrder `yaml:"orders,omitempty"`
}

// PlanOrder is one order rule of the plan: section: the VMs whose name matches Match (a
// glob, case-insensitive) get Order.
type PlanOrder struct {
	Match string `yaml:"match"`
	Order *int   `yaml:"order"` // nil: not written
}

// maxWaveSize bounds plan.wave_size, as it does --wave-size.
const maxWaveSize = 1000

// GovernorSite is one site's part of the governor: section.
type GovernorSite struct {
	VMotionGbps int `yaml:"vmotion_gbps,omitempty"`
}

// Governor limits' bounds: vCenter runs at most 128 vMotions at once, and no DCI link is
// faster than 400 Gbps.
const (
	maxGovernorConcurrent = 128
	maxGovernorMbps       = 400_000
	maxVMotionGbps        = 400
)

// Mapping maps names at one site to names at the other, in either direction:
//
//	mapping:
//	  clusters: {A-01: B-01, B-01: A-01}
//	  port_groups: {VLAN120-App: prod-app-120}
type Mapping struct {
	Clusters   map[string]string `yaml:"clusters,omitempty"`
	Datastores map[string]string `yaml:"datastores,omitempty"`
	PortGroups map[string]string `yaml:"port_groups,omitempty"`
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
//
// A file on disk is held to two more rules than Parse's (see secrets.go): group and others
// may not read or write it, and a password written in it (password:) is refused unless the
// vCenter or switch it is for is on this machine, which is what a lab is.
func Load(path string) (*Config, error) {
	if err := checkPrivate(path); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, ErrNotFound)
	}
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error(), Fix: "check the path and its permissions"}
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	if err := c.checkInlinePasswords(); err != nil {
		return nil, err
	}
	return c, nil
}

var lineRe = regexp.MustCompile(`line (\d+): (.*)`)

// Parse parses and validates config text; path is used in error messages only.
func Parse(path string, data []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	decErr := dec.Decode(&c)
	if errors.Is(decErr, io.EOF) {
		return nil, &Error{File: path, Msg: "the file is empty", Fix: "add a sites: list; run `vmcross lab --write-config FILE` for an example"}
	}
	// The decoder's own words for a value of the wrong type are Go's ("cannot unmarshal
	// !!str into []config.Site"), and it lets some through (a number for poll_interval,
	// 22.5 for a port): the document is checked against the fields first, and the first
	// mistake in the file, its or the decoder's, is the one reported.
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err == nil {
		if te := checkTypes(path, &doc); te != nil {
			if decErr == nil {
				return nil, te
			}
			if de, ok := yamlError(path, decErr).(*Error); !ok || de.Line == 0 || te.Line <= de.Line {
				return nil, te
			}
		}
	}
	if decErr != nil {
		return nil, yamlError(path, decErr)
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

// expectation is what a field takes, in the operator's words, and how to write it.
type expectation struct{ what, fix string }

// expected names what the fields take, by their path with the list positions left out
// ("switches[].port"); a field not named here is described by its type.
var expected = map[string]expectation{
	"":                            {"the config's fields (sites:, switches:, poll_interval:, theme:)", "see the config example in README.md"},
	"sites":                       {"a list of sites", `write each site under sites: as an item starting with "- "`},
	"sites[]":                     {"a site (id:, url:, username:, ...)", "write the site's fields as key: value lines after the dash"},
	"switches":                    {"a list of switches", `write each switch under switches: as an item starting with "- "`},
	"switches[]":                  {"a switch (name:, site:, role:, host:, ...)", "write the switch's fields as key: value lines after the dash"},
	"switches[].port":             {"a TCP port number such as 22", "write the number without quotes, or leave it out for 22"},
	"switches[].dci_interfaces":   {"a list of interface names such as [port-channel10]", "write the interfaces in brackets, [port-channel10, Ethernet3/1]"},
	"switches[].dci_interfaces[]": {"an interface name such as port-channel10", "write one name per item"},
	"poll_interval":               {"a duration such as 5s", "write a number and its unit: 5s, 500ms, 1m"},
	"theme":                       {"a theme name such as dark", "write dark, light, high-contrast or the NAME of your themes/NAME.yaml"},
	// The governor: section.
	"governor":                      {"the governor's fields (max_concurrent:, mbps_per_move:, vmotion_gbps:, sites:)", "write its fields as key: value lines under governor:"},
	"governor.max_concurrent":       {"a number of moves such as 8", "write the number without quotes, or leave it out for 8"},
	"governor.mbps_per_move":        {"a bandwidth in Mbps such as 250", "write the number of Mbps without quotes or unit, or leave it out for the profile's"},
	"governor.vmotion_gbps":         {"a network speed in Gbit/s such as 10", "write 1 or 10 (or 25, 40, 100) without quotes or unit"},
	"governor.sites":                {"a set of site ids", "write one `site-id: {vmotion_gbps: 1}` line per site under it"},
	"governor.sites.*":              {"a site's governor fields such as {vmotion_gbps: 1}", "write vmotion_gbps: under the site id"},
	"governor.sites.*.vmotion_gbps": {"a network speed in Gbit/s such as 10", "write 1 or 10 (or 25, 40, 100) without quotes or unit"},
	// The plan: section.
	"plan":                {"the plan's fields (wave_size:, orders:)", "write its fields as key: value lines under plan:"},
	"plan.wave_size":      {"a number of VMs such as 8", "write the number without quotes, or leave it out for 8"},
	"plan.orders":         {"a list of order rules", `write each rule as an item such as - {match: "db-*", order: 1}`},
	"plan.orders[]":       {`an order rule such as {match: "db-*", order: 1}`, "write match: and order: after the dash"},
	"plan.orders[].match": {"a VM name pattern such as db-*", `write one pattern, in quotes when it starts with * ("*-db")`},
	"plan.orders[].order": {"a whole number such as 1", "write the number without quotes: lower moves first"},
}

// checkTypes checks that every known field of the document holds the kind of value it
// takes, and returns the first that does not as an *Error with its line. Unknown fields
// are the decoder's to report; empty values are the validation's.
func checkTypes(path string, doc *yaml.Node) *Error {
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil
		}
		doc = doc.Content[0]
	}
	return checkNode(path, "", "", doc, reflect.TypeOf(Config{}))
}

// checkNode checks n against the Go type t. field is the operator's path to it
// ("switches[1].port"), schema the same without the positions ("switches[].port").
func checkNode(path, field, schema string, n *yaml.Node, t reflect.Type) *Error {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	tag := n.ShortTag()
	if n.Kind == yaml.ScalarNode && tag == "!!null" {
		return nil
	}
	ok := true
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			ok = false
			break
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			name := n.Content[i].Value
			ft, known := fieldType(t, name)
			if !known {
				continue
			}
			if err := checkNode(path, joinField(field, name), joinField(schema, name), n.Content[i+1], ft); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			ok = false
			break
		}
		for i, e := range n.Content {
			if err := checkNode(path, fmt.Sprintf("%s[%d]", field, i), schema+"[]", e, t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			ok = false
			break
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			name := n.Content[i].Value
			if err := checkNode(path, joinField(field, name), schema+".*", n.Content[i+1], t.Elem()); err != nil {
				return err
			}
		}
	case reflect.String:
		// YAML reads 5 as a number, and the decoder would keep it as "5": no unit.
		ok = n.Kind == yaml.ScalarNode && !(schema == "poll_interval" && (tag == "!!int" || tag == "!!float"))
	case reflect.Bool:
		ok = n.Kind == yaml.ScalarNode && (tag == "!!bool" || tag == "!!str" && yamlBoolWords[n.Value])
	case reflect.Int:
		ok = n.Kind == yaml.ScalarNode && (tag == "!!int" || tag == "!!float" && isWhole(n.Value))
	case reflect.Pointer:
		return checkNode(path, field, schema, n, t.Elem())
	}
	if ok {
		return nil
	}
	exp, named := expected[schema]
	if !named {
		exp = expectation{"a list", `write one item per line starting with "- ", or [a, b]`}
		switch t.Kind() {
		case reflect.Struct:
			exp = expectation{"a set of fields", "write its fields as key: value lines under it"}
		case reflect.Map:
			exp = expectation{"a set of names", "write one `name: other-name` line per item under it"}
		case reflect.String:
			exp = expectation{"a single value", "write one value on the line, in quotes if it has a : or starts with [ or {"}
		case reflect.Bool:
			exp = expectation{"true or false", "write true or false, without quotes"}
		case reflect.Int:
			exp = expectation{"a whole number", "write the number without quotes"}
		}
	}
	return &Error{File: path, Line: n.Line, Field: field, Msg: "expected " + exp.what + ", got " + describe(n), Fix: exp.fix}
}

// yamlBoolWords are the YAML 1.1 booleans the decoder still takes for a bool field.
var yamlBoolWords = map[string]bool{"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true, "off": true, "Off": true, "OFF": true}

// isWhole reports whether a YAML float is a whole number (22.0), which an int field takes.
func isWhole(v string) bool {
	f, err := strconv.ParseFloat(strings.ReplaceAll(v, "_", ""), 64)
	return err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53
}

// describe says what a node holds, as an operator would read it.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a set of fields (key: value)"
	case yaml.SequenceNode:
		return "a list"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:37] + "..."
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "the number " + v
	case "!!bool":
		return v
	case "!!timestamp":
		return "the date " + v
	case "!!binary":
		return "binary data"
	}
	return fmt.Sprintf("the text %q", v)
}

// fieldType is the type of the field of struct t written as name in the file.
func fieldType(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == name && tag != "-" {
			return f.Type, true
		}
	}
	return nil, false
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
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
		if u.User != nil {
			// It would be sent, and could be printed, with the URL.
			return &Error{File: c.Path, Field: f("url"), Msg: "holds a user name or password (user@ or user:password@ before the host)",
				Fix: "write the URL without them; set username, and the password with password_env or password_file"}
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
		if u.Scheme == "http" && !s.Insecure {
			return &Error{File: c.Path, Field: f("url"), Msg: "http:// sends the password and everything else unencrypted",
				Fix: "use https://; for a lab without TLS write insecure: true"}
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
	if c.Profile != "" {
		if _, err := preflight.ProfileByName(c.Profile); err != nil {
			return &Error{File: c.Path, Field: "profile", Msg: err.Error(), Fix: "write reference-2009, metro or long-distance, or leave it out"}
		}
	}
	if err := c.validateServe(); err != nil {
		return err
	}
	if err := c.validateGovernor(seen); err != nil {
		return err
	}
	if err := c.validatePlan(); err != nil {
		return err
	}
	return c.validateSwitches(seen)
}

// validateGovernor checks the governor section; sites holds the valid site ids.
func (c *Config) validateGovernor(sites map[string]bool) error {
	g := c.Governor
	switch {
	case g.MaxConcurrent < 0 || g.MaxConcurrent > maxGovernorConcurrent:
		return &Error{File: c.Path, Field: "governor.max_concurrent", Msg: fmt.Sprintf("%d is not a number of moves from 1 to %d", g.MaxConcurrent, maxGovernorConcurrent),
			Fix: "write how many moves may run at once, or leave it out for 8"}
	case g.MbpsPerMove < 0 || g.MbpsPerMove > maxGovernorMbps:
		return &Error{File: c.Path, Field: "governor.mbps_per_move", Msg: fmt.Sprintf("%d is not a bandwidth from 1 to %d Mbps", g.MbpsPerMove, maxGovernorMbps),
			Fix: "write the Mbps one vMotion needs, such as 250, or leave it out for the profile's"}
	case g.VMotionGbps < 0 || g.VMotionGbps > maxVMotionGbps:
		return &Error{File: c.Path, Field: "governor.vmotion_gbps", Msg: fmt.Sprintf("%d is not a network speed from 1 to %d Gbit/s", g.VMotionGbps, maxVMotionGbps),
			Fix: "write 1 or 10, or leave it out for 10"}
	}
	for id, s := range g.Sites {
		f := "governor.sites." + id
		if !sites[id] {
			return &Error{File: c.Path, Field: f, Msg: fmt.Sprintf("%q is not a site id", id), Fix: "use the id of one of the sites above"}
		}
		if s.VMotionGbps < 0 || s.VMotionGbps > maxVMotionGbps {
			return &Error{File: c.Path, Field: f + ".vmotion_gbps", Msg: fmt.Sprintf("%d is not a network speed from 1 to %d Gbit/s", s.VMotionGbps, maxVMotionGbps),
				Fix: "write 1 or 10, or leave it out for the governor's"}
		}
	}
	return nil
}

// validatePlan checks the plan section.
func (c *Config) validatePlan() error {
	p := c.Plan
	if p.WaveSize < 0 || p.WaveSize > maxWaveSize {
		return &Error{File: c.Path, Field: "plan.wave_size", Msg: fmt.Sprintf("%d is not a number of VMs from 1 to %d", p.WaveSize, maxWaveSize),
			Fix: "write how many VMs a wave holds, or leave it out for 8"}
	}
	for i, o := range p.Orders {
		f := func(name string) string { return fmt.Sprintf("plan.orders[%d].%s", i, name) }
		if strings.TrimSpace(o.Match) == "" {
			return &Error{File: c.Path, Field: f("match"), Msg: "missing", Fix: `write the names of the VMs it orders as a pattern, e.g. match: "db-*"`}
		}
		if _, err := path.Match(strings.ToLower(strings.TrimSpace(o.Match)), ""); err != nil {
			return &Error{File: c.Path, Field: f("match"), Msg: fmt.Sprintf("%q is not a valid name pattern", o.Match),
				Fix: "use * for any run of characters, ? for one, [a-c] for a range, e.g. db-*"}
		}
		if o.Order == nil {
			return &Error{File: c.Path, Field: f("order"), Msg: "missing", Fix: "write the order of those VMs, e.g. order: 1 (lower moves first)"}
		}
	}
	return nil
}

// PlanOrders are the plan section's order rules, in the order written: the first that
// matches a VM's name gives its order.
func (c *Config) PlanOrders() []plan.OrderRule {
	var out []plan.OrderRule
	for _, o := range c.Plan.Orders {
		if o.Order != nil {
			out = append(out, plan.OrderRule{Glob: strings.TrimSpace(o.Match), Order: *o.Order})
		}
	}
	return out
}

// GovernorSettings is the backend's view of the governor section.
func (c *Config) GovernorSettings() backend.GovernorSettings {
	g := c.Governor
	s := backend.GovernorSettings{MaxConcurrent: g.MaxConcurrent, MbpsPerMove: g.MbpsPerMove, VMotionGbps: g.VMotionGbps}
	for id, site := range g.Sites {
		if site.VMotionGbps <= 0 {
			continue
		}
		if s.SiteVMotionGbps == nil {
			s.SiteVMotionGbps = map[model.SiteID]int{}
		}
		s.SiteVMotionGbps[model.SiteID(id)] = site.VMotionGbps
	}
	return s
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
// field path for messages ("sites[0]"). Its errors never hold the password.
func (c *Config) password(at, plain, env, file string) (string, error) {
	switch {
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok {
			return "", &Error{File: c.Path, Field: at + ".password_env",
				Msg: fmt.Sprintf("environment variable %s is not set", env), Fix: "export it before starting vmcross"}
		}
		if v == "" {
			return "", &Error{File: c.Path, Field: at + ".password_env",
				Msg: fmt.Sprintf("environment variable %s is empty", env), Fix: "export it with the password before starting vmcross"}
		}
		return v, nil
	case file != "":
		return c.passwordFile(at, file)
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

// Write saves the config as YAML with a short header, mode 0600, atomically: a reader sees
// the old file or the new one, and a file that was there is replaced, mode and all.
func (c *Config) Write(path string) error {
	b, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	hdr := "# vmcross configuration. See README.md for every field.\n"
	return writePrivate(path, append([]byte(hdr), b...))
}
