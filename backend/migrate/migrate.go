// Package migrate runs moves: cross-vCenter vMotions of VMs (RelocateVM_Task with the
// target vCenter's ServiceLocator), queued under vSphere's concurrency limits, followed
// through one property collector per source vCenter, cancelled on request. A VM already
// queued or moving is never started twice.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// Caller runs fn with a site's live vCenter client, waiting up to wait for a session (the
// engine's Call).
type Caller func(ctx context.Context, site model.SiteID, op string, wait time.Duration, fn func(context.Context, *vim25.Client) error) error

// Locator returns what a source vCenter needs to reach a site's vCenter: its
// ServiceLocator.
type Locator func(ctx context.Context, site model.SiteID) (*types.ServiceLocator, error)

// Options tune a Manager: the governor's limits (governor.go), its live gate, and the clock.
type Options struct {
	// MaxConcurrent caps the moves running at once across everything (default
	// DefaultMaxConcurrent).
	MaxConcurrent int
	// MaxPerHost caps the moves running at once on one host, counted at the source and at
	// the target: vSphere's limit on a 10 GbE vMotion network (default HostLimit10GbE).
	// MaxPerHostAt overrides it for the hosts of a site (HostLimit1GbE on 1 GbE).
	MaxPerHost   int
	MaxPerHostAt map[model.SiteID]int
	// MaxDatastoreCost caps a datastore's cost (default DatastoreLimit).
	MaxDatastoreCost int
	// Gate, when set, is asked at every scheduling pass what the fabric allows, given the
	// moves' traffic (running ones, and those ended lately). It must not call the Manager.
	Gate func(flows []Flow) Gate
	// Report, when set, is told the governor's state after every pass that changes it.
	Report func(model.Governor)
	// Refresh, when set, is called after a move failed: the gate's data should be read again
	// soon (the engine polls the switches at once).
	Refresh func()
	// Watch, when set, runs for as long as Run does and calls wake whenever what Gate reads
	// has changed (a new fabric Health), so the queue follows it at once.
	Watch func(ctx context.Context, wake func())
	// Recheck is how often the limits are judged again when nothing else wakes the
	// scheduler: data goes stale with time alone (default 1 s).
	Recheck time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = DefaultMaxConcurrent
	}
	if o.MaxPerHost <= 0 {
		o.MaxPerHost = HostLimit10GbE
	}
	if o.MaxDatastoreCost <= 0 {
		o.MaxDatastoreCost = DatastoreLimit
	}
	if o.Recheck <= 0 {
		o.Recheck = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Request asks for one VM's move.
type Request struct {
	Who          model.Operator
	VM           model.VM
	To           model.SiteID
	Target       model.MoveTarget
	Bytes        int64    // what the move sends: memory, and disks that move
	Acknowledged []string // the warnings the operator acknowledged ("CODE object")
	Plan         string   // the plan and wave it belongs to, if any
	Wave         int
	// StorageMoves says the VM's disks move with it (a Storage vMotion as well: it costs
	// more on the datastores). When false, the move is taken to move storage if Bytes is
	// more than a running VM's memory.
	StorageMoves bool
}

// ErrAlreadyMoving is wrapped by Start's error for a VM that is queued or moving.
var ErrAlreadyMoving = errors.New("already queued or moving")

// ErrUnknownMove is returned by Cancel for an id it does not know.
var ErrUnknownMove = errors.New("no such move")

// Manager queues, starts, follows and cancels moves.
type Manager struct {
	call    Caller
	locate  Locator
	opts    Options
	publish func([]model.Move)
	event   func(model.EventKind, model.Move)

	mu       sync.Mutex
	seq      int
	moves    []*move
	byID     map[string]*move
	watchers map[model.SiteID]*watcher
	wake     chan struct{}
	listSeq  uint64          // numbers the lists taken for publishing (snap)
	ctx      context.Context // Run's: the moves' goroutines end with it
	wg       sync.WaitGroup
	gov      model.Governor // as last reported
	// failedAt is when a move last failed, and failed which one: the queue waits for the
	// gate's data to be newer (Gate.AsOf).
	failedAt time.Time
	failed   string

	pubMu     sync.Mutex // orders publish: never an older list after a newer one
	published uint64
}

// move is one move and what following it needs.
type move struct {
	m        model.Move
	task     types.ManagedObjectReference // zero until the task exists
	sample   time.Time                    // when lastProg was read: the rate's window starts there
	lastProg int                          // -1 until a re-attached move's first progress
	rate     float64                      // bits per second, smoothed
	stream   time.Time                    // when its progress first moved: its data flows
	cancel   bool                         // an operator asked to cancel it before its task existed

	res resources // what it takes of vSphere's limits while it runs
}

// New returns a manager. publish receives every moves list after a change (a copy, in the
// order asked for); event is told each move's queued, started and end.
func New(call Caller, locate Locator, publish func([]model.Move), event func(model.EventKind, model.Move), opts Options) *Manager {
	return &Manager{call: call, locate: locate, opts: opts.withDefaults(), publish: publish, event: event,
		byID: map[string]*move{}, watchers: map[model.SiteID]*watcher{}, wake: make(chan struct{}, 1)}
}

// SetOptions replaces the manager's options (the limits, the gate, the report) and judges
// the queue again. Watch and Recheck are read when Run starts: set them before.
func (m *Manager) SetOptions(o Options) {
	m.mu.Lock()
	m.opts = o.withDefaults()
	m.mu.Unlock()
	m.kick()
}

// Wake makes the scheduler judge the queue again now: what the gate reads has changed.
func (m *Manager) Wake() { m.kick() }

// Run starts queued moves as the limits allow, until ctx ends; then it waits for its
// goroutines. Moves already running are left to vCenter.
func (m *Manager) Run(ctx context.Context) {
	m.mu.Lock()
	m.ctx = ctx
	o := m.opts
	m.mu.Unlock()
	if o.Watch != nil {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			o.Watch(ctx, m.kick)
		}()
	}
	tick := time.NewTicker(o.Recheck)
	defer tick.Stop()
	for {
		m.schedule(ctx)
		select {
		case <-ctx.Done():
			m.wg.Wait()
			return
		case <-m.wake:
		case <-tick.C:
		}
	}
}

func (m *Manager) kick() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Start queues the moves. It refuses, for all of them, any VM already queued or moving
// (by its key or its instance UUID), naming them.
func (m *Manager) Start(reqs []Request) ([]model.Move, error) {
	m.mu.Lock()
	var busy []string
	seen := map[string]bool{}
	for _, r := range reqs {
		if a := m.activeFor(r.VM); a != nil {
			busy = append(busy, fmt.Sprintf("%s (%s, %s by %s)", r.VM.Name, a.m.ID, a.m.State, a.m.Operator.Name))
		} else if seen[r.VM.Key.String()] {
			busy = append(busy, r.VM.Name+" (twice in this request)")
		}
		seen[r.VM.Key.String()] = true
	}
	if len(busy) > 0 {
		m.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", strings.Join(busy, ", "), ErrAlreadyMoving)
	}
	now := m.opts.Now()
	out := make([]model.Move, 0, len(reqs))
	for _, r := range reqs {
		m.seq++
		mv := &move{m: model.Move{
			ID: fmt.Sprintf("mv-%d", m.seq), VM: r.VM.Key, VMName: r.VM.Name, InstanceUUID: r.VM.InstanceUUID,
			From: r.VM.Key.Site, To: r.To, Target: r.Target, Operator: r.Who, Acknowledged: r.Acknowledged,
			State: model.MoveQueued, Why: "waiting for its turn", Bytes: r.Bytes, Queued: now, Plan: r.Plan, Wave: r.Wave,
		}, res: resourcesOf(r)}
		m.moves = append(m.moves, mv)
		m.byID[mv.m.ID] = mv
		out = append(out, mv.m)
	}
	list := m.snap()
	m.mu.Unlock()
	for _, mv := range out {
		m.event(model.EventMoveQueued, mv)
	}
	m.send(list)
	m.kick()
	return out, nil
}

// activeFor is the active move of the VM (same key or instance UUID), or nil. Under mu.
func (m *Manager) activeFor(vm model.VM) *move {
	for _, mv := range m.moves {
		if !mv.m.State.Active() {
			continue
		}
		if mv.m.VM == vm.Key || (vm.InstanceUUID != "" && mv.m.InstanceUUID == vm.InstanceUUID) {
			return mv
		}
	}
	return nil
}

// Moves returns every move, in the order asked for.
func (m *Manager) Moves() []model.Move {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.list()
}

// movesList is a copy of the moves to publish, numbered in the order it was taken.
type movesList struct {
	seq   uint64
	moves []model.Move
}

// snap copies the moves to publish them. Under mu.
func (m *Manager) snap() movesList {
	m.listSeq++
	return movesList{seq: m.listSeq, moves: m.list()}
}

// send publishes l, unless a list taken after it went out already: lists are taken under
// mu but published after it, by whichever goroutine changed a move.
func (m *Manager) send(l movesList) {
	m.pubMu.Lock()
	defer m.pubMu.Unlock()
	if l.seq <= m.published {
		return
	}
	m.published = l.seq
	m.publish(l.moves)
}

// list copies the moves. Under mu.
func (m *Manager) list() []model.Move {
	out := make([]model.Move, len(m.moves))
	for i, mv := range m.moves {
		out[i] = mv.m
	}
	return out
}

// schedule starts the queued moves the limits allow, in order, says why the others wait,
// and reports the governor's state when it changed. The gate is asked outside the lock:
// it reads the engine's State.
func (m *Manager) schedule(ctx context.Context) {
	m.mu.Lock()
	o := m.opts
	flows := m.flows(o.Now())
	m.mu.Unlock()
	var g Gate
	if o.Gate != nil {
		g = o.Gate(flows)
	}

	m.mu.Lock()
	now := o.Now()
	lim := o.limits()
	t := newTally()
	for _, mv := range m.moves {
		if running(mv.m.State) {
			t.add(mv.res)
		}
	}
	hold := ""
	if g.Fabric && !m.failedAt.IsZero() && g.AsOf.Before(m.failedAt) {
		hold = fmt.Sprintf("waiting for a fresh look at the DCI: %s failed at %s", m.failed, m.failedAt.Format("15:04:05"))
	}
	var start []*move
	changed := false
	queued := 0
	for _, mv := range m.moves {
		if mv.m.State != model.MoveQueued {
			continue
		}
		if why := waits(mv.res, t, lim, g, hold); why != "" {
			queued++
			if mv.m.Why != why {
				mv.m.Why, changed = why, true
			}
			continue
		}
		t.add(mv.res)
		mv.m.State, mv.m.Why, mv.m.Phase, mv.m.Started = model.MoveRunning, "", "starting", now
		start = append(start, mv)
		changed = true
	}
	gov := governorState(m.gov, lim, g, t.running, queued, now)
	report := gov != m.gov && o.Report != nil
	m.gov = gov
	var list movesList
	if changed {
		list = m.snap()
	}
	m.mu.Unlock()
	if changed {
		m.send(list)
	}
	if report {
		o.Report(gov)
	}
	for _, mv := range start {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.begin(ctx, mv)
		}()
	}
}

// running reports whether a move in state st takes its share of the limits: it has been
// started and has not ended (cancelling included: vCenter still runs it).
func running(st model.MoveState) bool { return st.Active() && st != model.MoveQueued }

// flows are the moves' traffic for the gate: the running moves', and that of the moves
// ended within flowMemory. Under mu.
func (m *Manager) flows(now time.Time) []Flow {
	var out []Flow
	for _, mv := range m.moves {
		switch {
		case running(mv.m.State):
			out = append(out, Flow{Started: mv.m.Started, Streaming: mv.stream, Mbps: mv.m.RateMbps})
		case !mv.m.State.Active() && !mv.m.Started.IsZero() && now.Sub(mv.m.Ended) < flowMemory:
			out = append(out, Flow{Started: mv.m.Started, Streaming: mv.stream, Ended: mv.m.Ended, Mbps: int64(mv.rate / 1e6)})
		}
	}
	return out
}

// Cancel cancels a move: a queued one at once; a running one through vCenter's CancelTask
// (it ends cancelled when vCenter says so, the VM at its source).
func (m *Manager) Cancel(ctx context.Context, id string) error {
	m.mu.Lock()
	mv, ok := m.byID[id]
	if !ok {
		m.mu.Unlock()
		return fmt.Errorf("%s: %w", id, ErrUnknownMove)
	}
	switch {
	case !mv.m.State.Active():
		st := mv.m.State
		m.mu.Unlock()
		return fmt.Errorf("%s (%s) has ended: %s", id, mv.m.VMName, st)
	case mv.m.State == model.MoveQueued:
		m.endLocked(mv, model.MoveCancelled, "cancelled while queued")
		list, ended := m.snap(), mv.m
		m.mu.Unlock()
		m.send(list)
		m.event(model.EventMoveCancelled, ended)
		m.kick()
		return nil
	case mv.m.State == model.MoveSwitchover:
		m.mu.Unlock()
		return fmt.Errorf("%s (%s) is switching over: too late to cancel", id, mv.m.VMName)
	}
	task, from := mv.task, mv.m.From
	mv.m.State = model.MoveCancelling
	if task.Value == "" {
		mv.cancel = true // begin cancels it as soon as the task exists
	}
	list := m.snap()
	m.mu.Unlock()
	m.send(list)
	if task.Value == "" {
		return nil
	}
	return m.call(ctx, from, "cancel move", 5*time.Second, func(ctx context.Context, c *vim25.Client) error {
		return cancelTask(ctx, c, task)
	})
}

// endLocked ends a move. Under mu.
func (m *Manager) endLocked(mv *move, st model.MoveState, errText string) {
	mv.m.State, mv.m.Ended, mv.m.Why = st, m.opts.Now(), ""
	mv.m.RateMbps, mv.m.ETA = 0, 0
	if st == model.MoveDone {
		mv.m.Progress = 100
	}
	if st != model.MoveDone {
		mv.m.Err = errText
	}
}

// end ends a move, publishes and records it, and lets the next ones start.
func (m *Manager) end(mv *move, st model.MoveState, errText string) {
	m.mu.Lock()
	if !mv.m.State.Active() {
		m.mu.Unlock()
		return
	}
	m.endLocked(mv, st, errText)
	if st == model.MoveFailed {
		m.failedAt, m.failed = mv.m.Ended, mv.m.ID+" "+mv.m.VMName
	}
	list, ended, refresh := m.snap(), mv.m, m.opts.Refresh
	m.mu.Unlock()
	m.send(list)
	if st == model.MoveFailed && refresh != nil {
		refresh()
	}
	kind := model.EventMoveDone
	switch st {
	case model.MoveFailed:
		kind = model.EventMoveFailed
	case model.MoveCancelled:
		kind = model.EventMoveCancelled
	}
	m.event(kind, ended)
	m.kick()
}

// tasksAt is every active move's task at a site, sorted. Under mu.
func (m *Manager) tasksAt(site model.SiteID) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	for _, mv := range m.moves {
		if mv.m.State.Active() && mv.m.From == site && mv.task.Value != "" {
			out = append(out, mv.task)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Value < out[j].Value })
	return out
}

// Adopt re-attaches to a move whose task an earlier run of vmcross started (read from a
// journal after a crash): the move is followed from its task's current state on, and never
// started again. It is refused, like Start, when the VM is already queued or moving here.
// queued and started are the move's times as the journal recorded them.
func (m *Manager) Adopt(r Request, task types.ManagedObjectReference, queued, started time.Time) (model.Move, error) {
	if task.Value == "" {
		return model.Move{}, fmt.Errorf("adopt %s: no task to re-attach to", r.VM.Name)
	}
	m.mu.Lock()
	if a := m.activeFor(r.VM); a != nil {
		m.mu.Unlock()
		return model.Move{}, fmt.Errorf("%s (%s, %s): %w", r.VM.Name, a.m.ID, a.m.State, ErrAlreadyMoving)
	}
	m.seq++
	mv := &move{m: model.Move{
		ID: fmt.Sprintf("mv-%d", m.seq), VM: r.VM.Key, VMName: r.VM.Name, InstanceUUID: r.VM.InstanceUUID,
		From: r.VM.Key.Site, To: r.To, Target: r.Target, Operator: r.Who, Acknowledged: r.Acknowledged,
		State: model.MoveRunning, Phase: "re-attached after a restart", Bytes: r.Bytes, Queued: queued, Started: started,
		Plan: r.Plan, Wave: r.Wave, Adopted: true, Task: model.Ref{Type: task.Type, Value: task.Value},
	}, task: task, sample: m.opts.Now(), lastProg: -1, res: resourcesOf(r)}
	m.moves = append(m.moves, mv)
	m.byID[mv.m.ID] = mv
	out, list := mv.m, m.snap()
	m.mu.Unlock()
	m.send(list)
	m.event(model.EventMoveStarted, out)
	m.follow(out.From, task)
	return out, nil
}
