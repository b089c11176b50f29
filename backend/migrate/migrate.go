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

// Options tune a Manager.
type Options struct {
	// MaxConcurrent caps the moves running at once across everything (default 4).
	MaxConcurrent int
	// MaxPerHost caps the moves running at once from one source host: vSphere's host cost
	// of 8 with a vMotion cost of 1 (default 8).
	MaxPerHost int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 4
	}
	if o.MaxPerHost <= 0 {
		o.MaxPerHost = 8
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
	ctx      context.Context // Run's: the moves' goroutines end with it
	wg       sync.WaitGroup
}

// move is one move and what following it needs.
type move struct {
	m        model.Move
	task     types.ManagedObjectReference // zero until the task exists
	sample   time.Time                    // when lastProg was read
	lastProg int
	rate     float64 // bits per second, smoothed
	cancel   bool    // an operator asked to cancel it before its task existed

	sourceHost model.Ref // the VM's host when asked: the per-host limit counts it
	hostName   string
}

// New returns a manager. publish receives every moves list after a change (a copy, in the
// order asked for); event is told each move's queued, started and end.
func New(call Caller, locate Locator, publish func([]model.Move), event func(model.EventKind, model.Move), opts Options) *Manager {
	return &Manager{call: call, locate: locate, opts: opts.withDefaults(), publish: publish, event: event,
		byID: map[string]*move{}, watchers: map[model.SiteID]*watcher{}, wake: make(chan struct{}, 1)}
}

// Run starts queued moves as the limits allow, until ctx ends; then it waits for its
// goroutines. Moves already running are left to vCenter.
func (m *Manager) Run(ctx context.Context) {
	m.mu.Lock()
	m.ctx = ctx
	m.mu.Unlock()
	for {
		m.schedule(ctx)
		select {
		case <-ctx.Done():
			m.wg.Wait()
			return
		case <-m.wake:
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
		}, sourceHost: r.VM.HostRef, hostName: r.VM.Host}
		m.moves = append(m.moves, mv)
		m.byID[mv.m.ID] = mv
		out = append(out, mv.m)
	}
	list := m.list()
	m.mu.Unlock()
	for _, mv := range out {
		m.event(model.EventMoveQueued, mv)
	}
	m.publish(list)
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

// list copies the moves. Under mu.
func (m *Manager) list() []model.Move {
	out := make([]model.Move, len(m.moves))
	for i, mv := range m.moves {
		out[i] = mv.m
	}
	return out
}

// schedule starts the queued moves the limits allow, in order, and says why the others
// wait.
func (m *Manager) schedule(ctx context.Context) {
	m.mu.Lock()
	running := 0
	perHost := map[string]int{}
	for _, mv := range m.moves {
		if mv.m.State.Active() && mv.m.State != model.MoveQueued {
			running++
			perHost[mv.sourceHost.Value]++
		}
	}
	var start []*move
	changed := false
	for _, mv := range m.moves {
		if mv.m.State != model.MoveQueued {
			continue
		}
		why := ""
		switch {
		case perHost[mv.sourceHost.Value] >= m.opts.MaxPerHost:
			why = fmt.Sprintf("host %s at its limit of %d", hostName(mv), m.opts.MaxPerHost)
		case running >= m.opts.MaxConcurrent:
			why = fmt.Sprintf("%d moves running, the limit", running)
		}
		if why != "" {
			if mv.m.Why != why {
				mv.m.Why, changed = why, true
			}
			continue
		}
		running++
		perHost[mv.sourceHost.Value]++
		mv.m.State, mv.m.Why, mv.m.Phase, mv.m.Started = model.MoveRunning, "", "starting", m.opts.Now()
		start = append(start, mv)
		changed = true
	}
	list := m.list()
	m.mu.Unlock()
	if changed {
		m.publish(list)
	}
	for _, mv := range start {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.begin(ctx, mv)
		}()
	}
}

func hostName(mv *move) string {
	if mv.hostName != "" {
		return mv.hostName
	}
	return mv.sourceHost.Value
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
		list, ended := m.list(), mv.m
		m.mu.Unlock()
		m.publish(list)
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
	list := m.list()
	m.mu.Unlock()
	m.publish(list)
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
	list, ended := m.list(), mv.m
	m.mu.Unlock()
	m.publish(list)
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
	}, task: task, sourceHost: r.VM.HostRef, hostName: r.VM.Host, sample: m.opts.Now()}
	m.moves = append(m.moves, mv)
	m.byID[mv.m.ID] = mv
	out, list := mv.m, m.list()
	m.mu.Unlock()
	m.publish(list)
	m.event(model.EventMoveStarted, out)
	m.follow(out.From, task)
	return out, nil
}
