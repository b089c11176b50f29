package backend

import (
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/migrate"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
	"github.com/vmcross/vmcross/fabric"
)

var govNow = time.Date(2025, 6, 1, 12, 3, 2, 0, time.UTC)

// dciHealth is a judged, fresh Health of a two-site DCI: each edge's port-channel10 with
// two 10 Gbps members, carrying usedMbps.
func dciHealth(usedMbps int64) fabric.Health {
	trunk := func(sw, site string) fabric.Trunk {
		return fabric.Trunk{Switch: sw, Site: site, Interface: "port-channel10", Up: true, Status: "trunking", MTU: 9216,
			Members:      []fabric.Member{{Name: "Ethernet3/1", Up: true, State: "bundled"}, {Name: "Ethernet3/2", Up: true, State: "bundled"}},
			CapacityMbps: 20_000, UsedMbps: usedMbps}
	}
	return fabric.Judge(fabric.Health{Configured: true, Interval: 5 * time.Second,
		PollStarted: govNow.Add(-1500 * time.Millisecond), PolledAt: govNow.Add(-time.Second),
		Switches: []fabric.SwitchStatus{{Name: "mia-dci-n7k-01", Site: "site-a", Role: fabric.RoleDCIEdge, Reachable: true},
			{Name: "atl-dci-n7k-01", Site: "site-b", Role: fabric.RoleDCIEdge, Reachable: true}},
		Trunks: []fabric.Trunk{trunk("mia-dci-n7k-01", "site-a"), trunk("atl-dci-n7k-01", "site-b")},
		RTTs:   []fabric.RTT{{From: "mia-dci-n7k-01", To: "atl-dci-n7k-01", Avg: 2 * time.Millisecond, OK: true}},
	})
}

// memberDown takes one member link of the DCI down (at both ends, as a link goes): half
// the bandwidth, and no more traffic than that.
func memberDown(h fabric.Health) fabric.Health {
	for i := range h.Trunks {
		t := &h.Trunks[i]
		t.Members = append([]fabric.Member(nil), t.Members...)
		t.Members[0].Up, t.Members[0].State = false, "down"
		t.CapacityMbps = 10_000
		t.UsedMbps = min(t.UsedMbps, 10_000)
	}
	return fabric.Judge(h)
}

var (
	perMove250  = need{Mbps: 250, PerMove: true}
	perMove5000 = need{Mbps: 5000, PerMove: true}
	noVMotion   = map[int]bool{200: true}
)

// gate is dciGate at govNow with no estimate kept from an earlier pass.
func gate(h fabric.Health, n need, flows []migrate.Flow) migrate.Gate {
	g, _ := dciGate(gateInput{health: h, need: n, vmotion: noVMotion, flows: flows, asOf: asOf(h), now: govNow})
	return g
}

// asOf is the start of h's latest complete round when no round runs, as fabricMemory says.
func asOf(h fabric.Health) time.Time {
	if h.Polling {
		return time.Time{}
	}
	return h.PollStarted
}

// ownFlow is a flow of vmcross's own whose data crossed when the switches were read.
func ownFlow(mbps int64) migrate.Flow {
	return migrate.Flow{Started: govNow.Add(-time.Minute), Streaming: govNow.Add(-50 * time.Second), Mbps: mbps}
}

func TestGateNoFabric(t *testing.T) {
	g := gate(fabric.Health{}, perMove250, nil)
	if g.Paused != "" || g.Limited || g.Fabric || g.Note != "no fabric configured: no DCI limit" {
		t.Errorf("no fabric: %+v", g)
	}
}

func TestGateHealthyDCI(t *testing.T) {
	g := gate(dciHealth(1200), perMove250, nil)
	if g.Paused != "" || !g.Limited || g.Limit != 75 || g.AvailableMbps != 18_800 || g.Note != "DCI 18.8 Gbps" {
		t.Errorf("healthy: %+v", g)
	}
	if g.Held != "the DCI carries 75 moves at 250 Mbps each now (18.8 Gbps available)" {
		t.Errorf("held %q", g.Held)
	}
	if !g.Fabric || !g.AsOf.Equal(govNow.Add(-1500*time.Millisecond)) {
		t.Errorf("as of %v, want the start of the last round", g.AsOf)
	}
	// While a round runs, its data is a mix: not fresh for a failure's sake.
	h := dciHealth(1200)
	h.Polling, h.PollStarted = true, govNow
	if g := gate(h, perMove250, nil); !g.AsOf.IsZero() {
		t.Errorf("as of %v while polling", g.AsOf)
	}
}

func TestGateDown(t *testing.T) {
	h := dciHealth(0)
	for i := range h.Trunks {
		h.Trunks[i].Up, h.Trunks[i].Status, h.Trunks[i].CapacityMbps = false, "down", 0
	}
	h = fabric.Judge(h)
	if !h.Verdict.Down {
		t.Fatal("fixture: not down")
	}
	if g := gate(h, perMove250, nil); g.Paused != "the DCI is down" || g.Limit != 0 {
		t.Errorf("down: %+v", g)
	}
}

func TestGateStale(t *testing.T) {
	h := dciHealth(1200)
	h.PolledAt, h.PollStarted = govNow.Add(-21*time.Second), govNow.Add(-22*time.Second)
	if g := gate(h, perMove250, nil); g.Paused != "the DCI's data is stale (last poll 12:02:41)" {
		t.Errorf("stale: %q", g.Paused)
	}
	h.PolledAt, h.PollStarted, h.Polling = time.Time{}, govNow, true
	if g := gate(h, perMove250, nil); g.Paused != "the DCI has not been polled yet" {
		t.Errorf("never polled: %q", g.Paused)
	}
	// Stale wins over down: the verdict is as old as the data.
	h = dciHealth(0)
	h.Trunks[0].Up, h.Trunks[1].Up = false, false
	h.PolledAt = govNow.Add(-time.Hour)
	if g := gate(fabric.Judge(h), perMove250, nil); !strings.HasPrefix(g.Paused, "the DCI's data is stale") {
		t.Errorf("stale and down: %q", g.Paused)
	}
}

func TestGateBlockingFinding(t *testing.T) {
	h := dciHealth(1200)
	h.Findings = []fabric.Finding{
		{Code: fabric.CodeMemberDown, Severity: fabric.SeverityWarn, Object: "mia-dci-n7k-01 Ethernet3/1"},
		{Code: fabric.CodeVLANNotExtended, Severity: fabric.SeverityBlock, Object: "vlan 300", VLAN: 300, Local: true},
		{Code: fabric.CodeVLANNotExtended, Severity: fabric.SeverityBlock, Object: "vlan 120", VLAN: 120},
	}
	// A warning pauses nothing; a VM VLAN not carried holds that VLAN's VMs; a local VLAN
	// is no fault of the DCI.
	g := gate(h, perMove250, nil)
	if g.Paused != "" || len(g.VLANs) != 1 || g.VLANs[120] != "VLAN 120 is not carried across the DCI" || g.Limit != 75 {
		t.Errorf("VM VLAN: %+v", g)
	}
	// The vMotion VLAN not carried stops every move; so does the OTV overlay down.
	h.Findings = append(h.Findings, fabric.Finding{Code: fabric.CodeVLANNotExtended, Severity: fabric.SeverityBlock, Object: "vlan 200", VLAN: 200})
	if g := gate(h, perMove250, nil); g.Paused != "a DCI finding blocks: VLAN_NOT_EXTENDED vlan 200" {
		t.Errorf("vMotion VLAN: %q", g.Paused)
	}
	h.Findings = []fabric.Finding{{Code: fabric.CodeOTVAdjacencyDown, Severity: fabric.SeverityBlock, Object: "mia-dci-n7k-01 Overlay1"}}
	if g := gate(h, perMove250, nil); g.Paused != "a DCI finding blocks: OTV_ADJACENCY_DOWN mia-dci-n7k-01 Overlay1" {
		t.Errorf("OTV: %q", g.Paused)
	}
}

func TestGateBandwidthNotMeasured(t *testing.T) {
	h := dciHealth(0)
	for i := range h.Trunks {
		h.Trunks[i].Unknown, h.Trunks[i].Up, h.Trunks[i].CapacityMbps = true, false, 0
	}
	h = fabric.Judge(h)
	if g := gate(h, perMove250, nil); g.Paused != "the DCI's bandwidth is not measured" || g.Limited {
		t.Errorf("unmeasured: %+v", g)
	}
}

// A member link down halves the bandwidth, and the number of moves with it.
func TestGateMemberDown(t *testing.T) {
	up := gate(dciHealth(1200), perMove5000, nil)
	down := gate(memberDown(dciHealth(1200)), perMove5000, nil)
	if up.Limit != 3 || down.Limit != 1 || down.AvailableMbps != 8800 || down.Paused != "" {
		t.Errorf("5 Gbps a move: %d with both members, %d with one (%+v)", up.Limit, down.Limit, down)
	}
	if down.Held != "the DCI carries 1 move at 5 Gbps now (8.8 Gbps available)" {
		t.Errorf("held %q", down.Held)
	}
	if a, b := gate(dciHealth(0), perMove250, nil), gate(memberDown(dciHealth(0)), perMove250, nil); a.Limit != 80 || b.Limit != 40 {
		t.Errorf("250 Mbps a move: %d, then %d", a.Limit, b.Limit)
	}
}

// vmcross's own moves fill the link: their traffic is counted back, so the governor does
// not throttle itself; other traffic still counts.
func TestGateOwnTrafficDoesNotThrottle(t *testing.T) {
	// Three moves at 5.6 Gbps each and 1.2 Gbps of other traffic: the link is full.
	flows := []migrate.Flow{ownFlow(5600), ownFlow(5600), ownFlow(5600)}
	g := gate(dciHealth(20_000), perMove5000, flows)
	if g.Limit != 3 || g.AvailableMbps != 16_800 {
		t.Errorf("own moves fill the DCI: %+v", g)
	}
	// Without them counted, the same DCI has nothing left.
	if g := gate(dciHealth(20_000), perMove5000, nil); g.Limit != 0 || g.Held != "the DCI has 0 Mbps available, less than the 5 Gbps a move needs" {
		t.Errorf("someone else's traffic: %+v", g)
	}
	// A move whose data does not flow yet counts nothing: it is not in the switches'
	// figures, and the DCI does not look freer for it.
	polled := govNow.Add(-time.Second)
	preparing := migrate.Flow{Started: polled.Add(-time.Minute)}
	if g := gate(dciHealth(1200), perMove5000, []migrate.Flow{preparing, preparing, preparing}); g.Limit != 3 || g.AvailableMbps != 18_800 {
		t.Errorf("moves preparing: %+v", g)
	}
	// Moves not measured yet count their fair share of the full link: 20 Gbps over the
	// two of them and the rest.
	if g := gate(dciHealth(20_000), perMove5000, []migrate.Flow{ownFlow(0), ownFlow(0)}); g.AvailableMbps != 2*6666 || g.Limit != 2 {
		t.Errorf("moves not measured yet: %+v", g)
	}
	// One whose data began after the round began, or that ended while it ran, may or may
	// not be in the figures: with no estimate kept, it is not counted; one whose data flowed
	// all the round long is.
	flows = []migrate.Flow{{Started: polled.Add(-time.Minute), Streaming: polled.Add(time.Millisecond), Mbps: 9000},
		{Started: polled.Add(-time.Minute), Streaming: polled.Add(-time.Minute), Ended: polled.Add(-time.Millisecond), Mbps: 9000},
		{Started: polled.Add(-time.Minute), Streaming: polled.Add(-time.Minute), Ended: polled.Add(time.Millisecond), Mbps: 4000}}
	if g := gate(dciHealth(10_200), perMove5000, flows); g.AvailableMbps != 20_000-(10_200-4000) {
		t.Errorf("flows at the poll: available %d", g.AvailableMbps)
	}
	// Rates that add up to more than the link carried cannot all be right: the estimate
	// kept from the last pass holds (none: the link is taken for as full as it was).
	if g := gate(dciHealth(1200), perMove250, []migrate.Flow{ownFlow(9000)}); g.AvailableMbps != 18_800 {
		t.Errorf("rates over what the link carried, no estimate: available %d", g.AvailableMbps)
	}
	kept := othersEstimate{mbps: 300, polledAt: govNow.Add(-time.Minute), ok: true}
	in := gateInput{health: dciHealth(1200), need: perMove250, vmotion: noVMotion, flows: []migrate.Flow{ownFlow(9000)}, asOf: asOf(dciHealth(1200)), prev: kept, now: govNow}
	if g, next := dciGate(in); g.AvailableMbps != 19_700 || next.mbps != 300 {
		t.Errorf("rates over what the link carried: available %d, kept %+v", g.AvailableMbps, next)
	}
	// A member down with the same moves: they slow down, the limit drops.
	slow := []migrate.Flow{ownFlow(2500), ownFlow(2500), ownFlow(2500)}
	if g := gate(memberDown(dciHealth(20_000)), perMove5000, slow); g.Limit != 1 {
		t.Errorf("member down under load: %+v", g)
	}
}

// The reference-2009 design needs 622 Mbps for vMotion in all: one move at a time.
func TestGateReference2009(t *testing.T) {
	n := moveNeed(GovernorSettings{}, preflight.ProfileReference2009)
	if n.Mbps != 622 || n.PerMove {
		t.Fatalf("need %+v", n)
	}
	g := gate(dciHealth(1200), n, nil)
	if g.Limit != 1 || g.Held != "the reference-2009 profile moves one VM at a time, at 622 Mbps (18.8 Gbps available)" {
		t.Errorf("reference-2009: %+v", g)
	}
	if g := gate(dciHealth(19_500), n, nil); g.Limit != 0 || !strings.Contains(g.Held, "500 Mbps available, less than the 622 Mbps") {
		t.Errorf("500 Mbps free: %+v", g)
	}
}

func TestMoveNeed(t *testing.T) {
	for _, c := range []struct {
		s       GovernorSettings
		profile string
		want    need
	}{
		{GovernorSettings{}, "", need{Mbps: 250, PerMove: true}},
		{GovernorSettings{}, "metro", need{Mbps: 250, PerMove: true, Profile: "metro"}},
		{GovernorSettings{}, "long-distance", need{Mbps: 250, PerMove: true, Profile: "long-distance"}},
		{GovernorSettings{MbpsPerMove: 1000}, "reference-2009", need{Mbps: 1000, PerMove: true}},
	} {
		if got := moveNeed(c.s, c.profile); got != c.want {
			t.Errorf("%+v %q: %+v, want %+v", c.s, c.profile, got, c.want)
		}
	}
}

func TestVMotionVLANs(t *testing.T) {
	st := model.State{Sites: []model.SiteSnapshot{{Hosts: []model.Host{{VMotionVLAN: 200}, {}}}, {Hosts: []model.Host{{VMotionVLAN: 201}}}}}
	if v := vmotionVLANs(st); len(v) != 2 || !v[200] || !v[201] {
		t.Errorf("%v", v)
	}
}

// SetGovernor hands the manager its limits and publishes the governor's state.
func TestSetGovernorPublishes(t *testing.T) {
	e := NewEngine(nil)
	e.SetGovernor(GovernorSettings{MaxConcurrent: 3, SiteVMotionGbps: map[model.SiteID]int{"site-a": 1}})
	e.Start(t.Context())
	t.Cleanup(e.Close)
	deadline := time.Now().Add(5 * time.Second)
	for {
		g := e.Snapshot().Governor
		if g.Cap == 3 && g.Limit == 3 && g.DCILimit == -1 && g.Why == "≤ 3 at once (no fabric configured: no DCI limit)" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("governor %+v", g)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The data's age: the start of the latest complete poll round, also when rounds follow
// each other with no pause in between.
func TestRoundTracker(t *testing.T) {
	at := func(s int) time.Time { return govNow.Add(time.Duration(s) * time.Second) }
	var r fabricMemory
	if got := r.see(fabric.Health{Configured: true, Polling: true, PollStarted: at(0)}); !got.IsZero() {
		t.Errorf("first round running: %v", got)
	}
	// Round 1 ended at 2 and round 2 began at once: never seen idle.
	if got := r.see(fabric.Health{Configured: true, Polling: true, PollStarted: at(2), PolledAt: at(2)}); !got.Equal(at(0)) {
		t.Errorf("round 1 done: %v", got)
	}
	if got := r.see(fabric.Health{Configured: true, PollStarted: at(2), PolledAt: at(3)}); !got.Equal(at(2)) {
		t.Errorf("round 2 done, idle: %v", got)
	}
	// A round started and ended unseen: the one before still counts, never a later guess.
	if got := r.see(fabric.Health{Configured: true, Polling: true, PollStarted: at(6), PolledAt: at(5)}); !got.Equal(at(2)) {
		t.Errorf("an unseen round: %v", got)
	}
	if got := r.see(fabric.Health{Configured: true, Polling: true, PollStarted: at(8), PolledAt: at(7)}); !got.Equal(at(6)) {
		t.Errorf("round at 6 done: %v", got)
	}
}

// Moves started before the switches were read whose data was not seen flowing by then may
// or may not be in the figures: the last estimate of the other traffic made without that
// doubt picks within what is possible; without one, the DCI is taken for as full as it
// may be.
func TestGateDoubtfulFlows(t *testing.T) {
	h := dciHealth(20_000)
	polled := h.PolledAt
	doubtful := migrate.Flow{Started: polled.Add(-time.Second), Streaming: polled.Add(100 * time.Millisecond)}
	flows := []migrate.Flow{doubtful, doubtful, doubtful}
	if g, kept := dciGate(gateInput{health: h, need: perMove5000, vmotion: noVMotion, flows: flows, asOf: asOf(h), prev: othersEstimate{}, now: govNow}); g.Limit != 0 || kept.ok {
		t.Errorf("no estimate: %+v, kept %+v", g, kept)
	}
	// An estimate made at the poll before, at idle: 1.2 Gbps of others; the three moves
	// account for at most their fair share each, 5 Gbps.
	prev := othersEstimate{mbps: 1200, polledAt: polled.Add(-time.Second), ok: true}
	g, kept := dciGate(gateInput{health: h, need: perMove5000, vmotion: noVMotion, flows: flows, asOf: asOf(h), prev: prev, now: govNow})
	if g.Limit != 3 || g.AvailableMbps != 15_000 || kept.mbps != 5000 {
		t.Errorf("with an estimate: %+v, kept %+v", g, kept)
	}
	// The estimate kept is bounded by what is possible: 20 Gbps used, of which the three
	// moves carry at most 15.
	high := othersEstimate{mbps: 19_000, polledAt: polled.Add(-time.Minute), ok: true}
	if g, kept := dciGate(gateInput{health: h, need: perMove5000, vmotion: noVMotion, flows: flows, asOf: asOf(h), prev: high, now: govNow}); g.Limit != 0 || kept.mbps != 19_000 {
		t.Errorf("with a high estimate: %+v, kept %+v", g, kept)
	}
	low := othersEstimate{mbps: 0, polledAt: polled.Add(-time.Minute), ok: true}
	if g, kept := dciGate(gateInput{health: h, need: perMove5000, vmotion: noVMotion, flows: flows, asOf: asOf(h), prev: low, now: govNow}); g.Limit != 3 || kept.mbps != 5000 {
		t.Errorf("with a low estimate: %+v, kept %+v", g, kept)
	}
	// While a round runs, its switches' figures may already show moves started after the
	// last round ended: they are in doubt too, not left out.
	mid := dciHealth(20_000)
	mid.Polling, mid.PollStarted = true, polled.Add(200*time.Millisecond)
	started := migrate.Flow{Started: polled.Add(300 * time.Millisecond), Streaming: polled.Add(400 * time.Millisecond)}
	in := gateInput{health: mid, need: perMove5000, vmotion: noVMotion, flows: []migrate.Flow{started, started, started},
		asOf: polled.Add(-500 * time.Millisecond), prev: prev, now: govNow}
	if g, _ := dciGate(in); g.Limit != 3 {
		t.Errorf("mid-round: %+v", g)
	}
	// Without doubt, the estimate is renewed.
	if _, kept := dciGate(gateInput{health: h, need: perMove5000, vmotion: noVMotion, flows: []migrate.Flow{ownFlow(5600), ownFlow(5600), ownFlow(5600)}, asOf: asOf(h), prev: prev, now: govNow}); !kept.ok || kept.mbps != 20_000-3*5600 || !kept.polledAt.Equal(polled) {
		t.Errorf("renewed estimate %+v", kept)
	}
}
