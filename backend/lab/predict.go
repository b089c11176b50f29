package lab

import "math"

// Predictions from the lab's own vMotion model (vmotion.go), for tests and benchmarks that
// compare what a scheduler achieved on the lab with what the model allows.

// PredictVM is one VM of a predicted evacuation, as the lab's model sees it.
type PredictVM struct {
	// Name sets the VM's dirty rate: the role its name starts with (dirtyShare).
	Name string
	// MemoryBytes is the memory pre-copied (0 for a powered-off VM: a cold migration), and
	// DiskBytes the storage that moves with it.
	MemoryBytes, DiskBytes float64
}

// PredictEvacuation is the makespan, in simulated seconds, of moving vms in their order
// across a DCI of capacityMbps that carries loadMbps of other traffic, at most limit at
// once, each one starting the moment another ends: the lab's model, with the DCI shared
// evenly by the moves copying (moveBandwidth), and no time lost between one move's end and
// the next one's start. It is the ideal of a governor with that limit on the lab. +Inf when
// the DCI is down (capacityMbps ≤ 0) or limit < 1.
func PredictEvacuation(vms []PredictVM, limit, capacityMbps, loadMbps int) float64 {
	if capacityMbps <= 0 || limit < 1 {
		return math.Inf(1)
	}
	var running []*vmotion
	next, t := 0, 0.0
	for next < len(vms) || len(running) > 0 {
		for len(running) < limit && next < len(vms) {
			v := vms[next]
			running = append(running, newVMotion(v.MemoryBytes, v.DiskBytes, v.MemoryBytes*dirtyShare(v.Name)))
			next++
		}
		_, bits := moveBandwidth(capacityMbps, capacityMbps-loadMbps, len(running))
		b := bits / 8
		// At this bandwidth until the first of them ends.
		dt := math.Inf(1)
		for _, m := range running {
			_, total, _ := m.predict(b)
			dt = min(dt, total-m.Elapsed())
		}
		if math.IsInf(dt, 1) {
			return dt
		}
		dt = max(dt, 0)
		t += dt
		kept := running[:0]
		for _, m := range running {
			m.Step(dt, b)
			if _, total, _ := m.predict(b); !m.Done() && total-m.Elapsed() < 1e-6 {
				m.Step(1, b) // rounding left it a hair short of the end
			}
			if !m.Done() {
				kept = append(kept, m)
			}
		}
		running = kept
	}
	return t
}

// PredictMove is how long one VM's move takes alone on a DCI of capacityMbps carrying
// loadMbps of other traffic, in simulated seconds.
func PredictMove(v PredictVM, capacityMbps, loadMbps int) float64 {
	return PredictEvacuation([]PredictVM{v}, 1, capacityMbps, loadMbps)
}

// Relocating is how many cross-vCenter relocations the lab runs now: tasks started and not
// ended, at both sites.
func (l *Lab) Relocating() int {
	if l.mover == nil {
		return 0
	}
	l.mover.mu.Lock()
	defer l.mover.mu.Unlock()
	return len(l.mover.byTask)
}
