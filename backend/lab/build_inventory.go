package lab

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

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

// buildVMs creates the site's VMs. The first VM of each kind (a role's VMs: the same spec
// but for name, cluster and host) and every VM that is one of a kind (RDMs, an ISO,
// snapshots, fault tolerance) go through the simulator's own tasks; the others are copies of
// the first of their kind, made in process (see copyVMs). The simulator takes milliseconds
// a VM; a copy, microseconds.
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

	templates := map[string]*vmTemplate{}
	var copies []vmCopy
	for _, v := range specs {
		key, ok := templateKey(v)
		if t := templates[key]; ok && t != nil {
			copies = append(copies, vmCopy{spec: v, from: t})
			continue
		}
		vm, err := b.createVM(v)
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		b.vms[v.name] = vm
		if ok && !b.plan.everyVMByTask {
			t, err := b.newTemplate(vm, b.datastoreFor(v))
			if err != nil {
				return fmt.Errorf("%s: %w", v.name, err)
			}
			templates[key] = t
		}
	}
	if err := b.copyVMs(copies); err != nil {
		return err
	}
	// Each folder lists its VMs in the order of their specs, copies or not, as if the
	// simulator had created them all.
	for name, f := range b.vmFolders {
		children := slices.DeleteFunc(slices.Clone(f.ChildEntity), func(r types.ManagedObjectReference) bool { return r.Type == "VirtualMachine" })
		for _, v := range specs {
			if v.folder == name {
				children = append(children, b.vms[v.name].Self)
			}
		}
		f.ChildEntity = children
	}
	return nil
}

// createVM creates the VM through the simulator's tasks: CreateVM, PowerOn and
// CreateSnapshot, each awaited.
func (b *builder) createVM(v vmSpec) (*simulator.VirtualMachine, error) {
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
		return nil, err
	}
	vm := b.reg.Get(result.(types.ManagedObjectReference)).(*simulator.VirtualMachine)

	if !v.poweredOff {
		if _, err := b.task(vm, "PowerOnVM_Task", func(ctx *simulator.Context) soap.HasFault {
			return vm.PowerOnVMTask(ctx, &types.PowerOnVM_Task{This: vm.Self, Host: &host.Self})
		}); err != nil {
			return nil, err
		}
	}
	for _, name := range v.snapshots {
		if _, err := b.task(vm, "CreateSnapshot_Task", func(ctx *simulator.Context) soap.HasFault {
			return vm.CreateSnapshotTask(ctx, &types.CreateSnapshot_Task{
				This: vm.Self, Name: name, Description: "Taken by the application team", Memory: false,
			})
		}); err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", name, err)
		}
	}
	return vm, nil
}

// templateKey returns the kind of the VM of spec v: VMs of one kind differ only in name,
// cluster and host (and so datastore, when it is the cluster's or the host's), so that one
// may be a copy of another. ok is false for a VM that must be created on its own.
func templateKey(v vmSpec) (key string, ok bool) {
	if len(v.rdms) > 0 || v.iso != "" || len(v.snapshots) > 0 || v.ft {
		return "", false
	}
	k := v
	k.name, k.cluster, k.host = "", 0, 0
	return fmt.Sprintf("%+v", k), true
}

// vmTemplate is a VM the simulator created, which others of its kind copy.
type vmTemplate struct {
	vm        *simulator.VirtualMachine
	datastore string // where its files are
	// descriptors holds the text of each disk's descriptor file, by disk key.
	descriptors map[int32]string
}

// vmCopy is a VM to make as a copy of a template.
type vmCopy struct {
	spec vmSpec
	from *vmTemplate
}

func (b *builder) newTemplate(vm *simulator.VirtualMachine, datastore string) (*vmTemplate, error) {
	t := &vmTemplate{vm: vm, datastore: datastore, descriptors: map[int32]string{}}
	for _, d := range vm.Config.Hardware.Device {
		disk, ok := d.(*types.VirtualDisk)
		if !ok {
			continue
		}
		fb, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
		if !ok {
			continue
		}
		file, err := b.localPath(fb.FileName)
		if err != nil {
			return nil, err
		}
		text, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		t.descriptors[disk.Key] = string(text)
	}
	return t, nil
}

// localPath is where a datastore path ("[ds] dir/file") is on this machine.
func (b *builder) localPath(p string) (string, error) {
	var dp object.DatastorePath
	if !dp.FromString(p) {
		return "", fmt.Errorf("datastore path %q", p)
	}
	ds := b.datastoreByName(dp.Datastore)
	if ds == nil {
		return "", fmt.Errorf("datastore path %q: no datastore %s", p, dp.Datastore)
	}
	return filepath.Join(ds.Summary.Url, filepath.FromSlash(dp.Path)), nil
}

// copyVMs makes the copies: each a deep copy of its template with its own name, files,
// UUIDs, MAC addresses, host, pool and datastore, as the simulator would have made it, and
// with the files the simulator would have written. The copies are made in parallel, then
// registered one after the other in the order of their specs, so their managed object
// references are the same on every start. Their folders (buildVMs) and finish (hosts,
// pools, datastores, networks) list them.
func (b *builder) copyVMs(copies []vmCopy) error {
	if len(copies) == 0 {
		return nil
	}
	w := &vmCopier{b: b, stamp: time.Now(), dirs: map[string]string{}, refs: map[string]types.ManagedObjectReference{}}
	for _, ref := range b.dc.Datastore {
		if ds, ok := b.reg.Get(ref).(*simulator.Datastore); ok {
			w.dirs[ds.Name], w.refs[ds.Name] = ds.Summary.Url, ds.Self
		}
	}

	made := make([]*simulator.VirtualMachine, len(copies))
	errs := make([]error, len(copies))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(copies)/64)) {
		wg.Go(func() {
			c := newDeepCopier()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(copies) || b.ctx.Err() != nil {
					return
				}
				made[i], errs[i] = w.copy(c, copies[i], i)
			}
		})
	}
	wg.Wait()
	if err := b.ctx.Err(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err // the first: the others are likely the same
		}
	}

	for _, vm := range made {
		b.reg.NewEntity(vm)
		vm.Summary.Vm = &vm.Self
		b.reg.Put(vm)
		b.vms[vm.Name] = vm
	}
	return nil
}

// vmCopier makes copies of templates; its fields are read only, so goroutines share it.
type vmCopier struct {
	b     *builder
	stamp time.Time                               // when the copies were created
	dirs  map[string]string                       // each datastore's directory, by name
	refs  map[string]types.ManagedObjectReference // each datastore, by name
}

// copy makes the i-th copy (i tells the copies' change versions apart).
func (w *vmCopier) copy(c *deepCopier, cp vmCopy, i int) (*simulator.VirtualMachine, error) {
	src, v := cp.from.vm, cp.spec
	vm := new(simulator.VirtualMachine)
	*vm = *src // the simulator's own fields: its log file (the template's) and world ID
	vm.VirtualMachine = *deepCopy(c, &src.VirtualMachine)
	vm.DataSets = map[string]*simulator.DataSet{}
	vm.Self = types.ManagedObjectReference{}
	vm.RecentTask = nil

	from, to := src.Name, v.name
	fromDS, toDS := cp.from.datastore, w.b.datastoreFor(v)
	fromRef, toRef := w.refs[fromDS], w.refs[toDS]
	rename := renamer(from, to, fromDS, toDS)

	vm.Name, vm.Config.Name, vm.Summary.Config.Name = to, to, to
	f := &vm.Config.Files
	f.VmPathName, f.SnapshotDirectory = rename(f.VmPathName), rename(f.SnapshotDirectory)
	f.SuspendDirectory, f.LogDirectory = rename(f.SuspendDirectory), rename(f.LogDirectory)
	vm.Summary.Config.VmPathName = f.VmPathName
	uuid, instance := simulatorUUID(f.VmPathName), simulatorUUID(strings.ToUpper(f.VmPathName))
	vm.Config.Uuid, vm.Summary.Config.Uuid = uuid, uuid
	vm.Config.InstanceUuid, vm.Summary.Config.InstanceUuid = instance, instance
	created := w.stamp
	modified := w.stamp.Add(time.Duration(i))
	vm.Config.CreateDate = &created
	vm.Config.Modified = modified
	vm.Config.ChangeVersion = strconv.FormatInt(modified.UnixNano(), 10)
	host := w.b.hosts[v.cluster][v.host].Self
	vm.Runtime.Host = &host
	vm.Summary.Runtime.Host = vm.Runtime.Host
	cluster := w.b.clusters[v.cluster]
	pool := *cluster.ResourcePool
	vm.ResourcePool = &pool
	if cluster.EnvironmentBrowser != nil {
		vm.EnvironmentBrowser = *cluster.EnvironmentBrowser
	}
	moveDS := func(ref *types.ManagedObjectReference) {
		if *ref == fromRef {
			*ref = toRef
		}
	}
	for i := range vm.Datastore {
		moveDS(&vm.Datastore[i])
	}
	if vm.Storage != nil {
		for i := range vm.Storage.PerDatastoreUsage {
			moveDS(&vm.Storage.PerDatastoreUsage[i].Datastore)
		}
	}

	descriptors := map[string]string{} // the copy's descriptor files' text, by datastore path
	macs := map[int32]string{}         // the copy's MAC addresses, by device key
	for _, d := range vm.Config.Hardware.Device {
		switch dev := d.(type) {
		case *types.VirtualDisk:
			if fb, ok := dev.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok {
				old := fb.FileName
				fb.FileName = rename(old)
				if fb.Datastore != nil {
					moveDS(fb.Datastore)
				}
				if fb.Uuid != "" {
					fb.Uuid = simulatorUUID(w.b.dc.Self.String() + fb.FileName)
				}
				if text, ok := cp.from.descriptors[dev.Key]; ok {
					extent := func(p string) string { return `"` + path.Base(simulator.VirtualDiskBackingFileName(p)) + `"` }
					descriptors[fb.FileName] = strings.ReplaceAll(text, extent(old), extent(fb.FileName))
				}
			} else if fb, ok := dev.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
				info := fb.GetVirtualDeviceFileBackingInfo()
				info.FileName = rename(info.FileName)
				if info.Datastore != nil {
					moveDS(info.Datastore)
				}
			}
		case types.BaseVirtualEthernetCard:
			card := dev.GetVirtualEthernetCard()
			if card.AddressType == string(types.VirtualEthernetCardMacTypeGenerated) && card.UnitNumber != nil {
				card.MacAddress = simulatorMAC(uuid, *card.UnitNumber-7) // 7: the first PCI unit
				macs[card.Key] = card.MacAddress
			}
		}
	}
	if vm.Guest != nil {
		for i := range vm.Guest.Net {
			if mac, ok := macs[vm.Guest.Net[i].DeviceConfigId]; ok {
				vm.Guest.Net[i].MacAddress = mac
			}
		}
	}

	if l := vm.Layout; l != nil {
		for _, list := range [][]string{l.ConfigFile, l.LogFile} {
			for i := range list {
				list[i] = rename(list[i])
			}
		}
		l.SwapFile = rename(l.SwapFile)
		for i := range l.Disk {
			for j := range l.Disk[i].DiskFile {
				l.Disk[i].DiskFile[j] = rename(l.Disk[i].DiskFile[j])
			}
		}
	}

	if vm.LayoutEx != nil {
		for i := range vm.LayoutEx.File {
			vm.LayoutEx.File[i].Name = rename(vm.LayoutEx.File[i].Name)
		}
	}
	if err := w.writeFiles(vm, descriptors); err != nil {
		return nil, fmt.Errorf("%s: %w", to, err)
	}
	return vm, nil
}

// renamer returns a function that turns a template's file names into its copy's: with
// from "db-02" in "vmfs-a01" and to "db-03" in "vmfs-a02", "[vmfs-a01] db-02/db-02_1.vmdk"
// becomes "[vmfs-a02] db-03/db-03_1.vmdk", "db-02/vmware.log" "db-03/vmware.log". Names
// outside the template's directory stay as they are.
func renamer(from, to, fromDS, toDS string) func(string) string {
	return func(p string) string {
		prefix, rel := "", p
		if strings.HasPrefix(p, "[") {
			if i := strings.Index(p, "] "); i > 0 {
				prefix, rel = p[:i+2], p[i+2:]
			}
		}
		dir, file, _ := strings.Cut(rel, "/")
		if dir != from {
			return p
		}
		if prefix == "["+fromDS+"] " {
			prefix = "[" + toDS + "] "
		}
		if rel == from {
			return prefix + to
		}
		if strings.HasPrefix(file, from) {
			file = to + file[len(from):]
		}
		return prefix + to + "/" + file
	}
}

// writeFiles writes a copy's files as the simulator writes a VM's: its directory, then
// every file of its layout: the .vmx, .nvram and log files, each disk's descriptor (its
// text in descriptors, by datastore path) and (empty) extent. A descriptor names its
// extent, so its size changes with the VM's name: the layout and storage usage follow.
func (w *vmCopier) writeFiles(vm *simulator.VirtualMachine, descriptors map[string]string) error {
	f := vm.Config.Files
	dir := ""
	if p, ok := strings.CutPrefix(f.LogDirectory, "["); ok {
		if ds, rel, ok := strings.Cut(p, "] "); ok && w.dirs[ds] != "" {
			dir = filepath.Join(w.dirs[ds], filepath.FromSlash(rel))
		}
	}
	if dir == "" {
		return fmt.Errorf("no directory for %q", f.LogDirectory)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	if vm.LayoutEx == nil {
		return nil
	}
	for i := range vm.LayoutEx.File {
		file := &vm.LayoutEx.File[i]
		var text string
		switch file.Type {
		case string(types.VirtualMachineFileLayoutExFileTypeLog):
			// The layout has its size when the VM was created; then it was powered on.
			stamp := "vmx " + w.stamp.Format("2006/01/02 15:04:05") + " "
			text = stamp + "created\n"
			if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
				text += stamp + "running power task: requesting poweredOn, existing poweredOff\n"
			}
		case string(types.VirtualMachineFileLayoutExFileTypeDiskDescriptor):
			t, ok := descriptors[file.Name]
			if !ok {
				break
			}
			text = t
			if delta := int64(len(t)) - file.Size; delta != 0 {
				file.Size += delta
				file.UniqueSize = file.Size
				w.addUsage(vm, file.Name, delta)
			}
		}
		local, ok := strings.CutPrefix(file.Name, "[")
		if !ok {
			continue
		}
		ds, rel, ok := strings.Cut(local, "] ")
		if !ok || w.dirs[ds] == "" {
			continue
		}
		if err := createFile(filepath.Join(w.dirs[ds], filepath.FromSlash(rel)), text); err != nil {
			return err
		}
	}
	return nil
}

// createFile creates a file that must not exist yet, with text in it, in three system calls:
// an os.File costs two more (fstat, fcntl), a tenth of the start of a lab of 10,000 VMs,
// whose copies write five files each.
func createFile(name, text string) error {
	fd, err := syscall.Open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return &os.PathError{Op: "create", Path: name, Err: err}
	}
	for b := []byte(text); len(b) > 0; {
		n, err := syscall.Write(fd, b)
		if err != nil {
			syscall.Close(fd)
			return &os.PathError{Op: "write", Path: name, Err: err}
		}
		b = b[n:]
	}
	if err := syscall.Close(fd); err != nil {
		return &os.PathError{Op: "close", Path: name, Err: err}
	}
	return nil
}

// addUsage adds delta bytes of a .vmdk file, named by its datastore path, to the VM's
// storage usage, as the simulator counts it: committed and unshared space grow, space not
// committed shrinks.
func (w *vmCopier) addUsage(vm *simulator.VirtualMachine, file string, delta int64) {
	var dp object.DatastorePath
	if !dp.FromString(file) {
		return
	}
	ref, ok := w.refs[dp.Datastore]
	if !ok {
		return
	}
	if s := vm.Storage; s != nil {
		for i := range s.PerDatastoreUsage {
			if u := &s.PerDatastoreUsage[i]; u.Datastore == ref {
				u.Committed += delta
				u.Unshared += delta
				u.Uncommitted -= delta
			}
		}
	}
	if s := vm.Summary.Storage; s != nil {
		s.Committed += delta
		s.Unshared += delta
	}
}

// simulatorUUID derives a UUID from a string the way the simulator derives a VM's BIOS and
// instance UUIDs (from its .vmx path) and its disks' (from the datacenter and disk path):
// a name-based UUID (RFC 9562, version 5 layout) over SHA-256 in the OID namespace.
func simulatorUUID(name string) string {
	oidNamespace := [16]byte{0x6b, 0xa7, 0xb8, 0x12, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha256.New()
	h.Write(oidNamespace[:])
	h.Write([]byte(name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// simulatorMAC is the MAC address the simulator generates for the NIC at PCI slot unit of
// a VM with BIOS UUID uuid: VMware's OUI 00:0c:29, then the last three characters of the
// UUID's text, the first raised by the slot.
func simulatorMAC(uuid string, unit int32) string {
	id := []byte(uuid)
	tail := id[len(id)-3:]
	mac := net.HardwareAddr{0x00, 0x0c, 0x29, tail[0] + byte(unit), tail[1], tail[2]}
	return mac.String()
}
