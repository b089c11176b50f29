package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/migrate"
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
	pred := plan.Predict(pl, assumptions(res, concurrency))
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
	pred := plan.Predict(judged, assumptions(res, p.e.planConcurrency(concurrency)))
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
	a := plan.Assumptions{Concurrency: e.planConcurrency(concurrency)}
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

// settleJournal settles, after a restart, every VM the journal had handed out (see Adopt),
// and says what it did.
func (e *Engine) settleJournal(ctx context.Context, who model.Operator, j *plan.Journal, now time.Time) (string, error) {
	var adopted, done, again, failed int
	for i := range j.Entries {
		en := &j.Entries[i]
		if en.State != model.PlanVMSubmitted && en.State != model.PlanVMMoving {
			continue
		}
		en.Move = "" // move ids are this engine's
		if !en.Record.Task.IsZero() {
			ok, err := e.adoptTask(ctx, who, j, en, en.Record.Task)
			if err != nil {
				return "", err
			}
			if ok {
				adopted++
				continue
			}
			// vCenter no longer has the task: settle by where the VM is.
		}
		how, err := e.settleUntracked(ctx, who, j, en)
		if err != nil {
			return "", err
		}
		switch how {
		case model.PlanVMMoving:
			adopted++
		case model.PlanVMDone:
			done++
		case model.PlanVMFailed:
			failed++
		default:
			again++
		}
	}
	j.Updated = now
	return fmt.Sprintf("%d moves followed again, %d found at %s, %d handed out again, %d not found", adopted, done, j.Plan.To, again, failed), nil
}

// settleUntracked settles a VM handed out whose task the journal does not know, asking the
// vCenters where its instance UUID is (the inventory may lag a move that just ended): at the
// target and not at its source, it is done; moving in this engine, or with a relocate task
// vCenter started since it was handed out, that move is followed; at its source with
// neither, it is pending again; nowhere, it failed. A VM that leaves its source while this
// looks (its move ending) is looked for again. It returns how it settled it (Moving for a
// move followed).
func (e *Engine) settleUntracked(ctx context.Context, who model.Operator, j *plan.Journal, en *plan.Entry) (model.PlanVMState, error) {
	const attempts = 3
	from, to := j.Plan.From, j.Plan.To
	for attempt := 1; ; attempt++ {
		var src, dst model.Ref
		if en.InstanceUUID != "" {
			var err error
			if dst, err = e.vmByUUID(ctx, to, en.InstanceUUID); err != nil {
				return "", err
			}
			if src, err = e.vmByUUID(ctx, from, en.InstanceUUID); err != nil {
				return "", err
			}
		} else if vm, atSrc, _, _ := findPlanVM(e.Snapshot(), from, to, en.Name, "", en.VM.MoRef); atSrc {
			src = vmRef(vm.Key)
		}
		switch {
		case !dst.IsZero() && src.IsZero():
			en.State, en.TargetVM, en.Why = model.PlanVMDone, dst, "found at "+string(to)+" with its instance UUID after a restart"
			return en.State, nil
		case src.IsZero() && attempt < attempts:
			time.Sleep(time.Second) // between its removal at the source and its arrival
			continue
		case src.IsZero():
			en.State, en.Why = model.PlanVMFailed, fmt.Sprintf("not found at %s or %s after a restart", from, to)
			return en.State, nil
		}
		key := model.VMKey{Site: from, MoRef: src.Value}
		en.VM = key
		if m, ok := activeMove(e.Snapshot(), model.VM{Key: key, InstanceUUID: en.InstanceUUID}); ok {
			en.State, en.Move, en.Record = model.PlanVMSubmitted, m.ID, m
			return model.PlanVMMoving, nil
		}
		task, err := e.relocateTaskSince(ctx, key, en.Submitted)
		if err != nil && taskGone(err) && attempt < attempts {
			continue // it has just left its source
		}
		if err != nil {
			return "", err
		}
		if !task.IsZero() {
			ok, err := e.adoptTask(ctx, who, j, en, task)
			if err != nil {
				return "", err
			}
			if ok {
				return model.PlanVMMoving, nil
			}
		}
		// Handed out, never started: its wave hands it out again.
		en.State, en.Submitted, en.Record, en.Why = model.PlanVMPending, time.Time{}, model.Move{}, ""
		return en.State, nil
	}
}

// vmByUUID asks a site's vCenter for the VM with an instance UUID: its MoRef, or zero.
func (e *Engine) vmByUUID(ctx context.Context, site model.SiteID, uuid string) (model.Ref, error) {
	var out model.Ref
	err := e.Call(ctx, site, "plan: find VM "+uuid, 10*time.Second, func(ctx context.Context, c *vim25.Client) error {
		ref, err := object.NewSearchIndex(c).FindByUuid(ctx, nil, uuid, true, types.NewBool(true))
		if err != nil {
			return err
		}
		if ref != nil {
			r := ref.Reference()
			out = model.Ref{Type: r.Type, Value: r.Value}
		}
		return nil
	})
	return out, err
}

// adoptTask re-attaches an entry to its task through Engine.AdoptMove. It returns false
// when vCenter no longer has the task.
func (e *Engine) adoptTask(ctx context.Context, who model.Operator, j *plan.Journal, en *plan.Entry, task model.Ref) (bool, error) {
	var info types.TaskInfo
	err := e.Call(ctx, en.VM.Site, "plan: read task "+task.Value, 10*time.Second, func(ctx context.Context, c *vim25.Client) error {
		var t mo.Task
		if err := property.DefaultCollector(c).RetrieveOne(ctx, types.ManagedObjectReference{Type: "Task", Value: task.Value}, []string{"info"}, &t); err != nil {
			return err
		}
		info = t.Info
		return nil
	})
	if err != nil {
		if taskGone(err) {
			return false, nil
		}
		return false, fmt.Errorf("%s: reading its task %s: %w", en.Name, task.Value, err)
	}
	rec := en.Record
	rec.VM, rec.VMName, rec.InstanceUUID = en.VM, en.Name, en.InstanceUUID
	rec.From, rec.To, rec.Plan, rec.Wave = j.Plan.From, j.Plan.To, j.Plan.ID, en.Wave
	rec.Task = model.Ref{Type: "Task", Value: task.Value}
	if rec.Operator.Name == "" {
		rec.Operator = j.Operator
	}
	if rec.Queued.IsZero() {
		rec.Queued = en.Submitted
	}
	if info.StartTime != nil && rec.Started.IsZero() {
		rec.Started = *info.StartTime
	}
	m, err := e.AdoptMove(ctx, who, rec)
	if errors.Is(err, migrate.ErrAlreadyMoving) {
		if am, ok := activeMove(e.Snapshot(), model.VM{Key: en.VM, InstanceUUID: en.InstanceUUID}); ok {
			m, err = am, nil
		}
	}
	if err != nil {
		return false, fmt.Errorf("%s: re-attaching to its task %s: %w", en.Name, task.Value, err)
	}
	en.State, en.Move, en.Record, en.Why = model.PlanVMMoving, m.ID, m, "re-attached after a restart"
	return true, nil
}

// taskGone reports whether an error reading a task says vCenter no longer has it.
func taskGone(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if isNotFound(e) {
			return true
		}
	}
	return strings.Contains(err.Error(), "ManagedObjectNotFound") ||
		strings.Contains(err.Error(), "has already been deleted or has not been completely created")
}

// relocateGrace is how much earlier than its hand-out (clocks differ) a relocate task of a
// VM may have started and still be taken for the plan's.
const relocateGrace = 5 * time.Minute

// relocateTaskSince finds, in a VM's recent tasks at its site, a relocate (or migrate) task
// that runs, else the newest one started since the VM was handed out (less relocateGrace):
// the plan's move that started before the journal could record its task. Zero: none.
func (e *Engine) relocateTaskSince(ctx context.Context, vm model.VMKey, since time.Time) (model.Ref, error) {
	var found model.Ref
	err := e.Call(ctx, vm.Site, "plan: recent tasks of "+vm.MoRef, 10*time.Second, func(ctx context.Context, c *vim25.Client) error {
		pc := property.DefaultCollector(c)
		var v mo.VirtualMachine
		if err := pc.RetrieveOne(ctx, types.ManagedObjectReference{Type: "VirtualMachine", Value: vm.MoRef}, []string{"recentTask"}, &v); err != nil {
			return err
		}
		if len(v.RecentTask) == 0 {
			return nil
		}
		var tasks []mo.Task
		if err := pc.Retrieve(ctx, v.RecentTask, []string{"info"}, &tasks); err != nil {
			return err
		}
		var newest time.Time
		for _, t := range tasks {
			id := t.Info.DescriptionId
			if !strings.Contains(id, "relocate") && !strings.Contains(id, "migrate") {
				continue
			}
			if t.Info.State == types.TaskInfoStateRunning || t.Info.State == types.TaskInfoStateQueued {
				found = model.Ref{Type: "Task", Value: t.Self.Value}
				return nil
			}
			if since.IsZero() || t.Info.StartTime == nil || t.Info.StartTime.Before(since.Add(-relocateGrace)) {
				continue
			}
			if t.Info.StartTime.After(newest) {
				newest, found = *t.Info.StartTime, model.Ref{Type: "Task", Value: t.Self.Value}
			}
		}
		return nil
	})
	return found, err
}

// planOrders reads the custom attribute vmcross.order of the VMs at their site: VMs
// without it, or with a value that is not a whole number (said in the notes), have none.
func (e *Engine) planOrders(ctx context.Context, site model.SiteID, vms []model.VM) (map[model.VMKey]int, []string) {
	out := map[model.VMKey]int{}
	var notes []string
	if len(vms) == 0 {
		return out, nil
	}
	err := e.Call(ctx, site, "plan: order attribute", 10*time.Second, func(ctx context.Context, c *vim25.Client) error {
		cfm, err := object.GetCustomFieldsManager(c)
		if err != nil {
			return nil // no custom attributes here
		}
		defs, err := cfm.Field(ctx)
		if err != nil {
			return err
		}
		key := int32(-1)
		for _, d := range defs {
			if d.Name == OrderAttribute && (d.ManagedObjectType == "" || d.ManagedObjectType == "VirtualMachine") {
				key = d.Key
			}
		}
		if key < 0 {
			return nil
		}
		refs := make([]types.ManagedObjectReference, len(vms))
		for i, vm := range vms {
			refs[i] = types.ManagedObjectReference{Type: "VirtualMachine", Value: vm.Key.MoRef}
		}
		var got []mo.VirtualMachine
		if err := property.DefaultCollector(c).Retrieve(ctx, refs, []string{"name", "customValue"}, &got); err != nil {
			return err
		}
		for _, v := range got {
			for _, cv := range v.CustomValue {
				sv, ok := cv.(*types.CustomFieldStringValue)
				if !ok || sv.Key != key || strings.TrimSpace(sv.Value) == "" {
					continue
				}
				n, err := strconv.Atoi(strings.TrimSpace(sv.Value))
				if err != nil {
					notes = append(notes, fmt.Sprintf("%s: %s %q is not a whole number: no order", v.Name, OrderAttribute, sv.Value))
					continue
				}
				out[model.VMKey{Site: site, MoRef: v.Self.Value}] = n
			}
		}
		return nil
	})
	if err != nil {
		notes = append(notes, fmt.Sprintf("the custom attribute %s could not be read at %s (%v): no VM has an order from it", OrderAttribute, site, err))
	}
	return out, notes
}

// planGroups finds the selection's partners: the VMs of each DRS affinity or anti-affinity
// rule and DRS VM group of their clusters (read at the source vCenter), and the VMs of the
// selection that share an RDM LUN (from their details).
func (e *Engine) planGroups(ctx context.Context, who model.Operator, res preflight.Result) ([]plan.Group, []string) {
	var groups []plan.Group
	var notes []string
	src, _ := e.Snapshot().Site(res.From)
	nameOf := func(ref string) string {
		if vm, ok := src.VM(ref); ok {
			return vm.Name
		}
		return ref
	}
	add := func(why string, refs []types.ManagedObjectReference) {
		if len(refs) < 2 {
			return
		}
		g := plan.Group{Why: why}
		for _, r := range refs {
			g.VMs = append(g.VMs, model.VMKey{Site: res.From, MoRef: r.Value})
			g.Names = append(g.Names, nameOf(r.Value))
		}
		groups = append(groups, g)
	}
	var clusters []types.ManagedObjectReference
	seen := map[string]bool{}
	for _, vm := range res.VMs {
		if !vm.ClusterRef.IsZero() && !seen[vm.ClusterRef.Value] {
			seen[vm.ClusterRef.Value] = true
			clusters = append(clusters, types.ManagedObjectReference{Type: "ClusterComputeResource", Value: vm.ClusterRef.Value})
		}
	}
	if len(clusters) > 0 {
		err := e.Call(ctx, res.From, "plan: cluster rules", 10*time.Second, func(ctx context.Context, c *vim25.Client) error {
			var ccrs []mo.ClusterComputeResource
			if err := property.DefaultCollector(c).Retrieve(ctx, clusters, []string{"name", "configurationEx"}, &ccrs); err != nil {
				return err
			}
			for _, cc := range ccrs {
				cfg, ok := cc.ConfigurationEx.(*types.ClusterConfigInfoEx)
				if !ok {
					continue
				}
				for _, r := range cfg.Rule {
					info := r.GetClusterRuleInfo()
					if info.Enabled != nil && !*info.Enabled {
						continue
					}
					switch rr := r.(type) {
					case *types.ClusterAntiAffinityRuleSpec:
						add(fmt.Sprintf("anti-affinity rule %s (cluster %s)", info.Name, cc.Name), rr.Vm)
					case *types.ClusterAffinityRuleSpec:
						add(fmt.Sprintf("affinity rule %s (cluster %s)", info.Name, cc.Name), rr.Vm)
					}
				}
				for _, g := range cfg.Group {
					if vg, ok := g.(*types.ClusterVmGroup); ok {
						add(fmt.Sprintf("DRS VM group %s (cluster %s)", vg.Name, cc.Name), vg.Vm)
					}
				}
			}
			return nil
		})
		if err != nil {
			notes = append(notes, fmt.Sprintf("the DRS rules of %s's clusters could not be read (%v): partners are known by shared LUNs only", res.From, err))
		}
	}
	keys := make([]model.VMKey, len(res.VMs))
	for i, vm := range res.VMs {
		keys[i] = vm.Key
	}
	details, _ := e.DetailsMany(ctx, who, keys)
	byLUN := map[string][]types.ManagedObjectReference{}
	var luns []string
	for _, vm := range res.VMs {
		d, ok := details[vm.Key]
		if !ok {
			continue
		}
		mine := map[string]bool{}
		for _, disk := range d.Disks {
			if disk.LUN == "" || mine[disk.LUN] {
				continue
			}
			mine[disk.LUN] = true
			if _, ok := byLUN[disk.LUN]; !ok {
				luns = append(luns, disk.LUN)
			}
			byLUN[disk.LUN] = append(byLUN[disk.LUN], types.ManagedObjectReference{Type: "VirtualMachine", Value: vm.Key.MoRef})
		}
	}
	for _, lun := range luns {
		add("shared LUN "+lun, byLUN[lun])
	}
	return groups, notes
}
