package migrate

import (
	"fmt"
	"slices"
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

// The governor decides, at every scheduling pass, which queued moves start: in the order
// they were asked for, each one that fits under every limit starts, and each one that does
// not says why it waits, naming the most specific limit in its way. A move held by one host
// does not hold the moves behind it that go elsewhere.
//
// The limits are vSphere's own ("Limits on Simultaneous Migrations"), the operator's cap,
// and the DCI's, which the engine reads live from the fabric (Gate):
//   - a host takes 8 vMotions at once on a 10 GbE vMotion network, 4 on 1 GbE (network cost
//     1, host cost 1 of 8), counted at the source and at the target host;
//   - a datastore takes a cost of 128: a vMotion costs 1 on the VM's datastores, one whose
//     storage moves (a Storage vMotion) 16 on its source and on its target datastores;
//   - the cap on moves at once across everything (Options.MaxConcurrent);
//   - the DCI: as many moves as its bandwidth for vmcross's moves gives each the profile's
//     need (Gate.Limit), and no more than keep that bandwidth full at the moves' line rate
//     (fullDCI, schedule.go); none at all while the gate is paused (the DCI down, its data
//     stale, a finding that blocks), and none after a move failed until the fabric has been
//     looked at again (Gate.AsOf).
//
// Moves already running are never stopped: a limit that drops (a DCI member link down)
// holds the queue until the running moves are under it.

// vSphere's limits on simultaneous migrations, and the cap's default.
const (
	// DefaultMaxConcurrent is the cap on moves at once across everything when none is
	// configured: vSphere's host limit, so that evacuating one host is bound by vSphere only.
	DefaultMaxConcurrent = 8
	// HostLimit10GbE and HostLimit1GbE are the vMotions one host runs at once on a vMotion
	// network of 10 GbE or faster, and of 1 GbE.
	HostLimit10GbE = 8
	HostLimit1GbE  = 4
	// DatastoreLimit is a datastore's maximum cost; a vMotion costs VMotionCost on it, a
	// Storage vMotion StorageVMotionCost (on its source and its target datastores).
	DatastoreLimit     = 128
	VMotionCost        = 1
	StorageVMotionCost = 16
)

// HostLimitFor is how many vMotions a host runs at once on a vMotion network of gbps
// Gbit/s: 4 on 1 GbE, 8 on 10 GbE and faster (and when the speed is not known).
func HostLimitFor(gbps int) int {
	if gbps > 0 && gbps < 10 {
		return HostLimit1GbE
	}
	return HostLimit10GbE
}

// Gate is what the fabric allows at one scheduling pass. The manager asks for it anew at
// every pass (Options.Gate), so it follows the DCI as the engine's fabric Health changes.
type Gate struct {
	// Paused says why no move may start now ("the DCI is down"); "" when moves may.
	Paused string
	// Limited is true when the DCI limits the moves at once, to Limit (0: none may start).
	Limited bool
	Limit   int
	// Held is why a queued move waits for the DCI's limit: "the DCI carries 4 moves at
	// 250 Mbps each now (1.1 Gbps available)".
	Held string
	// Note says what the limit rests on, for the governor's state: "DCI 18.8 Gbps", "no
	// fabric configured: no DCI limit".
	Note string
	// AvailableMbps is the DCI bandwidth vmcross's moves may use, NeedMbps what one move
	// needs; 0 when not known.
	AvailableMbps, NeedMbps int64
	// StreamMbps is the most one move's stream carries: the line rate of the hosts' vMotion
	// network (0: not known). With it, no more moves run at once than keep the available
	// bandwidth full (fullDCI).
	StreamMbps int64
	// VLANs are the VLANs the DCI does not carry now, each with why: a queued move of a VM
	// on one of them waits (it would fail, its VM cut off at the target).
	VLANs map[int]string
	// Fabric is true when the gate reads a fabric monitor, and AsOf is when the data it
	// judged was read from the switches at the earliest (the start of the latest complete
	// poll round; zero when none is known). After a move fails, the queue waits for data
	// read after the failure: the failure may be the DCI's, and the next start would meet
	// it too.
	Fabric bool
	AsOf   time.Time
}

// Flow is one move's traffic across the DCI as the manager knows it, for the gate to tell
// vmcross's own traffic from the rest: when the move started, when its data began to flow
// (its task's progress first moved; zero before), when it ended (zero while it runs), and
// the rate it was last measured at (0 before it was measured).
type Flow struct {
	Started, Streaming, Ended time.Time
	Mbps                      int64
}

// flowMemory is how long an ended move's flow is still handed to the gate: the switches'
// traffic figures may be older than its end.
const flowMemory = 2 * time.Minute

// slot is one thing of vSphere's that a move takes a share of while it runs: a host, or a
// datastore (with its cost).
type slot struct {
	site model.SiteID
	ref  string // the MoRef value, or the name when the ref is not known
	name string // for the operator
	cost int
}

func (s slot) key() string { return string(s.site) + "/" + s.ref }

// resources are what a move takes of vSphere's limits while it runs, and the VLANs its VM
// needs carried across the DCI.
type resources struct {
	hosts      []slot // the source host and the target host
	datastores []slot // its datastores at the source and, when its storage moves, the target's
	vlans      []int
}

// resourcesOf is what the move of r takes.
func resourcesOf(r Request) resources {
	var res resources
	if r.VM.HostRef.Value != "" {
		res.hosts = append(res.hosts, slot{site: r.VM.Key.Site, ref: r.VM.HostRef.Value, name: orRef(r.VM.Host, r.VM.HostRef.Value), cost: 1})
	}
	if !r.Target.Host.IsZero() {
		res.hosts = append(res.hosts, slot{site: r.To, ref: r.Target.Host.Value, name: orRef(r.Target.HostName, r.Target.Host.Value), cost: 1})
	}
	storage := r.StorageMoves || diskBytesMove(r)
	cost := VMotionCost
	if storage {
		cost = StorageVMotionCost
	}
	// The source's datastores: by ref, named when the VM is on one datastore only (the
	// names are sorted apart from the refs).
	for _, d := range r.VM.DatastoreRefs {
		name := d.Value
		if len(r.VM.DatastoreRefs) == 1 && len(r.VM.Datastores) == 1 {
			name = r.VM.Datastores[0]
		}
		res.datastores = append(res.datastores, slot{site: r.VM.Key.Site, ref: d.Value, name: name, cost: cost})
	}
	if storage {
		seen := map[string]bool{}
		add := func(ref model.Ref) {
			if ref.IsZero() || seen[ref.Value] {
				return
			}
			seen[ref.Value] = true
			name := ref.Value
			if ref.Value == r.Target.Datastore.Value && r.Target.DatastoreName != "" {
				name = r.Target.DatastoreName
			}
			res.datastores = append(res.datastores, slot{site: r.To, ref: ref.Value, name: name, cost: cost})
		}
		add(r.Target.Datastore)
		refs := make([]model.Ref, 0, len(r.Target.Datastores))
		for _, d := range r.Target.Datastores {
			refs = append(refs, d)
		}
		slices.SortFunc(refs, func(a, b model.Ref) int {
			if a.Value < b.Value {
				return -1
			}
			if a.Value > b.Value {
				return 1
			}
			return 0
		})
		for _, d := range refs {
			add(d)
		}
	}
	res.vlans = slices.Clone(r.VM.VLANs)
	return res
}

// diskBytesMove reports whether what the move sends is more than a running VM's memory:
// its disks move too (preflight counts a disk's bytes only when its datastore is not shared
// with the target). A VM of unknown power state is taken as a plain vMotion.
func diskBytesMove(r Request) bool {
	var memory int64
	switch r.VM.Power {
	case model.PoweredOn:
		memory = int64(r.VM.MemoryMiB) << 20
	case "":
		return false
	}
	return r.Bytes > memory
}

func orRef(name, ref string) string {
	if name != "" {
		return name
	}
	return ref
}

// tally is what the running moves take: how many run, and each host's and datastore's
// share.
type tally struct {
	running int
	hosts   map[string]int
	stores  map[string]int
}

func newTally() *tally { return &tally{hosts: map[string]int{}, stores: map[string]int{}} }

func (t *tally) add(res resources) {
	t.running++
	for _, h := range res.hosts {
		t.hosts[h.key()] += h.cost
	}
	for _, d := range res.datastores {
		t.stores[d.key()] += d.cost
	}
}

// limits are the caps of one pass, with their defaults filled in.
type limits struct {
	maxConcurrent int
	perHost       func(model.SiteID) int
	datastore     int
}

func (o Options) limits() limits {
	return limits{maxConcurrent: o.MaxConcurrent, datastore: o.MaxDatastoreCost, perHost: func(site model.SiteID) int {
		if n, ok := o.MaxPerHostAt[site]; ok && n > 0 {
			return n
		}
		return o.MaxPerHost
	}}
}

// waits says why a move may not start now given what runs (t), the limits, the gate and a
// hold ("" for none); "" when it may. The most specific reason comes first: the gate's
// pause, the hold, a VLAN the DCI does not carry, a host, a datastore, then the number of
// moves at once.
func waits(res resources, t *tally, lim limits, g Gate, hold string) string {
	g = fullDCI(g)
	if g.Paused != "" {
		return "paused: " + g.Paused
	}
	if hold != "" {
		return hold
	}
	for _, id := range res.vlans {
		if why, ok := g.VLANs[id]; ok {
			return why
		}
	}
	for _, h := range res.hosts {
		if n := lim.perHost(h.site); t.hosts[h.key()]+h.cost > n {
			return fmt.Sprintf("host %s at its limit of %d", h.name, n)
		}
	}
	for _, d := range res.datastores {
		if t.stores[d.key()]+d.cost > lim.datastore {
			return fmt.Sprintf("datastore %s at its cost limit (%d)", d.name, lim.datastore)
		}
	}
	dciFirst := g.Limited && g.Limit <= lim.maxConcurrent
	if dciFirst && t.running >= g.Limit {
		return g.Held
	}
	if t.running >= lim.maxConcurrent {
		return fmt.Sprintf("%s running, the limit", count(t.running, "move"))
	}
	if g.Limited && t.running >= g.Limit {
		return g.Held
	}
	return ""
}

// count is "1 move", "3 moves".
func count(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// governorState is the governor's state after a pass; since is carried over from prev
// unless the pause or the limit changed.
func governorState(prev model.Governor, lim limits, g Gate, running, queued int, now time.Time) model.Governor {
	g = fullDCI(g)
	gov := model.Governor{Paused: g.Paused, Cap: lim.maxConcurrent, Limit: lim.maxConcurrent, DCILimit: -1,
		AvailableMbps: g.AvailableMbps, NeedMbps: g.NeedMbps, Running: running, Queued: queued}
	if g.Limited {
		gov.DCILimit = g.Limit
		gov.Limit = min(gov.Limit, g.Limit)
	}
	switch {
	case gov.Paused != "":
		gov.Why = "paused: " + gov.Paused
	case g.Limited && g.Limit == 0:
		gov.Why = "held: " + g.Held
	default:
		gov.Why = fmt.Sprintf("≤ %d at once", gov.Limit)
		if g.Note != "" {
			gov.Why += " (" + g.Note + ")"
		}
	}
	gov.Since = prev.Since
	if prev.Since.IsZero() || prev.Paused != gov.Paused || prev.Limit != gov.Limit {
		gov.Since = now
	}
	return gov
}
