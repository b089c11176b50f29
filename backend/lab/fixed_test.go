package lab

import (
	"math"
	"testing"
)

// A fixed-time move takes its seconds at any bandwidth, stalls while the DCI is down, and
// reports its progress as the share of its time copied.
func TestFixedVMotion(t *testing.T) {
	m := newFixedVMotion(10)
	m.Step(4, 1e9)
	if m.Done() || m.Progress(1e9) != 40 {
		t.Fatalf("after 4 s: done %v, progress %d", m.Done(), m.Progress(1e9))
	}
	m.Step(3, 0) // the DCI down: no progress
	if m.Progress(1e9) != 40 || m.Elapsed() != 7 {
		t.Fatalf("stalled: progress %d, elapsed %v", m.Progress(1e9), m.Elapsed())
	}
	if _, total, _ := m.predict(5e8); total != 13 {
		t.Errorf("predicted end %v, want 13", total)
	}
	m.Step(100, 1)
	if !m.Done() || m.Progress(1) != 100 || m.Elapsed() != 13 {
		t.Errorf("after the rest: done %v, progress %d, elapsed %v", m.Done(), m.Progress(1), m.Elapsed())
	}
}

func TestEvacuationBoundFixed(t *testing.T) {
	vms := make([]PredictVM, 200)
	for i := range vms {
		vms[i].Hosts = []string{"a/host-" + string(rune('0'+i%20)), "b/host-1"} // 200 on one target host
	}
	b := EvacuationBoundFixed(vms, BoundLimits{Concurrent: 8}, 10)
	if b.Seconds != 250 || b.Binding != "concurrency" {
		t.Errorf("8 at once: %+v, want 25 rounds of 10 s", b)
	}
	b = EvacuationBoundFixed(vms, BoundLimits{Concurrent: 8, PerHost: 4}, 10)
	if b.Seconds != 500 || b.Binding != "host" {
		t.Errorf("4 a host: %+v, want 50 rounds of 10 s on the busiest host", b)
	}
	if b := EvacuationBoundFixed(vms[:3], BoundLimits{Concurrent: 8}, 10); b.Seconds != 10 {
		t.Errorf("3 moves: %+v", b)
	}
	if b := EvacuationBoundFixed(vms, BoundLimits{}, 10); !math.IsInf(b.Seconds, 1) {
		t.Errorf("no concurrency: %+v", b)
	}
}
