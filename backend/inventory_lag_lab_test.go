package backend_test

// How far the engine's view of a site falls behind a burst of moves on the lab, and why.
// vcsim's WaitForUpdatesEx re-reads everything a filter covers (deep-copied through XML)
// for every update it has queued since its last round, whatever object the update is about
// (simulator/property_collector.go, PropertyCollector.apply): the inventory's filter covers
// every VM, host and datastore of the site, so each update that reaches the inventory's
// collector costs one whole read of the inventory. The lab keeps the relocations' progress
// from reaching collectors that do not follow tasks (lab/relocate_announce.go) and announces
// it a few times a second at most (lab/relocate.go). What this measures: the announcements
// a second during 8 moves, the cost of one read of the inventory, and how long after each
// move's task ended the engine's State showed the VM at its target.

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// updateCounter counts the announcements of one lab site's registry, by object type: every
// property collector of the site receives each of them.
type updateCounter struct {
	self types.ManagedObjectReference
	mu   sync.Mutex
	n    map[string]int
}

func (c *updateCounter) Reference() types.ManagedObjectReference { return c.self }

func (c *updateCounter) count(kind string) {
	c.mu.Lock()
	c.n[kind]++
	c.mu.Unlock()
}

func (c *updateCounter) PutObject(_ *simulator.Context, o mo.Reference) {
	c.count(o.Reference().Type + " enter")
}

func (c *updateCounter) UpdateObject(_ *simulator.Context, o mo.Reference, _ []types.PropertyChange) {
	c.count(o.Reference().Type)
}

func (c *updateCounter) RemoveObject(_ *simulator.Context, ref types.ManagedObjectReference) {
	c.count(ref.Type + " leave")
}

func (c *updateCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.n
	c.n = map[string]int{}
	return out
}

// BenchmarkInventoryLagDuringMoves moves 8 web servers at once from site A to site B of the
// default lab at real speed through the engine (no fabric: nothing limits them but the
// cap of 8), and reports: the announcements a second of site A's registry (all, and the
// relocations' tasks'), the real time of one read of the inventory's properties through a
// ContainerView (what vcsim does for each of them in each long poll), and the lag from each
// task's end to the engine's State showing the VM at site B and gone from site A (median and
// largest). Run it with and without -race.
func BenchmarkInventoryLagDuringMoves(b *testing.B) {
	names := []string{"web-02", "web-03", "web-04", "web-05", "web-06", "web-07", "web-08", "web-09"}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		l, e := startLab(b, lab.Options{Speed: 1}, quickSites...)
		reg := l.Model(siteA).Map()
		counter := &updateCounter{self: types.ManagedObjectReference{Type: "vmcrossCounter", Value: "updates"}, n: map[string]int{}}
		reg.AddHandler(counter)
		b.Cleanup(func() { reg.RemoveHandler(counter) })
		c := labClient(b, l, siteA)
		readMs := inventoryReadMs(b, c)

		st := e.Snapshot()
		var keys []model.VMKey
		acked := map[model.VMKey][]string{}
		for _, n := range names {
			vm, ok := lookup(st, siteA, n)
			if !ok {
				b.Fatalf("%s not at site-a", n)
			}
			keys = append(keys, vm.Key)
			acked[vm.Key] = []string{preflight.CodeFabricNotConfigured}
		}
		// The engine's side: when its State first shows each VM at B and not at A.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		seen := map[string]time.Time{}
		var mu sync.Mutex
		done := make(chan struct{})
		go func() {
			defer close(done)
			for st := range e.Subscribe(ctx) {
				now := time.Now()
				mu.Lock()
				for _, n := range names {
					_, atA := lookup(st, siteA, n)
					_, atB := lookup(st, siteB, n)
					if _, ok := seen[n]; !ok && atB && !atA {
						seen[n] = now
					}
				}
				all := len(seen) == len(names)
				mu.Unlock()
				if all {
					return
				}
			}
		}()
		counter.take()
		b.StartTimer()
		began := time.Now()
		res, err := e.Migrate(ctx, tester, preflight.Request{VMs: keys, To: siteB}, acked)
		if err != nil || len(res.Moves) != len(names) {
			b.Fatalf("migrate: %+v, %v", res, err)
		}
		<-done
		b.StopTimer()
		took := time.Since(began)
		counts := counter.take()
		cancel()

		// The lag from each task's end, as the lab recorded it, to the engine's State.
		var lag []time.Duration
		pc := property.DefaultCollector(c.Client)
		for _, m := range movesOf(e.Snapshot(), moveIDs(res.Moves)) {
			var t mo.Task
			err := pc.RetrieveOne(context.Background(), types.ManagedObjectReference{Type: m.Task.Type, Value: m.Task.Value}, []string{"info"}, &t)
			mu.Lock()
			at, shown := seen[m.VMName]
			mu.Unlock()
			if err != nil || !shown || t.Info.CompleteTime == nil {
				b.Fatalf("%s: task %v, shown %v: %+v", m.VMName, err, shown, m)
			}
			lag = append(lag, at.Sub(*t.Info.CompleteTime))
		}
		slices.Sort(lag)
		all := 0
		var kinds []string
		for k, n := range counts {
			all += n
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		var byKind strings.Builder
		for _, k := range kinds {
			byKind.WriteString(" " + k + ":" + strconv.Itoa(counts[k]))
		}
		perSec := float64(all) / took.Seconds()
		b.ReportMetric(perSec, "updates/s")
		b.ReportMetric(float64(counts["Task"])/took.Seconds(), "task_updates/s")
		b.ReportMetric(readMs, "inventory_read_ms")
		b.ReportMetric(perSec*readMs/1000, "reads_cpu_s/s")
		b.ReportMetric(float64(lag[len(lag)/2].Milliseconds()), "lag_median_ms")
		b.ReportMetric(float64(lag[len(lag)-1].Milliseconds()), "lag_max_ms")
		b.Logf("8 moves in %v: %d announcements at site A (%.0f/s;%s); one read of the inventory %.1f ms; lag from a task's end to the engine's State %v",
			took.Round(time.Millisecond), all, perSec, byKind.String(), readMs, lag)
	}
}

// inventoryReadMs is the real time, in milliseconds, of one read of site A's inventory
// through a ContainerView of the inventory's types with properties like the inventory's
// (the median of 5), from another client: what vcsim does for each update in each long
// poll of the engine's inventory.
func inventoryReadMs(tb testing.TB, c *govmomi.Client) float64 {
	tb.Helper()
	ctx := context.Background()
	kinds := []string{"VirtualMachine", "HostSystem", "ClusterComputeResource", "Network", "DistributedVirtualPortgroup",
		"DistributedVirtualSwitch", "Datastore"}
	cv, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder, kinds, true)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = cv.Destroy(ctx) }()
	spec := types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: cv.Reference(), Skip: types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}}}},
		PropSet: []types.PropertySpec{
			{Type: "VirtualMachine", PathSet: []string{"name", "runtime.powerState", "runtime.host", "summary.config.numCpu",
				"summary.config.memorySizeMB", "summary.config.template", "network", "datastore", "config.changeVersion",
				"config.instanceUuid", "config.version", "resourcePool", "parent", "rootSnapshot", "runtime.minRequiredEVCModeKey"}},
			{Type: "HostSystem", PathSet: []string{"name", "parent", "runtime.connectionState", "runtime.inMaintenanceMode",
				"summary.config.vmotionEnabled", "summary.currentEVCModeKey", "summary.maxEVCModeKey", "summary.hardware.cpuModel",
				"summary.hardware.cpuMhz", "summary.hardware.numCpuCores", "summary.hardware.memorySize",
				"summary.quickStats.overallCpuUsage", "summary.quickStats.overallMemoryUsage", "config.product.version",
				"config.virtualNicManagerInfo.netConfig", "config.network.vnic"}},
			{Type: "ClusterComputeResource", PathSet: []string{"name", "summary"}},
			{Type: "Network", PathSet: []string{"name"}},
			{Type: "DistributedVirtualPortgroup", PathSet: []string{"name", "config.defaultPortConfig", "config.distributedVirtualSwitch"}},
			{Type: "DistributedVirtualSwitch", PathSet: []string{"name"}},
			{Type: "Datastore", PathSet: []string{"name", "summary.type", "summary.capacity", "summary.freeSpace",
				"summary.accessible", "host", "summary.url"}},
		},
	}
	var ms []float64
	for range 5 {
		start := time.Now()
		if _, err := methods.RetrieveProperties(ctx, c.Client, &types.RetrieveProperties{
			This: c.ServiceContent.PropertyCollector, SpecSet: []types.PropertyFilterSpec{spec}}); err != nil {
			tb.Fatal(err)
		}
		ms = append(ms, float64(time.Since(start).Microseconds())/1000)
	}
	slices.Sort(ms)
	return ms[len(ms)/2]
}

// labClient is another client of a lab site, as otherClient, for a benchmark too.
func labClient(tb testing.TB, l *lab.Lab, id model.SiteID) *govmomi.Client {
	tb.Helper()
	ep, _ := l.Endpoint(id)
	u, err := soap.ParseURL(ep.URL)
	if err != nil {
		tb.Fatal(err)
	}
	sc := soap.NewClient(u, false)
	sc.SetThumbprint(u.Host, ep.Thumbprint)
	ctx := context.Background()
	vc, err := vim25.NewClient(ctx, sc)
	if err != nil {
		tb.Fatal(err)
	}
	c := &govmomi.Client{Client: vc, SessionManager: session.NewManager(vc)}
	if err := c.Login(ctx, url.UserPassword(ep.Username, ep.Password)); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Logout(context.Background()) })
	return c
}
