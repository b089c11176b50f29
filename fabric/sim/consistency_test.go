package sim

import (
	"slices"
	"strings"
	"testing"
)

// These tests pin the fabric's semantics: a change on one switch shows in every show command
// it affects, at both ends.

func forwardingOn(t *testing.T, f *Fabric, sw, port string) string {
	t.Helper()
	cmd, title := "show interface trunk", "STP Forwarding"
	if strings.Contains(sw, "c6k") {
		cmd, title = "show interfaces trunk", "not pruned"
	}
	return trunkSection(run(t, f, sw, cmd), title)[port]
}

func otvState(t *testing.T, f *Fabric, sw string, vlan string) string {
	t.Helper()
	for _, l := range strings.Split(run(t, f, sw, "show otv vlan"), "\n") {
		fs := strings.Fields(l)
		if len(fs) >= 3 && strings.TrimSuffix(fs[0], "*") == vlan {
			return fs[0] + " " + fs[2]
		}
	}
	return ""
}

func snapshotVLAN(f *Fabric, id int) VLANState {
	for _, v := range f.Snapshot().VLANs {
		if v.ID == id {
			return v
		}
	}
	return VLANState{}
}

func TestHealthyFabric(t *testing.T) {
	f := startFabric(t, Options{})
	for _, sw := range []string{miaEdge, atlEdge} {
		if got := forwardingOn(t, f, sw, "Po10"); got != planList(true) {
			t.Errorf("%s Po10 forwarding %q", sw, got)
		}
		if got := forwardingOn(t, f, sw, "Po20"); got != planList(false) {
			t.Errorf("%s Po20 forwarding %q", sw, got)
		}
		if got := otvState(t, f, sw, "120"); got != "120* active" {
			t.Errorf("%s OTV VLAN 120: %q", sw, got)
		}
		if got := otvState(t, f, sw, "300"); got != "" {
			t.Errorf("%s extends the DMZ: %q", sw, got)
		}
	}
	s := f.Snapshot()
	if !s.DCIUp || !s.OTVAdjacencyUp {
		t.Errorf("snapshot: DCI up %v, OTV up %v", s.DCIUp, s.OTVAdjacencyUp)
	}
	for _, v := range s.VLANs {
		if v.Extended != v.Planned {
			t.Errorf("VLAN %d: extended %v, planned %v", v.ID, v.Extended, v.Planned)
		}
	}
	if out := run(t, f, atlEdge, "show otv adjacency"); !strings.Contains(out, "mia-dci-n7k-01                   0026.980c.5b41 10.255.0.1      5w2d      UP") {
		t.Errorf("atl adjacency:\n%s", out)
	}
}

func TestVLANRemovedFromDCITrunk(t *testing.T) {
	f := startFabric(t, Options{})
	run(t, f, miaEdge, "configure terminal", "interface port-channel10", "switchport trunk allowed vlan remove 120", "end")

	// The far end still allows 120, but no longer forwards it (Bridge Assurance).
	atl := run(t, f, atlEdge, "show interface trunk")
	if got := trunkSection(atl, "Allowed")["Po10"]; got != planList(true) {
		t.Errorf("atl Po10 allowed %q", got)
	}
	for _, sw := range []string{miaEdge, atlEdge} {
		if got := forwardingOn(t, f, sw, "Po10"); got != planList(true, 120) {
			t.Errorf("%s Po10 forwarding %q", sw, got)
		}
		// The site trunk is untouched.
		if got := forwardingOn(t, f, sw, "Po20"); !strings.Contains(got, "120") {
			t.Errorf("%s Po20 forwarding %q", sw, got)
		}
		// OTV cannot extend what the DCI does not carry.
		if got := otvState(t, f, sw, "120"); got != "120 inactive(NFC)" {
			t.Errorf("%s OTV VLAN 120: %q", sw, got)
		}
		if got := otvState(t, f, sw, "130"); got != "130* active" {
			t.Errorf("%s OTV VLAN 130: %q", sw, got)
		}
		if l := line(run(t, f, sw, "show vlan brief"), "120 "); !strings.HasSuffix(l, "active    Po20") {
			t.Errorf("%s vlan brief: %q", sw, l)
		}
	}
	if v := snapshotVLAN(f, 120); v.Extended {
		t.Errorf("snapshot: VLAN 120 still extended")
	}

	run(t, f, miaEdge, "conf t", "int po10", "sw tr al vl add 120", "end")
	for _, sw := range []string{miaEdge, atlEdge} {
		if got := otvState(t, f, sw, "120"); got != "120* active" {
			t.Errorf("after adding back, %s OTV VLAN 120: %q", sw, got)
		}
	}
	if v := snapshotVLAN(f, 120); !v.Extended {
		t.Errorf("snapshot: VLAN 120 not extended after adding back")
	}
}

func TestVLANDeletedOnOneEdge(t *testing.T) {
	f := startFabric(t, Options{})
	run(t, f, miaEdge, "conf t", "no vlan 120", "end")

	if l := line(run(t, f, miaEdge, "show vlan brief"), "120 "); l != "" {
		t.Errorf("mia still lists VLAN 120: %q", l)
	}
	if l := line(run(t, f, atlEdge, "show vlan brief"), "120 "); !strings.HasSuffix(l, "active    Po20") {
		t.Errorf("atl vlan brief: %q", l)
	}
	for _, sw := range []string{miaEdge, atlEdge} {
		if got := forwardingOn(t, f, sw, "Po10"); got != planList(true, 120) {
			t.Errorf("%s Po10 forwarding %q", sw, got)
		}
	}
	// mia no longer has the VLAN; the site trunk to its distribution switch stops too.
	if got := forwardingOn(t, f, miaDist, "Po1"); got != planList(false, 120) {
		t.Errorf("mia distribution Po1 forwarding %q", got)
	}
	if got := otvState(t, f, miaEdge, "120"); got != "120 inactive(VD)" {
		t.Errorf("mia OTV VLAN 120: %q", got)
	}
	if got := otvState(t, f, atlEdge, "120"); got != "120 inactive(NFC)" {
		t.Errorf("atl OTV VLAN 120: %q", got)
	}

	run(t, f, miaEdge, "conf t", "vlan 120", "name App", "end")
	if got := otvState(t, f, atlEdge, "120"); got != "120* active" {
		t.Errorf("after recreating, atl OTV VLAN 120: %q", got)
	}
}

func TestMemberShutOnOneSide(t *testing.T) {
	f := startFabric(t, Options{})
	run(t, f, miaEdge, "conf t", "int e3/1", "shutdown", "end")

	if l := line(run(t, f, miaEdge, "show interface e3/1"), "Ethernet3/1 is"); l != "Ethernet3/1 is down (Administratively down)" {
		t.Errorf("mia: %q", l)
	}
	atlIf := run(t, f, atlEdge, "show interface Ethernet3/1")
	if l := line(atlIf, "Ethernet3/1 is"); l != "Ethernet3/1 is down (Link not connected)" {
		t.Errorf("atl: %q", l)
	}
	if l := line(atlIf, "admin state"); l != "admin state is up, Dedicated Interface" {
		t.Errorf("atl admin state: %q", l)
	}
	for _, sw := range []string{miaEdge, atlEdge} {
		if l := line(run(t, f, sw, "show port-channel summary"), "10 "); l != "10    Po10(SU)    Eth      LACP      Eth3/1(D)    Eth3/2(P)" {
			t.Errorf("%s summary: %q", sw, l)
		}
		po := run(t, f, sw, "show interface po10")
		if !strings.HasPrefix(po, "port-channel10 is up\n") || !strings.Contains(po, "BW 10000000 Kbit") {
			t.Errorf("%s Po10 should stay up on one 10G member:\n%s", sw, po)
		}
		tr := run(t, f, sw, "show interface trunk")
		if l := line(tr, "Eth3/1 "); !strings.Contains(l, "not-trunking") {
			t.Errorf("%s trunk row %q", sw, l)
		}
	}
	// One member is enough for the adjacency and the VLANs.
	if out := run(t, f, atlEdge, "show otv adjacency"); !strings.Contains(out, " UP") {
		t.Errorf("adjacency went down with one member:\n%s", out)
	}
}

func TestPortChannelShutOnOneSide(t *testing.T) {
	f := startFabric(t, Options{})
	run(t, f, atlEdge, "conf t", "int port-channel10", "shut", "end")

	atl := run(t, f, atlEdge, "show interface po10")
	if !strings.HasPrefix(atl, "port-channel10 is down (Administratively down)\nadmin state is down\n") {
		t.Errorf("atl Po10:\n%s", atl[:120])
	}
	if l := line(run(t, f, atlEdge, "show interface e3/2"), "Ethernet3/2 is"); l != "Ethernet3/2 is down (Channel admin down)" {
		t.Errorf("atl member: %q", l)
	}
	if l := line(run(t, f, miaEdge, "show interface e3/2"), "Ethernet3/2 is"); l != "Ethernet3/2 is down (Link not connected)" {
		t.Errorf("mia member: %q", l)
	}
	if l := line(run(t, f, miaEdge, "show interface po10"), "port-channel10 is"); l != "port-channel10 is down (No operational members)" {
		t.Errorf("mia Po10: %q", l)
	}
	for _, sw := range []string{miaEdge, atlEdge} {
		tr := run(t, f, sw, "show interface trunk")
		if l := line(tr, "Po10 "); !strings.Contains(l, "not-trunking") {
			t.Errorf("%s trunk: %q", sw, l)
		}
		if got := trunkSection(tr, "STP Forwarding")["Po10"]; got != "none" {
			t.Errorf("%s Po10 forwarding %q", sw, got)
		}
		if l := line(run(t, f, sw, "show port-channel summary"), "10 "); !strings.Contains(l, "Po10(SD)") || !strings.Contains(l, "(D)") {
			t.Errorf("%s summary: %q", sw, l)
		}
		adj := run(t, f, sw, "show otv adjacency")
		if strings.Contains(adj, " UP") {
			t.Errorf("%s adjacency still up:\n%s", sw, adj)
		}
		if got := otvState(t, f, sw, "100"); got != "100 inactive(OD)" {
			t.Errorf("%s OTV VLAN 100: %q", sw, got)
		}
	}
	s := f.Snapshot()
	if s.DCIUp || s.OTVAdjacencyUp {
		t.Errorf("snapshot: DCI up %v, OTV up %v", s.DCIUp, s.OTVAdjacencyUp)
	}

	run(t, f, atlEdge, "conf t", "int po10", "no shut", "end")
	if !f.Snapshot().OTVAdjacencyUp {
		t.Errorf("adjacency did not come back")
	}
	if out := run(t, f, miaEdge, "show otv adjacency"); !strings.Contains(out, "00:00:00  UP") {
		t.Errorf("adjacency uptime should restart:\n%s", out)
	}
}

func TestDistributionChangeReachesEdge(t *testing.T) {
	f := startFabric(t, Options{})
	run(t, f, atlDist, "conf t", "int po1", "switchport trunk allowed vlan remove 130", "end")
	if got := forwardingOn(t, f, atlEdge, "Po20"); got != planList(false, 130) {
		t.Errorf("atl edge Po20 forwarding %q", got)
	}
	if got := forwardingOn(t, f, atlDist, "Po1"); got != planList(false, 130) {
		t.Errorf("atl distribution Po1 forwarding %q", got)
	}
	out := run(t, f, atlDist, "show interfaces trunk")
	if got := trunkSection(out, "active in management domain")["Po1"]; got != planList(false, 130) {
		t.Errorf("atl distribution active %q", got)
	}

	// Shutting the uplink empties `show interfaces trunk` on IOS and takes the edge's Po20 down.
	run(t, f, atlDist, "conf t", "int po1", "shutdown", "end")
	if out := run(t, f, atlDist, "show interfaces trunk"); out != "" {
		t.Errorf("IOS lists a trunk that is down:\n%s", out)
	}
	if l := line(run(t, f, atlDist, "show interfaces te1/1"), "TenGigabitEthernet1/1 is"); l != "TenGigabitEthernet1/1 is administratively down, line protocol is down (disabled)" {
		t.Errorf("member: %q", l)
	}
	if l := line(run(t, f, atlEdge, "show port-channel summary"), "20 "); l != "20    Po20(SD)    Eth      LACP      Eth4/1(D)    Eth4/2(D)" {
		t.Errorf("edge summary: %q", l)
	}
	if l := line(run(t, f, atlDist, "show etherchannel summary"), "1      Po1"); !strings.HasPrefix(l, "1      Po1(SD)         LACP      Te1/1(D)       Te1/2(D)") {
		t.Errorf("etherchannel summary: %q", l)
	}
}

func TestMemberMisconfigurationSuspendsIt(t *testing.T) {
	f := startFabric(t, Options{})
	run(t, f, miaDist, "conf t", "int te1/2", "switchport trunk allowed vlan remove 300", "end")
	if l := line(run(t, f, miaDist, "show etherchannel summary"), "1      Po1"); !strings.Contains(l, "Te1/1(P)       Te1/2(s)") {
		t.Errorf("etherchannel summary: %q", l)
	}
	if l := line(run(t, f, miaEdge, "show port-channel summary"), "20 "); !strings.Contains(l, "Eth4/1(P)    Eth4/2(s)") {
		t.Errorf("edge summary: %q", l)
	}
}

func TestFaultHelpers(t *testing.T) {
	f := startFabric(t, Options{})

	if err := f.AddCRCErrors(atlEdge, "Ethernet3/2", 1234); err != nil {
		t.Fatal(err)
	}
	if l := line(run(t, f, atlEdge, "show interface e3/2"), "0 runts"); l != "    0 runts  0 giants  1234 CRC/FCS  0 no buffer" {
		t.Errorf("NX-OS CRC line: %q", l)
	}
	if l := line(run(t, f, atlEdge, "show interface po10"), "0 runts"); !strings.Contains(l, "1234 CRC/FCS") {
		t.Errorf("port-channel sums its members: %q", l)
	}
	if err := f.AddCRCErrors(miaDist, "po1", 7); err != nil {
		t.Fatal(err)
	}
	if l := line(run(t, f, miaDist, "show interfaces te1/1"), "7 input errors"); l != "     7 input errors, 7 CRC, 0 frame, 0 overrun, 0 ignored" {
		t.Errorf("IOS CRC line: %q", l)
	}

	if err := f.SetCRCErrorRate(miaEdge, "e3/1", 1e6); err != nil {
		t.Fatal(err)
	}
	first := f.Snapshot()
	waitFor(t, "CRC errors to grow", func() bool {
		return crcOf(f.Snapshot(), miaEdge, "Ethernet3/1") > crcOf(first, miaEdge, "Ethernet3/1")
	})

	if err := f.SetLinkDown(miaEdge, "Ethernet3/1", true); err != nil {
		t.Fatal(err)
	}
	if err := f.SetLinkDown(miaEdge, "Ethernet3/2", true); err != nil {
		t.Fatal(err)
	}
	if s := f.Snapshot(); s.DCIUp || s.OTVAdjacencyUp {
		t.Errorf("both DCI fibres cut, yet DCI up %v, OTV up %v", s.DCIUp, s.OTVAdjacencyUp)
	}
	if l := line(run(t, f, atlEdge, "show interface e3/1"), "Ethernet3/1 is"); l != "Ethernet3/1 is down (Link not connected)" {
		t.Errorf("cut fibre: %q", l)
	}
	if err := f.SetLinkDown(miaEdge, "po10", true); err == nil {
		t.Errorf("cutting a port-channel should be refused")
	}
	_ = f.SetLinkDown(miaEdge, "Ethernet3/1", false)
	_ = f.SetLinkDown(miaEdge, "Ethernet3/2", false)

	f.SetOTVAdjacency(false)
	if out := run(t, f, miaEdge, "show otv adjacency"); strings.Contains(out, atlEdge) {
		t.Errorf("forced-down adjacency still listed:\n%s", out)
	}
	if got := forwardingOn(t, f, miaEdge, "Po10"); got != planList(true) {
		t.Errorf("the trunk does not care about OTV: %q", got)
	}
	f.SetOTVAdjacency(true)
	if !f.Snapshot().OTVAdjacencyUp {
		t.Errorf("adjacency did not come back")
	}

	if err := f.AddCRCErrors("nope", "e3/1", 1); err == nil || !strings.Contains(err.Error(), "no switch") {
		t.Errorf("unknown switch: %v", err)
	}
	if err := f.AddCRCErrors(miaEdge, "e9/9", 1); err == nil {
		t.Errorf("unknown interface accepted")
	}
}

func crcOf(s Snapshot, sw, name string) uint64 {
	i := slices.IndexFunc(s.Interfaces, func(is InterfaceState) bool { return is.Switch == sw && is.Name == name })
	return s.Interfaces[i].CRCErrors
}

func TestBandwidthAndVLANOptions(t *testing.T) {
	f := startFabric(t, Options{
		BandwidthGbps: 100,
		VLANs:         []VLAN{{ID: 10, Name: "Users", Extended: true}, {ID: 20, Name: "Lab"}},
	})
	out := run(t, f, miaEdge, "show interface po10")
	if !strings.Contains(out, "MTU 9216 bytes, BW 200000000 Kbit") {
		t.Errorf("Po10 at 2x100G:\n%s", out)
	}
	if got := forwardingOn(t, f, atlEdge, "Po10"); got != "10" {
		t.Errorf("Po10 forwarding %q", got)
	}
	if got := forwardingOn(t, f, atlDist, "Po1"); got != "10,20" {
		t.Errorf("Po1 forwarding %q", got)
	}
	if _, err := Start(t.Context(), Options{VLANs: []VLAN{{ID: 1002, Name: "x"}}}); err == nil {
		t.Errorf("a reserved VLAN was accepted")
	}
}
