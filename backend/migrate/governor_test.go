package migrate

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// liveGate is a gate the test changes between passes, as the fabric would.
type liveGate struct {
	mu        sync.Mutex
	g         Gate
	flows     []Flow
	refreshed int
	reports   []model.Governor
}

func (l *liveGate) gate(flows []Flow) Gate {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flows = flows
	return l.g
}

func (l *liveGate) set(change func(*Gate)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	change(&l.g)
}

func (l *liveGate) report(g model.Governor) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reports = append(l.reports, g)
}

func (l *liveGate) refresh() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refreshed++
}

func (l *liveGate) lastReport() model.Governor {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.reports) == 0 {
		return model.Governor{}
	}
	return l.reports[len(l.reports)-1]
}

// options wires l into o.
func (l *liveGate) options(o Options) Options {
	o.Gate, o.Report, o.Refresh = l.gate, l.report, l.refresh
	return o
}

// toHost is vm moving to a target host of site-b.
func toHost(v model.VM, host string) Request {
	return Request{VM: v, To: "site-b", Target: model.MoveTarget{Host: model.Ref{Type: "HostSystem", Value: host}, HostName: host}}
}

// onStore puts vm on one datastore of its site.
func onStore(v model.VM, ds string) model.VM {
	v.DatastoreRefs, v.Datastores = []model.Ref{{Type: "Datastore", Value: "ref-" + ds}}, []string{ds}
	return v
}

func states(l []model.Move) (running, queued int) {
	for _, mv := range l {
		switch {
		case mv.State == model.MoveQueued:
			queued++
		case mv.State.Active():
			running++
		}
	}
	return running, queued
}

// waitRunning waits until n moves run and the others are queued with a reason of the
// governor's (not the placeholder of a move not judged yet).
func waitRunning(t *testing.T, r *recorder, n int) []model.Move {
	t.Helper()
	return waitFor(t, r, "moves running", func(l []model.Move) bool {
		run, _ := states(l)
		for _, mv := range l {
			if mv.State == model.MoveQueued && mv.Why == "waiting for its turn" {
				return false
			}
		}
		return run == n
	})
}

// A host takes its limit of moves counting those it sends and those it receives; a site on
// 1 GbE takes 4.
func TestHostLimitCountsSourceAndTarget(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	m, r := newTestManager(t, g, Options{MaxConcurrent: 20, MaxPerHost: 2})
	if _, err := m.Start([]Request{
		toHost(vm("vm-1", "a", "u1", "esx-a1"), "esx-b1"),
		toHost(vm("vm-2", "b", "u2", "esx-a2"), "esx-b1"),
		toHost(vm("vm-3", "c", "u3", "esx-a3"), "esx-b1"), // esx-b1 is full
		toHost(vm("vm-4", "d", "u4", "esx-a3"), "esx-b2"),
	}); err != nil {
		t.Fatal(err)
	}
	l := waitRunning(t, r, 3)
	if l[2].State != model.MoveQueued || l[2].Why != "host esx-b1 at its limit of 2" {
		t.Errorf("c waits for its target host: %+v", l[2])
	}
	if l[3].State != model.MoveRunning {
		t.Errorf("d goes elsewhere and starts: %+v", l[3])
	}
}

func TestHostLimitPerSite(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	m, r := newTestManager(t, g, Options{MaxConcurrent: 20, MaxPerHostAt: map[model.SiteID]int{"site-a": HostLimitFor(1)}})
	var reqs []Request
	for i := range 6 {
		id := string(rune('1' + i))
		reqs = append(reqs, toHost(vm("vm-"+id, "v"+id, "u"+id, "esx-a01-03"), "esx-b-"+id))
	}
	if _, err := m.Start(reqs); err != nil {
		t.Fatal(err)
	}
	l := waitRunning(t, r, 4)
	if l[4].Why != "host esx-a01-03 at its limit of 4" {
		t.Errorf("the fifth waits for its 1 GbE host: %+v", l[4])
	}
	if HostLimitFor(0) != 8 || HostLimitFor(10) != 8 || HostLimitFor(25) != 8 || HostLimitFor(1) != 4 {
		t.Error("HostLimitFor")
	}
}

// Storage vMotions cost 16 of a datastore's 128: the ninth on one datastore waits, a plain
// vMotion from another datastore does not.
func TestDatastoreCost(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	m, r := newTestManager(t, g, Options{MaxConcurrent: 20, MaxPerHost: 20})
	var reqs []Request
	for i := range 9 {
		id := string(rune('a' + i))
		v := onStore(vm("vm-"+id, id, "u"+id, "esx-"+id), "vmfs-a01")
		v.Power, v.MemoryMiB = model.PoweredOn, 4096
		// Its disks move: it sends more than its memory.
		reqs = append(reqs, Request{VM: v, To: "site-b", Bytes: 44 << 30})
	}
	plain := onStore(vm("vm-z", "z", "uz", "esx-z"), "nfs-metro-01")
	plain.Power, plain.MemoryMiB = model.PoweredOn, 4096
	reqs = append(reqs, Request{VM: plain, To: "site-b", Bytes: 4 << 30})
	if _, err := m.Start(reqs); err != nil {
		t.Fatal(err)
	}
	l := waitRunning(t, r, 9)
	if l[8].State != model.MoveQueued || l[8].Why != "datastore vmfs-a01 at its cost limit (128)" {
		t.Errorf("the ninth storage move waits for its datastore: %+v", l[8])
	}
	if l[9].State != model.MoveRunning {
		t.Errorf("the plain vMotion starts: %+v", l[9])
	}
}

// What a move takes: its hosts at both ends; its source datastores at cost 1, or, when its
// storage moves, at 16 with its target datastores.
func TestResourcesOf(t *testing.T) {
	v := onStore(vm("vm-1", "web-01", "u1", "esx-a01-01"), "nfs-metro-01")
	v.Power, v.MemoryMiB, v.VLANs = model.PoweredOn, 4096, []int{110}
	r := Request{VM: v, To: "site-b", Bytes: 4 << 30, Target: model.MoveTarget{
		Host: model.Ref{Value: "host-9"}, HostName: "esx-b01-01",
		Datastore: model.Ref{Value: "datastore-7"}, DatastoreName: "nfs-metro-01",
		Datastores: map[string]model.Ref{"ref-nfs-metro-01": {Value: "datastore-7"}}}}
	res := resourcesOf(r)
	if len(res.hosts) != 2 || res.hosts[0].name != "esx-a01-01" || res.hosts[1].name != "esx-b01-01" || res.hosts[1].site != "site-b" {
		t.Errorf("hosts %+v", res.hosts)
	}
	if len(res.datastores) != 1 || res.datastores[0].cost != VMotionCost || res.datastores[0].name != "nfs-metro-01" {
		t.Errorf("a vMotion's datastores %+v", res.datastores)
	}
	if len(res.vlans) != 1 || res.vlans[0] != 110 {
		t.Errorf("vlans %v", res.vlans)
	}
	for _, storage := range []Request{func() Request { x := r; x.Bytes = 44 << 30; return x }(), func() Request { x := r; x.StorageMoves = true; return x }()} {
		res := resourcesOf(storage)
		if len(res.datastores) != 2 || res.datastores[0].cost != StorageVMotionCost || res.datastores[1].name != "nfs-metro-01" || res.datastores[1].site != "site-b" {
			t.Errorf("a storage move's datastores %+v", res.datastores)
		}
	}
	// A powered-off VM sends its disks only: any bytes are disks.
	off := r
	off.VM.Power, off.Bytes = model.PoweredOff, 1<<30
	if res := resourcesOf(off); res.datastores[0].cost != StorageVMotionCost {
		t.Errorf("a cold move of disks: %+v", res.datastores)
	}
}

// The DCI's limit holds the queue with the gate's words; a pause holds every queued move
// and leaves the running ones; the queue resumes by itself when the gate says so and the
// scheduler is woken. The governor's state follows, with when it last changed.
func TestGateLimitsPausesAndResumes(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	lg := &liveGate{g: Gate{Limited: true, Limit: 2, Held: "the DCI carries 2 moves at 5 Gbps each now (14 Gbps available)",
		Note: "DCI 14 Gbps", AvailableMbps: 14000, NeedMbps: 5000}}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	var clock sync.Mutex
	tick := func() time.Time { clock.Lock(); defer clock.Unlock(); now = now.Add(time.Second); return now }
	m, r := newTestManager(t, g, lg.options(Options{MaxConcurrent: 8, Now: tick}))
	if _, err := m.Start([]Request{
		{VM: vm("vm-1", "a", "u1", "esx-1")}, {VM: vm("vm-2", "b", "u2", "esx-2")},
		{VM: vm("vm-3", "c", "u3", "esx-3")}, {VM: vm("vm-4", "d", "u4", "esx-4")},
	}); err != nil {
		t.Fatal(err)
	}
	l := waitRunning(t, r, 2)
	if l[2].Why != lg.g.Held || l[3].Why != lg.g.Held {
		t.Errorf("c and d wait for the DCI: %q, %q", l[2].Why, l[3].Why)
	}
	gov := lg.lastReport()
	if gov.Limit != 2 || gov.Cap != 8 || gov.DCILimit != 2 || gov.Running != 2 || gov.Queued != 2 || gov.Why != "≤ 2 at once (DCI 14 Gbps)" || gov.Since.IsZero() {
		t.Errorf("governor %+v", gov)
	}
	since := gov.Since
	// The next pass hands the gate the running moves' flows.
	m.Wake()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		lg.mu.Lock()
		flows := lg.flows
		lg.mu.Unlock()
		if len(flows) == 2 && !flows[0].Started.IsZero() && flows[0].Ended.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("flows handed to the gate: %+v", flows)
		}
	}

	lg.set(func(g *Gate) { g.Paused = "the DCI is down" })
	m.Wake()
	l = waitFor(t, r, "paused", func(l []model.Move) bool { return l[3].Why == "paused: the DCI is down" })
	if run, q := states(l); run != 2 || q != 2 {
		t.Errorf("a pause stops nothing that runs and starts nothing: %d running, %d queued", run, q)
	}
	gov = lg.lastReport()
	if gov.Paused != "the DCI is down" || gov.Why != "paused: the DCI is down" || !gov.Since.After(since) {
		t.Errorf("paused governor %+v", gov)
	}

	lg.set(func(g *Gate) { g.Paused, g.Limit, g.Note = "", 3, "DCI 18 Gbps" })
	m.Wake()
	l = waitRunning(t, r, 3)
	if l[2].State != model.MoveRunning || l[3].Why != lg.g.Held {
		t.Errorf("c resumes, d still waits: %+v", l[2:])
	}
	if gov := lg.lastReport(); gov.Paused != "" || gov.Limit != 3 || gov.Why != "≤ 3 at once (DCI 18 Gbps)" {
		t.Errorf("resumed governor %+v", gov)
	}

	// The cap binds when it is lower than the DCI's limit, and says so.
	m.SetOptions(lg.options(Options{MaxConcurrent: 3, Now: tick}))
	lg.set(func(g *Gate) { g.Limit = 10 })
	l = waitFor(t, r, "the cap", func(l []model.Move) bool { return l[3].Why == "3 moves running, the limit" })
	if gov := lg.lastReport(); gov.Limit != 3 || gov.DCILimit != 10 {
		t.Errorf("capped governor %+v", gov)
	}
	// The DCI with no room at all.
	lg.set(func(g *Gate) {
		g.Limit, g.Held = 0, "the DCI has 200 Mbps available, less than the 250 Mbps a move needs"
	})
	m.Wake()
	waitFor(t, r, "no room", func(l []model.Move) bool { return l[3].Why == lg.g.Held })
	if gov := lg.lastReport(); gov.Limit != 0 || !strings.HasPrefix(gov.Why, "held: the DCI has 200 Mbps") {
		t.Errorf("held governor %+v", gov)
	}
}

// The scheduler judges the queue again by itself, without being woken: data goes stale
// with time alone.
func TestRecheckWithoutWake(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	lg := &liveGate{g: Gate{Paused: "the DCI's data is stale (last poll 12:03:01)"}}
	m, r := newTestManager(t, g, lg.options(Options{Recheck: 20 * time.Millisecond}))
	if _, err := m.Start([]Request{{VM: vm("vm-1", "a", "u1", "esx-1")}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, "paused", func(l []model.Move) bool { return l[0].Why == "paused: the DCI's data is stale (last poll 12:03:01)" })
	lg.set(func(g *Gate) { g.Paused = "" })
	waitRunning(t, r, 1)
}

// A move of a VM on a VLAN the DCI does not carry waits; the others go.
func TestVLANNotCarriedHoldsItsVMs(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	lg := &liveGate{g: Gate{VLANs: map[int]string{120: "VLAN 120 is not carried across the DCI"}}}
	m, r := newTestManager(t, g, lg.options(Options{}))
	app := vm("vm-1", "app-01", "u1", "esx-1")
	app.VLANs = []int{100, 120}
	web := vm("vm-2", "web-01", "u2", "esx-2")
	web.VLANs = []int{110}
	if _, err := m.Start([]Request{{VM: app}, {VM: web}}); err != nil {
		t.Fatal(err)
	}
	l := waitRunning(t, r, 1)
	if l[0].State != model.MoveQueued || l[0].Why != "VLAN 120 is not carried across the DCI" || l[1].State != model.MoveRunning {
		t.Errorf("%+v", l)
	}
}

// After a move fails, nothing starts until the gate's data was read after the failure; the
// manager asks for it.
func TestFailureWaitsForAFreshLook(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	lg := &liveGate{g: Gate{Fabric: true, AsOf: time.Now()}}
	m, r := newTestManager(t, g, lg.options(Options{MaxConcurrent: 1}))
	if _, err := m.Start([]Request{{VM: vm("vm-1", "a", "u1", "esx-1")}, {VM: vm("vm-2", "b", "u2", "esx-2")}}); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, r, 1)
	g.release <- struct{}{} // a's start fails
	l := waitFor(t, r, "held", func(l []model.Move) bool {
		return l[0].State == model.MoveFailed && strings.HasPrefix(l[1].Why, "waiting for a fresh look at the DCI: mv-1 a failed at ")
	})
	if l[1].State != model.MoveQueued {
		t.Errorf("b started on data older than a's failure: %+v", l[1])
	}
	lg.mu.Lock()
	asked := lg.refreshed
	lg.mu.Unlock()
	if asked != 1 {
		t.Errorf("a fresh look asked %d times, want 1", asked)
	}
	lg.set(func(g *Gate) { g.AsOf = time.Now().Add(time.Second) })
	m.Wake()
	waitFor(t, r, "b runs", func(l []model.Move) bool { return l[1].State == model.MoveRunning })
}

// A move's rate is measured over at least rateWindow: a burst of progress updates (a busy
// vCenter) does not make it many times the truth.
func TestRateOverAWindow(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	r := &recorder{}
	m := New(nil, nil, r.publish, r.event, Options{Now: func() time.Time { return now }})
	if _, err := m.Start([]Request{{VM: vm("vm-1", "a", "u1", "esx-1"), Bytes: 1000 << 20}}); err != nil {
		t.Fatal(err)
	}
	task := types.ManagedObjectReference{Type: "Task", Value: "task-1"}
	mv := m.moves[0]
	mv.m.State, mv.task, mv.sample = model.MoveRunning, task, now
	info := func(p int32) {
		m.taskInfo("site-a", task, types.TaskInfo{State: types.TaskInfoStateRunning, Progress: p})
	}
	// Ten points in 50 ms, after a stall of a second.
	now = now.Add(time.Second)
	for p := int32(1); p <= 10; p++ {
		now = now.Add(5 * time.Millisecond)
		info(p)
	}
	if got := m.Moves()[0]; got.RateMbps != 0 || got.Progress != 10 {
		t.Fatalf("within the window: rate %d, progress %d", got.RateMbps, got.Progress)
	}
	now = now.Add(2 * time.Second)
	info(30)
	// 30 % of 1000 MiB in 3.05 s.
	bytes, secs := float64(1000<<20), 3.05
	want := int64(0.30 * bytes * 8 / secs / 1e6)
	if got := m.Moves()[0]; got.RateMbps != want || got.ETA <= 0 {
		t.Errorf("rate %d Mbps, want %d; ETA %v", got.RateMbps, want, got.ETA)
	}
}
