package parse

import "testing"

func channel(t *testing.T, pcs []PortChannel, group int) PortChannel {
	t.Helper()
	for _, p := range pcs {
		if p.Group == group {
			return p
		}
	}
	t.Fatalf("group %d not parsed", group)
	return PortChannel{}
}

func ports(ms []Member) (names, flags []string) {
	for _, m := range ms {
		names, flags = append(names, m.Port), append(flags, m.Flags)
	}
	return names, flags
}

func TestNXOSPortChannelSummary(t *testing.T) {
	t.Run("n7k_multiline_members", func(t *testing.T) {
		pcs := run(t, NXOSPortChannelSummary, capture(t, NXOS, "show_port-channel_summary", "n7k_multiline_members"))
		eq(t, "groups", len(pcs), 23)
		po811 := channel(t, pcs, 811)
		eq(t, "811 name/flags/proto", []any{po811.Name, po811.Flags, po811.Up, po811.Type, po811.Protocol},
			[]any{"Po811", "RU", true, "Eth", "LACP"})
		names, _ := ports(po811.Members)
		eq(t, "811 members (wrapped)", names, []string{"Eth15/8", "Eth15/28", "Eth16/8", "Eth16/28"})
		eq(t, "811 bundled", po811.BundledCount(), 4)
		names, _ = ports(channel(t, pcs, 825).Members)
		eq(t, "825 members", names, []string{"Eth3/3"})
	})
	t.Run("down_and_none", func(t *testing.T) {
		pcs := run(t, NXOSPortChannelSummary, capture(t, NXOS, "show_port-channel_summary", "down_and_none"))
		eq(t, "groups", len(pcs), 20)
		eq(t, "135 (static, no members)", channel(t, pcs, 135), PortChannel{Group: 135, Name: "Po135", Flags: "SD",
			Type: "Eth", Protocol: "none", Members: []Member{}})
		eq(t, "136", channel(t, pcs, 136).Members, []Member{{Port: "Eth1/6", Flags: "D", State: "down"}})
		po200 := channel(t, pcs, 200)
		eq(t, "200 up", po200.Up, true)
		names, flags := ports(po200.Members)
		eq(t, "200 members", names, []string{"Eth1/21", "Eth1/22"})
		eq(t, "200 flags", flags, []string{"P", "P"})
	})
	t.Run("hot_standby", func(t *testing.T) {
		pcs := run(t, NXOSPortChannelSummary, capture(t, NXOS, "show_port-channel_summary", "hot_standby"))
		po2 := channel(t, pcs, 2)
		eq(t, "Eth1/5", po2.Members[2], Member{Port: "Eth1/5", Flags: "H", State: "hot-standby"})
		eq(t, "Po2 bundled", po2.BundledCount(), 2)
		eq(t, "Po1 flags", channel(t, pcs, 1).Flags, "RU")
	})
	t.Run("mixed_down_wrap", func(t *testing.T) {
		pcs := run(t, NXOSPortChannelSummary, capture(t, NXOS, "show_port-channel_summary", "mixed_down_wrap"))
		_, flags := ports(channel(t, pcs, 1).Members)
		eq(t, "Po1 member flags", flags, []string{"D", "D", "P", "P", "D", "P"})
		eq(t, "Po1 bundled", channel(t, pcs, 1).BundledCount(), 3)
	})
}

func TestIOSEtherChannelSummary(t *testing.T) {
	t.Run("cat6k_te_wrap", func(t *testing.T) {
		pcs := run(t, IOSEtherChannelSummary, capture(t, IOSXE, "show_etherchannel_summary", "cat6k_te_wrap"))
		eq(t, "groups", len(pcs), 6)
		names, _ := ports(channel(t, pcs, 1).Members)
		eq(t, "Po1 members (wrapped)", names, []string{"Te6/4", "Te3/5", "Te9/4", "Te5/5"})
		eq(t, "Po51", []any{channel(t, pcs, 51).Name, channel(t, pcs, 51).Flags, channel(t, pcs, 51).Protocol}, []any{"Po51", "SU", "LACP"})
		eq(t, "no Type column", channel(t, pcs, 1).Type, "")
	})
	t.Run("asr_tabs_bndl", func(t *testing.T) {
		// Tab-separated columns and "bndl" flags; the legend under the table is not a group.
		pcs := run(t, IOSEtherChannelSummary, capture(t, IOSXE, "show_etherchannel_summary", "asr_tabs_bndl"))
		eq(t, "groups", len(pcs), 1)
		eq(t, "Po10 members", pcs[0].Members, []Member{
			{Port: "Te0/0/2", Flags: "bndl", State: "bundled", Bundled: true},
			{Port: "Te0/0/3", Flags: "bndl", State: "bundled", Bundled: true}})
	})
	t.Run("hot_sby", func(t *testing.T) {
		pcs := run(t, IOSEtherChannelSummary, capture(t, IOSXE, "show_etherchannel_summary", "hot_sby"))
		eq(t, "Gi5", channel(t, pcs, 2).Members[1], Member{Port: "Gi5", Flags: "hot-sby", State: "hot-standby"})
	})
	t.Run("pagp_wrap", func(t *testing.T) {
		pcs := run(t, IOSEtherChannelSummary, capture(t, IOSXE, "show_etherchannel_summary", "pagp_wrap"))
		eq(t, "protocol", pcs[0].Protocol, "PAgP")
		names, _ := ports(pcs[0].Members)
		eq(t, "members", names, []string{"Gi1/0/15", "Gi1/0/16", "Gi1/0/17"})
	})
	t.Run("suspended_members", func(t *testing.T) {
		pcs := run(t, IOSEtherChannelSummary, capture(t, IOSXE, "show_etherchannel_summary", "suspended_members"))
		eq(t, "groups", len(pcs), 5)
		eq(t, "Po1", channel(t, pcs, 1), PortChannel{Group: 1, Name: "Po1", Flags: "SD", Protocol: "none", Members: []Member{}})
		var states []string
		for _, m := range channel(t, pcs, 3).Members {
			states = append(states, m.State)
		}
		eq(t, "Po3 states", states, []string{"bundled", "down", "suspended", "suspended", "down", "bundled"})
		eq(t, "Po4 down", channel(t, pcs, 4).Up, false)
	})
	t.Run("no_members", func(t *testing.T) {
		pcs := run(t, IOSEtherChannelSummary, capture(t, IOSXE, "show_etherchannel_summary", "no_members"))
		eq(t, "Po2", pcs, []PortChannel{{Group: 2, Name: "Po2", Flags: "RU", Up: true, Protocol: "none", Members: []Member{}}})
	})
}

func TestNXOSPortChannelSummaryNXOS9(t *testing.T) {
	// NX-OS 9.3 prints two more legend lines (b - BFD Session Wait, p - Up in delay-lacp
	// mode) and pads member cells with trailing blanks.
	t.Run("n9k_93_vpc_suspended_member", func(t *testing.T) {
		pcs := run(t, NXOSPortChannelSummary, capture(t, NXOS, "show_port-channel_summary", "n9k_93_vpc_suspended_member"))
		eq(t, "groups", len(pcs), 2)
		eq(t, "Po11", channel(t, pcs, 11), PortChannel{Group: 11, Name: "Po11", Flags: "SD", Type: "Eth", Protocol: "LACP",
			Members: []Member{{Port: "Eth1/1", Flags: "s", State: "suspended"}}})
		po1 := channel(t, pcs, 1)
		eq(t, "Po1 up/bundled", []any{po1.Up, po1.BundledCount()}, []any{true, 2})
	})
	t.Run("n9k_virtual_peer_link_none", func(t *testing.T) {
		pcs := run(t, NXOSPortChannelSummary, capture(t, NXOS, "show_port-channel_summary", "n9k_virtual_peer_link_none"))
		eq(t, "Po1000", channel(t, pcs, 1000), PortChannel{Group: 1000, Name: "Po1000", Flags: "SU", Up: true, Type: "Eth",
			Protocol: "none", Members: []Member{}})
		eq(t, "Po6", channel(t, pcs, 6).Members, []Member{{Port: "Eth1/6", Flags: "P", State: "bundled", Bundled: true}})
	})
	t.Run("n9kv_trailing_prompt", func(t *testing.T) {
		// The capture ends with the next prompt, "nexus_E(config-if)# ".
		pcs := run(t, NXOSPortChannelSummary, capture(t, NXOS, "show_port-channel_summary", "n9kv_trailing_prompt"))
		eq(t, "groups", len(pcs), 1)
		names, flags := ports(pcs[0].Members)
		eq(t, "Po21 members", names, []string{"Eth1/3", "Eth1/7"})
		eq(t, "Po21 flags", flags, []string{"P", "P"})
	})
	t.Run("nothing_configured", func(t *testing.T) {
		// NX-OS 9.3 after the channel was removed: "R1# show port-channel summary" and
		// then the next prompt, nothing between (same public runbook as above).
		eq(t, "no channel", run(t, NXOSPortChannelSummary, "R1# show port-channel summary\n"), []PortChannel{})
		eq(t, "empty", run(t, NXOSPortChannelSummary, ""), []PortChannel{})
		if _, err := NXOSPortChannelSummary(capture(t, NXOS, "show_version", "n3k_3048_6.0")); err == nil {
			t.Error("accepted show version output")
		}
	})
}

func TestIOSEtherChannelSummaryMoreCaptures(t *testing.T) {
	t.Run("c9500_auto_lag_down_members", func(t *testing.T) {
		// Catalyst 9500 (Hu/Twe ports), the "A - formed by Auto LAG" legend, the echoed
		// command without a prompt, trailing blanks after the members.
		pcs := run(t, IOSEtherChannelSummary, capture(t, IOSXE, "show_etherchannel_summary", "c9500_auto_lag_down_members"))
		eq(t, "groups", len(pcs), 11)
		po20 := channel(t, pcs, 20)
		eq(t, "Po20 members", po20.Members, []Member{{Port: "Twe1/0/1", Flags: "D", State: "down"},
			{Port: "Twe1/0/13", Flags: "P", State: "bundled", Bundled: true}})
		eq(t, "Po20 up, 1 bundled", []any{po20.Up, po20.BundledCount()}, []any{true, 1})
		eq(t, "Po22", channel(t, pcs, 22), PortChannel{Group: 22, Name: "Po22", Flags: "SD", Protocol: "LACP",
			Members: []Member{{Port: "Twe1/0/2", Flags: "D", State: "down"}}})
		names, _ := ports(channel(t, pcs, 10).Members)
		eq(t, "Po10 members", names, []string{"Hu1/0/50", "Hu1/0/52"})
	})
	t.Run("csr_susp_rd_tabs", func(t *testing.T) {
		pcs := run(t, IOSEtherChannelSummary, capture(t, IOSXE, "show_etherchannel_summary", "csr_susp_rd_tabs"))
		eq(t, "groups", len(pcs), 2)
		po12 := channel(t, pcs, 12)
		eq(t, "Po12", []any{po12.Flags, po12.Up, po12.Protocol, po12.BundledCount()}, []any{"RD", false, "LACP", 0})
		eq(t, "Po12 members", po12.Members, []Member{{Port: "Gi4", Flags: "susp", State: "suspended"},
			{Port: "Gi5", Flags: "susp", State: "suspended"}})
		eq(t, "Po13 bundled", channel(t, pcs, 13).BundledCount(), 2)
	})
}

// Older IOS (12.1, Catalyst 2950/3550) prints no Protocol column: "Group Port-channel
// Ports". Typed for this test after that layout; not a device capture.
func TestIOSEtherChannelSummaryNoProtocolColumn(t *testing.T) {
	text := `Flags:  D - down        P - in port-channel
        I - stand-alone s - suspended
        R - Layer3      S - Layer2
        U - port-channel in use
Group Port-channel  Ports
-----+------------+-----------------------------------------------------------
1     Po1(SU)     Fa0/1(P)   Fa0/2(P)
2     Po2(SD)     Fa0/3(D)
`
	pcs := run(t, IOSEtherChannelSummary, text)
	eq(t, "channels", pcs, []PortChannel{
		{Group: 1, Name: "Po1", Flags: "SU", Up: true, Members: []Member{
			{Port: "Fa0/1", Flags: "P", State: "bundled", Bundled: true}, {Port: "Fa0/2", Flags: "P", State: "bundled", Bundled: true}}},
		{Group: 2, Name: "Po2", Flags: "SD", Members: []Member{{Port: "Fa0/3", Flags: "D", State: "down"}}},
	})
}

func TestMemberStateLetters(t *testing.T) {
	// The NX-OS 9.3 legend above: p - Up in delay-lacp mode (member), b - BFD Session Wait.
	for flags, want := range map[string]string{"P": "bundled", "p": "delay-lacp", "b": "bfd-wait", "s": "suspended",
		"S": "unknown", "D": "down", "I": "individual", "H": "hot-standby", "r": "module-removed", "w": "waiting",
		"u": "unsuitable", "m": "min-links", "f": "failed", "bndl": "bundled", "hot-sby": "hot-standby", "": "unknown"} {
		eq(t, "memberState("+flags+")", memberState(flags), want)
	}
	ms := members([]string{"Eth1/1(p)", "Eth1/2(b)"})
	eq(t, "delay-lacp carries traffic", []bool{ms[0].Bundled, ms[1].Bundled}, []bool{true, false})
}

func TestNXOSPortChannelSummaryNXOSv73(t *testing.T) {
	// NX-OSv 7.3 (a Nexus 7000 image) right after Eth1/1 moved to Po12: suspended until
	// the peer's channel matches, next to a bundled member.
	pcs := run(t, NXOSPortChannelSummary, capture(t, NXOS, "show_port-channel_summary", "nxosv73_suspended_after_move"))
	eq(t, "groups", len(pcs), 2)
	po12 := channel(t, pcs, 12)
	eq(t, "Po12 members", po12.Members, []Member{{Port: "Eth1/1", Flags: "s", State: "suspended"},
		{Port: "Eth1/2", Flags: "P", State: "bundled", Bundled: true}})
	eq(t, "Po12 up, 1 of 2 bundled", []any{po12.Up, po12.BundledCount()}, []any{true, 1})
}
