package lab

import (
	"context"
	"encoding/xml"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// The VMs the lab copies are the VMs the simulator would have created: every property
// (but references, times and the task that created it), every list that names them, and
// every file on the datastores.
func TestCopiesAreCreatedVMs(t *testing.T) {
	t.Parallel()
	start := func(opts Options) *Lab {
		l, err := Start(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
		return l
	}
	created, copied := start(Options{everyVMByTask: true}), start(Options{})
	for _, id := range []model.SiteID{"site-a", "site-b"} {
		want, got := siteState(t, created.Model(id).Map()), siteState(t, copied.Model(id).Map())
		if len(got.vms) != len(want.vms) || len(got.vms) < defaultVMsPerSite {
			t.Fatalf("%s: %d VMs copied, %d created", id, len(got.vms), len(want.vms))
		}
		for name, w := range want.vms {
			if g := got.vms[name]; g != w {
				t.Errorf("%s: %s differs from the VM the simulator creates:\n%s", id, name, firstDifference(w, g))
			}
		}
		if !maps.Equal(got.lists, want.lists) {
			for k, w := range want.lists {
				if got.lists[k] != w {
					t.Errorf("%s: %s lists %s, want %s", id, k, got.lists[k], w)
				}
			}
		}
	}
	if want, got := labFiles(t, created), labFiles(t, copied); !maps.Equal(got, want) {
		for p, size := range want {
			if g, ok := got[p]; !ok || g != size {
				t.Errorf("file %s: %d bytes (present %v), want %d", p, g, ok, size)
			}
		}
		for p := range got {
			if _, ok := want[p]; !ok {
				t.Errorf("file %s: not made by the simulator", p)
			}
		}
	}
}

// A lab of 2,000 VMs has that many through vSphere's API, half at each site, with the
// devices, hosts and VLANs of the standard estate; its VMs are simulator VMs like any other:
// one moves to the other site and powers off there, another takes a snapshot.
func TestLabAtScale(t *testing.T) {
	t.Parallel()
	const n = 2000
	l, a, b := startLabWith(t, Options{VMs: n, Speed: 100})
	total := 0
	for i, c := range []*govmomi.Client{a, b} {
		bp := blueprints()[i]
		vms := retrieve[mo.VirtualMachine](t, c, "VirtualMachine", []string{"name", "runtime.host", "network", "config.instanceUuid"})
		total += len(vms)
		if len(vms) != n/2 {
			t.Errorf("%s: %d VMs, want %d", bp.id, len(vms), n/2)
		}
		uuids := map[string]string{}
		for _, vm := range vms {
			if other, dup := uuids[vm.Config.InstanceUuid]; dup {
				t.Errorf("%s: %s and %s share instance UUID %s", bp.id, vm.Name, other, vm.Config.InstanceUuid)
			}
			uuids[vm.Config.InstanceUuid] = vm.Name
		}

		// Every host runs its share.
		hosts := retrieve[mo.HostSystem](t, c, "HostSystem", []string{"name", "vm"})
		if len(hosts) < 7 {
			t.Errorf("%s: %d hosts", bp.id, len(hosts))
		}
		for _, h := range hosts {
			if fair := len(vms) / len(hosts); len(h.Vm) < fair*3/4 || len(h.Vm) > fair*5/4 {
				t.Errorf("%s: host %s runs %d VMs, want about %d", bp.id, h.Name, len(h.Vm), fair)
			}
		}

		// The VMs are on the VLANs of the standard estate.
		vlan := map[types.ManagedObjectReference]int{}
		for _, pg := range retrieve[mo.DistributedVirtualPortgroup](t, c, "DistributedVirtualPortgroup", []string{"config"}) {
			if s, ok := pg.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting); ok {
				if id, ok := s.Vlan.(*types.VmwareDistributedVirtualSwitchVlanIdSpec); ok {
					vlan[pg.Self] = int(id.VlanId)
				}
			}
		}
		want, got := map[int]bool{}, map[int]bool{}
		for _, v := range bp.vms(DefaultVMs / 2) {
			for _, id := range v.vlans {
				want[id] = true
			}
		}
		for _, vm := range vms {
			for _, ref := range vm.Network {
				got[vlan[ref]] = true
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: VMs on VLANs %v, want %v", bp.id, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
	}
	if total != n {
		t.Errorf("%d VMs in all, want %d", total, n)
	}

	// A copy has its own disks and NICs on the site's port groups.
	vm, ok := findVM(t, a, "web-100")
	if !ok {
		t.Fatal("no web-100 at site A")
	}
	devs := object.VirtualDeviceList(vm.Config.Hardware.Device)
	disks := devs.SelectByType((*types.VirtualDisk)(nil))
	if len(disks) != 1 {
		t.Errorf("web-100: %d disks, want 1", len(disks))
	}
	for _, d := range disks {
		if b, ok := d.GetVirtualDevice().Backing.(*types.VirtualDiskFlatVer2BackingInfo); !ok || b.FileName != "[nfs-metro-01] web-100/web-100.vmdk" || b.Datastore == nil {
			t.Errorf("web-100: disk backing %+v", d.GetVirtualDevice().Backing)
		}
	}
	nics := devs.SelectByType((*types.VirtualEthernetCard)(nil))
	if len(nics) != 1 {
		t.Fatalf("web-100: %d NICs, want 1", len(nics))
	}
	backing, ok := nics[0].GetVirtualDevice().Backing.(*types.VirtualEthernetCardDistributedVirtualPortBackingInfo)
	if !ok || len(vm.Network) != 1 || backing.Port.PortgroupKey != vm.Network[0].Value {
		t.Errorf("web-100: NIC backing %+v, network %v", nics[0].GetVirtualDevice().Backing, vm.Network)
	}

	// It moves to site B and powers off there.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := relocate(t, a, vm, crossSpec(t, a, b, endpoint(t, l, "site-b"), vm, "B-01", metroDatastore)).WaitForResult(ctx); err != nil {
		t.Fatalf("relocate web-100: %v", err)
	}
	if _, ok := findVM(t, a, "web-100"); ok {
		t.Error("web-100 is still at site A")
	}
	moved, ok := findVM(t, b, "web-100")
	if !ok || moved.Config.InstanceUuid != vm.Config.InstanceUuid {
		t.Fatalf("web-100 at site B: %v, instance UUID %s", ok, moved.Config.InstanceUuid)
	}
	if err := powerOff(ctx, b, moved); err != nil {
		t.Fatalf("power web-100 off at site B: %v", err)
	}
	if ps := retrieveOne[mo.VirtualMachine](t, b, moved.Self, "runtime.powerState").Runtime.PowerState; ps != types.VirtualMachinePowerStatePoweredOff {
		t.Errorf("web-100 at site B: %s after power off", ps)
	}

	// Another takes a snapshot.
	other, ok := findVM(t, b, "atl-k8s-worker-100")
	if !ok {
		t.Fatal("no atl-k8s-worker-100 at site B")
	}
	tk, err := object.NewVirtualMachine(b.Client, other.Self).CreateSnapshot(ctx, "scale", "", false, false)
	if err == nil {
		_, err = tk.WaitForResult(ctx)
	}
	if err != nil {
		t.Fatalf("snapshot atl-k8s-worker-100: %v", err)
	}
	if snap := retrieveOne[mo.VirtualMachine](t, b, other.Self, "snapshot").Snapshot; snap == nil || len(snap.RootSnapshotList) != 1 {
		t.Errorf("atl-k8s-worker-100: snapshots %+v", snap)
	}
}

func powerOff(ctx context.Context, c *govmomi.Client, vm mo.VirtualMachine) error {
	tk, err := object.NewVirtualMachine(c.Client, vm.Self).PowerOff(ctx)
	if err != nil {
		return err
	}
	return tk.Wait(ctx)
}

// The lab's VMs are split between the sites, each at least its named VMs.
func TestSiteVMs(t *testing.T) {
	for _, c := range []struct {
		opts Options
		want []int
	}{
		{Options{}, []int{80, 80}},
		{Options{VMsPerSite: 150}, []int{150, 150}},
		{Options{VMsPerSite: 3}, []int{11, 4}},
		{Options{VMs: DefaultVMs}, []int{80, 80}},
		{Options{VMs: 10_001}, []int{5001, 5000}},
		{Options{VMs: MaxVMs}, []int{10_000, 10_000}},
		{Options{VMs: 20}, []int{11, 9}},
		{Options{VMs: 1}, []int{11, 4}},
	} {
		got, err := siteVMs(c.opts)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%+v: %v, %v; want %v", c.opts, got, err, c.want)
		}
	}
	if MinVMs() != 15 {
		t.Errorf("MinVMs() = %d, want the 15 named VMs", MinVMs())
	}
	if _, err := Start(context.Background(), Options{VMs: MaxVMs + 1}); err == nil || !strings.Contains(err.Error(), "15 to 20000") {
		t.Errorf("Start with %d VMs: %v, want an error naming the range", MaxVMs+1, err)
	}
}

// state is a site's VMs, as XML without references, times or tasks, and every list of VMs,
// by name.
type state struct {
	vms   map[string]string
	lists map[string]string
}

var (
	vmRef    = regexp.MustCompile(`>(vm|task|snapshot)-\d+<`)
	vmTime   = regexp.MustCompile(`<(changeVersion|modified|createDate|createTime|timestamp|bootTime)>[^<]*<`)
	vmRecent = regexp.MustCompile(`<RecentTask[^>]*>[^<]*</RecentTask>`)
)

func siteState(t *testing.T, reg *simulator.Registry) state {
	t.Helper()
	s := state{vms: map[string]string{}, lists: map[string]string{}}
	names := map[types.ManagedObjectReference]string{}
	for _, e := range reg.All("VirtualMachine") {
		vm := e.(*simulator.VirtualMachine)
		names[vm.Self] = vm.Name
		b, err := xml.Marshal(vm.VirtualMachine)
		if err != nil {
			t.Fatal(err)
		}
		x := vmRecent.ReplaceAllString(string(b), "")
		x = vmTime.ReplaceAllString(x, "<$1>(time)<")
		s.vms[vm.Name] = vmRef.ReplaceAllString(x, ">($1)<")
	}
	list := func(kind string, obj mo.Reference, refs []types.ManagedObjectReference) {
		var out []string
		for _, r := range refs {
			if n, ok := names[r]; ok {
				out = append(out, n)
			}
		}
		s.lists[kind+" "+obj.Reference().Value] = strings.Join(out, ",")
	}
	for _, o := range reg.AllReference("") {
		switch o := o.(type) {
		case *simulator.Folder:
			list("folder", o, o.ChildEntity)
		case *simulator.HostSystem:
			list("host", o, o.Vm)
		case *simulator.ResourcePool:
			list("pool", o, o.Vm)
		case *simulator.Datastore:
			list("datastore", o, o.Vm)
			s.lists["datastore "+o.Self.Value+" free"] = strconv.FormatInt(o.Summary.FreeSpace, 10)
		case *simulator.DistributedVirtualPortgroup:
			list("port group", o, o.Vm)
		}
	}
	return s
}

// firstDifference shows where two XML texts part.
func firstDifference(want, got string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	from := max(0, i-200)
	return "want …" + want[from:min(len(want), i+200)] + "\n got …" + got[from:min(len(got), i+200)]
}

// labFiles lists the lab's directories and files, with the files' sizes.
func labFiles(t *testing.T, l *Lab) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := filepath.WalkDir(l.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(l.dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			out[rel+"/"] = 0
		} else {
			out[rel] = info.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
