package lab

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	govfind "github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// follower follows a site's VMs as the engine does: one ContainerView, a session collector,
// narrow properties, WaitForUpdatesEx; it keeps each VM's name, power state and change
// version.
type follower struct {
	c       *govmomi.Client
	req     types.WaitForUpdatesEx
	vms     map[types.ManagedObjectReference]map[string]any
	answers int
}

func follow(t *testing.T, c *govmomi.Client) *follower {
	t.Helper()
	ctx := context.Background()
	cv, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine", "HostSystem"}, true)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := property.DefaultCollector(c.Client).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.CreateFilter(ctx, types.CreateFilter{Spec: types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: cv.Reference(), Skip: types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}}}},
		PropSet: []types.PropertySpec{
			{Type: "VirtualMachine", PathSet: []string{"name", "runtime.powerState", "config.changeVersion"}},
			{Type: "HostSystem", PathSet: []string{"name", "runtime.inMaintenanceMode"}},
		},
	}}); err != nil {
		t.Fatal(err)
	}
	wait := int32(1)
	f := &follower{c: c, vms: map[types.ManagedObjectReference]map[string]any{},
		req: types.WaitForUpdatesEx{This: pc.Reference(), Options: &types.WaitOptions{MaxWaitSeconds: &wait}}}
	f.poll(t) // the load
	return f
}

// poll reads answers until a wait ends with no change.
func (f *follower) poll(t *testing.T) {
	t.Helper()
	for {
		res, err := methods.WaitForUpdatesEx(context.Background(), f.c.Client, &f.req)
		if err != nil {
			t.Fatal(err)
		}
		set := res.Returnval
		if set == nil {
			return
		}
		f.answers++
		f.req.Version = set.Version
		for _, fs := range set.FilterSet {
			for _, ou := range fs.ObjectSet {
				if ou.Obj.Type != "VirtualMachine" {
					continue
				}
				switch ou.Kind {
				case types.ObjectUpdateKindLeave:
					delete(f.vms, ou.Obj)
					continue
				case types.ObjectUpdateKindEnter:
					f.vms[ou.Obj] = map[string]any{}
				}
				for _, c := range ou.ChangeSet {
					f.vms[ou.Obj][c.Name] = c.Val
				}
			}
		}
	}
}

// The lab answers plain changes itself, in order, as the simulator would report them, and
// keeps the simulator's way for the rest: after renames, power changes, a reconfiguration, a
// new VM and a destroyed one, what a follower built from the answers is what a fresh read
// says.
func TestFeedFollowsChanges(t *testing.T) {
	l, a, _ := startLabWith(t, Options{VMsPerSite: 400})
	f := follow(t, a)
	ctx := context.Background()
	reg := l.Model("site-a").Map()
	sctx := l.sites[0].relocateContext()

	// A storm of renames and power changes, in the registry as the simulator's methods make
	// them: each VM renamed twice (the last name wins), half of them powered off and on.
	var vms []*simulator.VirtualMachine
	for ref := range f.vms {
		if vm, ok := reg.Get(ref).(*simulator.VirtualMachine); ok && len(vms) < 300 && f.vms[ref]["name"] != "app-02" {
			vms = append(vms, vm)
		}
	}
	start := time.Now()
	for round := range 2 {
		for i, vm := range vms {
			reg.WithLock(sctx, vm, func() {
				reg.Update(sctx, vm, []types.PropertyChange{{Name: "name", Val: fmt.Sprintf("storm-%d-%d", i, round)}})
				if i%2 == 0 {
					state := types.VirtualMachinePowerStatePoweredOff
					if vm.Runtime.PowerState == state {
						state = types.VirtualMachinePowerStatePoweredOn
					}
					reg.Update(sctx, vm, []types.PropertyChange{{Name: "runtime.powerState", Val: state}})
				}
			})
		}
	}
	f.poll(t)
	took := time.Since(start)
	for i, vm := range vms {
		if got := f.vms[vm.Self]["name"]; got != fmt.Sprintf("storm-%d-1", i) {
			t.Fatalf("%s: name %v, want storm-%d-1", vm.Self, got, i)
		}
	}
	t.Logf("%d renames and %d power changes followed in %v, %d answers", 2*len(vms), len(vms), took.Round(time.Millisecond), f.answers)
	if took > 5*time.Second {
		t.Errorf("the changes took %v to follow: not answered by the feed?", took) // 13 s through the simulator
	}

	// The simulator's way: a new VM (enter), a destroyed one (leave), in the same round (the
	// simulator lost such a removal when it read the whole view again: syncFree); and a
	// reconfiguration (only config.changeVersion is announced: a plain change).
	finder := govfind.NewFinder(a.Client, true)
	dc, err := finder.DefaultDatacenter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	finder.SetDatacenter(dc)
	app, err := finder.VirtualMachine(ctx, "app-02")
	if err != nil {
		t.Fatal(err)
	}
	task, err := app.Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: 6})
	if err != nil || task.Wait(ctx) != nil {
		t.Fatal(err)
	}
	clone, err := app.Clone(ctx, mustFolder(t, finder), "app-02-clone", types.VirtualMachineCloneSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if err := clone.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	web, err := finder.VirtualMachine(ctx, "storm-1-1")
	if err != nil {
		t.Fatal(err)
	}
	if task, err := web.PowerOff(ctx); err == nil {
		_ = task.Wait(ctx)
	}
	if task, err = web.Destroy(ctx); err != nil || task.Wait(ctx) != nil {
		t.Fatal(err)
	}
	f.poll(t)

	var fresh []mo.VirtualMachine
	m := view.NewManager(a.Client)
	cv, err := m.CreateContainerView(ctx, a.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := cv.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "runtime.powerState", "config.changeVersion"}, &fresh); err != nil {
		t.Fatal(err)
	}
	if len(fresh) != len(f.vms) {
		inFresh := map[types.ManagedObjectReference]bool{}
		for _, vm := range fresh {
			inFresh[vm.Self] = true
		}
		for ref, v := range f.vms {
			if !inFresh[ref] {
				t.Logf("followed, not in a fresh read: %s %v", ref, v)
			}
		}
		t.Fatalf("followed %d VMs, a fresh read has %d", len(f.vms), len(fresh))
	}
	for _, vm := range fresh {
		got := f.vms[vm.Self]
		if got == nil || got["name"] != vm.Name || got["runtime.powerState"] != vm.Runtime.PowerState || got["config.changeVersion"] != vm.Config.ChangeVersion {
			t.Errorf("%s: followed %v; a fresh read: %s %s %s", vm.Self, got, vm.Name, vm.Runtime.PowerState, vm.Config.ChangeVersion)
		}
	}
}

func mustFolder(t *testing.T, f *govfind.Finder) *object.Folder {
	t.Helper()
	folder, err := f.DefaultFolder(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return folder
}
