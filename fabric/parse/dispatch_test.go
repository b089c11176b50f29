package parse

import (
	"encoding/json"
	"errors"
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
