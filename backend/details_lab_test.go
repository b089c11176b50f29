package backend_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// detailsLabClient logs into one lab site as "any other client" does (otherClient) and
// returns the VMs' MoRefs by name.
func detailsLabClient(t *testing.T, l *lab.Lab, id model.SiteID) (*vim25.Client, map[string]types.ManagedObjectReference) {
	t.Helper()
	ctx := context.Background()
	c := otherClient(t, l, id).Client
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()
	var vms []mo.VirtualMachine
	if err := v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name"}, &vms); err != nil {
		t.Fatal(err)
	}
	byName := make(map[string]types.ManagedObjectReference, len(vms))
	for _, vm := range vms {
		byName[vm.Name] = vm.Self
	}
	return c, byName
}

func TestDetailsLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := lab.Start(ctx, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	const site = model.SiteID("site-a") // Miami
	c, vms := detailsLabClient(t, l, site)

	// Count the property collector calls a fetch makes.
	var retrieves atomic.Int32
	l.SetHandler(site, func(_ *simulator.Context, m *simulator.Method) (mo.Reference, types.BaseMethodFault) {
		if strings.Contains(m.Name, "RetrieveProperties") {
			retrieves.Add(1)
		}
		return nil, nil
	})
	defer l.SetHandler(site, nil)

	// An empty inventory: the fetch names datastores and port groups itself.
	fetch := func(name string) model.VMDetails {
		t.Helper()
		ref, ok := vms[name]
		if !ok {
			t.Fatalf("%s not found at %s", name, site)
		}
		key := model.VMKey{Site: site, MoRef: ref.Value}
		retrieves.Store(0)
		d, err := backend.FetchDetailsForTest(ctx, c, key, model.SiteSnapshot{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := retrieves.Load(); n != 1 {
			t.Errorf("%s: %d property collector calls, want 1", name, n)
		}
		if d.Key != key || d.Name != name || d.ChangeVersion == "" || d.FetchedAt.IsZero() || d.HWVersion != "vmx-19" {
			t.Errorf("%s: identity %+v", name, d)
		}
		return d
	}

	t.Run("sql-node-1", func(t *testing.T) {
		d := fetch("sql-node-1")
		ctl := map[string]model.SCSIController{}
		for _, sc := range d.Controllers {
			ctl[sc.Label] = sc
		}
		rdms := 0
		for _, disk := range d.Disks {
			if disk.Backing != model.BackingRDMPhys {
				continue
			}
			rdms++
			sc, ok := ctl[disk.Controller]
			if !ok || sc.BusSharing != "physicalSharing" || sc.Type != "LSI Logic SAS" {
				t.Errorf("pRDM %s on controller %q (%+v), want an LSI Logic SAS controller with physicalSharing", disk.Label, disk.Controller, sc)
			}
			if disk.LUN == "" || disk.Datastore == "" || disk.CapacityB <= 0 {
				t.Errorf("pRDM %+v: want a LUN, a datastore and a size", disk)
			}
		}
		if rdms == 0 {
			t.Errorf("no physical-mode RDM among %+v", d.Disks)
		}
		if d.CPU != 8 || d.MemoryMiB != 32768 {
			t.Errorf("cpu %d memory %d, want 8 and 32768", d.CPU, d.MemoryMiB)
		}
		vlans := map[int]bool{}
		for _, n := range d.NICs {
			if n.Type != "vmxnet3" || n.PortGroup == "" || n.NetworkRef.Type != "DistributedVirtualPortgroup" || n.MAC == "" {
				t.Errorf("NIC %+v", n)
			}
			vlans[n.VLAN] = true
		}
		if len(d.NICs) != 2 || !vlans[130] || !vlans[100] {
			t.Errorf("NICs %+v, want two on VLANs 130 and 100", d.NICs)
		}
		t.Logf("sql-node-1: disks %+v; controllers %+v; NICs %+v", d.Disks, d.Controllers, d.NICs)
	})

	t.Run("iso-builder", func(t *testing.T) {
		d := fetch("iso-builder")
		if len(d.CDROMs) != 1 {
			t.Fatalf("CD-ROMs %+v, want 1", d.CDROMs)
		}
		cd := d.CDROMs[0]
		if cd.Backing != "iso" || !cd.Connected || !strings.HasSuffix(cd.ISO, ".iso") ||
			!strings.HasPrefix(cd.Datastore, "local-") || cd.DatastoreRef.IsZero() {
			t.Errorf("CD-ROM %+v, want a connected ISO on a local datastore", cd)
		}
		for _, disk := range d.Disks {
			if disk.Backing != model.BackingThin {
				t.Errorf("disk %+v, want thin", disk)
			}
		}
		t.Logf("iso-builder: CD-ROM %+v", cd)
	})

	t.Run("snap-heavy", func(t *testing.T) {
		d := fetch("snap-heavy")
		if d.SnapshotCount != 3 || len(d.Snapshots) != 1 {
			t.Fatalf("snapshots %d in %+v, want 3 in one tree", d.SnapshotCount, d.Snapshots)
		}
		var names []string
		current := ""
		for s := d.Snapshots; len(s) > 0; s = s[0].Children {
			names = append(names, s[0].Name)
			if s[0].Current {
				current = s[0].Name
			}
			if s[0].Created.IsZero() {
				t.Errorf("snapshot %s has no creation time", s[0].Name)
			}
		}
		if strings.Join(names, ",") != "before-upgrade-v4,pre-patch-2024-06,release-4.2-rc1" || current != "release-4.2-rc1" {
			t.Errorf("snapshot chain %v, current %q", names, current)
		}
		if len(d.Disks) != 2 {
			t.Errorf("disks %+v, want 2", d.Disks)
		}
	})

	t.Run("gone", func(t *testing.T) {
		key := model.VMKey{Site: site, MoRef: "vm-999999"}
		_, err := backend.FetchDetailsForTest(ctx, c, key, model.SiteSnapshot{})
		if !errors.Is(err, backend.ErrVMGone) || err.Error() != "VM vm-999999 no longer exists at site-a" {
			t.Errorf("unknown MoRef: %v", err)
		}

		// A VM deleted after the inventory listed it.
		ref := vms["archive-01"] // powered off, so it can be destroyed at once
		key = model.VMKey{Site: site, MoRef: ref.Value}
		snap := model.SiteSnapshot{VMs: []model.VM{{Key: key, Name: "archive-01"}}}
		if _, err := backend.FetchDetailsForTest(ctx, c, key, snap); err != nil {
			t.Fatalf("archive-01 before deletion: %v", err)
		}
		task, err := object.NewVirtualMachine(c, ref).Destroy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := task.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		_, err = backend.FetchDetailsForTest(ctx, c, key, snap)
		var gone *backend.VMGoneError
		if !errors.As(err, &gone) || gone.Key != key || !strings.Contains(err.Error(), "archive-01") {
			t.Errorf("deleted VM: %v", err)
		}
	})
}

// startLabEngineVMs is startLabEngine with n VMs a site.
func startLabEngineVMs(tb testing.TB, n int) (*lab.Lab, *backend.Engine) {
	tb.Helper()
	return startLab(tb, lab.Options{VMsPerSite: n}, quickSites...)
}

// siteVMs returns the keys of the first n VMs (all when n <= 0) the engine lists at site,
// and their keys by name.
func siteVMs(tb testing.TB, e *backend.Engine, site model.SiteID, n int) ([]model.VMKey, map[string]model.VMKey) {
	tb.Helper()
	ss, ok := e.Snapshot().Site(site)
	if !ok {
		tb.Fatalf("%s not in the state", site)
	}
	var keys []model.VMKey
	byName := map[string]model.VMKey{}
	for _, vm := range ss.VMs {
		byName[vm.Name] = vm.Key
		if n <= 0 || len(keys) < n {
			keys = append(keys, vm.Key)
		}
	}
	return keys, byName
}

// TestDetailsManyLab reads the details of every VM of site A in batched calls and checks
// them against the one-VM fetch.
func TestDetailsManyLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, e := startLabEngine(t)
	const site = model.SiteID("site-a")
	keys, byName := siteVMs(t, e, site, 0)

	var retrieves atomic.Int32
	l.SetHandler(site, func(_ *simulator.Context, m *simulator.Method) (mo.Reference, types.BaseMethodFault) {
		if strings.Contains(m.Name, "RetrieveProperties") {
			retrieves.Add(1)
		}
		return nil, nil
	})
	defer l.SetHandler(site, nil)

	e.ForgetDetailsForTest()
	retrieves.Store(0)
	many, err := e.DetailsMany(ctx, tester, keys)
	if err != nil {
		t.Fatal(err)
	}
	calls := retrieves.Load()
	want := int32((len(keys) + 99) / 100)
	if calls > want+1 { // one more for a background read of the engine's own
		t.Errorf("%d VMs in %d property collector calls, want %d", len(keys), calls, want)
	}
	if len(many) != len(keys) {
		t.Errorf("details of %d VMs, want %d", len(many), len(keys))
	}
	t.Logf("%d VMs in %d property collector calls", len(keys), calls)

	// All cached now: no call.
	retrieves.Store(0)
	if again, err := e.DetailsMany(ctx, tester, keys); err != nil || len(again) != len(keys) {
		t.Errorf("again: %d VMs, %v", len(again), err)
	}
	if n := retrieves.Load(); n > 1 {
		t.Errorf("cached: %d property collector calls, want 0", n)
	}

	e.ForgetDetailsForTest()
	for _, name := range []string{"sql-node-1", "iso-builder", "snap-heavy"} {
		key, ok := byName[name]
		if !ok {
			t.Fatalf("%s not listed", name)
		}
		one, err := e.Details(ctx, tester, key)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		batched := many[key]
		batched.FetchedAt = one.FetchedAt
		if !reflect.DeepEqual(one, batched) {
			t.Errorf("%s: batched\n%+v\nwant\n%+v", name, batched, one)
		}
	}

	t.Run("gone", func(t *testing.T) {
		c, vms := detailsLabClient(t, l, site)
		ref := vms["archive-01"] // powered off, so it can be destroyed at once
		deleted := model.VMKey{Site: site, MoRef: ref.Value}
		unknown := model.VMKey{Site: site, MoRef: "vm-999999"}
		task, err := object.NewVirtualMachine(c, ref).Destroy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := task.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		ask := []model.VMKey{byName["sql-node-1"], deleted, unknown, byName["snap-heavy"]}
		snap, _ := e.Snapshot().Site(site)
		got, errs, err := backend.FetchDetailsBatchForTest(ctx, c, ask, snap)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[ask[0]].Name != "sql-node-1" || got[ask[3]].Name != "snap-heavy" {
			t.Errorf("details of %d VMs: %v", len(got), got)
		}
		for _, k := range []model.VMKey{deleted, unknown} {
			var gone *backend.VMGoneError
			if !errors.As(errs[k], &gone) || gone.Key != k {
				t.Errorf("%s: %v, want gone", k.MoRef, errs[k])
			}
		}
		if !strings.Contains(errs[deleted].Error(), "archive-01") && !strings.Contains(errs[deleted].Error(), deleted.MoRef) {
			t.Errorf("deleted: %v", errs[deleted])
		}

		e.ForgetDetailsForTest()
		many, err := e.DetailsMany(ctx, tester, ask)
		if !errors.Is(err, backend.ErrVMGone) || len(many) != 2 {
			t.Errorf("DetailsMany with gone VMs: %d details, %v", len(many), err)
		}
	})
}

// BenchmarkPreflight500 judges moving 500 VMs of site A (of a lab with 600 a site) to site
// B, details included: cold reads every VM's details (the cache emptied before each run),
// warm finds them all cached.
func BenchmarkPreflight500(b *testing.B) {
	_, e := startLabEngineVMs(b, 600)
	keys, _ := siteVMs(b, e, "site-a", 500)
	if len(keys) != 500 {
		b.Fatalf("%d VMs at site-a, want 500", len(keys))
	}
	ctx := context.Background()
	run := func(b *testing.B, cold bool) {
		for b.Loop() {
			if cold {
				e.ForgetDetailsForTest()
			}
			res, err := e.Preflight(ctx, tester, preflight.Request{VMs: keys, To: "site-b"})
			if err != nil {
				b.Fatal(err)
			}
			for _, f := range res.Findings {
				if f.Code == preflight.CodeDetailsMissing {
					b.Fatalf("details missing: %+v", f)
				}
			}
		}
	}
	b.Run("cold", func(b *testing.B) { run(b, true) })
	b.Run("warm", func(b *testing.B) { run(b, false) })
	// For comparison: the same details read one VM a call, four calls at once, as
	// preflight did before DetailsMany.
	b.Run("cold-details-per-vm", func(b *testing.B) {
		for b.Loop() {
			e.ForgetDetailsForTest()
			var wg sync.WaitGroup
			next := make(chan model.VMKey)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := range next {
						if _, err := e.Details(ctx, tester, k); err != nil {
							b.Error(err)
						}
					}
				}()
			}
			for _, k := range keys {
				next <- k
			}
			close(next)
			wg.Wait()
		}
	})
}
