package lab

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// finish sets what the simulator leaves unrealistic or inconsistent: host hardware and
// vMotion, datastore types and sizes, cluster settings and totals, and every object's
// back-references (the simulator never fills Network.vm, and some of its lists share
// backing arrays). It runs before the server starts, with every task finished, so plain
// writes are safe and no client can be watching.
func (b *builder) finish(specs []vmSpec) {
	var allHosts []*simulator.HostSystem
	for _, hs := range b.hosts {
		allHosts = append(allHosts, hs...)
	}
	hostRefs := refsOf(allHosts)

	// VMs in creation order, which is the order of their specs.
	vms := make([]*simulator.VirtualMachine, 0, len(specs))
	now := time.Now()
	for i, v := range specs {
		vm := b.vms[v.name]
		vms = append(vms, vm)
		if v.iso != "" {
			// A mounted ISO puts its datastore in the VM's datastore list, as in vCenter.
			local := b.datastoreByName(localDatastore(b.bp.clusters[v.cluster].hostName(v.host, b.bp.domain)))
			if !slices.Contains(vm.Datastore, local.Self) {
				vm.Datastore = append(vm.Datastore, local.Self)
			}
		}
		vm.Network = dedupe(vm.Network)
		vm.Datastore = dedupe(vm.Datastore)
		vm.Summary.Config.NumEthernetCards = int32(len(v.vlans))
		vm.Summary.Config.NumVirtualDisks = int32(len(v.disksGiB) + len(v.rdms))
		vm.Summary.Config.Annotation = v.annotation
		if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
			// The simulator sets only summary.runtime.bootTime; a week to two months of uptime.
			uptime := time.Duration(7+i%53) * 24 * time.Hour
			boot := now.Add(-uptime)
			vm.Runtime.BootTime = &boot
			vm.Summary.QuickStats.OverallCpuUsage = v.cpu * 180
			vm.Summary.QuickStats.GuestMemoryUsage = v.memMiB / 3
			vm.Summary.QuickStats.HostMemoryUsage = v.memMiB * 2 / 3
			vm.Summary.QuickStats.UptimeSeconds = int32(uptime / time.Second)
			vm.Summary.QuickStats.GuestHeartbeatStatus = types.ManagedEntityStatusGreen
			// A running VM needs the CPU features of the EVC mode it was powered on in.
			vm.Runtime.MinRequiredEVCModeKey = b.bp.clusters[v.cluster].evc
		}
		// The simulator leaves the FT state empty; vCenter says notConfigured.
		vm.Runtime.FaultToleranceState = types.VirtualMachineFaultToleranceStateNotConfigured
		if v.ft {
			b.protect(vm)
		}
		vm.Summary.Runtime = vm.Runtime
	}

	// Hosts: hardware of a current two-socket server, vMotion on, their VMs.
	for hi, h := range allHosts {
		h.Capability.VmotionSupported = true
		h.Capability.VmotionAcrossNetworkSupported = types.NewBool(true)
		h.Capability.StorageVMotionSupported = true
		h.Capability.VmotionWithStorageVMotionSupported = true
		h.Summary.Config.VmotionEnabled = true
		b.addVMotionNIC(h, hi)
		h.Summary.MaxEVCModeKey = hostMaxEVC
		hw := *h.Summary.Hardware
		hw.Vendor = "Dell Inc."
		hw.Model = "PowerEdge R660"
		hw.CpuModel = "Intel(R) Xeon(R) Gold 6430 CPU @ 2.10GHz"
		hw.CpuMhz = 2100
		hw.NumCpuPkgs = 2
		hw.NumCpuCores = 64
		hw.NumCpuThreads = 128
		hw.MemorySize = 1 << 40
		hw.NumNics = 4
		hw.NumHBAs = 4
		h.Summary.Hardware = &hw
		hi := *h.Hardware
		hi.MemorySize = hw.MemorySize
		hi.CpuInfo = types.HostCpuInfo{NumCpuPackages: 2, NumCpuCores: 64, NumCpuThreads: 128, Hz: 2_100_000_000}
		h.Hardware = &hi

		var onCPU, onMem int32
		var hostVMs []types.ManagedObjectReference
		for _, vm := range vms {
			if *vm.Runtime.Host != h.Self {
				continue
			}
			hostVMs = append(hostVMs, vm.Self)
			if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
				onCPU += vm.Summary.QuickStats.OverallCpuUsage
				onMem += vm.Summary.QuickStats.HostMemoryUsage
			}
		}
		h.Vm = hostVMs
		h.Summary.QuickStats.OverallCpuUsage = onCPU + 900
		h.Summary.QuickStats.OverallMemoryUsage = onMem + 6144
	}

	// Clusters: HA and fully automated DRS, totals from their hosts, an anti-affinity rule
	// for the guest cluster, their VMs.
	for ci, c := range b.clusters {
		cfg := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
		cfg.DasConfig.Enabled = types.NewBool(true)
		cfg.DasConfig.AdmissionControlEnabled = types.NewBool(true)
		cfg.DasConfig.HostMonitoring = string(types.ClusterDasConfigInfoServiceStateEnabled)
		cfg.DrsConfig.Enabled = types.NewBool(true)
		cfg.DrsConfig.DefaultVmBehavior = types.DrsBehaviorFullyAutomated
		var guestCluster []types.ManagedObjectReference
		for _, v := range specs {
			if v.cluster == ci && len(v.rdms) > 0 {
				guestCluster = append(guestCluster, b.vms[v.name].Self)
			}
		}
		if len(guestCluster) > 1 {
			cfg.Rule = append(cfg.Rule, &types.ClusterAntiAffinityRuleSpec{
				ClusterRuleInfo: types.ClusterRuleInfo{Key: 1, Name: "sql-fci-separate-hosts", Enabled: types.NewBool(true), Mandatory: types.NewBool(true), Status: types.ManagedEntityStatusGreen},
				Vm:              guestCluster,
			})
		}

		if cs, ok := c.Summary.(*types.ClusterComputeResourceSummary); ok {
			cs.CurrentEVCModeKey = b.bp.clusters[ci].evc
		}
		s := c.Summary.GetComputeResourceSummary()
		*s = types.ComputeResourceSummary{OverallStatus: types.ManagedEntityStatusGreen}
		for _, h := range b.hosts[ci] {
			h.Summary.CurrentEVCModeKey = b.bp.clusters[ci].evc
			hw := h.Summary.Hardware
			s.TotalCpu += hw.CpuMhz * int32(hw.NumCpuCores)
			s.TotalMemory += hw.MemorySize
			s.NumCpuCores += hw.NumCpuCores
			s.NumCpuThreads += hw.NumCpuThreads
			s.NumHosts++
			s.NumEffectiveHosts++
		}
		s.EffectiveCpu = s.TotalCpu * 9 / 10
		s.EffectiveMemory = s.TotalMemory / (1 << 20) * 9 / 10

		pool := b.reg.Get(*c.ResourcePool).(*simulator.ResourcePool)
		var poolVMs []types.ManagedObjectReference
		for _, vm := range vms {
			if *vm.ResourcePool == pool.Self {
				poolVMs = append(poolVMs, vm.Self)
			}
		}
		pool.Vm = poolVMs
	}

	// Networks: every host is on every network; each network lists the VMs using it.
	var networks []types.ManagedObjectReference
	for _, ref := range b.dc.Network {
		if ref.Type != "VmwareDistributedVirtualSwitch" && ref.Type != "DistributedVirtualSwitch" {
			networks = append(networks, ref)
		}
	}
	for _, ref := range networks {
		var using []types.ManagedObjectReference
		for _, vm := range vms {
			if slices.Contains(vm.Network, ref) {
				using = append(using, vm.Self)
			}
		}
		switch n := b.reg.Get(ref).(type) {
		case *simulator.DistributedVirtualPortgroup:
			n.Vm, n.Host = using, slices.Clone(hostRefs)
		case *mo.Network:
			n.Vm, n.Host = using, slices.Clone(hostRefs)
		}
	}
	b.dc.Network = slices.Clone(b.dc.Network)
	for _, h := range allHosts {
		h.Network = slices.Clone(networks)
	}
	for _, c := range b.clusters {
		c.Network = slices.Clone(networks)
	}
	b.dvs.Summary.HostMember = slices.Clone(hostRefs)
	// Mark the uplink port group as vCenter does, so clients can tell it from VM networks.
	for _, ref := range b.dvs.Portgroup {
		pg := b.reg.Get(ref).(*simulator.DistributedVirtualPortgroup)
		if s, ok := pg.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting); ok {
			if _, trunk := s.Vlan.(*types.VmwareDistributedVirtualSwitchTrunkVlanSpec); trunk {
				pg.Config.Uplink = types.NewBool(true)
				b.dvs.Config.GetDVSConfigInfo().UplinkPortgroup = []types.ManagedObjectReference{ref}
				continue
			}
		}
		pg.Config.Uplink = types.NewBool(false)
	}

	// Datastores: realistic types and sizes, their VMs.
	for _, ref := range b.dc.Datastore {
		ds := b.reg.Get(ref).(*simulator.Datastore)
		var using []types.ManagedObjectReference
		var provisioned int64
		for _, vm := range vms {
			if !slices.Contains(vm.Datastore, ds.Self) {
				continue
			}
			using = append(using, vm.Self)
			for _, d := range vm.Config.Hardware.Device {
				disk, ok := d.(*types.VirtualDisk)
				if !ok {
					continue
				}
				if fb, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok && fb.Datastore != nil && *fb.Datastore == ds.Self {
					provisioned += disk.CapacityInBytes
				}
			}
		}
		ds.Vm = using

		info := ds.Info.GetDatastoreInfo()
		base := *info
		switch {
		case ds.Name == metroDatastore:
			// Both vCenters report the same size and space: the VMs of both sites count.
			ds.Summary.Capacity = metroCapacityTB << 40
			ds.Summary.MultipleHostAccess = types.NewBool(true)
			provisioned = b.plan.metroProvisioned
		case ds.Summary.Type == string(types.HostFileSystemVolumeFileSystemTypeNFS):
			ds.Summary.Capacity = 40 << 40
			ds.Summary.MultipleHostAccess = types.NewBool(true)
		case strings.HasPrefix(ds.Name, "local-"):
			ds.Summary.Type = string(types.HostFileSystemVolumeFileSystemTypeVMFS)
			ds.Summary.Capacity = 1788 << 30
			ds.Summary.MultipleHostAccess = types.NewBool(false)
			ds.Info = &types.VmfsDatastoreInfo{DatastoreInfo: base, Vmfs: &types.HostVmfsVolume{
				HostFileSystemVolume: types.HostFileSystemVolume{Type: "VMFS", Name: ds.Name, Capacity: ds.Summary.Capacity},
				BlockSizeMb:          1, MajorVersion: 6, Version: "6.82", Local: types.NewBool(true), Ssd: types.NewBool(true),
			}}
		default:
			ds.Summary.Type = string(types.HostFileSystemVolumeFileSystemTypeVMFS)
			ds.Summary.Capacity = 16 << 40
			ds.Summary.MultipleHostAccess = types.NewBool(true)
			ds.Info = &types.VmfsDatastoreInfo{DatastoreInfo: base, Vmfs: &types.HostVmfsVolume{
				HostFileSystemVolume: types.HostFileSystemVolume{Type: "VMFS", Name: ds.Name, Capacity: ds.Summary.Capacity},
				BlockSizeMb:          1, MajorVersion: 6, Version: "6.82", Local: types.NewBool(false), Ssd: types.NewBool(true),
			}}
			ds.Capability.RawDiskMappingsSupported = true
		}
		ds.Summary.FreeSpace = ds.Summary.Capacity - provisioned
		info = ds.Info.GetDatastoreInfo()
		info.FreeSpace = ds.Summary.FreeSpace
		info.MaxFileSize = 62 << 40
		info.MaxVirtualDiskCapacity = 62 << 40
	}

	b.reg.AddHandler(&hostStateAnnouncer{reg: b.reg, context: b.context})
}

// hostMaxEVC is the newest EVC mode the lab's hosts (Xeon Gold 6430) support.
const hostMaxEVC = "intel-sapphirerapids"

// addVMotionNIC gives the host a VMkernel adapter, vmk1, on the vMotion VLAN's distributed
// port group, with an address of 10.<site>.200.0/24, and selects it for vMotion: in
// config.network.vnic, in config.virtualNicManagerInfo (a candidate for every NIC type, as
// vCenter lists each adapter) and its VirtualNicManager's info, in config.vmotion, and in
// its network system's networkInfo. The simulator's own adapter, vmk0, stays management.
// hi numbers the host within its site.
func (b *builder) addVMotionNIC(h *simulator.HostSystem, hi int) {
	pg := b.portGroup[vmotionVLAN]
	ip := fmt.Sprintf("10.%d.%d.%d", b.bp.number, vmotionVLAN, 11+hi)
	nic := func(key string) types.HostVirtualNic {
		return types.HostVirtualNic{
			Device: "vmk1",
			Key:    key,
			Spec: types.HostVirtualNicSpec{
				Ip:  &types.HostIpConfig{IpAddress: ip, SubnetMask: "255.255.255.0"},
				Mac: fmt.Sprintf("00:50:56:6%d:%02x:%02x", b.bp.number, vmotionVLAN, 11+hi),
				DistributedVirtualPort: &types.DistributedVirtualSwitchPortConnection{
					SwitchUuid: b.dvs.Uuid, PortgroupKey: pg.Key,
				},
				Mtu:                 9000,
				TsoEnabled:          types.NewBool(true),
				NetStackInstanceKey: "defaultTcpipStack",
			},
		}
	}
	const key = "key-vim.host.VirtualNic-vmk1"
	h.Config.Network.Vnic = append(h.Config.Network.Vnic, nic(key))
	if ns, ok := b.reg.Get(*h.ConfigManager.NetworkSystem).(*simulator.HostNetworkSystem); ok && ns.NetworkInfo != nil {
		ns.NetworkInfo.Vnic = slices.Clone(h.Config.Network.Vnic)
	}
	if vm := h.Config.Vmotion; vm != nil && vm.NetConfig != nil {
		n := nic("VMotionConfig.vmotion." + key)
		vm.NetConfig.CandidateVnic = append(vm.NetConfig.CandidateVnic, n)
		vm.NetConfig.SelectedVnic = n.Key
		vm.IpConfig = n.Spec.Ip
	}
	if nm := h.Config.VirtualNicManagerInfo; nm != nil {
		for i := range nm.NetConfig {
			nc := &nm.NetConfig[i]
			n := nic(nc.NicType + "." + key)
			nc.CandidateVnic = append(nc.CandidateVnic, n)
			if nc.NicType == string(types.HostVirtualNicManagerNicTypeVmotion) {
				nc.SelectedVnic = []string{n.Key}
			}
		}
		// The manager starts with the simulator's package-wide list: give it the host's.
		if m, ok := b.reg.Get(*h.ConfigManager.VirtualNicManager).(*simulator.HostVirtualNicManager); ok {
			m.Info.NetConfig = slices.Clone(nm.NetConfig)
		}
	}
}

// protect makes the VM a fault tolerance primary whose secondary runs: config.ftInfo (and
// summary.config.ftInfo) and runtime.faultToleranceState. The secondary is not in the
// inventory (vCenter would list it, under the same name).
func (b *builder) protect(vm *simulator.VirtualMachine) {
	secondary := nameUUID("vmcross-lab/" + string(b.bp.id) + "/" + vm.Name + "/ft-secondary")
	info := &types.FaultTolerancePrimaryConfigInfo{FaultToleranceConfigInfo: types.FaultToleranceConfigInfo{
		Role:          1, // the primary
		InstanceUuids: []string{vm.Config.InstanceUuid, secondary},
		ConfigPaths:   []string{vm.Config.Files.VmPathName, strings.Replace(vm.Config.Files.VmPathName, vm.Name+"/", vm.Name+"_1/", 1)},
	}}
	vm.Config.FtInfo = info
	vm.Summary.Config.FtInfo = &info.FaultToleranceConfigInfo
	vm.Runtime.FaultToleranceState = types.VirtualMachineFaultToleranceStateRunning
}

// metroProvisioned is what the VMs of both sites provision on the stretched datastore, so
// that both vCenters report the same free space for it; vms are the VMs of each site, in
// the order of blueprints().
func metroProvisioned(vms []int) int64 {
	var sum int64
	for i, bp := range blueprints() {
		for _, v := range bp.vms(vms[i]) {
			if v.store == storeMetro {
				for _, gib := range v.disksGiB {
					sum += gib << 30
				}
			}
		}
	}
	return sum
}
