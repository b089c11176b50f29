package lab

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// builder populates one simulator model by calling the simulator's own managed-object methods
// in process: no SOAP, no HTTP, no property collector. Calls run one at a time and every task
// is awaited before the next call, so managed object references come out the same on every
// run; the simulator still does its own bookkeeping (folders, events, files, devices).
type builder struct {
	ctx   context.Context // cancels the build
	bp    siteBlueprint
	model *simulator.Model
	reg   *simulator.Registry
	dir   string // datastore directories live here
	metro string // the stretched datastore's directory, shared with the other site
	n     int    // VMs per site
	calls atomic.Int64

	dc        *simulator.Datacenter
	vmFolders map[string]*simulator.Folder
	dvs       *simulator.DistributedVirtualSwitch
	portGroup map[int]*simulator.DistributedVirtualPortgroup // by VLAN ID
	clusters  []*simulator.ClusterComputeResource
	hosts     [][]*simulator.HostSystem // by cluster, then host index
	vms       map[string]*simulator.VirtualMachine
}

func newBuilder(ctx context.Context, bp siteBlueprint, model *simulator.Model, dir, metroDir string) *builder {
	return &builder{
		ctx:       ctx,
		bp:        bp,
		model:     model,
		reg:       model.Map(),
		dir:       dir,
		metro:     metroDir,
		vmFolders: map[string]*simulator.Folder{},
		portGroup: map[int]*simulator.DistributedVirtualPortgroup{},
		vms:       map[string]*simulator.VirtualMachine{},
	}
}

// context returns a fresh simulator context with its own session. The simulator's object
// locks are re-entrant per context, so a context must never be shared by two goroutines
// (a task's goroutine inherits the context of the call that started it).
func (b *builder) context() *simulator.Context {
	c := *b.model.Service.Context
	c.Context = context.Background()
	c.Session = &simulator.Session{
		UserSession: types.UserSession{
			Key:      fmt.Sprintf("vmcross-lab-%s-%d", b.bp.id, b.calls.Add(1)),
			UserName: "VSPHERE.LOCAL\\Administrator",
		},
		Registry: simulator.NewRegistry(),
		Map:      c.Map,
	}
	return &c
}

// invoke calls a method of obj the way the simulator's SOAP dispatcher does: holding obj's lock.
func (b *builder) invoke(obj mo.Reference, method string, call func(*simulator.Context) soap.HasFault) (soap.HasFault, error) {
	if err := b.ctx.Err(); err != nil {
		return nil, err
	}
	ctx := b.context()
	var res soap.HasFault
	b.reg.WithLock(ctx, obj, func() { res = call(ctx) })
	if f := res.Fault(); f != nil {
		return nil, fmt.Errorf("%s on %s: %s", method, obj.Reference(), faultText(f))
	}
	return res, nil
}

// task invokes a *_Task method and waits for the task to finish.
func (b *builder) task(obj mo.Reference, method string, call func(*simulator.Context) soap.HasFault) (types.AnyType, error) {
	res, err := b.invoke(obj, method, call)
	if err != nil {
		return nil, err
	}
	return b.wait(returnval(res), method, obj)
}

// wait polls a task until it has finished. Tasks run on their own goroutine; the lock that
// guards the task's info also orders everything the task wrote before it. It does not give up
// when the build is canceled: tasks are short, and one left running could write files after
// the lab has removed them.
func (b *builder) wait(ref types.ManagedObjectReference, method string, obj mo.Reference) (types.AnyType, error) {
	task, ok := b.reg.Get(ref).(*simulator.Task)
	if !ok {
		return nil, fmt.Errorf("%s on %s: task %s not found", method, obj.Reference(), ref)
	}
	lock := &simulator.Context{}
	pause := 20 * time.Microsecond
	for {
		var info types.TaskInfo
		b.reg.WithLock(lock, task, func() { info = task.Info })
		switch info.State {
		case types.TaskInfoStateSuccess:
			return info.Result, nil
		case types.TaskInfoStateError:
			msg := "failed"
			if info.Error != nil {
				msg = fmt.Sprintf("%T", info.Error.Fault)
			}
			return nil, fmt.Errorf("%s on %s: %s", method, obj.Reference(), msg)
		}
		time.Sleep(pause)
		pause = min(2*pause, 2*time.Millisecond)
	}
}

// settle waits for every task in the registry, including tasks that tasks started.
func (b *builder) settle() error {
	for _, obj := range b.reg.AllReference("Task") {
		if _, err := b.wait(obj.Reference(), "task", obj); err != nil {
			return err
		}
	}
	return nil
}

func faultText(f *soap.Fault) string {
	if f.Detail.Fault != nil {
		if f.String != "" {
			return fmt.Sprintf("%T: %s", f.Detail.Fault, f.String)
		}
		return fmt.Sprintf("%T", f.Detail.Fault)
	}
	return f.String
}

// returnval is the managed object reference a method's response body returns.
func returnval(res soap.HasFault) types.ManagedObjectReference {
	return reflect.ValueOf(res).Elem().FieldByName("Res").Elem().FieldByName("Returnval").Interface().(types.ManagedObjectReference)
}

// build creates the whole site with n VMs.
func (b *builder) build(n int) error {
	b.n = n
	vms := b.bp.vms(n)
	steps := []struct {
		name string
		f    func() error
	}{
		{"datacenter", b.buildDatacenter},
		{"distributed switch", b.buildSwitch},
		{"clusters", b.buildClusters},
		{"datastores", b.buildDatastores},
		{"virtual machines", func() error { return b.buildVMs(vms) }},
		{"settle", b.settle},
	}
	for _, s := range steps {
		if err := s.f(); err != nil {
			return fmt.Errorf("%s: %s: %w", b.bp.id, s.name, err)
		}
	}
	b.finish(vms)
	return nil
}

func (b *builder) buildDatacenter() error {
	root := b.reg.Get(b.model.ServiceContent.RootFolder).(*simulator.Folder)
	res, err := b.invoke(root, "CreateDatacenter", func(ctx *simulator.Context) soap.HasFault {
		return root.CreateDatacenter(ctx, &types.CreateDatacenter{This: root.Self, Name: b.bp.datacenter})
	})
	if err != nil {
		return err
	}
	b.dc = b.reg.Get(returnval(res)).(*simulator.Datacenter)

	vmFolder := b.reg.Get(b.dc.VmFolder).(*simulator.Folder)
	for _, name := range []string{folderProd, folderInfra, folderDMZ} {
		res, err := b.invoke(vmFolder, "CreateFolder", func(ctx *simulator.Context) soap.HasFault {
			return vmFolder.CreateFolder(ctx, &types.CreateFolder{This: vmFolder.Self, Name: name})
		})
		if err != nil {
			return err
		}
		b.vmFolders[name] = b.reg.Get(returnval(res)).(*simulator.Folder)
	}
	return nil
}

func (b *builder) buildSwitch() error {
	netFolder := b.reg.Get(b.dc.NetworkFolder).(*simulator.Folder)
	spec := &types.VMwareDVSConfigSpec{
		DVSConfigSpec: types.DVSConfigSpec{
			Name:        b.bp.dvs,
			Description: "Production distributed switch, uplinks to the site's NX-OS edge",
		},
		MaxMtu: 9000,
	}
	result, err := b.task(netFolder, "CreateDVS_Task", func(ctx *simulator.Context) soap.HasFault {
		return netFolder.CreateDVSTask(ctx, &types.CreateDVS_Task{
			This: netFolder.Self,
			Spec: types.DVSCreateSpec{
				ConfigSpec: spec,
				ProductInfo: &types.DistributedVirtualSwitchProductSpec{
					Name: "DVS", Vendor: "VMware, Inc.", Version: "8.0.0",
				},
			},
		})
	})
	if err != nil {
		return err
	}
	// CreateDVS starts a task of its own for the uplink port group.
	if err := b.settle(); err != nil {
		return err
	}
	b.dvs = b.reg.Get(result.(types.ManagedObjectReference)).(*simulator.DistributedVirtualSwitch)

	var specs []types.DVPortgroupConfigSpec
	for _, v := range Plan() {
		specs = append(specs, types.DVPortgroupConfigSpec{
			Name:       v.PortGroup(),
			Type:       string(types.DistributedVirtualPortgroupPortgroupTypeEarlyBinding),
			NumPorts:   128,
			AutoExpand: types.NewBool(true),
			DefaultPortConfig: &types.VMwareDVSPortSetting{
				Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: int32(v.ID)},
				UplinkTeamingPolicy: &types.VmwareUplinkPortTeamingPolicy{
					Policy:         &types.StringPolicy{Value: "loadbalance_srcid"},
					NotifySwitches: &types.BoolPolicy{Value: types.NewBool(true)},
					RollingOrder:   &types.BoolPolicy{Value: types.NewBool(false)},
				},
			},
		})
	}
	if _, err := b.task(b.dvs, "AddDVPortgroup_Task", func(ctx *simulator.Context) soap.HasFault {
		return b.dvs.AddDVPortgroupTask(ctx, &types.AddDVPortgroup_Task{This: b.dvs.Self, Spec: specs})
	}); err != nil {
		return err
	}
	for _, ref := range b.dvs.Portgroup {
		pg := b.reg.Get(ref).(*simulator.DistributedVirtualPortgroup)
		if s, ok := pg.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting); ok {
			if id, ok := s.Vlan.(*types.VmwareDistributedVirtualSwitchVlanIdSpec); ok && id.VlanId != 0 {
				b.portGroup[int(id.VlanId)] = pg
			}
		}
	}
	if len(b.portGroup) != len(Plan()) {
		return fmt.Errorf("created %d VLAN port groups, want %d", len(b.portGroup), len(Plan()))
	}
	if b.portGroup[vmotionVLAN] == nil {
		return fmt.Errorf("no port group for the vMotion VLAN %d", vmotionVLAN)
	}
	return nil
}

func (b *builder) buildClusters() error {
	hostFolder := b.reg.Get(b.dc.HostFolder).(*simulator.Folder)
	var members []types.DistributedVirtualSwitchHostMemberConfigSpec
	for _, cb := range b.bp.clusters {
		res, err := b.invoke(hostFolder, "CreateClusterEx", func(ctx *simulator.Context) soap.HasFault {
			return hostFolder.CreateClusterEx(ctx, &types.CreateClusterEx{This: hostFolder.Self, Name: cb.name})
		})
		if err != nil {
			return err
		}
		cluster := b.reg.Get(returnval(res)).(*simulator.ClusterComputeResource)
		b.clusters = append(b.clusters, cluster)

		var hosts []*simulator.HostSystem
		for i := range cb.hosts {
			name := cb.hostName(i, b.bp.domain)
			result, err := b.task(cluster, "AddHost_Task", func(ctx *simulator.Context) soap.HasFault {
				return cluster.AddHostTask(ctx, &types.AddHost_Task{
					This:        cluster.Self,
					Spec:        types.HostConnectSpec{HostName: name, UserName: "root", Force: true},
					AsConnected: true,
				})
			})
			if err != nil {
				return err
			}
			host := b.reg.Get(result.(types.ManagedObjectReference)).(*simulator.HostSystem)
			hosts = append(hosts, host)
			members = append(members, types.DistributedVirtualSwitchHostMemberConfigSpec{
				Operation: string(types.ConfigSpecOperationAdd),
				Host:      host.Self,
			})
		}
		b.hosts = append(b.hosts, hosts)
	}
	_, err := b.task(b.dvs, "ReconfigureDvs_Task", func(ctx *simulator.Context) soap.HasFault {
		return b.dvs.ReconfigureDvsTask(ctx, &types.ReconfigureDvs_Task{
			This: b.dvs.Self,
			Spec: &types.VMwareDVSConfigSpec{DVSConfigSpec: types.DVSConfigSpec{Host: members}},
		})
	})
	return err
}

// buildDatastores mounts each cluster's shared VMFS datastore on its hosts, the site's NFS
// datastore and the stretched one on every host, and gives every host a local datastore.
// Each is a directory. The simulator names an NFS datastore after its directory and takes
// its URL from it: the stretched datastore's one directory gives both sites the same URL.
func (b *builder) buildDatastores() error {
	mkdir := func(name string) (string, error) {
		dir := filepath.Join(b.dir, name)
		return dir, os.MkdirAll(dir, 0o700)
	}
	nfsDir, err := mkdir(b.bp.nfsDatastore())
	if err != nil {
		return err
	}
	if filepath.Base(b.metro) != metroDatastore {
		return fmt.Errorf("stretched datastore directory %s: want one named %s", b.metro, metroDatastore)
	}
	if err := os.MkdirAll(b.metro, 0o700); err != nil {
		return err
	}
	nas := []types.HostNasVolumeSpec{
		{RemoteHost: b.bp.nas, RemotePath: "/vol/vmware_" + b.bp.nfsDatastore(), LocalPath: nfsDir},
		{RemoteHost: metroNAS, RemotePath: metroExport, LocalPath: b.metro},
	}
	for ci, cb := range b.bp.clusters {
		sharedDir, err := mkdir(cb.datastore())
		if err != nil {
			return err
		}
		for _, host := range b.hosts[ci] {
			dss := b.reg.Get(*host.ConfigManager.DatastoreSystem).(*simulator.HostDatastoreSystem)
			localDir, err := mkdir(localDatastore(host.Name))
			if err != nil {
				return err
			}
			for _, local := range []struct{ name, dir string }{{cb.datastore(), sharedDir}, {localDatastore(host.Name), localDir}} {
				if _, err := b.invoke(dss, "CreateLocalDatastore", func(ctx *simulator.Context) soap.HasFault {
					return dss.CreateLocalDatastore(ctx, &types.CreateLocalDatastore{This: dss.Self, Name: local.name, Path: local.dir})
				}); err != nil {
					return err
				}
			}
			for _, spec := range nas {
				spec.AccessMode = string(types.HostMountModeReadWrite)
				spec.Type = string(types.HostFileSystemVolumeFileSystemTypeNFS)
				if _, err := b.invoke(dss, "CreateNasDatastore", func(ctx *simulator.Context) soap.HasFault {
					return dss.CreateNasDatastore(ctx, &types.CreateNasDatastore{This: dss.Self, Spec: spec})
				}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// datastoreFor names the datastore that holds the VM's files.
func (b *builder) datastoreFor(v vmSpec) string {
	switch v.store {
	case storeNFS:
		return b.bp.nfsDatastore()
	case storeMetro:
		return metroDatastore
	case storeLocal:
		return localDatastore(b.bp.clusters[v.cluster].hostName(v.host, b.bp.domain))
	}
	return b.bp.clusters[v.cluster].datastore()
}

// Device keys as vCenter numbers them.
const (
	keyIDE0     = 200
	keySCSI0    = 1000
	keySCSI1    = 1001
	keyDisk     = 2000
	keyCdrom    = 3000
	keyEthernet = 4000
)

// label is a device's label as vSphere writes it ("Hard disk 1"): vcsim would otherwise
// name devices after their keys ("disk-1000-0").
func label(s string) *types.Description { return &types.Description{Label: s, Summary: s} }

func (b *builder) configSpec(v vmSpec) types.VirtualMachineConfigSpec {
	ds := b.datastoreFor(v)
	var devices []types.BaseVirtualDeviceConfigSpec
	add := func(d types.BaseVirtualDevice, create bool) {
		spec := &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: d}
		if create {
			spec.FileOperation = types.VirtualDeviceConfigSpecFileOperationCreate
		}
		devices = append(devices, spec)
	}

	scsi0 := types.VirtualSCSIController{
		VirtualController:  types.VirtualController{VirtualDevice: types.VirtualDevice{Key: keySCSI0, ControllerKey: 100, DeviceInfo: label("SCSI controller 0")}, BusNumber: 0},
		SharedBus:          types.VirtualSCSISharingNoSharing,
		ScsiCtlrUnitNumber: 7,
	}
	if v.legacy() {
		add(&types.VirtualBusLogicController{VirtualSCSIController: scsi0}, false)
	} else {
		add(&types.ParaVirtualSCSIController{VirtualSCSIController: scsi0}, false)
	}

	unit := func(i int) *int32 {
		u := int32(i)
		if u >= 7 { // unit 7 is the controller's own
			u++
		}
		return &u
	}
	for i, gib := range v.disksGiB {
		file := fmt.Sprintf("[%s] %s/%s.vmdk", ds, v.name, v.name)
		if i > 0 {
			file = fmt.Sprintf("[%s] %s/%s_%d.vmdk", ds, v.name, v.name, i)
		}
		add(&types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{
				Key: int32(keyDisk + i), ControllerKey: keySCSI0, UnitNumber: unit(i), DeviceInfo: label(fmt.Sprintf("Hard disk %d", i+1)),
				Backing: &types.VirtualDiskFlatVer2BackingInfo{
					VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: file},
					DiskMode:                     string(types.VirtualDiskModePersistent),
					ThinProvisioned:              types.NewBool(true),
				},
			},
			CapacityInKB: gib << 20,
		}, true)
	}

	if len(v.rdms) > 0 {
		// Physical bus sharing is what lets the nodes of a guest cluster see the same LUNs.
		add(&types.VirtualLsiLogicSASController{VirtualSCSIController: types.VirtualSCSIController{
			VirtualController:  types.VirtualController{VirtualDevice: types.VirtualDevice{Key: keySCSI1, ControllerKey: 100, DeviceInfo: label("SCSI controller 1")}, BusNumber: 1},
			SharedBus:          types.VirtualSCSISharingPhysicalSharing,
			ScsiCtlrUnitNumber: 7,
		}}, false)
		for i, r := range v.rdms {
			add(&types.VirtualDisk{
				VirtualDevice: types.VirtualDevice{
					Key: int32(keyDisk + 100 + i), ControllerKey: keySCSI1, UnitNumber: unit(i),
					DeviceInfo: label(fmt.Sprintf("Hard disk %d", len(v.disksGiB)+i+1)),
					Backing: &types.VirtualDiskRawDiskMappingVer1BackingInfo{
						VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{
							FileName: fmt.Sprintf("[%s] %s/%s_rdm%d.vmdk", ds, v.name, v.name, i+1),
						},
						LunUuid:           "02000000" + strings.TrimPrefix(r.naa, "naa.") + "564d57617265",
						DeviceName:        "/vmfs/devices/disks/" + r.naa,
						CompatibilityMode: string(types.VirtualDiskCompatibilityModePhysicalMode),
						DiskMode:          string(types.VirtualDiskModeIndependent_persistent),
					},
				},
				CapacityInKB: r.capacity << 20,
			}, true)
		}
	}

	if v.iso != "" {
		local := localDatastore(b.bp.clusters[v.cluster].hostName(v.host, b.bp.domain))
		add(&types.VirtualCdrom{VirtualDevice: types.VirtualDevice{
			Key: keyCdrom, ControllerKey: keyIDE0, UnitNumber: types.NewInt32(0), DeviceInfo: label("CD/DVD drive 1"),
			Backing: &types.VirtualCdromIsoBackingInfo{VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{
				FileName: fmt.Sprintf("[%s] %s", local, v.iso),
			}},
			Connectable: &types.VirtualDeviceConnectInfo{StartConnected: true, Connected: true, AllowGuestControl: true, Status: "ok"},
		}}, false)
	}

	for i, id := range v.vlans {
		pg := b.portGroup[id]
		nic := types.VirtualEthernetCard{
			VirtualDevice: types.VirtualDevice{
				Key: int32(keyEthernet + i), DeviceInfo: label(fmt.Sprintf("Network adapter %d", i+1)),
				Backing: &types.VirtualEthernetCardDistributedVirtualPortBackingInfo{
					Port: types.DistributedVirtualSwitchPortConnection{SwitchUuid: b.dvs.Uuid, PortgroupKey: pg.Key},
				},
				Connectable: &types.VirtualDeviceConnectInfo{StartConnected: true, AllowGuestControl: true, Status: "ok"},
			},
			AddressType:      string(types.VirtualEthernetCardMacTypeGenerated),
			WakeOnLanEnabled: types.NewBool(true),
		}
		if v.legacy() {
			add(&types.VirtualPCNet32{VirtualEthernetCard: nic}, false) // "Flexible" (vlance)
		} else {
			add(&types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: nic}}, false)
		}
	}

	return types.VirtualMachineConfigSpec{
		Name:              v.name,
		GuestId:           v.guest,
		NumCPUs:           v.cpu,
		NumCoresPerSocket: types.NewInt32(min(v.cpu, 8)),
		MemoryMB:          int64(v.memMiB),
		Annotation:        v.annotation,
		Version:           cmp.Or(v.hwVersion, defaultHWVersion),
		Files:             &types.VirtualMachineFileInfo{VmPathName: "[" + ds + "]"},
		DeviceChange:      devices,
	}
}

func (b *builder) buildVMs(specs []vmSpec) error {
	// The ISO files exist, so that browsing the local datastore shows them.
	for _, v := range specs {
		if v.iso == "" {
			continue
		}
		p := filepath.Join(b.dir, localDatastore(b.bp.clusters[v.cluster].hostName(v.host, b.bp.domain)), v.iso)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			return err
		}
	}

	for _, v := range specs {
		folder := b.vmFolders[v.folder]
		cluster := b.clusters[v.cluster]
		host := b.hosts[v.cluster][v.host]
		config := b.configSpec(v)
		result, err := b.task(folder, "CreateVM_Task", func(ctx *simulator.Context) soap.HasFault {
			return folder.CreateVMTask(ctx, &types.CreateVM_Task{
				This:   folder.Self,
				Config: config,
				Pool:   *cluster.ResourcePool,
				Host:   &host.Self,
			})
		})
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		vm := b.reg.Get(result.(types.ManagedObjectReference)).(*simulator.VirtualMachine)
		b.vms[v.name] = vm

		if !v.poweredOff {
			if _, err := b.task(vm, "PowerOnVM_Task", func(ctx *simulator.Context) soap.HasFault {
				return vm.PowerOnVMTask(ctx, &types.PowerOnVM_Task{This: vm.Self, Host: &host.Self})
			}); err != nil {
				return fmt.Errorf("%s: %w", v.name, err)
			}
		}
		for _, name := range v.snapshots {
			if _, err := b.task(vm, "CreateSnapshot_Task", func(ctx *simulator.Context) soap.HasFault {
				return vm.CreateSnapshotTask(ctx, &types.CreateSnapshot_Task{
					This: vm.Self, Name: name, Description: "Taken by the application team", Memory: false,
				})
			}); err != nil {
				return fmt.Errorf("%s: snapshot %s: %w", v.name, name, err)
			}
		}
	}
	return nil
}

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
			provisioned = metroProvisioned(b.n)
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
// that both vCenters report the same free space for it.
func metroProvisioned(n int) int64 {
	var sum int64
	for _, bp := range blueprints() {
		for _, v := range bp.vms(n) {
			if v.store == storeMetro {
				for _, gib := range v.disksGiB {
					sum += gib << 30
				}
			}
		}
	}
	return sum
}

// hostStateAnnouncer makes the simulator announce what its host tasks change, as vCenter
// does: EnterMaintenanceMode, ExitMaintenanceMode, DisconnectHost and ReconnectHost set the
// host's runtime without telling property collectors, so a client watching
// runtime.inMaintenanceMode never saw a host go into maintenance. It is a registry handler:
// it sees each task finish and then announces the host's state.
type hostStateAnnouncer struct {
	reg     *simulator.Registry
	context func() *simulator.Context // a fresh context with its own session
}

func (a *hostStateAnnouncer) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "VmcrossLabHostStateAnnouncer", Value: "announcer-1"}
}

func (*hostStateAnnouncer) PutObject(*simulator.Context, mo.Reference) {}

func (*hostStateAnnouncer) RemoveObject(*simulator.Context, types.ManagedObjectReference) {}

// UpdateObject runs under the task's lock; the announcement takes the host's, so it runs on a
// goroutine of its own with its own context (contexts are never shared between goroutines).
func (a *hostStateAnnouncer) UpdateObject(_ *simulator.Context, obj mo.Reference, changes []types.PropertyChange) {
	task, ok := obj.(*mo.Task)
	if !ok || task.Info.Entity == nil || task.Info.Entity.Type != "HostSystem" {
		return
	}
	switch task.Info.DescriptionId {
	case "HostSystem.enterMaintenanceMode", "HostSystem.exitMaintenanceMode", "HostSystem.disconnectHost", "HostSystem.reconnectHost":
	default:
		return
	}
	if !slices.ContainsFunc(changes, func(c types.PropertyChange) bool {
		return c.Name == "info.state" && c.Val == types.TaskInfoStateSuccess
	}) {
		return
	}
	host, ok := a.reg.Get(*task.Info.Entity).(*simulator.HostSystem)
	if !ok {
		return
	}
	go func() {
		ctx := a.context()
		a.reg.WithLock(ctx, host, func() {
			a.reg.Update(ctx, host, []types.PropertyChange{
				{Name: "runtime.inMaintenanceMode", Val: host.Runtime.InMaintenanceMode},
				{Name: "runtime.connectionState", Val: host.Runtime.ConnectionState},
			})
		})
	}()
}

func (b *builder) datastoreByName(name string) *simulator.Datastore {
	for _, ref := range b.dc.Datastore {
		if ds, ok := b.reg.Get(ref).(*simulator.Datastore); ok && ds.Name == name {
			return ds
		}
	}
	return nil
}

func refsOf[T mo.Reference](objs []T) []types.ManagedObjectReference {
	refs := make([]types.ManagedObjectReference, len(objs))
	for i, o := range objs {
		refs[i] = o.Reference()
	}
	return refs
}

func dedupe(refs []types.ManagedObjectReference) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	for _, r := range refs {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
