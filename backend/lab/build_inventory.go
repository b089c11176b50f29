package lab

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
