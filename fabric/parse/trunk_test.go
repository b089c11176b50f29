package parse

import (
	"strings"
	"testing"
)

func trunkByPort(t *testing.T, ts []Trunk, port string) Trunk {
	t.Helper()
	for _, tr := range ts {
		if tr.Port == port {
			return tr
		}
	}
	t.Fatalf("port %s not parsed", port)
	return Trunk{}
}

func TestNXOSInterfaceTrunk(t *testing.T) {
	// A Nexus core: two-line status header, err-disabled VLANs 12 and 17 (so they do not
	// forward), an empty "not pruned" section and a FabricPath section; the capture starts
	// with the echoed prompt "BOS-CORE-NX1# sh int trunk".
	ts := run(t, NXOSInterfaceTrunk, capture(t, NXOS, "show_interface_trunk", "bos_core_errdisabled_fabricpath"))
	eq(t, "ports", len(ts), 2)
	allowed := []int{10, 12, 17, 33, 34, 35, 36, 37, 38, 39, 40, 50, 64, 65, 66, 67, 68, 69, 70, 71, 1001}

	e := trunkByPort(t, ts, "Eth1/47")
	eq(t, "Eth1/47 status", e.Status, "trnk-bndl")
	eq(t, "Eth1/47 native", e.NativeVLAN, 900)
	eq(t, "Eth1/47 port-channel", e.PortChannel, "Po48")
	eq(t, "Eth1/47 allowed raw", e.Allowed.Raw, "10,12,17,33-40,50,64-71,1001")
	eq(t, "Eth1/47 allowed", e.Allowed.IDs, allowed)
	eq(t, "Eth1/47 err-disabled", e.ErrDisabled.IDs, []int{12, 17})
	eq(t, "Eth1/47 STP forwarding", e.STPForwarding, VLANList{Raw: "none", IDs: []int{}})

	po := trunkByPort(t, ts, "Po48")
	eq(t, "Po48 status", po.Status, "trunking")
	eq(t, "Po48 port-channel", po.PortChannel, "")
	eq(t, "Po48 STP forwarding", po.STPForwarding.IDs, cat([]int{10}, seq(33, 40), []int{50}, seq(64, 71), []int{1001}))
	eq(t, "Po48 has no IOS columns", po.Mode+po.Encapsulation, "")
	eq(t, "Po48 has no 'active' section", po.Active.Raw, "")
	if !po.Carries(10) || po.Carries(12) || po.Carries(120) {
		t.Errorf("Po48 Carries: 10=%v 12=%v 120=%v, want true false false", po.Carries(10), po.Carries(12), po.Carries(120))
	}
	if e.Carries(10) {
		t.Error("Eth1/47 carries VLAN 10 although STP forwards none on it")
	}
}

func TestIOSInterfacesTrunk(t *testing.T) {
	t.Run("c2960_native900", func(t *testing.T) {
		ts := run(t, IOSInterfacesTrunk, capture(t, IOSXE, "show_interfaces_trunk", "c2960_native900"))
		eq(t, "ports", len(ts), 2)
		po := trunkByPort(t, ts, "Po48")
		eq(t, "Po48 columns", []any{po.Mode, po.Encapsulation, po.Status, po.NativeVLAN}, []any{"on", "802.1q", "trunking", 900})
		eq(t, "Po48 active raw", po.Active.Raw, "10,12,17,33-40,50,64-71,1001")
		eq(t, "Po1 not pruned", trunkByPort(t, ts, "Po1").ForwardingNotPruned.IDs, cat([]int{10}, seq(64, 71)))
		eq(t, "Po1 err-disabled section absent", trunkByPort(t, ts, "Po1").ErrDisabled.Raw, "")
	})
	t.Run("c3850_repeated_header", func(t *testing.T) {
		// "200-211, 300-302" has a space after the comma; the "not pruned" header is
		// printed a second time for Po14.
		ts := run(t, IOSInterfacesTrunk, capture(t, IOSXE, "show_interfaces_trunk", "c3850_repeated_header"))
		eq(t, "ports", len(ts), 5)
		po14 := trunkByPort(t, ts, "Po14")
		eq(t, "Po14 active", po14.Active.IDs, cat(seq(200, 211), seq(300, 302)))
		eq(t, "Po14 not pruned", po14.ForwardingNotPruned.IDs, seq(200, 211))
		eq(t, "Po12 allowed", trunkByPort(t, ts, "Po12").Allowed.IDs, seq(100, 110))
		g24 := trunkByPort(t, ts, "Gi1/0/24")
		eq(t, "Gi1/0/24 not pruned", g24.ForwardingNotPruned, VLANList{Raw: "none", IDs: []int{}})
		if g24.Carries(200) {
			t.Error("Gi1/0/24 carries VLAN 200 although it forwards none")
		}
		if !trunkByPort(t, ts, "Gi1/0/4").Carries(211) {
			t.Error("Gi1/0/4 does not carry VLAN 211")
		}
	})
	t.Run("isl_negotiated", func(t *testing.T) {
		ts := run(t, IOSInterfacesTrunk, capture(t, IOSXE, "show_interfaces_trunk", "isl_negotiated"))
		g := trunkByPort(t, ts, "Gi1/0/24")
		eq(t, "Gi1/0/24 mode/encap", g.Mode+" "+g.Encapsulation, "auto n-isl")
		eq(t, "Po12 encap", trunkByPort(t, ts, "Po12").Encapsulation, "isl")
	})
	t.Run("not_trunking", func(t *testing.T) {
		ts := run(t, IOSInterfacesTrunk, capture(t, IOSXE, "show_interfaces_trunk", "not_trunking"))
		g := trunkByPort(t, ts, "Gi0/1/7")
		eq(t, "status", g.Status, "not-trunking")
		eq(t, "allowed", g.Allowed.IDs, []int{1})
		if g.Carries(1) {
			t.Error("a not-trunking port carries VLAN 1")
		}
	})
}

// No public capture of a wrapped NX-OS or IOS trunk VLAN list was found (see
// SOURCES.md). These cases follow the layout of the captures above: the list carries
// on in the VLAN column, on lines indented past the port name. They are not device
// captures.
func TestTrunkWrappedLists(t *testing.T) {
	nx := `--------------------------------------------------------------------------------
Port          Native  Status        Port
              Vlan                  Channel
--------------------------------------------------------------------------------
Po1           1       trunking      --

--------------------------------------------------------------------------------
Port          Vlans Allowed on Trunk
--------------------------------------------------------------------------------
Po1           1-4,10,100-199,201,203,205,207,209,211,213,215,217,219,221,223,225
              ,227,229,300-399,
              1000-1010
Eth1/1        none
`
	ts := run(t, NXOSInterfaceTrunk, nx)
	po := trunkByPort(t, ts, "Po1")
	wantRaw := "1-4,10,100-199,201,203,205,207,209,211,213,215,217,219,221,223,225,227,229,300-399,1000-1010"
	eq(t, "joined raw", po.Allowed.Raw, wantRaw)
	want := cat(seq(1, 4), []int{10}, seq(100, 199))
	for v := 201; v <= 229; v += 2 {
		want = append(want, v)
	}
	want = cat(want, seq(300, 399), seq(1000, 1010))
	eq(t, "expanded", po.Allowed.IDs, want)
	eq(t, "Eth1/1 (no status row) allowed", trunkByPort(t, ts, "Eth1/1").Allowed, VLANList{Raw: "none", IDs: []int{}})

	ios := `Port        Mode             Encapsulation  Status        Native vlan
Gi1/1       on               802.1q         trunking      1

Port        Vlans allowed on trunk
Gi1/1       1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33,35,37,39,41,43,45,47,49
            51,53

Port        Vlans allowed and active in management domain
Gi1/1       1,3,5
`
	g := trunkByPort(t, run(t, IOSInterfacesTrunk, ios), "Gi1/1")
	if !strings.HasSuffix(g.Allowed.Raw, ",49,51,53") {
		t.Errorf("wrap without a trailing comma joined as %q", g.Allowed.Raw)
	}
	eq(t, "IOS allowed count", len(g.Allowed.IDs), 27)
}

func TestTrunkBadVLANList(t *testing.T) {
	text := "Port        Vlans allowed on trunk\nGi1/1       1-5000\n"
	if _, err := IOSInterfacesTrunk(text); err == nil {
		t.Error("accepted VLAN 5000")
	}
}

func TestTrunkEmptyOutput(t *testing.T) {
	// A switch with no trunking port prints nothing at all.
	ts := run(t, NXOSInterfaceTrunk, "\n")
	eq(t, "trunks", ts, []Trunk{})
	if _, err := NXOSInterfaceTrunk(capture(t, NXOS, "show_version", "n3k_3048_6.0")); err == nil {
		t.Error("accepted show version output")
	}
}
