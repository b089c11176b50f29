package lab

import (
	"testing"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// A console's inventory filter (a ContainerView of VMs, hosts and port groups, a few
// properties each) and a move watcher's (a ListView of tasks, their info): each collector
// receives what its filters may report or what changes what they cover, and nothing else.
func TestQuietCollectorInterest(t *testing.T) {
	cv := types.ManagedObjectReference{Type: "ContainerView", Value: "session[1]cv-1"}
	lv := types.ManagedObjectReference{Type: "ListView", Value: "session[2]lv-1"}
	inventory := interestIn([]types.PropertyFilterSpec{{
		ObjectSet: []types.ObjectSpec{{Obj: cv, Skip: types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}}}},
		PropSet: []types.PropertySpec{
			{Type: "VirtualMachine", PathSet: []string{"name", "runtime.powerState", "summary.config.numCpu"}},
			{Type: "HostSystem", PathSet: []string{"summary.quickStats.overallCpuUsage"}},
			{Type: "Network", PathSet: []string{"name"}},
		},
	}})
	watcher := interestIn([]types.PropertyFilterSpec{{
		ObjectSet: []types.ObjectSpec{{Obj: lv, Skip: types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ListView", Path: "view"}}}},
		PropSet: []types.PropertySpec{{Type: "Task", PathSet: []string{"info"}}},
	}})
	entities := interestIn([]types.PropertyFilterSpec{{
		ObjectSet: []types.ObjectSpec{{Obj: types.ManagedObjectReference{Type: "Folder", Value: "group-d1"},
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{SelectionSpec: types.SelectionSpec{Name: "folders"}, Type: "Folder", Path: "childEntity",
				SelectSet: []types.BaseSelectionSpec{&types.SelectionSpec{Name: "folders"}}}}}},
		PropSet: []types.PropertySpec{{Type: "ManagedEntity", PathSet: []string{"name"}}},
	}})

	vm := &simulator.VirtualMachine{}
	vm.Self = types.ManagedObjectReference{Type: "VirtualMachine", Value: "vm-1"}
	host := &simulator.HostSystem{}
	host.Self = types.ManagedObjectReference{Type: "HostSystem", Value: "host-1"}
	pg := &simulator.DistributedVirtualPortgroup{}
	pg.Self = types.ManagedObjectReference{Type: "DistributedVirtualPortgroup", Value: "dvportgroup-1"}
	task := &simulator.Task{}
	task.Self = types.ManagedObjectReference{Type: "Task", Value: "task-1"}
	folder := &simulator.Folder{}
	folder.Self = types.ManagedObjectReference{Type: "Folder", Value: "group-v1"}
	view := &simulator.ContainerView{}
	view.Self = cv

	change := func(names ...string) []types.PropertyChange {
		var out []types.PropertyChange
		for _, n := range names {
			out = append(out, types.PropertyChange{Name: n, Op: types.PropertyChangeOpAssign})
		}
		return out
	}
	for _, tc := range []struct {
		what                         string
		obj                          mo.Reference
		changes                      []types.PropertyChange
		inventory, watcher, entities bool
	}{
		{"a task's progress", task, change("info"), false, true, false},
		{"a VM powered on", vm, change("runtime.powerState"), true, false, false},
		{"a VM's whole runtime", vm, change("runtime"), true, false, false},
		{"a VM's whole summary", vm, change("summary"), true, false, false},
		{"a VM's recent tasks", vm, change("recentTask"), false, false, false},
		{"a VM renamed", vm, change("recentTask", "name"), true, false, true},
		{"a host's quick stats", host, change("summary.quickStats"), true, false, false},
		{"a host's VMs", host, change("vm"), false, false, false},
		{"a port group renamed (a Network)", pg, change("name"), true, false, true},
		{"a port group's VMs", pg, change("vm"), false, false, false},
		{"a folder's children", folder, change("childEntity"), false, false, true},
		{"the inventory's view", view, change("view"), true, false, false},
	} {
		for _, c := range []struct {
			name string
			in   interest
			want bool
		}{{"inventory", inventory, tc.inventory}, {"watcher", watcher, tc.watcher}, {"entities", entities, tc.entities}} {
			if got := c.in.change(tc.obj, tc.changes); got != c.want {
				t.Errorf("%s reaches the %s's collector: %v, want %v", tc.what, c.name, got, c.want)
			}
		}
	}

	// New objects: a task is the watcher's; a VM the inventory's; a folder the entities'.
	for _, tc := range []struct {
		obj                          mo.Reference
		inventory, watcher, entities bool
	}{{task, false, true, false}, {vm, true, false, true}, {folder, false, false, true}} {
		if inventory.object(tc.obj) != tc.inventory || watcher.object(tc.obj) != tc.watcher || entities.object(tc.obj) != tc.entities {
			t.Errorf("new %s: inventory %v, watcher %v, entities %v", tc.obj.Reference().Type,
				inventory.object(tc.obj), watcher.object(tc.obj), entities.object(tc.obj))
		}
	}
}
