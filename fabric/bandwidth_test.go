package fabric

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scrapli/scrapligo/transport"

	"github.com/vmcross/vmcross/fabric/parse"
	"github.com/vmcross/vmcross/fabric/sim"
)

// The lab's DCI: two 10 Gbps members at each edge, the simulator's default background load.
const (
	labCapacityMbps = 2 * sim.DefaultBandwidthGbps * 1000
	labMemberMbps   = sim.DefaultBandwidthGbps * 1000
	labLoadMbps     = sim.DefaultDCILoadMbps
)

// edgeTrunks returns the DCI edges' trunks of h.
func edgeTrunks(h Health) []Trunk {
	var out []Trunk
	for _, t := range h.Trunks {
		if t.Switch == miaEdge || t.Switch == atlEdge {
			out = append(out, t)
		}
	}
	return out
}

// TestComputeBandwidth reads the simulated switches' show interface (through Exec): the
// capacity is the BW of the members up, the traffic the busier direction of the
// port-channel's rates; a member shut halves the capacity at both edges, and a load set or
// added shows as used.
func TestComputeBandwidth(t *testing.T) {
	f := startSim(t, sim.Options{})
	specs := specsFor(f, "")
	round := func() Health {
		t.Helper()
		h, _ := simRound(t, f, specs, nil, watchedAll)
		return h
	}

	h := round()
	for _, tr := range edgeTrunks(h) {
		if tr.CapacityMbps != labCapacityMbps || tr.UsedMbps != labLoadMbps {
			t.Errorf("%s %s: capacity %d, used %d Mbps", tr.Switch, tr.Interface, tr.CapacityMbps, tr.UsedMbps)
		}
	}
	if tr, _ := trunkOf(h, miaDist); tr.CapacityMbps != 20000 || tr.UsedMbps == 0 {
		t.Errorf("distribution trunk: capacity %d, used %d", tr.CapacityMbps, tr.UsedMbps)
	}
	want := DCIBandwidth{CapacityMbps: labCapacityMbps, UsedMbps: labLoadMbps, MembersUp: 2, Members: 2, Known: true}
	if h.Bandwidth != want || h.Bandwidth.FreeMbps() != 18800 {
		t.Errorf("bandwidth %+v (free %d), want %+v", h.Bandwidth, h.Bandwidth.FreeMbps(), want)
	}

	exec(t, f, miaEdge, "conf t", "interface Ethernet3/1", "shutdown", "end")
	h = round()
	for _, tr := range edgeTrunks(h) {
		if !tr.Up || tr.CapacityMbps != labMemberMbps || tr.MembersUp() != 1 {
			t.Errorf("%s with a member shut: up %v, capacity %d, members up %d", tr.Switch, tr.Up, tr.CapacityMbps, tr.MembersUp())
		}
	}
	want = DCIBandwidth{CapacityMbps: labMemberMbps, UsedMbps: labLoadMbps, MembersUp: 1, Members: 2, Known: true}
	if h.Bandwidth != want {
		t.Errorf("member shut: bandwidth %+v, want %+v", h.Bandwidth, want)
	}

	f.SetDCILoad(4000)
	release := f.AddDCITraffic(2500)
	if h = round(); h.Bandwidth.UsedMbps != 6500 || h.Bandwidth.FreeMbps() != 3500 {
		t.Errorf("4000 + 2500 Mbps on 10 Gbps: %+v", h.Bandwidth)
	}
	release()
	exec(t, f, miaEdge, "conf t", "interface Ethernet3/1", "no shutdown", "end")
	if h = round(); h.Bandwidth.UsedMbps != 4000 || h.Bandwidth.CapacityMbps != labCapacityMbps {
		t.Errorf("released, member back: %+v", h.Bandwidth)
	}

	exec(t, f, atlEdge, "conf t", "interface port-channel10", "shutdown", "end")
	h = round()
	want = DCIBandwidth{MembersUp: 0, Members: 2, Known: true}
	if h.Bandwidth != want || !h.Verdict.Down {
		t.Errorf("DCI down: bandwidth %+v, verdict %+v", h.Bandwidth, h.Verdict)
	}
}

// An edge with no fresh data is left out: the other site's measurement stands. With no
// edge answering, the bandwidth is not known.
func TestComputeBandwidthUnknown(t *testing.T) {
	f := startSim(t, sim.Options{})
	specs := specsFor(f, "")
	_, polls := simRound(t, f, specs, nil, watchedAll)
	lost := func(sw string) *switchPoll {
		return &switchPoll{at: time.Now(), err: &switchError{sw: sw, msg: "connection lost"}}
	}
	one := []*switchPoll{polls[0], polls[1], lost(atlEdge), polls[3]}
	h := compute(round{specs: specs, interval: time.Second, at: time.Now(), polls: one, watched: watchedAll})
	if want := (DCIBandwidth{CapacityMbps: labCapacityMbps, UsedMbps: labLoadMbps, MembersUp: 2, Members: 2, Known: true}); h.Bandwidth != want {
		t.Errorf("atl edge silent: %+v", h.Bandwidth)
	}
	none := []*switchPoll{lost(miaEdge), polls[1], lost(atlEdge), polls[3]}
	h = compute(round{specs: specs, interval: time.Second, at: time.Now(), polls: none, watched: watchedAll})
	if h.Bandwidth != (DCIBandwidth{}) {
		t.Errorf("both edges silent: %+v", h.Bandwidth)
	}
	if h = compute(round{specs: specs, interval: time.Second, watched: watchedAll}); h.Bandwidth.Known {
		t.Errorf("before the first poll: %+v", h.Bandwidth)
	}
}

// trunkBandwidth's fallbacks: the port-channel's own BW when its members' is unknown, the
// members' rates when it printed none.
func TestTrunkBandwidth(t *testing.T) {
	eth := func(name string, kbit, in, out int64, rates bool) parse.Interface {
		return parse.Interface{Name: name, BandwidthKbit: kbit, InputBps: in, OutputBps: out, HasRates: rates}
	}
	pc := eth("port-channel10", 20_000_000, 900_000_000, 1_200_400_000, true)
	members := []Member{{Name: "Ethernet3/1", Up: true}, {Name: "Ethernet3/2", Up: true}, {Name: "Ethernet3/3"}}
	ifaces := map[string]parse.Interface{
		"ethernet3/1": eth("Ethernet3/1", 10_000_000, 400_000_000, 600_000_000, true),
		"ethernet3/2": eth("Ethernet3/2", 10_000_000, 500_000_000, 601_200_000, true),
		"ethernet3/3": eth("Ethernet3/3", 10_000_000, 0, 0, true),
	}
	up := Trunk{Up: true, Members: members}
	cases := []struct {
		name           string
		trunk          Trunk
		own            parse.Interface
		haveOwn        bool
		ifaces         map[string]parse.Interface
		capacity, used int64
	}{
		{"members up", up, pc, true, ifaces, 20000, 1200},
		{"down", Trunk{Members: members}, pc, true, ifaces, 0, 0},
		{"members unknown", Trunk{Up: true}, pc, true, nil, 20000, 1200},
		{"a member's interface not read", up, pc, true, map[string]parse.Interface{"ethernet3/1": ifaces["ethernet3/1"]}, 20000, 1200},
		{"no rates on the port-channel", up, eth("port-channel10", 20_000_000, 0, 0, false), true, ifaces, 20000, 1201},
		{"port-channel not read", up, parse.Interface{}, false, ifaces, 20000, 1201},
		{"nothing read", Trunk{Up: true}, parse.Interface{}, false, nil, 0, 0},
	}
	for _, c := range cases {
		capacity, used := trunkBandwidth(c.trunk, c.own, c.haveOwn, c.ifaces)
		if capacity != c.capacity || used != c.used {
			t.Errorf("%s: capacity %d, used %d; want %d, %d", c.name, capacity, used, c.capacity, c.used)
		}
	}
}

// Judge measures the DCI on the edges' trunks: the narrowest site's capacity, the busiest
// site's traffic; every trunk's when no switch is an edge; nothing without data.
func TestJudgeBandwidth(t *testing.T) {
	set := func(h *Health, i int, capacity, used int64) {
		h.Trunks[i].CapacityMbps, h.Trunks[i].UsedMbps = capacity, used
	}
	h := judgedDCI()
	set(&h, 0, 20000, 1200) // mia edge
	set(&h, 1, 40000, 9000) // mia distribution: not the DCI
	set(&h, 2, 10000, 1100) // atl edge, a member down
	h.Trunks[2].Members = append(h.Trunks[2].Members, Member{Name: "Ethernet3/2", State: "down"})
	j := Judge(h)
	want := DCIBandwidth{CapacityMbps: 10000, UsedMbps: 1200, MembersUp: 1, Members: 2, Known: true}
	if j.Bandwidth != want || j.Bandwidth.FreeMbps() != 8800 {
		t.Errorf("bandwidth %+v, want %+v", j.Bandwidth, want)
	}
	if again := Judge(j); !reflect.DeepEqual(again, j) {
		t.Errorf("judging twice differs: %+v", again.Bandwidth)
	}

	// Two trunks at one site add up.
	h2 := judgedDCI()
	set(&h2, 0, 10000, 100)
	set(&h2, 2, 10000, 100)
	h2.Trunks = append(h2.Trunks, Trunk{Switch: miaEdge, Site: "a", Interface: "port-channel11", Up: true,
		Members: []Member{{Name: "Ethernet5/1", Up: true}}, CapacityMbps: 10000, UsedMbps: 300})
	if b := Judge(h2).Bandwidth; b.CapacityMbps != 10000 || b.UsedMbps != 400 || b.Members != 1 {
		t.Errorf("two trunks at one site: %+v", b)
	}

	// No edge role: every trunk counts.
	h3 := judgedDCI()
	for i := range h3.Switches {
		h3.Switches[i].Role = ""
	}
	set(&h3, 0, 20000, 100)
	set(&h3, 1, 20000, 5000)
	set(&h3, 2, 20000, 100)
	set(&h3, 3, 20000, 100)
	if b := Judge(h3).Bandwidth; b.CapacityMbps != 40000 || b.UsedMbps != 5100 {
		t.Errorf("no edges: %+v", b)
	}

	// The used figure may exceed a narrower far end: free never goes below 0.
	if b := (DCIBandwidth{CapacityMbps: 10000, UsedMbps: 12000, Known: true}); b.FreeMbps() != 0 {
		t.Errorf("free %d", b.FreeMbps())
	}
	// Trunks without data measure nothing.
	h4 := judgedDCI()
	for i := range h4.Trunks {
		h4.Trunks[i] = Trunk{Switch: h4.Trunks[i].Switch, Site: h4.Trunks[i].Site, Unknown: true}
	}
	if b := Judge(h4).Bandwidth; b != (DCIBandwidth{}) {
		t.Errorf("no data: %+v", b)
	}
	if b := Judge(Health{}).Bandwidth; b.Known {
		t.Errorf("not configured: %+v", b)
	}
}

func TestFormatMbps(t *testing.T) {
	for mbps, want := range map[int64]string{0: "0 Mbps", 250: "250 Mbps", 999: "999 Mbps", 1000: "1 Gbps",
		1200: "1.2 Gbps", 8800: "8.8 Gbps", 10000: "10 Gbps", 18800: "18.8 Gbps", 19960: "20 Gbps", 400000: "400 Gbps"} {
		if got := FormatMbps(mbps); got != want {
			t.Errorf("FormatMbps(%d) = %q, want %q", mbps, got, want)
		}
	}
}

// TestMonitorBandwidth polls the simulated switches over SSH: the DCI's bandwidth from
// the first round, halved within a round of a DCI member shut through the switch's CLI,
// and a load set on the simulator seen as used in the next round.
func TestMonitorBandwidth(t *testing.T) {
	f := startSim(t, sim.Options{})
	m := startMonitor(t, specsFor(f, transport.StandardTransport))
	h, _ := within(t, m, 3, "first poll", func(h Health) bool { return !h.PolledAt.IsZero() })
	want := DCIBandwidth{CapacityMbps: labCapacityMbps, UsedMbps: labLoadMbps, MembersUp: 2, Members: 2, Known: true}
	if h.Bandwidth != want {
		t.Fatalf("bandwidth %+v, want %+v", h.Bandwidth, want)
	}

	exec(t, f, atlEdge, "configure terminal", "interface Ethernet3/1", "shutdown", "end")
	h, _ = within(t, m, 1, "capacity halved", func(h Health) bool {
		return h.Bandwidth.CapacityMbps == labCapacityMbps/2
	})
	if h.Bandwidth.MembersUp != 1 || h.Bandwidth.Members != 2 || h.Bandwidth.UsedMbps != labLoadMbps ||
		!hasFinding(h, CodeMemberDown, "Ethernet3/1") {
		t.Errorf("member shut: %+v%s", h.Bandwidth, codes(h))
	}

	f.SetDCILoad(3000)
	h, _ = within(t, m, 1, "load seen", func(h Health) bool { return h.Bandwidth.UsedMbps == 3000 })
	if h.Bandwidth.FreeMbps() != labCapacityMbps/2-3000 {
		t.Errorf("free %d of %+v", h.Bandwidth.FreeMbps(), h.Bandwidth)
	}
	release := f.AddDCITraffic(1500)
	if h, _ = within(t, m, 1, "traffic added", func(h Health) bool { return h.Bandwidth.UsedMbps == 4500 }); h.Bandwidth.FreeMbps() != 5500 {
		t.Errorf("with a move's 1500 Mbps: %+v", h.Bandwidth)
	}
	release()

	exec(t, f, atlEdge, "configure terminal", "interface Ethernet3/1", "no shutdown", "end")
	within(t, m, 1, "capacity back", func(h Health) bool {
		return h.Bandwidth.CapacityMbps == labCapacityMbps && h.Bandwidth.UsedMbps == 3000
	})
}

// A Health built without the figures (a fixture, an old JSON) has no bandwidth known; a
// DCI trunk down measures 0.
func TestJudgeBandwidthNotMeasured(t *testing.T) {
	h := Judge(judgedDCI())
	if h.Bandwidth != (DCIBandwidth{}) {
		t.Errorf("no figures: %+v", h.Bandwidth)
	}
	d := judgedDCI()
	d.Trunks[0].Up, d.Trunks[0].Members[0].Up = false, false
	if b := Judge(d).Bandwidth; !b.Known || b.CapacityMbps != 0 || b.Members != 1 {
		t.Errorf("a DCI trunk down: %+v", b)
	}
	b, err := json.Marshal(Judge(d))
	if err != nil || !strings.Contains(string(b), `"bandwidth":{"capacity_mbps":0,"used_mbps":0,"members_up":0,"members":1,"known":true}`) {
		t.Errorf("JSON: %v\n%s", err, b)
	}
}
