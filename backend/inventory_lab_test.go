package backend_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/model"
)

// The site snapshot carries references, not only names: every reference a VM holds resolves
// to a host, cluster, datastore or port group of the same snapshot, with the lab's values.
func TestLabInventoryReferences(t *testing.T) {
	_, e := startLabEngine(t)
	st := e.Snapshot()
	clusters := map[model.SiteID][]string{"site-a": {"A-01", "A-02"}, "site-b": {"B-01", "B-02"}}
	switches := map[model.SiteID]string{"site-a": "MIA-DVS01", "site-b": "ATL-DVS01"}
	uuids := map[string]model.VMKey{}
	for _, ss := range st.Sites {
		id := ss.Status.ID
		t.Run(string(id), func(t *testing.T) {
			checkInventory(t, ss, clusters[id], switches[id])
		})
		for _, vm := range ss.VMs {
			if other, dup := uuids[vm.InstanceUUID]; dup {
				t.Errorf("%s and %s share instance UUID %s", vm.Key, other, vm.InstanceUUID)
			}
			uuids[vm.InstanceUUID] = vm.Key
		}
	}

	a, _ := st.Site("site-a")
	web, _ := lookup(st, "site-a", "web-01")
	host, ok := a.HostByRef(web.HostRef.Value)
	if !ok || host.Name != web.Host {
		t.Fatalf("web-01's host %v is %+v", web.HostRef, host)
	}
	a01 := clusterNamed(a, "A-01")
	if host.ClusterRef != a01.Ref || web.ClusterRef != a01.Ref || a01.Ref.Type != "ClusterComputeResource" {
		t.Errorf("web-01 on %s in cluster %v (host's %v), want A-01 %v", host.Name, web.ClusterRef, host.ClusterRef, a01.Ref)
	}
	if snap, _ := lookup(st, "site-a", "snap-heavy"); snap.Snapshots != 1 {
		t.Errorf("snap-heavy has %d root snapshots, want 1 (a chain of three)", snap.Snapshots)
	}
	if web.Snapshots != 0 {
		t.Errorf("web-01 has %d root snapshots", web.Snapshots)
	}
	b, _ := st.Site("site-b")
	if webB, _ := lookup(st, "site-b", "atl-web-01"); webB.InstanceUUID == web.InstanceUUID || webB.InstanceUUID == "" {
		t.Errorf("instance UUIDs: web-01 at site-a %q, atl-web-01 at site-b %q", web.InstanceUUID, webB.InstanceUUID)
	}
	if r, _ := lookup(st, "site-b", "report-01"); r.InstanceUUID == "" || r.Power != model.PoweredOff || r.MinEVCMode != "" {
		t.Errorf("site-b's report-01: %+v", r)
	}
	if len(b.Hosts) != 8 || len(a.Hosts) != 7 {
		t.Errorf("%d hosts at site-a, %d at site-b; want 7 and 8", len(a.Hosts), len(b.Hosts))
	}

	// What preflight reads: the VM's EVC requirement, the stretched datastore's URL.
	if web.MinEVCMode != "intel-icelake" {
		t.Errorf("web-01 requires EVC %q", web.MinEVCMode)
	}
	if hana, _ := lookup(st, "site-b", "sap-hana-01"); hana.MinEVCMode != "intel-sapphirerapids" {
		t.Errorf("sap-hana-01 requires EVC %q", hana.MinEVCMode)
	}
	metro := func(ss model.SiteSnapshot) model.Datastore {
		for _, ds := range ss.Datastores {
			if ds.Name == "nfs-metro-01" {
				return ds
			}
		}
		return model.Datastore{}
	}
	if ma, mb := metro(a), metro(b); ma.URL == "" || ma.URL != mb.URL || len(ma.Hosts) != len(a.Hosts) || len(mb.Hosts) != len(b.Hosts) {
		t.Errorf("nfs-metro-01: %+v at site-a, %+v at site-b; want one URL, mounted everywhere", ma, mb)
	}
	urls := map[string]string{}
	for _, ds := range a.Datastores {
		urls[ds.URL] = ds.Name
	}
	for _, ds := range b.Datastores {
		if name, ok := urls[ds.URL]; ok && ds.Name != "nfs-metro-01" {
			t.Errorf("site-b's %s has the URL of site-a's %s", ds.Name, name)
		}
	}
	if !slices.Contains(web.Datastores, "nfs-metro-01") {
		t.Errorf("web-01 on %v", web.Datastores)
	}
}

func checkInventory(t *testing.T, ss model.SiteSnapshot, clusterNames []string, dvs string) {
	sorted := func(what string, names []string) {
		if !slices.IsSorted(names) {
			t.Errorf("%s not sorted by name: %v", what, names)
		}
	}
	var names []string
	clusterEVC := map[model.Ref]string{}
	for _, c := range ss.Clusters {
		names = append(names, c.Name)
		clusterEVC[c.Ref] = c.EVCMode
		want := "intel-icelake"
		if c.Name == "B-02" {
			want = "intel-sapphirerapids"
		}
		if c.EVCMode != want || c.CPUMhz <= 0 || c.MemoryMiB <= 0 || c.CPUUsedMhz <= 0 || c.MemoryUsedMiB <= 0 ||
			c.Hosts < 3 || c.CPUUsedMhz >= c.CPUMhz {
			t.Errorf("cluster %+v", c)
		}
	}
	if !slices.Equal(names, clusterNames) {
		t.Errorf("clusters %v, want %v", names, clusterNames)
	}

	names = nil
	perCluster := map[model.Ref]int{}
	for _, h := range ss.Hosts {
		names = append(names, h.Name)
		perCluster[h.ClusterRef]++
		if h.Ref.Type != "HostSystem" || h.ClusterRef.IsZero() || h.Connection != "connected" || h.Maintenance || !h.VMotion ||
			h.CPUVendor != "intel" || !strings.Contains(h.CPUModel, "Xeon") || h.EVCMode != clusterEVC[h.ClusterRef] ||
			h.MaxEVCMode != "intel-sapphirerapids" || h.CPUMhz != 2100*64 || h.MemoryMiB != 1<<20 || h.CPUUsedMhz <= 0 || h.MemoryUsedMiB <= 0 ||
			!strings.HasPrefix(h.ESXiVersion, "8.0.") || (h.MaxHWVersion != 20 && h.MaxHWVersion != 21) ||
			h.VMotionNetwork != "VLAN200-vMotion" || h.VMotionVLAN != 200 {
			t.Errorf("host %+v", h)
		}
	}
	sorted("hosts", names)
	for _, c := range ss.Clusters {
		if perCluster[c.Ref] != c.Hosts {
			t.Errorf("cluster %s counts %d hosts, the host list %d", c.Name, c.Hosts, perCluster[c.Ref])
		}
	}

	names = nil
	dsByRef := map[model.Ref]model.Datastore{}
	for _, ds := range ss.Datastores {
		names = append(names, ds.Name)
		dsByRef[ds.Ref] = ds
		if ds.Ref.Type != "Datastore" || (ds.Type != "VMFS" && ds.Type != "NFS") || ds.CapacityB <= 0 || ds.FreeB <= 0 ||
			ds.FreeB > ds.CapacityB || !ds.Accessible || len(ds.Hosts) == 0 || ds.URL == "" {
			t.Errorf("datastore %+v", ds)
		}
		for _, h := range ds.Hosts {
			if _, ok := ss.HostByRef(h.Value); !ok {
				t.Errorf("datastore %s mounted on unknown host %v", ds.Name, h)
			}
		}
	}
	sorted("datastores", names)

	names = nil
	pgByRef := map[model.Ref]model.PortGroup{}
	pgByName := map[string]model.PortGroup{}
	for _, pg := range ss.PortGroups {
		names = append(names, pg.Name)
		pgByRef[pg.Ref] = pg
		pgByName[pg.Name] = pg
	}
	sorted("port groups", names)
	for _, v := range lab.Plan() {
		pg, ok := pgByName[v.PortGroup()]
		if !ok || pg.VLAN != v.ID || pg.Switch != dvs || pg.SwitchRef.IsZero() || pg.Ref.Type != "DistributedVirtualPortgroup" {
			t.Errorf("VLAN %d: port group %+v", v.ID, pg)
		}
	}

	for _, vm := range ss.VMs {
		if on := vm.Power == model.PoweredOn; on != (vm.MinEVCMode != "") || on && vm.MinEVCMode != clusterEVC[vm.ClusterRef] {
			t.Errorf("%s (%s, cluster %s) requires EVC %q", vm.Name, vm.Power, vm.Cluster, vm.MinEVCMode)
		}
		if vm.InstanceUUID == "" || !strings.HasPrefix(vm.HWVersion, "vmx-") || vm.ChangeVersion == "" ||
			vm.PoolRef.Type != "ResourcePool" || vm.FolderRef.Type != "Folder" {
			t.Errorf("%s: instance UUID %q, hardware %q, change version %q, pool %v, folder %v",
				vm.Name, vm.InstanceUUID, vm.HWVersion, vm.ChangeVersion, vm.PoolRef, vm.FolderRef)
		}
		host, ok := ss.HostByRef(vm.HostRef.Value)
		if !ok || host.Name != vm.Host || host.ClusterRef != vm.ClusterRef {
			t.Errorf("%s: host %v (%s, cluster %v) is %+v", vm.Name, vm.HostRef, vm.Host, vm.ClusterRef, host)
		}
		if c := clusterNamed(ss, vm.Cluster); c.Ref != vm.ClusterRef {
			t.Errorf("%s: cluster %s is %v, not %v", vm.Name, vm.Cluster, c.Ref, vm.ClusterRef)
		}
		var dsNames []string
		for _, ref := range vm.DatastoreRefs {
			ds, ok := dsByRef[ref]
			if !ok || !slices.Contains(ds.Hosts, vm.HostRef) {
				t.Errorf("%s: datastore %v (%+v) unknown or not mounted on its host %s", vm.Name, ref, ds, vm.Host)
			}
			dsNames = append(dsNames, ds.Name)
		}
		slices.Sort(dsNames)
		if !slices.Equal(dsNames, vm.Datastores) || len(dsNames) == 0 {
			t.Errorf("%s: datastores %v, by reference %v", vm.Name, vm.Datastores, dsNames)
		}
		var vlans []int
		for _, ref := range vm.NetworkRefs {
			pg, ok := pgByRef[ref]
			if !ok {
				t.Errorf("%s: unknown network %v", vm.Name, ref)
			}
			vlans = append(vlans, pg.VLAN)
		}
		slices.Sort(vlans)
		if !slices.Equal(vlans, vm.VLANs) || len(vlans) == 0 {
			t.Errorf("%s: VLANs %v, by reference %v", vm.Name, vm.VLANs, vlans)
		}
	}
}

func clusterNamed(ss model.SiteSnapshot, name string) model.Cluster {
	for _, c := range ss.Clusters {
		if c.Name == name {
			return c
		}
	}
	return model.Cluster{}
}

// Another client puts web-01's host into maintenance mode and takes a snapshot of web-01:
// both show live in the site's snapshot, the VM list untouched by the host's change.
func TestLabHostAndSnapshotChangesShowLive(t *testing.T) {
	l, e := startLabEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ch := e.Subscribe(ctx)
	before := e.Snapshot()
	web, _ := lookup(before, "site-a", "web-01")

	c := otherClient(t, l, "site-a")
	host := object.NewHostSystem(c.Client, types.ManagedObjectReference{Type: web.HostRef.Type, Value: web.HostRef.Value})
	task, err := host.EnterMaintenanceMode(ctx, 0, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	maintenance := func(s model.State) bool {
		ss, _ := s.Site("site-a")
		h, _ := ss.HostByRef(web.HostRef.Value)
		return h.Maintenance
	}
	st := waitState(t, ch, liveWithin, "host in maintenance", maintenance)
	a, _ := st.Site("site-a")
	was, _ := before.Site("site-a")
	if &a.VMs[0] != &was.VMs[0] {
		t.Error("a host's maintenance mode re-built the VM list")
	}
	if b, _ := st.Site("site-b"); slices.ContainsFunc(b.Hosts, func(h model.Host) bool { return h.Maintenance }) {
		t.Error("a host at site-b is in maintenance")
	}

	task, err = host.ExitMaintenanceMode(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	waitState(t, ch, liveWithin, "host out of maintenance", func(s model.State) bool { return !maintenance(s) })

	vm := findVM(t, c, "web-01")
	task, err = vm.CreateSnapshot(ctx, "before-change", "", false, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	waitState(t, ch, liveWithin, "web-01 snapshot", func(s model.State) bool {
		v, _ := lookup(s, "site-a", "web-01")
		return v.Snapshots == 1
	})
}
