package backend

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// twoSites starts two simulated vCenters and an engine over both.
func twoSites(t *testing.T) (*Engine, *vcenter, *vcenter) {
	t.Helper()
	a := newVCenter(t, "site-a", nil)
	b := newVCenter(t, "site-b", nil)
	e := startEngine(t, []SiteSpec{a.spec, b.spec})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.WaitLoaded(ctx); err != nil {
		t.Fatal(err)
	}
	return e, a, b
}

func TestEngineTwoSites(t *testing.T) {
	t.Parallel()
	e, a, b := twoSites(t)
	st := e.Snapshot()
	if len(st.Sites) != 2 || st.Sites[0].Status.ID != "site-a" || st.Sites[1].Status.ID != "site-b" {
		t.Fatalf("sites = %s, want site-a then site-b", describeState(st))
	}
	for i, vc := range []*vcenter{a, b} {
		ss := st.Sites[i]
		if ss.Status.State != model.Connected || ss.Status.Name != vc.spec.Name || ss.Status.Host != vc.server.URL.Host {
			t.Errorf("status %+v", ss.Status)
		}
		want := vc.expectedVMs(t)
		if len(ss.VMs) != len(want) {
			t.Fatalf("%s: %d VMs, want %d", vc.spec.ID, len(ss.VMs), len(want))
		}
		// Both simulators issue the same MoRefs: the key keeps them apart.
		for _, vm := range ss.VMs {
			if vm.Key.Site != vc.spec.ID {
				t.Errorf("VM %s keyed to %s, lives on %s", vm.Name, vm.Key.Site, vc.spec.ID)
			}
		}
	}
	if st.Gen < 3 {
		t.Errorf("Gen = %d after two loads, want it to have grown", st.Gen)
	}
}

func TestEngineLiveUpdates(t *testing.T) {
	t.Parallel()
	e, a, b := twoSites(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := e.Subscribe(ctx)

	within := func(d time.Duration) context.Context {
		c, cancel := context.WithTimeout(ctx, d)
		t.Cleanup(cancel)
		return c
	}
	opCtx := within(10 * time.Second)

	// Power off through another client.
	vm := a.vm(t, "DC0_H0_VM0")
	task, err := vm.PowerOff(opCtx)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(opCtx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitFor(t, within(2*time.Second), sub, "DC0_H0_VM0 powered off", func(st model.State) bool {
		v, ok := findVM(st, "site-a", "DC0_H0_VM0")
		return ok && v.Power == model.PoweredOff
	})
	t.Logf("power-off seen after %s", time.Since(start).Round(time.Millisecond))

	// Rename: the other site, which has a VM of the same name and MoRef, must not change.
	before, _ := findVM(e.Snapshot(), "site-b", "DC0_H0_VM1")
	task, err = b.vm(t, "DC0_H0_VM1").Rename(opCtx, "db-01")
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(opCtx); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, within(2*time.Second), sub, "rename to db-01", func(st model.State) bool {
		v, ok := findVM(st, "site-b", "db-01")
		return ok && v.Key == before.Key
	})
	if _, ok := findVM(st, "site-a", "DC0_H0_VM1"); !ok {
		t.Error("the rename on site-b renamed site-a's VM too")
	}
	if _, ok := findVM(st, "site-b", "DC0_H0_VM1"); ok {
		t.Error("the old name is still listed")
	}

	// Host change: relocate a cluster VM to another host of its cluster.
	var hosts []mo.HostSystem
	pc := property.DefaultCollector(a.other.Client)
	c0, _ := findVM(e.Snapshot(), "site-a", "DC0_C0_RP0_VM0")
	var vmo mo.VirtualMachine
	ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: c0.Key.MoRef}
	if err := pc.RetrieveOne(opCtx, ref, []string{"runtime.host"}, &vmo); err != nil {
		t.Fatal(err)
	}
	var host mo.HostSystem
	if err := pc.RetrieveOne(opCtx, *vmo.Runtime.Host, []string{"parent"}, &host); err != nil {
		t.Fatal(err)
	}
	var cluster mo.ClusterComputeResource
	if err := pc.RetrieveOne(opCtx, *host.Parent, []string{"host"}, &cluster); err != nil {
		t.Fatal(err)
	}
	if err := pc.Retrieve(opCtx, cluster.Host, []string{"name"}, &hosts); err != nil {
		t.Fatal(err)
	}
	var target mo.HostSystem
	for _, h := range hosts {
		if h.Name != c0.Host {
			target = h
			break
		}
	}
	target0 := target.Self
	task, err = object.NewVirtualMachine(a.other.Client, ref).Relocate(opCtx, types.VirtualMachineRelocateSpec{Host: &target0}, types.VirtualMachineMovePriorityDefaultPriority)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(opCtx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, within(2*time.Second), sub, "host change to "+target.Name, func(st model.State) bool {
		v, ok := findVM(st, "site-a", "DC0_C0_RP0_VM0")
		return ok && v.Host == target.Name && v.Cluster == c0.Cluster
	})

	// A destroyed VM goes. (Creating one while the engine watches is left out: vcsim's
	// CreateVM writes the new VM's properties while the collector reads them, a data race
	// inside the simulator that -race reports.)
	gone := a.vm(t, "DC0_C0_RP0_VM1")
	if task, err = gone.PowerOff(opCtx); err == nil {
		err = task.Wait(opCtx)
	}
	if err != nil {
		t.Fatal(err)
	}
	if task, err = gone.Destroy(opCtx); err == nil {
		err = task.Wait(opCtx)
	}
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, within(2*time.Second), sub, "DC0_C0_RP0_VM1 gone", func(st model.State) bool {
		_, ok := findVM(st, "site-a", "DC0_C0_RP0_VM1")
		return !ok
	})
}

// otherSessions terminates every session on the vCenter except the other client's own:
// what an administrator does from the vSphere UI, or what an expiry does.
func (vc *vcenter) terminateOtherSessions(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sm := session.NewManager(vc.other.Client)
	me, err := sm.UserSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var m mo.SessionManager
	if err := property.DefaultCollector(vc.other.Client).RetrieveOne(ctx, sm.Reference(), []string{"sessionList"}, &m); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range m.SessionList {
		if s.Key != me.Key {
			ids = append(ids, s.Key)
		}
	}
	if len(ids) == 0 {
		t.Fatal("no session to terminate")
	}
	if err := sm.TerminateSession(ctx, ids); err != nil {
		t.Fatal(err)
	}
}

func TestEngineReconnects(t *testing.T) {
	t.Parallel()
	e, a, _ := twoSites(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sub := e.Subscribe(ctx)
	waitFor(t, ctx, sub, "site-a connected", func(st model.State) bool {
		ss, _ := st.Site("site-a")
		return ss.Status.State == model.Connected
	})

	a.terminateOtherSessions(t)
	st := waitFor(t, ctx, sub, "site-a disconnected", func(st model.State) bool {
		ss, _ := st.Site("site-a")
		return ss.Status.State == model.Disconnected
	})
	ss, _ := st.Site("site-a")
	t.Log(ss.Status.Err)
	if !strings.HasPrefix(ss.Status.Err, "site-a: watch: the vCenter session ended") {
		t.Errorf("error = %q, want a sentence about the ended session", ss.Status.Err)
	}
	if len(ss.VMs) == 0 {
		t.Error("the last known VMs should stay listed while the site reconnects")
	}
	if other, _ := st.Site("site-b"); other.Status.State != model.Connected {
		t.Errorf("site-b is %s; only site-a lost its session", other.Status.State)
	}
	waitFor(t, ctx, sub, "site-a connected again", func(st model.State) bool {
		ss, _ := st.Site("site-a")
		return ss.Status.State == model.Connected && ss.Status.Err == ""
	})

	// Updates flow on the new session.
	opCtx, opCancel := context.WithTimeout(ctx, 5*time.Second)
	defer opCancel()
	task, err := a.vm(t, "DC0_H0_VM1").PowerOff(opCtx)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(opCtx); err != nil {
		t.Fatal(err)
	}
	seen, seenCancel := context.WithTimeout(ctx, 2*time.Second)
	defer seenCancel()
	waitFor(t, seen, sub, "power-off after reconnect", func(st model.State) bool {
		v, ok := findVM(st, "site-a", "DC0_H0_VM1")
		return ok && v.Power == model.PoweredOff
	})
}

func TestSubscribeCoalesces(t *testing.T) {
	t.Parallel()
	e := NewEngine([]SiteSpec{{ID: "site-a"}, {ID: "site-b"}}) // never started
	defer e.Close()
	ctx, cancel := context.WithCancel(context.Background())
	sub := e.Subscribe(ctx)
	first := <-sub
	if first.Gen != 1 || len(first.Sites) != 2 {
		t.Fatalf("first state = %+v, want Gen 1 with both sites", first)
	}

	// 1,000 changes while the reader sleeps: the engine never waits for it.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 1000 {
			e.siteChanged(i%2, model.SiteSnapshot{Status: model.SiteStatus{ID: model.SiteID([]string{"site-a", "site-b"}[i%2]), State: model.Connected}})
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the engine blocked on a subscriber that does not read")
	}
	last := e.Snapshot().Gen
	if last != 1001 {
		t.Fatalf("Gen = %d after 1,000 changes, want 1001", last)
	}
	// The reader gets the latest within two reads (one may be the state it was offered
	// before it fell behind), never the 999 in between.
	var got []uint64
	for len(got) == 0 || got[len(got)-1] != last {
		select {
		case st := <-sub:
			got = append(got, st.Gen)
		case <-time.After(2 * time.Second):
			t.Fatalf("never got Gen %d; got %v", last, got)
		}
	}
	if len(got) > 2 {
		t.Errorf("reader got %d states %v, want the latest at once", len(got), got)
	}
	// Snapshots handed out are not changed by later updates.
	if first.Sites[0].Status.State != model.Connecting {
		t.Error("an earlier snapshot changed")
	}

	cancel()
	select {
	case _, open := <-sub:
		if open {
			// One state may have been in flight; the next read must see the close.
			if _, open = <-sub; open {
				t.Fatal("channel still open after ctx was cancelled")
			}
		}
	case <-time.After(2 * time.Second):
		t.Fatal("channel not closed after ctx was cancelled")
	}

	// Close ends the remaining subscriptions too, and later ones start closed.
	sub2 := e.Subscribe(context.Background())
	<-sub2
	e.Close()
	if _, open := <-sub2; open {
		t.Error("subscription open after Close")
	}
	if _, open := <-e.Subscribe(context.Background()); open {
		t.Error("subscription after Close is open")
	}
}

func TestWaitLoadedNamesPendingSites(t *testing.T) {
	t.Parallel()
	e := NewEngine([]SiteSpec{{ID: "site-a"}, {ID: "site-b"}}) // never started
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := e.WaitLoaded(ctx)
	if err == nil || !strings.Contains(err.Error(), "site-a, site-b: still connecting") {
		t.Errorf("error = %v", err)
	}
}

// TestEngineCloseLeavesNothing runs alone (not parallel) so that it can count goroutines.
func TestEngineCloseLeavesNothing(t *testing.T) {
	a := newVCenter(t, "site-a", nil)
	b := newVCenter(t, "site-b", nil)
	// Default poll wait: Close must also end the server's side of a long poll.
	conns := countGoroutines("net/http.(*persistConn).readLoop")
	e := NewEngine([]SiteSpec{a.spec, b.spec}, WithBackoff(50*time.Millisecond, 100*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e.Start(ctx)
	sub := e.Subscribe(ctx)
	if err := e.WaitLoaded(ctx); err != nil {
		t.Fatal(err)
	}
	<-sub
	start := time.Now()
	e.Close()
	d := time.Since(start)
	t.Logf("Close took %s", d.Round(time.Millisecond))
	if d > 3*time.Second {
		t.Errorf("Close took %s", d)
	}
	if _, open := <-sub; open {
		// drain a state that was in flight
		if _, open = <-sub; open {
			t.Error("subscription open after Close")
		}
	}
	noLeaks(t)
	for deadline := time.Now().Add(3 * time.Second); countGoroutines("net/http.(*persistConn).readLoop") > conns; {
		if time.Now().After(deadline) {
			t.Fatalf("%d HTTP client connections left open, want %d", countGoroutines("net/http.(*persistConn).readLoop"), conns)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Close logged out: only the other client's session is left.
	sm := session.NewManager(a.other.Client)
	var m mo.SessionManager
	if err := property.DefaultCollector(a.other.Client).RetrieveOne(ctx, sm.Reference(), []string{"sessionList"}, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.SessionList) != 1 {
		t.Errorf("%d sessions left on the vCenter after Close, want only the test's own", len(m.SessionList))
	}
}
