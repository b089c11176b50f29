package backend

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// ErrVMGone matches (errors.Is) the error of a details fetch for a VM that no longer exists
// at its site: deleted, or moved away to the other vCenter.
var ErrVMGone = errors.New("VM no longer exists")

// VMGoneError says which VM is gone. It matches ErrVMGone.
type VMGoneError struct {
	Key  model.VMKey
	Name string // as last seen in the inventory; may be empty
}

func (e *VMGoneError) Error() string {
	if e.Name != "" && e.Name != e.Key.MoRef {
		return fmt.Sprintf("VM %s (%s) no longer exists at %s", e.Name, e.Key.MoRef, e.Key.Site)
	}
	return fmt.Sprintf("VM %s no longer exists at %s", e.Key.MoRef, e.Key.Site)
}

// Is makes errors.Is(err, ErrVMGone) hold.
func (e *VMGoneError) Is(target error) bool { return target == ErrVMGone }

// detailsPaths are the VM properties a details fetch reads: everything the detail view and
// preflight need beyond the inventory's narrow row.
var detailsPaths = []string{
	"name",
	"config.changeVersion",
	"config.guestFullName",
	"config.version",
	"config.instanceUuid",
	"config.hardware.device",
	"config.hardware.numCPU",
	"config.hardware.memoryMB",
	"config.memoryAllocation",
	"config.ftInfo",
	"snapshot",
	"datastore",
	"network",
}

// detailsFilter is the one filter of a details fetch: the VM, and through its datastore and
// network lists the names of those objects (and a distributed port group's key and VLAN),
// so that devices resolve to names even when the site's inventory lacks them.
func detailsFilter(vm types.ManagedObjectReference) types.PropertyFilterSpec {
	return types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{
			Obj:  vm,
			Skip: types.NewBool(false),
			SelectSet: []types.BaseSelectionSpec{
				&types.TraversalSpec{Type: "VirtualMachine", Path: "datastore", Skip: types.NewBool(false)},
				&types.TraversalSpec{Type: "VirtualMachine", Path: "network", Skip: types.NewBool(false)},
			},
		}},
		PropSet: []types.PropertySpec{
			{Type: "VirtualMachine", PathSet: detailsPaths},
			{Type: "Datastore", PathSet: []string{"name"}},
			// Network covers its subtypes (DistributedVirtualPortgroup, OpaqueNetwork).
			{Type: "Network", PathSet: []string{"name"}},
			{Type: "DistributedVirtualPortgroup", PathSet: []string{"key", "config.defaultPortConfig"}},
		},
	}
}

// fetchDetails reads one VM's details in a single RetrieveProperties call. snap is the site's
// latest inventory: it names the datastores and port groups the devices refer to (the call
// also reads the names of the VM's own datastores and networks, for what snap lacks). A VM
// that no longer exists gives a *VMGoneError (errors.Is(err, ErrVMGone)); other failures a
// *SiteError worded for an operator.
func fetchDetails(ctx context.Context, c *vim25.Client, key model.VMKey, snap model.SiteSnapshot) (model.VMDetails, error) {
	start := time.Now()
	ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: key.MoRef}
	name := key.MoRef
	if vm, ok := snap.VM(key.MoRef); ok && vm.Name != "" {
		name = vm.Name
	}
	gone := &VMGoneError{Key: key, Name: name}

	pc := property.DefaultCollector(c)
	res, err := pc.RetrieveProperties(ctx, types.RetrieveProperties{
		This:    pc.Reference(),
		SpecSet: []types.PropertyFilterSpec{detailsFilter(ref)},
	})
	if err != nil {
		if isNotFound(err) {
			return model.VMDetails{}, gone
		}
		timeout := defaultSiteOptions().callTimeout // a guess: the caller set no deadline
		if dl, ok := ctx.Deadline(); ok {
			timeout = dl.Sub(start).Round(time.Millisecond)
		}
		addr := "vCenter"
		if u := c.URL(); u != nil {
			addr = u.Host
		}
		msg, permanent := describe(err, addr, timeout)
		return model.VMDetails{}, &SiteError{Site: key.Site, Op: "details of " + name, Msg: msg, Err: err, Permanent: permanent}
	}

	var (
		vmContent *types.ObjectContent
		extraDS   []model.Datastore
		extraPG   []model.PortGroup
	)
	for i := range res.Returnval {
		oc := &res.Returnval[i]
		switch {
		case oc.Obj == ref:
			vmContent = oc
		case oc.Obj.Type == "Datastore":
			extraDS = append(extraDS, model.Datastore{Ref: refOf(oc.Obj), Name: propString(oc, "name")})
		default: // a network of some kind
			pg := model.PortGroup{Ref: refOf(oc.Obj), Name: propString(oc, "name")}
			for _, p := range oc.PropSet {
				if p.Name == "config.defaultPortConfig" {
					pg.VLAN = portVLAN(p.Val)
				}
			}
			extraPG = append(extraPG, pg)
		}
	}
	if vmContent == nil {
		return model.VMDetails{}, gone
	}
	for _, m := range vmContent.MissingSet {
		if isNotFound(m.Fault.Fault) {
			return model.VMDetails{}, gone
		}
	}
	// A property the server could not read (a VM being created has no config yet) is left
	// out rather than failing the whole view.
	vmContent.MissingSet = nil
	var vm mo.VirtualMachine
	if err := mo.LoadObjectContent([]types.ObjectContent{*vmContent}, &vm); err != nil {
		return model.VMDetails{}, &SiteError{Site: key.Site, Op: "details of " + name, Msg: err.Error(), Err: err}
	}

	d := detailsFrom(key, vm, withExtras(snap, extraDS, extraPG))
	d.FetchedAt = time.Now()
	return d, nil
}

// isNotFound reports whether err (an error or a fault) is vCenter's ManagedObjectNotFound.
func isNotFound(err any) bool {
	if err == nil {
		return false
	}
	if e, ok := err.(error); ok && soap.IsSoapFault(e) {
		switch soap.ToSoapFault(e).VimFault().(type) {
		case types.ManagedObjectNotFound, *types.ManagedObjectNotFound:
			return true
		}
	}
	return fault.Is(err, &types.ManagedObjectNotFound{})
}

// withExtras returns snap with the datastores and port groups it lacks added from extra.
// snap is shared and immutable: the result has slices of its own.
func withExtras(snap model.SiteSnapshot, ds []model.Datastore, pgs []model.PortGroup) model.SiteSnapshot {
	if len(ds) > 0 {
		have := map[string]bool{}
		for _, d := range snap.Datastores {
			have[d.Ref.Value] = true
		}
		merged := append([]model.Datastore(nil), snap.Datastores...)
		for _, d := range ds {
			if !have[d.Ref.Value] {
				merged = append(merged, d)
			}
		}
		snap.Datastores = merged
	}
	if len(pgs) > 0 {
		have := map[string]bool{}
		for _, p := range snap.PortGroups {
			have[p.Ref.Value] = true
		}
		merged := append([]model.PortGroup(nil), snap.PortGroups...)
		for _, p := range pgs {
			if !have[p.Ref.Value] {
				merged = append(merged, p)
			}
		}
		snap.PortGroups = merged
	}
	return snap
}

func refOf(r types.ManagedObjectReference) model.Ref { return model.Ref{Type: r.Type, Value: r.Value} }

func propString(oc *types.ObjectContent, name string) string {
	for _, p := range oc.PropSet {
		if p.Name == name {
			s, _ := p.Val.(string)
			return s
		}
	}
	return ""
}

// detailsFrom converts a retrieved VM into the operator's view of it. It is pure: snap only
// names the datastores and port groups the devices refer to. FetchedAt is left to the caller.
func detailsFrom(key model.VMKey, vm mo.VirtualMachine, snap model.SiteSnapshot) model.VMDetails {
	d := model.VMDetails{Key: key, Name: vm.Name}
	r := newResolver(snap)

	if cfg := vm.Config; cfg != nil {
		d.ChangeVersion = cfg.ChangeVersion
		d.GuestOS = cfg.GuestFullName
		d.HWVersion = cfg.Version
		d.InstanceUUID = cfg.InstanceUuid
		d.CPU = cfg.Hardware.NumCPU
		d.MemoryMiB = cfg.Hardware.MemoryMB
		if a := cfg.MemoryAllocation; a != nil && a.Reservation != nil {
			d.MemoryReservationMiB = *a.Reservation
		}
		if ft := cfg.FtInfo; ft != nil {
			if info := ft.GetFaultToleranceConfigInfo(); info != nil {
				d.FaultTolerance = "secondary"
				if info.Role == 1 {
					d.FaultTolerance = "primary"
				}
			}
		}
		convertDevices(&d, cfg.Hardware.Device, r)
	}

	if s := vm.Snapshot; s != nil {
		d.Snapshots, d.SnapshotCount = snapshotTree(s.RootSnapshotList, s.CurrentSnapshot)
	}
	// Scripts read `[]`, not null, for a VM with no such device.
	d.Disks, d.Controllers, d.CDROMs = orEmpty(d.Disks), orEmpty(d.Controllers), orEmpty(d.CDROMs)
	d.NICs, d.Snapshots = orEmpty(d.NICs), orEmpty(d.Snapshots)
	return d
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// resolver names the objects devices refer to, from a site's inventory.
type resolver struct {
	dsByRef   map[string]model.Datastore
	dsByName  map[string]model.Datastore
	netByRef  map[string]model.PortGroup
	netByName map[string]model.PortGroup
}

func newResolver(snap model.SiteSnapshot) resolver {
	r := resolver{
		dsByRef:   make(map[string]model.Datastore, len(snap.Datastores)),
		dsByName:  make(map[string]model.Datastore, len(snap.Datastores)),
		netByRef:  make(map[string]model.PortGroup, len(snap.PortGroups)),
		netByName: make(map[string]model.PortGroup, len(snap.PortGroups)),
	}
	for _, ds := range snap.Datastores {
		r.dsByRef[ds.Ref.Value] = ds
		r.dsByName[ds.Name] = ds
	}
	for _, pg := range snap.PortGroups {
		r.netByRef[pg.Ref.Value] = pg
		r.netByName[pg.Name] = pg
	}
	return r
}

// datastore names the datastore of a file backing: by its reference when the inventory
// knows it, else from the "[name] path" form of the file name.
func (r resolver) datastore(ref *types.ManagedObjectReference, file string) (string, model.Ref) {
	var out model.Ref
	if ref != nil && ref.Value != "" {
		out = refOf(*ref)
		if ds, ok := r.dsByRef[ref.Value]; ok && ds.Name != "" {
			return ds.Name, out
		}
	}
	name := datastoreOfPath(file)
	if out.IsZero() && name != "" {
		if ds, ok := r.dsByName[name]; ok {
			out = ds.Ref
		}
	}
	return name, out
}

// datastoreOfPath returns "ds" of a datastore path "[ds] dir/file.vmdk", or "".
func datastoreOfPath(p string) string {
	p = strings.TrimSpace(p)
	if !strings.HasPrefix(p, "[") {
		return ""
	}
	if i := strings.IndexByte(p, ']'); i > 0 {
		return p[1:i]
	}
	return ""
}

// convertDevices fills the disks, SCSI controllers, CD-ROMs and NICs of d, in device order.
func convertDevices(d *model.VMDetails, devices []types.BaseVirtualDevice, r resolver) {
	labels := deviceLabels(devices)
	for _, dev := range devices {
		vd := dev.GetVirtualDevice()
		label := labels[vd.Key]
		switch v := dev.(type) {
		case *types.VirtualDisk:
			d.Disks = append(d.Disks, convertDisk(v, label, labels[vd.ControllerKey], r))
		case *types.VirtualCdrom:
			d.CDROMs = append(d.CDROMs, convertCDROM(v, label, r))
		case types.BaseVirtualSCSIController:
			c := v.GetVirtualSCSIController()
			d.Controllers = append(d.Controllers, model.SCSIController{
				Label:      label,
				Type:       scsiType(dev),
				Bus:        c.BusNumber,
				BusSharing: string(c.SharedBus),
			})
		case types.BaseVirtualEthernetCard:
			d.NICs = append(d.NICs, convertNIC(dev, v.GetVirtualEthernetCard(), label, r))
		}
	}
}

// deviceLabels maps each device key to its label as the vSphere Client shows it: the
// device's own label, or one built the same way when the server sent none.
func deviceLabels(devices []types.BaseVirtualDevice) map[int32]string {
	labels := make(map[int32]string, len(devices))
	var disks, cdroms, nics int
	for _, dev := range devices {
		vd := dev.GetVirtualDevice()
		var fallback string
		switch v := dev.(type) {
		case *types.VirtualDisk:
			disks++
			fallback = fmt.Sprintf("Hard disk %d", disks)
		case *types.VirtualCdrom:
			cdroms++
			fallback = fmt.Sprintf("CD/DVD drive %d", cdroms)
		case types.BaseVirtualEthernetCard:
			nics++
			fallback = fmt.Sprintf("Network adapter %d", nics)
		case types.BaseVirtualSCSIController:
			fallback = fmt.Sprintf("SCSI controller %d", v.GetVirtualSCSIController().BusNumber)
		case *types.VirtualIDEController:
			fallback = fmt.Sprintf("IDE %d", v.BusNumber)
		case types.BaseVirtualSATAController:
			fallback = fmt.Sprintf("SATA controller %d", v.GetVirtualSATAController().BusNumber)
		case *types.VirtualNVMEController:
			fallback = fmt.Sprintf("NVME controller %d", v.BusNumber)
		}
		label := fallback
		if vd.DeviceInfo != nil {
			if desc := vd.DeviceInfo.GetDescription(); desc != nil && desc.Label != "" {
				label = desc.Label
			}
		}
		labels[vd.Key] = label
	}
	return labels
}

func convertDisk(v *types.VirtualDisk, label, controller string, r resolver) model.Disk {
	disk := model.Disk{Label: label, Controller: controller, Backing: model.BackingOther, CapacityB: v.CapacityInBytes}
	if disk.CapacityB <= 0 {
		disk.CapacityB = v.CapacityInKB * 1024
	}
	if fb, ok := v.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
		info := fb.GetVirtualDeviceFileBackingInfo()
		disk.File = info.FileName
		disk.Datastore, disk.DatastoreRef = r.datastore(info.Datastore, info.FileName)
	}
	switch b := v.Backing.(type) {
	case *types.VirtualDiskFlatVer2BackingInfo:
		disk.Backing = model.BackingFlat
		if b.ThinProvisioned != nil && *b.ThinProvisioned {
			disk.Backing = model.BackingThin
		}
		disk.Sharing = b.Sharing
	case *types.VirtualDiskRawDiskMappingVer1BackingInfo:
		switch b.CompatibilityMode {
		case string(types.VirtualDiskCompatibilityModePhysicalMode):
			disk.Backing = model.BackingRDMPhys
		case string(types.VirtualDiskCompatibilityModeVirtualMode):
			disk.Backing = model.BackingRDMVirtual
		}
		disk.LUN = strings.TrimPrefix(b.DeviceName, "/vmfs/devices/disks/")
		if disk.LUN == "" {
			disk.LUN = b.LunUuid
		}
		disk.Sharing = b.Sharing
	}
	return disk
}

func convertCDROM(v *types.VirtualCdrom, label string, r resolver) model.CDROM {
	cd := model.CDROM{Label: label, Backing: "none", Connected: v.Connectable != nil && v.Connectable.Connected}
	switch b := v.Backing.(type) {
	case *types.VirtualCdromIsoBackingInfo:
		cd.Backing = "iso"
		cd.ISO = b.FileName
		cd.Datastore, cd.DatastoreRef = r.datastore(b.Datastore, b.FileName)
	case *types.VirtualCdromAtapiBackingInfo, *types.VirtualCdromPassthroughBackingInfo:
		cd.Backing = "host"
	case *types.VirtualCdromRemotePassthroughBackingInfo, *types.VirtualCdromRemoteAtapiBackingInfo:
		cd.Backing = "client"
	}
	return cd
}

func convertNIC(dev types.BaseVirtualDevice, card *types.VirtualEthernetCard, label string, r resolver) model.NIC {
	nic := model.NIC{
		Label:     label,
		Type:      nicType(dev),
		MAC:       card.MacAddress,
		Connected: card.Connectable != nil && card.Connectable.Connected,
	}
	switch b := card.Backing.(type) {
	case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
		// A distributed port group's key is its MoRef value.
		key := b.Port.PortgroupKey
		nic.NetworkRef = model.Ref{Type: "DistributedVirtualPortgroup", Value: key}
		if pg, ok := r.netByRef[key]; ok {
			nic.PortGroup, nic.VLAN = pg.Name, pg.VLAN
			if !pg.Ref.IsZero() {
				nic.NetworkRef = pg.Ref
			}
		}
	case *types.VirtualEthernetCardNetworkBackingInfo:
		nic.PortGroup = b.DeviceName
		if b.Network != nil {
			nic.NetworkRef = refOf(*b.Network)
			if pg, ok := r.netByRef[b.Network.Value]; ok {
				nic.PortGroup, nic.VLAN = pg.Name, pg.VLAN
			}
		} else if pg, ok := r.netByName[b.DeviceName]; ok {
			nic.NetworkRef, nic.VLAN = pg.Ref, pg.VLAN
		}
	case *types.VirtualEthernetCardOpaqueNetworkBackingInfo:
		nic.PortGroup = b.OpaqueNetworkId
	}
	return nic
}

// scsiType names a SCSI controller as the vSphere Client does.
func scsiType(dev types.BaseVirtualDevice) string {
	switch dev.(type) {
	case *types.ParaVirtualSCSIController:
		return "VMware Paravirtual"
	case *types.VirtualLsiLogicSASController:
		return "LSI Logic SAS"
	case *types.VirtualLsiLogicController:
		return "LSI Logic"
	case *types.VirtualBusLogicController:
		return "BusLogic"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", dev), "*types.")
}

// nicType names a network adapter's type as the vSphere Client does.
func nicType(dev types.BaseVirtualDevice) string {
	switch dev.(type) {
	case *types.VirtualVmxnet3:
		return "vmxnet3"
	case *types.VirtualVmxnet3Vrdma:
		return "pvrdma"
	case *types.VirtualE1000e:
		return "e1000e"
	case *types.VirtualE1000:
		return "e1000"
	case *types.VirtualVmxnet2:
		return "vmxnet2"
	case *types.VirtualVmxnet:
		return "vmxnet"
	case *types.VirtualPCNet32:
		return "pcnet32"
	case *types.VirtualSriovEthernetCard:
		return "sriov"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", dev), "*types.Virtual")
}

// snapshotTree converts a snapshot tree and counts its snapshots.
func snapshotTree(list []types.VirtualMachineSnapshotTree, current *types.ManagedObjectReference) ([]model.Snapshot, int) {
	if len(list) == 0 {
		return nil, 0
	}
	out := make([]model.Snapshot, 0, len(list))
	n := 0
	for _, t := range list {
		children, k := snapshotTree(t.ChildSnapshotList, current)
		out = append(out, model.Snapshot{
			Name:     t.Name,
			Created:  t.CreateTime,
			Current:  current != nil && *current == t.Snapshot,
			Children: children,
		})
		n += 1 + k
	}
	return out, n
}

// detailsCacheSize bounds a detailsCache whose size was not given.
const detailsCacheSize = 512

// detailsCache keeps fetched details until the VM changes: an entry is valid while the VM's
// config.changeVersion and its number of root snapshots (what the inventory watches, as
// model.VM.ChangeVersion and model.VM.Snapshots) are those seen at fetch time. It holds at
// most its size in entries and evicts the least recently used. Safe for concurrent use; the
// zero value is ready, with room for 512 VMs. Details are shared: treat them as read-only.
type detailsCache struct {
	mu      sync.Mutex
	size    int
	order   *list.List // of *detailsEntry, least recently used first
	entries map[model.VMKey]*list.Element
}

type detailsEntry struct {
	d             model.VMDetails
	changeVersion string
	roots         int
}

// newDetailsCache returns a cache of at most size entries (512 when size <= 0).
func newDetailsCache(size int) *detailsCache {
	return &detailsCache{size: size}
}

func (c *detailsCache) init() {
	if c.entries == nil {
		c.entries = map[model.VMKey]*list.Element{}
		c.order = list.New()
	}
	if c.size <= 0 {
		c.size = detailsCacheSize
	}
}

// get returns the details of key if they were fetched at this change version and this
// number of root snapshots. A stale entry is dropped.
func (c *detailsCache) get(key model.VMKey, changeVersion string, rootSnapshots int) (model.VMDetails, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	el, ok := c.entries[key]
	if !ok {
		return model.VMDetails{}, false
	}
	e := el.Value.(*detailsEntry)
	if e.changeVersion != changeVersion || e.roots != rootSnapshots {
		c.order.Remove(el)
		delete(c.entries, key)
		return model.VMDetails{}, false
	}
	c.order.MoveToBack(el)
	return e.d, true
}

// put stores d under d.Key, with its change version and number of root snapshots.
func (c *detailsCache) put(d model.VMDetails) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	e := &detailsEntry{d: d, changeVersion: d.ChangeVersion, roots: len(d.Snapshots)}
	if el, ok := c.entries[d.Key]; ok {
		el.Value = e
		c.order.MoveToBack(el)
		return
	}
	c.entries[d.Key] = c.order.PushBack(e)
	for c.order.Len() > c.size {
		oldest := c.order.Front()
		c.order.Remove(oldest)
		delete(c.entries, oldest.Value.(*detailsEntry).d.Key)
	}
}

// forget drops the details of key (the VM is gone, or moved to the other site).
func (c *detailsCache) forget(key model.VMKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.order.Remove(el)
		delete(c.entries, key)
	}
}

// len returns the number of entries.
func (c *detailsCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
