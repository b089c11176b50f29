package fabric

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/fabric/parse"
	"github.com/vmcross/vmcross/fabric/sim"
)

// These tests feed the Health computation the simulated switches' real show output, read
// through sim.Exec (no SSH), so each case is deterministic; monitor_test.go does the same
// over SSH.

// simRound polls the fabric through Exec and computes the Health, with prev as the
// previous round's polls.
func simRound(t *testing.T, f *sim.Fabric, specs []SwitchSpec, prev []*switchPoll, watched []int) (Health, []*switchPoll) {
	t.Helper()
	polls := execPolls(t, f, specs)
	h := compute(round{specs: specs, interval: time.Second, at: time.Now(), polls: polls, prev: prev, watched: watched})
	return h, polls
}

func TestComputeHealthy(t *testing.T) {
	f := startSim(t, sim.Options{})
	specs := specsFor(f, "")
	h, polls := simRound(t, f, specs, nil, watchedAll)

	if !h.Configured || len(h.Switches) != 4 || len(h.Trunks) != 4 {
		t.Fatalf("configured %v, %d switches, %d trunks", h.Configured, len(h.Switches), len(h.Trunks))
	}
	for _, s := range h.Switches {
		if !s.Reachable || s.Err != "" || s.LastPoll.IsZero() {
			t.Errorf("switch %s: reachable %v, err %q, last poll %v", s.Name, s.Reachable, s.Err, s.LastPoll)
		}
	}
	for _, tr := range h.Trunks {
		if !tr.Up || tr.Status != "trunking" || tr.MembersUp() != 2 || len(tr.Members) != 2 || tr.MTU != 9216 || tr.Unknown {
			t.Errorf("trunk %s %s: up %v (%s), members %d/%d, MTU %d", tr.Switch, tr.Interface, tr.Up, tr.Status,
				tr.MembersUp(), len(tr.Members), tr.MTU)
		}
		for _, m := range tr.Members {
			if !m.Up || m.MTU != 9216 || m.Rising || m.State != "bundled" {
				t.Errorf("%s %s member %+v", tr.Switch, tr.Interface, m)
			}
		}
	}
	if tr, _ := trunkOf(h, miaEdge); tr.Interface != "port-channel10" || !slices.Equal(tr.Forwarding, planVLANs) ||
		!slices.Equal(tr.Allowed, planVLANs) || tr.Members[0].Name != "Ethernet3/1" {
		t.Errorf("mia edge trunk: %+v", tr)
	}
	for _, id := range planVLANs {
		if v, ok := h.VLAN(id); !ok || !v.Carried || v.Unknown || len(v.Reasons) > 0 {
			t.Errorf("VLAN %d: %+v (found %v)", id, v, ok)
		}
	}
	v300, ok := h.VLAN(300)
	if !ok || v300.Carried || v300.Unknown || v300.Reasons[0] != "not allowed on mia-dci-n7k-01 port-channel10" {
		t.Errorf("VLAN 300: %+v", v300)
	}
	if len(h.RTTs) != 2 {
		t.Fatalf("RTTs: %+v", h.RTTs)
	}
	for _, r := range h.RTTs {
		if !r.OK || r.Avg < time.Millisecond || r.Avg > 5*time.Millisecond || r.Loss != 0 || r.To == "" {
			t.Errorf("RTT %+v", r)
		}
	}
	if len(h.Findings) != 1 || h.Findings[0].Code != CodeVLANNotExtended || h.Findings[0].VLAN != 300 ||
		h.Findings[0].Severity != SeverityBlock || h.Findings[0].Object != "vlan 300" {
		t.Errorf("findings:%s", codes(h))
	}
	// VLAN 300 is local to each site (the DMZ): not a problem. The Health is judged: judging
	// it again changes nothing.
	if h.Verdict != (Verdict{}) || h.Limits != DefaultLimits() || !h.Findings[0].Local {
		t.Errorf("verdict %+v, limits %+v, finding %+v", h.Verdict, h.Limits, h.Findings[0])
	}
	if !reflect.DeepEqual(Judge(h), h) {
		t.Errorf("compute's Health is not judged as Judge does")
	}

	// Unwatched, VLAN 300 has a status (the DCI allows it at a distribution trunk? no: only
	// the edges' trunks count) and no finding.
	h = compute(round{specs: specs, interval: time.Second, at: time.Now(), polls: polls, watched: []int{120}})
	if _, ok := h.VLAN(300); ok || len(h.Findings) != 0 {
		t.Errorf("unwatched VLAN 300 listed or findings:%s", codes(h))
	}
	if _, ok := h.VLAN(120); !ok {
		t.Errorf("VLAN 120 not listed")
	}

	// The commands of one round, per platform and role.
	wantEdge := []string{"show interface trunk", "show port-channel summary", "show interface port-channel10",
		"show interface Ethernet3/1", "show interface Ethernet3/2", "show otv adjacency", "show otv vlan",
		"show vlan brief", "ping 10.2.255.1 count 3"}
	wantDist := []string{"show interfaces trunk", "show etherchannel summary", "show interfaces Port-channel1",
		"show interfaces TenGigabitEthernet1/1", "show interfaces TenGigabitEthernet1/2", "show vlan brief"}
	if !slices.Equal(polls[0].commands, wantEdge) || !slices.Equal(polls[1].commands, wantDist) {
		t.Errorf("commands:\n%q\n%q", polls[0].commands, polls[1].commands)
	}
}

// TestComputeFaults breaks the fabric one way at a time through the switches' CLI or the
// simulator's fault helpers, checks the Health says so, and checks it recovers when undone.
func TestComputeFaults(t *testing.T) {
	cases := []struct {
		name  string
		apply func(t *testing.T, f *sim.Fabric)
		undo  func(t *testing.T, f *sim.Fabric)
		check func(t *testing.T, h Health)
	}{
		{
			name: "VLAN 120 removed from the DCI trunk",
			apply: func(t *testing.T, f *sim.Fabric) {
				exec(t, f, miaEdge, "conf t", "interface port-channel10", "switchport trunk allowed vlan remove 120", "end")
			},
			undo: func(t *testing.T, f *sim.Fabric) {
				exec(t, f, miaEdge, "conf t", "interface port-channel10", "switchport trunk allowed vlan add 120", "end")
			},
			check: func(t *testing.T, h Health) {
				v, _ := h.VLAN(120)
				if v.Carried || v.Unknown || v.Reasons[0] != "not allowed on mia-dci-n7k-01 port-channel10" ||
					!hasReason(h, 120, "not STP-forwarding on atl-dci-n7k-01 port-channel10") ||
					!hasReason(h, 120, "not extended by OTV on mia-dci-n7k-01 (inactive") {
					t.Errorf("VLAN 120: %+v", v)
				}
				fs := findingsOf(h, CodeVLANNotExtended)
				if !hasFinding(h, CodeVLANNotExtended, "vlan 120") || fs[0].VLAN != 120 || fs[0].Switch != miaEdge ||
					!strings.Contains(fs[0].Message, "VLAN 120 is not carried across the DCI: not allowed on mia-dci-n7k-01 port-channel10") {
					t.Errorf("findings:%s", codes(h))
				}
				if tr, _ := trunkOf(h, miaEdge); slices.Contains(tr.Allowed, 120) || !tr.Up {
					t.Errorf("mia trunk %+v", tr)
				}
				if !allCarriedBut(h, 120) {
					t.Errorf("other VLANs affected: %+v", h.VLANs)
				}
				mia := TrunkRef{Switch: miaEdge, Interface: "port-channel10"}
				if v.Where != mia || fs[0].Where != mia || fs[0].Local {
					t.Errorf("where: VLAN %+v, finding %+v", v.Where, fs[0])
				}
				if want := (Verdict{Problems: 1, Worst: SeverityBlock}); h.Verdict != want || h.Findings[0] != fs[0] {
					t.Errorf("verdict %+v, want %+v;%s", h.Verdict, want, codes(h))
				}
			},
		},
		{
			name: "a member shut",
			apply: func(t *testing.T, f *sim.Fabric) {
				exec(t, f, miaEdge, "conf t", "interface Ethernet3/1", "shutdown", "end")
			},
			undo: func(t *testing.T, f *sim.Fabric) {
				exec(t, f, miaEdge, "conf t", "interface Ethernet3/1", "no shutdown", "end")
			},
			check: func(t *testing.T, h Health) {
				tr, _ := trunkOf(h, miaEdge)
				if !tr.Up || tr.MembersUp() != 1 || tr.Members[0].Up || tr.Members[0].State != "admin-down" {
					t.Errorf("mia trunk %+v", tr)
				}
				if !hasFinding(h, CodeMemberDown, "mia-dci-n7k-01 Ethernet3/1") ||
					!hasFinding(h, CodeMemberDown, "atl-dci-n7k-01 Ethernet3/1") || hasFinding(h, CodeTrunkDown, "") {
					t.Errorf("findings:%s", codes(h))
				}
				if !allCarried(h) {
					t.Errorf("VLANs: %+v", h.VLANs)
				}
			},
		},
		{
			name: "the DCI cut",
			apply: func(t *testing.T, f *sim.Fabric) {
				must(t, f.SetLinkDown(miaEdge, "Ethernet3/1", true))
				must(t, f.SetLinkDown(miaEdge, "Ethernet3/2", true))
			},
			undo: func(t *testing.T, f *sim.Fabric) {
				must(t, f.SetLinkDown(miaEdge, "Ethernet3/1", false))
				must(t, f.SetLinkDown(miaEdge, "Ethernet3/2", false))
			},
			check: func(t *testing.T, h Health) {
				for _, sw := range []string{miaEdge, atlEdge} {
					if tr, _ := trunkOf(h, sw); tr.Up || len(tr.Forwarding) != 0 || tr.Unknown {
						t.Errorf("%s trunk %+v", sw, tr)
					}
					if !hasFinding(h, CodeTrunkDown, sw+" port-channel10") || !hasFinding(h, CodeOTVAdjacencyDown, sw) ||
						!hasFinding(h, CodePingFailed, sw) {
						t.Errorf("findings:%s", codes(h))
					}
				}
				if hasFinding(h, CodeMemberDown, "") {
					t.Errorf("members reported on top of the trunk:%s", codes(h))
				}
				if v, _ := h.VLAN(120); v.Carried || v.Reasons[0] != "port-channel10 down on mia-dci-n7k-01" {
					t.Errorf("VLAN 120 %+v", v)
				}
				if r, _ := rttOf(h, miaEdge); r.OK || r.Loss != 100 || r.OverBudget || r.OverLimit {
					t.Errorf("RTT %+v", r)
				}
				if !h.Verdict.Down || h.Verdict.Worst != SeverityBlock {
					t.Errorf("verdict %+v", h.Verdict)
				}
			},
		},
		{
			name:  "OTV adjacency down",
			apply: func(_ *testing.T, f *sim.Fabric) { f.SetOTVAdjacency(false) },
			undo:  func(_ *testing.T, f *sim.Fabric) { f.SetOTVAdjacency(true) },
			check: func(t *testing.T, h Health) {
				fs := findingsOf(h, CodeOTVAdjacencyDown)
				if len(fs) != 2 || fs[0].Severity != SeverityBlock || fs[0].Object != "atl-dci-n7k-01 Overlay1" {
					t.Errorf("findings:%s", codes(h))
				}
				for _, id := range planVLANs {
					if !hasReason(h, id, "OTV adjacency down on mia-dci-n7k-01") || !hasFinding(h, CodeVLANNotExtended, "vlan") {
						t.Errorf("VLAN %d: %v", id, h.VLANs)
					}
				}
			},
		},
		{
			name: "VLAN 120 deleted on a distribution switch",
			apply: func(t *testing.T, f *sim.Fabric) {
				exec(t, f, miaDist, "conf t", "no vlan 120", "end")
			},
			undo: func(t *testing.T, f *sim.Fabric) {
				exec(t, f, miaDist, "conf t", "vlan 120", "name App", "end")
			},
			check: func(t *testing.T, h Health) {
				if !hasReason(h, 120, "not in the VLAN database of mia-dist-c6k-01") ||
					!hasReason(h, 120, "not STP-forwarding on mia-dist-c6k-01 Port-channel1") ||
					!hasFinding(h, CodeVLANNotExtended, "vlan 120") || !allCarriedBut(h, 120) {
					v, _ := h.VLAN(120)
					t.Errorf("VLAN 120: %+v%s", v, codes(h))
				}
			},
		},
		{
			name: "a distribution uplink shut (IOS prints no trunk at all)",
			apply: func(t *testing.T, f *sim.Fabric) {
				exec(t, f, atlDist, "conf t", "interface Port-channel1", "shutdown", "end")
			},
			undo: func(t *testing.T, f *sim.Fabric) {
				exec(t, f, atlDist, "conf t", "interface Port-channel1", "no shutdown", "end")
			},
			check: func(t *testing.T, h Health) {
				tr, _ := trunkOf(h, atlDist)
				if tr.Up || tr.Status != "admin-down" || tr.MembersUp() != 0 || tr.Unknown {
					t.Errorf("atl dist trunk %+v", tr)
				}
				if !hasFinding(h, CodeTrunkDown, "atl-dist-c6k-01 Port-channel1") ||
					!hasReason(h, 110, "Port-channel1 down on atl-dist-c6k-01") {
					t.Errorf("findings:%s", codes(h))
				}
			},
		},
		{
			name: "VLAN 130 no longer extended by OTV",
			apply: func(t *testing.T, f *sim.Fabric) {
				exec(t, f, atlEdge, "conf t", "interface Overlay1", "otv extend-vlan remove 130", "end")
			},
			undo: func(t *testing.T, f *sim.Fabric) {
				exec(t, f, atlEdge, "conf t", "interface Overlay1", "otv extend-vlan add 130", "end")
			},
			check: func(t *testing.T, h Health) {
				if !hasReason(h, 130, "not extended by OTV on atl-dci-n7k-01") || !allCarriedBut(h, 130) {
					t.Errorf("VLANs %+v", h.VLANs)
				}
			},
		},
		{
			name: "MTU 1500 on the DCI",
			apply: func(t *testing.T, f *sim.Fabric) {
				exec(t, f, atlEdge, "conf t", "interface port-channel10", "mtu 1500", "end")
			},
			undo: func(t *testing.T, f *sim.Fabric) {
				exec(t, f, atlEdge, "conf t", "interface port-channel10", "mtu 9216", "end")
			},
			check: func(t *testing.T, h Health) {
				fs := findingsOf(h, CodeMTULow)
				if len(fs) != 1 || fs[0].Object != "atl-dci-n7k-01 port-channel10" || !strings.Contains(fs[0].Message, "MTU 1500") {
					t.Errorf("findings:%s", codes(h))
				}
				if tr, _ := trunkOf(h, atlEdge); !tr.MTULow || tr.MTU != 1500 {
					t.Errorf("atl trunk MTU %d, low %v", tr.MTU, tr.MTULow)
				}
				if tr, _ := trunkOf(h, miaEdge); tr.MTULow {
					t.Errorf("mia trunk MTU %d judged low", tr.MTU)
				}
				if want := (Verdict{Problems: 1, Worst: SeverityWarn}); h.Verdict != want {
					t.Errorf("verdict %+v, want %+v", h.Verdict, want)
				}
			},
		},
		{
			name:  "RTT 20 ms",
			apply: func(_ *testing.T, f *sim.Fabric) { f.SetLatency(20 * time.Millisecond) },
			undo:  func(_ *testing.T, f *sim.Fabric) { f.SetLatency(2 * time.Millisecond) },
			check: func(t *testing.T, h Health) {
				if len(findingsOf(h, CodeRTTHigh)) != 2 || hasFinding(h, CodeRTTOverLimit, "") {
					t.Errorf("findings:%s", codes(h))
				}
				if r, _ := rttOf(h, atlEdge); r.Avg < 15*time.Millisecond || r.Avg > 25*time.Millisecond ||
					!r.OverBudget || r.OverLimit {
					t.Errorf("RTT %+v", r)
				}
			},
		},
		{
			name:  "RTT 200 ms",
			apply: func(_ *testing.T, f *sim.Fabric) { f.SetLatency(200 * time.Millisecond) },
			undo:  func(_ *testing.T, f *sim.Fabric) { f.SetLatency(2 * time.Millisecond) },
			check: func(t *testing.T, h Health) {
				fs := findingsOf(h, CodeRTTOverLimit)
				if len(fs) != 2 || fs[0].Severity != SeverityBlock || hasFinding(h, CodeRTTHigh, "") {
					t.Errorf("findings:%s", codes(h))
				}
				if r, _ := rttOf(h, miaEdge); !r.OverBudget || !r.OverLimit {
					t.Errorf("RTT %+v", r)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := startSim(t, sim.Options{})
			specs := specsFor(f, "")
			_, prev := simRound(t, f, specs, nil, watchedAll)
			c.apply(t, f)
			h, polls := simRound(t, f, specs, prev, watchedAll)
			t.Logf("findings:%s", codes(h))
			c.check(t, h)
			c.undo(t, f)
			h, _ = simRound(t, f, specs, polls, watchedAll)
			if !allCarried(h) || len(h.Findings) != 1 || !hasFinding(h, CodeVLANNotExtended, "vlan 300") {
				t.Errorf("not recovered after undo:%s", codes(h))
			}
		})
	}
}

// allCarriedBut reports whether every plan VLAN but id is carried.
func allCarriedBut(h Health, id int) bool {
	for _, v := range planVLANs {
		if st, ok := h.VLAN(v); v != id && (!ok || !st.Carried) {
			return false
		}
	}
	return true
}

func TestComputeCRCRising(t *testing.T) {
	f := startSim(t, sim.Options{})
	specs := specsFor(f, "")
	_, prev := simRound(t, f, specs, nil, watchedAll)
	must(t, f.AddCRCErrors(atlEdge, "Ethernet3/2", 37))
	h, polls := simRound(t, f, specs, prev, watchedAll)
	tr, _ := trunkOf(h, atlEdge)
	if m := tr.Members[1]; !m.Rising || m.CRC < 37 || m.InErrs < 37 || tr.Members[0].Rising {
		t.Errorf("members %+v", tr.Members)
	}
	fs := findingsOf(h, CodeCRCRising)
	if len(fs) != 1 || fs[0].Object != "atl-dci-n7k-01 Ethernet3/2" || !strings.Contains(fs[0].Message, "(+37)") {
		t.Errorf("findings:%s", codes(h))
	}
	// No new errors: no longer rising, though the counter stays.
	h, _ = simRound(t, f, specs, polls, watchedAll)
	if tr, _ := trunkOf(h, atlEdge); tr.Members[1].Rising || tr.Members[1].CRC < 37 || hasFinding(h, CodeCRCRising, "") {
		t.Errorf("still rising: %+v%s", tr.Members, codes(h))
	}
	// Cleared counters are not a rise.
	prevPoll := *polls[2]
	prevPoll.ifaces = slices.Clone(prevPoll.ifaces)
	for i := range prevPoll.ifaces {
		prevPoll.ifaces[i].CRCErrors += 1000
	}
	h = compute(round{specs: specs, interval: time.Second, at: time.Now(), polls: polls,
		prev: []*switchPoll{nil, nil, &prevPoll, nil}, watched: watchedAll})
	if hasFinding(h, CodeCRCRising, "") {
		t.Errorf("cleared counters reported rising:%s", codes(h))
	}
}

func TestComputeUnreachable(t *testing.T) {
	f := startSim(t, sim.Options{})
	specs := specsFor(f, "")
	_, prev := simRound(t, f, specs, nil, watchedAll)
	polls := slices.Clone(prev)
	polls[2] = &switchPoll{at: time.Now(), err: &switchError{sw: atlEdge, msg: "connection lost during \"show vlan brief\""}}
	h := compute(round{specs: specs, interval: time.Second, at: time.Now(), polls: polls, prev: prev, watched: watchedAll})

	s := switchOf(h, atlEdge)
	if s.Reachable || !strings.Contains(s.Err, "atl-dci-n7k-01: connection lost") || s.LastPoll != prev[2].at || s.Version != "test" {
		t.Errorf("switch %+v", s)
	}
	if tr, _ := trunkOf(h, atlEdge); tr.Up || !tr.Unknown || tr.Status != "unknown" {
		t.Errorf("trunk %+v", tr)
	}
	for _, id := range planVLANs {
		v, ok := h.VLAN(id)
		if !ok || v.Carried || !v.Unknown || len(v.Reasons) != 1 || v.Reasons[0] != "unknown: no fresh data from atl-dci-n7k-01" {
			t.Errorf("VLAN %d: %+v", id, v)
		}
	}
	if v, _ := h.VLAN(300); v.Unknown || v.Carried {
		t.Errorf("VLAN 300 is known broken at Miami: %+v", v)
	}
	if len(findingsOf(h, CodeVLANUnverified)) != len(planVLANs) || !hasFinding(h, CodeSwitchUnreachable, atlEdge) ||
		len(findingsOf(h, CodeVLANNotExtended)) != 1 || len(h.RTTs) != 1 {
		t.Errorf("findings:%s", codes(h))
	}
	// Warnings only: an unreachable switch never blocks by itself, and never looks healthy.
	for _, f := range h.Findings {
		if f.Code != CodeVLANNotExtended && f.Severity != SeverityWarn {
			t.Errorf("finding %+v", f)
		}
	}
}

func TestComputeBeforeFirstPoll(t *testing.T) {
	specs := []SwitchSpec{{Name: "a", Role: RoleDCIEdge, Platform: NXOS, Host: "127.0.0.1", DCIInterfaces: []string{"port-channel10"}}}
	h := compute(round{specs: specs, interval: time.Second, watched: []int{120}})
	if !h.Configured || !h.PolledAt.IsZero() || !h.Stale(time.Now()) || len(h.Switches) != 1 || h.Switches[0].Reachable ||
		h.Switches[0].Address != "127.0.0.1:22" {
		t.Errorf("health %+v", h)
	}
	if v, _ := h.VLAN(120); v.Carried || !v.Unknown || v.Reasons[0] != "unknown: no data yet from a" {
		t.Errorf("VLAN 120 %+v", v)
	}
	if !hasFinding(h, CodeFabricStale, "fabric") || !hasFinding(h, CodeVLANUnverified, "vlan 120") || len(h.Findings) != 2 {
		t.Errorf("findings:%s", codes(h))
	}
	h = compute(round{interval: time.Second, watched: []int{120}})
	if h.Configured || len(h.Findings) != 0 || len(h.VLANs) != 0 || h.Switches == nil {
		t.Errorf("not configured: %+v", h)
	}
}

func TestComputeCommandFailures(t *testing.T) {
	f := startSim(t, sim.Options{})
	specs := specsFor(f, "")
	polls := execPolls(t, f, specs)

	// The Miami distribution switch refuses show vlan brief: its VLANs are unverified.
	p := *polls[1]
	p.failed = map[string]error{"show vlan brief": &deviceError{line: "% Invalid input detected at '^' marker."}}
	p.vlans = nil
	polls[1] = &p
	// The Atlanta edge prints no STP forwarding list for its DCI trunk.
	q := *polls[2]
	q.trunks = slices.Clone(q.trunks)
	for i := range q.trunks {
		q.trunks[i].STPForwarding, q.trunks[i].ForwardingNotPruned = parse.VLANList{}, parse.VLANList{}
	}
	polls[2] = &q
	h := compute(round{specs: specs, interval: time.Second, at: time.Now(), polls: polls, watched: watchedAll})
	v, _ := h.VLAN(120)
	if v.Carried || !v.Unknown || !hasReason(h, 120, `unknown: "show vlan brief" failed on mia-dist-c6k-01`) ||
		!hasReason(h, 120, "unknown: atl-dci-n7k-01 port-channel10 prints no STP forwarding list") {
		t.Errorf("VLAN 120: %+v", v)
	}
	fs := findingsOf(h, CodeCommandFailed)
	if len(fs) != 1 || fs[0].Switch != miaDist || !strings.Contains(fs[0].Message, `"show vlan brief" failed: the switch rejected it: % Invalid input`) {
		t.Errorf("findings:%s", codes(h))
	}
	if !switchOf(h, miaDist).Reachable {
		t.Errorf("a failed command made the switch unreachable")
	}
}

// An edge without OTV (its DCI a plain port-channel) rejects the OTV commands; that is
// not a failure and its VLANs are judged on the port-channel alone.
func TestComputeEdgeWithoutOTV(t *testing.T) {
	f := startSim(t, sim.Options{})
	specs := specsFor(f, "")
	// OTV down would otherwise break every VLAN.
	f.SetOTVAdjacency(false)
	polls := execPolls(t, f, specs)
	for _, i := range []int{0, 2} {
		p := *polls[i]
		p.otvAbsent, p.otvAdj, p.otvVLANs = true, nil, nil
		polls[i] = &p
	}
	h := compute(round{specs: specs, interval: time.Second, at: time.Now(), polls: polls, watched: watchedAll})
	if !allCarried(h) || len(h.Findings) != 1 {
		t.Errorf("VLANs %+v%s", h.VLANs, codes(h))
	}
}

func TestRTTFindings(t *testing.T) {
	cases := []struct {
		ping *parse.Ping
		want []string
	}{
		{&parse.Ping{Sent: 3, Received: 3, RTT: &parse.RTT{AvgMs: 9.9, MaxMs: 12}}, nil},
		{&parse.Ping{Sent: 3, Received: 3, RTT: &parse.RTT{AvgMs: 10.5, MaxMs: 12}}, []string{CodeRTTHigh}},
		{&parse.Ping{Sent: 3, Received: 3, RTT: &parse.RTT{AvgMs: 151, MaxMs: 160}}, []string{CodeRTTOverLimit}},
		{&parse.Ping{Sent: 3, Received: 0, LossPercent: 100}, []string{CodePingFailed}},
		{&parse.Ping{Sent: 3, Received: 2, LossPercent: 33.33, RTT: &parse.RTT{AvgMs: 2, MaxMs: 2}}, []string{CodePacketLoss}},
	}
	for _, c := range cases {
		r := RTT{From: "a", To: "b", Loss: c.ping.LossPercent, OK: c.ping.Received > 0}
		if c.ping.RTT != nil {
			r.Avg, r.Max = ms(c.ping.RTT.AvgMs), ms(c.ping.RTT.MaxMs)
		}
		var fs findings
		rttFindings("a", judgeRTT(r, DefaultLimits()), c.ping, DefaultLimits(), &fs)
		var got []string
		for _, f := range fs {
			got = append(got, f.Code)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%+v: got %v, want %v", c.ping, got, c.want)
		}
	}
	if ms(2.106) != 2106*time.Microsecond {
		t.Errorf("ms(2.106) = %v", ms(2.106))
	}
}

func TestFindingsSorted(t *testing.T) {
	fs := findings{
		{Code: CodeSwitchUnreachable, Severity: SeverityWarn, Object: "b"},
		{Code: CodeVLANNotExtended, Severity: SeverityBlock, Object: "vlan 120"},
		{Code: CodeVLANNotExtended, Severity: SeverityBlock, Object: "vlan 99"},
		{Code: CodeTrunkDown, Severity: SeverityBlock, Object: "x"},
		{Code: CodeMemberDown, Severity: SeverityWarn, Object: "a"},
		{Code: "X", Severity: SeverityInfo, Object: "a"},
		{Code: CodeVLANNotExtended, Severity: SeverityBlock, Object: "vlan 300", Local: true},
		{Code: CodeVLANNotExtended, Severity: SeverityBlock, Object: "vlan 200", Local: true},
	}
	var got []string
	for _, f := range fs.sorted() {
		got = append(got, f.Code+" "+f.Object)
	}
	// A VLAN local to each site is no DCI problem: after them all, info included.
	want := []string{"DCI_TRUNK_DOWN x", "VLAN_NOT_EXTENDED vlan 99", "VLAN_NOT_EXTENDED vlan 120",
		"DCI_MEMBER_DOWN a", "SWITCH_UNREACHABLE b", "X a", "VLAN_NOT_EXTENDED vlan 200", "VLAN_NOT_EXTENDED vlan 300"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q", got)
	}
}

func TestIfKey(t *testing.T) {
	same := [][]string{
		{"Po10", "port-channel10", "Port-channel10", "po 10", "port-channel 10"},
		{"Eth3/1", "Ethernet3/1", "ethernet 3/1", "E3/1"},
		{"Te1/1", "TenGigabitEthernet1/1", "Ten1/1"},
		{"Gi1/0/1", "GigabitEthernet1/0/1"},
		{"Overlay1", "overlay1"},
	}
	for _, group := range same {
		for _, n := range group[1:] {
			if ifKey(n) != ifKey(group[0]) {
				t.Errorf("ifKey(%q) = %q, ifKey(%q) = %q", n, ifKey(n), group[0], ifKey(group[0]))
			}
		}
	}
	if ifKey("Po1") == ifKey("Po10") || ifKey("Eth3/1") == ifKey("Te3/1") {
		t.Errorf("distinct interfaces share a key")
	}
}

func TestDCITrunkNames(t *testing.T) {
	spec := SwitchSpec{DCIInterfaces: []string{"port-channel10", "Ethernet3/1", "Ethernet3/2", "Overlay1", "Ethernet5/1"}}
	chans := []parse.PortChannel{{Name: "Po10", Members: []parse.Member{{Port: "Eth3/1"}, {Port: "Eth3/2"}}}}
	if got := dciTrunkNames(spec, chans, true); !slices.Equal(got, []string{"port-channel10", "Ethernet5/1"}) {
		t.Errorf("got %q", got)
	}
	if got := dciTrunkNames(spec, nil, false); !slices.Equal(got, []string{"port-channel10"}) {
		t.Errorf("without channels: %q", got)
	}
	if got := interfacesToShow(SwitchSpec{DCIInterfaces: []string{"Po10", "Overlay1"}}, chans); !slices.Equal(got,
		[]string{"Po10", "Eth3/1", "Eth3/2"}) {
		t.Errorf("interfaces to show: %q", got)
	}
}

func TestSwitchErrorUnwraps(t *testing.T) {
	base := errors.New("EOF")
	err := &switchError{sw: "x", msg: "connection lost", err: base}
	if !errors.Is(err, base) || err.Error() != "x: connection lost" {
		t.Errorf("%v", err)
	}
}

func TestUnsupportedPlatformIsRefused(t *testing.T) {
	for _, pl := range []string{"juniper_junos", "/nonexistent/platform.yaml"} {
		s := &session{spec: SwitchSpec{Name: "x", Platform: pl, Host: "127.0.0.1"},
			timeout: time.Second, knownHosts: &knownHosts{}}
		err := s.connect(context.Background())
		if err == nil || !strings.Contains(err.Error(), `x: platform "`+pl+`" is not supported`) {
			t.Fatalf("got %v", err)
		}
	}
}

// A VLAN no DCI edge allows is local to each site by configuration: not carried (its VMs
// cannot move with their addresses), but not a broken DCI. One edge dropping a stretched VLAN
// is a break; both dropping it makes it local.
func TestComputeLocalVLAN(t *testing.T) {
	f := startSim(t, sim.Options{})
	specs := specsFor(f, "")
	h, _ := simRound(t, f, specs, nil, watchedAll)
	if v, _ := h.VLAN(300); v.Carried || !v.Local {
		t.Errorf("VLAN 300 (DMZ) should be local: %+v", v)
	}
	if v, _ := h.VLAN(120); !v.Carried || v.Local {
		t.Errorf("VLAN 120 should be carried: %+v", v)
	}
	if fs := findingsOf(h, CodeVLANNotExtended); len(fs) != 1 || !strings.Contains(fs[0].Message, "local to each site") || !fs[0].Local {
		t.Errorf("local VLAN finding: %+v", fs)
	}
	if h.Verdict != (Verdict{}) {
		t.Errorf("a local VLAN is a problem: %+v", h.Verdict)
	}

	exec(t, f, miaEdge, "configure terminal", "interface port-channel10", "switchport trunk allowed vlan remove 120", "end")
	h, _ = simRound(t, f, specs, nil, watchedAll)
	if v, _ := h.VLAN(120); v.Carried || v.Local || v.Unknown {
		t.Errorf("VLAN 120 removed on one edge is a break, not local: %+v", v)
	}
	// The break comes first and is the one problem; the local VLAN's finding comes after.
	if n := len(h.Findings); h.Verdict.Problems != 1 || n < 2 || h.Findings[0].VLAN != 120 || h.Findings[0].Local ||
		h.Findings[n-1].VLAN != 300 || !h.Findings[n-1].Local {
		t.Errorf("verdict %+v;%s", h.Verdict, codes(h))
	}

	exec(t, f, "atl-dci-n7k-01", "configure terminal", "interface port-channel10", "switchport trunk allowed vlan remove 120", "end")
	h, _ = simRound(t, f, specs, nil, watchedAll)
	if v, _ := h.VLAN(120); v.Carried || !v.Local {
		t.Errorf("VLAN 120 removed on both edges is local: %+v", v)
	}
	if h.Verdict.Problems != 0 {
		t.Errorf("VLANs local to each site counted as problems: %+v;%s", h.Verdict, codes(h))
	}
}

func TestNonAED(t *testing.T) {
	for state, want := range map[string]bool{
		"inactive(NA)": true, "inactive(Non AED)": true, "active": false,
		"inactive(NFC)": false, "inactive(OD)": false, "inactive(VD)": false,
	} {
		if got := nonAED(state); got != want {
			t.Errorf("nonAED(%q) = %v, want %v", state, got, want)
		}
	}
}
