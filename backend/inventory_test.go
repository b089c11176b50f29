package backend

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

func ref(kind, value string) types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: kind, Value: value}
}

func mref(kind, value string) model.Ref { return model.Ref{Type: kind, Value: value} }

func refs(r ...types.ManagedObjectReference) types.ArrayOfManagedObjectReference {
	return types.ArrayOfManagedObjectReference{ManagedObjectReference: r}
}

func changes(kv []any) []types.PropertyChange {
	var out []types.PropertyChange
	for i := 0; i < len(kv); i += 2 {
		out = append(out, types.PropertyChange{Name: kv[i].(string), Op: types.PropertyChangeOpAssign, Val: kv[i+1]})
	}
	return out
}

func enter(obj types.ManagedObjectReference, kv ...any) types.ObjectUpdate {
	return types.ObjectUpdate{Kind: types.ObjectUpdateKindEnter, Obj: obj, ChangeSet: changes(kv)}
}

func modify(obj types.ManagedObjectReference, kv ...any) types.ObjectUpdate {
	return types.ObjectUpdate{Kind: types.ObjectUpdateKindModify, Obj: obj, ChangeSet: changes(kv)}
}

func vlanSetting(id int32) types.VMwareDVSPortSetting {
	return types.VMwareDVSPortSetting{Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: id}}
}

func TestInventoryResolves(t *testing.T) {
	inv := newInventory("site-a")
	inv.apply([]types.ObjectUpdate{
		// The VM comes before what it refers to: names resolve at snapshot time.
		enter(ref("VirtualMachine", "vm-1"), "name", "web-01", "runtime.powerState", types.VirtualMachinePowerStatePoweredOn,
			"runtime.host", ref("HostSystem", "host-1"), "summary.config.numCpu", int32(4), "summary.config.memorySizeMB", int32(8192),
			"network", refs(ref("DistributedVirtualPortgroup", "dvpg-130"), ref("DistributedVirtualPortgroup", "dvpg-120"), ref("Network", "net-1")),
			"datastore", refs(ref("Datastore", "ds-2"), ref("Datastore", "ds-1")), "summary.config.template", false,
			"config.changeVersion", "2024-06-01T10:00:00Z", "config.instanceUuid", "5003a1b2-0000-4000-8000-000000000001",
			"config.version", "vmx-19", "resourcePool", ref("ResourcePool", "resgroup-8"), "parent", ref("Folder", "group-v4"),
			"rootSnapshot", refs(ref("VirtualMachineSnapshot", "snapshot-1")), "runtime.minRequiredEVCModeKey", "intel-icelake"),
		enter(ref("HostSystem", "host-1"), "name", "esx-a-01", "parent", ref("ClusterComputeResource", "c-1")),
		enter(ref("ClusterComputeResource", "c-1"), "name", "A-01"),
		enter(ref("DistributedVirtualPortgroup", "dvpg-120"), "name", "prod-120", "config.defaultPortConfig", vlanSetting(120)),
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
		// Its host is unknown: the reference stays, the names are empty.
		{Key: model.VMKey{Site: "site-a", MoRef: "vm-2"}, Name: "tmpl", Template: true, HostRef: mref("HostSystem", "host-9")},
		{Key: model.VMKey{Site: "site-a", MoRef: "vm-1"}, Name: "web-01", Power: model.PoweredOn, Host: "esx-a-01", Cluster: "A-01", CPU: 4, MemoryMiB: 8192,
			VLANs: []int{120, 130}, Networks: []string{"VM Network", "prod-120", "prod-130"}, Datastores: []string{"ds-a-01", "ds-a-02"},
			InstanceUUID: "5003a1b2-0000-4000-8000-000000000001", HWVersion: "vmx-19", ChangeVersion: "2024-06-01T10:00:00Z", Snapshots: 1,
			MinEVCMode: "intel-icelake", HostRef: mref("HostSystem", "host-1"), ClusterRef: mref("ClusterComputeResource", "c-1"),
			PoolRef: mref("ResourcePool", "resgroup-8"), FolderRef: mref("Folder", "group-v4"),
			// References keep the VM's own order.
			DatastoreRefs: []model.Ref{mref("Datastore", "ds-2"), mref("Datastore", "ds-1")},
			NetworkRefs: []model.Ref{mref("DistributedVirtualPortgroup", "dvpg-130"), mref("DistributedVirtualPortgroup", "dvpg-120"),
				mref("Network", "net-1")}},
	}
	if !reflect.DeepEqual(first.VMs, want) {
		t.Fatalf("got  %+v\nwant %+v", first.VMs, want)
	}
	if _, changed := inv.snapshot(); changed {
		t.Error("a second snapshot with no update reports a change")
	}

	// A host rename reaches every VM on it; a removed VM goes; earlier snapshots stay as they were.
	inv.apply([]types.ObjectUpdate{
		modify(ref("HostSystem", "host-1"), "name", "esx-a-09"),
		{Kind: types.ObjectUpdateKindModify, Obj: ref("VirtualMachine", "vm-1"), ChangeSet: []types.PropertyChange{
			{Name: "network", Op: types.PropertyChangeOpRemove}, {Name: "rootSnapshot", Op: types.PropertyChangeOpAssign}}},
		{Kind: types.ObjectUpdateKindLeave, Obj: ref("VirtualMachine", "vm-2")},
	})
	second, _ := inv.snapshot()
	if len(second.VMs) != 1 || second.VMs[0].Host != "esx-a-09" || second.VMs[0].Networks != nil || second.VMs[0].VLANs != nil ||
		second.VMs[0].NetworkRefs != nil || second.VMs[0].Snapshots != 0 {
		t.Errorf("after updates: %+v", second.VMs)
	}
	if !reflect.DeepEqual(first.VMs, want) {
		t.Errorf("an earlier snapshot changed: %+v", first.VMs)
	}
	if len(second.Hosts) != 1 || second.Hosts[0].Name != "esx-a-09" || first.Hosts[0].Name != "esx-a-01" {
		t.Errorf("hosts: now %+v, before %+v", second.Hosts, first.Hosts)
	}
}

// TestInventoryObjects covers the hosts, clusters, datastores and port groups a snapshot
// carries, as vCenter reports them.
func TestInventoryObjects(t *testing.T) {
	inv := newInventory("site-a")
	host := func(value, name, cluster string, cpuUsed, memUsed int32, version string) types.ObjectUpdate {
		return enter(ref("HostSystem", value), "name", name, "parent", ref("ClusterComputeResource", cluster), "config.product.version", version,
			"runtime.connectionState", types.HostSystemConnectionStateConnected, "summary.config.vmotionEnabled", true,
			"summary.currentEVCModeKey", "intel-icelake", "summary.maxEVCModeKey", "intel-sapphirerapids",
			"summary.hardware.cpuModel", "Intel(R) Xeon(R) Gold 6430 CPU @ 2.10GHz", "summary.hardware.cpuMhz", int32(2100),
			"summary.hardware.numCpuCores", int16(64), "summary.hardware.memorySize", int64(1<<40),
			"summary.quickStats.overallCpuUsage", cpuUsed, "summary.quickStats.overallMemoryUsage", memUsed)
	}
	mount := func(host string, mounted, accessible bool) types.DatastoreHostMount {
		return types.DatastoreHostMount{Key: ref("HostSystem", host), MountInfo: types.HostMountInfo{Mounted: &mounted, Accessible: &accessible}}
	}
	inv.apply([]types.ObjectUpdate{
		host("host-2", "esx-a01-02", "c-1", 3000, 100_000, "8.0.3"), // newer than govmomi knows
		host("host-1", "esx-a01-01", "c-1", 1000, 50_000, "8.0.2"),
		enter(ref("HostSystem", "host-9"), "name", "esx-standalone", "parent", ref("ComputeResource", "cr-9"), "config.product.version", "8.x",
			"runtime.connectionState", types.HostSystemConnectionStateDisconnected, "runtime.inMaintenanceMode", true,
			"summary.hardware.cpuModel", "AMD EPYC 9354 32-Core Processor"),
		enter(ref("ClusterComputeResource", "c-1"), "name", "A-01", "summary", types.ClusterComputeResourceSummary{CurrentEVCModeKey: "intel-icelake"}),
		enter(ref("ClusterComputeResource", "c-2"), "name", "A-02", "summary", &types.ClusterComputeResourceSummary{}),
		enter(ref("Datastore", "ds-1"), "name", "vmfs-a01", "summary.type", "VMFS", "summary.capacity", int64(16<<40), "summary.url", "ds:///vmfs/volumes/5f1e0c3a-1a2b3c4d/",
			"summary.freeSpace", int64(10<<40), "summary.accessible", true,
			"host", types.ArrayOfDatastoreHostMount{DatastoreHostMount: []types.DatastoreHostMount{
				mount("host-2", true, true), mount("host-1", true, true), mount("host-9", false, true)}}),
		enter(ref("Datastore", "ds-0"), "name", "nfs-shared", "summary.type", "NFS", "summary.accessible", false,
			"host", []types.DatastoreHostMount{mount("host-1", true, false)}),
		enter(ref("DistributedVirtualSwitch", "dvs-5"), "name", "MIA-DVS01"),
		enter(ref("DistributedVirtualPortgroup", "dvpg-120"), "name", "VLAN120-App", "config.defaultPortConfig", vlanSetting(120),
			"config.distributedVirtualSwitch", ref("DistributedVirtualSwitch", "dvs-5")),
		enter(ref("Network", "net-1"), "name", "VM Network"),
	})
	got, _ := inv.snapshot()

	wantHosts := []model.Host{
		{Ref: mref("HostSystem", "host-1"), Name: "esx-a01-01", ClusterRef: mref("ClusterComputeResource", "c-1"), Connection: "connected",
			VMotion: true, CPUVendor: "intel", CPUModel: "Intel(R) Xeon(R) Gold 6430 CPU @ 2.10GHz", EVCMode: "intel-icelake",
			MaxEVCMode: "intel-sapphirerapids", CPUMhz: 2100 * 64, MemoryMiB: 1 << 20, CPUUsedMhz: 1000, MemoryUsedMiB: 50_000,
			ESXiVersion: "8.0.2", MaxHWVersion: 21},
		{Ref: mref("HostSystem", "host-2"), Name: "esx-a01-02", ClusterRef: mref("ClusterComputeResource", "c-1"), Connection: "connected",
			VMotion: true, CPUVendor: "intel", CPUModel: "Intel(R) Xeon(R) Gold 6430 CPU @ 2.10GHz", EVCMode: "intel-icelake",
			MaxEVCMode: "intel-sapphirerapids", CPUMhz: 2100 * 64, MemoryMiB: 1 << 20, CPUUsedMhz: 3000, MemoryUsedMiB: 100_000,
			ESXiVersion: "8.0.3", MaxHWVersion: 21},
		{Ref: mref("HostSystem", "host-9"), Name: "esx-standalone", Connection: "disconnected", Maintenance: true,
			CPUVendor: "amd", CPUModel: "AMD EPYC 9354 32-Core Processor", ESXiVersion: "8.x"}, // unknown hardware version: 0
	}
	if !reflect.DeepEqual(got.Hosts, wantHosts) {
		t.Errorf("hosts\n got  %+v\n want %+v", got.Hosts, wantHosts)
	}
	wantClusters := []model.Cluster{
		{Ref: mref("ClusterComputeResource", "c-1"), Name: "A-01", EVCMode: "intel-icelake", CPUMhz: 2 * 2100 * 64, MemoryMiB: 2 << 20,
			CPUUsedMhz: 4000, MemoryUsedMiB: 150_000, Hosts: 2},
		{Ref: mref("ClusterComputeResource", "c-2"), Name: "A-02"},
	}
	if !reflect.DeepEqual(got.Clusters, wantClusters) {
		t.Errorf("clusters\n got  %+v\n want %+v", got.Clusters, wantClusters)
	}
	wantDS := []model.Datastore{
		// Unmounted and inaccessible mounts do not count.
		{Ref: mref("Datastore", "ds-0"), Name: "nfs-shared", Type: "NFS"},
		{Ref: mref("Datastore", "ds-1"), Name: "vmfs-a01", Type: "VMFS", CapacityB: 16 << 40, FreeB: 10 << 40, Accessible: true,
			Hosts: []model.Ref{mref("HostSystem", "host-1"), mref("HostSystem", "host-2")}, URL: "ds:///vmfs/volumes/5f1e0c3a-1a2b3c4d/"},
	}
	if !reflect.DeepEqual(got.Datastores, wantDS) {
		t.Errorf("datastores\n got  %+v\n want %+v", got.Datastores, wantDS)
	}
	wantPG := []model.PortGroup{
		{Ref: mref("DistributedVirtualPortgroup", "dvpg-120"), Name: "VLAN120-App", VLAN: 120, Switch: "MIA-DVS01",
			SwitchRef: mref("DistributedVirtualSwitch", "dvs-5")},
		{Ref: mref("Network", "net-1"), Name: "VM Network"},
	}
	if !reflect.DeepEqual(got.PortGroups, wantPG) {
		t.Errorf("port groups\n got  %+v\n want %+v", got.PortGroups, wantPG)
	}

	// A switch rename reaches its port groups.
	inv.apply([]types.ObjectUpdate{modify(ref("DistributedVirtualSwitch", "dvs-5"), "name", "MIA-DVS02")})
	if got, _ := inv.snapshot(); got.PortGroups[0].Switch != "MIA-DVS02" {
		t.Errorf("after the switch rename: %+v", got.PortGroups)
	}
	var snap model.SiteSnapshot
	got.fill(&snap)
	if len(snap.Hosts) != 3 || len(snap.Clusters) != 2 || len(snap.Datastores) != 2 || len(snap.PortGroups) != 2 {
		t.Errorf("fill: %+v", snap)
	}
}

// TestInventoryIncremental: only what changed is built again. A host's load or maintenance
// mode changes the host list and its cluster's totals but resolves no VM; its name reaches
// every VM; a VM's own change resolves that VM only.
func TestInventoryIncremental(t *testing.T) {
	inv := newInventory("site-a")
	var ups []types.ObjectUpdate
	for _, v := range []string{"vm-1", "vm-2", "vm-3"} {
		ups = append(ups, enter(ref("VirtualMachine", v), "name", v, "runtime.host", ref("HostSystem", "host-1")))
	}
	ups = append(ups,
		enter(ref("HostSystem", "host-1"), "name", "esx-1", "parent", ref("ClusterComputeResource", "c-1"),
			"summary.hardware.cpuMhz", int32(2000), "summary.hardware.numCpuCores", int16(10)),
		enter(ref("ClusterComputeResource", "c-1"), "name", "A-01"),
		enter(ref("Datastore", "ds-1"), "name", "ds"))
	inv.apply(ups)
	first, _ := inv.snapshot()
	resolves := 0
	same := func(a, b []model.VM) bool { return len(a) > 0 && len(a) == len(b) && &a[0] == &b[0] }

	inv.apply([]types.ObjectUpdate{modify(ref("HostSystem", "host-1"), "runtime.inMaintenanceMode", true,
		"summary.quickStats.overallCpuUsage", int32(500))})
	second, changed := inv.snapshot()
	if !changed || !same(first.VMs, second.VMs) {
		t.Errorf("a host's load re-built the VM list (changed %v)", changed)
	}
	if !second.Hosts[0].Maintenance || first.Hosts[0].Maintenance || second.Clusters[0].CPUUsedMhz != 500 || second.Clusters[0].CPUMhz != 20000 {
		t.Errorf("hosts %+v, clusters %+v", second.Hosts, second.Clusters)
	}
	if &second.Datastores[0] != &first.Datastores[0] {
		t.Error("datastores re-built, though none changed")
	}

	inv.apply([]types.ObjectUpdate{modify(ref("VirtualMachine", "vm-2"), "name", "vm-2b")})
	for ref := range inv.dirty {
		if ref != "vm-2" {
			t.Errorf("%s dirty", ref)
		}
		resolves++
	}
	third, _ := inv.snapshot()
	if resolves != 1 || same(second.VMs, third.VMs) || third.VMs[1].Name != "vm-2b" {
		t.Errorf("after a VM rename (%d resolved): %+v", resolves, third.VMs)
	}

	inv.apply([]types.ObjectUpdate{modify(ref("ClusterComputeResource", "c-1"), "name", "A-09")})
	if !inv.allDirty {
		t.Error("a cluster rename does not reach the VMs")
	}
	fourth, _ := inv.snapshot()
	for _, vm := range fourth.VMs {
		if vm.Cluster != "A-09" {
			t.Errorf("%s in cluster %q", vm.Name, vm.Cluster)
		}
	}
}

// TestInventoryReread: a reconfigured VM is re-read; what the read leaves out is unset, and
// the re-read asks for no further re-read.
func TestInventoryReread(t *testing.T) {
	inv := newInventory("site-a")
	vm := ref("VirtualMachine", "vm-1")
	inv.apply([]types.ObjectUpdate{enter(vm, "name", "a", "config.changeVersion", "1", "rootSnapshot", refs(ref("VirtualMachineSnapshot", "s-1")),
		"config.version", "vmx-15")})
	inv.snapshot()
	inv.apply([]types.ObjectUpdate{modify(vm, "config.changeVersion", "2")})
	got := inv.takeReconfigured()
	if len(got) != 1 || got[0] != vm {
		t.Fatalf("reconfigured %v", got)
	}
	inv.applyContents([]types.ObjectContent{{Obj: vm, PropSet: []types.DynamicProperty{
		{Name: "name", Val: "b"}, {Name: "config.changeVersion", Val: "2"}, {Name: "config.version", Val: "vmx-19"}}}}, vmPaths(propSpecs))
	if refs := inv.takeReconfigured(); len(refs) != 0 {
		t.Errorf("the re-read asks for another: %v", refs)
	}
	view, _ := inv.snapshot()
	if v := view.VMs[0]; v.Name != "b" || v.ChangeVersion != "2" || v.HWVersion != "vmx-19" || v.Snapshots != 0 {
		t.Errorf("after the re-read: %+v", v)
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
		enter(ref("HostSystem", "host-1"), "name", "esx-1"),
		enter(ref("HostSystem", "host-2"), "name", "esx-2"),
		enter(ref("DistributedVirtualSwitch", "dvs-1"), "name", "dvs"),
	})
	if view, _ := inv.snapshot(); len(view.VMs) != 2 || len(view.Hosts) != 2 {
		t.Fatalf("loaded %+v", view)
	}
	// A new VM alone is no resync.
	inv.apply([]types.ObjectUpdate{enter(ref("VirtualMachine", "vm-3"), "name", "c")})
	if view, _ := inv.snapshot(); len(view.VMs) != 3 {
		t.Fatalf("after a new VM: %+v", view.VMs)
	}
	// Resync over two pages, without vm-2, host-2 and their Leave.
	inv.apply([]types.ObjectUpdate{enter(ref("VirtualMachine", "vm-1"), "name", "a"), enter(ref("Datastore", "ds-1"), "name", "ds"),
		enter(ref("HostSystem", "host-1"), "name", "esx-1"), enter(ref("DistributedVirtualSwitch", "dvs-1"), "name", "dvs")})
	inv.apply([]types.ObjectUpdate{enter(ref("VirtualMachine", "vm-3"), "name", "c")})
	view, _ := inv.snapshot()
	if len(view.VMs) != 2 || view.VMs[0].Name != "a" || view.VMs[1].Name != "c" {
		t.Errorf("after resync: %+v", view.VMs)
	}
	if len(view.Hosts) != 1 || view.Hosts[0].Name != "esx-1" || len(view.Datastores) != 1 || len(inv.switches) != 1 {
		t.Errorf("after resync: hosts %+v, datastores %+v, switches %v", view.Hosts, view.Datastores, inv.switches)
	}
}

// vmk builds a VMkernel adapter on a distributed port group (dvpg != "") or a standard one.
func vmk(device, dvpg, portgroup, stack string) types.HostVirtualNic {
	n := types.HostVirtualNic{Device: device, Key: "key-vim.host.VirtualNic-" + device, Portgroup: portgroup,
		Spec: types.HostVirtualNicSpec{Portgroup: portgroup, NetStackInstanceKey: stack}}
	if dvpg != "" {
		n.Spec.DistributedVirtualPort = &types.DistributedVirtualSwitchPortConnection{SwitchUuid: "50 1a", PortgroupKey: dvpg}
	}
	return n
}

// netConfig selects adapters for a NIC type, as the VirtualNicManager reports it: candidates
// keyed "<type>.<adapter key>".
func netConfig(nicType string, selected []string, candidates ...types.HostVirtualNic) types.VirtualNicManagerNetConfig {
	c := types.VirtualNicManagerNetConfig{NicType: nicType, MultiSelectAllowed: true}
	for _, n := range candidates {
		n.Key = nicType + "." + n.Key
		c.CandidateVnic = append(c.CandidateVnic, n)
	}
	for _, dev := range selected {
		c.SelectedVnic = append(c.SelectedVnic, nicType+".key-vim.host.VirtualNic-"+dev)
	}
	return c
}

// TestInventoryVMotionNetwork: a host's vMotion adapter is the one netConfig selects for
// vMotion (else one on the vMotion TCP/IP stack); its port group comes from
// config.network.vnic and its name and VLAN from the port groups the inventory reads, even
// when the port group arrives after the host. A port group's change builds the host list
// again; a VM's change does not.
func TestInventoryVMotionNetwork(t *testing.T) {
	inv := newInventory("site-a")
	mgmt := vmk("vmk0", "", "Management Network", "defaultTcpipStack")
	vmotion := vmk("vmk1", "dvpg-200", "", "defaultTcpipStack")
	inv.apply([]types.ObjectUpdate{
		// As decoded from SOAP: ArrayOf... values.
		enter(ref("HostSystem", "host-1"), "name", "esx-1",
			"config.virtualNicManagerInfo.netConfig", types.ArrayOfVirtualNicManagerNetConfig{VirtualNicManagerNetConfig: []types.VirtualNicManagerNetConfig{
				netConfig("management", []string{"vmk0"}, mgmt, vmotion),
				netConfig("vmotion", []string{"vmk1"}, mgmt, vmotion),
			}},
			"config.network.vnic", types.ArrayOfHostVirtualNic{HostVirtualNic: []types.HostVirtualNic{mgmt, vmotion}}),
		// Nothing selected; an adapter on the vMotion stack, on a standard port group.
		enter(ref("HostSystem", "host-2"), "name", "esx-2",
			"config.virtualNicManagerInfo.netConfig", []types.VirtualNicManagerNetConfig{netConfig("vmotion", nil, mgmt)},
			"config.network.vnic", []types.HostVirtualNic{mgmt, vmk("vmk2", "", "vMotion-Std", "vmotion")}),
		// Selected, but netConfig's copy is stale: config.network.vnic says where it is.
		enter(ref("HostSystem", "host-3"), "name", "esx-3",
			"config.virtualNicManagerInfo.netConfig", []types.VirtualNicManagerNetConfig{netConfig("vmotion", []string{"vmk1"}, vmk("vmk1", "dvpg-old", "", ""))},
			"config.network.vnic", []types.HostVirtualNic{mgmt, vmotion}),
		// No vMotion adapter at all.
		enter(ref("HostSystem", "host-4"), "name", "esx-4",
			"config.virtualNicManagerInfo.netConfig", []types.VirtualNicManagerNetConfig{netConfig("vmotion", nil, mgmt)},
			"config.network.vnic", []types.HostVirtualNic{mgmt}),
		enter(ref("VirtualMachine", "vm-1"), "name", "web-01", "runtime.host", ref("HostSystem", "host-1")),
	})
	type got struct {
		name string
		vlan int
	}
	vmotionOf := func(hosts []model.Host) []got {
		var out []got
		for _, h := range hosts {
			out = append(out, got{h.VMotionNetwork, h.VMotionVLAN})
		}
		return out
	}
	first, _ := inv.snapshot()
	// The distributed port group is not known yet.
	if want := []got{{}, {"vMotion-Std", 0}, {}, {}}; !reflect.DeepEqual(vmotionOf(first.Hosts), want) {
		t.Errorf("before the port group: %+v, want %+v", vmotionOf(first.Hosts), want)
	}

	inv.apply([]types.ObjectUpdate{enter(ref("DistributedVirtualPortgroup", "dvpg-200"), "name", "VLAN200-vMotion",
		"config.defaultPortConfig", vlanSetting(200))})
	second, _ := inv.snapshot()
	if want := []got{{"VLAN200-vMotion", 200}, {"vMotion-Std", 0}, {"VLAN200-vMotion", 200}, {}}; !reflect.DeepEqual(vmotionOf(second.Hosts), want) {
		t.Errorf("after the port group: %+v, want %+v", vmotionOf(second.Hosts), want)
	}

	// A VLAN change reaches the hosts; a VM's change does not build the host list again.
	inv.apply([]types.ObjectUpdate{modify(ref("DistributedVirtualPortgroup", "dvpg-200"), "config.defaultPortConfig", vlanSetting(201))})
	third, _ := inv.snapshot()
	if third.Hosts[0].VMotionVLAN != 201 || second.Hosts[0].VMotionVLAN != 200 {
		t.Errorf("after the VLAN change: %+v (before %+v)", third.Hosts[0], second.Hosts[0])
	}
	inv.apply([]types.ObjectUpdate{modify(ref("VirtualMachine", "vm-1"), "name", "web-02")})
	fourth, _ := inv.snapshot()
	if &fourth.Hosts[0] != &third.Hosts[0] {
		t.Error("a VM's change built the host list again")
	}
}

func TestMaxHWVersion(t *testing.T) {
	for version, want := range map[string]int{
		"8.0.2": 21, "8.0.3": 21, "8.0.1": 20, "8.0": 20, "8.0.0": 20, "7.0.3": 19, "7.0": 17, "6.7.0": 14, "6.7.3": 15,
		"6.5.0": 13, "5.5.0": 10, "4.1.0": 7, "4.0": 7, "9.0.0": 0, "": 0, "8.x": 0, "vmx-21": 0, "8.0.2.1": 0, "99.0.0": 0, "-1.0": 0, "8..2": 0,
	} {
		if got := maxHWVersion(version); got != want {
			t.Errorf("maxHWVersion(%q) = %d, want %d", version, got, want)
		}
	}
}

// The VM list stays in name order through changes: a change that renames no VM keeps the
// order (and shows the new values), a rename, a new VM and a removed one sort again.
func TestInventoryOrderThroughChanges(t *testing.T) {
	inv := newInventory("site-a")
	var ups []types.ObjectUpdate
	for i, name := range []string{"web-10", "web-9", "db-2", "web-100"} {
		ups = append(ups, enter(ref("VirtualMachine", fmt.Sprintf("vm-%d", i)), "name", name, "runtime.powerState", types.VirtualMachinePowerStatePoweredOn))
	}
	inv.apply(ups)
	names := func() []string {
		view, _ := inv.snapshot()
		var out []string
		for _, vm := range view.VMs {
			out = append(out, fmt.Sprintf("%s:%s", vm.Name, vm.Power))
		}
		return out
	}
	check := func(step string, want ...string) {
		t.Helper()
		if got := names(); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", step, got, want)
		}
	}
	check("loaded", "db-2:poweredOn", "web-9:poweredOn", "web-10:poweredOn", "web-100:poweredOn")
	inv.apply([]types.ObjectUpdate{modify(ref("VirtualMachine", "vm-1"), "runtime.powerState", types.VirtualMachinePowerStatePoweredOff)})
	check("powered off", "db-2:poweredOn", "web-9:poweredOff", "web-10:poweredOn", "web-100:poweredOn")
	inv.apply([]types.ObjectUpdate{modify(ref("VirtualMachine", "vm-1"), "name", "web-99")})
	check("renamed", "db-2:poweredOn", "web-10:poweredOn", "web-99:poweredOff", "web-100:poweredOn")
	inv.apply([]types.ObjectUpdate{enter(ref("VirtualMachine", "vm-9"), "name", "app-1", "runtime.powerState", types.VirtualMachinePowerStatePoweredOn)})
	check("a new VM", "app-1:poweredOn", "db-2:poweredOn", "web-10:poweredOn", "web-99:poweredOff", "web-100:poweredOn")
	inv.apply([]types.ObjectUpdate{{Kind: types.ObjectUpdateKindLeave, Obj: ref("VirtualMachine", "vm-2")}})
	check("db-2 left", "app-1:poweredOn", "web-10:poweredOn", "web-99:poweredOff", "web-100:poweredOn")
	inv.apply([]types.ObjectUpdate{modify(ref("VirtualMachine", "vm-3"), "runtime.powerState", types.VirtualMachinePowerStateSuspended)})
	check("suspended after the removal", "app-1:poweredOn", "web-10:poweredOn", "web-99:poweredOff", "web-100:suspended")
}
