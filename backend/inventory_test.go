package backend

import (
	"reflect"
	"testing"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

func ref(kind, value string) types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: kind, Value: value}
}

func enter(obj types.ManagedObjectReference, kv ...any) types.ObjectUpdate {
	u := types.ObjectUpdate{Kind: types.ObjectUpdateKindEnter, Obj: obj}
	for i := 0; i < len(kv); i += 2 {
		u.ChangeSet = append(u.ChangeSet, types.PropertyChange{Name: kv[i].(string), Op: types.PropertyChangeOpAssign, Val: kv[i+1]})
	}
	return u
}

func TestInventoryResolves(t *testing.T) {
	inv := newInventory("site-a")
	refs := func(r ...types.ManagedObjectReference) types.ArrayOfManagedObjectReference {
		return types.ArrayOfManagedObjectReference{ManagedObjectReference: r}
	}
	vlan := func(id int32) types.VMwareDVSPortSetting {
		return types.VMwareDVSPortSetting{Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: id}}
	}
	inv.apply([]types.ObjectUpdate{
		// The VM comes before what it refers to: names resolve at snapshot time.
		enter(ref("VirtualMachine", "vm-1"), "name", "web-01", "runtime.powerState", types.VirtualMachinePowerStatePoweredOn,
			"runtime.host", ref("HostSystem", "host-1"), "summary.config.numCpu", int32(4), "summary.config.memorySizeMB", int32(8192),
			"network", refs(ref("DistributedVirtualPortgroup", "dvpg-130"), ref("DistributedVirtualPortgroup", "dvpg-120"), ref("Network", "net-1")),
			"datastore", refs(ref("Datastore", "ds-2"), ref("Datastore", "ds-1")), "summary.config.template", false),
		enter(ref("HostSystem", "host-1"), "name", "esx-a-01", "parent", ref("ClusterComputeResource", "c-1")),
		enter(ref("ClusterComputeResource", "c-1"), "name", "A-01"),
		enter(ref("DistributedVirtualPortgroup", "dvpg-120"), "name", "prod-120", "config.defaultPortConfig", vlan(120)),
		enter(ref("DistributedVirtualPortgroup", "dvpg-130"), "name", "prod-130", "config.defaultPortConfig", &types.VMwareDVSPortSetting{
			Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 130}}),
		enter(ref("Network", "net-1"), "name", "VM Network"),
		enter(ref("Datastore", "ds-1"), "name", "ds-a-01"),
		enter(ref("Datastore", "ds-2"), "name", "ds-a-02"),
		enter(ref("VirtualMachine", "vm-2"), "name", "tmpl", "runtime.host", ref("HostSystem", "host-9"), "summary.config.template", true),
	})
	first, changed := inv.snapshot()
	if !changed {
		t.Fatal("no change reported")
	}
	want := []model.VM{
		{Key: model.VMKey{Site: "site-a", MoRef: "vm-2"}, Name: "tmpl", Template: true},
		{Key: model.VMKey{Site: "site-a", MoRef: "vm-1"}, Name: "web-01", Power: model.PoweredOn, Host: "esx-a-01", Cluster: "A-01", CPU: 4, MemoryMiB: 8192,
			VLANs: []int{120, 130}, Networks: []string{"VM Network", "prod-120", "prod-130"}, Datastores: []string{"ds-a-01", "ds-a-02"}},
	}
	if !reflect.DeepEqual(first, want) {
		t.Fatalf("got  %+v\nwant %+v", first, want)
	}
	if _, changed := inv.snapshot(); changed {
		t.Error("a second snapshot with no update reports a change")
	}

	// A host rename reaches every VM on it; a removed VM goes; earlier snapshots stay as they were.
	inv.apply([]types.ObjectUpdate{
		{Kind: types.ObjectUpdateKindModify, Obj: ref("HostSystem", "host-1"), ChangeSet: []types.PropertyChange{{Name: "name", Op: types.PropertyChangeOpAssign, Val: "esx-a-09"}}},
		{Kind: types.ObjectUpdateKindModify, Obj: ref("VirtualMachine", "vm-1"), ChangeSet: []types.PropertyChange{{Name: "network", Op: types.PropertyChangeOpRemove}}},
		{Kind: types.ObjectUpdateKindLeave, Obj: ref("VirtualMachine", "vm-2")},
	})
	second, _ := inv.snapshot()
	if len(second) != 1 || second[0].Host != "esx-a-09" || second[0].Networks != nil || second[0].VLANs != nil {
		t.Errorf("after updates: %+v", second)
	}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("an earlier snapshot changed: %+v", first)
	}
}

// TestInventoryResync covers vcsim's filter resync: every object is sent again as Enter,
// and a Leave in the same batch may be lost. Objects the resync leaves out are gone.
func TestInventoryResync(t *testing.T) {
	inv := newInventory("site-a")
	inv.apply([]types.ObjectUpdate{
		enter(ref("VirtualMachine", "vm-1"), "name", "a"),
		enter(ref("VirtualMachine", "vm-2"), "name", "b"),
		enter(ref("Datastore", "ds-1"), "name", "ds"),
	})
	if vms, _ := inv.snapshot(); len(vms) != 2 {
		t.Fatalf("loaded %+v", vms)
	}
	// A new VM alone is no resync.
	inv.apply([]types.ObjectUpdate{enter(ref("VirtualMachine", "vm-3"), "name", "c")})
	if vms, _ := inv.snapshot(); len(vms) != 3 {
		t.Fatalf("after a new VM: %+v", vms)
	}
	// Resync over two pages, without vm-2 and its Leave.
	inv.apply([]types.ObjectUpdate{enter(ref("VirtualMachine", "vm-1"), "name", "a"), enter(ref("Datastore", "ds-1"), "name", "ds")})
	inv.apply([]types.ObjectUpdate{enter(ref("VirtualMachine", "vm-3"), "name", "c")})
	vms, _ := inv.snapshot()
	if len(vms) != 2 || vms[0].Name != "a" || vms[1].Name != "c" {
		t.Errorf("after resync: %+v", vms)
	}
	if len(inv.datastores) != 1 {
		t.Errorf("datastores after resync: %v", inv.datastores)
	}
}
