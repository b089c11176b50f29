package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const good = `sites:
  - id: site-a
    name: Miami
    url: https://vc-a.example.net/sdk
    username: administrator@vsphere.local
    password_env: VMCROSS_TEST_PW_A
    thumbprint: "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89"
  - id: site-b
    url: https://vc-b.example.net/sdk
    username: administrator@vsphere.local
    password: secret
    insecure: true
`

func TestParseGood(t *testing.T) {
	t.Setenv("VMCROSS_TEST_PW_A", "pw-a")
	c, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	specs, err := c.Specs()
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 || specs[0].Password != "pw-a" || specs[1].Password != "secret" {
		t.Fatalf("passwords not resolved: %+v", specs)
	}
	if specs[0].Name != "Miami" || specs[1].Name != "site-b" {
		t.Errorf("names: %q %q", specs[0].Name, specs[1].Name)
	}
	if specs[1].Insecure != true || specs[0].Insecure {
		t.Errorf("insecure flags wrong")
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, text, field, want string
	}{
		{"empty", "", "", "empty"},
		{"unknown field", strings.Replace(good, "name: Miami", "nmae: Miami", 1), "", "unknown field nmae"},
		{"one site", "sites:\n  - id: a\n    url: https://x/sdk\n    username: u\n    password: p\n    insecure: true\n", "sites", "exactly 2"},
		{"missing url", strings.Replace(good, "url: https://vc-b.example.net/sdk", "", 1), "sites[1].url", "missing"},
		{"bad url", strings.Replace(good, "https://vc-b.example.net/sdk", "vc-b", 1), "sites[1].url", "not an http(s) URL"},
		{"dup id", strings.Replace(good, "id: site-b", "id: site-a", 1), "sites[1].id", "used twice"},
		{"no user", strings.Replace(good, "username: administrator@vsphere.local\n    password: secret", "password: secret", 1), "sites[1].username", "missing"},
		{"two passwords", strings.Replace(good, "password: secret", "password: secret\n    password_env: X", 1), "sites[1].password_env", "exactly one"},
		{"bad thumbprint", strings.Replace(good, "ab:cd:ef:01", "zz:cd:ef:01", 1), "sites[0].thumbprint", "SHA-256"},
		{"no verification", strings.Replace(good, "    insecure: true\n", "", 1), "sites[1].thumbprint", "verify"},
		{"bad yaml", "sites: [", "", "did not find"},
		{"unknown profile", good + "profile: warp\n", "profile", "unknown"},
		{"mapping not names", good + "mapping:\n  clusters: [A-01]\n", "mapping.clusters", "expected a set of names"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("cfg.yaml", []byte(tc.text))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("want *Error, got %v", err)
			}
			if ce.Field != tc.field {
				t.Errorf("field = %q, want %q (%v)", ce.Field, tc.field, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.HasPrefix(msg, "cfg.yaml") || strings.Contains(msg, "\n") {
				t.Errorf("message %q: want one line starting with the file and containing %q", msg, tc.want)
			}
			if ce.Fix == "" {
				t.Errorf("no fix given: %q", msg)
			}
		})
	}
}

func TestUnknownFieldHasLine(t *testing.T) {
	_, err := Parse("cfg.yaml", []byte(strings.Replace(good, "name: Miami", "nmae: Miami", 1)))
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 3 {
		t.Fatalf("want line 3, got %v", err)
	}
}

func TestSpecsMissingEnvAndFile(t *testing.T) {
	os.Unsetenv("VMCROSS_TEST_PW_A")
	c, err := Parse("cfg.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Specs(); err == nil || !strings.Contains(err.Error(), "VMCROSS_TEST_PW_A is not set") {
		t.Fatalf("want env error, got %v", err)
	}
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("from-file\n"), 0o600)
	c.Sites[0].PasswordEnv = ""
	c.Sites[0].PasswordFile = pw
	specs, err := c.Specs()
	if err != nil || specs[0].Password != "from-file" {
		t.Fatalf("password_file: %v %+v", err, specs)
	}
	c.Sites[0].PasswordFile = filepath.Join(dir, "nope")
	if _, err := c.Specs(); err == nil || !strings.Contains(err.Error(), "password_file") {
		t.Fatalf("want file error, got %v", err)
	}
}

func TestLoadMissingAndRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "none.yaml")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
	// Load takes a password written in the file for a vCenter on this machine only.
	c, err := Parse("x", []byte(strings.Replace(good, "vc-b.example.net", "127.0.0.1", 1)))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "out.yaml")
	if err := c.Write(p); err != nil {
		t.Fatal(err)
	}
	c2, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Sites[0].Thumbprint != c.Sites[0].Thumbprint || c2.Sites[1].Password != "secret" {
		t.Fatalf("round trip lost data: %+v", c2)
	}
}

func TestDefaultPathXDG(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/tmp/xdg")
	if got := DefaultPath(); got != "/tmp/xdg/vmcross/config.yaml" {
		t.Fatal(got)
	}
}

const withSwitches = good + `poll_interval: 2s
switches:
  - name: mia-dci-n7k-01
    site: site-a
    role: dci-edge
    host: 127.0.0.1
    port: 2201
    platform: cisco_nxos
    username: admin
    password: pw
    insecure_host_key: true
    dci_interfaces: [port-channel10]
    ping_target: 10.255.0.2
  - name: mia-dist-c6k-01
    site: site-a
    role: distribution
    host: 127.0.0.1
    platform: cisco_iosxe
    transport: system
    username: admin
    password_env: VMCROSS_TEST_SW_PW
    host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    dci_interfaces: [Port-channel1]
`

func TestSwitches(t *testing.T) {
	t.Setenv("VMCROSS_TEST_PW_A", "a")
	t.Setenv("VMCROSS_TEST_SW_PW", "sw-secret")
	c, err := Parse("cfg.yaml", []byte(withSwitches))
	if err != nil {
		t.Fatal(err)
	}
	sw, err := c.SwitchSpecs()
	if err != nil {
		t.Fatal(err)
	}
	if len(sw) != 2 || sw[0].Port != 2201 || sw[1].Port != 22 || sw[1].Password != "sw-secret" ||
		sw[0].Transport != "standard" || sw[1].Transport != "system" || sw[0].PingTarget != "10.255.0.2" {
		t.Fatalf("specs: %+v", sw)
	}
	if c.Poll().String() != "2s" {
		t.Errorf("poll = %v", c.Poll())
	}
	cases := []struct{ from, to, field, want string }{
		{"site: site-a\n    role: distribution", "site: site-x\n    role: distribution", "switches[1].site", "not a site id"},
		{"role: dci-edge", "role: core", "switches[0].role", "not a role"},
		{"platform: cisco_nxos", "platform: junos", "switches[0].platform", "not supported"},
		{"transport: system", "transport: telnet", "switches[1].transport", "not a transport"},
		{"    dci_interfaces: [port-channel10]\n", "", "switches[0].dci_interfaces", "missing"},
		{"    insecure_host_key: true\n", "", "switches[0].host_key", "verify"},
		{"ssh-ed25519 AAAAC3", "ssh-ed25519 ZZZZ", "switches[1].host_key", "not an SSH public key"},
		{"poll_interval: 2s", "poll_interval: fast", "poll_interval", "duration"},
		{"name: mia-dist-c6k-01", "name: mia-dci-n7k-01", "switches[1].name", "used twice"},
	}
	for _, tc := range cases {
		_, err := Parse("cfg.yaml", []byte(strings.Replace(withSwitches, tc.from, tc.to, 1)))
		var ce *Error
		if !errors.As(err, &ce) || ce.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s -> %s: got %v, want field %s containing %q", tc.from, tc.to, err, tc.field, tc.want)
		}
	}
}

// A value of the wrong type is told in the operator's words, with its line and field,
// never in the decoder's ("cannot unmarshal !!str into []config.Site").
func TestWrongTypes(t *testing.T) {
	site := "  - id: site-a\n    url: https://vc-a.example.net/sdk\n    username: u\n    password: p\n    insecure: true\n"
	sw := "  - name: sw1\n    site: site-a\n    role: dci-edge\n    host: 10.0.0.1\n    platform: cisco_nxos\n    username: u\n    password: p\n    insecure_host_key: true\n    dci_interfaces: [port-channel10]\n"
	two := "sites:\n" + site + strings.Replace(site, "site-a", "site-b", 1)
	cases := []struct {
		name, text string
		line       int
		field      string
		want       string
	}{
		{"sites as text", "# vmcross\nsites: x\n", 2, "sites", "expected a list of sites, got the text \"x\""},
		{"sites as a number", "sites: 2\n", 1, "sites", "expected a list of sites, got the number 2"},
		{"sites as one mapping", "sites:\n  id: site-a\n  url: https://x/sdk\n", 2, "sites", "expected a list of sites, got a set of fields"},
		{"a site as text", "sites:\n  - site-a\n  - site-b\n", 2, "sites[0]", "expected a site (id:, url:, username:, ...), got the text \"site-a\""},
		{"whole file a list", "- sites\n", 1, "", "expected the config's fields"},
		{"whole file text", "hello\n", 1, "", "got the text \"hello\""},
		{"url as a list", strings.Replace(two, "url: https://vc-a.example.net/sdk", "url: [a, b]", 1), 3, "sites[0].url", "expected a single value, got a list"},
		{"insecure as text", strings.Replace(two, "insecure: true", "insecure: maybe", 1), 6, "sites[0].insecure", "expected true or false, got the text \"maybe\""},
		{"insecure quoted", strings.Replace(two, "insecure: true", `insecure: "true"`, 1), 6, "sites[0].insecure", "expected true or false, got the text \"true\""},
		{"id as a mapping", strings.Replace(two, "id: site-b", "id: {a: b}", 1), 7, "sites[1].id", "expected a single value, got a set of fields"},
		{"switches as text", two + "switches: none\n", 12, "switches", "expected a list of switches, got the text \"none\""},
		{"port as text", two + "switches:\n" + strings.Replace(sw, "host: 10.0.0.1", "host: 10.0.0.1\n    port: ssh", 1), 17, "switches[0].port", "expected a TCP port number such as 22, got the text \"ssh\""},
		{"port quoted", two + "switches:\n" + strings.Replace(sw, "host: 10.0.0.1", "host: 10.0.0.1\n    port: \"22\"", 1), 17, "switches[0].port", "got the text \"22\""},
		{"port a fraction", two + "switches:\n" + strings.Replace(sw, "host: 10.0.0.1", "host: 10.0.0.1\n    port: 22.5", 1), 17, "switches[0].port", "got the number 22.5"},
		{"dci_interfaces as text", two + "switches:\n" + strings.Replace(sw, "[port-channel10]", "port-channel10", 1), 21, "switches[0].dci_interfaces", "expected a list of interface names such as [port-channel10], got the text \"port-channel10\""},
		{"dci_interfaces nested", two + "switches:\n" + strings.Replace(sw, "[port-channel10]", "[[po10]]", 1), 21, "switches[0].dci_interfaces[0]", "expected an interface name such as port-channel10, got a list"},
		{"insecure_host_key as a number", two + "switches:\n" + strings.Replace(sw, "insecure_host_key: true", "insecure_host_key: 1", 1), 20, "switches[0].insecure_host_key", "expected true or false, got the number 1"},
		{"poll_interval a number", two + "poll_interval: 5\n", 12, "poll_interval", "expected a duration such as 5s, got the number 5"},
		{"poll_interval a list", two + "poll_interval: [5s]\n", 12, "poll_interval", "expected a duration such as 5s, got a list"},
		{"theme a list", two + "theme: [dark]\n", 12, "theme", "expected a theme name such as dark, got a list"},
		{"first mistake wins", "sitse: []\nsites: x\n", 1, "", "unknown field sitse"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("config.yaml", []byte(tc.text))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("want *Error, got %v", err)
			}
			if ce.Line != tc.line || ce.Field != tc.field {
				t.Errorf("at line %d field %q, want line %d field %q: %v", ce.Line, ce.Field, tc.line, tc.field, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") || ce.Fix == "" {
				t.Errorf("message %q: want one line with a fix containing %q", msg, tc.want)
			}
			for _, internal := range []string{"!!", "unmarshal", "config.", "[]"} {
				if strings.Contains(ce.Msg, internal) && !strings.Contains(tc.want, internal) {
					t.Errorf("message shows decoder internals (%q): %q", internal, msg)
				}
			}
		})
	}
	// The exact form for the commonest mistake.
	_, err := Parse("config.yaml", []byte("# vmcross\nsites: x\n"))
	if got := err.Error(); !strings.HasPrefix(got, `config.yaml:2: sites: expected a list of sites, got the text "x" (`) {
		t.Errorf("got %q", got)
	}
}

// What YAML allows and the decoder takes is not a mistake: yes/no for booleans, 22.0 for a
// port, null for an optional field, anchors.
func TestRightTypesPass(t *testing.T) {
	t.Setenv("VMCROSS_TEST_PW_A", "a")
	text := strings.Replace(withSwitches, "    insecure: true\n", "    insecure: yes\n", 1)
	text = strings.Replace(text, "port: 2201", "port: 2201.0", 1)
	text = strings.Replace(text, "poll_interval: 2s", "poll_interval: \"2s\"\ntheme: ~", 1)
	text = strings.Replace(text, "dci_interfaces: [port-channel10]", "dci_interfaces: &dci [port-channel10]", 1)
	text = strings.Replace(text, "dci_interfaces: [Port-channel1]", "dci_interfaces: *dci", 1)
	c, err := Parse("cfg.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Sites[1].Insecure || c.Switches[0].Port != 2201 || c.Switches[1].DCIInterfaces[0] != "port-channel10" {
		t.Errorf("decoded %+v", c)
	}
}

// A mapping and a profile as an operator writes them.
func TestMappingAndProfile(t *testing.T) {
	c, err := Parse("cfg.yaml", []byte(good+"profile: metro\nmapping:\n  clusters: {A-01: B-01, B-01: A-01}\n  port_groups:\n    VLAN120-App: app-120\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Profile != "metro" || c.Mapping.Clusters["A-01"] != "B-01" || c.Mapping.Clusters["B-01"] != "A-01" || c.Mapping.PortGroups["VLAN120-App"] != "app-120" {
		t.Errorf("parsed %+v", c)
	}
}

// The plan: section as an operator writes it, and its mistakes: one line naming the file
// and the field.
func TestPlanSection(t *testing.T) {
	c, err := Parse("cfg.yaml", []byte(good+"plan:\n  wave_size: 4\n  orders:\n    - {match: \"ad-dc-*\", order: 0}\n    - match: DB-*\n      order: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	rules := c.PlanOrders()
	if c.Plan.WaveSize != 4 || len(rules) != 2 || rules[0].Glob != "ad-dc-*" || rules[0].Order != 0 || rules[1].Glob != "DB-*" || rules[1].Order != 2 {
		t.Errorf("parsed %+v, rules %+v", c.Plan, rules)
	}
	if c, err := Parse("cfg.yaml", []byte(good)); err != nil || c.PlanOrders() != nil || c.Plan.WaveSize != 0 {
		t.Errorf("no plan section: %+v %v", c.Plan, err)
	}
	for _, tc := range []struct{ text, field, want string }{
		{"plan:\n  wave_size: 0.5\n", "plan.wave_size", "expected a number of VMs such as 8, got the number 0.5"},
		{"plan:\n  wave_size: -1\n", "plan.wave_size", "-1 is not a number of VMs from 1 to 1000"},
		{"plan:\n  wave_size: 5000\n", "plan.wave_size", "5000 is not a number of VMs"},
		{"plan:\n  orders: db-*=1\n", "plan.orders", `expected a list of order rules, got the text "db-*=1"`},
		{"plan:\n  orders: [db-*=1]\n", "plan.orders[0]", "expected an order rule such as"},
		{"plan:\n  orders:\n    - {match: db-*}\n", "plan.orders[0].order", "missing"},
		{"plan:\n  orders:\n    - {match: db-*, order: first}\n", "plan.orders[0].order", `expected a whole number such as 1, got the text "first"`},
		{"plan:\n  orders:\n    - {order: 1}\n", "plan.orders[0].match", "missing"},
		{"plan:\n  orders:\n    - {match: db-*, order: 1}\n    - {match: \"db-[\", order: 2}\n", "plan.orders[1].match", `"db-[" is not a valid name pattern`},
		{"plan:\n  orders:\n    - {match: [db], order: 1}\n", "plan.orders[0].match", "expected a VM name pattern such as db-*, got a list"},
		{"plan: 8\n", "plan", "expected the plan's fields"},
		{"plan:\n  wavesize: 8\n", "", "unknown field wavesize"},
	} {
		_, err := Parse("cfg.yaml", []byte(good+tc.text))
		var ce *Error
		if !errors.As(err, &ce) || ce.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want field %q containing %q", tc.text, err, tc.field, tc.want)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "cfg.yaml") || strings.Contains(msg, "\n") || ce.Fix == "" {
			t.Errorf("%q: want one line with the file and a fix: %q", tc.text, msg)
		}
	}
	// It survives Write (with site B on this machine, for its password written in the file).
	c.Sites[1].URL = "https://127.0.0.1/sdk"
	path := filepath.Join(t.TempDir(), "out.yaml")
	if err := c.Write(path); err != nil {
		t.Fatal(err)
	}
	if c2, err := Load(path); err != nil || len(c2.PlanOrders()) != 2 || c2.Plan.WaveSize != 4 {
		t.Fatalf("round trip: %+v %v", c2, err)
	}
}
