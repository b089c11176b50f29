package lab

import (
	"fmt"
	"math"
	"strings"
)

// The lab's model of a vMotion across the DCI. It is a pure state machine: Step advances it
// by some simulated seconds at a bandwidth, and it has no clock, fabric or registry of its
// own, so tests drive it directly and the relocate task (relocate.go) drives it from a ticker,
// re-reading the bandwidth from the simulated switches on every tick.
//
// A hot migration (a powered-on VM):
//   - disks: the disks whose datastore changes (the target datastore's URL differs from the
//     source's) are copied first, at the bandwidth; vSphere's mirror driver keeps them in sync
//     afterwards, so nothing is re-sent for them;
//   - pre-copy: pass 1 sends all memory M; each later pass sends what the guest dirtied during
//     the previous pass (dirty rate d, bytes a second; never more than M); when the next pass
//     would take less than stunPassSeconds, pre-copy has converged;
//   - switchover: the VM is stunned, the last pass is sent, and the VM resumes at the
//     destination after switchoverSeconds more.
//
// If pre-copy has not converged after sdpsAfterPasses passes (always the case when d ≥ B),
// vSphere's Stun During Page Send slows the guest's vCPUs so that it dirties at most half the
// bandwidth: from then on d is min(d, B/2), and the passes halve until they converge.
//
// Without SDPS, the time is the geometric sum of the passes:
//
//	T ≈ S/B + M/B · 1/(1 − d/B) + switchoverSeconds
//
// for disks S, memory M, bandwidth B and dirty rate d < B (predictDuration). A cold migration
// (a powered-off or suspended VM) copies only its moving disks, then re-registers the VM at the
// destination (switchoverSeconds).
const (
	// vmotionNICMbps is the line rate of each host's vMotion VMkernel adapter (vmk1, 10 GbE).
	vmotionNICMbps = 10_000
	// vmotionEfficiency is the share of the line rate that carries vMotion's data (TCP/IP and
	// Ethernet framing, vMotion's own protocol): 10 GbE moves about 9.4 Gbps of memory.
	vmotionEfficiency = 0.94
	// congestedShare is what a DCI loaded past its capacity still leaves the moves (their TCP
	// streams get some of the link however busy it is): a tenth of its bandwidth.
	congestedShare = 0.10
	// stunPassSeconds: pre-copy converges when the next pass would take less than this.
	stunPassSeconds = 0.5
	// switchoverSeconds is the stun and switchover after the last pass (and, cold, the
	// re-registration at the destination).
	switchoverSeconds = 0.3
	// sdpsAfterPasses is how many passes run before SDPS slows a guest that is not converging.
	sdpsAfterPasses = 8
)

// moveBandwidth is the bandwidth of one move, in bits a second, given the DCI's capacity
// available to the lab's moves (freeMbps: its bandwidth less the traffic that is not the
// moves') shared evenly among the n moves running: each move's stream runs at the line rate
// of its vMotion adapter or its share of the DCI, whichever is less, and carries
// vmotionEfficiency of that as data. capacityMbps is the DCI's bandwidth: a DCI loaded past it
// still gives the moves congestedShare of it. 0 when the DCI is down (capacityMbps 0).
func moveBandwidth(capacityMbps, freeMbps, n int) (wireMbps, dataBitsPerSec float64) {
	if capacityMbps <= 0 {
		return 0, 0
	}
	pool := max(float64(freeMbps), congestedShare*float64(capacityMbps))
	wire := min(vmotionNICMbps, pool/float64(max(n, 1)))
	return wire, wire * vmotionEfficiency * 1e6
}

// dirtyShares is the share of its memory a guest dirties each second, by role: the VM's name
// without the "atl-" prefix starts with the role. Web servers and other mostly-reading
// services dirty about 1% a second; application servers 2%; Kubernetes workers, brokers and
// log stores 3%; databases 4% (a 32 GiB database dirties 1.28 GiB/s, about 11 Gbps: more
// than one 10 GbE vMotion sends, so it needs SDPS); caches 5%. Anything else: 2%.
var dirtyShares = []struct {
	prefix string
	share  float64
}{
	{"web", 0.01}, {"dmz-", 0.01}, {"report", 0.01}, {"jump", 0.01}, {"dns", 0.01},
	{"vault", 0.01}, {"ad-dc", 0.01},
	{"app", 0.02}, {"api", 0.02}, {"mq", 0.02}, {"k8s-master", 0.02}, {"ci-runner", 0.02},
	{"gitlab", 0.02}, {"backup-proxy", 0.02}, {"build-cache", 0.02}, {"iso-builder", 0.02},
	{"legacy-erp", 0.02}, {"archive", 0.02}, {"pay-gw", 0.02}, {"ftp", 0.02}, {"snap-heavy", 0.02},
	{"k8s-worker", 0.03}, {"kafka", 0.03}, {"elk", 0.03}, {"prometheus", 0.03},
	{"db", 0.04}, {"pg", 0.04}, {"sql", 0.04}, {"big-db", 0.04}, {"sap-hana", 0.04},
	{"cache", 0.05}, {"redis", 0.05},
}

// defaultDirtyShare is the dirty rate of a VM of no known role: 2% of its memory a second.
const defaultDirtyShare = 0.02

// dirtyShare is the share of its memory the named VM dirties each second.
func dirtyShare(name string) float64 {
	name = strings.TrimPrefix(name, "atl-")
	for _, d := range dirtyShares {
		if strings.HasPrefix(name, d.prefix) {
			return d.share
		}
	}
	return defaultDirtyShare
}

// vmotionPhase is where a migration stands.
type vmotionPhase int

const (
	phaseDisks      vmotionPhase = iota // copying the disks that move
	phasePrecopy                        // pre-copying memory, pass by pass
	phaseSwitchover                     // stunned: the last pass, then the switchover
	phaseDone                           // the VM runs at the destination
)

// vmotion is one migration's model. Create it with newVMotion; Step it; read Progress and
// Phase. All quantities are bytes, bytes a second and simulated seconds.
type vmotion struct {
	memory float64 // M: memory to pre-copy (0 for a cold migration)
	disks  float64 // S: disk bytes to copy
	dirty  float64 // d: what the guest dirties a second, before SDPS

	phase    vmotionPhase
	diskLeft float64 // bytes of disk still to copy
	pass     int     // the pre-copy pass running (1-based); in switchover, the last pass
	passSize float64 // bytes the pass sends
	passLeft float64 // bytes of the pass still to send
	dirtied  float64 // bytes dirtied since the pass began
	stunLeft float64 // in switchover: bytes of the last pass still to send
	swLeft   float64 // in switchover: seconds of switchover left after them
	sdps     bool    // SDPS slows the guest

	sent     float64 // bytes sent so far
	elapsed  float64 // simulated seconds so far
	progress int     // the highest progress reported, 0-100

	// fixed, when set, is the simulated seconds the migration takes whatever it moves and
	// whatever the bandwidth (Options.MoveSeconds): sent counts the seconds it has copied.
	fixed float64
}

// newFixedVMotion models a migration that takes seconds of simulated time while the DCI
// carries it (it stalls while the DCI is down), whatever the VM's memory and disks: a
// benchmark of a scheduler then knows its ideal by arithmetic (EvacuationBoundFixed).
func newFixedVMotion(seconds float64) *vmotion {
	return &vmotion{fixed: seconds, phase: phasePrecopy, pass: 1}
}

// newModel is the model of one relocation: the lab's vMotion model for the VM, or a fixed
// time for every move when the lab was started with Options.MoveSeconds.
func (mv *mover) newModel(memory, disks, dirty float64) *vmotion {
	if mv.moveSeconds > 0 {
		return newFixedVMotion(mv.moveSeconds)
	}
	return newVMotion(memory, disks, dirty)
}

// newVMotion models the migration of a VM with memory bytes to pre-copy (0: cold), disks
// bytes of storage that moves, and a guest that dirties dirty bytes a second.
func newVMotion(memory, disks, dirty float64) *vmotion {
	m := &vmotion{memory: max(memory, 0), disks: max(disks, 0), dirty: max(dirty, 0)}
	m.diskLeft = m.disks
	if m.diskLeft <= 0 {
		m.startPrecopy(0)
	}
	return m
}

// Done says whether the VM has switched over.
func (m *vmotion) Done() bool { return m.phase == phaseDone }

// Elapsed is the simulated time the migration has run.
func (m *vmotion) Elapsed() float64 { return m.elapsed }

// Sent is the bytes sent so far.
func (m *vmotion) Sent() float64 { return m.sent }

// dirtyRate is the guest's dirty rate at bandwidth b: SDPS caps it at half of b.
func (m *vmotion) dirtyRate(b float64) float64 {
	if m.sdps {
		return min(m.dirty, b/2)
	}
	return m.dirty
}

func (m *vmotion) startPrecopy(b float64) {
	if m.memory <= 0 {
		m.phase, m.stunLeft, m.swLeft = phaseSwitchover, 0, switchoverSeconds
		return
	}
	m.phase, m.pass, m.passSize, m.passLeft, m.dirtied = phasePrecopy, 1, m.memory, m.memory, 0
	_ = b
}

// endPass ends a pre-copy pass at bandwidth b: the next pass is what the guest dirtied
// during this one; if it would take less than stunPassSeconds, switch over.
func (m *vmotion) endPass(b float64) {
	next := min(m.dirtied, m.memory)
	if next/b < stunPassSeconds {
		m.phase, m.stunLeft, m.swLeft = phaseSwitchover, next, switchoverSeconds
		m.pass++
		return
	}
	if m.pass >= sdpsAfterPasses {
		m.sdps = true
	}
	m.pass++
	m.passSize, m.passLeft, m.dirtied = next, next, 0
}

// Step advances the migration by dt simulated seconds at b bytes a second. With b ≤ 0
// nothing moves (the time passes, the guest keeps dirtying nothing new: a stalled copy is
// the caller's to fail). A step may cross any number of passes and phases.
func (m *vmotion) Step(dt, b float64) {
	if m.fixed > 0 {
		m.stepFixed(dt, b)
		return
	}
	for dt > 0 && m.phase != phaseDone {
		if b <= 0 {
			m.elapsed += dt
			return
		}
		switch m.phase {
		case phaseDisks:
			if t := m.diskLeft / b; t > dt {
				m.send(b*dt, dt)
				m.diskLeft -= b * dt
				dt = 0
			} else {
				m.send(m.diskLeft, t)
				m.diskLeft, dt = 0, dt-t
				m.startPrecopy(b)
			}
		case phasePrecopy:
			d := m.dirtyRate(b)
			if t := m.passLeft / b; t > dt {
				m.send(b*dt, dt)
				m.passLeft -= b * dt
				m.dirtied += d * dt
				dt = 0
			} else {
				m.send(m.passLeft, t)
				m.passLeft, dt = 0, dt-t
				m.dirtied += d * t
				m.endPass(b)
			}
		case phaseSwitchover:
			if m.stunLeft > 0 {
				if t := m.stunLeft / b; t > dt {
					m.send(b*dt, dt)
					m.stunLeft -= b * dt
					dt = 0
				} else {
					m.send(m.stunLeft, t)
					m.stunLeft, dt = 0, dt-t
				}
				continue
			}
			if m.swLeft > dt {
				m.swLeft -= dt
				m.elapsed += dt
				dt = 0
			} else {
				m.elapsed += m.swLeft
				dt -= m.swLeft
				m.swLeft = 0
				m.phase = phaseDone
			}
		}
	}
}

// stepFixed is Step for a fixed-time migration: the time copies while the DCI carries it.
func (m *vmotion) stepFixed(dt, b float64) {
	if m.phase == phaseDone || dt <= 0 {
		return
	}
	if b <= 0 {
		m.elapsed += dt
		return
	}
	d := min(dt, m.fixed-m.sent)
	m.send(d, d)
	if m.sent >= m.fixed {
		m.phase = phaseDone
	}
}

func (m *vmotion) send(bytes, seconds float64) {
	m.sent += bytes
	m.elapsed += seconds
}

// predict runs a copy of the migration to its end at a constant bandwidth b: the bytes it
// will have sent in all, its total simulated time and its number of pre-copy passes.
func (m *vmotion) predict(b float64) (total, seconds float64, passes int) {
	if b <= 0 {
		return math.Inf(1), math.Inf(1), m.pass
	}
	if m.fixed > 0 {
		return m.fixed, m.elapsed + m.fixed - m.sent, m.pass
	}
	c := *m
	for !c.Done() {
		c.Step(math.MaxFloat64, b)
	}
	return c.sent, c.elapsed, c.pass
}

// Progress is the task's progress at bandwidth b: the bytes sent over the bytes the
// migration will have sent in all at that bandwidth, as a percentage that never goes down
// and reaches 100 only when the VM has switched over.
func (m *vmotion) Progress(b float64) int {
	if m.Done() {
		m.progress = 100
		return 100
	}
	total, _, _ := m.predict(b)
	p := 0
	if total > 0 && !math.IsInf(total, 1) {
		p = min(int(100*m.sent/total), 99)
	}
	m.progress = max(m.progress, p)
	return m.progress
}

// Phase describes what the migration does now, as vCenter's task description would:
// "pre-copy pass 1 of ~2: 4.0 GiB at 9.4 Gbps", "switchover".
func (m *vmotion) Phase(b float64) string {
	rate := fmt.Sprintf("%.1f Gbps", b*8/1e9)
	if m.fixed > 0 && m.phase != phaseDone {
		return fmt.Sprintf("copying: %.0f of %.0f s (a fixed time)", m.sent, m.fixed)
	}
	switch m.phase {
	case phaseDisks:
		return fmt.Sprintf("copying disks: %s of %s at %s", gib(m.disks-m.diskLeft), gib(m.disks), rate)
	case phasePrecopy:
		_, _, passes := m.predict(b)
		s := fmt.Sprintf("pre-copy pass %d of ~%d: %s at %s", m.pass, max(passes, m.pass), gib(m.passSize), rate)
		if m.sdps {
			s += fmt.Sprintf(" (SDPS: guest slowed to dirty %s)", fmt.Sprintf("%.1f Gbps", m.dirtyRate(b)*8/1e9))
		}
		return s
	case phaseSwitchover:
		if m.memory <= 0 {
			return "registering the virtual machine at the destination"
		}
		return "switchover"
	}
	return "migration complete"
}

func gib(bytes float64) string { return fmt.Sprintf("%.1f GiB", bytes/(1<<30)) }

// predictDuration is the closed form of a migration that needs no SDPS: disks and the
// geometric series of the passes at bandwidth b, then the switchover. It is +Inf when the
// guest dirties as fast as the bandwidth or faster.
func predictDuration(memory, disks, dirty, b float64) float64 {
	if b <= 0 || dirty >= b {
		return math.Inf(1)
	}
	return disks/b + memory/b/(1-dirty/b) + switchoverSeconds
}
