package sim

import (
	"strings"
	"testing"
)

// The default fabric: both DCI members bundled, the background load on them, every
// stretched VLAN carried end to end and the DMZ not.
func TestDCIPathDefault(t *testing.T) {
	f := startFabric(t, Options{})
	want := DCIPath{Up: true, Members: 2, CapacityMbps: 20000, LoadMbps: DefaultDCILoadMbps,
		FreeMbps: 20000 - DefaultDCILoadMbps}
	if got := f.DCIPath(); got != want {
		t.Errorf("DCIPath %+v, want %+v", got, want)
	}
	if got := f.DCIFreeMbps(); got != 18800 {
		t.Errorf("DCIFreeMbps %d, want 18800", got)
	}
	for _, v := range DefaultVLANs() {
		ok, why := f.VLANCarried(v.ID)
		if ok != v.Extended {
			t.Errorf("VLAN %d carried %v (%s), want %v", v.ID, ok, why, v.Extended)
		}
		if !ok && !strings.Contains(why, "not allowed on port-channel10") {
			t.Errorf("VLAN %d: reason %q", v.ID, why)
		}
		if ok && why != "" {
			t.Errorf("VLAN %d carried with a reason %q", v.ID, why)
		}
	}
	if ok, why := f.VLANCarried(999); ok || !strings.Contains(why, "not in the VLAN database") {
		t.Errorf("VLAN 999: %v %q", ok, why)
	}
}

// A member shut halves the DCI's capacity; both shut take the DCI down, and with it every
// VLAN. Traffic added shows as used until released.
func TestDCIPathMembersAndTraffic(t *testing.T) {
	f := startFabric(t, Options{})
	release := f.AddDCITraffic(4000)
	if p := f.DCIPath(); p.AddedMbps != 4000 || p.FreeMbps != 20000-1200-4000 {
		t.Errorf("with 4000 Mbps added: %+v", p)
	}
	release()
	release()
	if p := f.DCIPath(); p.AddedMbps != 0 || p.FreeMbps != 18800 {
		t.Errorf("released: %+v", p)
	}

	run(t, f, miaEdge, "configure terminal", "interface Ethernet3/1", "shutdown", "end")
	if p := f.DCIPath(); !p.Up || p.Members != 1 || p.CapacityMbps != 10000 || p.FreeMbps != 8800 {
		t.Errorf("one member shut: %+v", p)
	}
	if ok, why := f.VLANCarried(120); !ok {
		t.Errorf("one member shut: VLAN 120 not carried: %s", why)
	}
	// The far end of the other member: the cable's other end down is the same as shutting it.
	if err := f.SetLinkDown(atlEdge, "Ethernet3/2", true); err != nil {
		t.Fatal(err)
	}
	p := f.DCIPath()
	if p.Up || p.CapacityMbps != 0 || p.Members != 0 || p.FreeMbps != 0 ||
		p.Why != "port-channel10 is down at "+miaEdge+": Ethernet3/1 shut down; Ethernet3/2 without link" {
		t.Errorf("both members down: %+v", p)
	}
	if ok, why := f.VLANCarried(200); ok || !strings.HasPrefix(why, "the DCI is down: ") {
		t.Errorf("DCI down: VLAN 200 %v %q", ok, why)
	}
	if s := f.Snapshot(); s.DCIUp || s.DCICapacityMbps != 0 {
		t.Errorf("snapshot disagrees: up %v, capacity %d", s.DCIUp, s.DCICapacityMbps)
	}
	if err := f.SetLinkDown(atlEdge, "Ethernet3/2", false); err != nil {
		t.Fatal(err)
	}
	run(t, f, miaEdge, "configure terminal", "interface port-channel10", "shutdown", "end")
	if p := f.DCIPath(); p.Up || !strings.Contains(p.Why, "port-channel10 is shut down at "+miaEdge) {
		t.Errorf("port-channel shut: %+v", p)
	}
	run(t, f, miaEdge, "configure terminal", "interface port-channel10", "no shutdown", "interface Ethernet3/1", "no shutdown", "end")
	if p := f.DCIPath(); !p.Up || p.CapacityMbps != 20000 {
		t.Errorf("restored: %+v", p)
	}
}

// Each break on the path names itself: the DCI trunk at either end, the overlay, the
// adjacency, a site trunk; mending it carries the VLAN again.
func TestVLANCarriedBreaks(t *testing.T) {
	f := startFabric(t, Options{})
	cases := []struct {
		name        string
		sw          string
		break_, fix []string
		fault       func(bool)
		why         string
		all         bool // the break stops every VLAN
	}{
		{name: "DCI trunk, near end", sw: miaEdge,
			break_: []string{"configure terminal", "interface port-channel10", "switchport trunk allowed vlan remove 120", "end"},
			fix:    []string{"configure terminal", "interface port-channel10", "switchport trunk allowed vlan add 120", "end"},
			why:    "VLAN 120 is not allowed on port-channel10 at " + miaEdge},
		{name: "DCI trunk, far end", sw: atlEdge,
			break_: []string{"configure terminal", "interface port-channel10", "switchport trunk allowed vlan remove 120", "end"},
			fix:    []string{"configure terminal", "interface port-channel10", "switchport trunk allowed vlan add 120", "end"},
			why:    "VLAN 120 is not allowed on port-channel10 at " + atlEdge},
		{name: "overlay", sw: atlEdge,
			break_: []string{"configure terminal", "interface Overlay1", "otv extend-vlan remove 120", "end"},
			fix:    []string{"configure terminal", "interface Overlay1", "otv extend-vlan add 120", "end"},
			why:    "VLAN 120 is not extended by Overlay1 at " + atlEdge},
		{name: "overlay shut", sw: miaEdge,
			break_: []string{"configure terminal", "interface Overlay1", "shutdown", "end"},
			fix:    []string{"configure terminal", "interface Overlay1", "no shutdown", "end"},
			why:    "the OTV overlay Overlay1 is shut down at " + miaEdge, all: true},
		{name: "adjacency", fault: f.SetOTVAdjacency, why: "the OTV adjacency between the DCI edges is down", all: true},
		{name: "site trunk", sw: atlDist,
			break_: []string{"configure terminal", "interface Port-channel1", "switchport trunk allowed vlan remove 120", "end"},
			fix:    []string{"configure terminal", "interface Port-channel1", "switchport trunk allowed vlan add 120", "end"},
			why:    "VLAN 120 is not forwarding on port-channel20 between " + atlEdge + " and " + atlDist},
		{name: "VLAN database", sw: miaDist,
			break_: []string{"configure terminal", "no vlan 120", "end"},
			fix:    []string{"configure terminal", "vlan 120", "name App", "end"},
			why:    "VLAN 120 is not forwarding on port-channel20 between " + miaEdge + " and " + miaDist},
	}
	for _, c := range cases {
		if c.fault != nil {
			c.fault(false)
		} else {
			run(t, f, c.sw, c.break_...)
		}
		if ok, why := f.VLANCarried(120); ok || why != c.why {
			t.Errorf("%s: carried %v, %q; want %q", c.name, ok, why, c.why)
		}
		if ok, why := f.VLANCarried(110); !ok && !c.all {
			t.Errorf("%s: VLAN 110 not carried: %s", c.name, why)
		}
		// Where the DCI edges themselves drop the VLAN, Snapshot agrees.
		if c.sw != atlDist && c.sw != miaDist {
			for _, v := range f.Snapshot().VLANs {
				if v.ID == 120 && v.Extended {
					t.Errorf("%s: Snapshot says VLAN 120 is extended", c.name)
				}
			}
		}
		if c.fault != nil {
			c.fault(true)
		} else {
			run(t, f, c.sw, c.fix...)
		}
		if ok, why := f.VLANCarried(120); !ok {
			t.Errorf("%s: not carried again after the fix: %s", c.name, why)
		}
	}
}
