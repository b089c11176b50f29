package backend_test

import (
	"context"
	"errors"
	"strings"
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
