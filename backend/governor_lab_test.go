package backend_test

// The governor on the running lab: moves queue under its limits and say why; the DCI shut
// mid-run pauses the queue and `no shutdown` resumes it by itself; a DCI member link down
// lowers the number of moves at once; and an evacuation of 50 VMs keeps to the limits within
// 1.15× of the ideal makespan (BenchmarkEvacuation50).

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/config"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/migrate"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
	"github.com/vmcross/vmcross/fabric"
)

// govRig is a lab and an engine on it wired as `vmcross` wires the lab, with a fabric
// monitor that polls every interval and the governor set as asked.
type govRig struct {
	l *lab.Lab
	e *backend.Engine
}

func startGovRig(tb testing.TB, lo lab.Options, s backend.GovernorSettings, interval time.Duration) *govRig {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	l, err := lab.Start(ctx, lo)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(l.Close)
	cfg := l.Config()
	specs, err := cfg.Specs()
	if err != nil {
		tb.Fatal(err)
	}
	sw, err := cfg.SwitchSpecs()
	if err != nil {
		tb.Fatal(err)
	}
	e := backend.NewEngine(specs, quickSites...)
	e.SetSimulated(true)
	e.SetMapping(preflight.Mapping{Clusters: cfg.Mapping.Clusters, Datastores: cfg.Mapping.Datastores, PortGroups: cfg.Mapping.PortGroups})
	e.SetProfile(cfg.Profile)
	e.SetFabric(fabric.NewMonitor(sw, fabric.WithInterval(interval), fabric.WithTimeout(5*time.Second)))
	e.SetGovernor(s)
	if err := e.EnableAudit(filepath.Join(tb.TempDir(), "audit.log")); err != nil {
		tb.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	tb.Cleanup(func() { stop(); e.Close() })
	e.Start(runCtx)
	if err := e.WaitLoaded(ctx); err != nil {
		tb.Fatal(err)
	}
	r := &govRig{l: l, e: e}
	r.await(tb, "the first fabric round and the governor's state", time.Minute, func(st model.State) bool {
		return !st.Fabric.PolledAt.IsZero() && st.Fabric.Bandwidth.Known && st.Governor.Why != "" && st.Governor.Paused == ""
	})
	return r
}

// await waits for a State that satisfies ok, and stops the test if none comes within d.
func (r *govRig) await(tb testing.TB, what string, d time.Duration, ok func(model.State) bool) model.State {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var last model.State
	for st := range r.e.Subscribe(ctx) {
		last = st
		if ok(st) {
			return st
		}
	}
	tb.Fatalf("%s: not within %v; governor %+v; moves:\n%s", what, d, last.Governor, govMoves(last.Moves))
	return last
}

// migrate preflights the named VMs of site-a for site-b, acknowledges every warning, and
// queues them all in one request.
func (r *govRig) migrate(tb testing.TB, names ...string) []model.Move {
	tb.Helper()
	st := r.e.Snapshot()
	var keys []model.VMKey
	for _, n := range names {
		vm, ok := lookup(st, siteA, n)
		if !ok {
			tb.Fatalf("%s not at site-a", n)
		}
		keys = append(keys, vm.Key)
	}
	// Bounded: a benchmark has no test timeout to stop it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req := preflight.Request{VMs: keys, To: siteB}
	res, err := r.e.Preflight(ctx, tester, req)
	if err != nil {
		tb.Fatal(err)
	}
	acked := map[model.VMKey][]string{}
	for _, k := range keys {
		for _, f := range preflight.Warnings(res.Findings, k) {
			acked[k] = append(acked[k], f.Code)
		}
	}
	out, err := r.e.Migrate(ctx, tester, req, acked)
	if err != nil || len(out.Skipped) > 0 || len(out.Moves) != len(names) {
		tb.Fatalf("migrate %v: %v; skipped %+v", names, err, out.Skipped)
	}
	return out.Moves
}

// movesOf is the State's moves with the given ids, in that order.
func movesOf(st model.State, ids []string) []model.Move {
	out := make([]model.Move, 0, len(ids))
	for _, id := range ids {
		for _, m := range st.Moves {
			if m.ID == id {
				out = append(out, m)
			}
		}
	}
	return out
}

func moveIDs(ms []model.Move) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// tally counts moves by what the governor sees: running (started, not ended), queued,
// done, and ended otherwise.
func tally(ms []model.Move) (running, queued, done, other int) {
	for _, m := range ms {
		switch {
		case m.State == model.MoveQueued:
			queued++
		case m.State.Active():
			running++
		case m.State == model.MoveDone:
			done++
		default:
			other++
		}
	}
	return
}

func govMoves(ms []model.Move) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "  %s %s %s %d%% %s%s\n", m.ID, m.VMName, m.State, m.Progress, m.Why, m.Err)
	}
	return b.String()
}

// dciShut shuts (or, undo, brings back) an interface of the DCI at the Miami edge, as a
// presenter would over SSH.
func dciShut(t *testing.T, r *govRig, iface string, undo bool) {
	t.Helper()
	cmd := "shutdown"
	if undo {
		cmd = "no shutdown"
	}
	pfPresenter(t, r.l.Fabric(), pfMiaEdge, "configure terminal", "interface "+iface, cmd, "end")
}

// A small cap queues the moves with their reason; the DCI shut mid-run pauses the queue
// (the running moves fail at vCenter; nothing new starts) and says why; `no shutdown`
// resumes it by itself.
func TestGovernorLabPausesAndResumes(t *testing.T) {
	t.Parallel()
	r := startGovRig(t, lab.Options{Speed: 1}, backend.GovernorSettings{MaxConcurrent: 2}, time.Second)
	ids := moveIDs(r.migrate(t, "web-02", "web-03", "web-04", "web-05", "web-06"))

	st := r.await(t, "two running, three queued for the cap", 30*time.Second, func(st model.State) bool {
		ms := movesOf(st, ids)
		running, queued, _, _ := tally(ms)
		return running == 2 && queued == 3 && ms[4].Why == "2 moves running, the limit"
	})
	if g := st.Governor; g.Limit != 2 || g.Cap != 2 || g.DCILimit < 2 || !strings.HasPrefix(g.Why, "≤ 2 at once (DCI ") {
		t.Errorf("governor %+v", g)
	}

	t.Cleanup(func() { dciShut(t, r, pfDCI, true) })
	dciShut(t, r, pfDCI, false)
	st = r.await(t, "paused: the DCI is down", 30*time.Second, func(st model.State) bool {
		ms := movesOf(st, ids)
		running, queued, _, _ := tally(ms)
		return st.Governor.Paused == "the DCI is down" && running == 0 && queued == 3 && ms[4].Why == "paused: the DCI is down"
	})
	if g := st.Governor; g.Why != "paused: the DCI is down" || g.Since.IsZero() {
		t.Errorf("paused governor %+v", g)
	}
	for _, m := range movesOf(st, ids)[:2] {
		if m.State != model.MoveFailed || !strings.Contains(m.Err, pfDCI) {
			t.Errorf("%s %s: the running moves are vCenter's to fail: %s %q", m.ID, m.VMName, m.State, m.Err)
		}
	}
	// Nothing starts while it is down: three more polls.
	ctx, cancel := context.WithTimeout(context.Background(), 3500*time.Millisecond)
	for st := range r.e.Subscribe(ctx) {
		if _, queued, _, _ := tally(movesOf(st, ids)); queued != 3 || st.Governor.Paused == "" {
			t.Errorf("a move started, or the pause lifted, with the DCI down: %+v\n%s", st.Governor, govMoves(movesOf(st, ids)))
			break
		}
	}
	cancel()

	dciShut(t, r, pfDCI, true)
	st = r.await(t, "resumed by itself and done", time.Minute, func(st model.State) bool {
		_, _, done, _ := tally(movesOf(st, ids))
		return done == 3 && st.Governor.Paused == ""
	})
	for _, m := range movesOf(st, ids)[2:] {
		if m.State != model.MoveDone {
			t.Errorf("%s %s: %s %q", m.ID, m.VMName, m.State, m.Err)
		}
	}
}

// With 5 Gbps needed per move, the DCI's 2 × 10 Gbps (1.2 Gbps of other traffic) carries 3
// moves at once; one member link down leaves 8.8 Gbps: 1. The running moves go on; nothing
// starts until they are under the new limit; `no shutdown` brings back 3.
func TestGovernorLabMemberDownLowersTheLimit(t *testing.T) {
	t.Parallel()
	// Real time: the moves' rates, measured from their progress, must be the DCI's.
	r := startGovRig(t, lab.Options{Speed: 1}, backend.GovernorSettings{MbpsPerMove: 5000}, time.Second)
	ids := moveIDs(r.migrate(t, "web-07", "web-08", "web-09", "web-10", "web-11"))

	st := r.await(t, "three running for the DCI", 30*time.Second, func(st model.State) bool {
		ms := movesOf(st, ids)
		running, queued, _, _ := tally(ms)
		return running == 3 && queued == 2 && strings.HasPrefix(ms[4].Why, "the DCI carries 3 moves at 5 Gbps each now (")
	})
	if g := st.Governor; g.DCILimit != 3 || g.Limit != 3 || g.NeedMbps != 5000 || !strings.HasPrefix(g.Why, "≤ 3 at once (DCI 1") {
		t.Errorf("governor %+v", g)
	}

	const member = "Ethernet3/1"
	t.Cleanup(func() { dciShut(t, r, member, true) })
	dciShut(t, r, member, false)
	r.await(t, "the limit down to 1", 30*time.Second, func(st model.State) bool {
		return st.Governor.DCILimit == 1 && st.Fabric.Bandwidth.MembersUp == 1
	})
	// From here: the running moves only end, until none runs; then one at a time.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	prev := math.MaxInt
	alone := false
	var last model.State
	for st := range r.e.Subscribe(ctx) {
		last = st
		running, _, done, other := tally(movesOf(st, ids))
		if other > 0 {
			t.Fatalf("a move failed:\n%s", govMoves(movesOf(st, ids)))
		}
		if running > prev && prev > 0 {
			t.Fatalf("a move started while %d ran over a limit of 1 (governor %+v):\n%s", prev, st.Governor, govMoves(movesOf(st, ids)))
		}
		if running > 1 && done >= 3 {
			t.Fatalf("%d running after the first three:\n%s", running, govMoves(movesOf(st, ids)))
		}
		prev = running
		if done == 3 && running == 1 {
			alone = true
			break
		}
	}
	if !alone {
		t.Fatalf("the fourth move never started alone: governor %+v, DCI %+v:\n%s", last.Governor, last.Fabric.Bandwidth, govMoves(movesOf(last, ids)))
	}
	r.await(t, "the governor's state with one member", 10*time.Second, func(st model.State) bool {
		return st.Governor.DCILimit == 1 && strings.HasPrefix(st.Governor.Why, "≤ 1 at once (DCI ")
	})

	dciShut(t, r, member, true)
	r.await(t, "the limit back to 3", 30*time.Second, func(st model.State) bool { return st.Governor.DCILimit == 3 })
	r.await(t, "all done", time.Minute, func(st model.State) bool {
		_, _, done, _ := tally(movesOf(st, ids))
		return done == len(ids)
	})
}

// The governor: section as an operator writes it, and its mistakes.
func TestGovernorConfig(t *testing.T) {
	const sites = "sites:\n" +
		"  - {id: site-a, url: https://vc-a.example.net/sdk, username: u, password: p, insecure: true}\n" +
		"  - {id: site-b, url: https://vc-b.example.net/sdk, username: u, password: p, insecure: true}\n"
	c, err := config.Parse("cfg.yaml", []byte(sites+"governor:\n  max_concurrent: 6\n  mbps_per_move: 500\n  sites:\n    site-b: {vmotion_gbps: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := c.GovernorSettings()
	if s.MaxConcurrent != 6 || s.MbpsPerMove != 500 || s.VMotionGbps != 0 || s.SiteVMotionGbps["site-b"] != 1 || len(s.SiteVMotionGbps) != 1 {
		t.Errorf("settings %+v", s)
	}
	if c, err := config.Parse("cfg.yaml", []byte(sites)); err != nil || !isZeroSettings(c.GovernorSettings()) {
		t.Errorf("no governor section: %+v, %v", c.GovernorSettings(), err)
	}
	for _, tc := range []struct{ text, field, want string }{
		{"governor:\n  max_concurrent: -1\n", "governor.max_concurrent", "-1 is not a number of moves from 1 to 128"},
		{"governor:\n  max_concurrent: 500\n", "governor.max_concurrent", "500 is not a number of moves"},
		{"governor:\n  max_concurrent: many\n", "governor.max_concurrent", `expected a number of moves such as 8, got the text "many"`},
		{"governor:\n  mbps_per_move: 250 Mbps\n", "governor.mbps_per_move", "expected a bandwidth in Mbps such as 250"},
		{"governor:\n  vmotion_gbps: 10GbE\n", "governor.vmotion_gbps", "expected a network speed in Gbit/s such as 10"},
		{"governor:\n  sites:\n    site-c: {vmotion_gbps: 1}\n", "governor.sites.site-c", `"site-c" is not a site id`},
		{"governor:\n  sites: [site-a]\n", "governor.sites", "expected a set of site ids, got a list"},
		{"governor: 8\n", "governor", "expected the governor's fields"},
		{"governor:\n  max_concurent: 8\n", "", "unknown field max_concurent"},
	} {
		_, err := config.Parse("cfg.yaml", []byte(sites+tc.text))
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want field %q containing %q", tc.text, err, tc.field, tc.want)
		}
	}
}

func isZeroSettings(s backend.GovernorSettings) bool {
	return s.MaxConcurrent == 0 && s.MbpsPerMove == 0 && s.VMotionGbps == 0 && len(s.SiteVMotionGbps) == 0
}

// The lab's prediction: two moves one after the other take twice one; side by side on the
// 20 Gbps DCI (18.8 Gbps free) each still gets 9.4 Gbps, at most a little slower.
func TestPredictEvacuation(t *testing.T) {
	web := lab.PredictVM{Name: "web-02", MemoryBytes: 4 << 30}
	one := lab.PredictMove(web, 20_000, 1200)
	if one < 3 || one > 6 {
		t.Fatalf("one web VM alone: %.2f s", one)
	}
	if two := lab.PredictEvacuation([]lab.PredictVM{web, web}, 1, 20_000, 1200); math.Abs(two-2*one) > 1e-6 {
		t.Errorf("two in a row: %.3f s, want %.3f", two, 2*one)
	}
	if both := lab.PredictEvacuation([]lab.PredictVM{web, web}, 2, 20_000, 1200); both < one || both > 1.1*one {
		t.Errorf("two side by side: %.3f s, one alone %.3f", both, one)
	}
	if down := lab.PredictEvacuation([]lab.PredictVM{web}, 1, 0, 0); !math.IsInf(down, 1) {
		t.Errorf("the DCI down: %v", down)
	}
}

// BenchmarkEvacuation50 evacuates 50 running VMs of site A (web and application servers on
// the stretched datastore) to site B through the governor with its defaults (a cap of 8 at
// once, 250 Mbps a move, 8 a host), on the lab at 10× real time. It measures the number of
// moves running in every State the engine publishes and in the lab's vCenters (polled every
// 5 ms), and the makespan from the first start to the last end, in the lab's simulated
// seconds (the lab's and the engine's real-time costs count ten times over). It compares
// the makespan with the ideal for the limits in force: a lower bound that no schedule under
// them beats on the lab, whatever its order or number at once (lab.EvacuationBound, from the
// lab's vMotion model for the VMs moved), so the ratio is never below 1. It fails when the
// concurrency exceeds a limit, and reports a makespan over 1.15× the ideal as a failure,
// with the model's own makespan at the governor's limit and how long moves waited with
// fewer than it running, and why.
//
// VMCROSS_BENCH_SPEED sets the lab's speed (default 10): at 1 the moves take real time and
// the control loop's milliseconds count as they would against vCenter.
func BenchmarkEvacuation50(b *testing.B) {
	const n = 50
	speed := 10.0
	if v := os.Getenv("VMCROSS_BENCH_SPEED"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 1 || f > 100 {
			b.Fatalf("VMCROSS_BENCH_SPEED=%q: want a speed from 1 to 100", v)
		}
		speed = f
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := startGovRig(b, lab.Options{Speed: speed, VMsPerSite: 170}, backend.GovernorSettings{}, time.Second)
		st := r.e.Snapshot()
		gov := st.Governor
		if gov.Cap != migrate.DefaultMaxConcurrent || gov.NeedMbps <= 0 {
			b.Fatalf("the governor's defaults: %+v", gov)
		}
		// The limits in force: the cap, and the DCI's at 250 Mbps a move (75 on the idle DCI);
		// vSphere's 8 a host. The governor may run fewer (it keeps the DCI full, no more).
		hard := min(gov.Cap, int(gov.AvailableMbps/gov.NeedMbps))
		a, _ := st.Site(siteA)
		var names []string
		picked := map[string]model.VM{}
		for _, vm := range a.VMs {
			if vm.Power == model.PoweredOn && (strings.HasPrefix(vm.Name, "web-") || strings.HasPrefix(vm.Name, "app-")) &&
				slices.Equal(vm.Datastores, []string{"nfs-metro-01"}) {
				names = append(names, vm.Name)
				picked[vm.Name] = vm
			}
		}
		if len(names) < n {
			b.Fatalf("only %d VMs to move: %v", len(names), names)
		}
		names = names[:n]
		path := r.l.Fabric().DCIPath()

		// Concurrency, as the engine's governor counts it and as the lab's vCenters run it,
		// against the governor's limit at that moment: a move may only start under it (a
		// limit that drops leaves the running moves be).
		var mu sync.Mutex
		maxState, maxLab, lowest, highest := 0, 0, math.MaxInt, 0
		var over []string
		// Time moves waited while fewer than the governor's limit ran, by what the first said.
		idle := map[string]time.Duration{}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		ids := make(chan []string, 1)
		wg.Go(func() {
			var mine []string
			var since time.Time
			why := ""
			prev := 0
			for st := range r.e.Subscribe(ctx) {
				if mine == nil {
					select {
					case mine = <-ids:
					default:
						continue
					}
				}
				ms := movesOf(st, mine)
				running, queued, _, _ := tally(ms)
				now := time.Now()
				lim := st.Governor.Limit
				mu.Lock()
				maxState = max(maxState, running)
				lowest, highest = min(lowest, lim), max(highest, lim)
				if running > prev && (running > lim || running > hard) {
					over = append(over, fmt.Sprintf("%d running (from %d) under the governor's limit of %d (the limits allow %d)", running, prev, lim, hard))
				}
				prev = running
				if why != "" {
					idle[why] += now.Sub(since)
				}
				why = ""
				if queued > 0 && running < lim {
					for _, m := range ms {
						if m.State == model.MoveQueued {
							why = m.Why
							break
						}
					}
				}
				since = now
				mu.Unlock()
			}
		})
		wg.Go(func() {
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					n := r.l.Relocating()
					mu.Lock()
					maxLab = max(maxLab, n)
					mu.Unlock()
				}
			}
		})

		b.StartTimer()
		moves := r.migrate(b, names...)
		ids <- moveIDs(moves)
		st = r.await(b, "the evacuation ends", 10*time.Minute, func(st model.State) bool {
			running, queued, _, _ := tally(movesOf(st, moveIDs(moves)))
			return running == 0 && queued == 0
		})
		b.StopTimer()
		cancel()
		wg.Wait()

		ended := movesOf(st, moveIDs(moves))
		var first, last time.Time
		var vms []lab.PredictVM
		for _, m := range ended {
			if m.State != model.MoveDone {
				b.Fatalf("%s %s: %s %q", m.ID, m.VMName, m.State, m.Err)
			}
			if first.IsZero() || m.Started.Before(first) {
				first = m.Started
			}
			if m.Ended.After(last) {
				last = m.Ended
			}
			vm := picked[m.VMName]
			vms = append(vms, lab.PredictVM{Name: m.VMName, MemoryBytes: float64(int64(vm.MemoryMiB) << 20),
				Hosts: []string{string(siteA) + "/" + vm.HostRef.Value, string(siteB) + "/" + m.Target.Host.Value}})
		}
		lags := moveLags(b, r.l, ended)
		makespan := last.Sub(first).Seconds() * speed
		bound := lab.EvacuationBound(vms, lab.BoundLimits{Concurrent: hard, PerHost: migrate.HostLimit10GbE}, path.CapacityMbps, path.LoadMbps)
		ideal := bound.Seconds
		ratio := makespan / ideal
		// For comparison, the model's own makespan at the governor's (highest) limit, in the
		// order asked, with no time between moves: not a bound (fewer at once send less).
		atLimit := lab.PredictEvacuation(vms, highest, path.CapacityMbps, path.LoadMbps)
		b.ReportMetric(makespan, "makespan_s")
		b.ReportMetric(ideal, "ideal_s")
		b.ReportMetric(ratio, "ratio")
		b.ReportMetric(float64(max(maxState, maxLab)), "max_concurrent")
		b.ReportMetric(float64(hard), "limit")
		b.ReportMetric(float64(highest), "governor_limit")
		b.ReportMetric(atLimit, "model_at_governor_limit_s")
		b.Logf("%d moves: makespan %.1f s simulated (%.2f s real); ideal %.1f s (%s bound; bandwidth %.1f s, concurrency %.1f s, "+
			"longest move %.1f s, host %.1f s) under %d at once: %.3f×; the model at the governor's %d at once %.1f s (%.3f×); "+
			"at most %d running (engine), %d (vCenter); the governor's limit from %d to %d",
			n, makespan, makespan/speed, ideal, bound.Binding, bound.Bandwidth, bound.Concurrency, bound.Longest, bound.Host, hard, ratio,
			highest, atLimit, makespan/atLimit, maxState, maxLab, lowest, highest)
		b.ReportMetric(lags.start.Seconds()*1000, "start_lag_ms")
		b.ReportMetric(lags.end.Seconds()*1000, "end_lag_ms")
		b.ReportMetric(lags.handoff.Seconds()*1000, "handoff_ms")
		b.Logf("real time between moves (medians): %v from the governor's start to vCenter's task, %v from the task's end to the "+
			"engine's, %v from one move's end to the start of the next in its place", lags.start, lags.end, lags.handoff)
		for why, d := range idle {
			if sim := d.Seconds() * speed; sim > 2 {
				b.Logf("moves waited %.1f s (simulated) with fewer than the governor's limit running: %s", sim, why)
			}
		}
		if len(over) > 0 || maxLab > min(highest, hard) {
			b.Fatalf("concurrency over the limit: %d in vCenter (the governor's limit at most %d, the limits allow %d); %s",
				maxLab, highest, hard, strings.Join(over, "; "))
		}
		if ratio < 1 {
			b.Errorf("makespan %.1f s is below the ideal %.1f s: the ideal is not a lower bound", makespan, ideal)
		}
		if ratio > 1.15 {
			b.Errorf("makespan %.1f s is %.3f× the ideal %.1f s (over 1.15×)", makespan, ratio, ideal)
		}
	}
}

// lags are the medians, in real time, of what moves lose between them: from the governor's
// start of a move to vCenter's task (the engine's checks and RelocateVM_Task), from the
// task's end to the engine's (the watcher), and from one move's end (as the engine saw it)
// to the start of the next one in its place.
type lags struct{ start, end, handoff time.Duration }

func moveLags(tb testing.TB, l *lab.Lab, ms []model.Move) lags {
	tb.Helper()
	c := labClient(tb, l, siteA)
	refs := make([]types.ManagedObjectReference, 0, len(ms))
	byTask := map[string]model.Move{}
	for _, m := range ms {
		refs = append(refs, types.ManagedObjectReference{Type: m.Task.Type, Value: m.Task.Value})
		byTask[m.Task.Value] = m
	}
	var tasks []mo.Task
	if err := property.DefaultCollector(c.Client).Retrieve(context.Background(), refs, []string{"info"}, &tasks); err != nil {
		tb.Fatal(err)
	}
	var start, end, handoff []time.Duration
	var ends []time.Time
	for _, m := range ms {
		ends = append(ends, m.Ended)
	}
	for _, t := range tasks {
		m := byTask[t.Self.Value]
		if t.Info.StartTime == nil || t.Info.CompleteTime == nil {
			continue
		}
		start = append(start, t.Info.StartTime.Sub(m.Started))
		end = append(end, m.Ended.Sub(*t.Info.CompleteTime))
	}
	slices.SortFunc(ends, func(a, b time.Time) int { return a.Compare(b) })
	for _, m := range ms {
		// The latest end before this start freed its place, unless the move started at once.
		i, _ := slices.BinarySearchFunc(ends, m.Started, func(e, t time.Time) int { return e.Compare(t) })
		if i > 0 && m.Started.Sub(m.Queued) > time.Millisecond {
			handoff = append(handoff, m.Started.Sub(ends[i-1]))
		}
	}
	median := func(ds []time.Duration) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	return lags{median(start), median(end), median(handoff)}
}
