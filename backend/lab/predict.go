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
	// Hosts are the hosts the move takes a share of while it runs (its source host and its
	// target host), for a per-host limit (EvacuationBound); nil when not known.
	Hosts []string
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

// BoundLimits are the limits a schedule of moves keeps to, for EvacuationBound.
type BoundLimits struct {
	// Concurrent caps the moves running at once (at least 1).
	Concurrent int
	// PerHost caps the moves running at once that take a share of one host (PredictVM.Hosts);
	// 0: no such limit.
	PerHost int
}

// Bound is a lower bound on the makespan of an evacuation on the lab (EvacuationBound), in
// simulated seconds, and the parts it is the largest of.
type Bound struct {
	Seconds float64
	// Bandwidth is the least bytes all the moves send over the most the DCI carries for
	// moves at once; Concurrency the least times of all the moves over the moves at once;
	// Longest the longest least time of one move; Host the same as Concurrency for the
	// busiest host and the per-host limit.
	Bandwidth, Concurrency, Longest, Host float64
	// Binding names the part the bound is: "bandwidth", "concurrency", "longest move", "host".
	Binding string
}

// EvacuationBound is a makespan that no schedule of the moves of vms under lim can beat on
// the lab, across a DCI of capacityMbps carrying loadMbps of other traffic: it holds for any
// order, any number at once up to the limits and any time between the moves, so a measured
// makespan is never below it. It rests on the lab's model (vmotion.go):
//   - a move's stream is never faster than it is alone (its vMotion adapter's line rate, or the
//     DCI's free capacity if less), and at that rate it sends the fewest bytes (the guest
//     dirties least while a pass runs) and takes the least time, switchover included: its
//     least bytes and least time;
//   - the moves copying at once never carry more than the DCI's free capacity, nor more than
//     the limit's number of streams at their line rate: the bandwidth part;
//   - at most lim.Concurrent moves run at once (lim.PerHost on one host), each for at least its
//     least time: the concurrency (host) part; and no evacuation ends before its longest
//     move.
//
// A guest that would need SDPS even alone counts its memory and disks once as its least
// bytes (SDPS slows it by how far behind it is, which the model does not bound from below).
// Seconds is +Inf when the DCI is down or lim.Concurrent < 1.
func EvacuationBound(vms []PredictVM, lim BoundLimits, capacityMbps, loadMbps int) Bound {
	if capacityMbps <= 0 || lim.Concurrent < 1 {
		return Bound{Seconds: math.Inf(1)}
	}
	free := capacityMbps - loadMbps
	_, alone := moveBandwidth(capacityMbps, free, 1)
	most := 0.0 // bits a second: the most the DCI carries for moves at once
	for n := 1; n <= lim.Concurrent; n++ {
		_, each := moveBandwidth(capacityMbps, free, n)
		most = max(most, float64(n)*each)
	}
	var bytes, times float64
	var b Bound
	perHost := map[string]float64{}
	for _, v := range vms {
		sent, took := leastMove(v, alone/8)
		bytes += sent
		times += took
		b.Longest = max(b.Longest, took)
		for _, h := range v.Hosts {
			perHost[h] += took
		}
	}
	b.Bandwidth = bytes / (most / 8)
	b.Concurrency = times / float64(lim.Concurrent)
	if lim.PerHost > 0 {
		for _, t := range perHost {
			b.Host = max(b.Host, t/float64(lim.PerHost))
		}
	}
	b.Seconds, b.Binding = b.Bandwidth, "bandwidth"
	for _, p := range []struct {
		s    float64
		name string
	}{{b.Concurrency, "concurrency"}, {b.Longest, "longest move"}, {b.Host, "host"}} {
		if p.s > b.Seconds {
			b.Seconds, b.Binding = p.s, p.name
		}
	}
	return b
}

// EvacuationBoundFixed is EvacuationBound for a lab whose moves each take seconds
// (Options.MoveSeconds): a makespan no schedule of the moves of vms under lim beats. At most
// lim.Concurrent moves run at once, each for seconds, so n moves need ⌈n/Concurrent⌉ times
// seconds (every instant of a shorter makespan would be inside more than Concurrent moves:
// the ⌈n/Concurrent⌉−1 instants seconds apart, from seconds on, meet every move); likewise
// the busiest host's moves under lim.PerHost. The bandwidth plays no part.
func EvacuationBoundFixed(vms []PredictVM, lim BoundLimits, seconds float64) Bound {
	if lim.Concurrent < 1 || seconds <= 0 {
		return Bound{Seconds: math.Inf(1)}
	}
	rounds := func(n, limit int) float64 { return math.Ceil(float64(n)/float64(limit)) * seconds }
	b := Bound{Concurrency: rounds(len(vms), lim.Concurrent), Longest: seconds}
	if len(vms) == 0 {
		b.Concurrency, b.Longest = 0, 0
	}
	if lim.PerHost > 0 {
		perHost := map[string]int{}
		for _, v := range vms {
			for _, h := range v.Hosts {
				perHost[h]++
			}
		}
		for _, n := range perHost {
			b.Host = max(b.Host, rounds(n, lim.PerHost))
		}
	}
	b.Seconds, b.Binding = b.Concurrency, "concurrency"
	if b.Host > b.Seconds {
		b.Seconds, b.Binding = b.Host, "host"
	}
	if b.Longest > b.Seconds {
		b.Seconds, b.Binding = b.Longest, "longest move"
	}
	return b
}

// leastMove is the fewest bytes a move of v sends and the least time it takes, at most bmax
// bytes a second: at bmax throughout (see EvacuationBound).
func leastMove(v PredictVM, bmax float64) (bytes, seconds float64) {
	m := newVMotion(v.MemoryBytes, v.DiskBytes, v.MemoryBytes*dirtyShare(v.Name))
	for !m.Done() {
		m.Step(math.MaxFloat64, bmax)
	}
	if m.sdps {
		bytes = m.memory + m.disks
		return bytes, bytes/bmax + switchoverSeconds
	}
	return m.sent, m.elapsed
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
