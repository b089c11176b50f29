package backend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
	"github.com/vmcross/vmcross/backend/preflight"
)

// A running plan (planRun): its loop hands out each wave's moves to the engine as the
// governor lets them go, follows them in State, journals every change, and pauses, resumes
// and takes back queued moves.

// begin registers a run and starts it.
func (p *Plans) begin(j plan.Journal, path string, who model.Operator, release func(), adopted bool) *planRun {
	r := &planRun{p: p, path: path, who: who, release: release, j: j, adopted: adopted,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	p.mu.Lock()
	if _, ok := p.runs[j.Plan.ID]; !ok {
		p.order = append(p.order, j.Plan.ID)
	}
	p.runs[j.Plan.ID] = r
	p.mu.Unlock()
	p.publish()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		r.loop(p.ctx)
	}()
	return r
}

// publish makes every run's status current for subscribers. pubMu keeps an older list from
// being published after a newer one.
func (p *Plans) publish() {
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	p.mu.Lock()
	runs := make([]*planRun, 0, len(p.order))
	for _, id := range p.order {
		runs = append(runs, p.runs[id])
	}
	p.mu.Unlock()
	list := make([]model.PlanStatus, len(runs))
	for i, r := range runs {
		list[i] = r.status()
	}
	p.state.Set(list)
}

// planRun is one plan being run.
type planRun struct {
	p       *Plans
	path    string
	who     model.Operator // who started or re-attached it: the new moves are theirs
	release func()
	adopted bool

	mu   sync.Mutex
	j    plan.Journal
	wake chan struct{} // pause, resume
	done chan struct{} // closed when the run ends
}

func (r *planRun) status() model.PlanStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.j.Status(r.path)
	st.Adopted = r.adopted
	return st
}

// setPaused pauses or resumes the run for who. Paused, it takes back the moves queued and
// not started (pullBack).
func (r *planRun) setPaused(ctx context.Context, who model.Operator, paused bool) (string, error) {
	r.mu.Lock()
	switch {
	case !r.j.State.Active():
		st := r.j.State
		r.mu.Unlock()
		return "", fmt.Errorf("plan %s has ended (%s)", r.j.Plan.ID, st)
	case !paused && r.j.State == model.PlanRunning:
		r.mu.Unlock()
		return "already " + string(model.PlanRunning), nil
	case paused && r.j.State == model.PlanPaused:
		r.mu.Unlock()
		// A wave being handed out as the plan was paused may have been queued since: pausing
		// again takes it back.
		return fmt.Sprintf("already %s; %s", model.PlanPaused, pulledBack(r.pullBack(ctx, who))), nil
	}
	r.j.State, r.j.Why = model.PlanRunning, ""
	msg := "resumed: the VMs pending will be handed out"
	if paused {
		r.j.State, r.j.Why = model.PlanPaused, "paused: no VM is handed out; the moves running go on"
	}
	err := r.saveLocked()
	r.mu.Unlock()
	r.p.publish()
	if paused {
		msg = "paused: " + pulledBack(r.pullBack(ctx, who)) + "; the moves running go on"
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return msg, err
}

// pulledBack says how many queued moves a pause took back.
func pulledBack(n int) string {
	switch n {
	case 0:
		return "no queued move to take back"
	case 1:
		return "1 queued move taken back (its VM is handed out again on resume)"
	}
	return fmt.Sprintf("%d queued moves taken back (their VMs are handed out again on resume)", n)
}

// pullBack takes back, while the plan is paused, the moves it handed out that the engine
// has queued and not started: each VM is journaled pending again, then its move is
// cancelled for who (a queued move is only dropped: nothing was asked of vCenter). A move
// that could not be cancelled (it ended, or is switching over) is followed again, as
// before. The engine cancels a move whatever its state: one the governor starts in the
// instant between the look at the queue and the cancel is cancelled at vCenter (its VM
// stays at its source) and, pending, is handed out again on resume. It returns how many it
// took back.
func (r *planRun) pullBack(ctx context.Context, who model.Operator) int {
	queued := map[string]bool{}
	for _, m := range r.p.e.moves.Moves() {
		if m.State == model.MoveQueued {
			queued[m.ID] = true
		}
	}
	type taken struct {
		i   int
		was plan.Entry
	}
	var took []taken
	r.mu.Lock()
	if r.j.State != model.PlanPaused {
		r.mu.Unlock()
		return 0
	}
	for i := range r.j.Entries {
		e := &r.j.Entries[i]
		if e.Move == "" || e.State.Final() || !queued[e.Move] {
			continue
		}
		took = append(took, taken{i, *e})
		// Written ahead: after a crash from here on, the VM is pending, which it is (a
		// queued move dies with its engine).
		e.State, e.Move, e.Record, e.Submitted, e.Progress = model.PlanVMPending, "", model.Move{}, time.Time{}, 0
		e.Why = fmt.Sprintf("taken back when the plan was paused, before its move %s started: handed out again on resume", took[len(took)-1].was.Move)
	}
	r.mu.Unlock()
	if len(took) == 0 {
		return 0
	}
	r.save()
	n := 0
	for _, t := range took {
		if err := r.p.e.CancelMove(ctx, who, t.was.Move); err != nil {
			r.mu.Lock()
			if e := &r.j.Entries[t.i]; e.State == model.PlanVMPending && e.Move == "" {
				*e = t.was
			}
			r.mu.Unlock()
			continue
		}
		n++
	}
	if n < len(took) {
		r.save()
	}
	return n
}

// saveLocked writes the journal. Under mu.
func (r *planRun) saveLocked() error {
	r.j.Updated = r.p.now()
	return r.j.Save(r.path)
}

// save writes the journal and publishes the status. A journal that cannot be written is
// said in the plan's Why; the plan goes on (its moves are in the audit log).
func (r *planRun) save() {
	r.mu.Lock()
	if err := r.saveLocked(); err != nil {
		r.j.Why = "the journal cannot be written (" + err.Error() + "): a restart could not resume this plan"
	}
	r.mu.Unlock()
	r.p.publish()
}

// Retry pacing of a wave the engine could not take.
const (
	planRetryFirst = 2 * time.Second
	planRetryMax   = 15 * time.Second
	planRetries    = 10 // then the wave's VMs fail, and the plan goes on
)

// loop runs the plan: it follows the engine's moves into the journal, and hands out the
// first wave with VMs pending once the waves before it have ended, until every VM has ended
// or ctx ends.
func (r *planRun) loop(ctx context.Context) {
	defer close(r.done)
	defer r.release()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	states := r.p.e.Subscribe(ctx)
	var retryAt time.Time
	tries, attempts := 0, 0 // tries count toward giving up; attempts pace the retries
	for {
		if r.absorb(r.p.e.Snapshot()) {
			r.save()
		}
		r.mu.Lock()
		state := r.j.State
		wave, pending := r.nextLocked()
		r.mu.Unlock()
		if !state.Active() {
			return
		}
		if wave == 0 {
			r.finish()
			return
		}
		var timer <-chan time.Time
		if len(pending) > 0 && state == model.PlanRunning {
			if wait := time.Until(retryAt); wait > 0 {
				timer = time.After(wait)
			} else {
				err := r.handOut(ctx, wave, pending)
				switch {
				case err == nil:
					tries, attempts = 0, 0
					continue
				case errors.Is(err, errPlanStopped), ctx.Err() != nil:
					return
				}
				var waits *waveWaits
				passing := errors.As(err, &waits)
				// The plan's own moves fill the DCI: waiting for them costs no try.
				if !passing || !r.waveMoving(wave) {
					tries++
				}
				if tries >= planRetries {
					r.giveUp(wave, err, passing)
					tries, attempts = 0, 0
					continue
				}
				backoff := min(planRetryFirst<<min(attempts, 3), planRetryMax)
				attempts++
				retryAt = time.Now().Add(backoff)
				r.mu.Lock()
				if passing {
					r.j.Why = fmt.Sprintf("wave %d waits (%v); trying again in %s", wave, err, backoff)
				} else {
					r.j.Why = fmt.Sprintf("wave %d could not be handed out (%v): trying again in %s (%d of %d)", wave, err, backoff, tries, planRetries)
				}
				r.mu.Unlock()
				r.save()
				timer = time.After(backoff)
			}
		}
		select {
		case <-ctx.Done():
			return
		case _, ok := <-states:
			if !ok {
				return
			}
		case <-r.wake:
		case <-timer:
		}
	}
}

// nextLocked is the first wave with a VM that has not ended (0: none), and its VMs pending
// (indexes into the entries). Under mu.
func (r *planRun) nextLocked() (int, []int) {
	for _, w := range r.j.Plan.Waves {
		var pending []int
		open := false
		for i, e := range r.j.Entries {
			if e.Wave != w.Wave || e.State.Final() {
				continue
			}
			open = true
			if e.State == model.PlanVMPending {
				pending = append(pending, i)
			}
		}
		if open {
			return w.Wave, pending
		}
	}
	return 0, nil
}

// absorb updates the entries from the engine's moves and reports whether one changed in a
// way the journal keeps (state, move, task, result). Progress is taken along.
func (r *planRun) absorb(st model.State) bool {
	byID := make(map[string]model.Move, len(st.Moves))
	for _, m := range st.Moves {
		byID[m.ID] = m
	}
	r.mu.Lock()
	changed, progressed := false, false
	for i := range r.j.Entries {
		e := &r.j.Entries[i]
		if e.Move == "" || e.State.Final() {
			continue
		}
		m, ok := byID[e.Move]
		if !ok {
			continue
		}
		next := e.State
		switch m.State {
		case model.MoveQueued:
			next = model.PlanVMSubmitted
		case model.MoveRunning, model.MoveSwitchover, model.MoveCancelling:
			next = model.PlanVMSubmitted // until vCenter's task exists
			if !m.Task.IsZero() {
				next = model.PlanVMMoving
			}
		case model.MoveDone:
			next = model.PlanVMDone
		case model.MoveFailed:
			next = model.PlanVMFailed
		case model.MoveCancelled:
			next = model.PlanVMCancelled
		}
		if next != e.State || m.Task != e.Record.Task || m.TargetVM != e.Record.TargetVM || m.Err != e.Record.Err {
			changed = true
		}
		if m.Progress != e.Progress {
			progressed = true
		}
		e.State, e.Progress, e.Record = next, m.Progress, m
		switch next {
		case model.PlanVMDone:
			e.TargetVM, e.Why = m.TargetVM, ""
		case model.PlanVMFailed, model.PlanVMCancelled:
			e.Why = m.Err
		}
	}
	r.mu.Unlock()
	if progressed && !changed {
		r.p.publish()
	}
	return changed
}

// finish ends the plan: every VM has ended.
func (r *planRun) finish() {
	r.mu.Lock()
	r.j.State, r.j.Ended = model.PlanDone, r.p.now()
	r.j.Why = fmt.Sprintf("%d done, %d failed, %d cancelled, %d skipped", r.count(model.PlanVMDone), r.count(model.PlanVMFailed),
		r.count(model.PlanVMCancelled), r.count(model.PlanVMSkipped))
	r.mu.Unlock()
	r.save()
}

// count is the number of entries in state s. Under mu.
func (r *planRun) count(s model.PlanVMState) int {
	n := 0
	for _, e := range r.j.Entries {
		if e.State == s {
			n++
		}
	}
	return n
}

// giveUp ends the pending VMs of a wave tried planRetries times, so the plan goes on: those
// the engine would not take fail; those passing findings kept out are skipped.
func (r *planRun) giveUp(wave int, err error, passing bool) {
	r.mu.Lock()
	for i := range r.j.Entries {
		e := &r.j.Entries[i]
		if e.Wave != wave || e.State != model.PlanVMPending {
			continue
		}
		if passing {
			e.State, e.Why = model.PlanVMSkipped, fmt.Sprintf("left out after %d tries: %v", planRetries, err)
		} else {
			e.State, e.Why = model.PlanVMFailed, fmt.Sprintf("wave %d could not be handed out after %d tries: %v", wave, planRetries, err)
		}
	}
	r.j.Why = ""
	r.mu.Unlock()
	r.save()
}

// waveMoving reports whether VMs of the wave are handed out and not ended.
func (r *planRun) waveMoving(wave int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.j.Entries {
		if e.Wave == wave && (e.State == model.PlanVMSubmitted || e.State == model.PlanVMMoving) {
			return true
		}
	}
	return false
}

// errPlanStopped ends a run: the engine refuses to move VMs for it.
var errPlanStopped = errors.New("the plan stopped")

// handOut hands a wave's pending VMs to the engine: each is found first (one found at the
// target is done, one moving already is followed, one found nowhere fails); the others are
// journaled as submitted, with where they are, before the engine is asked to move them.
func (r *planRun) handOut(ctx context.Context, wave int, pending []int) error {
	e := r.p.e
	st := e.Snapshot()
	now := r.p.now()
	r.mu.Lock()
	pl := r.j.Plan
	vms := map[string]plan.VM{}
	for _, v := range pl.VMs() {
		vms[v.Name] = v
	}
	var keys []model.VMKey
	var submit []int
	over := map[model.VMKey]preflight.Override{}
	acked := map[model.VMKey][]string{}
	for _, i := range pending {
		en := &r.j.Entries[i]
		src, atSrc, dst, atDst := findPlanVM(st, pl.From, pl.To, en.Name, en.InstanceUUID, en.VM.MoRef)
		switch {
		case atDst && !atSrc:
			en.State, en.TargetVM, en.Why = model.PlanVMDone, vmRef(dst.Key), "found at "+string(pl.To)+" with its instance UUID: not moved again"
			continue
		case !atSrc:
			en.State, en.Why = model.PlanVMFailed, fmt.Sprintf("not found at %s or %s", pl.From, pl.To)
			continue
		}
		en.VM, en.InstanceUUID = src.Key, src.InstanceUUID
		if m, ok := activeMove(st, src); ok {
			en.State, en.Move, en.Record, en.Why = model.PlanVMSubmitted, m.ID, m, "already moving ("+m.ID+"): followed, not started again"
			continue
		}
		en.State, en.Submitted, en.Why = model.PlanVMSubmitted, now, ""
		en.Source = &plan.Place{Site: pl.From, Host: src.Host, Cluster: src.Cluster, Datastores: slices.Clone(src.Datastores)}
		v := vms[en.Name]
		keys = append(keys, src.Key)
		submit = append(submit, i)
		if o := v.Target.Override(); !o.IsZero() {
			over[src.Key] = o
		}
		acked[src.Key] = v.Acknowledge
	}
	r.j.Wave, r.j.Why = wave, ""
	// Write ahead: a restart from here on looks for these VMs' tasks before starting them.
	err := r.saveLocked()
	r.mu.Unlock()
	r.p.publish()
	if err != nil {
		r.revert(submit, "")
		return fmt.Errorf("the journal cannot be written, so nothing was handed out: %w", err)
	}
	if len(submit) == 0 {
		return nil
	}
	req := preflight.Request{VMs: keys, To: pl.To, Profile: pl.Profile, Overrides: over}
	mr, res, err := e.migrateInPlan(ctx, r.who, req, acked, pl.ID, wave)
	if err != nil {
		r.revert(submit, "")
		var refused *model.RefusedError
		if errors.As(err, &refused) || errors.Is(err, ErrAuditLog) {
			r.mu.Lock()
			r.j.State, r.j.Why = model.PlanStopped, "stopped: "+err.Error()
			r.mu.Unlock()
			r.save()
			return errPlanStopped
		}
		return err
	}
	if waits := r.recordHandOut(submit, mr, res); waits != "" {
		return &waveWaits{reason: waits}
	}
	return nil
}

// waveWaits says that VMs of a wave were left out for what the DCI or a site says now (its
// load, an outage: plan.Passing), which clears by itself: they stay pending and the wave is
// handed out again. The plan's own moves fill the DCI (BANDWIDTH_LOW) until they end.
type waveWaits struct{ reason string }

func (w *waveWaits) Error() string { return w.reason }

// passingOnly reports whether what leaves a VM out (its blocks, and its warnings not in
// acked) is all passing, and names those findings.
func passingOnly(fs []preflight.Finding, vm model.VMKey, acked []string) (bool, string) {
	ok := map[string]bool{}
	for _, a := range acked {
		ok[a] = true
	}
	var why []string
	for _, f := range fs {
		if f.VM != vm && f.VM != (model.VMKey{}) {
			continue
		}
		if f.Severity != preflight.Block && (f.Severity != preflight.Warn || ok[f.Code+" "+f.Object] || ok[f.Code]) {
			continue
		}
		if !plan.Passing(f.Code) {
			return false, ""
		}
		why = append(why, f.Code+": "+strings.TrimSuffix(f.Message, "."))
	}
	return len(why) > 0, strings.Join(why, "; ")
}

// revert puts submitted entries back to pending: the engine took none of them.
func (r *planRun) revert(idx []int, why string) {
	r.mu.Lock()
	for _, i := range idx {
		e := &r.j.Entries[i]
		if e.State == model.PlanVMSubmitted && e.Move == "" {
			e.State, e.Submitted, e.Why = model.PlanVMPending, time.Time{}, why
		}
	}
	r.mu.Unlock()
	r.save()
}

// recordHandOut journals what the engine did with a wave: each VM's move, or why it was
// left out, and where each VM's networks and datastores go. A VM left out only for passing
// findings goes back to pending; their reason is returned ("" when none did).
func (r *planRun) recordHandOut(idx []int, mr model.MigrateResult, res preflight.Result) string {
	targets := map[model.VMKey]preflight.Target{}
	for i, vm := range res.VMs {
		if i < len(res.Targets) {
			targets[vm.Key] = res.Targets[i]
		}
	}
	moves := map[model.VMKey]model.Move{}
	for _, m := range mr.Moves {
		moves[m.VM] = m
	}
	skipped := map[model.VMKey]string{}
	for _, s := range mr.Skipped {
		skipped[s.VM] = s.Reason
	}
	waits := ""
	r.mu.Lock()
	acked := r.j.Plan.Acked()
	for _, i := range idx {
		e := &r.j.Entries[i]
		if t, ok := targets[e.VM]; ok && e.Source != nil {
			var ds []string
			for _, d := range t.Datastores {
				ds = append(ds, d.Source)
			}
			if len(ds) > 0 {
				e.Source.Datastores = ds
			}
			e.Source.Networks = map[string]string{}
			for _, n := range t.Networks {
				e.Source.Networks[n.Source] = n.Target
			}
		}
		if m, ok := moves[e.VM]; ok {
			e.Move, e.Record = m.ID, m
			continue
		}
		why, ok := skipped[e.VM]
		if !ok {
			why = "the engine neither queued nor left it out"
		}
		if ok {
			if p, reason := passingOnly(res.Findings, e.VM, acked[e.Name]); p {
				e.State, e.Submitted, e.Why = model.PlanVMPending, time.Time{}, "waiting: "+reason
				waits = reason
				continue
			}
		}
		e.State, e.Why = model.PlanVMSkipped, why
	}
	r.mu.Unlock()
	r.save()
	return waits
}

// vmRef is a VM's MoRef as a Ref.
func vmRef(k model.VMKey) model.Ref { return model.Ref{Type: "VirtualMachine", Value: k.MoRef} }

// activeMove is the engine's active move of a VM (by key or instance UUID).
func activeMove(st model.State, vm model.VM) (model.Move, bool) {
	for _, m := range st.Moves {
		if m.State.Active() && (m.VM == vm.Key || (vm.InstanceUUID != "" && strings.EqualFold(m.InstanceUUID, vm.InstanceUUID))) {
			return m, true
		}
	}
	return model.Move{}, false
}

// migrateInPlan is Migrate for one wave of a plan: the moves carry the plan and the wave,
// and preflight's judgement is returned with them (its targets name where each VM's
// networks and datastores go).
func (e *Engine) migrateInPlan(ctx context.Context, who model.Operator, req preflight.Request, acked map[model.VMKey][]string, id string, wave int) (model.MigrateResult, preflight.Result, error) {
	object := fmt.Sprintf("plan %s wave %d: %d VMs to %s", id, wave, len(req.VMs), req.To)
	return e.migrate(ctx, who, req, acked, object, id, wave)
}
