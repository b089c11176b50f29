package lab

import (
	"math"
	"math/rand/v2"
	"testing"
)

// evacuationMix is web and application servers as the lab's estate has them (4 GiB at 1%/s,
// 8 GiB at 2%/s), and, with db, one database that needs SDPS even alone (32 GiB at 4%/s).
func evacuationMix(n int, db bool) []PredictVM {
	var vms []PredictVM
	for i := range n {
		switch {
		case db && i == n/2:
			vms = append(vms, PredictVM{Name: "db-01", MemoryBytes: 32 << 30, Hosts: []string{"a/h1", "b/h1"}})
		case i%22 < 12:
			vms = append(vms, PredictVM{Name: "web", MemoryBytes: 4 << 30, Hosts: []string{"a/h" + string(rune('1'+i%4)), "b/h1"}})
		default:
			vms = append(vms, PredictVM{Name: "app", MemoryBytes: 8 << 30, Hosts: []string{"a/h" + string(rune('1'+i%4)), "b/h2"}})
		}
	}
	return vms
}

// The bound is below the model's own makespan of the same moves in any order, any number at
// once up to the limit, with or without time lost between one move and the next; and, for
// guests that need no SDPS, close to the best of them: two at once (what fills the DCI at
// 10 GbE). A guest that needs SDPS even alone counts its memory once: the bound holds, loose.
func TestEvacuationBoundIsALowerBound(t *testing.T) {
	lim := BoundLimits{Concurrent: 8, PerHost: 8}
	r := rand.New(rand.NewPCG(1, 2))
	for _, mix := range []struct {
		name  string
		vms   []PredictVM
		tight bool
	}{
		{"web and app", evacuationMix(50, false), true},
		{"web, app and a database", evacuationMix(50, true), false},
	} {
		b := EvacuationBound(mix.vms, lim, 20_000, 1200)
		if b.Binding != "bandwidth" || b.Seconds != b.Bandwidth || b.Concurrency >= b.Bandwidth || b.Longest <= 0 || b.Host <= 0 {
			t.Fatalf("%s: bound %+v", mix.name, b)
		}
		best := math.Inf(1)
		for k := 1; k <= lim.Concurrent; k++ {
			for trial := range 4 {
				order := append([]PredictVM(nil), mix.vms...)
				if trial > 0 {
					r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
				}
				for _, gap := range []float64{0, 0.5, 2} {
					got := withGaps(order, k, 20_000, 1200, gap)
					if got < b.Seconds {
						t.Errorf("%s: %d at once, order %d, %.1f s between moves: %.1f s, below the bound %.1f s", mix.name, k, trial, gap, got, b.Seconds)
					}
					best = min(best, got)
				}
			}
		}
		if mix.tight && best > 1.1*b.Seconds {
			t.Errorf("%s: the best schedule takes %.1f s, %.2f× the bound %.1f s: the bound is loose", mix.name, best, best/b.Seconds, b.Seconds)
		}
		t.Logf("%s: bound %.1f s (bandwidth %.1f, concurrency %.1f, longest %.1f, host %.1f); best schedule %.1f s (%.3f×); "+
			"the model 8 at once %.1f s, 3 at once %.1f s, 2 at once %.1f s", mix.name, b.Seconds, b.Bandwidth, b.Concurrency, b.Longest, b.Host,
			best, best/b.Seconds, PredictEvacuation(mix.vms, 8, 20_000, 1200), PredictEvacuation(mix.vms, 3, 20_000, 1200),
			PredictEvacuation(mix.vms, 2, 20_000, 1200))
	}
	vms := evacuationMix(50, false)

	// One move: its own time alone. A limit of one: the sum of the moves alone. The DCI down:
	// no end.
	web := PredictVM{Name: "web-01", MemoryBytes: 4 << 30}
	if one, alone := EvacuationBound([]PredictVM{web}, lim, 20_000, 1200), PredictMove(web, 20_000, 1200); math.Abs(one.Seconds-alone) > 1e-9 || one.Binding != "longest move" {
		t.Errorf("one move: bound %+v, alone %.3f s", one, alone)
	}
	if serial := EvacuationBound(vms[:10], BoundLimits{Concurrent: 1}, 20_000, 1200); math.Abs(serial.Seconds-PredictEvacuation(vms[:10], 1, 20_000, 1200)) > 1e-6 {
		t.Errorf("one at a time: bound %+v, model %.3f s", serial, PredictEvacuation(vms[:10], 1, 20_000, 1200))
	}
	if down := EvacuationBound(vms, lim, 0, 0); !math.IsInf(down.Seconds, 1) {
		t.Errorf("the DCI down: %+v", down)
	}
	// A host limit of 1 on a host that every move uses: one at a time there.
	if h := EvacuationBound(vms[:10], BoundLimits{Concurrent: 8, PerHost: 1}, 20_000, 1200); h.Binding != "host" || h.Host < h.Concurrency {
		t.Errorf("host-bound: %+v", h)
	}
}

// withGaps is the model's makespan of vms in order, k at once, each place idle for gap
// simulated seconds between one move's end and the next one's start.
func withGaps(vms []PredictVM, k, capacityMbps, loadMbps int, gap float64) float64 {
	var running []*vmotion
	var free []float64 // when each idle place may start its next move
	for range k {
		free = append(free, 0)
	}
	next, t := 0, 0.0
	for next < len(vms) || len(running) > 0 {
		kept := free[:0]
		for _, at := range free {
			if at <= t+1e-9 && next < len(vms) {
				v := vms[next]
				running = append(running, newVMotion(v.MemoryBytes, v.DiskBytes, v.MemoryBytes*dirtyShare(v.Name)))
				next++
			} else if next < len(vms) {
				kept = append(kept, at)
			}
		}
		free = kept
		_, bits := moveBandwidth(capacityMbps, capacityMbps-loadMbps, len(running))
		b := bits / 8
		dt := math.Inf(1)
		for _, m := range running {
			_, total, _ := m.predict(b)
			dt = min(dt, total-m.Elapsed())
		}
		for _, at := range free {
			dt = min(dt, at-t)
		}
		dt = max(dt, 1e-9)
		t += dt
		left := running[:0]
		for _, m := range running {
			m.Step(dt, b)
			if _, total, _ := m.predict(b); !m.Done() && total-m.Elapsed() < 1e-6 {
				m.Step(1, b)
			}
			if m.Done() {
				free = append(free, t+gap)
			} else {
				left = append(left, m)
			}
		}
		running = left
	}
	return t
}
