package backend_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
	"github.com/vmcross/vmcross/backend/preflight"
)

// relocCounter counts the RelocateVM_Task calls each VM receives at each site: a VM moved
// once has exactly one at the site it left.
type relocCounter struct {
	mu sync.Mutex
	n  map[string]int // "site-a/vm-42" → calls
}

func countRelocates(l *lab.Lab) *relocCounter {
	c := &relocCounter{n: map[string]int{}}
	for _, id := range []model.SiteID{"site-a", "site-b"} {
		l.SetHandler(id, func(_ *simulator.Context, m *simulator.Method) (mo.Reference, types.BaseMethodFault) {
			if m.Name == "RelocateVM_Task" {
				c.mu.Lock()
				c.n[string(id)+"/"+m.This.Value]++
				c.mu.Unlock()
			}
			return nil, nil
		})
	}
	return c
}

func (c *relocCounter) calls(site model.SiteID, moref string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[string(site)+"/"+moref]
}

// planRig is a lab, an engine with an audit log, its plans journaled in a temp dir, and
// the lab's relocations counted.
type planRig struct {
	l      *lab.Lab
	e      *backend.Engine
	plans  *backend.Plans
	dir    string
	relocs *relocCounter
}

func startPlanRig(t *testing.T, speed float64) *planRig {
	t.Helper()
	l, e := startLab(t, lab.Options{Speed: speed}, quickSites...)
	if err := e.EnableAudit(filepath.Join(t.TempDir(), "audit.log")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := backend.NewPlans(e, dir)
	t.Cleanup(p.Close)
	return &planRig{l: l, e: e, plans: p, dir: dir, relocs: countRelocates(l)}
}

// keys are the site-a keys of the named VMs.
func (r *planRig) keys(t *testing.T, names ...string) []model.VMKey {
	t.Helper()
	var out []model.VMKey
	for _, n := range names {
		vm, ok := lookup(r.e.Snapshot(), "site-a", n)
		if !ok {
			t.Fatalf("%s not at site-a", n)
		}
		out = append(out, vm.Key)
	}
	return out
}

func (r *planRig) wait(t *testing.T, id string, within time.Duration) model.PlanStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	st, err := r.plans.Wait(ctx, id)
	if err != nil {
		t.Fatalf("plan %s: %v (%s: %s)", id, err, st.State, st.Why)
	}
	return st
}

// siteVMs reads a site's VMs through a client of its own: name → instance UUID, host, and
// how many VMs of that name there are.
type siteVM struct {
	moref, uuid, host string
	datastores        []string
	count             int
}

func readSite(t *testing.T, l *lab.Lab, site model.SiteID) map[string]siteVM {
	t.Helper()
	c := otherClient(t, l, site)
	ctx := context.Background()
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine", "HostSystem", "Datastore"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()
	var vms []mo.VirtualMachine
	if err := v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "config.instanceUuid", "runtime.host", "datastore"}, &vms); err != nil {
		t.Fatal(err)
	}
	hosts := map[string]string{}
	var hs []mo.HostSystem
	if err := v.Retrieve(ctx, []string{"HostSystem"}, []string{"name"}, &hs); err == nil {
		for _, h := range hs {
			hosts[h.Self.Value] = h.Name
		}
	}
	dsNames := map[string]string{}
	var ds []mo.Datastore
	if err := v.Retrieve(ctx, []string{"Datastore"}, []string{"name"}, &ds); err == nil {
		for _, d := range ds {
			dsNames[d.Self.Value] = d.Name
		}
	}
	out := map[string]siteVM{}
	for _, vm := range vms {
		s := out[vm.Name]
		s.count++
		s.moref = vm.Self.Value
		if vm.Config != nil {
			s.uuid = vm.Config.InstanceUuid
		}
		if vm.Runtime.Host != nil {
			s.host = hosts[vm.Runtime.Host.Value]
		}
		s.datastores = nil
		for _, d := range vm.Datastore {
			s.datastores = append(s.datastores, dsNames[d.Value])
		}
		sort.Strings(s.datastores)
		out[vm.Name] = s
	}
	return out
}

// A plan of six VMs in three waves runs wave after wave to the end: every VM at site-b with
// its instance UUID, each relocated once, the moves tagged with the plan and their wave, the
// journal done; its way back returns each VM to the host and datastore it left.
func TestPlanRunAndReverseOnLab(t *testing.T) {
	r := startPlanRig(t, 20)
	ctx := context.Background()
	names := []string{"web-02", "web-03", "web-04", "app-02", "app-03", "dns-01"}
	before := readSite(t, r.l, "site-a")
	prop, err := r.plans.Propose(ctx, tester, backend.ProposeRequest{VMs: r.keys(t, names...), To: "site-b", WaveSize: 2,
		ID: "evac-test-run", Selection: "test"})
	if err != nil {
		t.Fatal(err)
	}
	pl := prop.Plan
	if len(pl.Waves) != 3 || pl.Count() != 6 || len(pl.Skipped) != 0 {
		t.Fatalf("plan: %d waves, %d VMs, skipped %+v", len(pl.Waves), pl.Count(), pl.Skipped)
	}
	// The two app servers (8 GiB each, the biggest) are not in one wave.
	for _, w := range pl.Waves {
		apps := 0
		for _, v := range w.VMs {
			if strings.HasPrefix(v.Name, "app-") {
				apps++
			}
			if len(v.Acknowledge) == 0 || !strings.HasPrefix(v.Acknowledge[0], preflight.CodeFabricNotConfigured) {
				t.Errorf("%s acknowledges %q", v.Name, v.Acknowledge)
			}
		}
		if apps > 1 {
			t.Errorf("wave %d holds both app servers", w.Wave)
		}
	}
	t0 := time.Now()
	st, err := r.plans.Start(ctx, tester, pl, backend.StartOptions{})
	if err != nil || st.State != model.PlanRunning || st.Waves != 3 {
		t.Fatalf("start: %+v %v", st, err)
	}
	if _, err := r.plans.Start(ctx, tester, pl, backend.StartOptions{}); !errors.Is(err, backend.ErrPlanExists) {
		t.Errorf("a second start: want ErrPlanExists, got %v", err)
	}
	// The waves do not overlap: a wave's first move starts after the previous wave's last ended.
	st = r.wait(t, pl.ID, 2*time.Minute)
	t.Logf("plan of %d VMs in %d waves ran in %v", pl.Count(), len(pl.Waves), time.Since(t0).Round(time.Millisecond))
	if st.State != model.PlanDone || st.Count(model.PlanVMDone) != 6 {
		t.Fatalf("plan ended %s (%s): %+v", st.State, st.Why, st.VMs)
	}
	waveEnd := map[int]time.Time{}
	waveStart := map[int]time.Time{}
	for _, m := range r.e.Snapshot().Moves {
		if m.Plan != pl.ID || m.Wave == 0 {
			t.Errorf("move %s of %s: plan %q wave %d", m.ID, m.VMName, m.Plan, m.Wave)
			continue
		}
		if s, ok := waveStart[m.Wave]; !ok || m.Queued.Before(s) {
			waveStart[m.Wave] = m.Queued
		}
		if m.Ended.After(waveEnd[m.Wave]) {
			waveEnd[m.Wave] = m.Ended
		}
	}
	for w := 2; w <= 3; w++ {
		if waveStart[w].Before(waveEnd[w-1]) {
			t.Errorf("wave %d queued at %v, before wave %d ended at %v", w, waveStart[w], w-1, waveEnd[w-1])
		}
	}
	j, err := plan.LoadJournal(plan.JournalPath(r.dir, pl.ID))
	if err != nil || j.State != model.PlanDone {
		t.Fatalf("journal: %s %v", j.State, err)
	}
	after := readSite(t, r.l, "site-b")
	for _, n := range names {
		b, a := before[n], after[n]
		if a.count != 1 || a.uuid != b.uuid || r.relocs.calls("site-a", b.moref) != 1 {
			t.Errorf("%s: %d at site-b, uuid %s (was %s), %d relocates", n, a.count, a.uuid, b.uuid, r.relocs.calls("site-a", b.moref))
		}
	}
	for _, e := range j.Entries {
		if e.Source == nil || e.Source.Host == "" || len(e.Source.Datastores) == 0 || len(e.Source.Networks) == 0 {
			t.Errorf("%s: source not recorded: %+v", e.Name, e.Source)
		}
	}

	// The way back. Reverse waits a while for the inventory to show where the VMs are; on
	// a slow machine (the race detector) a site can stay silent longer after the moves.
	r.inventoryShows(t, "site-b", names...)
	back, err := r.plans.Reverse(ctx, tester, pl.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	bp := back.Plan
	if bp.ID != plan.ReverseID(pl.ID) || bp.From != "site-b" || bp.To != "site-a" || bp.Count() != 6 || len(bp.Skipped) != 0 {
		t.Fatalf("reverse: %s %s→%s %d VMs, skipped %+v", bp.ID, bp.From, bp.To, bp.Count(), bp.Skipped)
	}
	for _, v := range bp.VMs() {
		if v.Target == nil || v.Target.Host != before[v.Name].host || v.Target.Datastore == "" || len(v.Target.Networks) == 0 {
			t.Errorf("%s goes back to %+v, came from %s", v.Name, v.Target, before[v.Name].host)
		}
	}
	if _, err := r.plans.Start(ctx, tester, bp, backend.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if st := r.wait(t, bp.ID, 2*time.Minute); st.Count(model.PlanVMDone) != 6 {
		t.Fatalf("way back: %s %s %+v", st.State, st.Why, st.VMs)
	}
	home := readSite(t, r.l, "site-a")
	gone := readSite(t, r.l, "site-b")
	for _, n := range names {
		b, h := before[n], home[n]
		if h.count != 1 || gone[n].count != 0 || h.uuid != b.uuid || h.host != b.host || !slices.Equal(h.datastores, b.datastores) {
			t.Errorf("%s back home: %+v, was %+v; %d left at site-b", n, h, b, gone[n].count)
		}
		if c := r.relocs.calls("site-b", after[n].moref); c != 1 {
			t.Errorf("%s: %d relocates at site-b", n, c)
		}
	}
}

// inventoryShows waits until the engine lists the named VMs at site and not at the other.
func (r *planRig) inventoryShows(t *testing.T, site model.SiteID, names ...string) {
	t.Helper()
	other := model.SiteID("site-a")
	if site == other {
		other = "site-b"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	waitState(t, r.e.Subscribe(ctx), 2*time.Minute, "VMs at "+string(site), func(st model.State) bool {
		for _, n := range names {
			_, here := lookup(st, site, n)
			_, there := lookup(st, other, n)
			if !here || there {
				return false
			}
		}
		return true
	})
}

// A paused plan hands out no new wave; the moves handed out go on; resumed, it ends.
func TestPlanPauseResumeOnLab(t *testing.T) {
	r := startPlanRig(t, 20)
	ctx := context.Background()
	prop, err := r.plans.Propose(ctx, tester, backend.ProposeRequest{VMs: r.keys(t, "web-05", "web-06"), To: "site-b", WaveSize: 1, ID: "evac-test-pause"})
	if err != nil {
		t.Fatal(err)
	}
	sub, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	updates := r.plans.Subscribe(sub)
	if _, err := r.plans.Start(ctx, tester, prop.Plan, backend.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	status := func(list []model.PlanStatus) model.PlanStatus {
		for _, s := range list {
			if s.ID == prop.Plan.ID {
				return s
			}
		}
		return model.PlanStatus{}
	}
	// Paused once wave 1 is handed out: it ends; wave 2 stays pending.
	paused := false
	for list := range updates {
		st := status(list)
		if !paused && st.Wave == 1 {
			if err := r.plans.Pause(ctx, tester, prop.Plan.ID); err != nil {
				t.Fatal(err)
			}
			paused = true
		}
		if st.Count(model.PlanVMDone) == 1 {
			break
		}
	}
	time.Sleep(500 * time.Millisecond)
	st, _ := r.plans.Status(prop.Plan.ID)
	if st.State != model.PlanPaused || st.Count(model.PlanVMDone) != 1 || st.Count(model.PlanVMPending) != 1 {
		t.Fatalf("paused plan: %s, %+v", st.State, st.VMs)
	}
	if err := r.plans.Resume(ctx, tester, prop.Plan.ID); err != nil {
		t.Fatal(err)
	}
	if st := r.wait(t, prop.Plan.ID, time.Minute); st.Count(model.PlanVMDone) != 2 {
		t.Fatalf("resumed plan: %s %+v", st.State, st.VMs)
	}
}

// The partners of a guest cluster stay in one wave, and are skipped together when one is
// blocked; order tags come from the custom attribute vmcross.order; --order rules win over
// it; the biggest movers spread over the waves of their order.
func TestPlanProposeOnLab(t *testing.T) {
	r := startPlanRig(t, 20)
	ctx := context.Background()
	c := otherClient(t, r.l, "site-a")
	cfm, err := object.GetCustomFieldsManager(c.Client)
	if err != nil {
		t.Fatal(err)
	}
	def, err := cfm.Add(ctx, backend.OrderAttribute, "VirtualMachine", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	setOrder := func(name, v string) {
		vm, _ := lookup(r.e.Snapshot(), "site-a", name)
		if err := cfm.Set(ctx, types.ManagedObjectReference{Type: "VirtualMachine", Value: vm.Key.MoRef}, def.Key, v); err != nil {
			t.Fatal(err)
		}
	}
	setOrder("dns-01", "1")
	setOrder("ad-dc-01", "1")
	setOrder("web-07", "2")
	setOrder("web-08", "high")

	// Two web servers in a DRS affinity rule: partners.
	web9, _ := lookup(r.e.Snapshot(), "site-a", "web-09")
	web10, _ := lookup(r.e.Snapshot(), "site-a", "web-10")
	if web9.Cluster != web10.Cluster {
		t.Fatalf("web-09 in %s, web-10 in %s", web9.Cluster, web10.Cluster)
	}
	cl := object.NewClusterComputeResource(c.Client, types.ManagedObjectReference{Type: "ClusterComputeResource", Value: web9.ClusterRef.Value})
	task, err := cl.Reconfigure(ctx, &types.ClusterConfigSpecEx{RulesSpec: []types.ClusterRuleSpec{{
		ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationAdd},
		Info: &types.ClusterAffinityRuleSpec{ClusterRuleInfo: types.ClusterRuleInfo{Name: "web-pair", Enabled: types.NewBool(true)},
			Vm: []types.ManagedObjectReference{{Type: "VirtualMachine", Value: web9.Key.MoRef}, {Type: "VirtualMachine", Value: web10.Key.MoRef}}},
	}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}

	names := []string{"sql-node-1", "sql-node-2", "web-01", "dns-01", "ad-dc-01", "web-07", "web-08", "web-09", "web-10",
		"k8s-worker-01", "k8s-worker-02", "k8s-worker-03", "db-01", "db-02", "cache-01", "app-04", "app-05"}
	prop, err := r.plans.Propose(ctx, tester, backend.ProposeRequest{VMs: r.keys(t, names...), To: "site-b", WaveSize: 3,
		Orders: []plan.OrderRule{{Glob: "ad-dc-*", Order: 0}}, Scope: "site-a"})
	if err != nil {
		t.Fatal(err)
	}
	pl := prop.Plan
	data, _ := plan.Marshal(pl, prop.Annotations)
	t.Logf("plan:\n%s", data)
	if !strings.HasPrefix(pl.ID, "evac-") || !strings.HasSuffix(pl.ID, "-site-a") {
		t.Errorf("id %s", pl.ID)
	}
	skipped := map[string]string{}
	for _, s := range pl.Skipped {
		skipped[s.Name] = s.Reason
	}
	if !strings.Contains(skipped["sql-node-1"], "RDM_BUS_SHARING") || !strings.Contains(skipped["sql-node-2"], "RDM_BUS_SHARING") {
		t.Errorf("skipped: %v", skipped)
	}
	waveOf := map[string]int{}
	byName := map[string]plan.VM{}
	for _, w := range pl.Waves {
		for _, v := range w.VMs {
			waveOf[v.Name] = w.Wave
			byName[v.Name] = v
		}
		if len(w.VMs) > 3 {
			t.Errorf("wave %d holds %d VMs", w.Wave, len(w.VMs))
		}
	}
	// ad-dc-01 (--order 0) first, then dns-01 (attribute 1), then web-07 (2), then the rest.
	if waveOf["ad-dc-01"] != 1 || waveOf["dns-01"] != 2 || waveOf["web-07"] != 3 || byName["web-08"].Order != nil {
		t.Errorf("ordered waves: ad-dc-01 %d, dns-01 %d, web-07 %d; web-08 order %v", waveOf["ad-dc-01"], waveOf["dns-01"], waveOf["web-07"], byName["web-08"].Order)
	}
	if waveOf["web-09"] != waveOf["web-10"] || !slices.Equal(byName["web-09"].Partners, []string{"web-10"}) || !strings.Contains(byName["web-09"].Group, "web-pair") {
		t.Errorf("partners: web-09 in %d, web-10 in %d, %+v", waveOf["web-09"], waveOf["web-10"], byName["web-09"])
	}
	// The five biggest untagged movers (3 k8s workers, 2 databases) land in different waves.
	big := map[int]int{}
	for _, n := range []string{"k8s-worker-01", "k8s-worker-02", "k8s-worker-03", "db-01", "db-02"} {
		big[waveOf[n]]++
	}
	if len(big) < 4 {
		t.Errorf("the biggest movers crowd together: %v", big)
	}
	joined := strings.Join(pl.Notes, "\n")
	if !strings.Contains(joined, "web-08") || !strings.Contains(joined, "not a whole number") {
		t.Errorf("notes: %q", pl.Notes)
	}
	if prop.Prediction.Total <= 0 || len(prop.Prediction.Waves) != len(pl.Waves) {
		t.Errorf("prediction: %+v", prop.Prediction)
	}
	// The file round-trips.
	back, err := plan.Parse(data, "plan.yaml")
	if err != nil || back.Count() != pl.Count() || len(back.Skipped) != len(pl.Skipped) {
		t.Fatalf("round trip: %v", err)
	}
}

// An engine that dies mid-plan (its moves go on in vCenter) leaves a journal from which a new
// engine re-attaches: a move whose task ended meanwhile ends as vCenter says (here: its VM
// was found at the target before the journal recorded its task), a running task the journal
// did not record is found among the VM's recent tasks and followed, and the next wave is
// handed out. Every VM is relocated exactly once.
func TestPlanAdoptAfterACrashOnLab(t *testing.T) {
	r := startPlanRig(t, 2)
	ctx := context.Background()
	names := []string{"app-06", "web-05", "web-06"}
	before := readSite(t, r.l, "site-a")
	prop, err := r.plans.Propose(ctx, tester, backend.ProposeRequest{VMs: r.keys(t, names...), To: "site-b", WaveSize: 2, ID: "evac-test-crash",
		Orders: []plan.OrderRule{{Glob: "web-06", Order: 2}, {Glob: "*", Order: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	pl := prop.Plan
	if len(pl.Waves) != 2 || len(pl.Waves[0].VMs) != 2 || pl.Waves[0].VMs[0].Name != "app-06" {
		t.Fatalf("waves: %+v", pl.Waves)
	}
	first := map[string]bool{pl.Waves[0].VMs[0].Name: true, pl.Waves[0].VMs[1].Name: true}
	sub, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	updates := r.plans.Subscribe(sub)
	if _, err := r.plans.Start(ctx, tester, pl, backend.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	// Both moves of wave 1 have their task: the engine dies.
	for list := range updates {
		moving := 0
		for _, s := range list {
			for _, v := range s.VMs {
				if first[v.Name] && v.State == model.PlanVMMoving {
					moving++
				}
			}
		}
		if moving == 2 {
			break
		}
	}
	r.plans.Close()
	r.e.Close()
	path := plan.JournalPath(r.dir, pl.ID)
	j, err := plan.LoadJournal(path)
	if err != nil || j.State != model.PlanRunning {
		t.Fatalf("journal: %s %v", j.State, err)
	}
	// As if killed before the journal recorded their tasks: the web server's move (it ends
	// while nothing follows it) and the app server's (still running at the restart).
	for i := range j.Entries {
		e := &j.Entries[i]
		if first[e.Name] {
			if e.Record.Task.IsZero() {
				t.Fatalf("%s: no task journaled", e.Name)
			}
			e.State, e.Record = model.PlanVMSubmitted, model.Move{}
		}
	}
	if err := j.Save(path); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for readSite(t, r.l, "site-b")["web-05"].count == 0 {
		if time.Now().After(deadline) {
			t.Fatal("web-05 never reached site-b")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if readSite(t, r.l, "site-b")["app-06"].count != 0 {
		t.Fatal("app-06 finished before the restart: the test needs it running")
	}

	_, e2 := startLab2(t, r.l)
	p2 := backend.NewPlans(e2, r.dir)
	t.Cleanup(p2.Close)
	st, err := p2.Adopt(ctx, tester, pl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Adopted {
		t.Errorf("status: %+v", st)
	}
	byName := map[string]model.PlanVM{}
	for _, v := range st.VMs {
		byName[v.Name] = v
	}
	// app-06 still runs, unless the machine is slow enough (the race detector) for it to
	// have ended while the new engine started: then it is found at site-b.
	if app := byName["app-06"].State; byName["web-05"].State != model.PlanVMDone || (app != model.PlanVMMoving && app != model.PlanVMDone) ||
		byName["web-06"].State != model.PlanVMPending {
		t.Errorf("after re-attaching: %+v", st.VMs)
	}
	t.Logf("re-attached: web-05 %s (%s), app-06 %s (%s)", byName["web-05"].State, byName["web-05"].Why, byName["app-06"].State, byName["app-06"].Why)
	if _, err := p2.Adopt(ctx, tester, pl.ID); err == nil {
		t.Error("a second adopt was taken")
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	st, err = p2.Wait(wctx, pl.ID)
	if err != nil || st.State != model.PlanDone || st.Count(model.PlanVMDone) != 3 {
		t.Fatalf("adopted plan: %v %s %+v", err, st.State, st.VMs)
	}
	after := readSite(t, r.l, "site-b")
	home := readSite(t, r.l, "site-a")
	for _, n := range names {
		if after[n].count != 1 || home[n].count != 0 || after[n].uuid != before[n].uuid || r.relocs.calls("site-a", before[n].moref) != 1 {
			t.Errorf("%s: %d at site-b, %d at site-a, uuid %s (was %s), %d relocates", n, after[n].count, home[n].count,
				after[n].uuid, before[n].uuid, r.relocs.calls("site-a", before[n].moref))
		}
	}
	// A finished plan is not adopted again.
	if _, err := p2.Adopt(ctx, tester, pl.ID); err == nil || !strings.Contains(err.Error(), "ended") {
		t.Errorf("adopting a finished plan: %v", err)
	}
}

// startLab2 is a second engine on a running lab, as a restarted vmcross makes.
func startLab2(t *testing.T, l *lab.Lab) (*lab.Lab, *backend.Engine) {
	t.Helper()
	specs, err := l.Config().Specs()
	if err != nil {
		t.Fatal(err)
	}
	e := backend.NewEngine(specs, quickSites...)
	m := l.Config().Mapping
	e.SetMapping(preflight.Mapping{Clusters: m.Clusters, Datastores: m.Datastores, PortGroups: m.PortGroups})
	e.SetSimulated(true)
	if err := e.EnableAudit(filepath.Join(t.TempDir(), "audit.log")); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(func() { stop(); e.Close() })
	e.Start(ctx)
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := e.WaitLoaded(wctx); err != nil {
		t.Fatal(err)
	}
	return l, e
}
