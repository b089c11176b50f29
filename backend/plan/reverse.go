package plan

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

// ReverseID is the id of the way back of plan id.
func ReverseID(id string) string {
	const suffix = "-back"
	if len(id)+len(suffix) > 100 {
		id = id[:100-len(suffix)]
	}
	return id + suffix
}

// DatastoreNames names each site's datastores by MoRef value, as its inventory lists them:
// the way back reads from it where each datastore of a VM went (nil: not known).
type DatastoreNames map[model.SiteID]map[string]string

// Reverse is ReverseWith, not knowing the datastores' names.
func Reverse(j Journal, now time.Time, by string) (Plan, error) {
	return ReverseWith(j, now, by, nil)
}

// ReverseWith is the way back of a finished plan, without preflight's judgement yet: every
// VM the plan moved, from its target site back to the host, cluster, datastores and port
// groups it left (as the journal recorded them when it was handed out), in the waves of the
// way out. The VMs are named by instance UUID and their MoRef at the target.
// Acknowledgements, sizes and what blocks are the engine's to fill in (it judges the way
// back with preflight). The plan's notes say what could not be recorded.
//
// A VM that was on one datastore goes back to it. One that was on several goes back to
// each: its move's record maps each source datastore to the target one by MoRef, and names
// gives their names. A datastore at the target that received the disks of several (or
// whose origin is not known) cannot say where each disk goes back: the VM's storage there
// stays where the plan's source site mounts it, else goes where preflight chooses, and a
// note says so.
func ReverseWith(j Journal, now time.Time, by string, names DatastoreNames) (Plan, error) {
	if j.State.Active() {
		return Plan{}, fmt.Errorf("plan %s is %s: it can be reversed once it has ended", j.Plan.ID, j.State)
	}
	orig := map[string]VM{}
	for _, v := range j.Plan.VMs() {
		orig[v.Name] = v
	}
	p := Plan{Version: Version, ID: ReverseID(j.Plan.ID), From: j.Plan.To, To: j.Plan.From, Profile: j.Plan.Profile,
		Created: now.UTC().Truncate(time.Second), CreatedBy: by, Selection: "the VMs plan " + j.Plan.ID + " moved",
		WaveSize: j.Plan.WaveSize, ReverseOf: j.Plan.ID}
	by2 := map[int][]VM{}
	for _, e := range j.Entries {
		if e.State != model.PlanVMDone {
			continue
		}
		o := orig[e.Name]
		v := VM{Name: e.Name, InstanceUUID: e.InstanceUUID, MoRef: e.TargetVM.Value, Order: o.Order, MemoryMiB: o.MemoryMiB,
			DiskMiB: o.DiskMiB, PoweredOff: o.PoweredOff, Host: e.Record.Target.HostName, Cluster: e.Record.Target.ClusterName,
			Partners: o.Partners, Group: o.Group}
		t := &Target{}
		switch src := e.Source; {
		case src != nil:
			t.Cluster, t.Host = src.Cluster, src.Host
			switch {
			case len(src.Datastores) == 1:
				t.Datastore = src.Datastores[0]
			case len(src.Datastores) > 1:
				var note string
				t.Datastores, note = datastoresBack(e, j.Plan.From, j.Plan.To, names)
				if note != "" {
					p.Notes = append(p.Notes, note)
				}
			}
			for from, to := range src.Networks {
				if to == "" {
					continue
				}
				if t.Networks == nil {
					t.Networks = map[string]string{}
				}
				t.Networks[to] = from
			}
		default:
			// Settled without a move of this plan (found at the target): where it ran when
			// the plan was made.
			t.Cluster, t.Host = o.Cluster, o.Host
			p.Notes = append(p.Notes, fmt.Sprintf("%s did not move with this plan (%s): it goes back to %s, its datastore and port groups chosen as for any move", e.Name, e.Why, o.Host))
		}
		if t.Cluster != "" || t.Host != "" || t.Datastore != "" || len(t.Datastores) > 0 || len(t.Networks) > 0 {
			v.Target = t
		}
		by2[e.Wave] = append(by2[e.Wave], v)
	}
	if len(by2) == 0 {
		return Plan{}, fmt.Errorf("plan %s moved no VM: there is nothing to bring back", j.Plan.ID)
	}
	var waves []int
	for w := range by2 {
		waves = append(waves, w)
	}
	sort.Ints(waves)
	for _, w := range waves {
		vms := by2[w]
		sortBiggestFirst(vms)
		p.Waves = append(p.Waves, Wave{Wave: w, VMs: vms})
	}
	// A partner that did not move (or is not coming back) is no partner on the way back.
	moved := map[string]bool{}
	for _, v := range p.VMs() {
		moved[v.Name] = true
	}
	for wi := range p.Waves {
		for vi := range p.Waves[wi].VMs {
			v := &p.Waves[wi].VMs[vi]
			v.Partners = slices.DeleteFunc(slices.Clone(v.Partners), func(n string) bool { return !moved[n] })
			if len(v.Partners) == 0 {
				v.Partners, v.Group = nil, ""
			}
		}
	}
	return p, nil
}

// datastoresBack maps each datastore a VM of the journal is on at the plan's target (by
// name) back to the one at the plan's source its disks there came from, from the move's
// record (source datastore → target datastore, by MoRef) and the datastores' names. What it
// cannot map is said in the note ("" when it maps all).
func datastoresBack(e Entry, from, to model.SiteID, names DatastoreNames) (map[string]string, string) {
	src := e.Source.Datastores
	pos := map[string]int{}
	for i, d := range src {
		if _, dup := pos[d]; !dup {
			pos[d] = i
		}
	}
	cameFrom := map[string][]string{} // target datastore → the source ones, in the VM's order
	known := map[string]bool{}
	for srcRef, dstRef := range e.Record.Target.Datastores {
		a, b := names[from][srcRef], names[to][dstRef.Value]
		if a == "" || b == "" {
			continue
		}
		if !slices.Contains(cameFrom[b], a) {
			cameFrom[b] = append(cameFrom[b], a)
		}
		known[a] = true
	}
	back := map[string]string{}
	var merged []string
	for _, b := range slices.Sorted(maps.Keys(cameFrom)) {
		as := cameFrom[b]
		slices.SortFunc(as, func(x, y string) int { return cmp.Compare(pos[x], pos[y]) })
		if len(as) == 1 {
			back[b] = as[0]
			continue
		}
		merged = append(merged, fmt.Sprintf("its disks on %s came from %s", b, strings.Join(as, " and ")))
	}
	var unknown []string
	for _, a := range src {
		if !known[a] && !slices.Contains(unknown, a) {
			unknown = append(unknown, a)
		}
	}
	if len(back) == 0 {
		back = nil
	}
	var why []string
	if len(merged) > 0 {
		why = append(why, strings.Join(merged, "; ")+": which disk came from which is not recorded")
	}
	if len(unknown) > 0 {
		why = append(why, fmt.Sprintf("where its disks on %s went is not known", strings.Join(unknown, ", ")))
	}
	if len(why) == 0 {
		return back, ""
	}
	return back, fmt.Sprintf("%s was on %d datastores (%s); %s: those disks stay where %s mounts their storage, else go where preflight chooses",
		e.Name, len(src), strings.Join(src, ", "), strings.Join(why, "; "), from)
}
