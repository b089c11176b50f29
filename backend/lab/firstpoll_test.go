package lab

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

// The lab's own answer to a console's first long poll is, as a client reads it (the XML of
// every object update), the simulator's: every VM, host, cluster, network, port group,
// switch and datastore of the view, each property with the same value, an empty one as
// empty, in pages of 100 objects. Checked on the default lab and on 2,000 VMs (copies included),
// after a VM moved to the other site.
func TestFirstPollIsTheSimulators(t *testing.T) {
	for _, vms := range []int{0, 2000} {
		l, a, b := startLabWith(t, Options{VMs: vms, Speed: 50})
		if vms == 0 {
			vm, ok := findVM(t, a, "web-01")
			if !ok {
				t.Fatal("no web-01")
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if _, err := relocate(t, a, vm, crossSpec(t, a, b, endpoint(t, l, "site-b"), vm, "B-01", metroDatastore)).WaitForResult(ctx); err != nil {
				t.Fatal(err)
			}
			cancel()
		}
		for _, c := range []*govmomi.Client{a, b} {
			slowFirstPoll.Store(false)
			own := ownFirstPolls.Load()
			fast, fastPages := firstPollUpdates(t, c)
			if ownFirstPolls.Load() == own {
				t.Fatalf("%d VMs: the lab did not answer the first poll itself", vms)
			}
			slowFirstPoll.Store(true)
			slow, slowPages := firstPollUpdates(t, c)
			slowFirstPoll.Store(false)
			// Both page 100 objects at a time.
			if fastPages != slowPages || (len(slow) > 100 && slowPages < 2) {
				t.Errorf("%d VMs: %d pages from the lab, %d from the simulator", vms, fastPages, slowPages)
			}
			if len(fast) < 50 || len(fast) != len(slow) {
				t.Fatalf("%d VMs: the lab reported %d objects, the simulator %d", vms, len(fast), len(slow))
			}
			for ref, want := range slow {
				if got := fast[ref]; got != want {
					t.Errorf("%d VMs: %s:\nlab:       %.600s\nsimulator: %.600s", vms, ref, got, want)
				}
			}
		}
	}
}

// firstPollUpdates makes a console's view and filter in c's session and returns the object
// updates of its first long poll (every page), each as XML, by object.
func firstPollUpdates(t *testing.T, c *govmomi.Client) (map[types.ManagedObjectReference]string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	kinds := []string{"VirtualMachine", "HostSystem", "ClusterComputeResource", "Network", "DistributedVirtualPortgroup", "DistributedVirtualSwitch", "Datastore"}
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder, kinds, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Destroy(context.Background()) }()
	pc, err := property.DefaultCollector(c.Client).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pc.Destroy(context.Background()) }()
	specs := []types.PropertySpec{
		{Type: "VirtualMachine", PathSet: []string{"name", "runtime.powerState", "runtime.host", "summary.config.numCpu",
			"summary.config.memorySizeMB", "summary.config.template", "network", "datastore", "config.changeVersion",
			"config.instanceUuid", "config.version", "resourcePool", "parent", "rootSnapshot", "runtime.minRequiredEVCModeKey"}},
		{Type: "HostSystem", PathSet: []string{"name", "parent", "runtime.connectionState", "runtime.inMaintenanceMode",
			"summary.config.vmotionEnabled", "summary.currentEVCModeKey", "summary.maxEVCModeKey", "summary.hardware.cpuModel",
			"summary.quickStats.overallCpuUsage", "config.product.version", "config.virtualNicManagerInfo.netConfig", "config.network.vnic"}},
		{Type: "ClusterComputeResource", PathSet: []string{"name", "summary"}},
		{Type: "Network", PathSet: []string{"name"}},
		{Type: "DistributedVirtualPortgroup", PathSet: []string{"name", "config.defaultPortConfig", "config.distributedVirtualSwitch"}},
		{Type: "DistributedVirtualSwitch", PathSet: []string{"name"}},
		{Type: "Datastore", PathSet: []string{"name", "summary.type", "summary.capacity", "summary.freeSpace", "summary.accessible", "host", "summary.url"}},
	}
	if _, err := pc.CreateFilter(ctx, types.CreateFilter{Spec: types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: v.Reference(), Skip: types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}}}},
		PropSet: specs,
	}}); err != nil {
		t.Fatal(err)
	}
	out := map[types.ManagedObjectReference]string{}
	pages := 0
	req := types.WaitForUpdatesEx{This: pc.Reference(), Options: &types.WaitOptions{MaxWaitSeconds: types.NewInt32(5)}}
	for page := 0; ; page++ {
		res, err := methods.WaitForUpdatesEx(ctx, c.Client, &req)
		if err != nil {
			t.Fatal(err)
		}
		set := res.Returnval
		if set == nil {
			break
		}
		pages++
		for _, fu := range set.FilterSet {
			for _, ou := range fu.ObjectSet {
				slices.SortStableFunc(ou.ChangeSet, func(x, y types.PropertyChange) int { return compareStrings(x.Name, y.Name) })
				b, err := xml.Marshal(ou)
				if err != nil {
					t.Fatal(err)
				}
				out[ou.Obj] = string(b)
			}
		}
		req.Version = set.Version
		if set.Truncated == nil || !*set.Truncated {
			break
		}
	}
	return out, pages
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
