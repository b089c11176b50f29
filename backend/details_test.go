package backend

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// handBuiltVM is a clustered SQL node with a thin and a flat disk on a paravirtual
// controller, a physical RDM on a shared LSI Logic SAS bus, a mounted ISO, one NIC on a
// distributed port group and one on a standard network, and a three-level snapshot tree.
func handBuiltVM() mo.VirtualMachine {
	ds1 := types.ManagedObjectReference{Type: "Datastore", Value: "datastore-11"}
	desc := func(label string) *types.Description { return &types.Description{Label: label} }
	dev := func(key, ctl int32, label string) types.VirtualDevice {
		return types.VirtualDevice{Key: key, ControllerKey: ctl, DeviceInfo: desc(label)}
	}
	snapRef := func(v string) types.ManagedObjectReference {
		return types.ManagedObjectReference{Type: "VirtualMachineSnapshot", Value: v}
	}
	t0 := time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)
	current := snapRef("snapshot-3")
	reservation := int64(16384)
	devices := []types.BaseVirtualDevice{
		&types.VirtualIDEController{VirtualController: types.VirtualController{VirtualDevice: dev(200, 0, "IDE 0")}},
		&types.ParaVirtualSCSIController{VirtualSCSIController: types.VirtualSCSIController{
			VirtualController: types.VirtualController{VirtualDevice: dev(1000, 100, "SCSI controller 0"), BusNumber: 0},
			SharedBus:         types.VirtualSCSISharingNoSharing,
		}},
		&types.VirtualLsiLogicSASController{VirtualSCSIController: types.VirtualSCSIController{
			// No DeviceInfo: the label is built from the bus number.
			VirtualController: types.VirtualController{VirtualDevice: types.VirtualDevice{Key: 1001, ControllerKey: 100}, BusNumber: 1},
			SharedBus:         types.VirtualSCSISharingPhysicalSharing,
		}},
		&types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{Key: 2000, ControllerKey: 1000, DeviceInfo: desc("Hard disk 1"),
				Backing: &types.VirtualDiskFlatVer2BackingInfo{
					VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: "[vsan-a01] sql/sql.vmdk", Datastore: &ds1},
					ThinProvisioned:              types.NewBool(true),
					Sharing:                      "sharingNone",
				}},
			CapacityInBytes: 100 << 30,
			CapacityInKB:    100 << 20,
		},
		&types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{Key: 2001, ControllerKey: 1000, DeviceInfo: desc("Hard disk 2"),
				Backing: &types.VirtualDiskFlatVer2BackingInfo{
					// No datastore reference: the name comes from the path, the reference from the inventory.
					VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: "[nfs-a] sql/sql_1.vmdk"},
					ThinProvisioned:              types.NewBool(false),
				}},
			CapacityInKB: 20 << 20, // no CapacityInBytes: from KB
		},
		&types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{Key: 2100, ControllerKey: 1001, DeviceInfo: desc("Hard disk 3"),
				Backing: &types.VirtualDiskRawDiskMappingVer1BackingInfo{
					VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: "[vsan-a01] sql/sql_rdm1.vmdk", Datastore: &ds1},
					DeviceName:                   "/vmfs/devices/disks/naa.600a0980383030",
					LunUuid:                      "0200000000600a0980383030",
					CompatibilityMode:            string(types.VirtualDiskCompatibilityModePhysicalMode),
					Sharing:                      "sharingMultiWriter",
				}},
			CapacityInBytes: 500 << 30,
		},
		&types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{Key: 2101, ControllerKey: 1001, DeviceInfo: desc("Hard disk 4"),
				Backing: &types.VirtualDiskRawDiskMappingVer1BackingInfo{
					VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: "[vsan-a01] sql/sql_rdm2.vmdk"},
					LunUuid:                      "0200000000600a0980383031",
					CompatibilityMode:            string(types.VirtualDiskCompatibilityModeVirtualMode),
				}},
			CapacityInBytes: 50 << 30,
		},
		&types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{Key: 2002, ControllerKey: 1000, DeviceInfo: desc("Hard disk 5"),
				Backing: &types.VirtualDiskSparseVer2BackingInfo{
					VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: "[vsan-a01] sql/old.vmdk"},
				}},
			CapacityInBytes: 1 << 30,
		},
		&types.VirtualCdrom{VirtualDevice: types.VirtualDevice{Key: 3000, ControllerKey: 200, DeviceInfo: desc("CD/DVD drive 1"),
			Backing: &types.VirtualCdromIsoBackingInfo{VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{
				FileName: "[local-esx-a01-01] iso/win2022.iso",
			}},
			Connectable: &types.VirtualDeviceConnectInfo{StartConnected: true, Connected: true},
		}},
		&types.VirtualCdrom{VirtualDevice: types.VirtualDevice{Key: 3001, ControllerKey: 200,
			Backing:     &types.VirtualCdromRemotePassthroughBackingInfo{},
			Connectable: &types.VirtualDeviceConnectInfo{},
		}},
		&types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: types.VirtualEthernetCard{
			VirtualDevice: types.VirtualDevice{Key: 4000, DeviceInfo: desc("Network adapter 1"),
				Backing: &types.VirtualEthernetCardDistributedVirtualPortBackingInfo{
					Port: types.DistributedVirtualSwitchPortConnection{SwitchUuid: "50 2b", PortgroupKey: "dvportgroup-130"},
				},
				Connectable: &types.VirtualDeviceConnectInfo{Connected: true},
			},
			MacAddress: "00:50:56:aa:bb:01",
		}}},
		&types.VirtualE1000e{VirtualEthernetCard: types.VirtualEthernetCard{
			VirtualDevice: types.VirtualDevice{Key: 4001,
				Backing: &types.VirtualEthernetCardNetworkBackingInfo{
					VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: "VM Network"},
					Network:                        &types.ManagedObjectReference{Type: "Network", Value: "network-7"},
				},
			},
			MacAddress: "00:50:56:aa:bb:02",
		}},
	}
	return mo.VirtualMachine{
		ManagedEntity: mo.ManagedEntity{Name: "sql-node-1"},
		Config: &types.VirtualMachineConfigInfo{
			ChangeVersion: "2024-06-01T10:00:00.123Z",
			GuestFullName: "Microsoft Windows Server 2022 (64-bit)",
			Version:       "vmx-19",
			InstanceUuid:  "5012a0b4-0000-0000-0000-000000000001",
			Hardware:      types.VirtualHardware{NumCPU: 8, MemoryMB: 32768, Device: devices},
			MemoryAllocation: &types.ResourceAllocationInfo{
				Reservation: &reservation,
			},
			FtInfo: &types.FaultToleranceSecondaryConfigInfo{FaultToleranceConfigInfo: types.FaultToleranceConfigInfo{Role: 2}},
		},
		Snapshot: &types.VirtualMachineSnapshotInfo{
			CurrentSnapshot: &current,
			RootSnapshotList: []types.VirtualMachineSnapshotTree{{
				Snapshot: snapRef("snapshot-1"), Name: "before-upgrade", CreateTime: t0,
				ChildSnapshotList: []types.VirtualMachineSnapshotTree{{
					Snapshot: snapRef("snapshot-2"), Name: "pre-patch", CreateTime: t0.Add(time.Hour),
					ChildSnapshotList: []types.VirtualMachineSnapshotTree{{
						Snapshot: snapRef("snapshot-3"), Name: "release-rc1", CreateTime: t0.Add(2 * time.Hour),
					}},
				}},
			}},
		},
	}
}

func handBuiltSnap() model.SiteSnapshot {
	return model.SiteSnapshot{
		Datastores: []model.Datastore{
			{Ref: model.Ref{Type: "Datastore", Value: "datastore-11"}, Name: "vsan-a01"},
			{Ref: model.Ref{Type: "Datastore", Value: "datastore-12"}, Name: "nfs-a"},
		},
		PortGroups: []model.PortGroup{
			{Ref: model.Ref{Type: "DistributedVirtualPortgroup", Value: "dvportgroup-130"}, Name: "dv-sql-130", VLAN: 130},
			{Ref: model.Ref{Type: "Network", Value: "network-7"}, Name: "VM Network"},
		},
	}
}

func TestDetailsFromDevices(t *testing.T) {
	key := model.VMKey{Site: "site-a", MoRef: "vm-42"}
	d := detailsFrom(key, handBuiltVM(), handBuiltSnap())

	if d.Key != key || d.Name != "sql-node-1" || d.ChangeVersion != "2024-06-01T10:00:00.123Z" ||
		d.HWVersion != "vmx-19" || d.GuestOS == "" || d.InstanceUUID == "" {
		t.Errorf("identity: %+v", d)
	}
	if d.CPU != 8 || d.MemoryMiB != 32768 || d.MemoryReservationMiB != 16384 || d.FaultTolerance != "secondary" {
		t.Errorf("resources: cpu %d mem %d reservation %d ft %q", d.CPU, d.MemoryMiB, d.MemoryReservationMiB, d.FaultTolerance)
	}

	wantDisks := []model.Disk{
		{Label: "Hard disk 1", CapacityB: 100 << 30, Datastore: "vsan-a01", DatastoreRef: model.Ref{Type: "Datastore", Value: "datastore-11"},
			File: "[vsan-a01] sql/sql.vmdk", Backing: model.BackingThin, Controller: "SCSI controller 0", Sharing: "sharingNone"},
		{Label: "Hard disk 2", CapacityB: 20 << 30, Datastore: "nfs-a", DatastoreRef: model.Ref{Type: "Datastore", Value: "datastore-12"},
			File: "[nfs-a] sql/sql_1.vmdk", Backing: model.BackingFlat, Controller: "SCSI controller 0"},
		{Label: "Hard disk 3", CapacityB: 500 << 30, Datastore: "vsan-a01", DatastoreRef: model.Ref{Type: "Datastore", Value: "datastore-11"},
			File: "[vsan-a01] sql/sql_rdm1.vmdk", Backing: model.BackingRDMPhys, LUN: "naa.600a0980383030",
			Controller: "SCSI controller 1", Sharing: "sharingMultiWriter"},
		{Label: "Hard disk 4", CapacityB: 50 << 30, Datastore: "vsan-a01", DatastoreRef: model.Ref{Type: "Datastore", Value: "datastore-11"},
			File: "[vsan-a01] sql/sql_rdm2.vmdk", Backing: model.BackingRDMVirtual, LUN: "0200000000600a0980383031",
			Controller: "SCSI controller 1"},
		{Label: "Hard disk 5", CapacityB: 1 << 30, Datastore: "vsan-a01", DatastoreRef: model.Ref{Type: "Datastore", Value: "datastore-11"},
			File: "[vsan-a01] sql/old.vmdk", Backing: model.BackingOther, Controller: "SCSI controller 0"},
	}
	if len(d.Disks) != len(wantDisks) {
		t.Fatalf("disks: %+v", d.Disks)
	}
	for i, want := range wantDisks {
		if d.Disks[i] != want {
			t.Errorf("disk %d:\n got %+v\nwant %+v", i, d.Disks[i], want)
		}
	}
	if !d.Disks[2].RDM() || !d.Disks[3].RDM() || d.Disks[0].RDM() {
		t.Error("RDM() disagrees with the backings")
	}

	wantCtl := []model.SCSIController{
		{Label: "SCSI controller 0", Type: "VMware Paravirtual", Bus: 0, BusSharing: "noSharing"},
		{Label: "SCSI controller 1", Type: "LSI Logic SAS", Bus: 1, BusSharing: "physicalSharing"},
	}
	if len(d.Controllers) != 2 || d.Controllers[0] != wantCtl[0] || d.Controllers[1] != wantCtl[1] {
		t.Errorf("controllers: %+v", d.Controllers)
	}
	if d.Controllers[0].Shared() || !d.Controllers[1].Shared() {
		t.Error("Shared() disagrees with the bus sharing")
	}

	wantCD := []model.CDROM{
		{Label: "CD/DVD drive 1", Connected: true, ISO: "[local-esx-a01-01] iso/win2022.iso", Datastore: "local-esx-a01-01", Backing: "iso"},
		{Label: "CD/DVD drive 2", Backing: "client"},
	}
	if len(d.CDROMs) != 2 || d.CDROMs[0] != wantCD[0] || d.CDROMs[1] != wantCD[1] {
		t.Errorf("CD-ROMs: %+v", d.CDROMs)
	}

	wantNICs := []model.NIC{
		{Label: "Network adapter 1", Type: "vmxnet3", MAC: "00:50:56:aa:bb:01", Connected: true, PortGroup: "dv-sql-130",
			NetworkRef: model.Ref{Type: "DistributedVirtualPortgroup", Value: "dvportgroup-130"}, VLAN: 130},
		{Label: "Network adapter 2", Type: "e1000e", MAC: "00:50:56:aa:bb:02", PortGroup: "VM Network",
			NetworkRef: model.Ref{Type: "Network", Value: "network-7"}},
	}
	if len(d.NICs) != 2 || d.NICs[0] != wantNICs[0] || d.NICs[1] != wantNICs[1] {
		t.Errorf("NICs:\n got %+v\nwant %+v", d.NICs, wantNICs)
	}

	// Three levels, the deepest current.
	if d.SnapshotCount != 3 || len(d.Snapshots) != 1 {
		t.Fatalf("snapshots: %d in %+v", d.SnapshotCount, d.Snapshots)
	}
	s1 := d.Snapshots[0]
	if s1.Name != "before-upgrade" || s1.Current || len(s1.Children) != 1 || !s1.Created.Equal(time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("root snapshot: %+v", s1)
	}
	s2 := s1.Children[0]
	if s2.Name != "pre-patch" || s2.Current || len(s2.Children) != 1 {
		t.Fatalf("second snapshot: %+v", s2)
	}
	if s3 := s2.Children[0]; s3.Name != "release-rc1" || !s3.Current || len(s3.Children) != 0 {
		t.Errorf("third snapshot: %+v", s3)
	}
}

// Without an inventory, names come from the datastore paths and the backings themselves.
func TestDetailsFromWithoutInventory(t *testing.T) {
	d := detailsFrom(model.VMKey{Site: "site-a", MoRef: "vm-42"}, handBuiltVM(), model.SiteSnapshot{})
	if d.Disks[1].Datastore != "nfs-a" || !d.Disks[1].DatastoreRef.IsZero() {
		t.Errorf("disk 2 without inventory: %+v", d.Disks[1])
	}
	if d.Disks[0].Datastore != "vsan-a01" || d.Disks[0].DatastoreRef.Value != "datastore-11" {
		t.Errorf("disk 1 without inventory: %+v", d.Disks[0])
	}
	if n := d.NICs[0]; n.PortGroup != "" || n.NetworkRef.Value != "dvportgroup-130" || n.VLAN != 0 {
		t.Errorf("dvs NIC without inventory: %+v", n)
	}
	if n := d.NICs[1]; n.PortGroup != "VM Network" || n.NetworkRef.Value != "network-7" {
		t.Errorf("standard NIC without inventory: %+v", n)
	}
}

func TestDetailsFromBareVM(t *testing.T) {
	// A VM still being created has no config and no snapshots: nothing panics.
	d := detailsFrom(model.VMKey{Site: "site-b", MoRef: "vm-1"}, mo.VirtualMachine{}, model.SiteSnapshot{})
	// Empty lists, not nil: scripts read [] in `inventory --json --details`.
	if d.SnapshotCount != 0 || d.Snapshots == nil || len(d.Snapshots) != 0 || d.Disks == nil || len(d.Disks) != 0 || d.FaultTolerance != "" {
		t.Errorf("bare VM: %+v", d)
	}
	vm := handBuiltVM()
	vm.Config.FtInfo = &types.FaultTolerancePrimaryConfigInfo{FaultToleranceConfigInfo: types.FaultToleranceConfigInfo{Role: 1}}
	vm.Config.MemoryAllocation = nil
	vm.Snapshot = nil
	d = detailsFrom(model.VMKey{Site: "site-b", MoRef: "vm-1"}, vm, model.SiteSnapshot{})
	if d.FaultTolerance != "primary" || d.MemoryReservationMiB != 0 || d.SnapshotCount != 0 {
		t.Errorf("primary without reservation: ft %q reservation %d snapshots %d", d.FaultTolerance, d.MemoryReservationMiB, d.SnapshotCount)
	}
}

func TestDetailsDatastoreOfPath(t *testing.T) {
	for in, want := range map[string]string{
		"[local-esx-a01-01] iso/x.iso": "local-esx-a01-01",
		"[ds with space] vm/vm.vmdk":   "ds with space",
		"[]":                           "",
		"vm/vm.vmdk":                   "",
		"[unterminated":                "",
		"":                             "",
	} {
		if got := datastoreOfPath(in); got != want {
			t.Errorf("datastoreOfPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDetailsVMGoneError(t *testing.T) {
	var err error = &VMGoneError{Key: model.VMKey{Site: "site-a", MoRef: "vm-42"}}
	if !errors.Is(err, ErrVMGone) || err.Error() != "VM vm-42 no longer exists at site-a" {
		t.Errorf("%v", err)
	}
	err = fmt.Errorf("details: %w", &VMGoneError{Key: model.VMKey{Site: "site-b", MoRef: "vm-7"}, Name: "web-01"})
	if !errors.Is(err, ErrVMGone) || err.Error() != "details: VM web-01 (vm-7) no longer exists at site-b" {
		t.Errorf("%v", err)
	}
	if !isNotFound(&types.ManagedObjectNotFound{}) || isNotFound(&types.InvalidLogin{}) || isNotFound(nil) {
		t.Error("isNotFound")
	}
}

func cachedDetails(site model.SiteID, moref, changeVersion string, roots int) model.VMDetails {
	d := model.VMDetails{Key: model.VMKey{Site: site, MoRef: moref}, Name: moref, ChangeVersion: changeVersion}
	for i := 0; i < roots; i++ {
		d.Snapshots = append(d.Snapshots, model.Snapshot{Name: fmt.Sprint("s", i)})
	}
	d.SnapshotCount = roots
	return d
}

func TestDetailsCacheHitAndMiss(t *testing.T) {
	var c detailsCache // the zero value is ready
	a := model.VMKey{Site: "site-a", MoRef: "vm-42"}
	b := model.VMKey{Site: "site-b", MoRef: "vm-42"} // same MoRef, other vCenter
	if _, ok := c.get(a, "v1", 0); ok {
		t.Fatal("hit in an empty cache")
	}
	c.put(cachedDetails("site-a", "vm-42", "v1", 1))
	if d, ok := c.get(a, "v1", 1); !ok || d.Key != a || d.ChangeVersion != "v1" {
		t.Errorf("hit: %v %+v", ok, d)
	}
	if _, ok := c.get(b, "v1", 1); ok {
		t.Error("site-b's vm-42 served from site-a's entry")
	}
	if _, ok := c.get(a, "v1", 2); ok {
		t.Error("hit after a snapshot was taken")
	}
	// The stale entry is gone even when asked with the old values again.
	if _, ok := c.get(a, "v1", 1); ok || c.len() != 0 {
		t.Errorf("stale entry kept (%d entries)", c.len())
	}
	c.put(cachedDetails("site-a", "vm-42", "v1", 1))
	if _, ok := c.get(a, "v2", 1); ok {
		t.Error("hit after the change version moved")
	}
	c.put(cachedDetails("site-a", "vm-42", "v2", 1))
	c.put(cachedDetails("site-a", "vm-42", "v3", 1)) // replaces, does not add
	if _, ok := c.get(a, "v3", 1); !ok || c.len() != 1 {
		t.Errorf("replacement: %d entries", c.len())
	}
	c.forget(a)
	if _, ok := c.get(a, "v3", 1); ok {
		t.Error("hit after forget")
	}
}

func TestDetailsCacheEviction(t *testing.T) {
	c := newDetailsCache(3)
	key := func(i int) model.VMKey { return model.VMKey{Site: "site-a", MoRef: fmt.Sprint("vm-", i)} }
	for i := 1; i <= 3; i++ {
		c.put(cachedDetails("site-a", fmt.Sprint("vm-", i), "v", 0))
	}
	if _, ok := c.get(key(1), "v", 0); !ok { // vm-1 is now the most recently used
		t.Fatal("vm-1 missing")
	}
	c.put(cachedDetails("site-a", "vm-4", "v", 0)) // evicts vm-2, the least recently used
	if c.len() != 3 {
		t.Errorf("%d entries, want 3", c.len())
	}
	if _, ok := c.get(key(2), "v", 0); ok {
		t.Error("vm-2 not evicted")
	}
	for _, i := range []int{1, 3, 4} {
		if _, ok := c.get(key(i), "v", 0); !ok {
			t.Errorf("vm-%d evicted", i)
		}
	}

	var d detailsCache
	for i := 0; i < detailsCacheSize+10; i++ {
		d.put(cachedDetails("site-a", fmt.Sprint("vm-", i), "v", 0))
	}
	if d.len() != detailsCacheSize {
		t.Errorf("default cache holds %d, want %d", d.len(), detailsCacheSize)
	}
	if _, ok := d.get(key(0), "v", 0); ok {
		t.Error("the oldest entry survived")
	}
}

func TestDetailsCacheConcurrent(t *testing.T) {
	c := newDetailsCache(16)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				moref := fmt.Sprint("vm-", (g*7+i)%40)
				c.put(cachedDetails("site-a", moref, fmt.Sprint("v", i%3), i%2))
				c.get(model.VMKey{Site: "site-a", MoRef: moref}, fmt.Sprint("v", i%3), i%2)
				if i%50 == 0 {
					c.forget(model.VMKey{Site: "site-a", MoRef: moref})
				}
			}
		}()
	}
	wg.Wait()
	if n := c.len(); n > 16 {
		t.Errorf("%d entries, bound 16", n)
	}
}

// FetchDetailsForTest exposes fetchDetails to the lab tests, which live in package
// backend_test because backend/lab imports backend.
var FetchDetailsForTest = fetchDetails

// FetchDetailsBatchForTest exposes fetchDetailsBatch to the lab tests.
var FetchDetailsBatchForTest = fetchDetailsBatch

// ForgetDetailsForTest empties the engine's details cache, for cold-cache lab tests and
// benchmarks.
func (e *Engine) ForgetDetailsForTest() {
	c := e.details
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries, c.order = nil, nil
}
