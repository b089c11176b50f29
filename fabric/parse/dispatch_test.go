package parse

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNormalizeCommand(t *testing.T) {
	cases := map[string]string{
		"show version":                         CmdVersion,
		"sh ver":                               CmdVersion,
		"show vlan brief":                      CmdVLANBrief,
		"sh vl br":                             CmdVLANBrief,
		"show vlan":                            CmdVLANBrief,
		"show interface trunk":                 CmdTrunk,
		"show interfaces trunk":                CmdTrunk,
		"sh int trunk":                         CmdTrunk,
		"sh int tr":                            CmdTrunk,
		"SHOW INTERFACE TRUNK":                 CmdTrunk,
		"show interface ethernet 1/3 trunk":    CmdTrunk,
		"show port-channel summary":            CmdChannels,
		"sh port-ch sum":                       CmdChannels,
		"show etherchannel summary":            CmdChannels,
		"sh ether summ | no-more":              CmdChannels,
		"show interface":                       CmdInterfaces,
		"show interfaces":                      CmdInterfaces,
		"show int Ethernet1/1":                 CmdInterfaces,
		"sh int eth 1/1":                       CmdInterfaces,
		"show interfaces GigabitEthernet1/0/1": CmdInterfaces,
		"sh int po48":                          CmdInterfaces,
		"show otv adjacency":                   CmdOTVAdjacency,
		"sh otv adj":                           CmdOTVAdjacency,
		"show otv vlan":                        CmdOTVVLAN,
		"ping 10.1.1.1":                        CmdPing,
		"ping 10.1.1.1 count 5 vrf management": CmdPing,
	}
	for in, want := range cases {
		got, ok := NormalizeCommand(in)
		if !ok || got != want {
			t.Errorf("NormalizeCommand(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "show", "show run", "show interface status", "show int brief",
		"show interface Ethernet1/1 counters", "show vlan id 10", "show otv", "ping", "s ver", "show versionx",
		"show port-channel", "show int trunk extra"} {
		if got, ok := NormalizeCommand(in); ok {
			t.Errorf("NormalizeCommand(%q) = %q, want unsupported", in, got)
		}
	}
}

func TestParseDispatches(t *testing.T) {
	v, err := Parse("cisco_nxos", "sh ver", capture(t, NXOS, "show_version", "n7k_c7009_8.1"))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "version", v.(*Version).Platform, "Nexus7000 C7009 (9 Slot) Chassis")

	tr, err := Parse("nxos", "sh int trunk", capture(t, NXOS, "show_interface_trunk", "bos_core_errdisabled_fabricpath"))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "trunks", len(tr.([]Trunk)), 2)

	pcs, err := Parse("cisco_ios", "show etherchannel summary", capture(t, IOSXE, "show_etherchannel_summary", "cat6k_te_wrap"))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "channels", len(pcs.([]PortChannel)), 6)

	// What `vmcross fabric parse` prints.
	b, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"err_disabled":{"raw":"12,17","ids":[12,17]}`) {
		t.Errorf("JSON lacks the err-disabled list: %s", b)
	}
}

func TestParseUnsupported(t *testing.T) {
	_, err := Parse("junos", "show version", "")
	var ue *UnsupportedError
	if !errors.As(err, &ue) || ue.Command != "" || !strings.Contains(err.Error(), "cisco_nxos") {
		t.Errorf("unknown platform: %v", err)
	}
	_, err = Parse("cisco_nxos", "show running-config", "")
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "show interface trunk") {
		t.Errorf("unknown command: %v", err)
	}
	if len(Commands()) != 16 || !strings.HasPrefix(Commands()[0], "cisco_nxos: ") {
		t.Errorf("Commands() = %q", Commands())
	}
}

func TestDeviceErrors(t *testing.T) {
	cases := []struct{ platform, command, text, msg string }{
		{NXOS, "show otv adjacency", "switch# show otv adjacency\n                   ^\n% Invalid command at '^' marker.\n",
			"% Invalid command at '^' marker."},
		{IOSXE, "show interfaces trunk", "show interfaces trunk\n                 ^\n% Invalid input detected at '^' marker.\n",
			"% Invalid input detected at '^' marker."},
		{IOSXE, "ping 10.9.9.9", "% Unrecognized host or address, or protocol not running.\n",
			"% Unrecognized host or address, or protocol not running."},
		{NXOS, "show port-channel summary", "% Incomplete command at '^' marker.", "% Incomplete command at '^' marker."},
		{NXOS, "show interface Ethernet1/99", "                          ^\nInvalid interface format at '^' marker.\n",
			"Invalid interface format at '^' marker."},
	}
	for _, c := range cases {
		_, err := Parse(c.platform, c.command, c.text)
		var de *DeviceError
		if !errors.As(err, &de) || de.Message != c.msg {
			t.Errorf("%s: err = %v, want DeviceError %q", c.command, err, c.msg)
		}
	}
	// Every parser reports it, not only the dispatcher.
	for name, f := range allParsers() {
		var de *DeviceError
		if err := f("% Invalid command at '^' marker."); !errors.As(err, &de) {
			t.Errorf("%s: err = %v, want a DeviceError", name, err)
		}
	}
}

func TestUnrecognizedIsWrapped(t *testing.T) {
	_, err := Parse(NXOS, "show port-channel summary", "hello")
	if !errors.Is(err, ErrUnrecognized) {
		t.Errorf("err = %v, want ErrUnrecognized", err)
	}
}

// allParsers is every exported parser with its result dropped, for the table tests and
// the fuzz targets.
func allParsers() map[string]func(string) error {
	drop := func(f func(string) (any, error)) func(string) error {
		return func(s string) error { _, err := f(s); return err }
	}
	return map[string]func(string) error{
		"NXOSVersion":            drop(wrap(NXOSVersion)),
		"IOSVersion":             drop(wrap(IOSVersion)),
		"NXOSVLANBrief":          drop(wrap(NXOSVLANBrief)),
		"IOSVLANBrief":           drop(wrap(IOSVLANBrief)),
		"NXOSInterfaceTrunk":     drop(wrap(NXOSInterfaceTrunk)),
		"IOSInterfacesTrunk":     drop(wrap(IOSInterfacesTrunk)),
		"NXOSPortChannelSummary": drop(wrap(NXOSPortChannelSummary)),
		"IOSEtherChannelSummary": drop(wrap(IOSEtherChannelSummary)),
		"NXOSInterfaces":         drop(wrap(NXOSInterfaces)),
		"IOSInterfaces":          drop(wrap(IOSInterfaces)),
		"NXOSOTVAdjacency":       drop(wrap(NXOSOTVAdjacency)),
		"IOSOTVAdjacency":        drop(wrap(IOSOTVAdjacency)),
		"NXOSOTVVLAN":            drop(wrap(NXOSOTVVLAN)),
		"IOSOTVVLAN":             drop(wrap(IOSOTVVLAN)),
		"NXOSPing":               drop(wrap(NXOSPing)),
		"IOSPing":                drop(wrap(IOSPing)),
	}
}

func TestParseNoTable(t *testing.T) {
	cases := []struct {
		name, platform, command, text string
		empty                         bool
		named, looks                  string
	}{
		{"greeting", NXOS, "show interface trunk", "hello\n", false, "show interface trunk", ""},
		{"empty", NXOS, "show interface trunk", "", true, "show interface trunk", ""},
		{"blank lines", IOSXE, "sh int trunk", "\r\n   \n\t\n", true, "show interfaces trunk", ""},
		{"terminal noise only", NXOS, "show port-channel summary", "\x1b[K\n \n", true, "show port-channel summary", ""},
		{"shell error", IOSXE, "show etherchannel summary", "ssh: connect to host c6k port 22: Connection refused\n", false, "show etherchannel summary", ""},
		{"prompt and another command", NXOS, "show interface trunk", "switch# show vlan brief\nswitch#\n", false, "show interface trunk", ""},
		{"prompt alone", NXOS, "show interface trunk", "switch#\n", false, "show interface trunk", ""},
		{"vlan brief prints a header always", IOSXE, "show vlan brief", "Switch#show vlan brief\nSwitch#\n", false, "show vlan brief", ""},
		{"vlan table as trunk", NXOS, "show interface trunk", capture(t, NXOS, "show_vlan_brief", "n7k_many_ports"), false, "show interface trunk", "show vlan brief"},
		{"trunk table as channels", IOSXE, "show etherchannel summary", capture(t, IOSXE, "show_interfaces_trunk", "c2960_native900"), false, "show etherchannel summary", "show interfaces trunk"},
		{"interfaces as vlan", NXOS, "show vlan brief", capture(t, NXOS, "show_interface", "eth_with_errors"), false, "show vlan brief", "show interface"},
		{"version as ping", NXOS, "ping 10.0.0.1", capture(t, NXOS, "show_version", "n7k_c7009_8.1"), false, "ping", "show version"},
		{"channels as otv", IOSXE, "show otv adjacency", capture(t, IOSXE, "show_etherchannel_summary", "cat6k_te_wrap"), false, "show otv adjacency", "show etherchannel summary"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := Parse(c.platform, c.command, c.text)
			var nt *NoTableError
			if !errors.As(err, &nt) {
				t.Fatalf("got %#v, %v; want a *NoTableError", v, err)
			}
			if !errors.Is(err, ErrNoTable) || !errors.Is(err, ErrUnrecognized) {
				t.Errorf("%v does not wrap ErrNoTable and ErrUnrecognized", err)
			}
			eq(t, "empty", nt.Empty, c.empty)
			eq(t, "command", nt.Command, c.named)
			eq(t, "looks like", nt.LooksLike, c.looks)
			if msg := err.Error(); !strings.Contains(msg, "no '"+c.named+"' output found in") || strings.Contains(msg, "\n") {
				t.Errorf("message %q", msg)
			}
		})
	}
}

// Output that is there but empty (the header and no rows, or the prompt and command with
// nothing after them, as a switch with nothing configured prints) is no error.
func TestParseEmptyButValid(t *testing.T) {
	trunkHeader := strings.Join(strings.Split(capture(t, NXOS, "show_interface_trunk", "bos_core_errdisabled_fabricpath"), "\n")[:6], "\n")
	cases := []struct{ platform, command, text string }{
		{NXOS, "show interface trunk", trunkHeader},
		{NXOS, "show interface trunk", "BOS-CORE-NX1# sh int trunk\n"},
		{IOSXE, "show interfaces trunk", "BOS-2960PDU-SW1#sh int trunk\n\nBOS-2960PDU-SW1#\n"},
		{NXOS, "show port-channel summary", "R1# show port-channel summary\nR1#\n"},
		{NXOS, "sh port-ch sum", "nexus_E(config-if)# sh port-chann sum\nnexus_E(config-if)#\n"},
		{IOSXE, "show etherchannel summary", "c6k>show etherchannel summary\r\nc6k>"},
		{NXOS, "show port-channel summary", "--------------------------------------------------------------------------------\n" +
			"Group Port-       Type     Protocol  Member Ports\n      Channel\n" +
			"--------------------------------------------------------------------------------\n"},
		{NXOS, "show vlan brief", "VLAN Name                             Status    Ports\n" +
			"---- -------------------------------- --------- -------------------------------\n"},
		{IOSXE, "show otv adjacency", "Overlay Adjacency Database for overlay 99\n" +
			"Hostname                       System-ID      Dest Addr       Site-ID        Up Time   State\n"},
	}
	for _, c := range cases {
		v, err := Parse(c.platform, c.command, c.text)
		if err != nil {
			t.Errorf("%s on %q: %v", c.command, c.text, err)
			continue
		}
		b, _ := json.Marshal(v)
		eq(t, c.command+" result", string(b), "[]")
	}
}

// A table that is there but cannot be read keeps the parser's own error: it is not "no
// output".
func TestParseBrokenTableIsNotNoTable(t *testing.T) {
	text := "Port          Vlans Allowed on Trunk\n--------------------------------------------------------------------------------\nEth1/47       10-5\n"
	_, err := Parse(NXOS, "show interface trunk", text)
	if !errors.Is(err, ErrUnrecognized) || errors.Is(err, ErrNoTable) {
		t.Fatalf("err = %v, want ErrUnrecognized without ErrNoTable", err)
	}
	// And a device error stays a device error, not "no output".
	_, err = Parse(NXOS, "show interface trunk", "% Invalid command at '^' marker.\n")
	var de *DeviceError
	if !errors.As(err, &de) || errors.Is(err, ErrNoTable) {
		t.Fatalf("err = %v, want a DeviceError", err)
	}
}

// Every real capture holds the header its command's "no output" check looks for, and
// every capture fed as another command's output is "no output", named after its own.
func TestParseCapturesAgainstEveryCommand(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures: %v", err)
	}
	for _, f := range files {
		platform, dir := filepath.Base(filepath.Dir(filepath.Dir(f))), filepath.Base(filepath.Dir(f))
		own, ok := NormalizeCommand(strings.ReplaceAll(dir, "_", " ") + map[bool]string{true: " 10.0.0.1"}[dir == "ping"])
		if !ok {
			t.Fatalf("%s: no command for %s", f, dir)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !hasHeader(own, splitLines(string(b))) {
			t.Errorf("%s: no %s header found", f, own)
		}
		for _, k := range kinds {
			if k == own {
				continue
			}
			cmd := k
			if k == CmdPing {
				cmd = "ping 10.0.0.1"
			}
			_, err := Parse(platform, cmd, string(b))
			var nt *NoTableError
			if !errors.As(err, &nt) || nt.LooksLike != CommandName(platform, own) {
				t.Errorf("%s as %s: %v, want no output that looks like %s", f, k, err, CommandName(platform, own))
			}
		}
	}
}

func TestCheck(t *testing.T) {
	if err := Check("nxos", "sh int tr"); err != nil {
		t.Errorf("Check(nxos, sh int tr) = %v", err)
	}
	var ue *UnsupportedError
	for _, c := range [][2]string{{"junos", "show version"}, {NXOS, "show running-config"}} {
		if err := Check(c[0], c[1]); !errors.As(err, &ue) {
			t.Errorf("Check(%q, %q) = %v, want an *UnsupportedError", c[0], c[1], err)
		}
	}
}
