package plan

import (
	"fmt"
	"slices"
	"sort"
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

// Reverse is the way back of a finished plan, without preflight's judgement yet: every VM
// the plan moved, from its target site back to the host, cluster, datastore and port groups
// it left (as the journal recorded them when it was handed out), in the waves of the way
// out. The VMs are named by instance UUID and their MoRef at the target. Acknowledgements,
// sizes and what blocks are the engine's to fill in (it judges the way back with preflight).
// A VM's notes say what could not be recorded.
func Reverse(j Journal, now time.Time, by string) (Plan, error) {
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
			if len(src.Datastores) > 0 {
				t.Datastore = src.Datastores[0]
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
			if len(src.Datastores) > 1 {
				p.Notes = append(p.Notes, fmt.Sprintf("%s was on %d datastores (%v): it comes back to %s", e.Name, len(src.Datastores), src.Datastores, t.Datastore))
			}
		default:
			// Settled without a move of this plan (found at the target): where it ran when
			// the plan was made.
			t.Cluster, t.Host = o.Cluster, o.Host
			p.Notes = append(p.Notes, fmt.Sprintf("%s did not move with this plan (%s): it goes back to %s, its datastore and port groups chosen as for any move", e.Name, e.Why, o.Host))
		}
		if t.Cluster != "" || t.Host != "" || t.Datastore != "" || len(t.Networks) > 0 {
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
