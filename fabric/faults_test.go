package fabric

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scrapli/scrapligo/transport"

	"github.com/vmcross/vmcross/fabric/sim"
)

// Honest under faults: a switch that accepts TCP and never speaks SSH, or stops answering in
// the middle of a session, costs only itself. These tests never assert how fast something
// happens beyond generous bounds; they assert what comes first.

// silentListener accepts TCP connections on 127.0.0.1 and never writes a byte: a switch
// whose SSH daemon hangs, or a port forwarded to nothing that answers.
type silentListener struct {
	ln       net.Listener
	accepted chan struct{} // one value per accepted connection

	mu    sync.Mutex
	conns []net.Conn
}

func startSilent(t testing.TB) *silentListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	s := &silentListener{ln: ln, accepted: make(chan struct{}, 100)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			select {
			case s.accepted <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.conns {
			_ = c.Close()
		}
	})
	return s
}

func (s *silentListener) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

const silentName = "mia-silent-01"

// silentSpec is a fifth switch, at Miami, that listens and never speaks.
func (s *silentListener) spec(tr string) SwitchSpec {
	return SwitchSpec{Name: silentName, Site: "site-a", Role: RoleDistribution, Platform: IOSXE, Transport: tr,
		Host: "127.0.0.1", Port: s.port(), Username: "admin", Password: "secret", InsecureHostKey: true}
}

// othersReachable reports whether every switch but the named one is reachable.
func othersReachable(h Health, but string) bool {
	n := 0
	for _, s := range h.Switches {
		if s.Name != but {
			if !s.Reachable {
				return false
			}
			n++
		}
	}
	return n > 0
}

// checkAged fails the test for a switch the console could not give an age.
func checkAged(t *testing.T, h Health, when string) {
	t.Helper()
	for _, s := range h.Switches {
		if s.Since.IsZero() {
			t.Errorf("%s: %s has no Since: %+v", when, s.Name, s)
		}
		if !s.Reachable && s.Err == "" && !s.Pending {
			t.Errorf("%s: %s neither reachable, failed nor pending: %+v", when, s.Name, s)
		}
	}
}

// A switch that accepts TCP and never speaks SSH: the others are published as soon as they
// answer, before the silent one's connect timeout fires; the silent one is shown pending,
// then not answering, always with an age; Close does not wait for it.
func TestMonitorSilentSwitch(t *testing.T) {
	for _, tr := range []string{transport.StandardTransport, transport.SystemTransport} {
		t.Run(tr, func(t *testing.T) {
			f := startSim(t, sim.Options{})
			silent := startSilent(t)
			const connectTimeout = 3 * time.Second
			specs := append(specsFor(f, tr), silent.spec(tr))
			m := NewMonitor(specs, WithInterval(testInterval), WithTimeout(10*time.Second),
				WithConnectTimeout(connectTimeout), WithBackoff(50*time.Millisecond, 500*time.Millisecond))
			m.Watch(watchedAll)
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(func() {
				cancel()
				m.Close()
			})
			t0 := time.Now()
			m.Start(ctx)
			sub := m.Subscribe(ctx)

			// The first Health already gives every switch an age, and says a round runs.
			h := <-sub
			if !h.Polling || h.PollStarted.IsZero() || !h.PolledAt.IsZero() {
				t.Errorf("first Health: polling %v since %v, polled at %v", h.Polling, h.PollStarted, h.PolledAt)
			}
			checkAged(t, h, "first Health")

			// The four simulated switches are published while the silent one is still pending:
			// its connect timeout has not fired.
			for h = range sub {
				checkAged(t, h, "while polling")
				if s := switchOf(h, silentName); !s.Pending {
					t.Fatalf("the silent switch was settled before the others answered: %+v\nothers: %+v", s, h.Switches)
				}
				if othersReachable(h, silentName) {
					break
				}
			}
			s := switchOf(h, silentName)
			if !h.Polling || !h.PolledAt.IsZero() || s.Reachable || s.Err != "" || s.Since.IsZero() {
				t.Errorf("the others answered: health polling %v polled at %v; silent switch %+v", h.Polling, h.PolledAt, s)
			}
			if !hasFinding(h, CodeFabricStale, "fabric") || !strings.Contains(findingsOf(h, CodeFabricStale)[0].Message, silentName) {
				t.Errorf("findings while waiting on the silent switch:%s", codes(h))
			}
			t.Logf("4 switches reachable %s after Start; %s pending since %s", time.Since(t0).Round(time.Millisecond),
				silentName, s.Since.Format(time.StampMilli))

			// Then the silent one times out, and the round ends.
			for h = range sub {
				checkAged(t, h, "after the answers")
				if !h.Polling {
					break
				}
			}
			took := time.Since(t0)
			s = switchOf(h, silentName)
			t.Logf("round ended after %s; %s: %s", took.Round(time.Millisecond), silentName, s.Err)
			if s.Reachable || s.Pending || !strings.HasPrefix(s.Err, silentName+": ") || !s.Since.Equal(h.PollStarted) ||
				!s.LastPoll.IsZero() {
				t.Errorf("silent switch %+v (round started %v)", s, h.PollStarted)
			}
			if tr == transport.StandardTransport && !strings.Contains(s.Err, "accepted the connection but gave no SSH answer within 3s") {
				t.Errorf("error %q", s.Err)
			}
			if took < connectTimeout || h.PolledAt.IsZero() || !othersReachable(h, silentName) ||
				!hasFinding(h, CodeSwitchUnreachable, silentName) {
				t.Errorf("after %s: polled at %v%s", took, h.PolledAt, codes(h))
			}

			// Close while a new attempt at the silent switch is stalled: it does not wait for it.
			for len(silent.accepted) > 0 {
				<-silent.accepted
			}
			m.PollNow()
			select {
			case <-silent.accepted:
			case <-time.After(10 * time.Second):
				t.Fatal("no new connection to the silent switch")
			}
			time.Sleep(100 * time.Millisecond) // well into the handshake
			t1 := time.Now()
			m.Close()
			d := time.Since(t1)
			t.Logf("Close with a stalled handshake took %s", d.Round(time.Millisecond))
			if d > 2*time.Second {
				t.Errorf("Close took %s with a switch stalled", d)
			}
		})
	}
}

// A switch that stops answering in the middle of a session (the simulator's unresponsive
// fault): the others answer in the same round, the hung one is shown not answering with an
// age, and Close cuts its poll short instead of waiting out the command's timeout.
func TestMonitorCloseWhileHungMidSession(t *testing.T) {
	for _, tr := range []string{transport.StandardTransport, transport.SystemTransport} {
		t.Run(tr, func(t *testing.T) {
			f := startSim(t, sim.Options{})
			// A long timeout: Close must not be quick because the command timed out.
			m := startMonitor(t, specsFor(f, tr), WithTimeout(20*time.Second))
			within(t, m, 3, "healthy", healthy)
			before := switchOf(m.Health(), atlDist).Since

			must(t, f.SetUnresponsive(atlDist, true))
			sub := m.Subscribe(context.Background())
			m.PollNow()
			var h Health
			for h = range sub {
				if h.Polling && h.PollStarted.After(before) && othersReachable(h, atlDist) &&
					switchOf(h, miaEdge).LastPoll.After(h.PollStarted) {
					break
				}
			}
			// The hung switch shows its last round's state while its poll waits: answering,
			// with its age.
			if s := switchOf(h, atlDist); !s.Reachable || s.Since.IsZero() {
				t.Errorf("hung switch while its poll waits: %+v", s)
			}
			time.Sleep(200 * time.Millisecond) // its poll is waiting on a command
			t1 := time.Now()
			m.Close()
			d := time.Since(t1)
			t.Logf("Close with a switch hung mid-session took %s", d.Round(time.Millisecond))
			if d > 2*time.Second {
				t.Errorf("Close took %s with a switch hung mid-session", d)
			}
		})
	}
}

// Since follows a switch's answers: when polling started while it never answered, then
// when it started answering, then when it stopped.
func TestSwitchSince(t *testing.T) {
	specs := []SwitchSpec{{Name: "a", Role: RoleDCIEdge, Platform: NXOS, Host: "127.0.0.1"}}
	m := NewMonitor(specs)
	defer m.Close()
	if s := m.Health().Switches[0]; !s.Since.IsZero() || s.Pending {
		t.Errorf("before Start: %+v", s)
	}
	t0 := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	m.mu.Lock()
	m.last.pollingSince, m.last.started, m.last.polling = t0, t0, true // as Start does
	m.health.Set(compute(m.last))
	m.mu.Unlock()
	fail := func(start int) *switchPoll {
		return &switchPoll{started: at(start), at: at(start + 1), err: &switchError{sw: "a", msg: "no answer"}}
	}
	ok := func(start int) *switchPoll { return &switchPoll{started: at(start), at: at(start + 1)} }
	steps := []struct {
		p       *switchPoll
		since   time.Time
		reached bool
	}{
		{nil, t0, false},          // pending: since polling started
		{fail(1), t0, false},      // never answered: still since polling started
		{fail(5), t0, false},      // still not
		{ok(10), at(11), true},    // answering since its answer
		{ok(15), at(11), true},    // still
		{fail(20), at(20), false}, // not answering since the attempt that failed began
		{fail(25), at(20), false}, // still not
		{ok(30), at(31), true},    // back
		{fail(35), at(35), false}, // and gone again
		{fail(40), at(35), false}, // still gone
		{ok(45), at(46), true},    // back
	}
	for i, st := range steps {
		if st.p != nil {
			m.record(0, st.p)
		}
		s := m.Health().Switches[0]
		if !s.Since.Equal(st.since) || s.Reachable != st.reached || s.Pending != (st.p == nil) {
			t.Errorf("step %d: %+v, want since %v reachable %v", i, s, st.since, st.reached)
		}
	}
	if s := m.Health().Switches[0]; !s.LastPoll.Equal(at(46)) {
		t.Errorf("last poll %v", s.LastPoll)
	}
}
