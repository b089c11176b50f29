package fabric

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scrapli/scrapligo/driver/options"
	"github.com/scrapli/scrapligo/platform"
	"github.com/scrapli/scrapligo/transport"
	gossh "golang.org/x/crypto/ssh"

	"github.com/vmcross/vmcross/fabric/sim"
)

// These tests run the monitor against the simulated switches over real SSH, through
// scrapligo, as in production.

// testInterval is long: test monitors poll once at Start and then only on PollNow, so
// that a one-shot fault (a dropped session) is never consumed by a round the test did
// not ask for. TestMonitorPollsOnInterval covers the interval. Tests never assert
// timings, only "within N rounds", with generous deadlines.
const testInterval = time.Hour

func startMonitor(t *testing.T, specs []SwitchSpec, opts ...MonitorOption) *Monitor {
	t.Helper()
	opts = append([]MonitorOption{WithInterval(testInterval), WithTimeout(5 * time.Second),
		WithBackoff(50*time.Millisecond, 500*time.Millisecond)}, opts...)
	m := NewMonitor(specs, opts...)
	m.Watch(watchedAll)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		m.Close()
	})
	m.Start(ctx)
	return m
}

// roundAfter asks for a round and returns the Health at the end of the first poll round
// that started after t0: a change made before t0 must show in it.
func roundAfter(t *testing.T, m *Monitor, t0 time.Time) Health {
	t.Helper()
	m.PollNow()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		m.mu.Lock()
		started, polling, h := m.last.started, m.last.polling, m.health.Get()
		m.mu.Unlock()
		if started.After(t0) && !polling {
			waitIdle(m)
			return h
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("no poll round started after %s and ended within 30s", t0.Format(time.StampMicro))
	return Health{}
}

// inRound reports whether t is within h's latest poll round: when a switch's attempt in it
// began, say.
func inRound(h Health, t time.Time) bool {
	return !t.Before(h.PollStarted) && !t.After(h.PolledAt)
}

// waitIdle waits until no round is pending or running, so that a test's next change is
// not read by a round it did not ask for.
func waitIdle(m *Monitor) {
	quiet := 0
	for deadline := time.Now().Add(20 * time.Second); quiet < 3 && time.Now().Before(deadline); {
		busy := len(m.pollNow) > 0
		for _, s := range m.sessions {
			busy = busy || s.busy.Load()
		}
		if busy {
			quiet = 0
		} else {
			quiet++
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// within waits up to n rounds started after now for ok to hold, and returns that Health
// and how many rounds it took.
func within(t *testing.T, m *Monitor, n int, what string, ok func(Health) bool) (Health, int) {
	t.Helper()
	t0 := time.Now()
	var h Health
	for i := 1; i <= n; i++ {
		h = roundAfter(t, m, t0)
		if ok(h) {
			return h, i
		}
		m.mu.Lock()
		t0 = m.last.started
		m.mu.Unlock()
	}
	t.Fatalf("%s: not within %d poll rounds; last health:%s\nswitches: %+v", what, n, codes(h), h.Switches)
	return h, 0
}

// healthy is the lab's normal state: every plan VLAN carried, only VLAN 300 reported.
func healthy(h Health) bool {
	if !allCarried(h) || len(h.Findings) != 1 || !hasFinding(h, CodeVLANNotExtended, "vlan 300") {
		return false
	}
	for _, s := range h.Switches {
		if !s.Reachable {
			return false
		}
	}
	return true
}

func checkHealthy(t *testing.T, h Health) {
	t.Helper()
	if !healthy(h) {
		t.Fatalf("not healthy:%s\nswitches %+v\nVLANs %+v", codes(h), h.Switches, h.VLANs)
	}
	for _, s := range h.Switches {
		if s.Version == "" || s.Err != "" || s.LastPoll.IsZero() {
			t.Errorf("switch %+v", s)
		}
	}
	for _, tr := range h.Trunks {
		if !tr.Up || tr.MembersUp() != 2 || len(tr.Members) != 2 || tr.MTU != 9216 {
			t.Errorf("trunk %+v", tr)
		}
	}
	if len(h.RTTs) != 2 {
		t.Fatalf("RTTs %+v", h.RTTs)
	}
	for _, r := range h.RTTs {
		if !r.OK || r.Avg < time.Millisecond || r.Avg > 5*time.Millisecond {
			t.Errorf("RTT %+v, want about 2 ms", r)
		}
	}
	if v, _ := h.VLAN(300); v.Carried || !strings.Contains(v.Reasons[0], "not allowed on") {
		t.Errorf("VLAN 300 %+v", v)
	}
}

func TestMonitorHealthyAndFaults(t *testing.T) {
	f := startSim(t, sim.Options{})
	m := startMonitor(t, specsFor(f, transport.StandardTransport))
	h, _ := within(t, m, 3, "first poll", func(h Health) bool { return !h.PolledAt.IsZero() })
	checkHealthy(t, h)
	if !h.Configured || h.Interval != testInterval || h.Stale(time.Now()) {
		t.Errorf("health %+v", h)
	}

	scrapliConfig := func(lines ...string) func(t *testing.T) {
		return func(t *testing.T) {
			e, err := f.Switch(miaEdge)
			must(t, err)
			p, err := platform.NewPlatform(string(e.Platform), e.Host, options.WithPort(e.Port),
				options.WithAuthNoStrictKey(), options.WithAuthUsername(e.Username), options.WithAuthPassword(e.Password),
				options.WithTransportType(transport.StandardTransport), options.WithTimeoutOps(5*time.Second))
			must(t, err)
			d, err := p.GetNetworkDriver()
			must(t, err)
			must(t, d.Open())
			defer d.Close()
			r, err := d.SendConfigs(append([]string{"interface port-channel10"}, lines...))
			must(t, err)
			if r.Failed != nil {
				t.Fatal(r.Failed)
			}
		}
	}
	faults := []struct {
		name  string
		apply func(t *testing.T)
		undo  func(t *testing.T)
		check func(h Health) bool
		// settle is how many rounds recovery may take: error counters need one more
		// round to stop rising.
		settle int
	}{
		{
			name: "VLAN 120 removed from the DCI trunk by CLI",
			apply: func(t *testing.T) {
				exec(t, f, miaEdge, "conf t", "int po10", "switchport trunk allowed vlan remove 120", "end")
			},
			undo: func(t *testing.T) {
				exec(t, f, miaEdge, "conf t", "int po10", "switchport trunk allowed vlan add 120", "end")
			},
			check: func(h Health) bool {
				v, _ := h.VLAN(120)
				return !v.Carried && v.Reasons[0] == "not allowed on mia-dci-n7k-01 port-channel10" &&
					hasFinding(h, CodeVLANNotExtended, "vlan 120") && allCarriedBut(h, 120)
			},
		},
		{
			name:  "VLAN 120 removed from the DCI trunk over a scrapligo config session",
			apply: scrapliConfig("switchport trunk allowed vlan remove 120"),
			undo:  scrapliConfig("switchport trunk allowed vlan add 120"),
			check: func(h Health) bool {
				return hasReason(h, 120, "not allowed on mia-dci-n7k-01 port-channel10") && allCarriedBut(h, 120)
			},
		},
		{
			name:  "a member's fibre cut",
			apply: func(t *testing.T) { must(t, f.SetLinkDown(atlEdge, "Ethernet3/2", true)) },
			undo:  func(t *testing.T) { must(t, f.SetLinkDown(atlEdge, "Ethernet3/2", false)) },
			check: func(h Health) bool {
				tr, _ := trunkOf(h, atlEdge)
				return tr.Up && tr.MembersUp() == 1 && hasFinding(h, CodeMemberDown, "atl-dci-n7k-01 Ethernet3/2") &&
					hasFinding(h, CodeMemberDown, "mia-dci-n7k-01 Ethernet3/2") && allCarried(h)
			},
		},
		{
			name: "a member shut",
			apply: func(t *testing.T) {
				exec(t, f, miaEdge, "conf t", "interface Ethernet3/1", "shutdown", "end")
			},
			undo: func(t *testing.T) {
				exec(t, f, miaEdge, "conf t", "interface Ethernet3/1", "no shutdown", "end")
			},
			check: func(h Health) bool {
				tr, _ := trunkOf(h, miaEdge)
				return tr.Up && tr.MembersUp() == 1 && !tr.Members[0].Up && hasFinding(h, CodeMemberDown, "mia-dci-n7k-01 Ethernet3/1")
			},
		},
		{
			name:  "OTV adjacency down",
			apply: func(*testing.T) { f.SetOTVAdjacency(false) },
			undo:  func(*testing.T) { f.SetOTVAdjacency(true) },
			check: func(h Health) bool {
				return len(findingsOf(h, CodeOTVAdjacencyDown)) == 2 && hasReason(h, 100, "OTV adjacency down on")
			},
		},
		{
			name:  "CRC errors rising",
			apply: func(t *testing.T) { must(t, f.SetCRCErrorRate(miaEdge, "Ethernet3/2", 5000)) },
			undo:  func(t *testing.T) { must(t, f.SetCRCErrorRate(miaEdge, "Ethernet3/2", 0)) },
			check: func(h Health) bool {
				tr, _ := trunkOf(h, miaEdge)
				return tr.Members[1].Rising && tr.Members[1].CRC > 0 && hasFinding(h, CodeCRCRising, "mia-dci-n7k-01 Ethernet3/2")
			},
			settle: 3,
		},
		{
			name:  "latency 20 ms",
			apply: func(*testing.T) { f.SetLatency(20 * time.Millisecond) },
			undo:  func(*testing.T) { f.SetLatency(2 * time.Millisecond) },
			check: func(h Health) bool {
				r, _ := rttOf(h, miaEdge)
				return len(findingsOf(h, CodeRTTHigh)) == 2 && r.Avg > 15*time.Millisecond && !hasFinding(h, CodeRTTOverLimit, "")
			},
		},
		{
			name:  "latency 200 ms",
			apply: func(*testing.T) { f.SetLatency(200 * time.Millisecond) },
			undo:  func(*testing.T) { f.SetLatency(2 * time.Millisecond) },
			check: func(h Health) bool {
				return len(findingsOf(h, CodeRTTOverLimit)) == 2 && !hasFinding(h, CodeRTTHigh, "")
			},
		},
		{
			name:  "VLAN 120 deleted on a distribution switch",
			apply: func(t *testing.T) { exec(t, f, atlDist, "conf t", "no vlan 120", "end") },
			undo:  func(t *testing.T) { exec(t, f, atlDist, "conf t", "vlan 120", "name App", "end") },
			check: func(h Health) bool {
				v, _ := h.VLAN(120)
				return !v.Carried && v.Reasons[0] == "not in the VLAN database of atl-dist-c6k-01" && allCarriedBut(h, 120)
			},
		},
	}
	for _, c := range faults {
		t.Run(c.name, func(t *testing.T) {
			c.apply(t)
			t0 := time.Now()
			// The first round that starts after the change shows it.
			h := roundAfter(t, m, t0)
			if !c.check(h) {
				t.Fatalf("the first round after the change does not show it:%s\nVLANs %+v\ntrunks %+v", codes(h), h.VLANs, h.Trunks)
			}
			t.Logf("visible %s after the change (PollNow)", time.Since(t0).Round(time.Millisecond))
			c.undo(t)
			within(t, m, max(c.settle, 1), "recovery", healthy)
		})
	}
}

func TestMonitorDropMidOutput(t *testing.T) {
	f := startSim(t, sim.Options{})
	m := startMonitor(t, specsFor(f, transport.StandardTransport))
	within(t, m, 3, "healthy", healthy)

	must(t, f.SetDropMidOutput(miaDist, true))
	t0 := time.Now()
	h := roundAfter(t, m, t0)
	s := switchOf(h, miaDist)
	if s.Reachable || !strings.HasPrefix(s.Err, "mia-dist-c6k-01: connection lost during") {
		t.Fatalf("switch %+v", s)
	}
	// Not answering since the round that lost it began; it last answered before.
	if !inRound(h, s.Since) || !s.LastPoll.Before(t0) {
		t.Errorf("since %v, last poll %v, round started %v", s.Since, s.LastPoll, h.PollStarted)
	}
	for _, o := range h.Switches {
		if o.Name != miaDist && !o.Reachable {
			t.Errorf("%s affected: %+v", o.Name, o)
		}
	}
	if v, _ := h.VLAN(120); v.Carried || !v.Unknown || !hasFinding(h, CodeSwitchUnreachable, miaDist) ||
		!hasFinding(h, CodeVLANUnverified, "vlan 120") {
		t.Errorf("VLAN 120 %+v%s", v, codes(h))
	}
	t.Logf("error: %s", s.Err)
	// Reconnected at the next round.
	h = roundAfter(t, m, time.Now())
	checkHealthy(t, h)
}

func TestMonitorUnresponsiveSwitch(t *testing.T) {
	f := startSim(t, sim.Options{})
	const timeout = time.Second
	m := startMonitor(t, specsFor(f, transport.StandardTransport), WithTimeout(timeout))
	within(t, m, 3, "healthy", healthy)

	must(t, f.SetUnresponsive(atlEdge, true))
	t0 := time.Now()
	h := roundAfter(t, m, t0)
	took := time.Since(t0)
	s := switchOf(h, atlEdge)
	if s.Reachable || !strings.Contains(s.Err, "no answer") || !inRound(h, s.Since) || s.LastPoll.IsZero() {
		t.Fatalf("switch %+v (round started %v)", s, h.PollStarted)
	}
	since := s.Since
	t.Logf("round with a hung switch ended after %s: %s", took.Round(time.Millisecond), s.Err)
	if took > 10*timeout {
		t.Errorf("the round waited %s on a hung switch (timeout %s)", took, timeout)
	}
	for _, o := range h.Switches {
		if o.Name != atlEdge && !o.Reachable {
			t.Errorf("%s affected: %+v", o.Name, o)
		}
	}
	// Still hung: the reconnection (login, then no prompt) fails within the timeout too.
	// It has not been answering since the first failed round.
	h = roundAfter(t, m, time.Now())
	if s := switchOf(h, atlEdge); s.Reachable || !s.Since.Equal(since) {
		t.Errorf("hung switch: %+v, want not answering since %v", s, since)
	}
	must(t, f.SetUnresponsive(atlEdge, false))
	within(t, m, 10, "recovery", healthy)

	// Close does not hang on a hung switch either.
	must(t, f.SetUnresponsive(miaDist, true))
	roundAfter(t, m, time.Now())
	t0 = time.Now()
	m.Close()
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("Close took %s", d)
	}
}

// A ping takes as long as its echoes (on a real switch, 2 s per lost one): it gets more
// than the operation timeout, so a slow DCI is reported as such, not as a hung switch.
func TestMonitorSlowPingIsNotAHungSwitch(t *testing.T) {
	f := startSim(t, sim.Options{})
	m := startMonitor(t, specsFor(f, transport.StandardTransport), WithTimeout(time.Second))
	within(t, m, 3, "healthy", healthy)
	f.SetLatency(900 * time.Millisecond) // 3 echoes: 2.7 s, beyond the 1 s timeout
	h := roundAfter(t, m, time.Now())
	for _, s := range h.Switches {
		if !s.Reachable {
			t.Errorf("%s unreachable: %s", s.Name, s.Err)
		}
	}
	if len(findingsOf(h, CodeRTTOverLimit)) != 2 {
		t.Errorf("findings:%s", codes(h))
	}
}

func TestMonitorLoginErrors(t *testing.T) {
	f := startSim(t, sim.Options{})
	otherKey := func() string {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		must(t, err)
		k, err := gossh.NewPublicKey(pub)
		must(t, err)
		return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k)))
	}()
	cases := []struct {
		name      string
		transport string
		edit      func(s *SwitchSpec)
		want      string // in the switch's error; "" for reachable
	}{
		{"wrong password", transport.StandardTransport, func(s *SwitchSpec) { s.Password = "wrong" },
			`mia-dist-c6k-01: login refused for user "admin": check the username and password`},
		{"wrong password, system ssh", transport.SystemTransport, func(s *SwitchSpec) { s.Password = "wrong" },
			`mia-dist-c6k-01: login refused for user "admin": check the username and password`},
		{"another host key pinned", transport.StandardTransport, func(s *SwitchSpec) { s.HostKey = otherKey },
			"does not match the pinned or known one"},
		{"another host key pinned, system ssh", transport.SystemTransport, func(s *SwitchSpec) { s.HostKey = otherKey },
			"does not match the pinned or known one"},
		{"known_hosts file", transport.StandardTransport, func(s *SwitchSpec) {
			s.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
			line := "[127.0.0.1]:" + strconv.Itoa(s.Port) + " " + s.HostKey + "\n"
			must(t, os.WriteFile(s.KnownHostsFile, []byte(line), 0o600))
			s.HostKey = ""
		}, ""},
		{"missing known_hosts file", transport.StandardTransport, func(s *SwitchSpec) {
			s.KnownHostsFile, s.HostKey = filepath.Join(t.TempDir(), "nope"), ""
		}, "cannot read known_hosts file"},
		{"insecure", transport.StandardTransport, func(s *SwitchSpec) { s.HostKey, s.InsecureHostKey = "", true }, ""},
		{"nothing listening", transport.StandardTransport, func(s *SwitchSpec) { s.Port = freePort(t) },
			"connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			specs := specsFor(f, c.transport)
			c.edit(&specs[1])
			m := startMonitor(t, specs)
			h := roundAfter(t, m, time.Now())
			s := switchOf(h, miaDist)
			t.Logf("%s: %s", s.Name, s.Err)
			if c.want == "" {
				if !s.Reachable {
					t.Fatalf("unreachable: %s", s.Err)
				}
				return
			}
			if s.Reachable || !strings.Contains(s.Err, c.want) || !strings.HasPrefix(s.Err, "mia-dist-c6k-01: ") {
				t.Fatalf("got %+v, want error with %q", s, c.want)
			}
			if !switchOf(h, miaEdge).Reachable || !hasFinding(h, CodeSwitchUnreachable, miaDist) {
				t.Errorf("findings:%s", codes(h))
			}
		})
	}
}

// freePort returns a port on 127.0.0.1 that nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	must(t, ln.Close())
	return port
}

func TestMonitorSystemTransport(t *testing.T) {
	f := startSim(t, sim.Options{})
	m := startMonitor(t, specsFor(f, transport.SystemTransport))
	h, _ := within(t, m, 3, "healthy", healthy)
	checkHealthy(t, h)

	exec(t, f, miaEdge, "conf t", "int po10", "switchport trunk allowed vlan remove 120", "end")
	h = roundAfter(t, m, time.Now())
	if !hasReason(h, 120, "not allowed on mia-dci-n7k-01 port-channel10") {
		t.Fatalf("VLAN 120 still carried:%s", codes(h))
	}
	exec(t, f, miaEdge, "conf t", "int po10", "switchport trunk allowed vlan add 120", "end")
	within(t, m, 1, "recovery", healthy)

	// A dropped session is reopened at the next round over the system transport too.
	must(t, f.DropConnections(atlDist))
	h = roundAfter(t, m, time.Now())
	if s := switchOf(h, atlDist); s.Reachable {
		t.Errorf("dropped session still reachable: %+v", s)
	}
	within(t, m, 2, "reconnect", healthy)
}

func TestMonitorPollsOnInterval(t *testing.T) {
	f := startSim(t, sim.Options{})
	m := startMonitor(t, specsFor(f, ""), WithInterval(100*time.Millisecond))
	deadline := time.Now().Add(20 * time.Second)
	for {
		m.mu.Lock()
		n := m.rounds
		m.mu.Unlock()
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rounds in 20s at a 100ms interval", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	checkHealthy(t, m.Health())
}

func TestMonitorWatchSubscribeClose(t *testing.T) {
	f := startSim(t, sim.Options{})
	m := NewMonitor(specsFor(f, ""), WithInterval(time.Hour)) // rounds only on PollNow
	if h := m.Health(); !h.Configured || !hasFinding(h, CodeFabricStale, "fabric") {
		t.Fatalf("before Start:%s", codes(h))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := m.Subscribe(ctx)
	if h := <-sub; !h.PolledAt.IsZero() {
		t.Fatalf("first value is not the current Health")
	}
	m.Start(ctx) // the first round runs at once
	var h Health
	for h = range sub {
		if !h.PolledAt.IsZero() {
			break
		}
	}
	if _, ok := h.VLAN(300); ok {
		t.Errorf("VLAN 300 reported while nobody watches it")
	}
	m.mu.Lock()
	rounds := m.rounds
	m.mu.Unlock()

	// Watch recomputes at once, without a poll.
	m.Watch([]int{300, 120, 120})
	h = <-sub
	if v, ok := h.VLAN(300); !ok || v.Carried || !hasFinding(h, CodeVLANNotExtended, "vlan 300") {
		t.Errorf("after Watch:%s", codes(h))
	}
	m.mu.Lock()
	if m.rounds != rounds {
		t.Errorf("Watch polled")
	}
	m.mu.Unlock()
	m.Watch([]int{120, 300}) // the same set: nothing new
	select {
	case <-sub:
		t.Errorf("a Health for an unchanged Watch")
	case <-time.After(50 * time.Millisecond):
	}

	// A slow reader never blocks the monitor and gets the latest.
	for range 3 {
		m.PollNow()
		roundAfter(t, m, time.Now())
	}
	if got := <-sub; got.PolledAt != m.Health().PolledAt {
		t.Errorf("slow reader got an old Health")
	}

	// Subscriptions end with their context, and all of them with Close.
	ctx2, cancel2 := context.WithCancel(context.Background())
	sub2 := m.Subscribe(ctx2)
	<-sub2
	cancel2()
	for range sub2 {
	}
	m.Close()
	for range sub {
	}
	m.Close() // twice is fine
	if _, ok := <-m.Subscribe(context.Background()); ok {
		t.Errorf("subscription after Close")
	}
}

func TestMonitorNotConfigured(t *testing.T) {
	m := NewMonitor(nil)
	m.Start(context.Background())
	m.PollNow()
	if h := m.Health(); h.Configured || len(h.Findings) != 0 || h.Interval != DefaultPollInterval {
		t.Errorf("health %+v", h)
	}
	sub := m.Subscribe(context.Background())
	if h, ok := <-sub; !ok || h.Configured {
		t.Errorf("first value %+v %v", h, ok)
	}
	m.Close()
	if _, ok := <-sub; ok {
		t.Errorf("subscription open after Close")
	}
}

func TestBackoff(t *testing.T) {
	s := &session{backoffMin: time.Second, backoffMax: 5 * time.Second}
	var got []time.Duration
	for s.failures = 1; s.failures <= 6; s.failures++ {
		got = append(got, s.backoff())
	}
	want := []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("backoff %v, want %v", got, want)
		}
	}
}

// TestKnownHostsRemoved checks that the pinned keys' files go with the monitor.
func TestKnownHostsRemoved(t *testing.T) {
	f := startSim(t, sim.Options{})
	m := startMonitor(t, specsFor(f, ""))
	roundAfter(t, m, time.Now())
	m.knownHosts.mu.Lock()
	dir := m.knownHosts.dir
	m.knownHosts.mu.Unlock()
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 4 {
		t.Fatalf("known_hosts dir %s: %v %v", dir, entries, err)
	}
	m.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s left behind: %v", dir, err)
	}
}
