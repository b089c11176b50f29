package lab

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// placement is where a relocation puts the VM at the target, and what it copies there.
type placement struct {
	dst     *site
	hot     bool // a powered-on VM: vMotion, not a cold migration
	srcHost *simulator.HostSystem
	host    *simulator.HostSystem
	cr      *mo.ComputeResource // the host's cluster (or standalone compute resource)
	pool    *simulator.ResourcePool
	folder  *simulator.Folder
	home    diskMove           // the VM's home (configuration files) datastore
	disks   map[int32]diskMove // by device key: the datastores of the VM's virtual disks
	nics    []nicMove          // the VM's network adapters at the target
	// dsMap maps each source datastore of the VM to the target datastore of its files.
	dsMap map[types.ManagedObjectReference]*simulator.Datastore

	memory, diskBytes, dirty float64 // the vMotion model's inputs: bytes, bytes, bytes a second
	vmotionNet               string
}

// diskMove is a datastore at the source and the one that takes its files at the target.
type diskMove struct {
	src, dst *simulator.Datastore
	moves    bool // their URLs differ: the bytes cross the DCI
}

// nicMove is one network adapter's backing at the target.
type nicMove struct {
	key     int32
	label   string
	backing types.BaseVirtualDeviceBackingInfo
	ref     types.ManagedObjectReference // its network (a distributed port group) at the target
	network string                       // that network's name
	vlan    int                          // its VLAN, 0 when it has none
}

// linkDown is the fault of a vMotion whose data does not reach the destination host.
func (p *placement) linkDown() *types.VMotionLinkDown {
	return &types.VMotionLinkDown{
		VMotionInterfaceIssue: types.VMotionInterfaceIssue{FailedHost: p.host.Name},
		Network:               p.vmotionNet,
	}
}

func invalidArgument(prop, why string) *taskFault {
	return &taskFault{&types.InvalidArgument{InvalidProperty: prop},
		fmt.Sprintf("A specified parameter was not correct: %s (%s).", prop, why)}
}

func notFound(ref types.ManagedObjectReference, where string) *taskFault {
	return &taskFault{&types.ManagedObjectNotFound{Obj: ref}, fmt.Sprintf(
		"The object 'vim.%s:%s' has already been deleted or has not been completely created (at %s).", ref.Type, ref.Value, where)}
}

// resolve looks a MoRef of the spec up in a registry: nil when ref is nil, a fault when the
// registry has no such object or it is not a T.
func resolve[T mo.Reference](reg *simulator.Registry, ref *types.ManagedObjectReference, prop, where string) (T, *taskFault) {
	var zero T
	if ref == nil {
		return zero, nil
	}
	obj := reg.Get(*ref)
	if obj == nil {
		return zero, notFound(*ref, where)
	}
	t, ok := obj.(T)
	if !ok {
		return zero, invalidArgument(prop, fmt.Sprintf("%s is a %s", ref.Value, ref.Type))
	}
	return t, nil
}

// computeResource is the compute resource part of a cluster or standalone host's parent.
func computeResource(obj mo.Reference) *mo.ComputeResource {
	switch c := obj.(type) {
	case *simulator.ClusterComputeResource:
		return &c.ComputeResource
	case *mo.ComputeResource:
		return c
	}
	return nil
}

// hostView is what a relocation reads of a host, under its lock.
type hostView struct {
	name        string
	parent      types.ManagedObjectReference
	datastores  []types.ManagedObjectReference
	connected   bool
	maintenance bool
	vmotion     bool
	memUsed     int32
}

func readHost(reg *simulator.Registry, ctx *simulator.Context, h *simulator.HostSystem) hostView {
	var v hostView
	reg.WithLock(ctx, h, func() {
		v = hostView{
			name:        h.Name,
			datastores:  slices.Clone(h.Datastore),
			connected:   h.Runtime.ConnectionState == types.HostSystemConnectionStateConnected,
			maintenance: h.Runtime.InMaintenanceMode,
			vmotion:     h.Summary.Config.VmotionEnabled,
			memUsed:     h.Summary.QuickStats.OverallMemoryUsage,
		}
		if h.Parent != nil {
			v.parent = *h.Parent
		}
	})
	return v
}

func datastoreURL(reg *simulator.Registry, ctx *simulator.Context, ds *simulator.Datastore) string {
	var u string
	reg.WithLock(ctx, ds, func() {
		if ds.Info != nil {
			u = ds.Info.GetDatastoreInfo().Url
		}
	})
	return u
}

// datastorePathName is the datastore name of a "[name] path" file name.
func datastorePathName(file string) string {
	if strings.HasPrefix(file, "[") {
		if i := strings.Index(file, "]"); i > 0 {
			return file[1:i]
		}
	}
	return ""
}

// evcModes orders Intel's EVC modes, oldest first.
var evcModes = []string{
	"intel-merom", "intel-penryn", "intel-nehalem", "intel-westmere", "intel-sandybridge",
	"intel-ivybridge", "intel-haswell", "intel-broadwell", "intel-skylake", "intel-cascadelake",
	"intel-icelake", "intel-sapphirerapids",
}

// prepare checks a relocation as vCenter does before it moves anything, and works out the
// placement at the target and the model's inputs. Nothing changes anywhere.
func (mv *mover) prepare(ctx *simulator.Context, m *move) (*placement, *taskFault) {
	src := m.src
	sreg := src.model.Map()
	dst, f := mv.checkService(src, m.spec.Service)
	if f != nil {
		return nil, f
	}
	dreg := dst.model.Map()
	dctx := dst.relocateContext()
	where := "the destination vCenter " + dst.ep.URL
	spec := m.spec

	var vm *mo.VirtualMachine
	sreg.WithLock(ctx, m.vm, func() {
		if sreg.Get(m.vm.Self) != nil {
			vm = simulator.Checkpoint(m.vm).(*mo.VirtualMachine)
		}
	})
	if vm == nil {
		return nil, notFound(m.vm.Self, "the source vCenter")
	}
	if vm.Config == nil || vm.Runtime.Host == nil {
		return nil, &taskFault{&types.InvalidState{}, fmt.Sprintf("The virtual machine %s is not accessible: it has no configuration or host.", vm.Name)}
	}
	p := &placement{
		dst:        dst,
		hot:        vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn,
		disks:      map[int32]diskMove{},
		dsMap:      map[types.ManagedObjectReference]*simulator.Datastore{},
		vmotionNet: vmotionNetwork(),
	}
	devices := vm.Config.Hardware.Device
	label := func(d types.BaseVirtualDevice) string {
		if info := d.GetVirtualDevice().DeviceInfo; info != nil {
			return info.GetDescription().Label
		}
		return fmt.Sprintf("device %d", d.GetVirtualDevice().Key)
	}

	// The source host.
	srcHost, ok := sreg.Get(*vm.Runtime.Host).(*simulator.HostSystem)
	if !ok {
		return nil, notFound(*vm.Runtime.Host, "the source vCenter")
	}
	p.srcHost = srcHost
	sh := readHost(sreg, ctx, srcHost)

	// Devices that no vMotion takes along.
	if p.hot {
		for _, d := range devices {
			if c, ok := d.(types.BaseVirtualSCSIController); ok {
				if sb := c.GetVirtualSCSIController().SharedBus; sb != "" && sb != types.VirtualSCSISharingNoSharing {
					return nil, &taskFault{
						&types.SharedBusControllerNotSupported{DeviceNotSupported: types.DeviceNotSupported{Device: label(d)}},
						fmt.Sprintf("Virtual machine is configured to use a device that prevents the operation: Device '%s' is a SCSI controller engaged in bus-sharing.", label(d))}
				}
			}
		}
	}

	// The target host, pool, cluster and folder.
	host, f := resolve[*simulator.HostSystem](dreg, spec.Host, "spec.host", where)
	if f != nil {
		return nil, f
	}
	pool, f := resolve[*simulator.ResourcePool](dreg, spec.Pool, "spec.pool", where)
	if f != nil {
		return nil, f
	}
	folder, f := resolve[*simulator.Folder](dreg, spec.Folder, "spec.folder", where)
	if f != nil {
		return nil, f
	}
	if host == nil && pool == nil {
		return nil, invalidArgument("spec.pool", "a relocation to another vCenter needs a host or a resource pool there")
	}
	var owner types.ManagedObjectReference
	if pool != nil {
		dreg.WithLock(dctx, pool, func() { owner = pool.Owner })
	}
	if host == nil {
		cr := computeResource(dreg.Get(owner))
		if cr == nil {
			return nil, invalidArgument("spec.pool", fmt.Sprintf("resource pool %s belongs to no cluster", pool.Self.Value))
		}
		var hosts []types.ManagedObjectReference
		dreg.WithLock(dctx, dreg.Get(owner), func() { hosts = slices.Clone(cr.Host) })
		best := int32(-1)
		for _, ref := range hosts {
			h, ok := dreg.Get(ref).(*simulator.HostSystem)
			if !ok {
				continue
			}
			if v := readHost(dreg, dctx, h); v.connected && !v.maintenance && (v.vmotion || !p.hot) && (best < 0 || v.memUsed < best) {
				host, best = h, v.memUsed
			}
		}
		if host == nil {
			return nil, &taskFault{&types.NoCompatibleHost{}, fmt.Sprintf("No host of the destination cluster is compatible with the virtual machine %s.", vm.Name)}
		}
	}
	p.host = host
	th := readHost(dreg, dctx, host)
	crObj := dreg.Get(th.parent)
	p.cr = computeResource(crObj)
	if p.cr == nil {
		return nil, invalidArgument("spec.host", fmt.Sprintf("host %s is in no cluster", th.name))
	}
	var crPool, crParent *types.ManagedObjectReference
	var evc string
	dreg.WithLock(dctx, crObj, func() {
		crPool, crParent = p.cr.ResourcePool, p.cr.Parent
		if c, ok := crObj.(*simulator.ClusterComputeResource); ok {
			if s, ok := c.Summary.(*types.ClusterComputeResourceSummary); ok {
				evc = s.CurrentEVCModeKey
			}
		}
	})
	if pool == nil {
		if crPool == nil {
			return nil, invalidArgument("spec.pool", fmt.Sprintf("the cluster of host %s has no resource pool", th.name))
		}
		pool, _ = dreg.Get(*crPool).(*simulator.ResourcePool)
		if pool == nil {
			return nil, notFound(*crPool, where)
		}
	} else if owner != th.parent {
		return nil, invalidArgument("spec.pool", fmt.Sprintf("resource pool %s is not in the cluster of host %s", pool.Self.Value, th.name))
	}
	p.pool = pool
	if folder == nil {
		for parent := crParent; parent != nil; {
			obj := dreg.Get(*parent)
			if dc, ok := obj.(*simulator.Datacenter); ok {
				folder, _ = dreg.Get(dc.VmFolder).(*simulator.Folder)
				break
			}
			e, ok := obj.(mo.Entity)
			if !ok {
				break
			}
			parent = e.Entity().Parent
		}
		if folder == nil {
			return nil, invalidArgument("spec.folder", "no virtual machine folder found for the destination host")
		}
	}
	var children []types.ManagedObjectReference
	var folderOK bool
	dreg.WithLock(dctx, folder, func() {
		children = slices.Clone(folder.ChildEntity)
		folderOK = slices.Contains(folder.ChildType, "VirtualMachine")
	})
	if !folderOK {
		return nil, invalidArgument("spec.folder", fmt.Sprintf("folder %s does not hold virtual machines", folder.Name))
	}
	p.folder = folder
	if e := dreg.FindByName(vm.Name, children); e != nil {
		return nil, &taskFault{&types.DuplicateName{Name: vm.Name, Object: e.Reference()},
			fmt.Sprintf("The name '%s' already exists.", vm.Name)}
	}

	// The hosts' states.
	switch {
	case !th.connected:
		return nil, &taskFault{&types.HostNotConnected{}, fmt.Sprintf("The destination host %s is not connected.", th.name)}
	case th.maintenance:
		return nil, &taskFault{&types.InvalidHostState{Host: &host.Self}, fmt.Sprintf(
			"The operation is not allowed in the current state of the host: %s is in maintenance mode.", th.name)}
	case p.hot && !sh.vmotion:
		return nil, &taskFault{&types.VMotionNotConfigured{VMotionInterfaceIssue: types.VMotionInterfaceIssue{AtSourceHost: true, FailedHost: sh.name}},
			fmt.Sprintf("The vMotion interface is not configured (or is misconfigured) on the Source host '%s'.", sh.name)}
	case p.hot && !th.vmotion:
		return nil, &taskFault{&types.VMotionNotConfigured{VMotionInterfaceIssue: types.VMotionInterfaceIssue{FailedHost: th.name}},
			fmt.Sprintf("The vMotion interface is not configured (or is misconfigured) on the Destination host '%s'.", th.name)}
	}
	if need := vm.Runtime.MinRequiredEVCModeKey; p.hot && need != "" && evc != "" {
		if a, b := slices.Index(evcModes, need), slices.Index(evcModes, evc); a >= 0 && b >= 0 && a > b {
			return nil, &taskFault{&types.FeatureRequirementsNotMet{Host: &host.Self}, fmt.Sprintf(
				"The target host does not support the virtual machine's current hardware requirements: the virtual machine runs in EVC mode %s, the destination cluster's is %s.", need, evc)}
		}
	}

	// Datastores: the VM's home, then each disk's.
	srcDS := func(ref *types.ManagedObjectReference, file string) *simulator.Datastore {
		if ref != nil {
			if ds, ok := sreg.Get(*ref).(*simulator.Datastore); ok {
				return ds
			}
		}
		if e, ok := sreg.FindByName(datastorePathName(file), vm.Datastore).(*simulator.Datastore); ok {
			return e
		}
		return nil
	}
	byURL := func(u string) *simulator.Datastore {
		for _, ref := range th.datastores {
			if ds, ok := dreg.Get(ref).(*simulator.Datastore); ok && datastoreURL(dreg, dctx, ds) == u {
				return ds
			}
		}
		return nil
	}
	target := func(from *simulator.Datastore, explicit *simulator.Datastore, prop string) (diskMove, *taskFault) {
		dm := diskMove{src: from, dst: explicit}
		srcURL := datastoreURL(sreg, ctx, from)
		if dm.dst == nil {
			dm.dst = byURL(srcURL)
		}
		if dm.dst == nil {
			return dm, invalidArgument(prop, fmt.Sprintf("datastore %s is not mounted at the destination host %s: name a datastore there", from.Name, th.name))
		}
		if !slices.Contains(th.datastores, dm.dst.Self) {
			return dm, &taskFault{&types.DatastoreNotWritableOnHost{
				InvalidDatastore: types.InvalidDatastore{Datastore: &dm.dst.Self, Name: dm.dst.Name}, Host: host.Self},
				fmt.Sprintf("The datastore %s is not accessible from the destination host %s.", dm.dst.Name, th.name)}
		}
		dm.moves = datastoreURL(dreg, dctx, dm.dst) != srcURL
		p.dsMap[from.Self] = dm.dst
		return dm, nil
	}
	explicitHome, f := resolve[*simulator.Datastore](dreg, spec.Datastore, "spec.datastore", where)
	if f != nil {
		return nil, f
	}
	home := srcDS(nil, vm.Config.Files.VmPathName)
	if home == nil {
		return nil, &taskFault{&types.InvalidState{}, fmt.Sprintf("The virtual machine's files (%s) are on no datastore of the source.", vm.Config.Files.VmPathName)}
	}
	if p.home, f = target(home, explicitHome, "spec.datastore"); f != nil {
		return nil, f
	}
	locators := map[int32]*simulator.Datastore{}
	for _, l := range spec.Disk {
		ds, f := resolve[*simulator.Datastore](dreg, &l.Datastore, "spec.disk.datastore", where)
		if f != nil {
			return nil, f
		}
		if !slices.ContainsFunc(devices, func(d types.BaseVirtualDevice) bool {
			_, disk := d.(*types.VirtualDisk)
			return disk && d.GetVirtualDevice().Key == l.DiskId
		}) {
			return nil, invalidArgument("spec.disk.diskId", fmt.Sprintf("the virtual machine has no disk %d", l.DiskId))
		}
		locators[l.DiskId] = ds
	}
	for _, d := range devices {
		switch dev := d.(type) {
		case *types.VirtualDisk:
			fb, ok := dev.Backing.(types.BaseVirtualDeviceFileBackingInfo)
			if !ok {
				continue
			}
			info := fb.GetVirtualDeviceFileBackingInfo()
			from := srcDS(info.Datastore, info.FileName)
			if from == nil {
				return nil, &taskFault{&types.InvalidState{}, fmt.Sprintf("'%s' (%s) is on no datastore of the source.", label(d), info.FileName)}
			}
			explicit := locators[dev.Key]
			if explicit == nil {
				explicit = explicitHome
			}
			if _, rdm := dev.Backing.(*types.VirtualDiskRawDiskMappingVer1BackingInfo); rdm {
				explicit = p.home.dst // the mapping file lives with the VM; the LUN stays where it is
			}
			dm, f := target(from, explicit, "spec.disk")
			if f != nil {
				return nil, f
			}
			p.disks[dev.Key] = dm
			if _, rdm := dev.Backing.(*types.VirtualDiskRawDiskMappingVer1BackingInfo); !rdm && dm.moves {
				size := dev.CapacityInBytes
				if size == 0 {
					size = dev.CapacityInKB * 1024
				}
				p.diskBytes += float64(size)
			}
		case *types.VirtualCdrom:
			iso, ok := dev.Backing.(*types.VirtualCdromIsoBackingInfo)
			connected := dev.Connectable != nil && dev.Connectable.Connected
			if !ok || !connected || !p.hot {
				continue
			}
			from := srcDS(iso.Datastore, iso.FileName)
			if from == nil || byURL(datastoreURL(sreg, ctx, from)) == nil {
				return nil, &taskFault{&types.CannotAccessVmDevice{Device: label(d), Backing: iso.FileName, Connected: true},
					fmt.Sprintf("Virtual machine is configured to use a device that prevents the operation: Device '%s' uses backing '%s', which is not accessible from the destination host %s.",
						label(d), iso.FileName, th.name)}
			}
		}
	}

	// Network adapters: the spec moves each to a network of the target.
	edits := map[int32]types.BaseVirtualDevice{}
	for _, dc := range spec.DeviceChange {
		c := dc.GetVirtualDeviceConfigSpec()
		if c.Device == nil {
			return nil, invalidArgument("spec.deviceChange", "a device change without a device")
		}
		_, nic := c.Device.(types.BaseVirtualEthernetCard)
		if c.Operation != types.VirtualDeviceConfigSpecOperationEdit || !nic {
			return nil, invalidArgument("spec.deviceChange", "the lab relocates a virtual machine with edits of its network adapters only")
		}
		edits[c.Device.GetVirtualDevice().Key] = c.Device
	}
	for _, d := range devices {
		if _, ok := d.(types.BaseVirtualEthernetCard); !ok {
			continue
		}
		key := d.GetVirtualDevice().Key
		backing := d.GetVirtualDevice().Backing
		if e, ok := edits[key]; ok {
			backing = e.GetVirtualDevice().Backing
			delete(edits, key)
		}
		n := nicMove{key: key, label: label(d), backing: backing}
		if f := resolveNetwork(dreg, dctx, &n); f != nil {
			return nil, f
		}
		p.nics = append(p.nics, n)
	}
	for key := range edits {
		return nil, invalidArgument("spec.deviceChange", fmt.Sprintf("the virtual machine has no network adapter %d", key))
	}

	// The model's inputs.
	if p.hot {
		p.memory = float64(vm.Config.Hardware.MemoryMB) * (1 << 20)
		p.dirty = p.memory * dirtyShare(vm.Name)
	}
	return p, nil
}

// resolveNetwork finds a network adapter's backing at the target: a distributed port group
// of a switch of the target (by switch UUID and port group key) or a network (by MoRef).
func resolveNetwork(reg *simulator.Registry, ctx *simulator.Context, n *nicMove) *taskFault {
	switch b := n.backing.(type) {
	case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
		pg, ok := reg.Get(types.ManagedObjectReference{Type: "DistributedVirtualPortgroup", Value: b.Port.PortgroupKey}).(*simulator.DistributedVirtualPortgroup)
		var dvs types.ManagedObjectReference
		var vlan int
		if ok {
			reg.WithLock(ctx, pg, func() {
				if pg.Config.DistributedVirtualSwitch != nil {
					dvs = *pg.Config.DistributedVirtualSwitch
				}
				if s, ok := pg.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting); ok {
					if id, ok := s.Vlan.(*types.VmwareDistributedVirtualSwitchVlanIdSpec); ok {
						vlan = int(id.VlanId)
					}
				}
			})
		}
		sw, swOK := reg.Get(dvs).(*simulator.DistributedVirtualSwitch)
		if !ok || !swOK || !strings.EqualFold(sw.Uuid, b.Port.SwitchUuid) {
			return invalidArgument("spec.deviceChange.device.backing", fmt.Sprintf(
				"%s: the destination has no distributed port group %q on switch %q", n.label, b.Port.PortgroupKey, b.Port.SwitchUuid))
		}
		n.ref, n.network, n.vlan = pg.Self, pg.Name, vlan
	case *types.VirtualEthernetCardNetworkBackingInfo:
		if b.Network == nil {
			return invalidArgument("spec.deviceChange.device.backing", n.label+": a network backing without a network")
		}
		net, ok := reg.Get(*b.Network).(*mo.Network)
		if !ok {
			return invalidArgument("spec.deviceChange.device.backing", fmt.Sprintf("%s: the destination has no network %s", n.label, b.Network.Value))
		}
		n.ref, n.network = net.Self, net.Name
	default:
		return invalidArgument("spec.deviceChange.device.backing", fmt.Sprintf("%s: a %T cannot be moved by the lab", n.label, n.backing))
	}
	return nil
}
