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
