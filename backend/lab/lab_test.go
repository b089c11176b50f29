package lab

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/config"
	"github.com/vmcross/vmcross/backend/model"
)

func startLab(t testing.TB) *Lab {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := Start(ctx, Options{})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(l.Close)
	return l
}

// connect logs in the way vmcross does: TLS verified through the pinned SHA-256 thumbprint,
// never insecure.
func connect(t testing.TB, ep Endpoint) *govmomi.Client {
	t.Helper()
	ctx := context.Background()
	u, err := soap.ParseURL(ep.URL)
	if err != nil {
		t.Fatal(err)
	}
	sc := soap.NewClient(u, false)
	sc.SetThumbprint(u.Host, ep.Thumbprint)
	vc, err := vim25.NewClient(ctx, sc)
	if err != nil {
		t.Fatalf("%s: %v", ep.ID, err)
	}
	c := &govmomi.Client{Client: vc, SessionManager: session.NewManager(vc)}
	if err := c.Login(ctx, url.UserPassword(ep.Username, ep.Password)); err != nil {
		t.Fatalf("%s: login: %v", ep.ID, err)
	}
	t.Cleanup(func() { _ = c.Logout(context.Background()) })
	return c
}

func endpoint(t testing.TB, l *Lab, id model.SiteID) Endpoint {
	t.Helper()
	ep, ok := l.Endpoint(id)
	if !ok {
		t.Fatalf("no endpoint %s", id)
	}
	return ep
}

// inventory is what a client reads of one site through container views.
type inventory struct {
	vms        map[string]mo.VirtualMachine
	hosts      map[types.ManagedObjectReference]mo.HostSystem
	clusters   []mo.ClusterComputeResource
	datastores map[types.ManagedObjectReference]mo.Datastore
	portGroups map[types.ManagedObjectReference]mo.DistributedVirtualPortgroup
	pools      map[types.ManagedObjectReference]mo.ResourcePool
}

func retrieve[T any](t testing.TB, c *govmomi.Client, kind string, props []string) []T {
	t.Helper()
	ctx := context.Background()
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{kind}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()
	var out []T
	if err := v.Retrieve(ctx, []string{kind}, props, &out); err != nil {
		t.Fatalf("retrieve %s: %v", kind, err)
	}
	return out
}

func readInventory(t testing.TB, c *govmomi.Client) inventory {
	t.Helper()
	inv := inventory{
		vms:        map[string]mo.VirtualMachine{},
		hosts:      map[types.ManagedObjectReference]mo.HostSystem{},
		datastores: map[types.ManagedObjectReference]mo.Datastore{},
		portGroups: map[types.ManagedObjectReference]mo.DistributedVirtualPortgroup{},
		pools:      map[types.ManagedObjectReference]mo.ResourcePool{},
	}
	for _, vm := range retrieve[mo.VirtualMachine](t, c, "VirtualMachine", []string{
		"name", "runtime", "summary", "config", "network", "datastore", "resourcePool", "snapshot", "parent",
	}) {
		if _, dup := inv.vms[vm.Name]; dup {
			t.Errorf("duplicate VM name %s", vm.Name)
		}
		inv.vms[vm.Name] = vm
	}
	for _, h := range retrieve[mo.HostSystem](t, c, "HostSystem", []string{"name", "parent", "capability", "summary", "vm", "datastore", "network",
		"config.vmotion", "config.network.vnic", "config.virtualNicManagerInfo", "config.product", "configManager"}) {
		inv.hosts[h.Self] = h
	}
	inv.clusters = retrieve[mo.ClusterComputeResource](t, c, "ClusterComputeResource", []string{"name", "host", "resourcePool", "network", "datastore", "summary"})
	for _, ds := range retrieve[mo.Datastore](t, c, "Datastore", []string{"name", "summary", "host", "vm", "info"}) {
		inv.datastores[ds.Self] = ds
	}
	for _, pg := range retrieve[mo.DistributedVirtualPortgroup](t, c, "DistributedVirtualPortgroup", []string{"name", "key", "config", "vm", "host"}) {
		inv.portGroups[pg.Self] = pg
	}
	for _, p := range retrieve[mo.ResourcePool](t, c, "ResourcePool", []string{"name", "owner", "vm"}) {
		inv.pools[p.Self] = p
	}
	return inv
}

func (inv inventory) vm(t testing.TB, name string) mo.VirtualMachine {
	t.Helper()
	vm, ok := inv.vms[name]
	if !ok {
		t.Fatalf("VM %s is missing", name)
	}
	return vm
}

// vlanOf returns the VLAN ID of a port group, or -1 for a trunk or a standard network.
func (inv inventory) vlanOf(ref types.ManagedObjectReference) int {
	pg, ok := inv.portGroups[ref]
	if !ok {
		return -1
	}
	if s, ok := pg.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting); ok {
		if v, ok := s.Vlan.(*types.VmwareDistributedVirtualSwitchVlanIdSpec); ok {
			return int(v.VlanId)
		}
	}
	return -1
}

func (inv inventory) vlansOf(vm mo.VirtualMachine) []int {
	var out []int
	for _, n := range vm.Network {
		out = append(out, inv.vlanOf(n))
	}
	slices.Sort(out)
	return out
}

func devices(vm mo.VirtualMachine) object.VirtualDeviceList {
	return object.VirtualDeviceList(vm.Config.Hardware.Device)
}

func countSnapshots(tree []types.VirtualMachineSnapshotTree) int {
	n := 0
	for _, s := range tree {
		n += 1 + countSnapshots(s.ChildSnapshotList)
	}
	return n
}

func TestEndpoints(t *testing.T) {
	l := startLab(t)
	eps := l.Endpoints()
	if len(eps) != 2 || eps[0].ID != "site-a" || eps[1].ID != "site-b" {
		t.Fatalf("endpoints = %+v, want site-a and site-b", eps)
	}
	uuids := map[string]model.SiteID{}
	for _, ep := range eps {
		u, err := url.Parse(ep.URL)
		if err != nil || u.Scheme != "https" || u.Hostname() != "127.0.0.1" || u.Path != "/sdk" || u.User != nil {
			t.Errorf("%s: URL %q, want https://127.0.0.1:PORT/sdk", ep.ID, ep.URL)
		}
		if ep.Name == "" || ep.Username == "" || ep.Password == "" {
			t.Errorf("%s: incomplete endpoint %+v", ep.ID, ep)
		}
		if _, err := backend.NormalizeThumbprint(ep.Thumbprint); err != nil {
			t.Errorf("%s: thumbprint %q: %v", ep.ID, ep.Thumbprint, err)
		}

		c := connect(t, ep)
		about := c.ServiceContent.About
		if about.ApiType != "VirtualCenter" {
			t.Errorf("%s: apiType %q, want VirtualCenter", ep.ID, about.ApiType)
		}
		if other, dup := uuids[about.InstanceUuid]; dup {
			t.Errorf("%s and %s share instance UUID %s", other, ep.ID, about.InstanceUuid)
		}
		uuids[about.InstanceUuid] = ep.ID

		// The certificate the server presents is the pinned one, and it verifies as a CA.
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ep.CertPEM) {
			t.Fatalf("%s: CertPEM does not parse", ep.ID)
		}
		conn, err := tls.Dial("tcp", u.Host, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatalf("%s: TLS with CertPEM as CA: %v", ep.ID, err)
		}
		if got := backend.ThumbprintOf(conn.ConnectionState().PeerCertificates[0].Raw); got != ep.Thumbprint {
			t.Errorf("%s: server presents %s, endpoint says %s", ep.ID, got, ep.Thumbprint)
		}
		_ = conn.Close()
	}
	if eps[0].Thumbprint == eps[1].Thumbprint {
		t.Error("both vCenters present the same certificate")
	}

	// Without the thumbprint, or with the other site's, verification fails.
	for _, tp := range []string{"", eps[1].Thumbprint} {
		u, _ := soap.ParseURL(eps[0].URL)
		sc := soap.NewClient(u, false)
		if tp != "" {
			sc.SetThumbprint(u.Host, tp)
		}
		if _, err := vim25.NewClient(context.Background(), sc); err == nil {
			t.Errorf("thumbprint %q: connected to site-a, want a certificate error", tp)
		}
	}
}

func TestConfig(t *testing.T) {
	l := startLab(t)
	c := l.Config()
	if err := c.Validate(); err != nil {
		t.Fatalf("lab config does not validate: %v", err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := c.Write(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := config.Load(path)
	if err != nil {
		t.Fatalf("written lab config does not load: %v", err)
	}
	specs, err := loaded.Specs()
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range specs {
		ep := l.Endpoints()[i]
		if s.ID != ep.ID || s.URL != ep.URL || s.Password != ep.Password || s.Thumbprint != ep.Thumbprint || s.Insecure {
			t.Errorf("spec %d = %+v, want endpoint %+v, verified", i, s, ep)
		}
	}
	// The four simulated switches, host keys pinned, each DCI edge pinging the other.
	sw, err := loaded.SwitchSpecs()
	if err != nil {
		t.Fatal(err)
	}
	if len(sw) != 4 {
		t.Fatalf("%d switches in the lab config, want 4", len(sw))
	}
	edges := 0
	for _, s := range sw {
		if s.HostKey == "" || s.InsecureHostKey || s.Port == 0 || len(s.DCIInterfaces) == 0 {
			t.Errorf("switch %+v: want a pinned host key, a port and DCI interfaces", s)
		}
		if s.Role == "dci-edge" {
			edges++
			if s.PingTarget == "" || s.Platform != "cisco_nxos" {
				t.Errorf("edge %s: platform %s, ping target %q", s.Name, s.Platform, s.PingTarget)
			}
		}
	}
	if edges != 2 {
		t.Errorf("%d DCI edges, want 2", edges)
	}
}

func TestInventory(t *testing.T) {
	l := startLab(t)
	invs := map[model.SiteID]inventory{}
	for _, ep := range l.Endpoints() {
		invs[ep.ID] = readInventory(t, connect(t, ep))
	}

	for id, inv := range invs {
		t.Run(string(id), func(t *testing.T) { checkSite(t, inv) })
	}

	// Each vCenter serves its own inventory.
	a, b := invs["site-a"], invs["site-b"]
	if _, ok := b.vms["sql-node-1"]; ok {
		t.Error("site-b serves site-a's sql-node-1")
	}
	if _, ok := a.vms["sap-hana-01"]; ok {
		t.Error("site-a serves site-b's sap-hana-01")
	}
	hostDomain := map[model.SiteID]string{"site-a": ".mia.example.net", "site-b": ".atl.example.net"}
	for id, inv := range invs {
		for _, h := range inv.hosts {
			if !strings.HasSuffix(h.Name, hostDomain[id]) {
				t.Errorf("%s serves host %s", id, h.Name)
			}
		}
	}
	// Both sites have the same VLAN port groups.
	pgNames := func(inv inventory) []string {
		var out []string
		for _, pg := range inv.portGroups {
			if inv.vlanOf(pg.Self) > 0 {
				out = append(out, pg.Name)
			}
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(pgNames(a), pgNames(b)) {
		t.Errorf("port groups differ: %v vs %v", pgNames(a), pgNames(b))
	}

	t.Run("special VMs", func(t *testing.T) { checkSpecialVMs(t, a) })
}

// blueprintEVC is the EVC mode the blueprints give a cluster, by name.
func blueprintEVC(cluster string) string {
	for _, bp := range blueprints() {
		for _, c := range bp.clusters {
			if c.name == cluster {
				return c.evc
			}
		}
	}
	return ""
}

// checkSite checks the shape of a site and that every VM is consistent with the objects it
// refers to, in both directions.
func checkSite(t *testing.T, inv inventory) {
	if n := len(inv.vms); n < 60 || n > 100 {
		t.Errorf("%d VMs, want 60-100", n)
	}
	if len(inv.clusters) != 2 {
		t.Fatalf("%d clusters, want 2", len(inv.clusters))
	}
	clusterEVC := map[types.ManagedObjectReference]string{}
	for _, c := range inv.clusters {
		if n := len(c.Host); n < 3 || n > 4 {
			t.Errorf("cluster %s has %d hosts, want 3-4", c.Name, n)
		}
		want := blueprintEVC(c.Name)
		if s, ok := c.Summary.(*types.ClusterComputeResourceSummary); !ok || s.CurrentEVCModeKey != want || want == "" || s.TotalCpu == 0 {
			t.Errorf("cluster %s: summary %+v, want EVC mode %s and a capacity", c.Name, c.Summary, want)
		}
		clusterEVC[c.Self] = want
	}
	for _, h := range inv.hosts {
		if !h.Capability.VmotionSupported || !h.Summary.Config.VmotionEnabled {
			t.Errorf("host %s: vMotion not supported/enabled", h.Name)
		}
		if s := h.Summary; h.Parent == nil || s.CurrentEVCModeKey != clusterEVC[*h.Parent] || s.MaxEVCModeKey != hostMaxEVC ||
			s.Hardware == nil || !strings.HasPrefix(s.Hardware.CpuModel, "Intel(R) Xeon(R)") {
			t.Errorf("host %s: EVC mode %q (max %q), hardware %+v", h.Name, s.CurrentEVCModeKey, s.MaxEVCModeKey, s.Hardware)
		}
		if h.Config == nil || h.Config.Vmotion == nil || h.Config.Vmotion.NetConfig == nil || h.Config.Vmotion.NetConfig.SelectedVnic == "" {
			t.Errorf("host %s: no vMotion vmknic selected", h.Name)
		}
	}
	want := map[int]string{}
	for _, v := range Plan() {
		want[v.ID] = v.PortGroup()
	}
	for _, pg := range inv.portGroups {
		if uplink := pg.Config.Uplink != nil && *pg.Config.Uplink; uplink != (inv.vlanOf(pg.Self) < 0) {
			t.Errorf("port group %s: uplink %v, VLAN %d", pg.Name, uplink, inv.vlanOf(pg.Self))
		}
		if id := inv.vlanOf(pg.Self); id > 0 {
			if want[id] != pg.Name {
				t.Errorf("port group %s carries VLAN %d, want %q", pg.Name, id, want[id])
			}
			delete(want, id)
		}
	}
	if len(want) != 0 {
		t.Errorf("no port group for VLANs %v", want)
	}

	hostCluster := map[types.ManagedObjectReference]types.ManagedObjectReference{}
	for _, c := range inv.clusters {
		for _, h := range c.Host {
			hostCluster[h] = c.Self
		}
	}
	for name, vm := range inv.vms {
		if vm.Runtime.Host == nil || vm.ResourcePool == nil || vm.Config == nil {
			t.Errorf("%s: host, pool or config missing", name)
			continue
		}
		host, ok := inv.hosts[*vm.Runtime.Host]
		if !ok {
			t.Errorf("%s: runtime.host %s unknown", name, vm.Runtime.Host)
			continue
		}
		if !slices.Contains(host.Vm, vm.Self) {
			t.Errorf("%s: not in host %s's vm list", name, host.Name)
		}
		pool := inv.pools[*vm.ResourcePool]
		if pool.Owner != hostCluster[host.Self] {
			t.Errorf("%s: pool %s belongs to %s, host %s to %s", name, pool.Self, pool.Owner, host.Name, hostCluster[host.Self])
		}
		if !slices.Contains(pool.Vm, vm.Self) {
			t.Errorf("%s: not in its pool's vm list", name)
		}
		s := vm.Summary
		if s.Config.NumCpu != vm.Config.Hardware.NumCPU || s.Config.MemorySizeMB != vm.Config.Hardware.MemoryMB || s.Config.Name != name {
			t.Errorf("%s: summary.config %d vCPU %d MiB, config.hardware %d vCPU %d MiB",
				name, s.Config.NumCpu, s.Config.MemorySizeMB, vm.Config.Hardware.NumCPU, vm.Config.Hardware.MemoryMB)
		}
		if c := vm.Config.Hardware.NumCPU; c < 1 || c > 16 {
			t.Errorf("%s: %d vCPU", name, c)
		}
		if m := vm.Config.Hardware.MemoryMB; m < 1024 || m > 65536 {
			t.Errorf("%s: %d MiB", name, m)
		}
		if s.Runtime.PowerState != vm.Runtime.PowerState || s.Runtime.Host == nil || *s.Runtime.Host != *vm.Runtime.Host {
			t.Errorf("%s: summary.runtime %s on %v, runtime %s on %v", name, s.Runtime.PowerState, s.Runtime.Host, vm.Runtime.PowerState, vm.Runtime.Host)
		}
		if on := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn; on != (vm.Runtime.BootTime != nil) || on != (s.Runtime.BootTime != nil) {
			t.Errorf("%s: %s with boot time %v / %v", name, vm.Runtime.PowerState, vm.Runtime.BootTime, s.Runtime.BootTime)
		}

		// NICs: VMXNET3 on a DV port group of the site; vm.network and the port group's vm
		// list agree.
		var nets []types.ManagedObjectReference
		for _, d := range devices(vm).SelectByType((*types.VirtualEthernetCard)(nil)) {
			_, vmxnet3 := d.(*types.VirtualVmxnet3)
			_, flexible := d.(*types.VirtualPCNet32)
			if hv, _ := types.ParseHardwareVersion(vm.Config.Version); !vmxnet3 && !(flexible && hv < types.VMX7) {
				t.Errorf("%s: NIC %T on %s, want VirtualVmxnet3", name, d, vm.Config.Version)
			}
			b, ok := d.GetVirtualDevice().Backing.(*types.VirtualEthernetCardDistributedVirtualPortBackingInfo)
			if !ok {
				t.Errorf("%s: NIC backing %T", name, d.GetVirtualDevice().Backing)
				continue
			}
			nets = append(nets, types.ManagedObjectReference{Type: "DistributedVirtualPortgroup", Value: b.Port.PortgroupKey})
		}
		if len(nets) == 0 {
			t.Errorf("%s: no NIC", name)
		}
		if !slices.Equal(nets, vm.Network) {
			t.Errorf("%s: NICs on %v, vm.network %v", name, nets, vm.Network)
		}
		for _, n := range vm.Network {
			if inv.vlanOf(n) == vmotionVLAN {
				t.Errorf("%s: on the vMotion VLAN", name)
			}
			pg, ok := inv.portGroups[n]
			if !ok || !slices.Contains(pg.Vm, vm.Self) {
				t.Errorf("%s: port group %s does not list it", name, n)
			}
			if !slices.Contains(host.Network, n) {
				t.Errorf("%s: host %s is not on %s", name, host.Name, n)
			}
		}

		// Disks: on datastores the VM lists, mounted on its host, which list the VM.
		disks := devices(vm).SelectByType((*types.VirtualDisk)(nil))
		if len(disks) == 0 {
			t.Errorf("%s: no disk", name)
		}
		for _, d := range disks {
			disk := d.(*types.VirtualDisk)
			if disk.CapacityInKB <= 0 {
				t.Errorf("%s: disk %d has no size", name, disk.Key)
			}
			fb := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo).GetVirtualDeviceFileBackingInfo()
			if fb.Datastore == nil || !slices.Contains(vm.Datastore, *fb.Datastore) {
				t.Errorf("%s: disk %s on a datastore the VM does not list", name, fb.FileName)
			}
		}
		for _, ref := range vm.Datastore {
			ds, ok := inv.datastores[ref]
			if !ok {
				t.Errorf("%s: unknown datastore %s", name, ref)
				continue
			}
			if !slices.Contains(ds.Vm, vm.Self) {
				t.Errorf("%s: datastore %s does not list it", name, ds.Name)
			}
			if !slices.Contains(host.Datastore, ref) {
				t.Errorf("%s: datastore %s is not mounted on its host %s", name, ds.Name, host.Name)
			}
		}
	}
	// And the other direction: every back-reference points at a VM that agrees.
	byRef := map[types.ManagedObjectReference]mo.VirtualMachine{}
	for _, vm := range inv.vms {
		byRef[vm.Self] = vm
	}
	for _, pg := range inv.portGroups {
		for _, ref := range pg.Vm {
			if !slices.Contains(byRef[ref].Network, pg.Self) {
				t.Errorf("port group %s lists %s, which is not on it", pg.Name, ref)
			}
		}
	}
	for _, ds := range inv.datastores {
		for _, ref := range ds.Vm {
			if !slices.Contains(byRef[ref].Datastore, ds.Self) {
				t.Errorf("datastore %s lists %s, which does not use it", ds.Name, ref)
			}
		}
		if ds.Summary.FreeSpace <= 0 || ds.Summary.FreeSpace > ds.Summary.Capacity {
			t.Errorf("datastore %s: %d free of %d", ds.Name, ds.Summary.FreeSpace, ds.Summary.Capacity)
		}
	}
	for _, h := range inv.hosts {
		for _, ref := range h.Vm {
			if vm := byRef[ref]; vm.Runtime.Host == nil || *vm.Runtime.Host != h.Self {
				t.Errorf("host %s lists %s, which runs elsewhere", h.Name, ref)
			}
		}
	}
}

func checkSpecialVMs(t *testing.T, inv inventory) {
	isShared := func(ref types.ManagedObjectReference) bool {
		ds := inv.datastores[ref]
		return len(ds.Host) > 1 && ds.Summary.MultipleHostAccess != nil && *ds.Summary.MultipleHostAccess
	}

	for _, name := range []string{"sql-node-1", "sql-node-2"} {
		vm := inv.vm(t, name)
		devs := devices(vm)
		var rdm, flat int
		for _, d := range devs.SelectByType((*types.VirtualDisk)(nil)) {
			disk := d.(*types.VirtualDisk)
			switch b := disk.Backing.(type) {
			case *types.VirtualDiskRawDiskMappingVer1BackingInfo:
				rdm++
				if b.CompatibilityMode != string(types.VirtualDiskCompatibilityModePhysicalMode) {
					t.Errorf("%s: RDM %s in %q mode", name, b.FileName, b.CompatibilityMode)
				}
				ctl, ok := devs.FindByKey(disk.ControllerKey).(types.BaseVirtualSCSIController)
				if !ok {
					t.Errorf("%s: RDM %s not on a SCSI controller", name, b.FileName)
				} else if s := ctl.GetVirtualSCSIController().SharedBus; s != types.VirtualSCSISharingPhysicalSharing {
					t.Errorf("%s: RDM controller bus sharing %q, want physicalSharing", name, s)
				}
			case *types.VirtualDiskFlatVer2BackingInfo:
				flat++
			}
		}
		if rdm == 0 || flat == 0 {
			t.Errorf("%s: %d RDMs and %d ordinary disks, want both", name, rdm, flat)
		}
	}
	if a, b := inv.vm(t, "sql-node-1"), inv.vm(t, "sql-node-2"); *a.Runtime.Host == *b.Runtime.Host {
		t.Error("the SQL nodes run on the same host")
	}

	iso := inv.vm(t, "iso-builder")
	var cdroms int
	for _, d := range devices(iso).SelectByType((*types.VirtualCdrom)(nil)) {
		cdroms++
		dev := d.GetVirtualDevice()
		b, ok := dev.Backing.(*types.VirtualCdromIsoBackingInfo)
		if !ok {
			t.Fatalf("iso-builder: CD-ROM backing %T, want an ISO", dev.Backing)
		}
		if dev.Connectable == nil || !dev.Connectable.Connected || !dev.Connectable.StartConnected {
			t.Errorf("iso-builder: ISO not connected: %+v", dev.Connectable)
		}
		var p object.DatastorePath
		if !p.FromString(b.FileName) || !strings.HasPrefix(p.Datastore, "local-esx-") || !strings.HasSuffix(p.Path, ".iso") {
			t.Errorf("iso-builder: ISO %q, want [local-esx-...] ....iso", b.FileName)
		}
		var local *mo.Datastore
		for _, ds := range inv.datastores {
			if ds.Name == p.Datastore {
				local = &ds
			}
		}
		if local == nil || len(local.Host) != 1 || local.Host[0].Key != *iso.Runtime.Host || isShared(local.Self) {
			t.Errorf("iso-builder: ISO datastore %s is not local to the VM's host", p.Datastore)
		} else if !slices.Contains(iso.Datastore, local.Self) {
			t.Errorf("iso-builder: datastore list %v lacks the ISO's datastore", iso.Datastore)
		}
	}
	if cdroms != 1 {
		t.Errorf("iso-builder: %d CD-ROMs, want 1", cdroms)
	}

	snap := inv.vm(t, "snap-heavy")
	if snap.Snapshot == nil || countSnapshots(snap.Snapshot.RootSnapshotList) != 3 || snap.Snapshot.CurrentSnapshot == nil {
		t.Errorf("snap-heavy: snapshot info %+v, want 3 snapshots", snap.Snapshot)
	}

	if got := inv.vlansOf(inv.vm(t, "dmz-app-1")); !slices.Equal(got, []int{300}) {
		t.Errorf("dmz-app-1: VLANs %v, want [300]", got)
	}
	for _, v := range Plan() {
		if v.ID == 300 && v.Extended {
			t.Error("VLAN 300 is extended by the DCI")
		}
	}

	if ps := inv.vm(t, "archive-01").Runtime.PowerState; ps != types.VirtualMachinePowerStatePoweredOff {
		t.Errorf("archive-01: %s, want poweredOff", ps)
	}
	if mb := inv.vm(t, "big-db").Summary.Config.MemorySizeMB; mb != 65536 {
		t.Errorf("big-db: %d MiB, want 65536", mb)
	}

	web := inv.vm(t, "web-01")
	if got := inv.vlansOf(web); !slices.Equal(got, []int{110}) {
		t.Errorf("web-01: VLANs %v, want [110]", got)
	}
	if web.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		t.Errorf("web-01: %s", web.Runtime.PowerState)
	}
	if web.Snapshot != nil {
		t.Error("web-01 has snapshots")
	}
	if n := len(devices(web).SelectByType((*types.VirtualCdrom)(nil))); n != 0 {
		t.Errorf("web-01 has %d CD-ROMs", n)
	}
	for _, d := range devices(web).SelectByType((*types.VirtualDisk)(nil)) {
		if _, ok := d.GetVirtualDevice().Backing.(*types.VirtualDiskFlatVer2BackingInfo); !ok {
			t.Errorf("web-01: disk backing %T", d.GetVirtualDevice().Backing)
		}
	}
	for _, d := range devices(web).SelectByType((*types.VirtualSCSIController)(nil)) {
		if s := d.(types.BaseVirtualSCSIController).GetVirtualSCSIController().SharedBus; s != types.VirtualSCSISharingNoSharing {
			t.Errorf("web-01: SCSI bus sharing %s", s)
		}
	}
	for _, ref := range web.Datastore {
		if !isShared(ref) {
			t.Errorf("web-01: on datastore %s, which is not shared", inv.datastores[ref].Name)
		}
	}
}

// fingerprint lists every managed entity of a site as "Type:moref name", sorted.
func fingerprint(t testing.TB, c *govmomi.Client) []string {
	var out []string
	for _, e := range retrieve[mo.ManagedEntity](t, c, "ManagedEntity", []string{"name"}) {
		out = append(out, fmt.Sprintf("%s:%s %s", e.Self.Type, e.Self.Value, e.Name))
	}
	slices.Sort(out)
	return out
}

func TestDeterministic(t *testing.T) {
	var runs [2]map[model.SiteID][]string
	for i := range runs {
		l := startLab(t)
		runs[i] = map[model.SiteID][]string{}
		for _, ep := range l.Endpoints() {
			runs[i][ep.ID] = fingerprint(t, connect(t, ep))
		}
		l.Close()
	}
	for id, first := range runs[0] {
		second := runs[1][id]
		if len(first) < 100 {
			t.Errorf("%s: only %d entities", id, len(first))
		}
		if !slices.Equal(first, second) {
			for i := range min(len(first), len(second)) {
				if first[i] != second[i] {
					t.Errorf("%s differs between starts at %d: %q vs %q", id, i, first[i], second[i])
					break
				}
			}
			t.Errorf("%s: %d vs %d entities", id, len(first), len(second))
		}
	}
}

func TestVMsPerSite(t *testing.T) {
	l, err := Start(context.Background(), Options{VMsPerSite: 150})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, ep := range l.Endpoints() {
		c := connect(t, ep)
		if n := len(retrieve[mo.VirtualMachine](t, c, "VirtualMachine", []string{"name"})); n != 150 {
			t.Errorf("%s: %d VMs, want 150", ep.ID, n)
		}
	}
}

// TestLiveUpdates checks that the lab behaves like a vCenter to a watcher: one client waits
// for updates through a container view, another powers a VM off and renames it.
func TestLiveUpdates(t *testing.T) {
	l := startLab(t)
	ep := endpoint(t, l, "site-a")
	watcher, operator := connect(t, ep), connect(t, ep)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	v, err := view.NewManager(watcher.Client).CreateContainerView(ctx, watcher.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := property.DefaultCollector(watcher.Client).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	filter := new(property.WaitFilter)
	filter.Spec = types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{
			Obj:       v.Reference(),
			Skip:      types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}},
		}},
		PropSet: []types.PropertySpec{{Type: "VirtualMachine", PathSet: []string{"name", "runtime.powerState"}}},
	}

	type change struct {
		obj  types.ManagedObjectReference
		name string
		val  any
	}
	changes := make(chan change, 1000)
	initial := make(chan int, 1)
	done := make(chan error, 1)
	go func() {
		first := true
		done <- property.WaitForUpdatesEx(ctx, pc, filter, func(updates []types.ObjectUpdate) bool {
			if first {
				initial <- len(updates)
				first = false
				return false
			}
			for _, u := range updates {
				for _, c := range u.ChangeSet {
					changes <- change{u.Obj, c.Name, c.Val}
				}
			}
			return false
		})
	}()
	select {
	case n := <-initial:
		if n != 80 {
			t.Errorf("initial update has %d VMs, want 80", n)
		}
	case <-ctx.Done():
		t.Fatal("no initial update")
	}

	vms, err := find(ctx, operator, "web-01")
	if err != nil {
		t.Fatal(err)
	}
	task, err := vms.PowerOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	task, err = vms.Rename(ctx, "web-01-old")
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}

	var off, renamed bool
	for !off || !renamed {
		select {
		case c := <-changes:
			if c.obj != vms.Reference() {
				t.Errorf("update for %s, want only %s", c.obj, vms.Reference())
			}
			switch {
			case c.name == "runtime.powerState" && c.val == types.VirtualMachinePowerStatePoweredOff:
				off = true
			case c.name == "name" && c.val == "web-01-old":
				renamed = true
			}
		case <-ctx.Done():
			t.Fatalf("no update for power off (%v) or rename (%v)", off, renamed)
		}
	}
	cancel()
	<-done
}

// TestHostStateAnnounced: a host entering and leaving maintenance mode is announced to
// property collectors, as vCenter does (the simulator alone changes it silently).
func TestHostStateAnnounced(t *testing.T) {
	l := startLab(t)
	ep := endpoint(t, l, "site-b")
	watcher, operator := connect(t, ep), connect(t, ep)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	hosts := retrieve[mo.HostSystem](t, watcher, "HostSystem", []string{"name"})
	if len(hosts) == 0 {
		t.Fatal("no hosts")
	}
	ref := hosts[0].Self
	pc, err := property.DefaultCollector(watcher.Client).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	filter := new(property.WaitFilter)
	filter.Spec = types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: ref}},
		PropSet:   []types.PropertySpec{{Type: "HostSystem", PathSet: []string{"runtime.inMaintenanceMode", "runtime.connectionState"}}},
	}
	seen := make(chan any, 100)
	initial := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		first := true
		done <- property.WaitForUpdatesEx(ctx, pc, filter, func(updates []types.ObjectUpdate) bool {
			if first {
				first = false
				close(initial)
				return false
			}
			for _, u := range updates {
				for _, c := range u.ChangeSet {
					if c.Name == "runtime.inMaintenanceMode" {
						seen <- c.Val
					}
				}
			}
			return false
		})
	}()
	select {
	case <-initial:
	case <-ctx.Done():
		t.Fatal("no initial update")
	}

	host := object.NewHostSystem(operator.Client, ref)
	for _, want := range []bool{true, false} {
		var task *object.Task
		if want {
			task, err = host.EnterMaintenanceMode(ctx, 0, false, nil)
		} else {
			task, err = host.ExitMaintenanceMode(ctx, 0)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := task.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case v := <-seen:
			if v != want {
				t.Errorf("runtime.inMaintenanceMode announced as %v, want %v", v, want)
			}
		case <-ctx.Done():
			t.Fatalf("maintenance mode %v not announced", want)
		}
	}
	cancel()
	<-done
}

func find(ctx context.Context, c *govmomi.Client, name string) (*object.VirtualMachine, error) {
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		return nil, err
	}
	defer func() { _ = v.Destroy(ctx) }()
	refs, err := v.Find(ctx, []string{"VirtualMachine"}, property.Match{"name": name})
	if err != nil {
		return nil, err
	}
	if len(refs) != 1 {
		return nil, fmt.Errorf("%d VMs named %s", len(refs), name)
	}
	return object.NewVirtualMachine(c.Client, refs[0]), nil
}

// TestCloseWithOpenWait checks that a client's outstanding long poll does not hold up Close.
func TestCloseWithOpenWait(t *testing.T) {
	l, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := connect(t, endpoint(t, l, "site-b"))
	ctx := context.Background()
	pc, err := property.DefaultCollector(c.Client).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	filter := new(property.WaitFilter)
	filter.Add(c.ServiceContent.RootFolder, "Folder", []string{"name"})
	waiting := make(chan struct{})
	go func() {
		n := 0
		_ = property.WaitForUpdatesEx(ctx, pc, filter, func([]types.ObjectUpdate) bool {
			if n++; n == 1 {
				close(waiting)
			}
			return false
		})
	}()
	<-waiting
	time.Sleep(100 * time.Millisecond) // the second, blocking WaitForUpdatesEx is in the server

	closed := make(chan struct{})
	go func() {
		l.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(4 * time.Second):
		t.Fatal("Close waits on a client's long poll")
	}
	if _, err := os.Stat(l.dir); !os.IsNotExist(err) {
		t.Errorf("lab directory %s left behind", l.dir)
	}
}

func TestStartCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l, err := Start(ctx, Options{})
	if !errors.Is(err, context.Canceled) {
		if l != nil {
			l.Close()
		}
		t.Fatalf("Start with a canceled context: %v, want context.Canceled", err)
	}
}

func BenchmarkStart(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		l, err := Start(ctx, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		l.Close()
		b.StartTimer()
	}
}

// Two labs at once: the first takes the fixed switch ports, the second falls back to random
// ones instead of failing.
func TestSwitchBasePortFallsBack(t *testing.T) {
	ctx := context.Background()
	base := 22000 + os.Getpid()%5000
	a, err := Start(ctx, Options{SwitchBasePort: base})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Start(ctx, Options{SwitchBasePort: base})
	if err != nil {
		t.Fatalf("second lab: %v", err)
	}
	defer b.Close()
	for i, sw := range a.Fabric().Switches() {
		if sw.Port != base+i {
			t.Errorf("first lab: %s on port %d, want %d", sw.Name, sw.Port, base+i)
		}
	}
	for _, sw := range b.Fabric().Switches() {
		if sw.Port >= base && sw.Port < base+4 {
			t.Errorf("second lab: %s on a taken port %d", sw.Name, sw.Port)
		}
	}
}

// TestFreezeHoldsCallsAndAnswers: a frozen site answers no SOAP call, not even a long poll
// that was already waiting in the simulator, while the other site answers; Thaw releases
// the held calls; Close ends the calls of a site that is still frozen.
func TestFreezeHoldsCallsAndAnswers(t *testing.T) {
	l := startLab(t)
	a := connect(t, endpoint(t, l, "site-a"))
	b := connect(t, endpoint(t, l, "site-b"))
	t.Cleanup(func() { l.Thaw("site-b") }) // before the clients log out
	ctx := context.Background()

	// A long poll (one second) in flight when the site freezes.
	pc, err := property.DefaultCollector(b.Client).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	filter := new(property.WaitFilter)
	filter.Add(b.ServiceContent.RootFolder, "Folder", []string{"name"})
	if _, err := pc.CreateFilter(ctx, filter.CreateFilter); err != nil {
		t.Fatal(err)
	}
	wait := int32(1)
	req := types.WaitForUpdatesEx{This: pc.Reference(), Options: &types.WaitOptions{MaxWaitSeconds: &wait}}
	res, err := methods.WaitForUpdatesEx(ctx, b.Client, &req)
	if err != nil || res.Returnval == nil {
		t.Fatalf("first poll: %v", err)
	}
	req.Version = res.Returnval.Version
	polled := make(chan error, 1)
	go func() {
		_, err := methods.WaitForUpdatesEx(ctx, b.Client, &req)
		polled <- err
	}()
	time.Sleep(200 * time.Millisecond)
	l.Freeze("site-b")

	now := func(c *govmomi.Client, within time.Duration) error {
		ctx, cancel := context.WithTimeout(ctx, within)
		defer cancel()
		_, err := methods.GetCurrentTime(ctx, c.Client)
		return err
	}
	if err := now(b, 500*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a call to the frozen site: %v, want no answer", err)
	}
	if err := now(a, 2*time.Second); err != nil {
		t.Errorf("site-a froze with site-b: %v", err)
	}
	select {
	case err := <-polled:
		t.Fatalf("the long poll was answered %s after the freeze (%v), want held", 2*time.Second, err)
	case <-time.After(2 * time.Second):
	}

	l.Thaw("site-b")
	select {
	case err := <-polled:
		if err != nil {
			t.Errorf("held long poll: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the held long poll was not answered after the thaw")
	}
	if err := now(b, 2*time.Second); err != nil {
		t.Errorf("after the thaw: %v", err)
	}

	// Frozen at Close: the held call ends, and Close does not wait for a thaw.
	l.Freeze("site-b")
	held := make(chan error, 1)
	go func() { held <- now(b, time.Minute) }()
	time.Sleep(200 * time.Millisecond)
	closed := make(chan struct{})
	go func() {
		l.Close()
		close(closed)
	}()
	for _, ch := range []<-chan struct{}{closed, errDone(held)} {
		select {
		case <-ch:
		case <-time.After(6 * time.Second):
			t.Fatal("a frozen site holds up Close")
		}
	}
}

// errDone is closed once ch carries a value.
func errDone(ch <-chan error) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		<-ch
		close(done)
	}()
	return done
}
