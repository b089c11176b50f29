package backend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vmcross/vmcross/backend/migrate"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
	"github.com/vmcross/vmcross/fabric"
	"github.com/vmcross/vmcross/internal/latest"
)

// Engine owns every site and merges their snapshots into one State that any number of
// clients (the console, SSH sessions, headless commands) read or subscribe to.
type Engine struct {
	sites  []*Site
	fabric Fabric // nil without switches

	watchMu sync.Mutex
	watched []int // the VM VLANs last handed to the fabric monitor

	state  *latest.Value[model.State] // its subscriptions end on Close
	events *eventLog                  // ordered and lossless, next to the latest State
	byID   map[model.SiteID]*Site
	// locators are the target vCenters' instance UUIDs and thumbprints for moves (locMu).
	locMu    sync.Mutex
	locators map[model.SiteID]targetID
	details  *detailsCache     // by VM, until its change version or snapshots move
	mapping  preflight.Mapping // under mu: the configured mapping between the sites
	profile  string            // under mu: the configured vMotion profile ("": from the versions)
	// simulated is true on the embedded lab (under mu): its CheckRelocate checks nothing.
	simulated bool
	// timeScale is how much faster than real time the vCenters' moves run (the lab's
	// speed; under mu): plan predictions are divided by it. 0 or 1: real time.
	timeScale float64
	moves     *migrate.Manager // queues, runs and follows moves
	gov       *governor        // under mu: the governor of the moves (SetGovernor)
	// The audit log (under mu): its file, closed when its writer has ended, and its
	// writer's error, which stops dangerous commands.
	auditPath string
	auditDone chan struct{}
	auditErr  error

	mu        sync.RWMutex
	startOnce sync.Once
	closeOnce sync.Once
	done      chan struct{} // closed by Close
	cancel    context.CancelFunc
	stopped   <-chan struct{} // under mu: the sites' context ends (nil before Start)
	wg        sync.WaitGroup  // the sites and the fabric's feed
}

// NewEngine returns an engine for the given sites, in that order; opts apply to every site.
// Its moves are governed with the defaults (see GovernorSettings) until SetGovernor says
// otherwise. Nothing connects until Start.
func NewEngine(specs []SiteSpec, opts ...SiteOption) *Engine {
	e := &Engine{done: make(chan struct{}), events: newEventLog(), byID: map[model.SiteID]*Site{},
		details: newDetailsCache(detailsCacheSize)}
	st := model.State{Gen: 1}
	for i, spec := range specs {
		s := NewSite(spec, opts...)
		s.onChange = func(snap model.SiteSnapshot) { e.siteChanged(i, snap) }
		e.sites = append(e.sites, s)
		e.byID[spec.ID] = s
		st.Sites = append(st.Sites, s.Snapshot())
	}
	e.state = latest.New(st)
	e.moves = migrate.New(e.Call, e.serviceLocator,
		func(ms []model.Move) { e.publish(func(st *model.State) { st.Moves = ms; st.MovesGen++ }) },
		e.moveEvent, migrate.Options{})
	// Moves are governed from the start: vSphere's limits, the cap and the DCI's bandwidth
	// for the profile (the defaults); SetGovernor configures it otherwise.
	e.SetGovernor(GovernorSettings{})
	return e
}

// moveEvent records a move's queued, started and end in the event stream.
func (e *Engine) moveEvent(kind model.EventKind, m model.Move) {
	ev := model.Event{Kind: kind, Operator: m.Operator, Site: m.From, Object: m.VMName, Move: &m}
	switch kind {
	case model.EventMoveFailed, model.EventMoveCancelled:
		ev.Err = m.Err
	case model.EventMoveDone:
		ev.Message = fmt.Sprintf("%s now runs at %s (%s)", m.VMName, m.To, m.Duration(m.Ended).Round(time.Second))
	}
	e.events.Append(ev)
}

// Fabric is what the engine needs from the switch monitor (fabric.Monitor satisfies it).
type Fabric interface {
	Start(ctx context.Context)
	Health() fabric.Health
	Subscribe(ctx context.Context) <-chan fabric.Health
	// Watch names the VLANs in use by VMs, whose end-to-end state the health must cover.
	Watch(vlans []int)
	// PollNow asks for a poll round at once, without waiting for it.
	PollNow()
	Close()
}

// SetFabric hands the engine a switch monitor, which it starts, feeds with the VLANs in use
// by VMs, publishes in State.Fabric, and closes with itself. Call it before Start.
func (e *Engine) SetFabric(f Fabric) {
	h := f.Health()
	e.mu.Lock()
	e.fabric = f
	e.mu.Unlock()
	e.state.Update(func(st model.State) model.State {
		st.Fabric = h // the starting point, not a change: Gen stays
		st.FabricGen++
		return st
	})
}

// Start connects every site in the background. The sites stop when ctx ends or on Close.
// Calls after the first do nothing.
func (e *Engine) Start(ctx context.Context) {
	e.startOnce.Do(func() {
		ctx, cancel := context.WithCancel(ctx)
		e.mu.Lock()
		e.cancel, e.stopped = cancel, ctx.Done()
		e.mu.Unlock()
		for _, s := range e.sites {
			e.wg.Add(1)
			go func() {
				defer e.wg.Done()
				_ = s.Run(ctx)
			}()
		}
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.moves.Run(ctx)
		}()
		if e.fabric != nil {
			e.fabric.Start(ctx)
			e.watchVLANs()
			updates := e.fabric.Subscribe(ctx)
			e.wg.Add(1)
			go func() {
				defer e.wg.Done()
				prev := e.Snapshot().Fabric
				for h := range updates {
					e.publish(func(st *model.State) { st.Fabric = h; st.FabricGen++ })
					fabricEvents(e.events, prev, h)
					prev = h
				}
			}()
		}
	})
}

// watchVLANs tells the fabric monitor which VLANs the VMs use, when that set changed. It
// reads the current State under watchMu, so concurrent callers never hand over an older set
// after a newer one.
func (e *Engine) watchVLANs() {
	if e.fabric == nil {
		return
	}
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	vlans := e.Snapshot().VLANsInUse
	if slices.Equal(vlans, e.watched) {
		return
	}
	e.watched = vlans
	e.fabric.Watch(vlans)
}

// Close stops every site, logs out of every vCenter, closes every subscription and waits
// for all of it. It is safe to call more than once.
func (e *Engine) Close() {
	e.closeOnce.Do(func() {
		e.startOnce.Do(func() {}) // a later Start does nothing
		e.mu.Lock()
		cancel := e.cancel
		e.mu.Unlock()
		if cancel != nil {
			cancel()
		}
		close(e.done)
		e.state.Close() // ends every subscription and waits for it
		if e.fabric != nil {
			e.fabric.Close()
		}
	})
	e.wg.Wait()
	e.mu.RLock()
	done := e.auditDone
	e.mu.RUnlock()
	if done != nil {
		select {
		case <-done:
		case <-time.After(auditFlush):
		}
	}
}

// Snapshot returns the current State. It is immutable: Sites are in spec order and Gen
// grows with every change.
func (e *Engine) Snapshot() model.State {
	return e.state.Get()
}

// Subscribe returns a channel that first carries the current State and then each newer
// one. A slow reader misses intermediate states (it always gets the latest) and never
// blocks the engine. The channel is closed when ctx ends or the engine is closed.
func (e *Engine) Subscribe(ctx context.Context) <-chan model.State {
	return e.state.Subscribe(ctx)
}

// WaitLoaded waits until every site has loaded its inventory once or failed its first
// attempt. It returns nil when all loaded, else one error per site that did not, joined
// (each names its site). If ctx ends or the engine stops first, the sites still pending
// are named.
func (e *Engine) WaitLoaded(ctx context.Context) error {
	e.mu.RLock()
	stopped := e.stopped
	e.mu.RUnlock()
	var pending []string
	var errs []error
	for _, s := range e.sites {
		select {
		case <-s.Settled():
		case <-ctx.Done():
		case <-stopped:
		case <-e.done:
		}
		select {
		case <-s.Settled():
			if err := s.LoadErr(); err != nil {
				errs = append(errs, err)
			}
		default:
			pending = append(pending, string(s.ID()))
		}
	}
	if len(pending) > 0 {
		why := ctx.Err()
		if why == nil {
			why = errors.New("the engine stopped")
		}
		errs = append(errs, fmt.Errorf("%s: still connecting: %w", strings.Join(pending, ", "), why))
	}
	return errors.Join(errs...)
}

// siteChanged publishes a new State with site i's snapshot replaced, and records a change
// of the site's connection state in the event stream.
func (e *Engine) siteChanged(i int, snap model.SiteSnapshot) {
	var was model.SiteStatus
	e.publish(func(st *model.State) {
		sites := make([]model.SiteSnapshot, len(st.Sites))
		copy(sites, st.Sites)
		was = sites[i].Status
		sites[i] = snap
		st.Sites = sites
		// Linear in the inventory (~50 µs for 20,000 VMs); the slice is kept when equal so
		// clients can compare it cheaply.
		if v := model.VLANsInUse(sites); !slices.Equal(v, st.VLANsInUse) {
			st.VLANsInUse = v
		}
	})
	e.siteEvent(was, snap.Status)
	e.watchVLANs()
}

// siteEvent records a site going up or down, silent or answering again. Only the site's
// own goroutine calls it, so the events keep its order.
func (e *Engine) siteEvent(was, now model.SiteStatus) {
	ev := model.Event{Operator: model.System, Site: now.ID, Object: string(now.ID)}
	switch {
	case was.State != now.State && now.State == model.Connected:
		ev.Kind, ev.Message = model.EventSiteConnected, now.Name+" connected ("+now.Host+")"
		if !was.DownSince.IsZero() {
			ev.Message += fmt.Sprintf(" after %s down", time.Since(was.DownSince).Round(time.Second))
		}
	case was.State != now.State && now.State == model.Disconnected:
		if was.State == model.Connecting && !was.DownSince.IsZero() && was.DownSince.Equal(now.DownSince) {
			return // another retry of the same outage failed: said when it began
		}
		ev.Kind, ev.Message, ev.Err = model.EventSiteDown, now.Name+" disconnected", now.Err
	case now.State == model.Connected && now.Silent && !was.Silent:
		ev.Kind, ev.Message, ev.Err = model.EventSiteSilent, now.Name+" is not answering", now.Err
	case now.State == model.Connected && was.Silent && !now.Silent:
		ev.Kind, ev.Message = model.EventSiteAnswering, now.Name+" answers again"
		if !was.DownSince.IsZero() {
			ev.Message += fmt.Sprintf(" after %s of silence", time.Since(was.DownSince).Round(time.Second))
		}
	default:
		return // connecting: the next state says how it went
	}
	e.events.Append(ev)
}

// fabricEvents records what changed between two fabric healths: a switch that starts or
// stops answering, a finding that appears or clears.
func fabricEvents(log *eventLog, prev, now fabric.Health) {
	known := func(s fabric.SwitchStatus) bool { return s.Reachable || s.Err != "" }
	before := map[string]fabric.SwitchStatus{}
	for _, s := range prev.Switches {
		before[s.Name] = s
	}
	for _, s := range now.Switches {
		was, ok := before[s.Name]
		if !known(s) || (ok && known(was) && was.Reachable == s.Reachable) {
			continue
		}
		ev := model.Event{Operator: model.System, Object: s.Name, Kind: model.EventSwitchUp, Message: s.Name + " answers (" + s.Address + ")"}
		if !s.Reachable {
			ev.Kind, ev.Message, ev.Err = model.EventSwitchDown, s.Name+" does not answer ("+s.Address+")", s.Err
		}
		log.Append(ev)
	}
	if now.PolledAt.IsZero() {
		return // before the first poll every finding says "no data yet": nothing to report
	}
	key := func(f fabric.Finding) string { return fmt.Sprintf("%s|%s|%d", f.Code, f.Object, f.VLAN) }
	had := map[string]fabric.Finding{}
	if prev.PolledAt.IsZero() {
		prev.Findings = nil // nothing was reported of them
	}
	for _, f := range prev.Findings {
		had[key(f)] = f
	}
	has := map[string]bool{}
	for _, f := range now.Findings {
		has[key(f)] = true
		if _, ok := had[key(f)]; !ok {
			log.Append(model.Event{Operator: model.System, Kind: model.EventFindingRaised, Code: f.Code,
				Object: f.Object, Message: string(f.Severity) + ": " + f.Message})
		}
	}
	for _, f := range prev.Findings {
		if !has[key(f)] {
			log.Append(model.Event{Operator: model.System, Kind: model.EventFindingCleared, Code: f.Code,
				Object: f.Object, Message: "cleared: " + f.Message})
		}
	}
}

// publish applies change to a copy of the State, makes it current with the next Gen, and
// wakes every subscriber. It returns the new State.
func (e *Engine) publish(change func(*model.State)) model.State {
	return e.state.Update(func(st model.State) model.State {
		gen := st.Gen
		change(&st)
		st.Gen = gen + 1
		return st
	})
}
