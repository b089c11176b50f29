package fabric

import (
	"context"
	"testing"
	"time"

	"github.com/scrapli/scrapligo/transport"

	"github.com/vmcross/vmcross/fabric/sim"
)

// BenchmarkPoll measures one poll round of the four simulated switches over SSH, sessions
// already open: go test -bench Poll -run '^$' ./fabric/
func BenchmarkPoll(b *testing.B) {
	for _, tr := range []string{transport.StandardTransport, transport.SystemTransport} {
		b.Run(tr, func(b *testing.B) {
			f := startSim(b, sim.Options{})
			m := NewMonitor(specsFor(f, tr), WithInterval(time.Hour))
			defer m.Close()
			m.Watch(watchedAll)
			ctx := context.Background()
			m.pollRound(ctx, time.Time{}) // log in
			if h := m.Health(); !healthy(h) {
				b.Fatalf("not healthy:%s", codes(h))
			}
			for b.Loop() {
				m.pollRound(ctx, time.Time{})
			}
		})
	}
}

// BenchmarkPollChangeToHealth measures the time from a change on a switch's CLI (VLAN 120
// removed from, or added back to, the DCI trunk) to a Health that shows it, when the
// change triggers a round (PollNow, as a refresh key would). Without PollNow, add up to
// one poll interval.
func BenchmarkPollChangeToHealth(b *testing.B) {
	f := startSim(b, sim.Options{})
	m := NewMonitor(specsFor(f, transport.StandardTransport), WithInterval(time.Hour))
	m.Watch([]int{120})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer m.Close()
	sub := m.Subscribe(ctx)
	m.Start(ctx)
	for h := range sub {
		if !h.PolledAt.IsZero() {
			break
		}
	}
	removed := false
	for b.Loop() {
		op := "add"
		if !removed {
			op = "remove"
		}
		exec(b, f, miaEdge, "conf t", "int po10", "switchport trunk allowed vlan "+op+" 120", "end")
		removed = !removed
		m.PollNow()
		for h := range sub {
			if v, _ := h.VLAN(120); v.Carried != removed {
				break
			}
		}
	}
}
