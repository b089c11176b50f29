package fabric

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/vmcross/vmcross/internal/latest"
)

// DefaultTimeout bounds each command on a switch, and logging in, when WithTimeout does
// not say otherwise.
const DefaultTimeout = 10 * time.Second

// DefaultConnectTimeout bounds opening a session on a switch (the TCP connection, the SSH
// handshake and login, the shell) when WithConnectTimeout does not say otherwise, and never
// more than the timeout. A switch on the LAN that has not answered SSH within it is not
// going to.
const DefaultConnectTimeout = 5 * time.Second

// Default reconnection backoff: a switch that fails twice in a row is retried after
// DefaultBackoffMin, then twice as long each time, up to DefaultBackoffMax.
const (
	DefaultBackoffMin = 2 * time.Second
	DefaultBackoffMax = time.Minute
)

// Monitor polls the DCI switches over SSH (scrapligo) and keeps the fabric's Health: one
// session per switch, kept open between polls, every switch polled concurrently each
// round. Each switch's result is published as soon as it comes, so a switch that does not
// answer delays only itself. Its methods are safe for concurrent use.
type Monitor struct {
	specs          []SwitchSpec
	interval       time.Duration
	timeout        time.Duration
	connectTimeout time.Duration // 0: DefaultConnectTimeout, at most timeout
	backoffMin     time.Duration
	backoffMax     time.Duration
	now            func() time.Time

	sessions   []*session
	knownHosts *knownHosts
	pollNow    chan struct{}
	startOnce  sync.Once
	closeOnce  sync.Once
	loop       sync.WaitGroup // the poll loop
	polls      sync.WaitGroup // poll goroutines, which may outlive a round that gave up on them

	stopOnce sync.Once
	stopBy   time.Time // when stopping gives up on polls cut short; set by stopDeadline

	mu      sync.Mutex
	closed  bool
	cancel  context.CancelFunc
	last    round                 // input of the latest Health
	health  *latest.Value[Health] // set under mu, so that it always agrees with last
	rounds  uint64                // completed poll rounds
	watched []int
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

// WithTimeout bounds each command on a switch and logging in (default DefaultTimeout; a
// ping gets 2 s more per echo). A switch that does not answer within it is reported
// unreachable, and its session is closed and reopened at the next round.
func WithTimeout(d time.Duration) MonitorOption {
	return func(m *Monitor) {
		if d > 0 {
			m.timeout = d
		}
	}
}

// WithConnectTimeout bounds opening a session: the TCP connection, the SSH handshake and
// login, the shell (default DefaultConnectTimeout, and never more than the timeout). A
// switch that accepts TCP and never speaks SSH is reported as not answering after it.
func WithConnectTimeout(d time.Duration) MonitorOption {
	return func(m *Monitor) {
		if d > 0 {
			m.connectTimeout = d
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
	if m.connectTimeout == 0 {
		m.connectTimeout = DefaultConnectTimeout
	}
	m.connectTimeout = min(m.connectTimeout, m.timeout)
	for _, spec := range m.specs {
		m.sessions = append(m.sessions, &session{spec: spec, timeout: m.timeout, connectTimeout: m.connectTimeout,
			backoffMin: m.backoffMin, backoffMax: m.backoffMax, knownHosts: m.knownHosts})
	}
	n := len(m.specs)
	m.last = round{specs: m.specs, interval: m.interval, polls: make([]*switchPoll, n),
		prev: make([]*switchPoll, n), since: make([]time.Time, n)}
	m.health = latest.New(compute(m.last))
	return m
}

// Start polls every switch at once, then again every interval, until ctx ends or Close.
// It returns at once; calls after the first, or after Close, do nothing. With no switches
// configured it polls nothing. From Start on, the Health says a round is running
// (Health.Polling) and each switch not yet heard from is Pending, with Since set.
func (m *Monitor) Start(ctx context.Context) {
	m.startOnce.Do(func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.closed || len(m.specs) == 0 {
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		m.cancel = cancel
		// The first round starts now: say so before its goroutine runs, so that no Health
		// read after Start lacks the time the switches' ages count from.
		t := m.now()
		m.last.pollingSince, m.last.started, m.last.polling = t, t, true
		m.health.Set(compute(m.last))
		m.loop.Add(1)
		go m.run(ctx, t)
	})
}

// Health returns the latest Health. It is immutable: callers must not change its slices.
func (m *Monitor) Health() Health {
	return m.health.Get()
}

// Subscribe returns a channel that first carries the current Health and then each newer
// one: when a poll round starts, as each switch's result comes, when the round ends, and
// after every Watch that changes the VLANs. A slow reader misses intermediate values (it
// always gets the latest) and never blocks the monitor. The channel is closed when ctx ends
// or the monitor is closed.
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
// monitor's temporary files. It is safe to call more than once. A poll in progress is cut
// short: its connection is closed (a switch that hangs, or never answered SSH, does not
// hold Close up).
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
		m.waitPolls(m.stopDeadline())
		m.closeSessions() // those the loop did not: it never ran, or a poll outlived it
		m.knownHosts.remove()
	})
}

// closeWait is how long stopping waits for polls that were cut short to end. Closing their
// connection ends them at once with the standard transport, and the system transport's
// ssh is killed; but while that ssh logs in, it is out of reach (scrapligo holds it) and
// is abandoned: it ends within the connect timeout, or the timeout.
const closeWait = 500 * time.Millisecond

// stopDeadline is when stopping gives up on polls: closeWait after the first call.
func (m *Monitor) stopDeadline() time.Time {
	m.stopOnce.Do(func() { m.stopBy = time.Now().Add(closeWait) })
	return m.stopBy
}

// run is the poll loop; the first round started at first. When ctx ends it logs out of
// every switch.
func (m *Monitor) run(ctx context.Context, first time.Time) {
	defer m.loop.Done()
	defer func() {
		m.waitPolls(m.stopDeadline())
		m.closeSessions()
	}()
	timer := time.NewTimer(m.interval)
	timer.Stop()
	defer timer.Stop()
	start := first
	for {
		if start.IsZero() {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			case <-m.pollNow:
			}
			start = m.now()
		}
		m.pollRound(ctx, start)
		if ctx.Err() != nil {
			return
		}
		timer.Reset(max(m.interval-m.now().Sub(start), 0))
		start = time.Time{}
	}
}

// pollResult is one switch's poll, handed back to the round.
type pollResult struct {
	i int
	p *switchPoll
}

// pollRound polls every switch concurrently. It publishes the Health when it starts
// (Health.Polling), as each switch's result comes, and when it ends (Health.PolledAt).
// Opening a session and each command are bounded (see WithTimeout, WithConnectTimeout);
// the round still waits for a switch at most roundBudget, should something else hang. A
// switch still busy with an earlier round is reported as not answering. started is when
// the round started (zero: now).
func (m *Monitor) pollRound(ctx context.Context, started time.Time) {
	if started.IsZero() {
		started = m.now()
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	if m.last.pollingSince.IsZero() {
		m.last.pollingSince = started
	}
	m.last.started, m.last.polling = started, true
	m.health.Set(compute(m.last))
	m.mu.Unlock()

	results := make(chan pollResult, len(m.sessions))
	pending := make([]bool, len(m.sessions))
	waiting := 0
	for i, s := range m.sessions {
		if !s.acquire() {
			m.record(i, &switchPoll{started: started, at: m.now(), err: &switchError{sw: s.spec.Name,
				msg: "no answer: the previous poll is still waiting on the switch"}})
			continue
		}
		pending[i] = true
		waiting++
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
	for waiting > 0 {
		select {
		case r := <-results:
			pending[r.i] = false
			waiting--
			m.record(r.i, r.p)
		case <-deadline.C:
			break wait
		case <-ctx.Done():
			return
		}
	}
	at := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	for i, still := range pending {
		if still {
			m.recordLocked(i, &switchPoll{started: started, at: at, err: &switchError{sw: m.specs[i].Name,
				msg: "no answer within " + m.roundBudget().String() + "; still waiting on the switch"}})
		}
	}
	m.last.at, m.last.polling = at, false
	m.rounds++
	m.health.Set(compute(m.last))
}

// record publishes one switch's poll.
func (m *Monitor) record(i int, p *switchPoll) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	m.recordLocked(i, p)
	m.health.Set(compute(m.last))
}

// recordLocked makes p the switch's latest poll: the one before it becomes its last good
// poll if it succeeded, and Since moves when the switch starts or stops answering. Callers
// hold mu.
func (m *Monitor) recordLocked(i int, p *switchPoll) {
	r := &m.last
	old := r.polls[i]
	wasOK := old != nil && old.err == nil
	if wasOK {
		r.prev[i] = old
	}
	r.polls[i] = p
	switch ok := p.err == nil; {
	case ok && !wasOK:
		r.since[i] = p.at // answering since now
	case !ok && (wasOK || old == nil):
		// Not answering since this attempt began; since polling began if it never answered.
		r.since[i] = p.started
		if r.prev[i] == nil && !r.pollingSince.IsZero() {
			r.since[i] = r.pollingSince
		}
	}
}

// roundBudget is how long a round waits for a switch's poll. Opening the session and each
// command are bounded on their own; this bounds whatever else might hang.
func (m *Monitor) roundBudget() time.Duration { return m.connectTimeout + 2*m.timeout + pingAllowance }

// waitPolls waits for running polls, at most until deadline.
func (m *Monitor) waitPolls(deadline time.Time) {
	done := make(chan struct{})
	go func() {
		m.polls.Wait()
		close(done)
	}()
	t := time.NewTimer(time.Until(deadline))
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
