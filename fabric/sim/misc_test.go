package sim

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestInterfaceSettings(t *testing.T) {
	f := startFabric(t, Options{})
	run(t, f, miaEdge, "conf t", "int po10", "mtu 1500", "description DCI via carrier B", "end")
	for _, name := range []string{"po10", "e3/1", "e3/2"} {
		if out := run(t, f, miaEdge, "show interface "+name); !strings.Contains(out, "MTU 1500 bytes") {
			t.Errorf("%s MTU not 1500:\n%s", name, out)
		}
	}
	if l := line(run(t, f, miaEdge, "show interface po10"), "Description:"); l != "  Description: DCI via carrier B" {
		t.Errorf("description: %q", l)
	}
	if out := run(t, f, atlEdge, "show interface po10"); !strings.Contains(out, "MTU 9216 bytes") {
		t.Errorf("the far end keeps its own MTU")
	}
	run(t, f, miaEdge, "conf t", "int po10", "no mtu", "no description", "end")
	if out := run(t, f, miaEdge, "show interface po10"); strings.Contains(out, "Description:") {
		t.Errorf("description not removed")
	}
	run(t, f, miaDist, "conf t", "int po1", "mtu 9000", "end")
	if l := line(run(t, f, miaDist, "show interfaces te1/2"), "MTU"); !strings.HasPrefix(l, "  MTU 9000 bytes") {
		t.Errorf("IOS member MTU: %q", l)
	}
	// The overlay has no switchport.
	if _, err := f.Exec(miaEdge, "conf t", "int overlay1", "switchport trunk allowed vlan remove 120"); err == nil {
		t.Errorf("switchport on Overlay1 accepted")
	}
}

func TestOTVExtendVLAN(t *testing.T) {
	f := startFabric(t, Options{})
	run(t, f, atlEdge, "conf t", "interface Overlay1", "otv extend-vlan remove 150", "end")
	if got := otvState(t, f, atlEdge, "150"); got != "" {
		t.Errorf("atl still lists VLAN 150: %q", got)
	}
	if got := otvState(t, f, miaEdge, "150"); got != "150 inactive(NFC)" {
		t.Errorf("mia OTV VLAN 150: %q", got)
	}
	if got := forwardingOn(t, f, miaEdge, "Po10"); !strings.Contains(got, "150") {
		t.Errorf("OTV config does not touch the trunk: %q", got)
	}
	run(t, f, atlEdge, "conf t", "int overlay1", "otv extend-vlan add 150", "shutdown", "end")
	for _, sw := range []string{miaEdge, atlEdge} {
		if got := otvState(t, f, sw, "150"); got != "150 inactive(OD)" {
			t.Errorf("%s with atl overlay shut: %q", sw, got)
		}
	}
	if l := line(run(t, f, atlEdge, "show interface overlay1"), "Overlay1 is"); l != "Overlay1 is down (Administratively down)" {
		t.Errorf("overlay: %q", l)
	}
	if _, err := f.Exec(miaEdge, "conf t", "int po10", "otv extend-vlan add 300"); err == nil {
		t.Errorf("otv extend-vlan accepted on a port-channel")
	}
}

func TestMiscCommands(t *testing.T) {
	f := startFabric(t, Options{})
	if out := run(t, f, miaEdge, "copy running-config startup-config"); !strings.Contains(out, "Copy complete.") {
		t.Errorf("copy run start: %q", out)
	}
	if out := run(t, f, miaDist, "write memory"); out != "Building configuration...\n[OK]\n" {
		t.Errorf("write memory: %q", out)
	}
	if out := run(t, f, miaEdge, "show interface"); len(regexp.MustCompile(`(?m)^\S+ is up$`).FindAllString(out, -1)) != 7 {
		t.Errorf("show interface should list 7 interfaces up:\n%s", out)
	}
	if out := run(t, f, miaDist, "show interfaces"); strings.Count(out, "line protocol is up") != 3 {
		t.Errorf("show interfaces:\n%s", out)
	}
	if _, err := f.Exec(miaEdge, "terminal width 10"); err == nil {
		t.Errorf("NX-OS took a terminal width below 24")
	}

	_, err := f.Exec(miaDist, "conf t", "no vlan 1")
	var ce *CommandError
	if !errors.As(err, &ce) || !strings.Contains(ce.Error(), "Default VLAN 1 may not be deleted") {
		t.Errorf("no vlan 1: %v", err)
	}
	run(t, f, miaDist, "conf t", "vlan 410", "name Temp", "no name", "exit", "exit")
	if l := line(run(t, f, miaDist, "show vlan brief"), "410 "); !strings.Contains(l, "VLAN0410") {
		t.Errorf("no name: %q", l)
	}

	f.SetPacketLoss(100)
	if out := run(t, f, miaEdge, "ping 10.255.0.2 count 2"); !strings.Contains(out, "100.00% packet loss") {
		t.Errorf("ping at 100%% loss:\n%s", out)
	}
	if out := run(t, f, miaEdge, "ping 10.1.255.2 count 2"); !strings.Contains(out, " 0.00% packet loss") {
		t.Errorf("loss applies to the DCI only:\n%s", out)
	}
	f.SetPacketLoss(0)
	if f.Latency() != DefaultLatency {
		t.Errorf("latency %v", f.Latency())
	}
	if _, err := f.Exec(miaEdge, "ping nowhere"); err == nil {
		t.Errorf("ping to a name accepted")
	}
	if _, err := f.Exec(miaDist, "conf t", "int po1", "switchport trunk allowed vlan except 300", "end"); err != nil {
		t.Fatal(err)
	}
	if got := trunkSection(run(t, f, miaDist, "show interfaces trunk"), "allowed on trunk")["Po1"]; got != "1-299,301-4094" {
		t.Errorf("except: %q", got)
	}
	run(t, f, miaDist, "conf t", "int po1", "switchport trunk allowed vlan all", "end")
	if got := forwardingOn(t, f, miaDist, "Po1"); got != planList(false) {
		t.Errorf("allowed all: forwarding %q", got)
	}
	if _, err := f.Exec("nope", "show version"); err == nil {
		t.Errorf("unknown switch accepted")
	}
}
