package ui

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// The review's estate: testState with an inventory behind the VMs. Both sites mount the
// metro NFS datastore (the same URL at both), each has its own VMFS datastores, and port
// groups named after their VLANs. Site A's VMs alternate between the metro datastore and
// their site's VMFS one, and sit on a port group per VLAN.

var roles = map[int]string{100: "Mgmt", 110: "Web", 120: "App", 130: "DB", 140: "K8s", 141: "K8s-2", 150: "Backup", 210: "Dev", 220: "Test", 300: "VDI"}

func pgName(vlan int) string { return fmt.Sprintf("VLAN%d-%s", vlan, roles[vlan]) }

const metroURL = "ds:///vmfs/volumes/nfs-metro-01/"

// inventory fills a site's clusters, two hosts each, datastores and port groups.
func inventory(s *model.SiteSnapshot, si siteInfo, vmfs ...string) {
	letter := strings.ToLower(si.clusters[0][:1])
	var all []model.Ref
	for ci, name := range si.clusters {
		cref := model.Ref{Type: "ClusterComputeResource", Value: fmt.Sprintf("domain-c%d", ci+1)}
		s.Clusters = append(s.Clusters, model.Cluster{Ref: cref, Name: name, Hosts: 2, MemoryMiB: 2 * 524288, MemoryUsedMiB: 262144})
		for h := 1; h <= 2; h++ {
			href := model.Ref{Type: "HostSystem", Value: fmt.Sprintf("host-%d%d", ci+1, h)}
			all = append(all, href)
			s.Hosts = append(s.Hosts, model.Host{Ref: href, Name: fmt.Sprintf("esx-%s%02d-%02d", letter, ci+1, h), ClusterRef: cref,
				Connection: "connected", VMotion: true, MemoryMiB: 524288, MemoryUsedMiB: int64(h) * 65536})
		}
	}
	s.Datastores = append(s.Datastores, model.Datastore{Ref: model.Ref{Type: "Datastore", Value: "datastore-1"}, Name: "nfs-metro-01",
		Type: "NFS", CapacityB: 8 << 40, FreeB: 2 << 40, Accessible: true, Hosts: all, URL: metroURL})
	for i, name := range vmfs {
		// Each VMFS datastore is mounted by the hosts of one cluster.
		s.Datastores = append(s.Datastores, model.Datastore{Ref: model.Ref{Type: "Datastore", Value: fmt.Sprintf("datastore-%d", i+2)}, Name: name,
			Type: "VMFS", CapacityB: 4 << 40, FreeB: int64(3-i) << 40, Accessible: true, Hosts: all[2*i : 2*i+2],
			URL: "ds:///vmfs/volumes/" + name + "/"})
	}
	for _, v := range []int{100, 110, 120, 130, 140, 141, 150, 210, 220, 300} {
		s.PortGroups = append(s.PortGroups, model.PortGroup{Ref: model.Ref{Type: "DistributedVirtualPortgroup", Value: fmt.Sprintf("dvportgroup-%d", v)},
			Name: pgName(v), VLAN: v, Switch: si.domain + "-dvs"})
	}
}

// reviewState is testState with inventories, and site A's VMs on datastores and networks.
func reviewState() model.State {
	s := testState()
	inventory(&s.Sites[0], siteA, "vmfs-a01", "vmfs-a02", "vmfs-adev")
	inventory(&s.Sites[1], siteB, "vmfs-b01", "vmfs-b02", "vmfs-bdev")
	a := &s.Sites[0]
	a.VMs = append([]model.VM(nil), a.VMs...)
	for i := range a.VMs {
		vm := &a.VMs[i]
		ds := a.Datastores[0]
		if i%2 == 1 {
			ds = a.Datastores[1]
		}
		vm.Datastores, vm.DatastoreRefs = []string{ds.Name}, []model.Ref{ds.Ref}
		vm.Networks, vm.NetworkRefs = nil, nil
		for _, v := range vm.VLANs {
			vm.Networks = append(vm.Networks, pgName(v))
			vm.NetworkRefs = append(vm.NetworkRefs, model.Ref{Type: "DistributedVirtualPortgroup", Value: fmt.Sprintf("dvportgroup-%d", v)})
		}
	}
	return s
}

// reviewMapping sends site A's clusters to site B's.
func reviewMapping() preflight.Mapping {
	return preflight.Mapping{Clusters: map[string]string{"A-01": "B-01", "A-02": "B-02", "A-DEV": "B-DEV"}}
}

// diskDetails is a VM with one 120 GiB disk on its datastore.
func diskDetails(vm model.VM) model.VMDetails {
	return model.VMDetails{Key: vm.Key, Name: vm.Name, ChangeVersion: "1", Disks: []model.Disk{
		{Label: "Hard disk 1", CapacityB: 120 << 30, Datastore: vm.Datastores[0], DatastoreRef: vm.DatastoreRefs[0], Backing: model.BackingThin, Controller: "SCSI controller 0"},
	}}
}

// reviewFindings is what the fake judges for a selection: the first VM blocked, the second
// warned about, the third clear, and a warning about the whole selection.
func reviewFindings(vms []model.VM) preflight.Result {
	p, _ := preflight.ProfileByName(preflight.ProfileLongDistance)
	return preflight.Result{
		Profile: p,
		Notes:   []string{"vCenter's own CheckRelocate and vMotion compatibility checks are not asked yet: the findings are vmcross's rules only"},
		Findings: []preflight.Finding{
			{Code: preflight.CodeRTTUnknown, Severity: preflight.Warn, Object: "dci", Message: "The DCI's round-trip time has not been measured yet.",
				Remedy: "Wait for the next fabric poll, or press r in the lists to poll now."},
			{Code: preflight.CodeRDMBusSharing, Severity: preflight.Block, VM: vms[0].Key, VMName: vms[0].Name, Object: "Hard disk 2",
				Message: "Hard disk 2 is a physical RDM on SCSI controller 1, which shares its bus: clustered VMs cannot be moved with vMotion across sites.",
				Remedy:  "Fail the cluster role over to a node at the target site instead of moving this VM."},
			{Code: preflight.CodeSnapshots, Severity: preflight.Warn, VM: vms[1].Key, VMName: vms[1].Name, Object: "3 snapshots",
				Message: "The VM has 3 snapshots.", Remedy: "Consolidate or delete the snapshots before the move: they make it longer."},
		},
	}
}

// judge completes res as the engine would: the VMs' targets under the overrides, and the
// estimates and totals over the findings. The second VM's details are known (a 120 GiB disk
// on site A's own VMFS datastore, which moves), the others' are not.
func judge(s model.State, res preflight.Result, vms []model.VM, over map[model.VMKey]preflight.Override) preflight.Result {
	a, _ := s.Site(siteA.id)
	b, _ := s.Site(siteB.id)
	res.VMs = vms
	res.Overrides = over
	res.Targets = preflight.MapVMs(a, b, reviewMapping(), vms, over)
	sel := make([]preflight.Selected, len(vms))
	for i, vm := range vms {
		sel[i] = preflight.Selected{VM: vm}
		if i == 1 {
			d := diskDetails(vm)
			sel[i].Details = &d
		}
	}
	res.Estimates, res.Totals = preflight.Estimates(preflight.Input{VMs: sel, Profile: res.Profile}, res.Targets, res.Findings)
	return res
}

// openReview selects the first three VMs of site A of the engine's State and opens their
// review, judged by reviewFindings.
func openReview(t *testing.T, e *fakeEngine, w, h int, opts ...func(*Options)) (Model, []model.VM) {
	t.Helper()
	o := testOptions()
	for _, f := range opts {
		f(&o)
	}
	m := update(t, New(e, o), tea.WindowSizeMsg{Width: w, Height: h})
	m = pressAll(t, m, " ", " ", " ")
	vms := m.main.sites[0].Selection()
	if len(vms) != 3 {
		t.Fatalf("%d VMs selected, want 3", len(vms))
	}
	e.pre = judge(e.Snapshot(), reviewFindings(vms), vms, nil)
	e.details = map[model.VMKey]model.VMDetails{vms[1].Key: diskDetails(vms[1])}
	m, cmd := press(t, m, "p")
	if len(m.overlays) != 1 {
		t.Fatalf("%d views over the lists after p, want the review", len(m.overlays))
	}
	if screen := m.View(); !strings.Contains(screen, "judging 3 VMs…") {
		t.Errorf("no judging line while the preflight runs:\n%s", screen)
	}
	m = settle(t, m, cmd)
	return m, vms
}

// review is the review on top of m.
func review(t *testing.T, m Model) *ReviewView {
	t.Helper()
	r, ok := m.top().(*ReviewView)
	if !ok {
		t.Fatalf("the top view is %T, not the review", m.top())
	}
	return r
}

// lineWith is the first line of screen holding s, or "".
func lineWith(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

func wantAll(t *testing.T, screen string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
}

func TestReviewShowsFindingsGroupedByVM(t *testing.T) {
	e := newFakeEngine(reviewState())
	m, vms := openReview(t, e, 120, 60)
	screen := m.View()
	wantAll(t, screen,
		"review: Miami (site A) → Atlanta (site B)",
		"3 VMs  ✗ 1 blocked  2 can move", "profile long-distance", "judged 03:00:00",
		"ℹ vCenter's own CheckRelocate",
		"ALL VMs", "▲ RTT_UNKNOWN  The DCI's round-trip", "→ Wait for the next fabric poll",
		vms[0].Name+"  ✗ blocked", "✗ RDM_BUS_SHARING  Hard disk 2", "→ Fail the cluster role over",
		vms[1].Name+"  ▲ 2 warnings  not acknowledged", "▲ SNAPSHOTS  The VM has 3 snapshots.", "→ Consolidate",
		vms[2].Name+"  ▲ 1 warning  not acknowledged", // the selection-wide warning applies to it too
		// Where each VM goes: the metro datastore is the same storage at both sites, site A's
		// VMFS datastore is not (its disks move to the roomiest one of the target cluster).
		"→ B-01 / esx-b01-01  storage kept (nfs-metro-01)",
		"→ B-01 / esx-b01-01  storage moves to vmfs-b01 (120 GiB, +1 h 09 min)",
		"VLAN100-Mgmt → VLAN100-Mgmt  VLAN150-Backup → VLAN150-Backup",
	)
	// ALL VMs first, then the VMs in selection order.
	if i, j := strings.Index(screen, "ALL VMs"), strings.Index(screen, vms[0].Name+"  ✗"); i < 0 || j < i {
		t.Errorf("the selection-wide findings are not first:\n%s", screen)
	}
	if e.preflights != 1 || e.calls[len(e.calls)-1].site != siteB.id {
		t.Errorf("%d preflights, calls %+v; want one, to site B", e.preflights, e.calls)
	}
	if req := e.requests[0]; !reflect.DeepEqual(req.VMs, []model.VMKey{vms[0].Key, vms[1].Key, vms[2].Key}) || req.To != siteB.id || req.Overrides != nil {
		t.Errorf("request %+v; want the three VMs to site B, no overrides", req)
	}

	m, _ = press(t, m, "esc")
	if len(m.overlays) != 0 {
		t.Fatal("esc did not close the review")
	}
}

// The totals: VMs, blocked, can move, memory and disk to copy over the VMs nothing blocks,
// the bandwidth and where it comes from, the estimated duration and what it leaves out.
func TestReviewTotals(t *testing.T) {
	e := newFakeEngine(reviewState())
	m, vms := openReview(t, e, 120, 60)
	mem := gibBytes((int64(vms[1].MemoryMiB) + int64(vms[2].MemoryMiB)) << 20)
	wantAll(t, m.View(),
		"3 VMs  ✗ 1 blocked  2 can move",
		"memory to copy "+mem+" GiB  disk to copy 120 GiB (disks of 1 VM unknown)",
		"bandwidth 250 Mbps (profile minimum; DCI not measured)",
		"≈ 1 h 15 min  memory the guests dirty meanwhile adds to it",
	)

	// Measured: the DCI's free bandwidth, and the duration at it.
	r := review(t, m)
	res := r.res
	res.Totals.BandwidthMbps, res.Totals.BandwidthMeasured = 18800, true
	res.Totals.Duration = copyTime(res.Totals.MemoryB+res.Totals.DiskB, 18800)
	m = update(t, m, reviewMsg{view: r, gen: r.gen, res: res})
	wantAll(t, m.View(), "bandwidth 18.8 Gbps free on the DCI", "≈ 1 min  memory the guests dirty")
	if strings.Contains(m.View(), "profile minimum") {
		t.Error("a measured bandwidth still says it is the profile minimum")
	}
}

// up and down (and k and j) move the cursor from VM to VM; the VM under it is marked, and
// the viewport follows it; the page keys still scroll.
func TestReviewCursorMoves(t *testing.T) {
	e := newFakeEngine(reviewState())
	m, vms := openReview(t, e, 80, 24)
	r := review(t, m)
	marked := func() string {
		t.Helper()
		var names []string
		for _, vm := range vms {
			if l := lineWith(m.View(), vm.Name); strings.Contains(l, "▌ "+vm.Name) {
				names = append(names, vm.Name)
			}
		}
		return strings.Join(names, ",")
	}
	if r.cursor != 0 {
		t.Fatalf("cursor on %d when opened, want the first VM", r.cursor)
	}
	steps := []struct {
		key  string
		want int
	}{{"down", 1}, {"j", 2}, {"j", 2}, {"up", 1}, {"k", 0}}
	for _, s := range steps {
		m, _ = press(t, m, s.key)
		if r.cursor != s.want {
			t.Errorf("after %s: cursor on %d, want %d", s.key, r.cursor, s.want)
		}
		// The VM under the cursor is on screen, marked, and no other is.
		if got := marked(); got != vms[s.want].Name {
			t.Errorf("after %s: marked %q, want %q on screen:\n%s", s.key, got, vms[s.want].Name, m.View())
		}
		if !strings.Contains(m.View(), fmt.Sprintf("VM %d/3", s.want+1)) {
			t.Errorf("after %s: the footer does not say VM %d/3", s.key, s.want+1)
		}
	}
	// The last VM is below the fold at 80x24; moving there scrolls it into view.
	if strings.Contains(m.View(), vms[2].Name) {
		t.Fatalf("the last VM is on screen from the start: the test proves nothing:\n%s", m.View())
	}
	m = pressAll(t, m, "j", "j")
	if !strings.Contains(lineWith(m.View(), vms[2].Name), "▌ "+vms[2].Name) {
		t.Errorf("the viewport did not follow the cursor to the last VM:\n%s", m.View())
	}
	// home scrolls to the top; the cursor stays where it was.
	m, _ = press(t, m, "home")
	if r.cursor != 2 || !strings.Contains(m.View(), "ALL VMs") {
		t.Errorf("home: cursor %d, want 2 and the top on screen:\n%s", r.cursor, m.View())
	}
	m, _ = press(t, m, "pgdown")
	if r.cursor != 2 || r.vp.YOffset == 0 {
		t.Errorf("pgdown: cursor %d, offset %d; want the cursor kept and the view scrolled", r.cursor, r.vp.YOffset)
	}
}

// a acknowledges the warnings of the VM under the cursor, and again withdraws it; a blocked
// VM and a clear one have nothing to acknowledge. An acknowledgement survives a judgement
// that brings the same warnings, not one that brings a new one.
func TestReviewAcknowledge(t *testing.T) {
	s := reviewState()
	e := newFakeEngine(s)
	m, vms := openReview(t, e, 120, 60)
	r := review(t, m)
	wantAll(t, m.View(), "nothing would move: 2 with warnings not acknowledged (a acknowledges); 1 blocked")

	// The blocked VM: nothing changes, the flash line says why.
	m, cmd := press(t, m, "a")
	m = settle(t, m, cmd)
	wantAll(t, m.View(), vms[0].Name+" is blocked: a block cannot be acknowledged")
	if r.acked(vms[0].Key) {
		t.Error("a blocked VM was acknowledged")
	}

	m, cmd = press(t, m, "j")
	m, cmd2 := press(t, m, "a")
	m = settle(t, settle(t, m, cmd), cmd2)
	wantAll(t, m.View(), vms[1].Name+"  ▲ 2 warnings  ✓ acknowledged",
		"enter: 1 VM would move; 1 blocked stays; 1 with warnings not acknowledged stays (a acknowledges)")
	// a again withdraws it.
	m, _ = press(t, m, "a")
	wantAll(t, m.View(), vms[1].Name+"  ▲ 2 warnings  not acknowledged")
	m, _ = press(t, m, "a")
	m = pressAll(t, m, "j", "a")
	wantAll(t, m.View(), vms[2].Name+"  ▲ 1 warning  ✓ acknowledged", "enter: 2 VMs would move; 1 blocked stays")

	// The same warnings again (the fabric changed): the acknowledgements stand.
	rejudge := func(res preflight.Result) {
		t.Helper()
		e.pre = res
		next := e.Snapshot()
		next.Gen++
		next.FabricGen++
		e.Publish(next)
		_, cmd := r.Update(stateMsg{state: next})
		if cmd == nil {
			t.Fatal("a new fabric did not judge again")
		}
		m = settle(t, m, cmd)
	}
	rejudge(judge(s, reviewFindings(vms), vms, nil))
	if !r.acked(vms[1].Key) || !r.acked(vms[2].Key) {
		t.Fatalf("a judgement with the same warnings withdrew an acknowledgement:\n%s", m.View())
	}

	// A new warning for the third VM withdraws its acknowledgement, and says so; the second
	// VM's stands.
	res := reviewFindings(vms)
	res.Findings = append(res.Findings, preflight.Finding{Code: preflight.CodeVLANUnverified, Severity: preflight.Warn, VM: vms[2].Key,
		VMName: vms[2].Name, Object: "vlan 220", Message: "VLAN 220 cannot be checked on the DCI.", Remedy: "Poll the switches."})
	rejudge(judge(s, res, vms, nil))
	if r.acked(vms[2].Key) || !r.acked(vms[1].Key) {
		t.Errorf("after a new warning: acked %v, %v; want the second VM's only", r.acked(vms[1].Key), r.acked(vms[2].Key))
	}
	wantAll(t, m.View(), vms[2].Name+"  ▲ 2 warnings  not acknowledged",
		"▲ acknowledgement withdrawn: new warning VLAN_UNVERIFIED vlan 220",
		"enter: 1 VM would move; 1 blocked stays; 1 with warnings not acknowledged stays")
	if got := m.flash.text; !strings.Contains(got, "acknowledgement withdrawn: "+vms[2].Name+" has a new warning (VLAN_UNVERIFIED vlan 220)") {
		t.Errorf("flash %q does not say the acknowledgement was withdrawn", got)
	}
	// Acknowledging again covers the new warning.
	m, _ = press(t, m, "a")
	if !r.acked(vms[2].Key) || strings.Contains(m.View(), "▲ acknowledgement withdrawn") {
		t.Errorf("acknowledging again did not take:\n%s", m.View())
	}
}

// A VM with no warnings has nothing to acknowledge.
func TestReviewAcknowledgeClearVM(t *testing.T) {
	e := newFakeEngine(reviewState())
	m := newTestModel(t, e, 120, 40)
	vm, _ := m.main.sites[0].Selected()
	m, cmd := press(t, m, "p")
	m = settle(t, m, cmd)
	wantAll(t, m.View(), vm.Name+"  ● clear", "enter: 1 VM would move")
	m, cmd = press(t, m, "a")
	m = settle(t, m, cmd)
	wantAll(t, m.View(), vm.Name+" has no warnings to acknowledge", vm.Name+"  ● clear")
}

// With nothing selected, p reviews the VM under the cursor.
func TestReviewCursorVM(t *testing.T) {
	e := newFakeEngine(testState())
	m := newTestModel(t, e, 120, 40)
	m = pressAll(t, m, "down")
	vm, _ := m.main.sites[0].Selected()
	m, cmd := press(t, m, "p")
	m = settle(t, m, cmd)
	if len(m.overlays) != 1 || !strings.Contains(m.View(), vm.Name+"  ● clear") {
		t.Errorf("p without a selection does not review %s:\n%s", vm.Name, m.View())
	}
}

// A new State whose fabric changed judges again; an answer to an older request is dropped.
func TestReviewRejudgesLive(t *testing.T) {
	s := reviewState()
	e := newFakeEngine(s)
	m, vms := openReview(t, e, 120, 60)

	// States reach the review as the root hands them on (the root's own command, which
	// waits for the next State, is left out).
	r := review(t, m)
	toReview := func(s model.State) tea.Cmd {
		t.Helper()
		_, cmd := r.Update(stateMsg{state: s})
		return cmd
	}
	// A State that changes nothing the review judged does not judge again.
	same := s
	same.Gen++
	if cmd := toReview(same); cmd != nil {
		t.Fatal("an unrelated State judged again")
	}

	next := same
	next.Gen++
	next.FabricGen++
	e.pre.Findings = append(e.pre.Findings, preflight.Finding{Code: preflight.CodeVLANNotExtended, Severity: preflight.Block,
		VM: vms[2].Key, Object: "vlan 110", Message: "VLAN 110 is not carried across the DCI.", Remedy: "Add VLAN 110 to the DCI trunk."})
	cmd := toReview(next)
	if cmd == nil {
		t.Fatal("a new fabric did not judge again")
	}
	// Another State while the request is in flight does not start a second one.
	later := next
	later.Gen++
	later.Sites = append([]model.SiteSnapshot(nil), later.Sites...)
	later.Sites[1].Gen++
	if cmd2 := toReview(later); cmd2 != nil {
		t.Fatal("a second preflight started while one was in flight")
	}
	if !strings.Contains(m.View(), "judging again…") {
		t.Errorf("no sign of judging again:\n%s", m.View())
	}
	m = settle(t, m, cmd) // the answer, then the request for the later State, then its answer
	if e.preflights != 3 {
		t.Errorf("%d preflights, want 3 (open, new fabric, the State that came meanwhile)", e.preflights)
	}
	screen := m.View()
	wantAll(t, screen, "re-judged 03:00:00", "VLAN_NOT_EXTENDED", "✗ 2 blocked", vms[2].Name+"  ✗ blocked")

	// A stale answer (an older request's) changes nothing.
	stale := reviewMsg{view: r, gen: r.gen - 1, res: preflight.Result{VMs: vms}}
	m = update(t, m, stale)
	if got := m.View(); got != screen {
		t.Errorf("a stale answer changed the review:\n%s", got)
	}
	// And so does another review's.
	m = update(t, m, reviewMsg{view: &ReviewView{}, gen: r.gen, res: preflight.Result{VMs: vms}})
	if got := m.View(); got != screen {
		t.Errorf("another review's answer changed this one:\n%s", got)
	}
}

// ackAll acknowledges the warnings of the second and third VMs (the first is blocked).
func ackAll(t *testing.T, m Model) Model {
	t.Helper()
	return pressAll(t, m, "j", "a", "j", "a")
}

// Confirming asks for the target site's id: a wrong one is refused and starts nothing; esc
// in the prompt gives up (a second esc closes the review); the right one asks the engine to
// start the moves, and the review closes once they are queued.
func TestReviewTypedConfirmation(t *testing.T) {
	e := newFakeEngine(reviewState())
	m, vms := openReview(t, e, 120, 60)
	m = ackAll(t, m)
	e.migrated = model.MigrateResult{Moves: []model.Move{queuedMove(vms[1]), queuedMove(vms[2])}}
	calls := len(e.calls)

	m, cmd := press(t, m, "enter")
	m = settle(t, m, cmd)
	wantAll(t, m.View(), "type site-b to confirm:", "2 VMs would move; 1 blocked stays")
	// q and esc-free typing go to the input, not to quitting.
	m = typeText(t, m, "site-q")
	m, cmd = press(t, m, "enter")
	if cmd != nil {
		m = settle(t, m, cmd)
	}
	if !strings.Contains(m.View(), `"site-q" is not site-b: nothing was started`) {
		t.Errorf("a wrong id is not refused:\n%s", m.View())
	}
	if len(e.calls) != calls || len(m.overlays) != 1 {
		t.Errorf("a wrong id called the engine (%+v) or closed the review", e.calls[calls:])
	}

	// esc in the prompt cancels it only.
	m, _ = press(t, m, "esc")
	if len(m.overlays) != 1 || strings.Contains(m.View(), "to confirm:") {
		t.Fatalf("esc did not cancel the prompt only:\n%s", m.View())
	}

	m, _ = press(t, m, "enter")
	m = typeText(t, m, "site-b")
	m, cmd = press(t, m, "enter")
	if len(e.migrations) != 0 {
		t.Fatal("the engine was called inside Update")
	}
	wantAll(t, m.View(), "starting 2 moves…")
	m = settle(t, m, cmd)
	if len(e.migrations) != 1 || e.calls[len(e.calls)-1].cmd != model.CmdMigrate {
		t.Fatalf("%d Migrate calls, calls %+v; want one", len(e.migrations), e.calls[calls:])
	}
	if len(m.overlays) != 0 {
		t.Errorf("the review stayed open once the moves were queued:\n%s", m.View())
	}

	// esc closes a review (another one).
	m = pressAll(t, m, "p")
	if len(m.overlays) != 1 {
		t.Fatal("p did not open a review")
	}
	m, _ = press(t, m, "esc")
	if len(m.overlays) != 0 {
		t.Error("esc did not close the review")
	}
}

// The prompt counts what would move and what stays; when nothing would move, enter says why
// and does not ask. Approved is the move confirming starts: the VMs that would move,
// their targets and the warnings acknowledged for each.
func TestReviewConfirmCounts(t *testing.T) {
	e := newFakeEngine(reviewState())
	m, vms := openReview(t, e, 120, 60)
	r := review(t, m)

	m, _ = press(t, m, "enter")
	if r.confirm.open {
		t.Fatal("enter asked for the id with nothing to move")
	}
	wantAll(t, m.View(), "nothing would move: 2 with warnings not acknowledged (a acknowledges); 1 blocked")
	if _, err := r.Approved(); err == nil || !strings.Contains(err.Error(), "nothing would move") {
		t.Errorf("Approved with nothing acknowledged: %v, want nothing would move", err)
	}

	m = pressAll(t, m, "j", "a")
	m, _ = press(t, m, "enter")
	wantAll(t, m.View(), "1 VM would move; 1 blocked stays; 1 with warnings not acknowledged stays (a acknowledges)", "type site-b to confirm:")
	m, _ = press(t, m, "esc")

	m = pressAll(t, m, "j", "a")
	move, err := r.Approved()
	if err != nil {
		t.Fatal(err)
	}
	if len(move.VMs) != 2 || move.VMs[0].VM.Key != vms[1].Key || move.VMs[1].VM.Key != vms[2].Key {
		t.Fatalf("approved %+v, want the second and third VMs", move.VMs)
	}
	if move.Result.To != siteB.id || len(move.Result.VMs) != 3 {
		t.Errorf("approved result to %s with %d VMs", move.Result.To, len(move.Result.VMs))
	}
	second := move.VMs[0]
	if second.Target.VM != vms[1].Key || second.Target.Cluster.Target != "B-01" || second.Estimate.DiskB != 120<<30 {
		t.Errorf("second VM's target %+v, estimate %+v", second.Target, second.Estimate)
	}
	var acked []string
	for _, f := range second.Acknowledged {
		acked = append(acked, f.Code+" "+f.Object)
	}
	if want := []string{"RTT_UNKNOWN dci", "SNAPSHOTS 3 snapshots"}; !reflect.DeepEqual(acked, want) {
		t.Errorf("second VM acknowledged %v, want %v", acked, want)
	}

	// Every VM blocked: nothing can move, and enter says so.
	res := reviewFindings(vms)
	res.Findings = append(res.Findings, preflight.Finding{Code: preflight.CodeDCIDown, Severity: preflight.Block, Object: "dci",
		Message: "Nothing crosses the DCI.", Remedy: "Bring a DCI link up."})
	m = update(t, m, reviewMsg{view: r, gen: r.gen, res: judge(e.Snapshot(), res, vms, nil)})
	m, _ = press(t, m, "enter")
	if r.confirm.open {
		t.Error("enter asked for the id with every VM blocked")
	}
	wantAll(t, m.View(), "nothing can move: every VM is blocked (a block cannot be overridden)")
}

// While a judgement is in flight the typed confirmation is refused: it would rest on an
// answer that is about to change.
func TestReviewConfirmWhileJudging(t *testing.T) {
	e := newFakeEngine(reviewState())
	m, _ := openReview(t, e, 120, 60)
	m = ackAll(t, m)
	r := review(t, m)
	m, _ = press(t, m, "enter")
	m = typeText(t, m, "site-b")
	next := e.Snapshot()
	next.Gen++
	next.FabricGen++
	if _, cmd := r.Update(stateMsg{state: next}); cmd == nil {
		t.Fatal("a new fabric did not judge again")
	}
	m, cmd := press(t, m, "enter")
	if cmd != nil {
		if _, ok := cmd().(migrateDoneMsg); ok || len(e.migrations) > 0 {
			t.Error("confirmed while the review was being judged again")
		}
	}
	wantAll(t, m.View(), "The review is being judged again: confirm once it is done. Nothing was started.")
}

// e opens the target editor on the VM under the cursor: cluster, host, datastore and a row
// per network, each cycling through the target site's objects. enter keeps the choices and
// judges again with them; esc drops them without a request.
func TestReviewTargetEditor(t *testing.T) {
	e := newFakeEngine(reviewState())
	m, vms := openReview(t, e, 120, 40)
	r := review(t, m)
	m = pressAll(t, m, "j") // the second VM: on site A's VMFS datastore, VLANs 100 and 150
	m, cmd := press(t, m, "e")
	m = settle(t, m, cmd) // reads its details: the disk sizes
	if r.editor == nil {
		t.Fatalf("e did not open the target editor:\n%s", m.View())
	}
	screen := m.View()
	wantAll(t, screen, "targets: "+vms[1].Name+" → Atlanta (site B)",
		"→ B-01 / esx-b01-01  storage moves to vmfs-b01 (120 GiB, +1 h 09 min)",
		"> Cluster", "‹ as mapped ›  B-01 (by config)", "Host", "automatic", "Datastore",
		"VLAN100-Mgmt", "VLAN150-Backup", "row 1/5", "choice 1 of 4 · unchanged")
	wantAll(t, screen, "↑/k ↓/j row", "←/h →/l choose", "enter save", "esc cancel")

	// Cluster: as mapped, B-01, B-02, B-DEV. B-02 offers its own hosts and datastores.
	m = pressAll(t, m, "l", "l")
	wantAll(t, m.View(), "‹ B-02 ›  2 hosts, 768 GiB memory free")
	m = pressAll(t, m, "j", "l")
	wantAll(t, m.View(), "> Host", "‹ esx-b02-01 ›  448 GiB memory free")
	m = update(t, m, tea.KeyMsg{Type: tea.KeyRight}) // the arrow keys work too
	wantAll(t, m.View(), "‹ esx-b02-02 ›  384 GiB memory free")
	m = pressAll(t, m, "l")
	wantAll(t, m.View(), "‹ automatic ›") // round
	m = pressAll(t, m, "h")
	// Datastores: as mapped, then those B-02's hosts mount, each saying what it means.
	m = pressAll(t, m, "j", "l")
	wantAll(t, m.View(), "> Datastore", "‹ nfs-metro-01 ›  move storage: 120 GiB, +1 h 09 min")
	m = pressAll(t, m, "l")
	wantAll(t, m.View(), "‹ vmfs-b02 ›  move storage: 120 GiB, +1 h 09 min")
	// Networks: the target site's port groups with their VLANs.
	m = pressAll(t, m, "j", "l", "l")
	wantAll(t, m.View(), "> VLAN100-Mgmt", "‹ VLAN110-Web (110) ›  the VM is on VLAN 100 now", "enter judges again with these choices")

	before := len(e.requests)
	m, cmd = press(t, m, "enter")
	if r.editor != nil {
		t.Fatal("enter did not close the editor")
	}
	m = settle(t, m, cmd)
	if len(e.requests) != before+1 {
		t.Fatalf("%d requests after saving, want %d", len(e.requests), before+1)
	}
	want := preflight.Override{Cluster: "B-02", Host: "esx-b02-02", Datastore: "vmfs-b02", Networks: map[string]string{"VLAN100-Mgmt": "VLAN110-Web"}}
	req := e.requests[len(e.requests)-1]
	if got := req.Overrides[vms[1].Key]; !reflect.DeepEqual(got, want) || len(req.Overrides) != 1 {
		t.Errorf("request overrides %+v, want %+v for %s only", req.Overrides, want, vms[1].Name)
	}

	// Opened again, it starts from the saved choices; esc drops a change without a request.
	m, cmd = press(t, m, "e")
	m = settle(t, m, cmd)
	wantAll(t, m.View(), "‹ B-02 ›")
	m = pressAll(t, m, "l", "esc")
	if r.editor != nil || len(m.overlays) != 1 {
		t.Fatalf("esc did not close the editor only: editor %v, %d views", r.editor != nil, len(m.overlays))
	}
	if len(e.requests) != before+1 {
		t.Errorf("esc sent a request: %d requests, want %d", len(e.requests), before+1)
	}
	// Overrides of several VMs all go with every request.
	m = pressAll(t, m, "j")
	m, cmd = press(t, m, "e")
	m = settle(t, m, cmd)
	m = pressAll(t, m, "j", "j", "l") // the third VM's datastore: nfs-metro-01 is where it is
	wantAll(t, m.View(), "‹ nfs-metro-01 ›  keep: same storage")
	m, cmd = press(t, m, "enter")
	m = settle(t, m, cmd)
	req = e.requests[len(e.requests)-1]
	if len(req.Overrides) != 2 || req.Overrides[vms[2].Key].Datastore != "nfs-metro-01" || req.Overrides[vms[1].Key].Cluster != "B-02" {
		t.Errorf("request overrides %+v, want both VMs'", req.Overrides)
	}
}

// The review shows the operator's choices as judged: marked ✎, and one the engine could not
// follow with why, in the review and in the editor.
func TestReviewShowsOverrides(t *testing.T) {
	s := reviewState()
	e := newFakeEngine(s)
	m, vms := openReview(t, e, 120, 60)
	r := review(t, m)
	over := map[model.VMKey]preflight.Override{
		vms[1].Key: {Cluster: "B-01", Host: "esx-b02-01", Networks: map[string]string{"VLAN150-Backup": "VLAN140-K8s"}},
	}
	m = update(t, m, reviewMsg{view: r, gen: r.gen, res: judge(s, reviewFindings(vms), vms, over)})
	r.overrides = over
	wantAll(t, m.View(), "→ B-01✎ / ✗ no host", "VLAN150-Backup → VLAN140-K8s✎",
		"✗ host: the chosen host esx-b02-01 is not in cluster B-01")
	m = pressAll(t, m, "j")
	m, cmd := press(t, m, "e")
	m = settle(t, m, cmd)
	wantAll(t, m.View(), "‹ B-01 ›", "esx-b02-01    not a host of this cluster", "VLAN140-K8s (140)",
		"✗ host: the chosen host esx-b02-01 is not in cluster B-01")
	// A datastore the chosen host does not mount says so.
	m = pressAll(t, m, "j", "j", "l", "l")
	wantAll(t, m.View(), "‹ vmfs-b01 ›  move storage: 120 GiB, +1 h 09 min; not mounted by esx-b02-01")
	m = pressAll(t, m, "k", "l", "j")
	wantAll(t, m.View(), "Host             automatic", "vmfs-b01 ›  move storage: 120 GiB, +1 h 09 min ")
}

// A viewer may review but not confirm: enter does nothing and the review says why.
func TestReviewViewerCannotConfirm(t *testing.T) {
	e := newFakeEngine(reviewState())
	viewer := func(o *Options) { o.Operator = model.Operator{Name: "ro", From: "test", Role: model.RoleViewer} }
	m, _ := openReview(t, e, 120, 60, viewer)
	m = ackAll(t, m)
	m, cmd := press(t, m, "enter")
	m = settle(t, m, cmd)
	screen := m.View()
	if strings.Contains(screen, "to confirm:") {
		t.Errorf("a viewer was asked to confirm:\n%s", screen)
	}
	if !strings.Contains(screen, "a viewer cannot start moves") {
		t.Errorf("the review does not say why a viewer cannot confirm:\n%s", screen)
	}
	if strings.Contains(screen, "enter start move") {
		t.Errorf("a viewer's help offers to start the move:\n%s", screen)
	}
	if !strings.Contains(screen, "✓ acknowledged") {
		t.Errorf("a viewer cannot acknowledge:\n%s", screen)
	}
}

// The help bar and the full help list the review's keys.
func TestReviewHelp(t *testing.T) {
	e := newFakeEngine(reviewState())
	m, _ := openReview(t, e, 80, 24)
	bar := strings.Split(m.View(), "\n")[23]
	for _, want := range []string{"↑/k ↓/j VM", "a ack", "e targets", "enter start move", "esc back", "? help", "q quit"} {
		if !strings.Contains(bar, want) {
			t.Errorf("help bar %q lacks %q", bar, want)
		}
	}
	m, _ = press(t, m, "?")
	wantAll(t, m.View(), "previous VM", "next VM", "a", "acknowledge warnings", "edit targets", "start move")
}

// At 80x24 the review fits: 24 lines, each exactly 80 cells, scrolled to its end too, while
// confirming, with the full help and with the target editor open.
func TestReviewFits80x24(t *testing.T) {
	e := newFakeEngine(reviewState())
	m, _ := openReview(t, e, 80, 24)
	check := func(when string) {
		t.Helper()
		lines := strings.Split(m.View(), "\n")
		if len(lines) != 24 {
			t.Errorf("%s: %d lines, want 24", when, len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w != 80 {
				t.Errorf("%s: line %d is %d wide: %q", when, i, w, l)
			}
		}
	}
	check("opened")
	m = pressAll(t, m, "end")
	check("at the end")
	m = ackAll(t, m)
	check("acknowledged")
	m, _ = press(t, m, "enter")
	m = typeText(t, m, "site-b-and-a-very-long-string-that-will-not-fit-in-the-prompt-at-all")
	check("confirming")
	m, _ = press(t, m, "esc")
	m, _ = press(t, m, "?")
	check("full help")
	m, _ = press(t, m, "?")
	m, cmd := press(t, m, "e")
	m = settle(t, m, cmd)
	check("editing targets")
	m = pressAll(t, m, "j", "j", "l")
	check("editing the datastore")
}

// Golden screens of the review: `go test ./ui -run TestReviewGolden -update` rewrites them.
func TestReviewGolden(t *testing.T) {
	open := func(t *testing.T, w, h int, steps func(tm *teatest.TestModel)) []byte {
		s := reviewState()
		e := newFakeEngine(s)
		vms := s.Sites[0].VMs[:3]
		e.pre = judge(s, reviewFindings(vms), vms, nil)
		e.details = map[model.VMKey]model.VMDetails{vms[1].Key: diskDetails(vms[1])}
		return screen(t, e, w, h, "Atlanta (site B)", func(tm *teatest.TestModel) {
			tm.Type("   p")
			waitFor(t, tm, "judged 03:00:00")
			if steps != nil {
				steps(tm)
			}
		})
	}
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			teatest.RequireEqualOutput(t, open(t, size[0], size[1], nil))
		})
	}
	t.Run("80x24_acknowledged", func(t *testing.T) {
		teatest.RequireEqualOutput(t, open(t, 80, 24, func(tm *teatest.TestModel) {
			tm.Type("jaja")
			waitFor(t, tm, "2 VMs would move")
		}))
	})
	t.Run("80x24_editor", func(t *testing.T) {
		teatest.RequireEqualOutput(t, open(t, 80, 24, func(tm *teatest.TestModel) {
			tm.Type("jejjll")
			waitFor(t, tm, "vmfs-b01 ›")
		}))
	})
}

// At every size the console draws in, the review and the target editor fit the terminal,
// in colour too.
func TestReviewFitsEverySize(t *testing.T) {
	for _, size := range [][2]int{{60, 15}, {80, 24}, {100, 30}, {160, 48}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			colour := func(o *Options) { o.Renderer = colourRenderer() }
			m, _ := openReview(t, newFakeEngine(reviewState()), w, h, colour)
			for _, keys := range [][]string{nil, {"j", "a"}, {"end"}, {"?"}, {"?", "enter"}, {"esc", "e"}, {"j", "j", "l", "j"}, {"enter"}} {
				m = pressAll(t, m, keys...)
				checkFits(t, m.View(), w, h)
			}
			m = update(t, m, tea.WindowSizeMsg{Width: w + 7, Height: h + 3})
			checkFits(t, m.View(), w+7, h+3)
		})
	}
}

func TestApprox(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "1 s", 400 * time.Millisecond: "1 s", 12 * time.Second: "12 s", 59400 * time.Millisecond: "59 s",
		59600 * time.Millisecond: "1 min", 4 * time.Minute: "4 min", 68 * time.Minute: "1 h 08 min",
	} {
		if got := approx(d); got != want {
			t.Errorf("approx(%s) = %q, want %q", d, got, want)
		}
	}
}
