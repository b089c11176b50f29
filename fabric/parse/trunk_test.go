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
// captures. How NX-OS wraps a VLAN list is seen in a real `show vpc` (genieparser
// nxos/tests/ShowVpc/cli/equal/golden_output_7_output.txt): after a comma, the comma
// kept at the end of the line, the rest indented to the list's column; no capture
// shows a list broken inside a number by the switch (a terminal's cut is, see
// TestTrunkTerminalCutLines).
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

func TestNXOSInterfaceTrunkSinglePort(t *testing.T) {
	// `show interface ethernet 1/3 trunk` on a Nexus 9000 (NX-OS 9.3/10.x): two sections
	// only, 75-dash rules, no blank line between a rule and its rows.
	ts := run(t, NXOSInterfaceTrunk, capture(t, NXOS, "show_interface_trunk", "azure_tor_single_port_75_dash"))
	eq(t, "trunks", ts, []Trunk{{Port: "Eth1/3", Status: "trunking", NativeVLAN: 1,
		Allowed: VLANList{Raw: "1,7,711-712", IDs: []int{1, 7, 711, 712}}}})
	if !ts[0].Carries(711) || ts[0].Carries(713) {
		t.Error("Eth1/3 should carry 711 and not 713 (no STP section printed: allowed is enough)")
	}
}

func TestIOSInterfacesTrunkMoreCaptures(t *testing.T) {
	t.Run("suzieq_te_po_long_active", func(t *testing.T) {
		// IOS-XE with "terminal width" wide enough that Po1's 41-item active list stays on
		// one 274-character line.
		ts := run(t, IOSInterfacesTrunk, capture(t, IOSXE, "show_interfaces_trunk", "suzieq_te_po_long_active"))
		eq(t, "ports", len(ts), 5)
		po1 := trunkByPort(t, ts, "Po1")
		eq(t, "Po1 allowed", po1.Allowed.IDs, seq(1, 4094))
		wantActive := cat([]int{1}, seq(100, 112), seq(114, 118), []int{120}, seq(122, 126), []int{128, 131},
			seq(136, 140), []int{188}, seq(200, 218), []int{220, 222, 223, 228, 236, 240, 600, 601, 700, 800, 803, 888},
			seq(900, 903), seq(905, 911), []int{914, 915, 917, 918, 920}, seq(924, 926), []int{928}, seq(936, 941),
			seq(1600, 1630), seq(1634, 1639), seq(1642, 1654), []int{1656, 1657, 1699})
		eq(t, "Po1 active", po1.Active.IDs, wantActive)
		eq(t, "Po1 not pruned", po1.ForwardingNotPruned, VLANList{Raw: "none", IDs: []int{}})
		if po1.Carries(100) {
			t.Error("Po1 carries VLAN 100 although it forwards none")
		}
		po51 := trunkByPort(t, ts, "Po51")
		eq(t, "Po51 native", po51.NativeVLAN, 888)
		eq(t, "Po51 allowed", po51.Allowed.IDs, []int{108, 208, 803, 908, 1607, 1636, 1638})
		te := trunkByPort(t, ts, "Te1/2/2")
		eq(t, "Te1/2/2 allowed", te.Allowed.IDs, cat(seq(900, 911), seq(914, 918), []int{920}, seq(922, 926), []int{990}))
		if te.Carries(904) || !te.Carries(905) {
			t.Error("Te1/2/2: 904 is allowed but not active, 905 forwards")
		}
	})
	t.Run("iol_stp_blocked_none", func(t *testing.T) {
		ts := run(t, IOSInterfacesTrunk, capture(t, IOSXE, "show_interfaces_trunk", "iol_stp_blocked_none"))
		e0, e1 := trunkByPort(t, ts, "Et0/0"), trunkByPort(t, ts, "Et0/1")
		eq(t, "Et0/0 mode/encap", e0.Mode+" "+e0.Encapsulation, "auto 802.1q")
		eq(t, "Et0/1 active", e1.Active.IDs, cat([]int{1, 5}, seq(7, 10), []int{22, 43, 58, 67, 79, 123, 146}))
		eq(t, "Et0/1 not pruned", e1.ForwardingNotPruned, VLANList{Raw: "none", IDs: []int{}})
		if !e0.Carries(1) || e0.Carries(5) || e1.Carries(1) {
			t.Error("Et0/0 forwards only VLAN 1; Et0/1 is blocked in every VLAN")
		}
	})
	t.Run("c9k_stack_native888", func(t *testing.T) {
		ts := run(t, IOSInterfacesTrunk, capture(t, IOSXE, "show_interfaces_trunk", "c9k_stack_native888"))
		eq(t, "ports", len(ts), 5)
		te3 := trunkByPort(t, ts, "Te3/0/1")
		eq(t, "Te3/0/1 allowed", te3.Allowed.IDs, []int{1, 10, 20, 30, 50, 610, 611, 836, 844, 845, 888, 1000})
		eq(t, "Te2/0/46 native", trunkByPort(t, ts, "Te2/0/46").NativeVLAN, 888)
		te4 := trunkByPort(t, ts, "Te4/0/1")
		eq(t, "Te4/0/1 not pruned", te4.ForwardingNotPruned.Raw, "none")
		if te4.Carries(10) || !te3.Carries(10) {
			t.Error("Te3/0/1 forwards VLAN 10, Te4/0/1 (STP blocked) does not")
		}
	})
	t.Run("c9500_header_trailing_blanks", func(t *testing.T) {
		// The first header line ends in two spaces; the capture starts with a blank line.
		ts := run(t, IOSInterfacesTrunk, capture(t, IOSXE, "show_interfaces_trunk", "c9500_header_trailing_blanks"))
		eq(t, "Te1/0/1", []any{len(ts), ts[0].Port, ts[0].Mode, ts[0].Status, ts[0].NativeVLAN, ts[0].Active.Raw, ts[0].ForwardingNotPruned.Raw},
			[]any{1, "Te1/0/1", "on", "trunking", 1, "1", "1"})
	})
}

// NX-OS with VTP off prints a remark instead of a list under "not pruned" (the words
// "Feature VTP is not enabled" are matched by public NX-OS parsers; no public capture
// of the whole output was found, so the layout around them here is not a capture).
// The remark must not fail the parse, and neither it nor a list printed under it at the
// left margin may be read as the port's "not pruned" list.
func TestTrunkVTPRemark(t *testing.T) {
	text := `--------------------------------------------------------------------------------
Port          Native  Status        Port
              Vlan                  Channel
--------------------------------------------------------------------------------
Eth1/1        1       trnk-bndl     Po1
Po1           1       trunking      --

--------------------------------------------------------------------------------
Port          Vlans Allowed on Trunk
--------------------------------------------------------------------------------
Eth1/1        1-4094
Po1           1-4094

--------------------------------------------------------------------------------
Port          STP Forwarding
--------------------------------------------------------------------------------
Eth1/1        none
Po1           1,10,20

--------------------------------------------------------------------------------
Port          Vlans in spanning tree forwarding state and not pruned
--------------------------------------------------------------------------------
Eth1/1        Feature VTP is not enabled
none
Po1           Feature VTP is not enabled
1,10,20
`
	ts := run(t, NXOSInterfaceTrunk, text)
	po := trunkByPort(t, ts, "Po1")
	eq(t, "Po1 not pruned", po.ForwardingNotPruned.Raw, "")
	eq(t, "Po1 STP forwarding", po.STPForwarding.IDs, []int{1, 10, 20})
	if !po.Carries(10) || po.Carries(30) {
		t.Error("Po1 should carry 10 (STP forwarding) and not 30")
	}
	eq(t, "Eth1/1 not pruned", trunkByPort(t, ts, "Eth1/1").ForwardingNotPruned.Raw, "")
}

// A capture from a terminal whose width cut the long lines: the pieces run on at the
// left margin, cut anywhere, also inside a number ("600-60" / "1,700"). They join as
// they are. Not a device capture: the line is suzieq_te_po_long_active's Po1 row, cut
// at 80 columns.
func TestTrunkTerminalCutLines(t *testing.T) {
	row := capture(t, IOSXE, "show_interfaces_trunk", "suzieq_te_po_long_active")
	var long string
	for _, l := range strings.Split(row, "\n") {
		if strings.HasPrefix(l, "Po1 ") && len(l) > 200 {
			long = l
			break
		}
	}
	if long == "" {
		t.Fatal("no long Po1 row in the capture")
	}
	var cut []string
	for s := long; s != ""; {
		n := min(80, len(s))
		cut, s = append(cut, s[:n]), s[n:]
	}
	text := "Port        Vlans allowed and active in management domain\n" + strings.Join(cut, "\n") + "\nPo2         1\n"
	ts := run(t, IOSInterfacesTrunk, text)
	want := strings.Join(strings.Fields(long)[1:], "")
	eq(t, "Po1 joined", trunkByPort(t, ts, "Po1").Active.Raw, want)
	eq(t, "Po2", trunkByPort(t, ts, "Po2").Active.IDs, []int{1})
}

// Terminal logs of a session without "terminal length 0": the pager prompt, the
// backspaces and blanks that erase it, ANSI attributes. Not a device capture.
func TestTrunkPagerArtifacts(t *testing.T) {
	text := "Port        Vlans allowed on trunk\r\n" +
		"Gi1/1       1-10\r\n" +
		" --More-- \b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\bGi1/2       20-30\r\n" +
		" --More-- \r          \rGi1/3       40\r\n" +
		"\x1b[7m --More-- \x1b[m         Gi1/4       50,\r\n" +
		"            60\r\n"
	ts := run(t, IOSInterfacesTrunk, text)
	var got []string
	for _, tr := range ts {
		got = append(got, tr.Port+" "+tr.Allowed.Raw)
	}
	eq(t, "rows", got, []string{"Gi1/1 1-10", "Gi1/2 20-30", "Gi1/3 40", "Gi1/4 50,60"})
}

// A capture pasted with every line indented (a runbook's code block, an e-mail quote)
// reads as the device printed it.
func TestTrunkUniformIndent(t *testing.T) {
	var b strings.Builder
	for _, l := range strings.Split(capture(t, IOSXE, "show_interfaces_trunk", "iol_stp_blocked_none"), "\n") {
		if l != "" {
			b.WriteString("    ")
		}
		b.WriteString(l + "\n")
	}
	ts := run(t, IOSInterfacesTrunk, b.String())
	eq(t, "ports", len(ts), 2)
	eq(t, "Et0/1 not pruned", trunkByPort(t, ts, "Et0/1").ForwardingNotPruned.Raw, "none")
}

func TestTrunkPromptOnly(t *testing.T) {
	// NX-OS prints nothing when no port trunks; a capture then holds the prompt and the
	// echoed command only.
	eq(t, "trunks", run(t, NXOSInterfaceTrunk, "N9K-1# show interface trunk\nN9K-1# \n"), []Trunk{})
}
