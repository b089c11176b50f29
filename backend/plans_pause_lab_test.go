package backend_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
	"github.com/vmcross/vmcross/backend/preflight"
)

// startGovernedPlanRig is startPlanRig with the engine's governor set before it starts.
func startGovernedPlanRig(t *testing.T, speed float64, gov backend.GovernorSettings) *planRig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	l, err := lab.Start(ctx, lab.Options{Speed: speed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	specs, err := l.Config().Specs()
	if err != nil {
		t.Fatal(err)
	}
	e := backend.NewEngine(specs, quickSites...)
	m := l.Config().Mapping
	e.SetMapping(preflight.Mapping{Clusters: m.Clusters, Datastores: m.Datastores, PortGroups: m.PortGroups})
	e.SetSimulated(true)
	e.SetGovernor(gov)
	if err := e.EnableAudit(filepath.Join(t.TempDir(), "audit.log")); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	t.Cleanup(func() { stop(); e.Close() })
	e.Start(runCtx)
	if err := e.WaitLoaded(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := backend.NewPlans(e, dir)
	t.Cleanup(p.Close)
	return &planRig{l: l, e: e, plans: p, dir: dir, relocs: countRelocates(l)}
}

// planMoves are the engine's moves of a plan, by VM name (the latest of each).
func planMoves(st model.State, id string) map[string]model.Move {
	out := map[string]model.Move{}
	for _, m := range st.Moves {
		if m.Plan == id {
			out[m.VMName] = m
		}
	}
	return out
}

// Paused while the governor (one move at a time) holds most of its wave in the engine's
// queue, a plan takes those moves back: they are cancelled before vCenter was asked
// anything, their VMs pending in the journal; the move running goes on to the end. Resumed,
// the plan hands the VMs out again, and each is relocated once.
func TestPlanPauseTakesBackQueuedMovesOnLab(t *testing.T) {
	r := startGovernedPlanRig(t, 1, backend.GovernorSettings{MaxConcurrent: 1})
	ctx := context.Background()
	names := []string{"web-05", "web-06", "web-07"}
	before := readSite(t, r.l, "site-a")
	prop, err := r.plans.Propose(ctx, tester, backend.ProposeRequest{VMs: r.keys(t, names...), To: "site-b", WaveSize: 3, ID: "evac-test-pull-back"})
	if err != nil {
		t.Fatal(err)
	}
	pl := prop.Plan
	if len(pl.Waves) != 1 || pl.Count() != 3 {
		t.Fatalf("plan: %+v", pl.Waves)
	}
	if _, err := r.plans.Start(ctx, tester, pl, backend.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	waitState(t, r.e.Subscribe(wctx), time.Minute, "one move running, two queued", func(st model.State) bool {
		running, queued := 0, 0
		for _, m := range planMoves(st, pl.ID) {
			switch {
			case m.State == model.MoveQueued:
				queued++
			case m.State.Active():
				running++
			}
		}
		return running == 1 && queued == 2
	})
	if err := r.plans.Pause(ctx, tester, pl.ID); err != nil {
		t.Fatal(err)
	}

	// At once: the queued moves are cancelled, never started; their VMs pending.
	st, _ := r.plans.Status(pl.ID)
	moves := planMoves(r.e.Snapshot(), pl.ID)
	var took, went []string
	for _, v := range st.VMs {
		m := moves[v.Name]
		switch {
		case m.State == model.MoveCancelled:
			took = append(took, v.Name)
			if !m.Started.IsZero() || m.Err != "cancelled while queued" || v.State != model.PlanVMPending || v.Move != "" || !strings.Contains(v.Why, "taken back") {
				t.Errorf("%s taken back: move %s %s started %v %q; journal %s %q", v.Name, m.ID, m.State, m.Started, m.Err, v.State, v.Why)
			}
		case m.State.Active() && m.State != model.MoveQueued:
			went = append(went, v.Name)
		default:
			t.Errorf("%s: move %s %s (%q), journal %s", v.Name, m.ID, m.State, m.Err, v.State)
		}
	}
	if st.State != model.PlanPaused || len(took) != 2 || len(went) != 1 {
		t.Fatalf("paused plan %s: taken back %v, going on %v", st.State, took, went)
	}
	j, err := plan.LoadJournal(plan.JournalPath(r.dir, pl.ID))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range j.Entries {
		if (e.Name == took[0] || e.Name == took[1]) && (e.State != model.PlanVMPending || e.Move != "" || !e.Submitted.IsZero()) {
			t.Errorf("journal: %s %s move %q submitted %v", e.Name, e.State, e.Move, e.Submitted)
		}
	}

	// The running move ends done; nothing else starts while the plan is paused.
	st = r.waitVMs(t, pl.ID, time.Minute, func(st model.PlanStatus) bool { return st.Count(model.PlanVMDone) == 1 })
	time.Sleep(time.Second)
	st, _ = r.plans.Status(pl.ID)
	if st.State != model.PlanPaused || st.Count(model.PlanVMDone) != 1 || st.Count(model.PlanVMPending) != 2 || len(planMoves(r.e.Snapshot(), pl.ID)) != 3 {
		t.Fatalf("paused: %s %+v; moves %+v", st.State, st.VMs, planMoves(r.e.Snapshot(), pl.ID))
	}
	for _, n := range took {
		if c := r.relocs.calls("site-a", before[n].moref); c != 0 {
			t.Errorf("%s was taken back, yet relocated %d times", n, c)
		}
	}

	// Resumed: handed out again, to the end, each VM relocated once.
	if err := r.plans.Resume(ctx, tester, pl.ID); err != nil {
		t.Fatal(err)
	}
	if st := r.wait(t, pl.ID, 2*time.Minute); st.State != model.PlanDone || st.Count(model.PlanVMDone) != 3 {
		t.Fatalf("resumed: %s %s %+v", st.State, st.Why, st.VMs)
	}
	after := readSite(t, r.l, "site-b")
	for _, n := range names {
		if after[n].count != 1 || after[n].uuid != before[n].uuid || r.relocs.calls("site-a", before[n].moref) != 1 {
			t.Errorf("%s: %d at site-b, %d relocates", n, after[n].count, r.relocs.calls("site-a", before[n].moref))
		}
	}
}

// waitVMs waits until plan id's status satisfies ok.
func (r *planRig) waitVMs(t *testing.T, id string, within time.Duration, ok func(model.PlanStatus) bool) model.PlanStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	var last model.PlanStatus
	for list := range r.plans.Subscribe(ctx) {
		for _, st := range list {
			if st.ID == id {
				last = st
				if ok(st) {
					return st
				}
			}
		}
	}
	t.Fatalf("plan %s: not within %v: %s %+v", id, within, last.State, last.VMs)
	return last
}
