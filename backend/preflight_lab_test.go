package backend_test

// Every preflight rule, brought about in the running lab. Each case makes its situation the
// way an operator, a presenter or the world would: the lab's special VMs, govmomi calls
// against the lab's vCenters, the simulated switches' SSH CLI and their fault knobs, the
// lab's host knobs, or the engine's own configuration. It waits until the engine's State
// shows the situation, runs Engine.Preflight, checks the rule's finding (code, severity,
// object, remedy), and undoes what it did, so that the cases share one lab. Cases that
// destroy something get a lab of their own.
//
// This file is in package backend_test, like the other lab tests: backend/lab imports
// backend, so an in-package test could not import the lab.

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
	gossh "golang.org/x/crypto/ssh"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
	"github.com/vmcross/vmcross/fabric"
	"github.com/vmcross/vmcross/fabric/sim"
)

// The lab's switches and sites, as the cases name them.
const (
	pfMiaEdge = "mia-dci-n7k-01"
	pfAtlEdge = "atl-dci-n7k-01"
	pfAtlDist = "atl-dist-c6k-01"
	pfDCI     = "port-channel10"
	siteA     = model.SiteID("site-a")
	siteB     = model.SiteID("site-b")
)

// pfCase is one lab situation and the rule it must raise.
type pfCase struct {
	code string // the rule's code; "" for the clean VM
	name string
	// fresh cases destroy something, or load the lab's vCenter with tasks (each task
	// update costs vcsim a full collection for every long poll, seconds under -race, and a
	// backlog would make the shared engine's sites look silent): they get a lab of their own.
	fresh bool
	run   func(t *testing.T, r *pfRig)
}

// preflightLabCases are the cases, in the order they run. Every code of preflight.Rules()
// has at least one (TestPreflightLabCoversEveryRule).
func preflightLabCases() []pfCase {
	return []pfCase{
		{"", "web-01 is clean", false, caseClean},

		// The lab's special VMs.
		{preflight.CodeRDMBusSharing, "sql-node-1 and sql-node-2", false, caseRDMBusSharing},
		{preflight.CodeISOConnected, "iso-builder", false, caseISOConnected},
		{preflight.CodeSnapshots, "snap-heavy", false, caseSnapshots},
		{preflight.CodePoweredOff, "archive-01", false, casePoweredOff},
		{preflight.CodeDatastoreNotShared, "big-db by profile", false, caseDatastoreNotShared},
		{preflight.CodeNameConflict, "report-01", false, caseNameConflict},
		{preflight.CodeFTEnabled, "pay-gw-ft", false, caseFTEnabled},
		{preflight.CodeHWVersion, "legacy-erp-01", false, caseHWVersion},
		{preflight.CodeCPUEVCMismatch, "sap-hana-01 to site-a", false, caseCPUEVCMismatch},
		{preflight.CodeVLANNotExtended, "dmz-app-1 on the local VLAN 300", false, caseVLANLocal},

		// vCenter: govmomi calls, the lab's host knobs, the engine's configuration.
		{preflight.CodeHostConcurrency, "more than 8 VMs of one host", true, caseHostConcurrency},
		{preflight.CodeClusterMissing, "no cluster mapping", false, caseClusterMissing},
		{preflight.CodeVMotionDisabled, "source host without vMotion", false, caseVMotionSource},
		{preflight.CodeVMotionDisabled, "target cluster in maintenance", false, caseVMotionTarget},
		{preflight.CodeTargetCapacity, "target hosts out of memory", false, caseTargetCapacity},
		{preflight.CodeRDMPhysical, "pRDM added without bus sharing", false, caseRDMPhysical},
		{preflight.CodeDetailsMissing, "vCenter refuses the details", false, caseDetailsMissing},
		{preflight.CodeDetailsStale, "reconfigured before the inventory heard", false, caseDetailsStale},
		{preflight.CodePortGroupMissing, "target port group destroyed", true, casePortGroupMissing},

		// The DCI: the switches' CLI over SSH and the simulator's fault knobs.
		{preflight.CodeVLANNotExtended, "VLAN 120 removed from the DCI trunk", false, caseVLANRemoved},
		{preflight.CodeVMotionVLAN, "VLAN 200 removed from the DCI trunk", false, caseVMotionVLAN},
		{preflight.CodeDCIDown, "DCI port-channel shut", false, caseDCIDown},
		{preflight.CodeOTVAdjacencyDown, "overlay shut", false, caseOTVDown},
		{preflight.CodeMTULow, "DCI trunk MTU 1500", false, caseMTULow},
		{preflight.CodeDCIErrorsRising, "CRC errors on a DCI member", false, caseErrorsRising},
		{preflight.CodeRTTOverBudget, "8 ms under reference-2009", false, caseRTTOverBudget},
		{preflight.CodeBandwidthLow, "DCI nearly full", false, caseBandwidthLow},
		{preflight.CodeVLANUnverified, "an edge's poll cut short", false, caseVLANUnverified},
		{preflight.CodeRTTUnknown, "no ping targets configured", false, caseRTTUnknown},
		{preflight.CodeFabricNotConfigured, "engine without switches", false, caseFabricNotConfigured},
		{preflight.CodeFabricStale, "a switch hangs the poll", false, caseFabricStale},

		// Last: it freezes a vCenter of the shared lab.
		{preflight.CodeSiteUnreachable, "target vCenter frozen", false, caseSiteUnreachable},
	}
}

func TestPreflightLab(t *testing.T) {
	rec := &pfRecorder{codes: map[string]bool{}}
	shared := startPfRig(t, nil, pfRigOptions{fabric: true, rec: rec})
	cases := preflightLabCases()
	ran := 0
	for _, c := range cases {
		name := c.code
		if name == "" {
			name = "CLEAN"
		}
		t.Run(name+"-"+c.name, func(t *testing.T) {
			ran++
			r := shared
			if c.fresh {
				r = startPfRig(t, nil, pfRigOptions{fabric: true, rec: rec})
			}
			c.run(t, r)
		})
	}
	if ran < len(cases) || t.Failed() {
		return // a -run filter, or a failure that already says why
	}
	for _, rule := range preflight.Rules() {
		if rule.Code != preflight.CodeVCenterCheck && !rec.has(rule.Code) {
			t.Errorf("no lab case asserted a %s finding", rule.Code)
		}
	}
}

// TestPreflightLabCoversEveryRule fails when a rule has no lab case (or a case names a code
// that is no rule). VCENTER_CHECK is vCenter's own CheckRelocate_Task, which the engine asks
// and no rule of Check raises; vcsim's is a stub that never objects.
func TestPreflightLabCoversEveryRule(t *testing.T) {
	known := map[string]bool{}
	for _, rule := range preflight.Rules() {
		known[rule.Code] = true
	}
	covered := map[string]bool{}
	for _, c := range preflightLabCases() {
		if c.code != "" && !known[c.code] {
			t.Errorf("lab case %q names %s, which is no rule", c.name, c.code)
		}
		if c.run == nil {
			t.Errorf("lab case %s %q runs nothing", c.code, c.name)
		}
		covered[c.code] = true
	}
	for _, rule := range preflight.Rules() {
		if rule.Code == preflight.CodeVCenterCheck {
			continue
		}
		if !covered[rule.Code] {
			t.Errorf("rule %s (%s) has no lab case in preflight_lab_test.go", rule.Code, rule.Summary)
		}
	}
}

// ---- The lab's special VMs ----

func caseClean(t *testing.T, r *pfRig) {
	res := r.preflight(t, siteB, "", "web-01")
	if res.Profile.Name != preflight.ProfileLongDistance {
		t.Errorf("profile %s, want the lab's default %s", res.Profile.Name, preflight.ProfileLongDistance)
	}
	if len(res.Findings) != 0 {
		t.Errorf("web-01 should be clean; findings:\n%s", pfDump(res.Findings))
	}
	if preflight.Worst(res.Findings) == preflight.Block || preflight.Blocked(res.Findings, res.VMs[0].Key) {
		t.Error("web-01 is blocked: `vmcross preflight` would not exit 0")
	}
	if len(res.Targets) != 1 || !res.Targets[0].Cluster.Found() || !res.Targets[0].Host.Found() ||
		res.Targets[0].Cluster.Target != "B-01" {
		t.Errorf("web-01's target: %+v", res.Targets)
	}
}

func caseRDMBusSharing(t *testing.T, r *pfRig) {
	res := r.preflight(t, siteB, "", "sql-node-1", "sql-node-2")
	for _, vm := range []string{"sql-node-1", "sql-node-2"} {
		for _, disk := range []string{"Hard disk 2", "Hard disk 3"} { // the two shared LUNs
			f := r.expect(t, res, pfWant{preflight.CodeRDMBusSharing, preflight.Block, disk, vm})
			if !strings.Contains(f.Message, "physicalSharing") || !strings.Contains(f.Message, "SCSI controller 1") {
				t.Errorf("%s %s: %q", vm, disk, f.Message)
			}
		}
		// RDM_BUS_SHARING says it; RDM_PHYSICAL stays quiet about the same disks.
		r.absent(t, res, preflight.CodeRDMPhysical, vm)
	}
}

func caseISOConnected(t *testing.T, r *pfRig) {
	res := r.preflight(t, siteB, "", "iso-builder")
	f := r.expect(t, res, pfWant{preflight.CodeISOConnected, preflight.Block, "CD/DVD drive 1", "iso-builder"})
	if !strings.Contains(f.Message, "rhel-9.4-x86_64-dvd.iso") || !strings.Contains(f.Message, "local-esx-a01-01") {
		t.Errorf("message %q: want the ISO and its local datastore", f.Message)
	}
}

func caseSnapshots(t *testing.T, r *pfRig) {
	res := r.preflight(t, siteB, "", "snap-heavy")
	f := r.expect(t, res, pfWant{preflight.CodeSnapshots, preflight.Warn, "vm snap-heavy", "snap-heavy"})
	if !strings.Contains(f.Message, "3 snapshots") {
		t.Errorf("message %q: want 3 snapshots", f.Message)
	}
}

func casePoweredOff(t *testing.T, r *pfRig) {
	res := r.preflight(t, siteB, "", "archive-01")
	r.expect(t, res, pfWant{preflight.CodePoweredOff, preflight.Info, "vm archive-01", "archive-01"})
}

func caseDatastoreNotShared(t *testing.T, r *pfRig) {
	// Long-distance vMotion moves the storage with the VM: a warning.
	res := r.preflight(t, siteB, preflight.ProfileLongDistance, "big-db")
	r.expect(t, res, pfWant{preflight.CodeDatastoreNotShared, preflight.Warn, "datastore vmfs-a02", "big-db"})
	// The 2009 design cannot move storage: a block.
	res = r.preflight(t, siteB, preflight.ProfileReference2009, "big-db")
	r.expect(t, res, pfWant{preflight.CodeDatastoreNotShared, preflight.Block, "datastore vmfs-a02", "big-db"})
}

func caseNameConflict(t *testing.T, r *pfRig) {
	if _, ok := lookup(r.e.Snapshot(), siteB, "report-01"); !ok {
		t.Fatal("site-b has no report-01")
	}
	res := r.preflight(t, siteB, "", "report-01")
	r.expect(t, res, pfWant{preflight.CodeNameConflict, preflight.Block, "vm report-01", "report-01"})
}

func caseFTEnabled(t *testing.T, r *pfRig) {
	res := r.preflight(t, siteB, "", "pay-gw-ft")
	r.expect(t, res, pfWant{preflight.CodeFTEnabled, preflight.Block, "vm pay-gw-ft", "pay-gw-ft"})
}

func caseHWVersion(t *testing.T, r *pfRig) {
	res := r.preflight(t, siteB, "", "legacy-erp-01")
	f := r.expect(t, res, pfWant{preflight.CodeHWVersion, preflight.Block, "vm legacy-erp-01", "legacy-erp-01"})
	if !strings.Contains(f.Message, "vmx-03") {
		t.Errorf("message %q", f.Message)
	}
}

func caseCPUEVCMismatch(t *testing.T, r *pfRig) {
	res := r.preflight(t, siteA, "", "sap-hana-01")
	f := r.expect(t, res, pfWant{preflight.CodeCPUEVCMismatch, preflight.Block, "cluster A-02", "sap-hana-01"})
	if !strings.Contains(f.Message, "intel-sapphirerapids") || !strings.Contains(f.Message, "intel-icelake") {
		t.Errorf("message %q: want both baselines", f.Message)
	}
}

func caseVLANLocal(t *testing.T, r *pfRig) {
	res := r.preflight(t, siteB, "", "dmz-app-1")
	f := r.expect(t, res, pfWant{preflight.CodeVLANNotExtended, preflight.Block, "vlan 300", "dmz-app-1"})
	if !strings.Contains(f.Message, "local to each site") {
		t.Errorf("message %q: want VLAN 300 named local", f.Message)
	}
}

// ---- vCenter ----

func caseHostConcurrency(t *testing.T, r *pfRig) {
	ss, _ := r.e.Snapshot().Site(siteA)
	byHost := map[string][]model.VM{}
	for _, vm := range ss.VMs {
		if vm.Power == model.PoweredOn {
			byHost[vm.Host] = append(byHost[vm.Host], vm)
		}
	}
	hosts := slices.Sorted(maps.Keys(byHost))
	var host string
	for _, h := range hosts {
		if len(byHost[h]) > 8 && (host == "" || len(byHost[h]) > len(byHost[host])) {
			host = h
		}
	}
	if host == "" {
		t.Fatal("no host of site-a runs more than 8 VMs")
	}
	var names []string
	for _, vm := range byHost[host] {
		names = append(names, vm.Name)
	}
	res := r.preflight(t, siteB, "", names...)
	f := r.expect(t, res, pfWant{preflight.CodeHostConcurrency, preflight.Info, "host " + host, ""})
	if !strings.Contains(f.Message, strconv.Itoa(len(names))+" selected VMs") {
		t.Errorf("message %q: want %d VMs", f.Message, len(names))
	}
	// At most 8 of them: nothing to say.
	res = r.preflight(t, siteB, "", names[:8]...)
	r.absent(t, res, preflight.CodeHostConcurrency, "")
}

func caseClusterMissing(t *testing.T, r *pfRig) {
	// The lab's config maps A-01 to B-01; an engine configured without a mapping finds no
	// cluster A-01 at site-b, which has two clusters.
	r.e.SetMapping(preflight.Mapping{})
	t.Cleanup(func() { r.e.SetMapping(r.mapping) })
	res := r.preflight(t, siteB, "", "web-01")
	f := r.expect(t, res, pfWant{preflight.CodeClusterMissing, preflight.Block, "cluster A-01", "web-01"})
	if !strings.Contains(f.Remedy, "Map cluster A-01") {
		t.Errorf("remedy %q", f.Remedy)
	}
}

func caseVMotionSource(t *testing.T, r *pfRig) {
	web, _ := lookup(r.e.Snapshot(), siteA, "web-01")
	host := web.Host
	if err := r.l.SetHostVMotion(siteA, host, false); err != nil {
		t.Fatal(err)
	}
	hostVMotion := func(want bool) func(model.State) bool {
		return func(st model.State) bool {
			ss, _ := st.Site(siteA)
			h, ok := ss.HostByRef(web.HostRef.Value)
			return ok && h.VMotion == want
		}
	}
	t.Cleanup(func() {
		if err := r.l.SetHostVMotion(siteA, host, true); err != nil {
			t.Error(err)
		}
		r.await(t, host+" vMotion enabled again", hostVMotion(true))
	})
	r.mustAwait(t, host+" without vMotion", hostVMotion(false))
	res := r.preflight(t, siteB, "", "web-01")
	r.expect(t, res, pfWant{preflight.CodeVMotionDisabled, preflight.Block, "host " + host, "web-01"})
}

func caseVMotionTarget(t *testing.T, r *pfRig) {
	ctx := context.Background()
	c := otherClient(t, r.l, siteB)
	hosts := r.clusterHosts(t, siteB, "B-01")
	maintenance := func(want bool) func(model.State) bool {
		return func(st model.State) bool {
			ss, _ := st.Site(siteB)
			for _, h := range hosts {
				if got, ok := ss.HostByRef(h.Ref.Value); !ok || got.Maintenance != want {
					return false
				}
			}
			return true
		}
	}
	t.Cleanup(func() {
		for _, h := range hosts {
			task, err := object.NewHostSystem(c.Client, pfMoRef(h.Ref)).ExitMaintenanceMode(ctx, 0)
			if err == nil {
				err = task.Wait(ctx)
			}
			if err != nil {
				t.Errorf("%s: exit maintenance mode: %v", h.Name, err)
			}
		}
		r.await(t, "B-01 out of maintenance", maintenance(false))
	})
	for _, h := range hosts {
		task, err := object.NewHostSystem(c.Client, pfMoRef(h.Ref)).EnterMaintenanceMode(ctx, 0, false, nil)
		if err == nil {
			err = task.Wait(ctx)
		}
		if err != nil {
			t.Fatalf("%s: enter maintenance mode: %v", h.Name, err)
		}
	}
	r.mustAwait(t, "every host of B-01 in maintenance", maintenance(true))
	res := r.preflight(t, siteB, "", "web-01")
	r.expect(t, res, pfWant{preflight.CodeVMotionDisabled, preflight.Block, "cluster B-01", "web-01"})
}

func caseTargetCapacity(t *testing.T, r *pfRig) {
	hosts := r.clusterHosts(t, siteB, "B-01")
	const left = 256 // MiB free on each host: 1 GiB in the cluster, less than web-01's 4 GiB
	before := map[string]int32{}
	t.Cleanup(func() {
		for name, used := range before {
			if _, err := r.l.SetHostMemoryUsage(siteB, name, used); err != nil {
				t.Error(err)
			}
		}
		r.await(t, "B-01's memory use restored", func(st model.State) bool {
			return pfClusterFree(st, siteB, "B-01") > 1<<20
		})
	})
	for _, h := range hosts {
		was, err := r.l.SetHostMemoryUsage(siteB, h.Name, int32(h.MemoryMiB-left))
		if err != nil {
			t.Fatal(err)
		}
		before[h.Name] = was
	}
	r.mustAwait(t, "B-01 nearly full", func(st model.State) bool {
		return pfClusterFree(st, siteB, "B-01") == int64(left*len(hosts))
	})
	res := r.preflight(t, siteB, "", "web-01")
	f := r.expect(t, res, pfWant{preflight.CodeTargetCapacity, preflight.Warn, "cluster B-01", ""})
	if !strings.Contains(f.Message, "1 selected running VMs need 4.0 GiB of memory in cluster B-01, which has 1.0 GiB free") {
		t.Errorf("message %q", f.Message)
	}
}

// caseRDMPhysical maps a LUN in physical compatibility mode to a VM, on a controller of its
// own without bus sharing, as an administrator does for a file server's LUN (the lab
// builds its RDMs only for the guest cluster, on a bus-sharing controller).
func caseRDMPhysical(t *testing.T, r *pfRig) {
	const name = "mq-01"
	ctx := context.Background()
	c := otherClient(t, r.l, siteA)
	vm := findVM(t, c, name)
	was, _ := lookup(r.e.Snapshot(), siteA, name)
	if len(was.Datastores) != 1 {
		t.Fatalf("%s on datastores %v", name, was.Datastores)
	}
	const ctlKey, diskKey = 1001, 2100
	label := func(s string) *types.Description { return &types.Description{Label: s, Summary: s} }
	ctl := &types.VirtualLsiLogicSASController{VirtualSCSIController: types.VirtualSCSIController{
		VirtualController: types.VirtualController{VirtualDevice: types.VirtualDevice{Key: ctlKey, ControllerKey: 100,
			DeviceInfo: label("SCSI controller 1")}, BusNumber: 1},
		SharedBus:          types.VirtualSCSISharingNoSharing,
		ScsiCtlrUnitNumber: 7,
	}}
	naa := "naa.600601601c203e00a1b2c3d4e5f60201"
	disk := &types.VirtualDisk{
		VirtualDevice: types.VirtualDevice{Key: diskKey, ControllerKey: ctlKey, UnitNumber: types.NewInt32(0),
			DeviceInfo: label("Hard disk 3"),
			Backing: &types.VirtualDiskRawDiskMappingVer1BackingInfo{
				VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{
					FileName: fmt.Sprintf("[%s] %s/%s_rdm1.vmdk", was.Datastores[0], name, name)},
				LunUuid:           "02000000" + strings.TrimPrefix(naa, "naa.") + "564d57617265",
				DeviceName:        "/vmfs/devices/disks/" + naa,
				CompatibilityMode: string(types.VirtualDiskCompatibilityModePhysicalMode),
				DiskMode:          string(types.VirtualDiskModeIndependent_persistent),
			}},
		CapacityInKB: 512 << 20,
	}
	reconfigure := func(spec types.VirtualMachineConfigSpec) error {
		task, err := vm.Reconfigure(ctx, spec)
		if err == nil {
			err = task.Wait(ctx)
		}
		return err
	}
	if err := reconfigure(types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
		&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: ctl},
		&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: disk,
			FileOperation: types.VirtualDeviceConfigSpecFileOperationCreate},
	}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := reconfigure(types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
			&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: disk},
			&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: ctl},
		}}); err != nil {
			t.Errorf("remove the RDM again: %v", err)
		}
	})
	r.mustAwait(t, name+" reconfigured", func(st model.State) bool {
		v, ok := lookup(st, siteA, name)
		return ok && v.ChangeVersion != was.ChangeVersion
	})
	res := r.preflight(t, siteB, "", name)
	f := r.expect(t, res, pfWant{preflight.CodeRDMPhysical, preflight.Warn, "Hard disk 3", name})
	if !strings.Contains(f.Message, naa) {
		t.Errorf("message %q: want the LUN", f.Message)
	}
	r.absent(t, res, preflight.CodeRDMBusSharing, name)
}

// caseDetailsMissing: the vCenter refuses to read the VM's configuration (a role without
// the privilege), so the engine has no details of it.
func caseDetailsMissing(t *testing.T, r *pfRig) {
	const name = "cache-01" // no other case reads its details, so none are cached
	vm, ok := lookup(r.e.Snapshot(), siteA, name)
	if !ok {
		t.Fatalf("%s not found", name)
	}
	ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: vm.Key.MoRef}
	var refused sync.Once
	refusedCh := make(chan struct{})
	r.l.SetHandler(siteA, func(_ *simulator.Context, m *simulator.Method) (mo.Reference, types.BaseMethodFault) {
		if pfReadsDevicesOf(m, ref) {
			refused.Do(func() { close(refusedCh) })
			return nil, &types.NoPermission{Object: &ref, PrivilegeId: "VirtualMachine.Config.Settings"}
		}
		return nil, nil
	})
	t.Cleanup(func() { r.l.SetHandler(siteA, nil) })
	res := r.preflight(t, siteB, "", name)
	select {
	case <-refusedCh:
	default:
		t.Fatal("the engine never asked vCenter for the details")
	}
	r.expect(t, res, pfWant{preflight.CodeDetailsMissing, preflight.Warn, "vm " + name, name})
}

// pfReadsDevicesOf reports whether a call reads the devices of the VM ref (a details fetch).
func pfReadsDevicesOf(m *simulator.Method, ref types.ManagedObjectReference) bool {
	var specs []types.PropertyFilterSpec
	switch b := m.Body.(type) {
	case *types.RetrieveProperties:
		specs = b.SpecSet
	case *types.RetrievePropertiesEx:
		specs = b.SpecSet
	default:
		return false
	}
	for _, s := range specs {
		devices, vm := false, false
		for _, p := range s.PropSet {
			devices = devices || slices.Contains(p.PathSet, "config.hardware.device")
		}
		for _, o := range s.ObjectSet {
			vm = vm || o.Obj == ref
		}
		if devices && vm {
			return true
		}
	}
	return false
}

// caseDetailsStale: DETAILS_STALE compares the details' change version with the
// inventory's. The engine never serves details that predate the inventory (its cache is
// keyed by the inventory's change version, and a miss is read afresh), so the one way the
// two disagree through Engine.Preflight is the other way round: the VM was reconfigured and
// the inventory has not heard yet. Here the vCenter's answer to the engine's long poll is
// held back (a slow vCenter), the VM is reconfigured, and the details read at preflight are
// newer than the inventory's row; once the answer goes, the finding goes too.
func caseDetailsStale(t *testing.T, r *pfRig) {
	const name = "dns-01" // no other case reads its details, so none are cached
	ctx := context.Background()
	c := otherClient(t, r.l, siteA)
	mine, err := c.SessionManager.UserSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	was, _ := lookup(r.e.Snapshot(), siteA, name)
	release := make(chan struct{})
	held := make(chan struct{}, 1)
	r.l.SetHandler(siteA, func(sc *simulator.Context, m *simulator.Method) (mo.Reference, types.BaseMethodFault) {
		// The inventory's long poll is the one call that bounds its wait (MaxWaitSeconds);
		// task waits (the reconfiguration's, vCenter's checks at preflight) go on.
		if w, ok := m.Body.(*types.WaitForUpdatesEx); ok && w.Options != nil && w.Options.MaxWaitSeconds != nil &&
			sc.Session != nil && sc.Session.Key != mine.Key {
			select {
			case held <- struct{}{}:
			default:
			}
			select {
			case <-release:
			case <-time.After(20 * time.Second):
			}
		}
		return nil, nil
	})
	var releaseOnce sync.Once
	let := func() { releaseOnce.Do(func() { close(release); r.l.SetHandler(siteA, nil) }) }
	t.Cleanup(let)
	// The engine's poll in flight when the handler came answers; its next one is held.
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the engine did not poll site-a")
	}
	task, err := findVM(t, c, name).Reconfigure(ctx, types.VirtualMachineConfigSpec{Annotation: "Internal DNS (BIND); zone serial bumped"})
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	res := r.preflight(t, siteB, preflight.ProfileLongDistance, name)
	if now, _ := lookup(r.e.Snapshot(), siteA, name); now.ChangeVersion != was.ChangeVersion {
		t.Error("the inventory saw the reconfiguration: the situation did not arise")
	}
	r.expect(t, res, pfWant{preflight.CodeDetailsStale, preflight.Warn, "vm " + name, name})

	let()
	r.mustAwait(t, "the inventory catches up", func(st model.State) bool {
		v, _ := lookup(st, siteA, name)
		return v.ChangeVersion != was.ChangeVersion
	})
	res = r.preflight(t, siteB, preflight.ProfileLongDistance, name)
	r.absent(t, res, preflight.CodeDetailsStale, name)
}

// casePortGroupMissing destroys the target's port group of web-01's VLAN (a fresh lab).
func casePortGroupMissing(t *testing.T, r *pfRig) {
	const pg = "VLAN110-Web"
	ctx := context.Background()
	ss, _ := r.e.Snapshot().Site(siteB)
	i := slices.IndexFunc(ss.PortGroups, func(p model.PortGroup) bool { return p.Name == pg })
	if i < 0 {
		t.Fatalf("site-b has no %s", pg)
	}
	c := otherClient(t, r.l, siteB)
	task, err := object.NewDistributedVirtualPortgroup(c.Client, pfMoRef(ss.PortGroups[i].Ref)).Destroy(ctx)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	r.mustAwait(t, pg+" gone from site-b", func(st model.State) bool {
		ss, _ := st.Site(siteB)
		return !slices.ContainsFunc(ss.PortGroups, func(p model.PortGroup) bool { return p.Name == pg || p.VLAN == 110 })
	})
	res := r.preflight(t, siteB, "", "web-01")
	f := r.expect(t, res, pfWant{preflight.CodePortGroupMissing, preflight.Block, "network " + pg, "web-01"})
	if !strings.Contains(f.Message, "VLAN 110") {
		t.Errorf("message %q", f.Message)
	}
}

// ---- The DCI ----

func caseVLANRemoved(t *testing.T, r *pfRig) {
	const vm = "app-01" // on VLAN 120, the stretched datastore: clean otherwise
	pfPresenter(t, r.fab(), pfMiaEdge, "configure terminal", "interface "+pfDCI,
		"switchport trunk allowed vlan remove 120", "end")
	t.Cleanup(func() {
		pfPresenter(t, r.fab(), pfMiaEdge, "configure terminal", "interface "+pfDCI,
			"switchport trunk allowed vlan add 120", "end")
		r.poll(t, "VLAN 120 carried again", func(h fabric.Health) bool { return pfCarried(h, 120) })
	})
	r.mustPoll(t, "VLAN 120 not carried", func(h fabric.Health) bool {
		st, ok := h.VLAN(120)
		return ok && !st.Unknown && !st.Carried && !st.Local
	})
	res := r.preflight(t, siteB, "", vm)
	f := r.expect(t, res, pfWant{preflight.CodeVLANNotExtended, preflight.Block, "vlan 120", vm})
	if !strings.Contains(f.Remedy, pfMiaEdge+" "+pfDCI) {
		t.Errorf("remedy %q: want where to start", f.Remedy)
	}
	// web-01, on VLAN 110, is not affected.
	res = r.preflight(t, siteB, "", "web-01")
	r.absent(t, res, preflight.CodeVLANNotExtended, "web-01")
}

func caseVMotionVLAN(t *testing.T, r *pfRig) {
	pfPresenter(t, r.fab(), pfMiaEdge, "configure terminal", "interface "+pfDCI,
		"switchport trunk allowed vlan remove 200", "end")
	t.Cleanup(func() {
		pfPresenter(t, r.fab(), pfMiaEdge, "configure terminal", "interface "+pfDCI,
			"switchport trunk allowed vlan add 200", "end")
		r.poll(t, "VLAN 200 carried again", func(h fabric.Health) bool { return pfCarried(h, 200) })
	})
	r.mustPoll(t, "VLAN 200 not carried", func(h fabric.Health) bool {
		st, ok := h.VLAN(200)
		return ok && !st.Unknown && !st.Carried
	})
	res := r.preflight(t, siteB, preflight.ProfileMetro, "web-01")
	r.expect(t, res, pfWant{preflight.CodeVMotionVLAN, preflight.Block, "vlan 200", ""})
	// Long-distance vMotion (vSphere 6+) routes vMotion: no such need.
	res = r.preflight(t, siteB, preflight.ProfileLongDistance, "web-01")
	r.absent(t, res, preflight.CodeVMotionVLAN, "")
}

func caseDCIDown(t *testing.T, r *pfRig) {
	pfPresenter(t, r.fab(), pfMiaEdge, "configure terminal", "interface "+pfDCI, "shutdown", "end")
	t.Cleanup(func() {
		pfPresenter(t, r.fab(), pfMiaEdge, "configure terminal", "interface "+pfDCI, "no shutdown", "end")
		r.poll(t, "DCI up again", func(h fabric.Health) bool { return !h.Verdict.Down && pfCarried(h, 110) })
	})
	r.mustPoll(t, "DCI down", func(h fabric.Health) bool { return h.Verdict.Down })
	res := r.preflight(t, siteB, "", "web-01")
	r.expect(t, res, pfWant{preflight.CodeDCIDown, preflight.Block, "dci", ""})
}

func caseOTVDown(t *testing.T, r *pfRig) {
	pfPresenter(t, r.fab(), pfAtlEdge, "configure terminal", "interface Overlay1", "shutdown", "end")
	t.Cleanup(func() {
		pfPresenter(t, r.fab(), pfAtlEdge, "configure terminal", "interface Overlay1", "no shutdown", "end")
		r.poll(t, "OTV adjacency up again", func(h fabric.Health) bool {
			return !pfHasFabricCode(h, fabric.CodeOTVAdjacencyDown) && pfCarried(h, 110)
		})
	})
	r.mustPoll(t, "OTV adjacency down", func(h fabric.Health) bool {
		return pfHasFabricCode(h, fabric.CodeOTVAdjacencyDown) && !h.Verdict.Down
	})
	res := r.preflight(t, siteB, "", "web-01")
	r.expect(t, res, pfWant{preflight.CodeOTVAdjacencyDown, preflight.Block, pfAtlEdge + " Overlay1", ""})
}

func caseMTULow(t *testing.T, r *pfRig) {
	pfPresenter(t, r.fab(), pfMiaEdge, "configure terminal", "interface "+pfDCI, "mtu 1500", "end")
	t.Cleanup(func() {
		pfPresenter(t, r.fab(), pfMiaEdge, "configure terminal", "interface "+pfDCI, "mtu 9216", "end")
		r.poll(t, "MTU 9216 again", func(h fabric.Health) bool { return !pfHasFabricCode(h, fabric.CodeMTULow) })
	})
	r.mustPoll(t, "MTU 1500 on the DCI", func(h fabric.Health) bool { return pfHasFabricCode(h, fabric.CodeMTULow) })
	res := r.preflight(t, siteB, "", "web-01")
	f := r.expect(t, res, pfWant{preflight.CodeMTULow, preflight.Warn, pfMiaEdge + " " + pfDCI, ""})
	if !strings.Contains(f.Message, "1500") {
		t.Errorf("message %q", f.Message)
	}
}

func caseErrorsRising(t *testing.T, r *pfRig) {
	const member = "Ethernet3/1"
	rising := func(h fabric.Health) bool {
		for _, tr := range h.Trunks {
			for _, m := range tr.Members {
				if tr.Switch == pfMiaEdge && m.Name == member && m.Rising {
					return true
				}
			}
		}
		return false
	}
	// A round before the errors, to count from.
	r.mustPoll(t, "a round before the errors", func(h fabric.Health) bool { return !rising(h) })
	if err := r.fab().AddCRCErrors(pfMiaEdge, member, 40); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The counters stay; the next round finds them steady.
		r.poll(t, "errors steady again", func(h fabric.Health) bool { return !rising(h) })
	})
	r.mustPoll(t, "errors rising", rising)
	res := r.preflight(t, siteB, "", "web-01")
	f := r.expect(t, res, pfWant{preflight.CodeDCIErrorsRising, preflight.Warn, pfMiaEdge + " " + member, ""})
	if !strings.Contains(f.Message, "CRC 40") {
		t.Errorf("message %q", f.Message)
	}
}

func caseRTTOverBudget(t *testing.T, r *pfRig) {
	r.fab().SetLatency(8 * time.Millisecond) // about 1,600 km of fibre
	t.Cleanup(func() {
		r.fab().SetLatency(sim.DefaultLatency)
		r.poll(t, "RTT back to 2 ms", func(h fabric.Health) bool { return pfWorstRTT(h) < 4*time.Millisecond })
	})
	r.mustPoll(t, "RTT above 5 ms", func(h fabric.Health) bool { return pfWorstRTT(h) > 5*time.Millisecond })
	res := r.preflight(t, siteB, preflight.ProfileReference2009, "web-01")
	f := r.first(t, res, preflight.CodeRTTOverBudget)
	if f.Object != pfMiaEdge+" -> "+pfAtlEdge && f.Object != pfAtlEdge+" -> "+pfMiaEdge {
		t.Errorf("object %q: want the DCI edges", f.Object)
	}
	r.expect(t, res, pfWant{preflight.CodeRTTOverBudget, preflight.Block, f.Object, ""})
	// Long-distance vMotion takes up to 150 ms.
	res = r.preflight(t, siteB, preflight.ProfileLongDistance, "web-01")
	r.absent(t, res, preflight.CodeRTTOverBudget, "")
}

func caseBandwidthLow(t *testing.T, r *pfRig) {
	t.Cleanup(func() {
		r.fab().SetDCILoad(sim.DefaultDCILoadMbps)
		r.poll(t, "DCI load back to normal", func(h fabric.Health) bool { return h.Bandwidth.FreeMbps() > 10_000 })
	})
	// 500 Mbps free: less than the 622 Mbps the 2009 design needs for one vMotion.
	r.fab().SetDCILoad(19_500)
	r.mustPoll(t, "500 Mbps free", func(h fabric.Health) bool {
		return h.Bandwidth.Known && h.Bandwidth.FreeMbps() < 622 && h.Bandwidth.FreeMbps() >= 250
	})
	res := r.preflight(t, siteB, preflight.ProfileReference2009, "web-01")
	r.expect(t, res, pfWant{preflight.CodeBandwidthLow, preflight.Block, "dci", ""})

	// 600 Mbps free: two concurrent long-distance vMotions at 250 Mbps; three VMs queue.
	r.fab().SetDCILoad(19_400)
	r.mustPoll(t, "600 Mbps free", func(h fabric.Health) bool {
		return h.Bandwidth.Known && h.Bandwidth.FreeMbps() >= 500 && h.Bandwidth.FreeMbps() < 750
	})
	res = r.preflight(t, siteB, preflight.ProfileLongDistance, "web-01", "web-02", "web-03")
	f := r.expect(t, res, pfWant{preflight.CodeBandwidthLow, preflight.Info, "dci", ""})
	if !strings.Contains(f.Message, "2 vMotions at once") || !strings.Contains(f.Message, "3 running VMs") {
		t.Errorf("message %q", f.Message)
	}
}

// caseVLANUnverified: the Miami edge's poll is cut short (its SSH connection closes in the
// middle of a show command): nothing fresh says whether web-01's VLAN crosses.
func caseVLANUnverified(t *testing.T, r *pfRig) {
	if err := r.fab().SetDropMidOutput(pfMiaEdge, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = r.fab().SetDropMidOutput(pfMiaEdge, false)
		r.poll(t, "the edge answers again", func(h fabric.Health) bool { return pfCarried(h, 110) })
	})
	r.mustPoll(t, "VLAN 110 unknown", func(h fabric.Health) bool {
		st, ok := h.VLAN(110)
		return ok && st.Unknown && !h.Verdict.Down
	})
	res := r.preflight(t, siteB, "", "web-01")
	f := r.expect(t, res, pfWant{preflight.CodeVLANUnverified, preflight.Warn, "vlan 110", "web-01"})
	if !strings.Contains(f.Message, pfMiaEdge) {
		t.Errorf("message %q: want the switch that gave no data", f.Message)
	}
}

// caseRTTUnknown: an engine whose switches are configured without ping targets.
func caseRTTUnknown(t *testing.T, r *pfRig) {
	noPing := startPfRig(t, r.l, pfRigOptions{fabric: true, rec: r.rec, switches: func(sw []fabric.SwitchSpec) {
		for i := range sw {
			sw[i].PingTarget = ""
		}
	}})
	st := noPing.e.Snapshot()
	if len(st.Fabric.RTTs) != 0 || st.Fabric.Verdict.Down {
		t.Fatalf("RTTs %+v, down %v", st.Fabric.RTTs, st.Fabric.Verdict.Down)
	}
	res := noPing.preflight(t, siteB, "", "web-01")
	noPing.expect(t, res, pfWant{preflight.CodeRTTUnknown, preflight.Warn, "dci", ""})
}

// caseFabricNotConfigured: an engine with no switches in its config.
func caseFabricNotConfigured(t *testing.T, r *pfRig) {
	bare := startPfRig(t, r.l, pfRigOptions{rec: r.rec})
	if st := bare.e.Snapshot(); st.Fabric.Configured {
		t.Fatal("the fabric is configured")
	}
	res := bare.preflight(t, siteB, "", "web-01")
	bare.expect(t, res, pfWant{preflight.CodeFabricNotConfigured, preflight.Warn, "fabric", ""})
	for _, code := range []string{preflight.CodeVLANNotExtended, preflight.CodeVLANUnverified, preflight.CodeFabricStale} {
		bare.absent(t, res, code, "web-01")
		bare.absent(t, res, code, "")
	}
}

// caseFabricStale: an engine polling every 250 ms, whose rounds stop completing when a
// switch hangs (it logs in and then answers nothing).
func caseFabricStale(t *testing.T, r *pfRig) {
	const interval = 250 * time.Millisecond
	polling := startPfRig(t, r.l, pfRigOptions{fabric: true, rec: r.rec,
		monitor: []fabric.MonitorOption{fabric.WithInterval(interval), fabric.WithTimeout(15 * time.Second)}})
	if err := r.fab().SetUnresponsive(pfAtlDist, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.fab().SetUnresponsive(pfAtlDist, false) })
	// Staleness is a matter of time passing, not of a new State: read the snapshot.
	deadline := time.Now().Add(10 * time.Second)
	for !polling.e.Snapshot().Fabric.Stale(time.Now()) {
		if time.Now().After(deadline) {
			t.Fatalf("the fabric never went stale: polled at %v", polling.e.Snapshot().Fabric.PolledAt)
		}
		time.Sleep(20 * time.Millisecond)
	}
	res := polling.preflight(t, siteB, "", "web-01")
	f := polling.expect(t, res, pfWant{preflight.CodeFabricStale, preflight.Warn, "fabric", ""})
	if !strings.Contains(f.Message, "last polled at") {
		t.Errorf("message %q", f.Message)
	}
}

// caseSiteUnreachable freezes site-b's vCenter under an engine told to call a late answer
// silence after 250 ms.
func caseSiteUnreachable(t *testing.T, r *pfRig) {
	quick := startPfRig(t, r.l, pfRigOptions{rec: r.rec,
		sites: append(slices.Clone(quickSites), backend.WithAnswerGrace(250*time.Millisecond))})
	r.l.Freeze(siteB)
	t.Cleanup(func() {
		r.l.Thaw(siteB)
		// The shared engine may have seen the silence too.
		r.await(t, "both sites live again", func(st model.State) bool {
			return status(st, siteA).Live() && status(st, siteB).Live()
		})
	})
	quick.mustAwait(t, "site-b silent", func(st model.State) bool { return status(st, siteB).Silent })
	res := quick.preflight(t, siteB, preflight.ProfileLongDistance, "web-01")
	f := quick.expect(t, res, pfWant{preflight.CodeSiteUnreachable, preflight.Block, "site site-b", ""})
	if !strings.Contains(f.Message, "not answering") {
		t.Errorf("message %q", f.Message)
	}
	if n := pfCount(res.Findings, preflight.CodeSiteUnreachable); n != 1 {
		t.Errorf("%d SITE_UNREACHABLE findings, want 1 (site-b only)", n)
	}
}

// ---- The rig ----

// pfRig is a lab and an engine on it, wired as `vmcross` wires the lab: the lab's
// mapping, the simulated flag, and (when asked) a fabric monitor of the lab's switches
// that polls when told to (PollFabric), so that every round a case waits for is one it
// asked for.
type pfRig struct {
	l       *lab.Lab
	e       *backend.Engine
	mapping preflight.Mapping
	rec     *pfRecorder
}

type pfRigOptions struct {
	fabric   bool
	monitor  []fabric.MonitorOption       // default: an hour's interval, 5 s timeout
	switches func(sw []fabric.SwitchSpec) // edits the lab's switch specs
	sites    []backend.SiteOption         // default: quickSites
	rec      *pfRecorder
}

// startPfRig starts an engine on l (a new lab when nil) and waits until both sites have
// loaded and, with a fabric, its first round has judged every VLAN the VMs use. Both stop
// with the test.
func startPfRig(t *testing.T, l *lab.Lab, o pfRigOptions) *pfRig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if l == nil {
		var err error
		if l, err = lab.Start(ctx, lab.Options{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
	}
	cfg := l.Config()
	specs, err := cfg.Specs()
	if err != nil {
		t.Fatal(err)
	}
	sites := o.sites
	if sites == nil {
		sites = quickSites
	}
	e := backend.NewEngine(specs, sites...)
	e.SetSimulated(true)
	m := preflight.Mapping{Clusters: cfg.Mapping.Clusters, Datastores: cfg.Mapping.Datastores, PortGroups: cfg.Mapping.PortGroups}
	e.SetMapping(m)
	e.SetProfile(cfg.Profile)
	if o.fabric {
		sw, err := cfg.SwitchSpecs()
		if err != nil {
			t.Fatal(err)
		}
		if o.switches != nil {
			o.switches(sw)
		}
		mo := o.monitor
		if mo == nil {
			mo = []fabric.MonitorOption{fabric.WithInterval(time.Hour), fabric.WithTimeout(5 * time.Second)}
		}
		e.SetFabric(fabric.NewMonitor(sw, mo...))
	}
	runCtx, stop := context.WithCancel(context.Background())
	t.Cleanup(func() { stop(); e.Close() })
	e.Start(runCtx)
	if err := e.WaitLoaded(ctx); err != nil {
		t.Fatal(err)
	}
	r := &pfRig{l: l, e: e, mapping: m, rec: o.rec}
	if o.fabric {
		r.mustAwait(t, "the first fabric round judging the VMs' VLANs", func(st model.State) bool {
			h := st.Fabric
			if h.PolledAt.IsZero() || len(st.VLANsInUse) == 0 {
				return false
			}
			for _, id := range st.VLANsInUse {
				if v, ok := h.VLAN(id); !ok || v.Unknown {
					return false
				}
			}
			return true
		})
	}
	return r
}

func (r *pfRig) fab() *sim.Fabric { return r.l.Fabric() }

// await waits until the engine's State satisfies ok, and says so with t.Errorf if it does
// not within 30 s (for cleanups). mustAwait stops the test instead.
func (r *pfRig) await(t *testing.T, what string, ok func(model.State) bool) (model.State, bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := r.e.Subscribe(ctx)
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	var last model.State
	for {
		select {
		case st, open := <-ch:
			if !open {
				t.Errorf("%s: the engine closed", what)
				return last, false
			}
			last = st
			if ok(st) {
				return st, true
			}
		case <-deadline.C:
			t.Errorf("%s: not seen within 30s (fabric findings: %s)", what, pfFabricCodes(last.Fabric))
			return last, false
		}
	}
}

func (r *pfRig) mustAwait(t *testing.T, what string, ok func(model.State) bool) model.State {
	t.Helper()
	st, done := r.await(t, what, ok)
	if !done {
		t.FailNow()
	}
	return st
}

// poll asks the engine for a fabric round and waits for the first round that started
// after the ask to end: the switches' state at the ask is in it. ok must hold for that
// round's Health (t.Errorf otherwise, for cleanups); mustPoll stops the test instead.
func (r *pfRig) poll(t *testing.T, what string, ok func(fabric.Health) bool) bool {
	t.Helper()
	asked := time.Now()
	if err := r.e.PollFabric(context.Background(), tester); err != nil {
		t.Errorf("%s: %v", what, err)
		return false
	}
	st, done := r.await(t, what+": a fresh fabric round", func(st model.State) bool {
		h := st.Fabric
		return !h.Polling && !h.PollStarted.Before(asked) && !h.PolledAt.Before(h.PollStarted)
	})
	if !done {
		return false
	}
	if !ok(st.Fabric) {
		t.Errorf("%s: not so after a fresh round; fabric findings: %s", what, pfFabricCodes(st.Fabric))
		return false
	}
	return true
}

func (r *pfRig) mustPoll(t *testing.T, what string, ok func(fabric.Health) bool) {
	t.Helper()
	if !r.poll(t, what, ok) {
		t.FailNow()
	}
}

// preflight asks the engine to preflight the named VMs (all at the other site than to)
// under profile ("": the engine's).
func (r *pfRig) preflight(t *testing.T, to model.SiteID, profile string, names ...string) preflight.Result {
	t.Helper()
	from := siteA
	if to == siteA {
		from = siteB
	}
	st := r.e.Snapshot()
	var keys []model.VMKey
	for _, n := range names {
		vm, ok := lookup(st, from, n)
		if !ok {
			t.Fatalf("%s not found at %s", n, from)
		}
		keys = append(keys, vm.Key)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := r.e.Preflight(ctx, tester, preflight.Request{VMs: keys, To: to, Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (r *pfRig) clusterHosts(t *testing.T, site model.SiteID, cluster string) []model.Host {
	t.Helper()
	ss, _ := r.e.Snapshot().Site(site)
	var ref model.Ref
	for _, c := range ss.Clusters {
		if c.Name == cluster {
			ref = c.Ref
		}
	}
	var out []model.Host
	for _, h := range ss.Hosts {
		if !ref.IsZero() && h.ClusterRef == ref {
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no hosts in cluster %s", site, cluster)
	}
	return out
}

// pfWant is the finding a case expects: code, severity, object, and the VM it is about
// ("" for a finding about the whole selection).
type pfWant struct {
	code   string
	sev    preflight.Severity
	object string
	vm     string
}

// expect finds the wanted finding, checks that it says something and has a remedy, and
// records that the rule was seen in the lab.
func (r *pfRig) expect(t *testing.T, res preflight.Result, w pfWant) preflight.Finding {
	t.Helper()
	for _, f := range res.Findings {
		if f.Code != w.code || f.Severity != w.sev || f.Object != w.object || f.VMName != w.vm {
			continue
		}
		if w.vm == "" && f.VM != (model.VMKey{}) {
			continue
		}
		if strings.TrimSpace(f.Message) == "" || strings.TrimSpace(f.Remedy) == "" {
			t.Errorf("%s %s %q: message %q, remedy %q: want both", f.Code, f.Severity, f.Object, f.Message, f.Remedy)
		}
		r.rec.add(w.code)
		return f
	}
	who := "the selection"
	if w.vm != "" {
		who = w.vm
	}
	t.Errorf("no %s %s finding on %q for %s; findings:\n%s", w.sev, w.code, w.object, who, pfDump(res.Findings))
	return preflight.Finding{}
}

// first returns the first finding of a code, failing the test when there is none.
func (r *pfRig) first(t *testing.T, res preflight.Result, code string) preflight.Finding {
	t.Helper()
	for _, f := range res.Findings {
		if f.Code == code {
			return f
		}
	}
	t.Fatalf("no %s finding; findings:\n%s", code, pfDump(res.Findings))
	return preflight.Finding{}
}

// absent checks that no finding of the code is about vm ("": about the selection).
func (r *pfRig) absent(t *testing.T, res preflight.Result, code, vm string) {
	t.Helper()
	for _, f := range res.Findings {
		if f.Code == code && f.VMName == vm {
			t.Errorf("unexpected %s %s finding on %q: %s", f.Severity, f.Code, f.Object, f.Message)
		}
	}
}

// pfRecorder remembers which rules a case asserted.
type pfRecorder struct {
	mu    sync.Mutex
	codes map[string]bool
}

func (p *pfRecorder) add(code string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.codes[code] = true
}

func (p *pfRecorder) has(code string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.codes[code]
}

// pfPresenter types CLI lines into a switch over SSH, as a presenter does in a terminal:
// an interactive shell on a PTY, password login, the switch's host key pinned; then
// `exit` from exec mode, which hangs up. A line the switch refuses fails the test.
func pfPresenter(t *testing.T, f *sim.Fabric, name string, lines ...string) {
	t.Helper()
	ep, err := f.Switch(name)
	if err != nil {
		t.Fatal(err)
	}
	key, _, _, _, err := gossh.ParseAuthorizedKey([]byte(ep.HostKey))
	if err != nil {
		t.Fatal(err)
	}
	client, err := gossh.Dial("tcp", net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)), &gossh.ClientConfig{
		User:            ep.Username,
		Auth:            []gossh.AuthMethod{gossh.Password(ep.Password)},
		HostKeyCallback: gossh.FixedHostKey(key),
		Timeout:         5 * time.Second,
	})
	if err != nil {
		t.Fatalf("ssh %s: %v", name, err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm", 50, 200, gossh.TerminalModes{gossh.ECHO: 1}); err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sess.Stdout = &out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	for _, line := range append(slices.Clone(lines), "exit") {
		if _, err := stdin.Write([]byte(line + "\r")); err != nil {
			t.Fatalf("ssh %s: typing %q: %v", name, line, err)
		}
	}
	done := make(chan struct{})
	go func() {
		_ = sess.Wait() // the switch hangs up after exit: no exit status
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		client.Close()
		<-done
		t.Fatalf("ssh %s: no hang-up after exit; got:\n%s", name, out.String())
	}
	if text := out.String(); strings.Contains(text, "% ") || strings.Contains(text, "ERROR") {
		t.Fatalf("ssh %s refused a line:\n%s", name, text)
	}
}

func pfCarried(h fabric.Health, id int) bool {
	st, ok := h.VLAN(id)
	return ok && st.Carried
}

func pfHasFabricCode(h fabric.Health, code string) bool {
	return slices.ContainsFunc(h.Findings, func(f fabric.Finding) bool { return f.Code == code })
}

func pfWorstRTT(h fabric.Health) time.Duration {
	var w time.Duration
	for _, x := range h.RTTs {
		if x.OK {
			w = max(w, x.Avg)
		}
	}
	return w
}

func pfClusterFree(st model.State, site model.SiteID, name string) int64 {
	ss, _ := st.Site(site)
	for _, c := range ss.Clusters {
		if c.Name == name {
			return c.MemoryMiB - c.MemoryUsedMiB
		}
	}
	return -1
}

func pfCount(fs []preflight.Finding, code string) int {
	n := 0
	for _, f := range fs {
		if f.Code == code {
			n++
		}
	}
	return n
}

func pfMoRef(r model.Ref) types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: r.Type, Value: r.Value}
}

func pfDump(fs []preflight.Finding) string {
	if len(fs) == 0 {
		return "  (none)"
	}
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %-5s %-26s %-14s %-34q %s\n", f.Severity, f.Code, f.VMName, f.Object, f.Message)
	}
	return b.String()
}

func pfFabricCodes(h fabric.Health) string {
	var out []string
	for _, f := range h.Findings {
		out = append(out, f.Code+" "+f.Object)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, "; ")
}
