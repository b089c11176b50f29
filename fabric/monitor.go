package fabric

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/vmcross/vmcross/internal/latest"
)

// DefaultTimeout bounds each operation on a switch (connecting, logging in, one command)
// when WithTimeout does not say otherwise.
const DefaultTimeout = 10 * time.Second

// Default reconnection backoff: a switch that fails twice in a row is retried after
// DefaultBackoffMin, then twice as long each time, up to DefaultBackoffMax.
const (
	DefaultBackoffMin = 2 * time.Second
	DefaultBackoffMax = time.Minute
)

// Monitor polls the DCI switches over SSH (scrapligo) and keeps the fabric's Health: one
// session per switch, kept open between polls, every switch polled concurrently each
// round. Its methods are safe for concurrent use.
type Monitor struct {
	specs      []SwitchSpec
	interval   time.Duration
	timeout    time.Duration
	backoffMin time.Duration
	backoffMax time.Duration
	now        func() time.Time

	sessions   []*session
	knownHosts *knownHosts
	pollNow    chan struct{}
	startOnce  sync.Once
	closeOnce  sync.Once
	loop       sync.WaitGroup // the poll loop
	polls      sync.WaitGroup // poll goroutines, which may outlive a round that gave up on them

	mu      sync.Mutex
	closed  bool
	cancel  context.CancelFunc
	watched []int
	last    round                 // input of the latest Health
	health  *latest.Value[Health] // set under mu, so that it always agrees with last
	rounds  uint64                // completed poll rounds
}

// MonitorOption configures a Monitor.
type MonitorOption func(*Monitor)

// WithInterval sets how often the switches are polled (default DefaultPollInterval). A
// round that takes longer delays the next one; rounds never overlap.
func WithInterval(d time.Duration) MonitorOption {
	return func(m *Monitor) {
		if d > 0 {
			m.interval = d
		}
	}
}

// WithTimeout bounds each operation on a switch: the TCP connection, the login, each
// command (default DefaultTimeout; a ping gets 2 s more per echo). A switch that does not
// answer within it is reported unreachable for that round; a round never waits for a
// switch longer than twice the timeout plus the ping's allowance.
func WithTimeout(d time.Duration) MonitorOption {
	return func(m *Monitor) {
		if d > 0 {
			m.timeout = d
		}
	}
}

// WithBackoff sets how long to wait before reconnecting to a switch that keeps failing:
// the first failure is retried at the next round, the second after lo, then twice as long
// each time up to hi (defaults DefaultBackoffMin, DefaultBackoffMax).
func WithBackoff(lo, hi time.Duration) MonitorOption {
	return func(m *Monitor) {
		if lo > 0 {
			m.backoffMin = lo
		}
		if hi > 0 {
			m.backoffMax = hi
		}
	}
}

// NewMonitor returns a monitor of the given switches. It does nothing until Start.
func NewMonitor(specs []SwitchSpec, opts ...MonitorOption) *Monitor {
	m := &Monitor{
		specs:      slices.Clone(specs),
		interval:   DefaultPollInterval,
		timeout:    DefaultTimeout,
		backoffMin: DefaultBackoffMin,
		backoffMax: DefaultBackoffMax,
		now:        time.Now,
		knownHosts: &knownHosts{},
		pollNow:    make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(m)
	}
	m.backoffMax = max(m.backoffMax, m.backoffMin)
	for _, spec := range m.specs {
		m.sessions = append(m.sessions, &session{spec: spec, timeout: m.timeout,
			backoffMin: m.backoffMin, backoffMax: m.backoffMax, knownHosts: m.knownHosts})
	}
	m.last = round{specs: m.specs, interval: m.interval}
	m.health = latest.New(compute(m.last))
	return m
}

// Start polls every switch at once, then again every interval, until ctx ends or Close.
// It returns at once; calls after the first, or after Close, do nothing. With no switches
// configured it polls nothing.
func (m *Monitor) Start(ctx context.Context) {
	m.startOnce.Do(func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.closed || len(m.specs) == 0 {
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		m.cancel = cancel
		m.loop.Add(1)
		go m.run(ctx)
	})
}

// Health returns the latest Health. It is immutable: callers must not change its slices.
func (m *Monitor) Health() Health {
	return m.health.Get()
}

// Subscribe returns a channel that first carries the current Health and then each newer
// one: after every poll round and every Watch that changes the VLANs. A slow reader misses
// intermediate values (it always gets the latest) and never blocks the monitor. The
// channel is closed when ctx ends or the monitor is closed.
func (m *Monitor) Subscribe(ctx context.Context) <-chan Health {
	return m.health.Subscribe(ctx)
}

// Watch names the VLANs in use by VMs. Health.VLANs covers them (as well as every VLAN the
// DCI edges' trunks allow), and each one not carried end to end gets a finding. The
// Health is recomputed at once from the latest poll, without polling again.
func (m *Monitor) Watch(vlans []int) {
	ids := slices.Clone(vlans)
	sort.Ints(ids)
	ids = slices.Compact(ids)
	m.mu.Lock()
	defer m.mu.Unlock()
	if slices.Equal(ids, m.watched) {
		return
	}
	m.watched = ids
	m.last.watched = ids
	m.health.Set(compute(m.last))
}

// PollNow asks for a poll round at once (or right after the one running). It does not
// wait for it.
func (m *Monitor) PollNow() {
	select {
	case m.pollNow <- struct{}{}:
	default:
	}
}

// Close stops polling, logs out of every switch, ends every subscription and removes the
// monitor's temporary files. It is safe to call more than once. It waits for a poll in
// progress at most about one operation timeout: a switch that hangs even then is
// abandoned.
func (m *Monitor) Close() {
	m.closeOnce.Do(func() {
		m.startOnce.Do(func() {}) // a later Start does nothing
		m.mu.Lock()
		m.closed = true
		cancel := m.cancel
		m.mu.Unlock()
		if cancel != nil {
			cancel()
		}
		m.health.Close()
		m.loop.Wait() // the poll loop logs out of the switches as it ends
		m.waitPolls(m.timeout + time.Second)
		m.closeSessions() // those the loop did not: it never ran, or a poll outlived it
		m.knownHosts.remove()
	})
}

// run is the poll loop. When ctx ends it logs out of every switch.
func (m *Monitor) run(ctx context.Context) {
	defer m.loop.Done()
	defer func() {
		m.waitPolls(m.timeout + time.Second)
		m.closeSessions()
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-m.pollNow:
		}
		start := m.now()
		m.pollRound(ctx)
		if ctx.Err() != nil {
			return
		}
		timer.Reset(max(m.interval-m.now().Sub(start), 0))
	}
}

// pollResult is one switch's poll, handed back to the round.
type pollResult struct {
	i int
	p *switchPoll
}

// pollRound polls every switch concurrently and publishes the new Health. It waits for a
// switch at most roundBudget (scrapligo bounds each command and the login by the timeout;
// this also bounds what it cannot, such as an SSH handshake that never ends). A switch
// still busy with an earlier round is reported as not answering.
func (m *Monitor) pollRound(ctx context.Context) {
	started := m.now()
	results := make(chan pollResult, len(m.sessions))
	polls := make([]*switchPoll, len(m.sessions))
	pending := 0
	for i, s := range m.sessions {
		if !s.acquire() {
			polls[i] = &switchPoll{at: m.now(), err: &switchError{sw: s.spec.Name,
				msg: "no answer: the previous poll is still waiting on the switch"}}
			continue
		}
		pending++
		m.polls.Add(1)
		go func() {
			defer m.polls.Done()
			p := s.poll(ctx, m.now)
			if ctx.Err() != nil {
				s.closeDriver(false) // the monitor is stopping: do not leave the session open
			}
			s.release()
			results <- pollResult{i, p}
		}()
	}
	deadline := time.NewTimer(m.roundBudget())
	defer deadline.Stop()
wait:
	for pending > 0 {
		select {
		case r := <-results:
			polls[r.i] = r.p
			pending--
		case <-deadline.C:
			break wait
		case <-ctx.Done():
			return
		}
	}
	at := m.now()
	for i, p := range polls {
		if p == nil {
			polls[i] = &switchPoll{at: at, err: &switchError{sw: m.specs[i].Name,
				msg: "no answer within " + m.roundBudget().String() + "; still waiting on the switch"}}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	prev := m.lastGood()
	m.last = round{specs: m.specs, interval: m.interval, started: started, at: at, polls: polls, prev: prev,
		watched: m.watched}
	m.rounds++
	m.health.Set(compute(m.last))
}

// roundBudget is how long a round waits for a switch's poll.
func (m *Monitor) roundBudget() time.Duration { return 2*m.timeout + pingAllowance }

// lastGood is, for each switch, its last successful poll before the round being
// computed. Callers hold mu.
func (m *Monitor) lastGood() []*switchPoll {
	out := make([]*switchPoll, len(m.specs))
	for i := range m.specs {
		if i < len(m.last.polls) && m.last.polls[i] != nil && m.last.polls[i].err == nil {
			out[i] = m.last.polls[i]
		} else if i < len(m.last.prev) {
			out[i] = m.last.prev[i]
		}
	}
	return out
}

// waitPolls waits for running polls, at most d.
func (m *Monitor) waitPolls(d time.Duration) {
	done := make(chan struct{})
	go func() {
		m.polls.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// closeSessions logs out of every switch not still busy with a poll, all at once, and
// keeps the sessions so that no poll uses them again.
func (m *Monitor) closeSessions() {
	var wg sync.WaitGroup
	for _, s := range m.sessions {
		if !s.acquire() {
			continue // a poll that hangs still holds it; it closes its driver when it ends
		}
		wg.Go(func() {
			s.closeDriver(true)
		})
	}
	wg.Wait()
}
