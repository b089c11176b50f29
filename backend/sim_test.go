package backend

import (
	"context"
	"crypto/tls"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/internal/vcsimlock"
)

// vcenter is one simulated vCenter for a test, with a separate client that plays "any
// other client" (govc, the vSphere UI, another operator).
type vcenter struct {
	model  *simulator.Model
	server *simulator.Server
	spec   SiteSpec
	other  *govmomi.Client
}

// testOpts keep tests fast: short long polls (the simulator only ends a wait when it
// times out or is cancelled) and short backoff.
var testOpts = []SiteOption{
	WithPollWait(time.Second),
	WithBackoff(100*time.Millisecond, 400*time.Millisecond),
	WithConnectTimeout(5 * time.Second),
}

// newVCenter starts a VPX simulator over TLS. configure may change the model before Create.
func newVCenter(t testing.TB, id model.SiteID, configure func(*simulator.Model)) *vcenter {
	t.Helper()
	m := simulator.VPX()
	if configure != nil {
		configure(m)
	}
	// vcsim's Model.Create appends to a package-level license list that a lab being built
	// reads: never at the same time (internal/vcsimlock).
	vcsimlock.Globals.Lock()
	err := m.Create()
	vcsimlock.Globals.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	// A real user and password: with vcsim's default login any password would do.
	m.Service.Listen = &url.URL{User: url.UserPassword("administrator@vsphere.local", "VMware1!")}
	m.Service.TLS = new(tls.Config)
	vcsimlock.Globals.Lock() // NewServer rewrites the shared vCenter settings too
	s := m.Service.NewServer()
	vcsimlock.Globals.Unlock()
	pw, _ := s.URL.User.Password()
	vc := &vcenter{
		model:  m,
		server: s,
		spec: SiteSpec{
			ID:         id,
			Name:       "Simulated " + string(id),
			URL:        "https://" + s.URL.Host + "/sdk",
			Username:   s.URL.User.Username(),
			Password:   pw,
			Thumbprint: ThumbprintOf(s.Certificate().Raw),
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := govmomi.NewClient(ctx, s.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	vc.other = c
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = c.Logout(ctx)
		c.Client.DefaultTransport().CloseIdleConnections()
		s.Close()
		m.Remove()
	})
	return vc
}

// expectedVMs reads every VM the way any client would (mo structs, one Retrieve per type)
// and resolves it by hand, independently of the inventory code under test.
func (vc *vcenter) expectedVMs(t testing.TB) []model.VM {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := vc.other.Client
	m := view.NewManager(c)
	v, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()

	var vms []mo.VirtualMachine
	var hosts []mo.HostSystem
	var clusters []mo.ClusterComputeResource
	var nets []mo.Network
	var pgs []mo.DistributedVirtualPortgroup
	var dss []mo.Datastore
	// Whole structs (runtime, summary, config) rather than the paths the code under test
	// asks for, so that both do not share a mistake.
	for _, r := range []struct {
		kind  string
		props []string
		dst   any
	}{
		{"VirtualMachine", []string{"name", "runtime", "summary", "network", "datastore", "config", "resourcePool", "parent", "rootSnapshot"}, &vms},
		{"HostSystem", []string{"name", "parent"}, &hosts},
		{"ClusterComputeResource", []string{"name"}, &clusters},
		{"Network", []string{"name"}, &nets},
		{"DistributedVirtualPortgroup", []string{"name", "config"}, &pgs},
		{"Datastore", []string{"name"}, &dss},
	} {
		if err := v.Retrieve(ctx, []string{r.kind}, r.props, r.dst); err != nil {
			t.Fatal(err)
		}
	}
	names := map[types.ManagedObjectReference]string{}
	vlan := map[types.ManagedObjectReference]int{}
	parent := map[types.ManagedObjectReference]types.ManagedObjectReference{}
	for _, h := range hosts {
		names[h.Self] = h.Name
		parent[h.Self] = *h.Parent
	}
	for _, x := range clusters {
		names[x.Self] = x.Name
	}
	for _, n := range nets {
		names[n.Self] = n.Name
	}
	for _, p := range pgs {
		names[p.Self] = p.Name
		if s, ok := p.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting); ok {
			if id, ok := s.Vlan.(*types.VmwareDistributedVirtualSwitchVlanIdSpec); ok && id.VlanId > 0 {
				vlan[p.Self] = int(id.VlanId)
			}
		}
	}
	for _, d := range dss {
		names[d.Self] = d.Name
	}
	var out []model.VM
	for _, vm := range vms {
		e := model.VM{
			Key:       model.VMKey{Site: vc.spec.ID, MoRef: vm.Self.Value},
			Name:      vm.Name,
			Power:     model.PowerState(vm.Runtime.PowerState),
			Host:      names[*vm.Runtime.Host],
			CPU:       vm.Summary.Config.NumCpu,
			MemoryMiB: vm.Summary.Config.MemorySizeMB,
			Template:  vm.Summary.Config.Template,

			InstanceUUID:  vm.Config.InstanceUuid,
			HWVersion:     vm.Config.Version,
			ChangeVersion: vm.Config.ChangeVersion,
			Snapshots:     len(vm.RootSnapshot),
			HostRef:       model.Ref{Type: vm.Runtime.Host.Type, Value: vm.Runtime.Host.Value},
			PoolRef:       model.Ref{Type: vm.ResourcePool.Type, Value: vm.ResourcePool.Value},
			FolderRef:     model.Ref{Type: vm.Parent.Type, Value: vm.Parent.Value},
		}
		if p := parent[*vm.Runtime.Host]; p.Type == "ClusterComputeResource" {
			e.Cluster = names[p]
			e.ClusterRef = model.Ref{Type: p.Type, Value: p.Value}
		}
		for _, n := range vm.Network {
			e.Networks = append(e.Networks, names[n])
			e.NetworkRefs = append(e.NetworkRefs, model.Ref{Type: n.Type, Value: n.Value})
			if id := vlan[n]; id > 0 {
				e.VLANs = append(e.VLANs, id)
			}
		}
		for _, d := range vm.Datastore {
			e.Datastores = append(e.Datastores, names[d])
			e.DatastoreRefs = append(e.DatastoreRefs, model.Ref{Type: d.Type, Value: d.Value})
		}
		sort.Strings(e.Networks)
		sort.Ints(e.VLANs)
		sort.Strings(e.Datastores)
		out = append(out, e)
	}
	model.SortVMs(out)
	return out
}

// vm returns a VM by name, found through the other client.
func (vc *vcenter) vm(t testing.TB, name string) *object.VirtualMachine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := vc.other.Client
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()
	refs, err := v.Find(ctx, []string{"VirtualMachine"}, property.Match{"name": name})
	if err != nil || len(refs) != 1 {
		t.Fatalf("VM %q: found %d (%v)", name, len(refs), err)
	}
	return object.NewVirtualMachine(c, refs[0])
}

// vmCreator returns a function that creates a powered-off VM (2 vCPU, 4 GiB, one NIC on
// DC0_DVPG0) on host DC0_H0 through the other client.
func (vc *vcenter) vmCreator(t testing.TB) func(ctx context.Context, name string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := vc.other.Client
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"Datacenter", "HostSystem", "Network"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()
	var dcs []mo.Datacenter
	var hosts []mo.HostSystem
	if err := v.Retrieve(ctx, []string{"Datacenter"}, []string{"vmFolder"}, &dcs); err != nil {
		t.Fatal(err)
	}
	if err := v.RetrieveWithFilter(ctx, []string{"HostSystem"}, []string{"parent"}, &hosts, property.Match{"name": "DC0_H0"}); err != nil {
		t.Fatal(err)
	}
	var cr mo.ComputeResource
	if err := property.DefaultCollector(c).RetrieveOne(ctx, *hosts[0].Parent, []string{"resourcePool"}, &cr); err != nil {
		t.Fatal(err)
	}
	nets, err := v.Find(ctx, []string{"DistributedVirtualPortgroup"}, property.Match{"name": "DC0_DVPG0"})
	if err != nil || len(nets) != 1 {
		t.Fatalf("DC0_DVPG0: %v", err)
	}
	backing, err := object.NewDistributedVirtualPortgroup(c, nets[0]).EthernetCardBackingInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	folder := object.NewFolder(c, dcs[0].VmFolder)
	pool := object.NewResourcePool(c, *cr.ResourcePool)
	host := object.NewHostSystem(c, hosts[0].Self)
	return func(ctx context.Context, name string) error {
		nic, err := object.EthernetCardTypes().CreateEthernetCard("vmxnet3", backing)
		if err != nil {
			return err
		}
		spec := types.VirtualMachineConfigSpec{
			Name: name, GuestId: "otherGuest64", NumCPUs: 2, MemoryMB: 4096,
			Files:        &types.VirtualMachineFileInfo{VmPathName: "[LocalDS_0]"},
			DeviceChange: []types.BaseVirtualDeviceConfigSpec{&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: nic}},
		}
		task, err := folder.CreateVM(ctx, spec, pool, host)
		if err != nil {
			return err
		}
		return task.Wait(ctx)
	}
}

// waitFor reads states until ok accepts one, and fails the test if ctx ends first.
func waitFor(t testing.TB, ctx context.Context, ch <-chan model.State, what string, ok func(model.State) bool) model.State {
	t.Helper()
	var last model.State
	for {
		select {
		case st, open := <-ch:
			if !open {
				t.Fatalf("subscription closed while waiting for %s; last state %s", what, describeState(last))
			}
			last = st
			if ok(st) {
				return st
			}
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s; last state %s", what, describeState(last))
		}
	}
}

func describeState(st model.State) string {
	var b strings.Builder
	for _, s := range st.Sites {
		b.WriteString(string(s.Status.ID) + "=" + s.Status.State.String())
		if s.Status.Err != "" {
			b.WriteString(" (" + s.Status.Err + ")")
		}
		b.WriteString(" ")
	}
	return b.String()
}

func findVM(st model.State, site model.SiteID, name string) (model.VM, bool) {
	ss, ok := st.Site(site)
	if !ok {
		return model.VM{}, false
	}
	for _, vm := range ss.VMs {
		if vm.Name == name {
			return vm, true
		}
	}
	return model.VM{}, false
}

// countGoroutines counts goroutines with a frame containing fn.
func countGoroutines(fn string) int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn) {
			n++
		}
	}
	return n
}

// noLeaks fails if goroutines of this package, or HTTP client connections, outlive their
// owners. Servers and the other clients must be closed first.
func noLeaks(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "vmcross/backend.(*") || strings.Contains(g, "vmcross/internal/latest.") || strings.Contains(g, "vmcross/backend.tlsDialer") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines leaked:\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
