package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
)

// run runs cmd and feeds every message it yields (batches included) back into m, the way
// bubbletea would, but only one level deep: enough for a key's command and its answer.
func run(t *testing.T, m Model, cmd tea.Cmd) (Model, []tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return m, nil
	}
	var next []tea.Cmd
	msg := cmd()
	if batch, ok := msg.(tea.BatchMsg); ok {
		for _, c := range batch {
			var more []tea.Cmd
			m, more = run(t, m, c)
			next = append(next, more...)
		}
		return m, next
	}
	if msg == nil {
		return m, nil
	}
	if _, ok := msg.(tickMsg); ok {
		return m, nil
	}
	nm, c := m.Update(msg)
	return nm.(Model), append(next, c)
}

// settle runs commands until none is left (ticks and subscriptions aside).
func settle(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for i := 0; len(queue) > 0 && i < 20; i++ {
		c := queue[0]
		queue = queue[1:]
		var more []tea.Cmd
		m, more = run(t, m, c)
		queue = append(queue, more...)
	}
	return m
}

func rdmDetails(key model.VMKey, name string) model.VMDetails {
	return model.VMDetails{
		Key: key, Name: name, ChangeVersion: "1", HWVersion: "vmx-19", GuestOS: "Windows Server 2019",
		Disks: []model.Disk{
			{Label: "Hard disk 1", CapacityB: 100 << 30, Datastore: "vmfs-a01", Backing: model.BackingThin, Controller: "SCSI controller 0"},
			{Label: "Hard disk 2", CapacityB: 1 << 40, Backing: model.BackingRDMPhys, LUN: "naa.6006016", Controller: "SCSI controller 1"},
		},
		Controllers: []model.SCSIController{
			{Label: "SCSI controller 0", Type: "VMware Paravirtual", Bus: 0, BusSharing: "noSharing"},
			{Label: "SCSI controller 1", Type: "LSI Logic SAS", Bus: 1, BusSharing: "physicalSharing"},
		},
		CDROMs: []model.CDROM{{Label: "CD/DVD drive 1", Connected: true, Backing: "iso", ISO: "[local-esx-a01-01] iso/rhel.iso"}},
		NICs:   []model.NIC{{Label: "Network adapter 1", Type: "vmxnet3", MAC: "00:50:56:aa:bb:cc", Connected: true, PortGroup: "VLAN130-DB", VLAN: 130}},
		Snapshots: []model.Snapshot{{Name: "base", Created: testNow, Children: []model.Snapshot{
			{Name: "patched", Created: testNow, Children: []model.Snapshot{{Name: "rc1", Created: testNow, Current: true}}}}}},
		SnapshotCount: 3,
		FetchedAt:     testNow,
	}
}

// enter on a VM opens its details over the lists; esc closes them with the cursor where
// it was.
func TestDetailsOpenAndClose(t *testing.T) {
	e := newFakeEngine(testState())
	m := newTestModel(t, e, 160, 48)
	m = pressAll(t, m, "down", "down", "down")
	vm, ok := m.main.sites[0].Selected()
	if !ok {
		t.Fatal("no VM under the cursor")
	}
	vm.ChangeVersion = ""
	e.details = map[model.VMKey]model.VMDetails{vm.Key: rdmDetails(vm.Key, vm.Name)}
	before := m.View()

	m, cmd := press(t, m, "enter")
	m = settle(t, m, cmd)
	if len(m.overlays) != 1 {
		t.Fatalf("%d views over the lists, want the details", len(m.overlays))
	}
	screen := m.View()
	for _, want := range []string{vm.Name, "DISKS (2)", "✗ RDM physical", "physical bus sharing (clustered)",
		"▲ connected", "ISO [local-esx-a01-01] iso/rhel.iso", "VLAN130-DB (VLAN 130)", "SNAPSHOTS (3)", "└ patched", "● current", "esc back"} {
		if !strings.Contains(screen, want) {
			t.Errorf("details lack %q:\n%s", want, screen)
		}
	}
	if lines := strings.Split(screen, "\n"); len(lines) != 48 {
		t.Errorf("%d lines, want 48", len(lines))
	}
	if e.calls[len(e.calls)-1].cmd != "details" {
		t.Errorf("engine calls %+v, want a details read", e.calls)
	}

	m, _ = press(t, m, "esc")
	if len(m.overlays) != 0 {
		t.Fatal("esc did not close the details")
	}
	if got, _ := m.main.sites[0].Selected(); got.Key != vm.Key {
		t.Errorf("cursor on %s after esc, want %s", got.Name, vm.Name)
	}
	if m.View() != before {
		t.Error("the lists look different after closing the details")
	}
}

// A VM the engine cannot read (gone meanwhile) says why, and q still quits from there.
func TestDetailsErrorAndQuit(t *testing.T) {
	e := newFakeEngine(testState())
	e.details = map[model.VMKey]model.VMDetails{}
	m := newTestModel(t, e, 80, 24)
	m, cmd := press(t, m, "enter")
	m = settle(t, m, cmd)
	if s := m.View(); !strings.Contains(s, "could not read the details") {
		t.Errorf("no error on screen:\n%s", s)
	}
	if _, cmd := press(t, m, "q"); !isQuit(cmd) {
		t.Error("q does not quit from the details")
	}
}

// A change of the VM's configuration while its details are open reads them again.
func TestDetailsFollowReconfigure(t *testing.T) {
	st := testState()
	st.Sites[0].VMs[0].ChangeVersion = "1"
	e := newFakeEngine(st)
	key := st.Sites[0].VMs[0].Key
	e.details = map[model.VMKey]model.VMDetails{key: rdmDetails(key, st.Sites[0].VMs[0].Name)}
	m := newTestModel(t, e, 120, 30)
	m, cmd := press(t, m, "enter")
	m = settle(t, m, cmd)
	reads := len(e.calls)

	st2 := st
	st2.Gen++
	st2.Sites = append([]model.SiteSnapshot(nil), st.Sites...)
	vms := append([]model.VM(nil), st.Sites[0].VMs...)
	vms[0].ChangeVersion = "2"
	st2.Sites[0].VMs = vms
	// What Update does with a stateMsg, less re-arming the (here absent) subscription.
	cmd = m.applyState(st2)
	m = settle(t, m, cmd)
	if len(e.calls) != reads+1 {
		t.Errorf("%d reads after the change, want %d", len(e.calls), reads+1)
	}
}

// R asks the engine, as this session's operator, to reconnect the focused site; a viewer's
// session has no R, and its help does not offer it.
func TestReconnectKeyAndRoles(t *testing.T) {
	e := newFakeEngine(testState())
	m := newTestModel(t, e, 160, 48)
	m = pressAll(t, m, "tab")
	m, cmd := press(t, m, "R")
	m = settle(t, m, cmd)
	if len(e.calls) != 1 || e.calls[0].cmd != model.CmdReconnectSite || e.calls[0].site != testState().Sites[1].Status.ID {
		t.Fatalf("engine calls %+v, want one reconnect of site B", e.calls)
	}
	if e.calls[0].who.Role != model.RoleOperator || e.calls[0].who.Name == "" {
		t.Errorf("reconnect sent as %+v", e.calls[0].who)
	}
	if !strings.Contains(m.View(), "new vCenter session requested") {
		t.Errorf("no word on the reconnect:\n%s", m.View())
	}
	m = pressAll(t, m, "?")
	if !strings.Contains(m.View(), "reconnect site") {
		t.Error("the full help lacks R for an operator")
	}

	// A failed command says why, in the operator's words.
	e.err = errors.New("site-b: not allowed")
	m, cmd = press(t, m, "R")
	m = settle(t, m, cmd)
	if !strings.Contains(m.View(), "✗ reconnect-site") || !strings.Contains(m.View(), "Site-b: not allowed.") {
		t.Errorf("no error after a failed reconnect:\n%s", m.View())
	}
	// It goes away by itself.
	m.common.Now = func() time.Time { return testNow.Add(time.Minute) }
	m = update(t, m, tickMsg{})
	if strings.Contains(m.View(), "✗ reconnect-site") {
		t.Error("the error stays on screen")
	}

	opts := testOptions()
	opts.Operator = model.Operator{Name: "vic", From: "ssh SHA256:x", Role: model.RoleViewer}
	v := New(newFakeEngine(testState()), opts)
	v = update(t, v, tea.WindowSizeMsg{Width: 160, Height: 48})
	v = pressAll(t, v, "?")
	if strings.Contains(v.View(), "reconnect") {
		t.Error("a viewer's help offers reconnect")
	}
	if _, cmd := press(t, v, "R"); cmd != nil {
		if msg := cmd(); msg != nil {
			t.Errorf("a viewer's R did something: %#v", msg)
		}
	}
}

// A change at site B leaves the site A pane alone: no re-filter, no re-sort.
func TestOtherSiteChangeLeavesPaneAlone(t *testing.T) {
	st := testState()
	st.Sites[0].Gen, st.Sites[1].Gen = 5, 5
	st.FabricGen, st.VLANsInUse = 1, model.VLANsInUse(st.Sites) // as the engine publishes them
	m := newTestModel(t, newFakeEngine(st), 160, 48)
	rowsA, rowsB := &m.main.sites[0].rows[0], &m.main.sites[1].rows[0]

	st2 := st
	st2.Gen++
	st2.Sites = append([]model.SiteSnapshot(nil), st.Sites...)
	st2.Sites[1].Gen++
	st2.Sites[1].VMs = append([]model.VM(nil), st.Sites[1].VMs...)
	m = update(t, m, stateMsg{state: st2})
	if &m.main.sites[0].rows[0] != rowsA {
		t.Error("site A's rows were rebuilt for a change at site B")
	}
	if &m.main.sites[1].rows[0] == rowsB {
		t.Error("site B's rows were not rebuilt for its own change")
	}
}

// Scrolled to the end, the last line of the details is on screen (at 80x24 the details are
// longer than the view).
func TestDetailsScrollToEnd(t *testing.T) {
	e := newFakeEngine(testState())
	vm := testState().Sites[0].VMs[0]
	e.details = map[model.VMKey]model.VMDetails{vm.Key: rdmDetails(vm.Key, vm.Name)}
	m := newTestModel(t, e, 80, 24)
	m, cmd := press(t, m, "enter")
	m = settle(t, m, cmd)
	if strings.Contains(m.View(), "● current") {
		t.Fatal("the whole of the details fit: the test needs them longer than the view")
	}
	m = pressAll(t, m, "end")
	if s := m.View(); !strings.Contains(s, "● current") || !strings.Contains(s, "100%") {
		t.Errorf("the end of the details is not on screen:\n%s", s)
	}
}
