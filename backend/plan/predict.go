package plan

import (
	"fmt"
	"time"
)

// Defaults of the prediction's assumptions.
const (
	// DefaultConcurrency is how many moves are taken to run at once when nothing says (the
	// governor's default cap, governor: max_concurrent).
	DefaultConcurrency = 8
	// DefaultPerMoveMbps is what one vMotion carries at most: a 10 GbE vMotion network,
	// 94% of it data.
	DefaultPerMoveMbps = 9400
	// DefaultDirtyShare is the share of its memory a guest is assumed to dirty a second
	// (an application server's; web servers dirty less, databases and caches more).
	DefaultDirtyShare = 0.02
	// DefaultSwitchover is the time a move takes beyond copying: preparation, the stun and
	// the switchover.
	DefaultSwitchover = time.Second
)

// Assumptions are what a prediction rests on.
type Assumptions struct {
	// BandwidthMbps is the DCI bandwidth the moves share: the DCI's free bandwidth when
	// Measured, else the profile's minimum.
	BandwidthMbps int64
	Measured      bool
	// Concurrency is how many moves run at once (default DefaultConcurrency).
	Concurrency int
	// PerMoveMbps caps one move's rate (default DefaultPerMoveMbps).
	PerMoveMbps int64
	// DirtyShare is the share of memory a guest dirties a second (default DefaultDirtyShare).
	DirtyShare float64
	// Switchover is added to every move (default DefaultSwitchover).
	Switchover time.Duration
	// TimeScale is how many times faster than real time the vCenters' moves run: the
	// embedded lab's --lab-speed (0 or 1: real time, as a vCenter's). Every predicted
	// duration is divided by it, so a demo's prediction matches what the audience sees.
	TimeScale float64
}

func (a Assumptions) withDefaults() Assumptions {
	if a.Concurrency <= 0 {
		a.Concurrency = DefaultConcurrency
	}
	if a.PerMoveMbps <= 0 {
		a.PerMoveMbps = DefaultPerMoveMbps
	}
	if a.DirtyShare <= 0 {
		a.DirtyShare = DefaultDirtyShare
	}
	if a.Switchover <= 0 {
		a.Switchover = DefaultSwitchover
	}
	return a
}

// String says the assumptions in a sentence, for the dry run.
func (a Assumptions) String() string {
	a = a.withDefaults()
	bw := fmt.Sprintf("%s free on the DCI (measured)", mbps(a.BandwidthMbps))
	if !a.Measured {
		bw = fmt.Sprintf("%s on the DCI (the profile's minimum: the DCI's bandwidth is not measured)", mbps(a.BandwidthMbps))
	}
	return fmt.Sprintf("%s, shared evenly by up to %d moves at once, at most %s a move (10 GbE vMotion); "+
		"each guest dirties %.0f%% of its memory a second while pre-copy runs (vSphere slows one that dirties more than half its share); "+
		"%s a move for preparation and switchover; a wave starts when the previous one has ended%s",
		bw, a.Concurrency, mbps(a.PerMoveMbps), a.DirtyShare*100, a.Switchover, a.scaleNote())
}

// scaleNote says the lab's clock runs faster, when it does.
func (a Assumptions) scaleNote() string {
	if a.TimeScale <= 1 {
		return ""
	}
	return fmt.Sprintf("; these times are the lab's, whose vMotions run %g× faster than real time", a.TimeScale)
}

// scaled is d in real time: divided by the time scale.
func (a Assumptions) scaled(d time.Duration) time.Duration {
	if a.TimeScale <= 1 {
		return d
	}
	return time.Duration(float64(d) / a.TimeScale).Round(time.Second)
}

func mbps(n int64) string {
	if n >= 1000 {
		return fmt.Sprintf("%.1f Gbps", float64(n)/1000)
	}
	return fmt.Sprintf("%d Mbps", n)
}

// WavePrediction is one wave's predicted duration.
type WavePrediction struct {
	Wave     int           `json:"wave"`
	VMs      int           `json:"vms"`
	Bytes    int64         `json:"bytes"`
	Duration time.Duration `json:"duration"`
}

// Prediction is a plan's predicted makespan.
type Prediction struct {
	Assumptions Assumptions      `json:"assumptions"`
	Waves       []WavePrediction `json:"waves"`
	// Alone is each VM's move, by name, alone on the DCI.
	Alone map[string]time.Duration `json:"alone"`
	// Total is the sum of the waves: the plan's makespan.
	Total time.Duration `json:"total"`
}

// Predict predicts how long the plan takes: each wave's moves run up to Concurrency at a
// time, in the wave's order, the moves running sharing the DCI evenly (each at most
// PerMoveMbps), so a move speeds up when another ends; a move sends its moving disks, then
// its memory in pre-copy passes (memory / (rate − dirty rate), the dirty rate capped at half
// the rate as SDPS does), then switches over. A wave's duration is when its last move ends;
// the waves add up.
func Predict(p Plan, a Assumptions) Prediction {
	a = a.withDefaults()
	out := Prediction{Assumptions: a, Alone: map[string]time.Duration{}}
	for _, w := range p.Waves {
		alone := rate(a, 1)
		wp := WavePrediction{Wave: w.Wave, VMs: len(w.VMs)}
		for _, v := range w.VMs {
			out.Alone[v.Name] = a.scaled(moveTime(v, alone, a).Round(time.Second))
			wp.Bytes += v.Bytes()
		}
		wp.Duration = a.scaled(waveTime(w.VMs, a).Round(time.Second))
		out.Waves = append(out.Waves, wp)
		out.Total += wp.Duration
	}
	return out
}

// waveTime simulates one wave: moves start in order as slots free up; between two events
// (a move ending) every running move advances at its share of the bandwidth, keeping the
// fraction of its move done when the share changes.
func waveTime(vms []VM, a Assumptions) time.Duration {
	if len(vms) == 0 || a.BandwidthMbps <= 0 {
		return 0
	}
	type running struct {
		vm   VM
		done float64 // fraction of the move done
	}
	var run []running
	next := 0
	var now float64 // seconds
	for next < len(vms) || len(run) > 0 {
		for len(run) < a.Concurrency && next < len(vms) {
			run = append(run, running{vm: vms[next]})
			next++
		}
		b := rate(a, len(run))
		// The first move to end at this share.
		first, dt := -1, 0.0
		for i, r := range run {
			left := moveTime(r.vm, b, a).Seconds() * (1 - r.done)
			if first < 0 || left < dt {
				first, dt = i, left
			}
		}
		now += dt
		kept := run[:0]
		for i, r := range run {
			if i == first {
				continue
			}
			if t := moveTime(r.vm, b, a).Seconds(); t > 0 {
				r.done = min(r.done+dt/t, 1)
			}
			kept = append(kept, r)
		}
		run = kept
	}
	return time.Duration(now * float64(time.Second))
}

// rate is one move's rate in bytes a second when n run at once.
func rate(a Assumptions, n int) float64 {
	mb := float64(a.BandwidthMbps) / float64(max(n, 1))
	mb = min(mb, float64(a.PerMoveMbps))
	return mb * 1e6 / 8
}

// moveTime is one VM's move at b bytes a second.
func moveTime(v VM, b float64, a Assumptions) time.Duration {
	if b <= 0 {
		return 0 // no bandwidth known: nothing to predict
	}
	s := float64(v.DiskMiB<<20) / b
	if !v.PoweredOff && v.MemoryMiB > 0 {
		mem := float64(v.MemoryMiB << 20)
		d := min(a.DirtyShare*mem, b/2)
		s += mem / (b - d)
	}
	return time.Duration(s*float64(time.Second)) + a.Switchover
}
