package backend

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/vmcross/vmcross/backend/migrate"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
	"github.com/vmcross/vmcross/fabric"
)

// The governor decides when queued moves start (backend/migrate/governor.go). Its static
// limits come from the config; its gate is read from the fabric's latest Health at every
// scheduling pass (dciGate, a pure function of it), and the scheduler is woken on every new
// Health, so that moves pause when the DCI goes down and resume by themselves when it comes
// back, and their number follows the DCI's bandwidth.

// GovernorSettings are the governor's configuration (the config's governor: section). The
// zero value is vSphere's limits on a 10 GbE vMotion network, a cap of 8 moves at once and
// the profile's bandwidth per move.
type GovernorSettings struct {
	// MaxConcurrent caps the moves running at once across everything (0:
	// migrate.DefaultMaxConcurrent, 8).
	MaxConcurrent int
	// MbpsPerMove is the DCI bandwidth each concurrent move needs; 0: the configured
	// profile's (250 Mbps per concurrent vMotion; reference-2009's 622 Mbps for one at a
	// time), or 250 Mbps when no profile is configured.
	MbpsPerMove int
	// VMotionGbps is the speed of the hosts' vMotion network, in Gbit/s: 1 lets a host run
	// 4 vMotions at once, 10 and faster 8 (0: 10). SiteVMotionGbps sets it per site.
	VMotionGbps     int
	SiteVMotionGbps map[model.SiteID]int
}

// defaultNeedMbps is what one move needs of the DCI when neither the config nor a profile
// says: DESIGN.md's 250 Mbps per concurrent vMotion (metro and long-distance).
const defaultNeedMbps = 250

// governor is the engine's governor as preflight reads it too: its settings, its memory of
// the fabric, and the moves' traffic it was last handed.
type governor struct {
	s      GovernorSettings
	rounds *fabricMemory
	mu     sync.Mutex
	flows  []migrate.Flow // as the last scheduling pass handed them to the gate
}

// SetGovernor configures the governor of the engine's moves and makes it follow the fabric
// live: its state is published in State.Governor. NewEngine sets the defaults (the zero
// settings); call it before Start to set others.
func (e *Engine) SetGovernor(s GovernorSettings) {
	gv := &governor{s: s, rounds: &fabricMemory{}}
	e.mu.Lock()
	e.gov = gv
	e.mu.Unlock()
	rounds := gv.rounds
	o := migrate.Options{
		MaxConcurrent: s.MaxConcurrent,
		MaxPerHost:    migrate.HostLimitFor(s.VMotionGbps),
		Gate: func(flows []migrate.Flow) migrate.Gate {
			g := e.governorGate(gv, flows)
			g.StreamMbps = streamMbps(s)
			return g
		},
		Report: e.reportGovernor,
		Refresh: func() {
			e.mu.RLock()
			f := e.fabric
			e.mu.RUnlock()
			if f != nil {
				f.PollNow()
			}
		},
		Watch: func(ctx context.Context, wake func()) { e.watchFabric(ctx, rounds, wake) },
	}
	if len(s.SiteVMotionGbps) > 0 {
		o.MaxPerHostAt = map[model.SiteID]int{}
		for site, gbps := range s.SiteVMotionGbps {
			o.MaxPerHostAt[site] = migrate.HostLimitFor(gbps)
		}
	}
	e.moves.SetOptions(o)
	// The State says from the start what the governor allows, as its first scheduling pass
	// will find it with nothing queued: a starting engine publishes no governor state of
	// its own until something changes (the fabric's first poll, a move).
	g := idleGovernor(o)
	e.state.Update(func(st model.State) model.State {
		st.Governor = g // the starting point, not a change: Gen stays
		return st
	})
}

// idleGovernor is the governor's state with nothing queued under options o: one scheduling
// pass of a manager of its own, which asks o's gate.
func idleGovernor(o migrate.Options) model.Governor {
	var out model.Governor
	o.Report = func(g model.Governor) { out = g }
	o.Watch, o.Refresh = nil, nil
	m := migrate.New(nil, nil, func([]model.Move) {}, func(model.EventKind, model.Move) {}, o)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m.Run(ctx) // one pass, then it sees ctx ended
	return out
}

// reportGovernor publishes the governor's state after a scheduling pass, unless it is the
// State's already: only Since may differ, the State's being when Paused or Limit last
// changed as it was published.
func (e *Engine) reportGovernor(g model.Governor) {
	cur := e.Snapshot().Governor
	if cur.Paused == g.Paused && cur.Limit == g.Limit && !cur.Since.IsZero() {
		g.Since = cur.Since
	}
	if g == cur {
		return
	}
	e.publish(func(st *model.State) { st.Governor = g })
}

// streamMbps is the line rate of one move's vMotion stream: the slowest vMotion network
// the settings name (a move runs between two sites' hosts), 10 GbE when none is set.
func streamMbps(s GovernorSettings) int64 {
	gbps := s.VMotionGbps
	if gbps <= 0 {
		gbps = 10
	}
	for _, g := range s.SiteVMotionGbps {
		if g > 0 && g < gbps {
			gbps = g
		}
	}
	return int64(gbps) * 1000
}

// watchFabric wakes the scheduler on every new fabric Health until ctx ends.
func (e *Engine) watchFabric(ctx context.Context, rounds *fabricMemory, wake func()) {
	var gen uint64
	for st := range e.Subscribe(ctx) {
		if st.FabricGen != gen {
			gen = st.FabricGen
			rounds.see(st.Fabric)
			wake()
		}
	}
}

// governorGate is the gate of one scheduling pass: the fabric's latest Health judged for
// the moves' need.
func (e *Engine) governorGate(gv *governor, flows []migrate.Flow) migrate.Gate {
	st := e.Snapshot()
	e.mu.RLock()
	profile := e.profile
	e.mu.RUnlock()
	gv.mu.Lock()
	gv.flows = flows
	gv.mu.Unlock()
	rounds := gv.rounds
	asOf := rounds.see(st.Fabric)
	rounds.mu.Lock()
	prev := rounds.others
	rounds.mu.Unlock()
	g, next := dciGate(gateInput{health: st.Fabric, need: moveNeed(gv.s, profile), vmotion: vmotionVLANs(st),
		flows: flows, asOf: asOf, prev: prev, now: time.Now()})
	rounds.mu.Lock()
	if next.ok {
		rounds.others = next
	}
	rounds.mu.Unlock()
	return g
}

// dciAvailable is the DCI bandwidth the governor gives vmcross's moves on st's fabric
// Health (model.Governor.AvailableMbps: the capacity less the traffic that is not theirs),
// judged as a scheduling pass would judge it now, with the moves' traffic the last pass was
// handed; ok is false when the governor sets no DCI limit (no fabric, or its bandwidth not
// measured). It is worked out for st rather than read from st.Governor, which the
// scheduler updates a moment after each new Health. It changes nothing the governor keeps.
func (e *Engine) dciAvailable(st model.State, now time.Time) (mbps int64, ok bool) {
	e.mu.RLock()
	gv, profile := e.gov, e.profile
	e.mu.RUnlock()
	if gv == nil {
		return 0, false
	}
	gv.mu.Lock()
	flows := gv.flows
	gv.mu.Unlock()
	asOf := gv.rounds.peek(st.Fabric)
	gv.rounds.mu.Lock()
	prev := gv.rounds.others
	gv.rounds.mu.Unlock()
	g, _ := dciGate(gateInput{health: st.Fabric, need: moveNeed(gv.s, profile), vmotion: vmotionVLANs(st),
		flows: flows, asOf: asOf, prev: prev, now: now})
	return g.AvailableMbps, g.Limited
}

// gateInput is what one scheduling pass judges the DCI from.
type gateInput struct {
	health  fabric.Health
	need    need
	vmotion map[int]bool   // the hosts' vMotion VLANs
	flows   []migrate.Flow // vmcross's own moves' traffic
	asOf    time.Time      // the start of the latest complete poll round (fabricMemory)
	prev    othersEstimate // the last estimate of the DCI's other traffic
	now     time.Time
}

// fabricMemory is what the governor remembers of the fabric between scheduling passes: the
// last estimate of the DCI's other traffic (dciGate), and the poll rounds it saw, to tell
// when the data of the latest complete round was read: that round's start. A Health says
// so itself only while no round runs (PollStarted, once PolledAt is after it); while one
// runs, PollStarted is the running round's, and the complete one's start is the start last
// seen running before PolledAt. Rounds may follow each other with no pause in between (a
// slow switch), so the memory keeps the round it saw running.
type fabricMemory struct {
	mu      sync.Mutex
	running time.Time // the start of the round last seen running
	done    time.Time // the start of the latest round known complete
	// others is the last estimate of the DCI's other traffic (dciGate).
	others othersEstimate
}

// see takes in h and returns the start of the latest round known complete (zero: none).
func (r *fabricMemory) see(h fabric.Health) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running, r.done = nextRounds(r.running, r.done, h)
	return r.done
}

// peek is what see would return for h, without taking h in.
func (r *fabricMemory) peek(h fabric.Health) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, done := nextRounds(r.running, r.done, h)
	return done
}

// nextRounds is the memory of poll rounds (the round seen running, the latest known complete)
// after seeing h.
func nextRounds(running, done time.Time, h fabric.Health) (time.Time, time.Time) {
	if !running.IsZero() && !h.PolledAt.Before(running) && running.After(done) {
		done = running // the round seen running has ended since
	}
	switch {
	case h.Polling:
		running = h.PollStarted
	case !h.PollStarted.IsZero() && !h.PolledAt.Before(h.PollStarted) && h.PollStarted.After(done):
		done = h.PollStarted
	}
	return running, done
}

// need is what one move needs of the DCI: Mbps per concurrent move, or (PerMove false) in
// total, which allows one move at a time.
type need struct {
	Mbps    int64
	PerMove bool
	Profile string // the profile it comes from, "" when configured or the default
}

// moveNeed is the need of the settings, else of the named profile, else the default.
func moveNeed(s GovernorSettings, profile string) need {
	if s.MbpsPerMove > 0 {
		return need{Mbps: int64(s.MbpsPerMove), PerMove: true}
	}
	if p, err := preflight.ProfileByName(profile); err == nil && p.MinBandwidthMbps > 0 {
		return need{Mbps: int64(p.MinBandwidthMbps), PerMove: p.PerVMotion, Profile: p.Name}
	}
	return need{Mbps: defaultNeedMbps, PerMove: true}
}

// vmotionVLANs are the VLANs of the hosts' vMotion networks, at both sites: a move of any
// VM needs them carried across the DCI.
func vmotionVLANs(st model.State) map[int]bool {
	out := map[int]bool{}
	for _, s := range st.Sites {
		for _, h := range s.Hosts {
			if h.VMotionVLAN > 0 {
				out[h.VMotionVLAN] = true
			}
		}
	}
	return out
}

// dciGate judges the DCI for the governor at now. It is a pure function of its inputs: the
// fabric's Health, the moves' need, the vMotion VLANs, vmcross's own moves' flows and the
// last estimate of the DCI's other traffic (prev); it returns the gate and the estimate to
// keep for the next pass.
//
// No fabric configured: no pause and no DCI limit. Otherwise moves pause while the data is
// stale, the DCI is down, a finding of block severity is about the DCI as a whole (any but a
// VM VLAN's VLAN_NOT_EXTENDED: those hold the moves of that VLAN's VMs only), or the DCI's
// bandwidth is not measured. Else the DCI carries
//
//	limit = ⌊available / need⌋    available = capacity − others    others = max(used − own, 0)
//
// moves at once (at most 1 when the need is the profile's total, not per move), where own
// is the traffic of vmcross's own moves whose data crossed when the switches were read.
// Counting it back keeps the governor from throttling itself as its own moves fill the
// link. Each counts at the rate it was measured at (the data's rate, a little under what
// the wire carries); one not measured yet (its first seconds) at its fair share of the link,
// used / (own flows + 1): a vMotion stream takes about as much as any other on a full link.
// The switches' figures were read between the start of the latest complete poll round and
// its end (or now, while a round runs: its figures replace the last round's as they come).
// A move whose data flowed all that time is in them; one started after it, or ended before,
// is not; any other may or may not be: others then lies between the two answers, and the
// estimate kept from the last pass (prev, made without doubt, or itself so bounded) picks
// within them (the same when the measured rates add up to more than the link carried: they
// predate a member link going down); without one, the larger (fewer moves) holds.
func dciGate(in gateInput) (migrate.Gate, othersEstimate) {
	h, n, vmotion, prev, now := in.health, in.need, in.vmotion, in.prev, in.now
	if !h.Configured {
		return migrate.Gate{Note: "no fabric configured: no DCI limit", NeedMbps: n.Mbps}, prev
	}
	g := migrate.Gate{Fabric: true, NeedMbps: n.Mbps, AsOf: in.asOf}
	for _, f := range h.Findings {
		if f.Severity != fabric.SeverityBlock || f.Local {
			continue
		}
		if f.Code == fabric.CodeVLANNotExtended && f.VLAN > 0 && !vmotion[f.VLAN] {
			if g.VLANs == nil {
				g.VLANs = map[int]string{}
			}
			if _, ok := g.VLANs[f.VLAN]; !ok {
				g.VLANs[f.VLAN] = fmt.Sprintf("VLAN %d is not carried across the DCI", f.VLAN)
			}
			continue
		}
		if g.Paused == "" {
			g.Paused = "a DCI finding blocks: " + f.Code + " " + f.Object
		}
	}
	switch {
	case h.Stale(now) && h.PolledAt.IsZero():
		g.Paused = "the DCI has not been polled yet"
	case h.Stale(now):
		g.Paused = fmt.Sprintf("the DCI's data is stale (last poll %s)", h.PolledAt.Format("15:04:05"))
	case h.Verdict.Down:
		g.Paused = "the DCI is down"
	case g.Paused != "":
	case !h.Bandwidth.Known:
		g.Paused = "the DCI's bandwidth is not measured"
	}
	if !h.Bandwidth.Known {
		g.Note = "DCI bandwidth unknown"
		return g, prev
	}

	b := h.Bandwidth
	// The figures were read between the start of the latest complete round and its end, or
	// now while a round runs (its switches' figures replace the last round's as they come).
	latest := h.PolledAt
	if h.Polling {
		latest = now
	}
	others, next := otherTraffic(h, in.flows, prev, in.asOf, latest)
	available := max(b.CapacityMbps-others, 0)
	g.AvailableMbps = available
	g.Limited = true
	g.Note = "DCI " + fabric.FormatMbps(available)
	if n.PerMove {
		g.Limit = int(available / n.Mbps)
		g.Held = fmt.Sprintf("the DCI carries %d moves at %s each now (%s available)",
			g.Limit, fabric.FormatMbps(n.Mbps), fabric.FormatMbps(available))
		if g.Limit == 1 {
			g.Held = fmt.Sprintf("the DCI carries 1 move at %s now (%s available)", fabric.FormatMbps(n.Mbps), fabric.FormatMbps(available))
		}
	} else if available >= n.Mbps {
		g.Limit = 1
		g.Held = fmt.Sprintf("the %s profile moves one VM at a time, at %s (%s available)",
			n.Profile, fabric.FormatMbps(n.Mbps), fabric.FormatMbps(available))
	}
	if g.Limit == 0 {
		g.Held = fmt.Sprintf("the DCI has %s available, less than the %s a move needs",
			fabric.FormatMbps(available), fabric.FormatMbps(n.Mbps))
	}
	return g, next
}

// othersEstimate is the DCI's traffic that is not vmcross's, as last estimated (otherTraffic).
type othersEstimate struct {
	mbps     int64
	polledAt time.Time
	ok       bool
}

// otherTraffic estimates the DCI's traffic that is not vmcross's moves', from figures read
// between first and latest (see dciGate), and the estimate to keep. A flow is surely in the
// figures when its data flowed from before first until after latest; surely not when its
// move started after latest or ended before first; and in doubt otherwise.
func otherTraffic(h fabric.Health, flows []migrate.Flow, prev othersEstimate, first, latest time.Time) (int64, othersEstimate) {
	used := h.Bandwidth.UsedMbps
	type flow struct {
		mbps int64
		sure bool
	}
	var counted []flow
	for _, f := range flows {
		if f.Started.After(latest) || (!f.Ended.IsZero() && f.Ended.Before(first)) {
			continue
		}
		sure := !first.IsZero() && !f.Streaming.IsZero() && !f.Streaming.After(first) && (f.Ended.IsZero() || !f.Ended.Before(latest))
		counted = append(counted, flow{f.Mbps, sure})
	}
	share := used / int64(len(counted)+1)
	var own, doubt int64
	doubtful := false
	for _, f := range counted {
		mbps := f.mbps
		if mbps <= 0 {
			mbps = share
		}
		if f.sure {
			own += mbps
		} else {
			doubt += mbps
			doubtful = true
		}
	}
	if !doubtful && own <= used {
		return used - own, othersEstimate{mbps: used - own, polledAt: h.PolledAt, ok: true}
	}
	// In doubt, or the rates cannot all be right (more than the link carried: measured
	// before a member link went down, say): others lies between the two bounds, and the
	// estimate kept from the last pass picks within them.
	low, high := max(used-own-doubt, 0), max(used-own, 0)
	if own > used {
		low, high = 0, used
	}
	if !prev.ok {
		return high, prev
	}
	e := min(max(prev.mbps, low), high)
	return e, othersEstimate{mbps: e, polledAt: h.PolledAt, ok: true}
}
