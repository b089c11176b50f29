package backend_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
	"github.com/vmcross/vmcross/fabric"
)

// These tests run the Engine against the built-in lab exactly as `vmcross` does: config
// from the lab, verified TLS, two sites.

func startLabEngine(t *testing.T) (*lab.Lab, *backend.Engine) {
	t.Helper()
	return startLab(t, lab.Options{}, quickSites...)
}

// quickSites are the site options of most lab tests: a short long poll and quick retries.
var quickSites = []backend.SiteOption{backend.WithPollWait(time.Second), backend.WithBackoff(100*time.Millisecond, 400*time.Millisecond)}

// startLab starts a lab with lo and an engine on it with the sites' options opts, and waits
// until both sites have loaded. Both stop with the test.
func startLab(tb testing.TB, lo lab.Options, opts ...backend.SiteOption) (*lab.Lab, *backend.Engine) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	l, err := lab.Start(ctx, lo)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(l.Close)
	specs, err := l.Config().Specs()
	if err != nil {
		tb.Fatal(err)
	}
	e := backend.NewEngine(specs, opts...)
	// As the console on the lab does: the lab's cluster mapping, its simulated vCenters.
	m := l.Config().Mapping
	e.SetMapping(preflight.Mapping{Clusters: m.Clusters, Datastores: m.Datastores, PortGroups: m.PortGroups})
	e.SetSimulated(true)
	runCtx, stop := context.WithCancel(context.Background())
	tb.Cleanup(func() { stop(); e.Close() })
	e.Start(runCtx)
	if err := e.WaitLoaded(ctx); err != nil {
		tb.Fatal(err)
	}
	return l, e
}

// otherClient is "any other client" (govc, the vSphere Client) logged into one lab site.
func otherClient(t *testing.T, l *lab.Lab, id model.SiteID) *govmomi.Client {
	t.Helper()
	ep, _ := l.Endpoint(id)
	u, err := soap.ParseURL(ep.URL)
	if err != nil {
		t.Fatal(err)
	}
	sc := soap.NewClient(u, false)
	sc.SetThumbprint(u.Host, ep.Thumbprint)
	ctx := context.Background()
	vc, err := vim25.NewClient(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	c := &govmomi.Client{Client: vc, SessionManager: session.NewManager(vc)}
	if err := c.Login(ctx, url.UserPassword(ep.Username, ep.Password)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Logout(context.Background()) })
	return c
}

func lookup(st model.State, site model.SiteID, name string) (model.VM, bool) {
	ss, _ := st.Site(site)
	for _, vm := range ss.VMs {
		if vm.Name == name {
			return vm, true
		}
	}
	return model.VM{}, false
}

// waitState reads the subscription until ok holds or the deadline passes.
func waitState(t *testing.T, ch <-chan model.State, within time.Duration, what string, ok func(model.State) bool) model.State {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case st, open := <-ch:
			if !open {
				t.Fatalf("%s: subscription closed", what)
			}
			if ok(st) {
				return st
			}
		case <-deadline:
			t.Fatalf("%s: not seen within %v", what, within)
		}
	}
}

func TestLabInventoryThroughEngine(t *testing.T) {
	_, e := startLabEngine(t)
	st := e.Snapshot()
	if len(st.Sites) != 2 || st.Sites[0].Status.ID != "site-a" || st.Sites[1].Status.ID != "site-b" {
		t.Fatalf("sites: %+v", st.Sites)
	}
	for _, ss := range st.Sites {
		if ss.Status.State != model.Connected || len(ss.VMs) < 60 || len(ss.VMs) > 100 {
			t.Errorf("%s: %s with %d VMs", ss.Status.ID, ss.Status.State, len(ss.VMs))
		}
		for _, vm := range ss.VMs {
			if vm.Key.Site != ss.Status.ID {
				t.Errorf("%s keyed to %s in %s", vm.Name, vm.Key.Site, ss.Status.ID)
			}
		}
	}
	web, ok := lookup(st, "site-a", "web-01")
	if !ok || web.Power != model.PoweredOn || len(web.VLANs) != 1 || web.VLANs[0] != 110 || web.Cluster == "" || web.Host == "" {
		t.Errorf("web-01: %+v", web)
	}
	if vm, _ := lookup(st, "site-a", "dmz-app-1"); len(vm.VLANs) != 1 || vm.VLANs[0] != 300 {
		t.Errorf("dmz-app-1 VLANs %v", vm.VLANs)
	}
	if vm, _ := lookup(st, "site-a", "archive-01"); vm.Power != model.PoweredOff {
		t.Errorf("archive-01 is %s", vm.Power)
	}
	if vm, _ := lookup(st, "site-a", "big-db"); vm.MemoryMiB != 65536 {
		t.Errorf("big-db has %d MiB", vm.MemoryMiB)
	}
	if _, ok := lookup(st, "site-b", "sql-node-1"); ok {
		t.Error("site-a's sql-node-1 shows at site-b")
	}
}

func TestLabPowerOffByAnotherClientShowsLive(t *testing.T) {
	l, e := startLabEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := e.Subscribe(ctx)

	c := otherClient(t, l, "site-a")
	vm := findVM(t, c, "web-01")
	task, err := vm.PowerOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, ch, liveWithin, "web-01 powered off", func(s model.State) bool {
		v, _ := lookup(s, "site-a", "web-01")
		return v.Power == model.PoweredOff
	})
	if v, ok := lookup(st, "site-b", "atl-web-01"); !ok || v.Power != model.PoweredOn {
		t.Errorf("the power-off at site-a changed site-b: atl-web-01 %+v", v)
	}

	task, err = vm.Rename(ctx, "web-01-old")
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	waitState(t, ch, liveWithin, "rename", func(s model.State) bool {
		_, renamed := lookup(s, "site-a", "web-01-old")
		_, old := lookup(s, "site-a", "web-01")
		return renamed && !old
	})
}

func TestLabReconnectAfterSessionInvalidated(t *testing.T) {
	l, e := startLabEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := e.Subscribe(ctx)

	// An administrator ends every session but their own (vCenter's "terminate session").
	c := otherClient(t, l, "site-b")
	mine, err := c.SessionManager.UserSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, s := range sessionKeys(t, c) {
		if s != mine.Key {
			keys = append(keys, s)
		}
	}
	if len(keys) == 0 {
		t.Fatal("vmcross has no session at site-b")
	}
	if err := c.SessionManager.TerminateSession(ctx, keys); err != nil {
		t.Fatal(err)
	}
	waitState(t, ch, 10*time.Second, "site-b disconnected", func(s model.State) bool {
		ss, _ := s.Site("site-b")
		return ss.Status.State == model.Disconnected && ss.Status.Err != ""
	})
	waitState(t, ch, 10*time.Second, "site-b reconnected", func(s model.State) bool {
		ss, _ := s.Site("site-b")
		return ss.Status.State == model.Connected && len(ss.VMs) > 0
	})
	// And it is live again.
	vm := findVM(t, c, "atl-jump-01")
	task, _ := vm.PowerOff(ctx)
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	waitState(t, ch, liveWithin, "power-off after reconnect", func(s model.State) bool {
		v, _ := lookup(s, "site-b", "atl-jump-01")
		return v.Power == model.PoweredOff
	})
}

func sessionKeys(t *testing.T, c *govmomi.Client) []string {
	t.Helper()
	var sm mo.SessionManager
	if err := property.DefaultCollector(c.Client).RetrieveOne(context.Background(), c.SessionManager.Reference(), []string{"sessionList"}, &sm); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, s := range sm.SessionList {
		keys = append(keys, s.Key)
	}
	return keys
}

// The engine with the lab's fabric monitor: a VLAN removed from the DCI trunk on one edge
// shows as not carried in State.Fabric once the switches are polled (here on PollFabric,
// the console's r key), and comes back when it is added again.
func TestLabFabricThroughEngine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := lab.Start(ctx, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	cfg := l.Config()
	specs, err := cfg.Specs()
	if err != nil {
		t.Fatal(err)
	}
	switches, err := cfg.SwitchSpecs()
	if err != nil {
		t.Fatal(err)
	}
	e := backend.NewEngine(specs, backend.WithPollWait(time.Second))
	// A long interval: after the first round, only PollFabric makes the monitor poll.
	e.SetFabric(fabric.NewMonitor(switches, fabric.WithInterval(time.Hour), fabric.WithTimeout(5*time.Second)))
	t.Cleanup(e.Close)
	ch := e.Subscribe(ctx)
	e.Start(ctx)

	carried := func(s model.State, vlan int) (known, ok bool) {
		v, found := s.Fabric.VLAN(vlan)
		return found && !v.Unknown, v.Carried
	}
	// Every VLAN the lab's VMs use is judged: 100-150 carried, 300 (DMZ) not.
	waitState(t, ch, 30*time.Second, "first fabric round covering the VMs' VLANs", func(s model.State) bool {
		for _, v := range []int{100, 110, 120, 130, 140, 150} {
			if known, ok := carried(s, v); !known || !ok {
				return false
			}
		}
		known, ok := carried(s, 300)
		return known && !ok
	})
	if _, err := l.Fabric().Exec("mia-dci-n7k-01", "configure terminal", "interface port-channel10",
		"switchport trunk allowed vlan remove 120", "end"); err != nil {
		t.Fatal(err)
	}
	if err := e.PollFabric(context.Background(), tester); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, ch, 10*time.Second, "VLAN 120 not carried", func(s model.State) bool {
		known, ok := carried(s, 120)
		return known && !ok
	})
	found := false
	for _, f := range st.Fabric.Findings {
		if f.Code == fabric.CodeVLANNotExtended && f.VLAN == 120 && f.Severity == fabric.SeverityBlock {
			found = true
		}
	}
	if !found {
		t.Errorf("no VLAN_NOT_EXTENDED finding for VLAN 120: %+v", st.Fabric.Findings)
	}
	if _, err := l.Fabric().Exec("mia-dci-n7k-01", "configure terminal", "interface port-channel10",
		"switchport trunk allowed vlan add 120", "end"); err != nil {
		t.Fatal(err)
	}
	if err := e.PollFabric(context.Background(), tester); err != nil {
		t.Fatal(err)
	}
	waitState(t, ch, 10*time.Second, "VLAN 120 carried again", func(s model.State) bool {
		known, ok := carried(s, 120)
		return known && ok
	})
}

// A reconfiguration by another client (govc vm.change -name -c -m) shows live: the
// simulator announces only config.changeVersion, and the site re-reads the VM.
func TestLabReconfigureShowsLive(t *testing.T) {
	l, e := startLabEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := e.Subscribe(ctx)
	c := otherClient(t, l, "site-a")
	vm := findVM(t, c, "app-03")
	task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{Name: "app-03-big", NumCPUs: 12, MemoryMB: 24576})
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	waitState(t, ch, liveWithin, "reconfigured app-03", func(s model.State) bool {
		v, ok := lookup(s, "site-a", "app-03-big")
		_, old := lookup(s, "site-a", "app-03")
		return ok && !old && v.CPU == 12 && v.MemoryMiB == 24576
	})
}

// findVM finds a VM by name through another client.
func findVM(t *testing.T, c *govmomi.Client, name string) *object.VirtualMachine {
	t.Helper()
	vm, err := find.NewFinder(c.Client).VirtualMachine(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return vm
}

// tester is the operator the tests act as.
var tester = model.Operator{Name: "tester", From: "go test", Role: model.RoleOperator}

// startLabEngineWith is startLabEngine with the sites' options given (the defaults of
// vmcross apart from them), for tests that time how the engine sees a failing vCenter.
func startLabEngineWith(t *testing.T, opts ...backend.SiteOption) (*lab.Lab, *backend.Engine) {
	t.Helper()
	return startLab(t, lab.Options{}, opts...)
}

// liveWithin bounds how long a change made by another client may take to show in the
// engine's State. The tests check that it shows at all (the change arrives through the
// engine's long poll, normally within milliseconds: BenchmarkMoveProgressLatency measures
// it); the bound is generous because CI runs these under -race on two busy cores, where
// the simulator re-reads a watcher's whole filter for every change it announces: behind a
// burst of moves the engine's view lags 1-4 s under -race since the lab stopped announcing
// what no collector can use (BenchmarkInventoryLagDuringMoves; it was 10-30 s before).
const liveWithin = 30 * time.Second
