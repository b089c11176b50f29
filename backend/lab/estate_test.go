package lab

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// TestPreflightEstate checks, through a client's reads, what the lab builds for the preflight
// rules: the vMotion network, the stretched datastore, EVC modes, fault tolerance, an old
// hardware version and the name clash.
func TestPreflightEstate(t *testing.T) {
	l := startLab(t)
	invs := map[model.SiteID]inventory{}
	clients := map[model.SiteID]*vim25.Client{}
	for _, ep := range l.Endpoints() {
		c := connect(t, ep)
		invs[ep.ID] = readInventory(t, c)
		clients[ep.ID] = c.Client
	}
	a, b := invs["site-a"], invs["site-b"]
	siteNumber := map[model.SiteID]int{"site-a": 1, "site-b": 2}

	t.Run("vMotion adapters", func(t *testing.T) {
		for id, inv := range invs {
			var vmotionPG *mo.DistributedVirtualPortgroup
			for _, pg := range inv.portGroups {
				if inv.vlanOf(pg.Self) == vmotionVLAN {
					vmotionPG = &pg
				}
			}
			if vmotionPG == nil || vmotionPG.Name != "VLAN200-vMotion" {
				t.Fatalf("%s: vMotion port group %+v, want VLAN200-vMotion", id, vmotionPG)
			}
			if len(vmotionPG.Vm) != 0 {
				t.Errorf("%s: %d VMs on the vMotion port group", id, len(vmotionPG.Vm))
			}
			ips := map[string]bool{}
			for _, h := range inv.hosts {
				checkVMotionNIC(t, h, vmotionPG.Key, siteNumber[id], ips)
				// The host's VirtualNicManager says the same as its config.
				if h.ConfigManager.VirtualNicManager == nil {
					t.Errorf("%s: no VirtualNicManager", h.Name)
					continue
				}
				m := object.NewHostVirtualNicManager(clients[id], *h.ConfigManager.VirtualNicManager, h.Self)
				info, err := m.Info(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if got := selectedVMotion(info.NetConfig); !slices.Equal(got, []string{"vmotion.key-vim.host.VirtualNic-vmk1"}) {
					t.Errorf("%s: VirtualNicManager selects %v for vMotion", h.Name, got)
				}
			}
			if len(ips) != len(inv.hosts) {
				t.Errorf("%s: %d vMotion addresses for %d hosts", id, len(ips), len(inv.hosts))
			}
		}
	})

	t.Run("ESXi version", func(t *testing.T) {
		for id, inv := range invs {
			for _, h := range inv.hosts {
				if h.Config == nil || !strings.HasPrefix(h.Config.Product.Version, "8.0.") {
					t.Errorf("%s: host %s: product %+v, want ESXi 8.0.x", id, h.Name, h.Config)
					continue
				}
				v, err := types.ParseESXiVersion(h.Config.Product.Version)
				if hw := v.HardwareVersion(); err != nil || (hw != types.VMX20 && hw != types.VMX21) {
					t.Errorf("%s: host %s: version %s runs %s (%v), want vmx-20 or vmx-21", id, h.Name, h.Config.Product.Version, hw, err)
				}
				if p := h.Summary.Config.Product; p == nil || p.Version != h.Config.Product.Version {
					t.Errorf("%s: host %s: summary.config.product %+v, config.product %s", id, h.Name, p, h.Config.Product.Version)
				}
			}
		}
	})

	t.Run("stretched datastore", func(t *testing.T) {
		var urls [2]string
		for i, inv := range []inventory{a, b} {
			ds, ok := datastoreNamed(inv, metroDatastore)
			if !ok {
				t.Fatalf("site %d: no %s", i, metroDatastore)
			}
			urls[i] = ds.Summary.Url
			info := ds.Info.GetDatastoreInfo()
			if info.Url != ds.Summary.Url || ds.Summary.Url == "" {
				t.Errorf("site %d: summary.url %q, info.url %q", i, ds.Summary.Url, info.Url)
			}
			nas, ok := ds.Info.(*types.NasDatastoreInfo)
			if !ok || nas.Nas == nil || nas.Nas.RemoteHost != metroNAS || nas.Nas.RemotePath != metroExport || ds.Summary.Type != "NFS" {
				t.Errorf("site %d: %s is %T %+v, type %s; want an NFS export %s:%s", i, ds.Name, ds.Info, nas, ds.Summary.Type, metroNAS, metroExport)
			}
			var mounted []types.ManagedObjectReference
			for _, m := range ds.Host {
				if m.MountInfo.Mounted != nil && *m.MountInfo.Mounted && m.MountInfo.Accessible != nil && *m.MountInfo.Accessible {
					mounted = append(mounted, m.Key)
				}
			}
			for ref, h := range inv.hosts {
				if !slices.Contains(mounted, ref) || !slices.Contains(h.Datastore, ds.Self) {
					t.Errorf("site %d: %s not mounted on %s", i, ds.Name, h.Name)
				}
			}
		}
		if urls[0] != urls[1] {
			t.Errorf("%s has URL %q at site A and %q at site B", metroDatastore, urls[0], urls[1])
		}
		da, _ := datastoreNamed(a, metroDatastore)
		db, _ := datastoreNamed(b, metroDatastore)
		if da.Summary.Capacity != db.Summary.Capacity || da.Summary.FreeSpace != db.Summary.FreeSpace {
			t.Errorf("%s: %d of %d free at site A, %d of %d at site B", metroDatastore,
				da.Summary.FreeSpace, da.Summary.Capacity, db.Summary.FreeSpace, db.Summary.Capacity)
		}
		// Every other datastore is local to its site.
		urlsA := map[string]string{}
		for _, ds := range a.datastores {
			urlsA[ds.Summary.Url] = ds.Name
		}
		for _, ds := range b.datastores {
			if name, ok := urlsA[ds.Summary.Url]; ok && ds.Name != metroDatastore {
				t.Errorf("site B's %s has the URL of site A's %s", ds.Name, name)
			}
		}
		// Site A's generic web and app VMs and the named VMs (but big-db, whose storage
		// moves) live on it; at site B, sap-hana-01 only.
		named := map[string]bool{"web-01": true, "sql-node-1": true, "sql-node-2": true, "iso-builder": true,
			"snap-heavy": true, "dmz-app-1": true, "archive-01": true, "report-01": true, "pay-gw-ft": true, "legacy-erp-01": true}
		for name, vm := range a.vms {
			onMetro := slices.Contains(vm.Datastore, da.Self)
			want := strings.HasPrefix(name, "web-") || strings.HasPrefix(name, "app-") || named[name]
			if want != onMetro {
				t.Errorf("site A's %s: on %s %v", name, metroDatastore, onMetro)
			}
		}
		for name, vm := range b.vms {
			if slices.Contains(vm.Datastore, db.Self) != (name == "sap-hana-01") {
				t.Errorf("site B's %s: on %s %v", name, metroDatastore, !(name == "sap-hana-01"))
			}
		}
	})

	t.Run("EVC", func(t *testing.T) {
		for id, inv := range invs {
			evc := map[types.ManagedObjectReference]string{}
			for _, c := range inv.clusters {
				s := c.Summary.(*types.ClusterComputeResourceSummary)
				want := evcBaseline
				if c.Name == "B-02" {
					want = "intel-sapphirerapids"
				}
				if s.CurrentEVCModeKey != want {
					t.Errorf("%s: cluster %s runs EVC %q, want %q", id, c.Name, s.CurrentEVCModeKey, want)
				}
				for _, h := range c.Host {
					evc[h] = s.CurrentEVCModeKey
				}
			}
			for name, vm := range inv.vms {
				want := ""
				if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
					want = evc[*vm.Runtime.Host]
				}
				if vm.Runtime.MinRequiredEVCModeKey != want || vm.Summary.Runtime.MinRequiredEVCModeKey != want {
					t.Errorf("%s: %s (%s) requires EVC %q (summary %q), want %q", id, name, vm.Runtime.PowerState,
						vm.Runtime.MinRequiredEVCModeKey, vm.Summary.Runtime.MinRequiredEVCModeKey, want)
				}
			}
		}
		if got := b.vm(t, "sap-hana-01").Runtime.MinRequiredEVCModeKey; got != "intel-sapphirerapids" {
			t.Errorf("sap-hana-01 requires EVC %q, want intel-sapphirerapids", got)
		}
		if got := a.vm(t, "web-01").Runtime.MinRequiredEVCModeKey; got != evcBaseline {
			t.Errorf("web-01 requires EVC %q, want %s", got, evcBaseline)
		}
	})

	t.Run("fault tolerance", func(t *testing.T) {
		vm := a.vm(t, "pay-gw-ft")
		ft, ok := vm.Config.FtInfo.(*types.FaultTolerancePrimaryConfigInfo)
		if !ok || ft.Role != 1 || len(ft.InstanceUuids) != 2 || ft.InstanceUuids[0] != vm.Config.InstanceUuid {
			t.Errorf("pay-gw-ft: config.ftInfo %T %+v, want a primary", vm.Config.FtInfo, vm.Config.FtInfo)
		}
		if vm.Runtime.FaultToleranceState != types.VirtualMachineFaultToleranceStateRunning ||
			vm.Summary.Runtime.FaultToleranceState != types.VirtualMachineFaultToleranceStateRunning {
			t.Errorf("pay-gw-ft: FT state %q", vm.Runtime.FaultToleranceState)
		}
		if vm.Config.Hardware.NumCPU != 2 || vm.Config.Hardware.MemoryMB != 8192 || !slices.Equal(a.vlansOf(vm), []int{130}) {
			t.Errorf("pay-gw-ft: %d vCPU, %d MiB, VLANs %v", vm.Config.Hardware.NumCPU, vm.Config.Hardware.MemoryMB, a.vlansOf(vm))
		}
		for id, inv := range invs {
			for name, vm := range inv.vms {
				if name != "pay-gw-ft" && (vm.Config.FtInfo != nil || vm.Runtime.FaultToleranceState != types.VirtualMachineFaultToleranceStateNotConfigured) {
					t.Errorf("%s: %s has FT %+v, state %q", id, name, vm.Config.FtInfo, vm.Runtime.FaultToleranceState)
				}
			}
		}
	})

	t.Run("old hardware version", func(t *testing.T) {
		vm := a.vm(t, "legacy-erp-01")
		if vm.Config.Version != "vmx-03" || vm.Summary.Config.HwVersion != "vmx-03" {
			t.Errorf("legacy-erp-01: config.version %q, summary %q, want vmx-03", vm.Config.Version, vm.Summary.Config.HwVersion)
		}
		if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff || !strings.Contains(vm.Config.Annotation, "ESX 2.5") {
			t.Errorf("legacy-erp-01: %s, %q", vm.Runtime.PowerState, vm.Config.Annotation)
		}
		for id, inv := range invs {
			for name, vm := range inv.vms {
				if name != "legacy-erp-01" && vm.Config.Version != defaultHWVersion {
					t.Errorf("%s: %s has %s", id, name, vm.Config.Version)
				}
			}
		}
	})

	t.Run("names", func(t *testing.T) {
		ra, rb := a.vm(t, "report-01"), b.vm(t, "report-01")
		if ra.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn || !slices.Equal(a.vlansOf(ra), []int{120}) {
			t.Errorf("site A's report-01: %s, VLANs %v", ra.Runtime.PowerState, a.vlansOf(ra))
		}
		if rb.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff || !strings.Contains(rb.Config.Annotation, "Stale copy") {
			t.Errorf("site B's report-01: %s, %q", rb.Runtime.PowerState, rb.Config.Annotation)
		}
		if ra.Config.InstanceUuid == rb.Config.InstanceUuid {
			t.Error("both report-01 have the same instance UUID")
		}
		var both []string
		for name := range a.vms {
			if _, ok := b.vms[name]; ok {
				both = append(both, name)
			}
		}
		slices.Sort(both)
		if !slices.Equal(both, []string{"report-01"}) {
			t.Errorf("VMs at both sites: %v, want only report-01", both)
		}
		for name := range b.vms {
			if !slices.ContainsFunc(blueprints()[1].special, func(v vmSpec) bool { return v.name == name }) && !strings.HasPrefix(name, "atl-") {
				t.Errorf("site B's generic %s lacks the atl- prefix", name)
			}
		}
	})
}

// checkVMotionNIC checks that the host's vMotion adapter, as config.network.vnic,
// config.virtualNicManagerInfo and config.vmotion report it, is vmk1 on the vMotion port
// group with an address of 10.<site>.200.0/24, and collects its address.
func checkVMotionNIC(t *testing.T, h mo.HostSystem, pgKey string, site int, ips map[string]bool) {
	t.Helper()
	if h.Config == nil || h.Config.Network == nil || h.Config.VirtualNicManagerInfo == nil || h.Config.Vmotion == nil {
		t.Errorf("%s: network configuration missing", h.Name)
		return
	}
	var nic *types.HostVirtualNic
	for i, n := range h.Config.Network.Vnic {
		if n.Device == "vmk1" {
			nic = &h.Config.Network.Vnic[i]
		}
	}
	if nic == nil {
		t.Errorf("%s: no vmk1 in %+v", h.Name, h.Config.Network.Vnic)
		return
	}
	if p := nic.Spec.DistributedVirtualPort; p == nil || p.PortgroupKey != pgKey || p.SwitchUuid == "" {
		t.Errorf("%s: vmk1 on %+v, want port group %s", h.Name, p, pgKey)
	}
	_, subnet, _ := net.ParseCIDR("10.0.200.0/24")
	subnet.IP[1] = byte(site)
	if nic.Spec.Ip == nil || !subnet.Contains(net.ParseIP(nic.Spec.Ip.IpAddress)) || nic.Spec.Mtu != 9000 {
		t.Errorf("%s: vmk1 %+v, MTU %d; want an address in %s and MTU 9000", h.Name, nic.Spec.Ip, nic.Spec.Mtu, subnet)
	} else {
		ips[nic.Spec.Ip.IpAddress] = true
	}
	if got := selectedVMotion(h.Config.VirtualNicManagerInfo.NetConfig); !slices.Equal(got, []string{"vmotion.key-vim.host.VirtualNic-vmk1"}) {
		t.Errorf("%s: netConfig selects %v for vMotion", h.Name, got)
	}
	for _, nc := range h.Config.VirtualNicManagerInfo.NetConfig {
		if nc.NicType == "vmotion" {
			i := slices.IndexFunc(nc.CandidateVnic, func(n types.HostVirtualNic) bool { return n.Key == nc.SelectedVnic[0] })
			if i < 0 || nc.CandidateVnic[i].Device != "vmk1" || nc.CandidateVnic[i].Spec.DistributedVirtualPort == nil {
				t.Errorf("%s: the selected vMotion candidate is missing or not vmk1", h.Name)
			}
		}
	}
	if nc := h.Config.Vmotion.NetConfig; nc == nil || !strings.HasSuffix(nc.SelectedVnic, "VirtualNic-vmk1") {
		t.Errorf("%s: config.vmotion selects %+v", h.Name, nc)
	}
}

// selectedVMotion lists the adapters a netConfig selects for vMotion.
func selectedVMotion(configs []types.VirtualNicManagerNetConfig) []string {
	for _, nc := range configs {
		if nc.NicType == string(types.HostVirtualNicManagerNicTypeVmotion) {
			return nc.SelectedVnic
		}
	}
	return nil
}

func datastoreNamed(inv inventory, name string) (mo.Datastore, bool) {
	for _, ds := range inv.datastores {
		if ds.Name == name {
			return ds, true
		}
	}
	return mo.Datastore{}, false
}
