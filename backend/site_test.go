package backend

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// withVLAN puts the model's distributed port group DC0_DVPG0 (where vcsim attaches every VM)
// on VLAN 120 and gives DC0_H0_VM0 a second NIC on "VM Network", so the load covers VLANs
// and multi-network VMs.
func withVLAN(t *testing.T, vc *vcenter) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := vc.other.Client
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"Network"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()
	var pgs []mo.DistributedVirtualPortgroup
	err = v.RetrieveWithFilter(ctx, []string{"DistributedVirtualPortgroup"}, []string{"name", "config"}, &pgs, property.Match{"name": "DC0_DVPG0"})
	if err != nil || len(pgs) != 1 {
		t.Fatalf("DC0_DVPG0: %d found (%v)", len(pgs), err)
	}
	pg := pgs[0]
	// vcsim's reconfigure copies every field of the spec, the name included.
	task, err := object.NewDistributedVirtualPortgroup(c, pg.Self).Reconfigure(ctx, types.DVPortgroupConfigSpec{
		Name:              pg.Name,
		ConfigVersion:     pg.Config.ConfigVersion,
		DefaultPortConfig: &types.VMwareDVSPortSetting{Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 120}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	nets, err := v.Find(ctx, []string{"Network"}, property.Match{"name": "VM Network"})
	if err != nil || len(nets) != 1 {
		t.Fatalf("VM Network: %d found (%v)", len(nets), err)
	}
	backing, err := object.NewNetwork(c, nets[0]).EthernetCardBackingInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nic, err := object.EthernetCardTypes().CreateEthernetCard("vmxnet3", backing)
	if err != nil {
		t.Fatal(err)
	}
	if err := vc.vm(t, "DC0_H0_VM0").AddDevice(ctx, nic); err != nil {
		t.Fatal(err)
	}
}

func TestSiteLoadsEveryVM(t *testing.T) {
	t.Parallel()
	vc := newVCenter(t, "site-a", nil)
	withVLAN(t, vc)
	want := vc.expectedVMs(t)

	site := NewSite(vc.spec, testOpts...)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = site.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })

	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	select {
	case <-site.Settled():
	case <-wctx.Done():
		t.Fatal("site did not load within 10 s")
	}
	if err := site.LoadErr(); err != nil {
		t.Fatal(err)
	}
	snap := site.Snapshot()
	if snap.Status.State != model.Connected || snap.Status.Err != "" {
		t.Fatalf("status = %+v, want connected with no error", snap.Status)
	}
	if len(snap.VMs) != len(want) || len(want) == 0 {
		t.Fatalf("loaded %d VMs, the other client sees %d", len(snap.VMs), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(snap.VMs[i], want[i]) {
			t.Errorf("VM %d:\n got %+v\nwant %+v", i, snap.VMs[i], want[i])
		}
	}
	// The fixture must really cover what it claims to.
	var vlans, multiNet, clustered, standalone bool
	for _, vm := range snap.VMs {
		vlans = vlans || reflect.DeepEqual(vm.VLANs, []int{120})
		multiNet = multiNet || len(vm.Networks) > 1
		clustered = clustered || vm.Cluster != ""
		standalone = standalone || (vm.Cluster == "" && vm.Host != "")
		if vm.Name == "" || vm.Power == "" || vm.Host == "" || vm.CPU == 0 || vm.MemoryMiB == 0 || len(vm.Datastores) == 0 {
			t.Errorf("VM %+v has empty fields", vm)
		}
	}
	if !vlans || !multiNet || !clustered || !standalone {
		t.Errorf("fixture coverage: vlan=%v multi-network=%v clustered=%v standalone=%v", vlans, multiNet, clustered, standalone)
	}
}

// startEngine starts an engine with the test options and closes it when the test ends.
func startEngine(t *testing.T, specs []SiteSpec) *Engine {
	t.Helper()
	e := NewEngine(specs, testOpts...)
	e.Start(context.Background())
	t.Cleanup(e.Close)
	return e
}
