package parse

import "testing"

func iface(t *testing.T, is []Interface, name string) Interface {
	t.Helper()
	for _, i := range is {
		if i.Name == name {
			return i
		}
	}
	t.Fatalf("interface %s not parsed", name)
	return Interface{}
}

func TestNXOSInterfaces(t *testing.T) {
	t.Run("eth_with_errors", func(t *testing.T) {
		is := run(t, NXOSInterfaces, capture(t, NXOS, "show_interface", "eth_with_errors"))
		eq(t, "count", len(is), 8)
		e := iface(t, is, "Ethernet1/1")
		eq(t, "Ethernet1/1", e, Interface{Name: "Ethernet1/1", AdminState: "up", OperState: "up", MTU: 1500,
			BandwidthKbit: 1000000, CRCErrors: 2211122, InputErrors: 10, OutputErrors: 555,
			InputBps: 200, OutputBps: 5320, RateSeconds: 30, HasRates: true})
		eq(t, "Ethernet1/2 reason", iface(t, is, "Ethernet1/2").Reason, "Link not connected")
		e49 := iface(t, is, "Ethernet1/49")
		eq(t, "Ethernet1/49", []any{e49.MemberOf, e49.Description, e49.BandwidthKbit}, []any{"Po1", "*** OOB-MGMT CORE UPLINKS ***", int64(25000000)})
		e54 := iface(t, is, "Ethernet1/54")
		eq(t, "Ethernet1/54 admin/oper/reason", []string{e54.AdminState, e54.OperState, e54.Reason}, []string{"down", "down", "XCVR not inserted"})
	})
	t.Run("link_flap_errdisabled", func(t *testing.T) {
		is := run(t, NXOSInterfaces, capture(t, NXOS, "show_interface", "link_flap_errdisabled"))
		eq(t, "count", len(is), 1)
		e := is[0]
		eq(t, "name", e.Name, "Ethernet140/1/26")
		eq(t, "err-disabled", e.ErrDisabled, true)
		eq(t, "reason", e.Reason, "linkFlapErrDisabled, port: error")
		eq(t, "admin/oper", e.AdminState+"/"+e.OperState, "up/down")
		eq(t, "MTU", e.MTU, 9216)
		eq(t, "input errors", e.InputErrors, int64(1))
	})
	t.Run("full_70_interfaces", func(t *testing.T) {
		is := run(t, NXOSInterfaces, capture(t, NXOS, "show_interface", "full_70_interfaces"))
		eq(t, "count", len(is), 70)
		eq(t, "first", is[0].Name, "mgmt0")
		e1 := iface(t, is, "Ethernet1/1")
		eq(t, "Ethernet1/1 MTU/BW", []any{e1.MTU, e1.BandwidthKbit}, []any{9216, int64(10000000)})
		e6 := iface(t, is, "Ethernet1/6")
		eq(t, "Ethernet1/6 admin down", e6.AdminState+"/"+e6.Reason, "down/Administratively down")
		eq(t, "port-channel25", iface(t, is, "port-channel25").Reason, "No operational members")
		v1 := iface(t, is, "Vlan1")
		eq(t, "Vlan1 line protocol", v1.LineProtocol, "down")
	})
	t.Run("portchannel_no_members", func(t *testing.T) {
		is := run(t, NXOSInterfaces, capture(t, NXOS, "show_interface", "portchannel_no_members"))
		eq(t, "count", len(is), 6)
		p := iface(t, is, "port-channel1")
		eq(t, "port-channel1", []any{p.OperState, p.Reason, p.Description, p.MTU}, []any{"down", "No operational members", "orl-lab-sw1", 9216})
		eq(t, "port-channel13 up", iface(t, is, "port-channel13").OperState, "up")
	})
	t.Run("sfp_not_inserted", func(t *testing.T) {
		is := run(t, NXOSInterfaces, capture(t, NXOS, "show_interface", "sfp_not_inserted"))
		m := iface(t, is, "mgmt0")
		eq(t, "mgmt0", []any{m.AdminState, m.OperState, m.Reason, m.Description}, []any{"up", "down", "Link not connected", "MANAGEMENT"})
		e := iface(t, is, "Ethernet3/1")
		eq(t, "Ethernet3/1 admin state line", e.AdminState, "down")
		eq(t, "Ethernet3/1 reason", e.Reason, "SFP not inserted")
	})
	t.Run("vlan_mgmt_eth", func(t *testing.T) {
		is := run(t, NXOSInterfaces, capture(t, NXOS, "show_interface", "vlan_mgmt_eth"))
		eq(t, "names", []string{is[0].Name, is[1].Name, is[2].Name}, []string{"Vlan20", "mgmt0", "Ethernet1/1"})
		eq(t, "Vlan20", []string{is[0].OperState, is[0].LineProtocol, is[0].Reason}, []string{"down", "down", "VLAN/BD is down"})
	})
	t.Run("n7706_overlay_otv", func(t *testing.T) {
		// An OTV overlay on a Nexus 7706 (8.4(6a)): no "admin state" line, no counters.
		is := run(t, NXOSInterfaces, capture(t, NXOS, "show_interface", "n7706_overlay_otv"))
		eq(t, "Overlay1", is, []Interface{{Name: "Overlay1", AdminState: "up", OperState: "up",
			Description: "overlay-interface", MTU: 1400, BandwidthKbit: 1000000}})
	})
}

func TestIOSInterfaces(t *testing.T) {
	t.Run("err_disabled", func(t *testing.T) {
		is := run(t, IOSInterfaces, capture(t, IOSXE, "show_interfaces", "err_disabled"))
		eq(t, "FastEthernet1", is, []Interface{{Name: "FastEthernet1", AdminState: "up", OperState: "down",
			LineProtocol: "down", Reason: "err-disabled", ErrDisabled: true, MTU: 1500, BandwidthKbit: 10000,
			RateSeconds: 300, HasRates: true}})
	})
	t.Run("suspended", func(t *testing.T) {
		is := run(t, IOSInterfaces, capture(t, IOSXE, "show_interfaces", "suspended"))
		g := is[0]
		eq(t, "Gi1/0/2", []string{g.Name, g.OperState, g.LineProtocol, g.Reason, g.Description},
			[]string{"GigabitEthernet1/0/2", "up", "down", "suspended", "test"})
	})
	t.Run("cat_mixed_states", func(t *testing.T) {
		is := run(t, IOSInterfaces, capture(t, IOSXE, "show_interfaces", "cat_mixed_states"))
		eq(t, "count", len(is), 9)
		eq(t, "Gi0/0", []string{is[0].OperState, is[0].LineProtocol, is[0].Reason}, []string{"reset", "down", "notconnect"})
		eq(t, "Gi0/1 description", iface(t, is, "GigabitEthernet0/1").Description, "to iosvl2-2")
		eq(t, "Port-channel1", iface(t, is, "Port-channel1").Reason, "notconnect")
		last := is[8]
		eq(t, "last Gi0/2 admin down", []string{last.Name, last.AdminState, last.OperState}, []string{"GigabitEthernet0/2", "down", "down"})
	})
	t.Run("c3850_te_disabled", func(t *testing.T) {
		is := run(t, IOSInterfaces, capture(t, IOSXE, "show_interfaces", "c3850_te_disabled"))
		eq(t, "count", len(is), 16)
		te := iface(t, is, "TenGigabitEthernet1/1/5")
		eq(t, "Te1/1/5", []string{te.AdminState, te.OperState, te.Reason}, []string{"down", "down", "disabled"})
		te1 := iface(t, is, "TenGigabitEthernet1/1/1")
		eq(t, "Te1/1/1", []any{te1.Description, te1.LineProtocol, te1.Reason, te1.BandwidthKbit}, []any{"vss", "up", "connected", int64(10000000)})
	})
}

// rates is an interface's traffic rates as the parser read them: interval, in, out.
type rates struct {
	Seconds     int
	In, Out     int64
	Known       bool
	BandwidthKb int64
}

func ratesOf(i Interface) rates {
	return rates{Seconds: i.RateSeconds, In: i.InputBps, Out: i.OutputBps, Known: i.HasRates, BandwidthKb: i.BandwidthKbit}
}

// TestNXOSInterfaceRates reads the first load interval's bit rates from real NX-OS
// captures: Load-Interval #1 (30 s) and not #2 (300 s) nor the "input rate 8.27 Kbps"
// summary; the "1 minute" of an older mgmt0; Load-Interval "0 seconds" of a port-channel
// with no members; none at all on an SVI, an OTV overlay or a capture cut after BW.
func TestNXOSInterfaceRates(t *testing.T) {
	cases := []struct {
		capture, iface string
		want           rates
	}{
		{"eth_with_errors", "Ethernet1/1", rates{30, 200, 5320, true, 1000000}},
		{"eth_with_errors", "Ethernet1/2", rates{30, 0, 0, true, 1000000}},
		{"portchannel_no_members", "port-channel1", rates{30, 2208, 200, true, 100000}},
		{"portchannel_no_members", "port-channel35", rates{0, 0, 0, true, 100000}},
		{"vlan_mgmt_eth", "mgmt0", rates{60, 744, 1608, true, 100000}},
		{"vlan_mgmt_eth", "Ethernet1/1", rates{30, 80, 256, true, 10000000}},
		{"vlan_mgmt_eth", "Vlan20", rates{BandwidthKb: 1000000}},
		{"sfp_not_inserted", "Ethernet3/1", rates{30, 0, 0, true, 10000000}},
		{"n7706_overlay_otv", "Overlay1", rates{BandwidthKb: 1000000}},
		{"full_70_interfaces", "Ethernet1/1", rates{BandwidthKb: 10000000}},
	}
	for _, c := range cases {
		is := run(t, NXOSInterfaces, capture(t, NXOS, "show_interface", c.capture))
		eq(t, c.capture+" "+c.iface, ratesOf(iface(t, is, c.iface)), c.want)
	}
}

// TestIOSInterfaceRates reads IOS's one interval: "5 minute" by default in the captures
// (rounded to thousands, as IOS prints it), "30 second" under load-interval 30.
func TestIOSInterfaceRates(t *testing.T) {
	is := run(t, IOSInterfaces, capture(t, IOSXE, "show_interfaces", "c3850_te_disabled"))
	eq(t, "Te1/1/1", ratesOf(iface(t, is, "TenGigabitEthernet1/1/1")), rates{300, 1180000, 38000, true, 10000000})
	eq(t, "Te1/1/11", ratesOf(iface(t, is, "TenGigabitEthernet1/1/11")), rates{300, 289000, 7166000, true, 10000000})
	eq(t, "Te1/1/5 (disabled)", ratesOf(iface(t, is, "TenGigabitEthernet1/1/5")).In, int64(0))
	is = run(t, IOSInterfaces, capture(t, IOSXE, "show_interfaces", "cat_mixed_states"))
	eq(t, "cat Gi0/0", ratesOf(is[0]), rates{300, 0, 0, true, ratesOf(is[0]).BandwidthKb})

	// Typed, not a capture: no public capture of "load-interval 30" on IOS was found. The
	// words are IOS's ("30 second input rate", singular, as "5 minute"), in a block from
	// c3850_te_disabled with the interval changed.
	const loadInterval30 = `TenGigabitEthernet1/1/1 is up, line protocol is up (connected)
  Hardware is Ten Gigabit Ethernet Port, address is 6c41.6aba.b440 (bia 6c41.6aba.b440)
  MTU 9198 bytes, BW 10000000 Kbit/sec, DLY 10 usec,
     reliability 255/255, txload 30/255, rxload 4/255
  Queueing strategy: fifo
  Output queue: 0/40 (size/max)
  30 second input rate 171236000 bits/sec, 27431 packets/sec
  30 second output rate 1204118000 bits/sec, 98211 packets/sec
     4035758153 packets input, 2783400652228 bytes, 0 no buffer
     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored
`
	is = run(t, IOSInterfaces, loadInterval30)
	eq(t, "load-interval 30", ratesOf(is[0]), rates{30, 171236000, 1204118000, true, 10000000})
}
