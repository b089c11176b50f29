package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
	"github.com/vmcross/vmcross/backend/preflight"
	"github.com/vmcross/vmcross/internal/latest"
)

// OrderAttribute is the vCenter custom attribute that gives a VM its order in a plan: an
// integer, lower moves first.
const OrderAttribute = "vmcross.order"

// ErrPlanExists is wrapped by Start's error for a plan whose journal exists already.
var ErrPlanExists = errors.New("the plan has a journal already")

// ErrUnknownPlan is wrapped by the error for a plan id with no journal.
var ErrUnknownPlan = errors.New("no such plan")

// Plans proposes, runs and follows evacuation plans on one engine (see backend/plan): a
// plan's waves are handed to the engine one after the other, each VM's state is kept in the
// plan's journal (dir/<id>.json, written atomically on every change), so that after a
// restart Adopt re-attaches to the plan's running moves by their vCenter tasks and carries on
// with the rest, never starting a VM twice. One Plans serves every session of the engine.
// Its runs end when the engine closes, or on Close; their journals stay, to be adopted.
type Plans struct {
	e   *Engine
	dir string
	now func() time.Time

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	pubMu sync.Mutex // orders publish
	mu    sync.Mutex
	runs  map[string]*planRun
	order []string // the runs' ids, in the order they began here
	// drafts are the plans Draft proposed, to be started by id; draftOrder, oldest first.
	drafts     map[string]Proposal
	draftOrder []string
	// orders and waveSize are what Draft proposes with (SetOrders): the config's plan:
	// section.
	orders   []plan.OrderRule
	waveSize int
	state    *latest.Value[[]model.PlanStatus]
}

// NewPlans returns the plans of engine e, journaled in dir (plan.DefaultDir() unless
// configured).
func NewPlans(e *Engine, dir string) *Plans {
	ctx, cancel := context.WithCancel(context.Background())
	p := &Plans{e: e, dir: dir, now: time.Now, ctx: ctx, cancel: cancel, runs: map[string]*planRun{},
		state: latest.New[[]model.PlanStatus](nil)}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		select {
		case <-e.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return p
}

// Dir is where the journals are.
func (p *Plans) Dir() string { return p.dir }

// Close stops following the plans (their moves go on in vCenter; their journals say where
// they stand) and waits for it.
func (p *Plans) Close() {
	p.cancel()
	p.wg.Wait()
	p.state.Close()
}

// List returns the status of every plan run by this engine, in the order they began.
func (p *Plans) List() []model.PlanStatus { return p.state.Get() }

// Subscribe returns a channel that first carries every plan's status, then each newer list
// (coalesced, like Engine.Subscribe). It is closed when ctx ends or on Close.
func (p *Plans) Subscribe(ctx context.Context) <-chan []model.PlanStatus {
	return p.state.Subscribe(ctx)
}

// Status returns the status of plan id as this engine runs it.
func (p *Plans) Status(id string) (model.PlanStatus, bool) {
	p.mu.Lock()
	r, ok := p.runs[id]
	p.mu.Unlock()
	if !ok {
		return model.PlanStatus{}, false
	}
	return r.status(), true
}

// Wait waits until plan id has ended here (done or stopped) and returns its status; or until
// ctx ends or the plans close, returning the status so far and why it stopped waiting.
func (p *Plans) Wait(ctx context.Context, id string) (model.PlanStatus, error) {
	p.mu.Lock()
	r, ok := p.runs[id]
	p.mu.Unlock()
	if !ok {
		return model.PlanStatus{}, fmt.Errorf("plan %s: %w", id, ErrUnknownPlan)
	}
	select {
	case <-r.done:
		return r.status(), nil
	case <-ctx.Done():
		return r.status(), ctx.Err()
	case <-p.ctx.Done():
		return r.status(), errors.New("the engine stopped")
	}
}

// Journals returns the status of every plan journaled in the directory, oldest first, as
// the journals say: a plan whose State is active and that no engine follows was
// interrupted (the console asks whether to Adopt it). Unreadable journals are named in the
// error; the others are returned.
func (p *Plans) Journals() ([]model.PlanStatus, error) {
	js, paths, err := plan.Journals(p.dir)
	out := make([]model.PlanStatus, len(js))
	for i, j := range js {
		out[i] = j.Status(paths[i])
	}
	return out, err
}

// ProposeRequest asks for a plan.
type ProposeRequest struct {
	VMs     []model.VMKey // the selection, at one site
	To      model.SiteID
	Profile string
	// WaveSize is how many VMs a wave holds (default plan.DefaultWaveSize).
	WaveSize int
	// Orders give VMs an order by name, before the custom attribute vmcross.order.
	Orders []plan.OrderRule
	// ID names the plan ("": made from the time and Scope).
	ID    string
	Scope string // what was selected, for the id: a site, a host, a cluster
	// Selection says how the VMs were chosen, for the plan file.
	Selection string
	// Concurrency is the moves the prediction runs at once (0: the governor's limit now).
	Concurrency int
}

// Proposal is a proposed plan with what its file's comments and a review show.
type Proposal struct {
	Plan        plan.Plan
	Annotations plan.Annotations
	Prediction  plan.Prediction
	Result      preflight.Result
}

// Propose proposes a plan for the selection (see plan.Propose): preflight judges the VMs;
// their order tags come from Orders, else the custom attribute vmcross.order; partners are
// the VMs of one DRS rule or DRS VM group of their cluster, or sharing an RDM LUN. Nothing is
// started: a viewer may propose.
func (p *Plans) Propose(ctx context.Context, who model.Operator, req ProposeRequest) (Proposal, error) {
	res, err := p.e.Preflight(ctx, who, preflight.Request{VMs: req.VMs, To: req.To, Profile: req.Profile})
	if err != nil {
		return Proposal{}, err
	}
	orders, notes := p.e.planOrders(ctx, res.From, res.VMs)
	for _, vm := range res.VMs {
		if o, ok := plan.OrderFor(req.Orders, vm.Name); ok {
			orders[vm.Key] = o
		}
	}
	groups, gnotes := p.e.planGroups(ctx, who, res)
	notes = append(notes, gnotes...)
	now := p.now()
	id := req.ID
	if id == "" {
		id = plan.NewID(now, req.Scope)
	}
	pl := plan.Propose(plan.Input{ID: id, Created: now, CreatedBy: who.String(), Selection: req.Selection, Result: res,
		Profile: req.Profile, Orders: orders, Groups: groups, WaveSize: req.WaveSize, Notes: notes})
	return p.proposal(pl, res, p.e.planConcurrency(req.Concurrency)), nil
}

// proposal annotates a plan judged by res.
func (p *Plans) proposal(pl plan.Plan, res preflight.Result, concurrency int) Proposal {
	resolved := map[string]model.VMKey{}
	for _, vm := range res.VMs {
		resolved[vm.Name] = vm.Key
	}
	pred := plan.Predict(pl, p.e.timeScaled(assumptions(res, concurrency)))
	return Proposal{Plan: pl, Result: res, Prediction: pred, Annotations: plan.Annotate(pl, res, resolved, pred)}
}

func assumptions(res preflight.Result, concurrency int) plan.Assumptions {
	return plan.Assumptions{BandwidthMbps: res.Totals.BandwidthMbps, Measured: res.Totals.BandwidthMeasured, Concurrency: concurrency}
}

// PlanVerdict is what running a plan would do with one of its VMs now.
type PlanVerdict struct {
	Wave  int
	Name  string
	VM    model.VMKey // at the plan's source; zero when not found there
	Moves bool
	// Waits is true for a VM kept back only by what clears by itself (the DCI's load, an
	// outage: plan.Passing): its wave would wait for it.
	Waits bool
	// Why says why it would not move (or wait): blocked, a warning not acknowledged, already
	// at the target, not found.
	Why string
}

// PlanReview is a dry run of a plan: what would move, preflight's findings (with the plan's
// targets), and the predicted makespan of what would move.
type PlanReview struct {
	Proposal
	Verdicts []PlanVerdict
}

// Review judges a plan as running it now would, and moves nothing: each VM is found (by
// instance UUID, MoRef or name), preflight judges those at the source with the plan's
// targets, and each VM's verdict says whether it would move with the warnings the plan
// acknowledges. The prediction counts the VMs that would move (or wait).
func (p *Plans) Review(ctx context.Context, who model.Operator, pl plan.Plan, concurrency int) (PlanReview, error) {
	if err := pl.Validate(); err != nil {
		return PlanReview{}, err
	}
	st := p.e.Snapshot()
	if err := planSites(st, pl); err != nil {
		return PlanReview{}, err
	}
	var keys []model.VMKey
	over := map[model.VMKey]preflight.Override{}
	verdicts := make([]PlanVerdict, 0, pl.Count())
	resolved := map[string]model.VMKey{}
	for _, w := range pl.Waves {
		for _, v := range w.VMs {
			vd := PlanVerdict{Wave: w.Wave, Name: v.Name}
			src, atSrc, _, atDst := findPlanVM(st, pl.From, pl.To, v.Name, v.InstanceUUID, v.MoRef)
			switch {
			case atSrc:
				vd.VM = src.Key
				resolved[v.Name] = src.Key
				keys = append(keys, src.Key)
				if !v.Target.Override().IsZero() {
					over[src.Key] = v.Target.Override()
				}
			case atDst:
				vd.Why = "already at " + string(pl.To) + ": nothing to do"
			default:
				vd.Why = fmt.Sprintf("not found at %s or %s", pl.From, pl.To)
			}
			verdicts = append(verdicts, vd)
		}
	}
	var res preflight.Result
	if len(keys) > 0 {
		var err error
		res, err = p.e.Preflight(ctx, who, preflight.Request{VMs: keys, To: pl.To, Profile: pl.Profile, Overrides: over})
		if err != nil {
			return PlanReview{}, err
		}
	} else {
		res = preflight.Result{From: pl.From, To: pl.To}
	}
	acked := pl.Acked()
	for i := range verdicts {
		vd := &verdicts[i]
		if vd.VM.MoRef == "" {
			continue
		}
		vd.Why = notMoving(res.Findings, vd.VM, acked[vd.Name])
		vd.Moves = vd.Why == ""
		if !vd.Moves {
			if ok, why := passingOnly(res.Findings, vd.VM, acked[vd.Name]); ok {
				vd.Waits, vd.Why = true, why
			}
		}
	}
	// The prediction and the comments: the VMs that would move, with today's sizes.
	moving := map[string]bool{}
	for _, vd := range verdicts {
		moving[vd.Name] = vd.Moves || vd.Waits
	}
	judged := plan.Judge(pl, res, resolved, nil)
	for wi := range judged.Waves {
		judged.Waves[wi].VMs = slices.DeleteFunc(judged.Waves[wi].VMs, func(v plan.VM) bool { return !moving[v.Name] })
	}
	pred := plan.Predict(judged, p.e.timeScaled(assumptions(res, p.e.planConcurrency(concurrency))))
	return PlanReview{Proposal: Proposal{Plan: pl, Result: res, Prediction: pred, Annotations: plan.Annotate(pl, res, resolved, pred)},
		Verdicts: verdicts}, nil
}

// planSites checks that the engine has the plan's two sites.
func planSites(st model.State, pl plan.Plan) error {
	for _, id := range []model.SiteID{pl.From, pl.To} {
		if _, ok := st.Site(id); !ok {
			var ids []string
			for _, ss := range st.Sites {
				ids = append(ids, string(ss.Status.ID))
			}
			return fmt.Errorf("plan %s names site %s, which this vmcross does not have (sites: %s): %w", pl.ID, id, strings.Join(ids, ", "), ErrUnknownSite)
		}
	}
	return nil
}

// findPlanVM finds a plan's VM in a State: at the source by instance UUID, else by MoRef (of
// the same name, when a name is given), else (with neither) by name; at the target by
// instance UUID only (a name there may be another VM).
func findPlanVM(st model.State, from, to model.SiteID, name, uuid, moref string) (src model.VM, atSrc bool, dst model.VM, atDst bool) {
	if ss, ok := st.Site(from); ok {
		for _, vm := range ss.VMs {
			if uuid != "" && strings.EqualFold(vm.InstanceUUID, uuid) {
				src, atSrc = vm, true
				break
			}
		}
		if !atSrc && uuid == "" && moref != "" {
			if vm, ok := ss.VM(moref); ok && (name == "" || vm.Name == name) {
				src, atSrc = vm, true
			}
		}
		if !atSrc && uuid == "" && moref == "" {
			for _, vm := range ss.VMs {
				if vm.Name == name && !vm.Template {
					src, atSrc = vm, true
					break
				}
			}
		}
	}
	if ds, ok := st.Site(to); ok && uuid != "" {
		for _, vm := range ds.VMs {
			if strings.EqualFold(vm.InstanceUUID, uuid) {
				dst, atDst = vm, true
				break
			}
		}
	}
	return src, atSrc, dst, atDst
}

// StartOptions tune a plan's start.
type StartOptions struct {
	// Concurrency is the moves the prediction runs at once (0: the governor's limit now).
	Concurrency int
}

// Start runs a plan: its journal is written, then its waves are handed to the engine one
// after the other (the next when every move of the current one has ended), each VM with the
// plan's target and acknowledging the warnings the plan lists. A VM preflight blocks then, or
// with a warning the plan does not list, is skipped with the reason; a failed move is
// reported and the plan goes on. It refuses a plan whose journal exists (a plan runs once:
// make a new one, or Adopt an interrupted one). It is a dangerous command, like Migrate.
func (p *Plans) Start(ctx context.Context, who model.Operator, pl plan.Plan, opts StartOptions) (model.PlanStatus, error) {
	var out model.PlanStatus
	err := p.e.command(who, model.CmdMigrate, pl.To, "plan "+pl.ID+": start", func() (string, error) {
		if err := pl.Validate(); err != nil {
			return "", err
		}
		if err := planSites(p.e.Snapshot(), pl); err != nil {
			return "", err
		}
		path := plan.JournalPath(p.dir, pl.ID)
		if _, err := os.Stat(path); err == nil {
			return "", fmt.Errorf("plan %s: %w (%s): a plan runs once; give the plan a new id to run it again, or resume it if it was interrupted", pl.ID, ErrPlanExists, path)
		}
		release, err := plan.Lock(p.dir, pl.ID)
		if err != nil {
			return "", err
		}
		j := plan.NewJournal(pl, who, p.now())
		j.Predicted = plan.Predict(pl, p.e.planAssumptions(ctx, pl, opts.Concurrency)).Total
		if err := j.Save(path); err != nil {
			release()
			return "", fmt.Errorf("plan %s: the journal: %w", pl.ID, err)
		}
		r := p.begin(j, path, who, release, false)
		out = r.status()
		return fmt.Sprintf("plan %s: %d VMs in %d waves, %d skipped", pl.ID, pl.Count(), len(pl.Waves), len(pl.Skipped)), nil
	})
	return out, err
}

// planAssumptions are a plan's prediction's: the DCI's free bandwidth when the switches
// measure it, else the profile's minimum.
func (e *Engine) planAssumptions(ctx context.Context, pl plan.Plan, concurrency int) plan.Assumptions {
	a := e.timeScaled(plan.Assumptions{Concurrency: e.planConcurrency(concurrency)})
	if h := e.Snapshot().Fabric; h.Configured && h.Bandwidth.Known {
		a.BandwidthMbps, a.Measured = h.Bandwidth.FreeMbps(), true
		return a
	}
	if prof, err := e.preflightProfile(ctx, pl.Profile, pl.From, pl.To); err == nil {
		a.BandwidthMbps = int64(prof.MinBandwidthMbps)
	}
	return a
}

// planConcurrency is n, else how many moves the governor lets run at once now, else its
// configured cap, else plan.DefaultConcurrency.
func (e *Engine) planConcurrency(n int) int {
	if n > 0 {
		return n
	}
	g := e.Snapshot().Governor
	switch {
	case g.Limit > 0:
		return g.Limit
	case g.Cap > 0:
		return g.Cap
	}
	return plan.DefaultConcurrency
}

// Pause stops plan id handing out VMs. The moves it handed out that the engine has queued
// and not started yet are taken back (cancelled: a queued move is only dropped) and their
// VMs are pending again, handed out anew on Resume; the moves running go on (cancel one
// with CancelMove). A wave being handed out as it pauses goes on; pausing again takes back
// what of it is still queued. Dangerous, like Migrate.
func (p *Plans) Pause(ctx context.Context, who model.Operator, id string) error {
	return p.e.command(who, model.CmdMigrate, "", "plan "+id+": pause", func() (string, error) {
		r, err := p.run(id)
		if err != nil {
			return "", err
		}
		return r.setPaused(ctx, who, true)
	})
}

// Resume lets a paused plan hand out its waves again. Dangerous, like Migrate.
func (p *Plans) Resume(ctx context.Context, who model.Operator, id string) error {
	return p.e.command(who, model.CmdMigrate, "", "plan "+id+": resume", func() (string, error) {
		r, err := p.run(id)
		if err != nil {
			return "", err
		}
		return r.setPaused(ctx, who, false)
	})
}

func (p *Plans) run(id string) (*planRun, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.runs[id]
	if !ok {
		return nil, fmt.Errorf("plan %s is not run by this vmcross: %w", id, ErrUnknownPlan)
	}
	return r, nil
}

// Adopt re-attaches to plan id, interrupted by a restart of vmcross (its journal says it
// runs or is paused, and no process holds it): each VM the journal has handed out is
// settled as vCenter has it now: its task followed (Engine.AdoptMove: a task that ended
// meanwhile ends the move as vCenter says), a relocate task of it started since it was
// handed out adopted, the VM found at the target with its instance UUID done, a VM handed
// out whose move never started handed out again with its wave; then the plan carries on
// (paused if it was). No VM is started twice. Dangerous, like Migrate.
func (p *Plans) Adopt(ctx context.Context, who model.Operator, id string) (model.PlanStatus, error) {
	var out model.PlanStatus
	err := p.e.command(who, model.CmdMigrate, "", "plan "+id+": re-attach", func() (string, error) {
		if r, err := p.run(id); err == nil && r.status().State.Active() {
			return "", fmt.Errorf("plan %s is already followed here", id)
		}
		path := plan.JournalPath(p.dir, id)
		j, err := plan.LoadJournal(path)
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("plan %s: %w in %s", id, ErrUnknownPlan, p.dir)
		}
		if err != nil {
			return "", err
		}
		if !j.State.Active() && j.State != model.PlanStopped {
			return "", fmt.Errorf("plan %s has ended (%s): nothing to resume", id, j.State)
		}
		if err := planSites(p.e.Snapshot(), j.Plan); err != nil {
			return "", err
		}
		release, err := plan.Lock(p.dir, id)
		if err != nil {
			return "", err
		}
		if j.State == model.PlanStopped {
			j.State, j.Why = model.PlanRunning, ""
		}
		settled, err := p.e.settleJournal(ctx, who, &j, p.now())
		if saveErr := j.Save(path); err == nil && saveErr != nil {
			err = fmt.Errorf("plan %s: the journal: %w", id, saveErr)
		}
		if err != nil {
			release()
			return "", err
		}
		r := p.begin(j, path, who, release, true)
		out = r.status()
		return fmt.Sprintf("plan %s re-attached: %s", id, settled), nil
	})
	return out, err
}

// Reverse proposes the way back of finished plan id (see plan.ReverseWith): every VM it
// moved, back to the host, cluster, datastores and port groups it left (each datastore
// named as both sites' inventories name it now), judged by preflight like any plan.
// Nothing moves until the plan is started.
func (p *Plans) Reverse(ctx context.Context, who model.Operator, id string, concurrency int) (Proposal, error) {
	j, err := plan.LoadJournal(plan.JournalPath(p.dir, id))
	if errors.Is(err, os.ErrNotExist) {
		return Proposal{}, fmt.Errorf("plan %s: %w in %s", id, ErrUnknownPlan, p.dir)
	}
	if err != nil {
		return Proposal{}, err
	}
	if r, err := p.run(id); err == nil && r.status().State.Active() {
		return Proposal{}, fmt.Errorf("plan %s is still running: reverse it once it has ended", id)
	}
	pl, err := plan.ReverseWith(j, p.now(), who.String(), datastoreNames(p.e.Snapshot()))
	if err != nil {
		return Proposal{}, err
	}
	if err := planSites(p.e.Snapshot(), pl); err != nil {
		return Proposal{}, err
	}
	var uuids []string
	for _, v := range pl.VMs() {
		uuids = append(uuids, v.InstanceUUID)
	}
	st := p.e.oneSiteEach(ctx, uuids, inventoryLag)
	resolved := map[string]model.VMKey{}
	missing := map[string]string{}
	var keys []model.VMKey
	over := map[model.VMKey]preflight.Override{}
	for _, v := range pl.VMs() {
		src, atSrc, _, atDst := findPlanVM(st, pl.From, pl.To, v.Name, v.InstanceUUID, v.MoRef)
		switch {
		case atSrc:
			resolved[v.Name] = src.Key
			keys = append(keys, src.Key)
			over[src.Key] = v.Target.Override()
		case atDst:
			missing[v.Name] = "already back at " + string(pl.To)
		default:
			missing[v.Name] = fmt.Sprintf("not found at %s or %s", pl.From, pl.To)
		}
	}
	res := preflight.Result{From: pl.From, To: pl.To}
	if len(keys) > 0 {
		res, err = p.e.Preflight(ctx, who, preflight.Request{VMs: keys, To: pl.To, Profile: pl.Profile, Overrides: over})
		if err != nil {
			return Proposal{}, err
		}
	}
	return p.proposal(plan.Judge(pl, res, resolved, missing), res, p.e.planConcurrency(concurrency)), nil
}

// datastoreNames names every site's datastores by MoRef value.
func datastoreNames(st model.State) plan.DatastoreNames {
	out := plan.DatastoreNames{}
	for _, ss := range st.Sites {
		byRef := make(map[string]string, len(ss.Datastores))
		for _, d := range ss.Datastores {
			byRef[d.Ref.Value] = d.Name
		}
		out[ss.Status.ID] = byRef
	}
	return out
}

// inventoryLag bounds how long the way back waits for the inventory to show a VM that has
// just moved at one site only (its removal at the source arrives a moment after its task
// ends) and both sites live.
const inventoryLag = 30 * time.Second

// oneSiteEach returns the State once both sites are live and it lists each instance UUID at
// exactly one site (a VM switching over may be listed at both, or neither, for a moment),
// or the latest one after within.
func (e *Engine) oneSiteEach(ctx context.Context, uuids []string, within time.Duration) model.State {
	ok := func(st model.State) bool {
		for _, ss := range st.Sites {
			if !ss.Status.Live() {
				return false
			}
		}
		where := map[string]int{}
		for _, ss := range st.Sites {
			for _, vm := range ss.VMs {
				if vm.InstanceUUID != "" {
					where[strings.ToLower(vm.InstanceUUID)]++
				}
			}
		}
		for _, u := range uuids {
			if u != "" && where[strings.ToLower(u)] != 1 {
				return false
			}
		}
		return true
	}
	st := e.Snapshot()
	if ok(st) {
		return st
	}
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for next := range e.Subscribe(ctx) {
		st = next
		if ok(st) {
			break
		}
	}
	return st
}
