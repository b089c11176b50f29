package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// reviewFindings is what the fake judges for a selection: the first VM blocked, the second
// warned about, the third clear, and a warning about the whole selection.
func reviewFindings(vms []model.VM) preflight.Result {
	return preflight.Result{
		Profile: preflight.Profile{Name: preflight.ProfileLongDistance},
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

// openReview selects the first three VMs of site A and opens their review.
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
	e.pre = reviewFindings(vms)
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

func TestReviewShowsFindingsGroupedByVM(t *testing.T) {
	e := newFakeEngine(testState())
	m, vms := openReview(t, e, 120, 60)
	screen := m.View()
	for _, want := range []string{
		"review: Miami (site A) → Atlanta (site B)",
		"3 VMs", "✗ 1 blocked", "2 can move", "memory to copy", "profile long-distance", "judged 03:00:00",
		"ℹ vCenter's own CheckRelocate",
		"ALL VMs", "▲ RTT_UNKNOWN", "→ Wait for the next fabric poll",
		vms[0].Name + "  ✗ blocked", "✗ RDM_BUS_SHARING", "→ Fail the cluster role over",
		vms[1].Name + "  ▲ warnings", "▲ SNAPSHOTS", "→ Consolidate",
		vms[2].Name + "  ▲ warnings", // the selection-wide warning applies to it too
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("review lacks %q:\n%s", want, screen)
		}
	}
	// ALL VMs first, then the VMs in selection order.
	if i, j := strings.Index(screen, "ALL VMs"), strings.Index(screen, vms[0].Name+"  ✗"); i < 0 || j < i {
		t.Errorf("the selection-wide findings are not first:\n%s", screen)
	}
	// Memory to copy is the VMs that may move: the second and third.
	want := gibBytes((int64(vms[1].MemoryMiB) + int64(vms[2].MemoryMiB)) << 20)
	if !strings.Contains(screen, "memory to copy "+want+" GiB") {
		t.Errorf("memory to copy is not %s GiB:\n%s", want, screen)
	}
	if e.preflights != 1 || e.calls[len(e.calls)-1].site != siteB.id {
		t.Errorf("%d preflights, calls %+v; want one, to site B", e.preflights, e.calls)
	}

	m, _ = press(t, m, "esc")
	if len(m.overlays) != 0 {
		t.Fatal("esc did not close the review")
	}
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
	s := testState()
	e := newFakeEngine(s)
	m, vms := openReview(t, e, 120, 60)

	// States reach the review as the root hands them on (the root's own command, which
	// waits for the next State, is left out).
	r := m.top().(*ReviewView)
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
	for _, want := range []string{"re-judged 03:00:00", "VLAN_NOT_EXTENDED", "✗ 2 blocked", vms[2].Name + "  ✗ blocked"} {
		if !strings.Contains(screen, want) {
			t.Errorf("re-judged review lacks %q:\n%s", want, screen)
		}
	}

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

// Confirming asks for the target site's id: a wrong one is refused, the right one says that
// moves do not exist yet, and nothing is started.
func TestReviewTypedConfirmation(t *testing.T) {
	e := newFakeEngine(testState())
	m, _ := openReview(t, e, 120, 60)
	calls := len(e.calls)

	m, cmd := press(t, m, "enter")
	m = settle(t, m, cmd)
	if !strings.Contains(m.View(), "type site-b to confirm:") {
		t.Fatalf("enter does not ask for the target's id:\n%s", m.View())
	}
	// q and esc-free typing go to the input, not to quitting.
	m = typeText(t, m, "site-q")
	m, cmd = press(t, m, "enter")
	if cmd != nil {
		m = settle(t, m, cmd)
	}
	if !strings.Contains(m.View(), `"site-q" is not site-b: nothing was started`) {
		t.Errorf("a wrong id is not refused:\n%s", m.View())
	}
	if strings.Contains(m.View(), notMoving) {
		t.Error("a wrong id was accepted")
	}
	m = typeText(t, m, "site-b")
	m, cmd = press(t, m, "enter")
	m = settle(t, m, cmd)
	if !strings.Contains(m.View(), notMoving) {
		t.Errorf("the right id does not say moves are not implemented:\n%s", m.View())
	}
	if len(m.overlays) != 1 {
		t.Error("confirming closed the review")
	}
	if len(e.calls) != calls {
		t.Errorf("confirming called the engine: %+v", e.calls[calls:])
	}

	// esc in the prompt cancels it, and a second esc closes the review.
	m, _ = press(t, m, "enter")
	m, _ = press(t, m, "esc")
	if len(m.overlays) != 1 || strings.Contains(m.View(), "to confirm:") {
		t.Fatalf("esc did not cancel the prompt only:\n%s", m.View())
	}
	m, _ = press(t, m, "esc")
	if len(m.overlays) != 0 {
		t.Error("esc did not close the review")
	}
}

// A viewer may review but not confirm: enter does nothing and the review says why.
func TestReviewViewerCannotConfirm(t *testing.T) {
	e := newFakeEngine(testState())
	viewer := func(o *Options) { o.Operator = model.Operator{Name: "ro", From: "test", Role: model.RoleViewer} }
	m, _ := openReview(t, e, 120, 60, viewer)
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
}

// At 80x24 the review fits: 24 lines, each exactly 80 cells, scrolled to its end too, and
// while confirming.
func TestReviewFits80x24(t *testing.T) {
	e := newFakeEngine(testState())
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
	m, _ = press(t, m, "enter")
	m = typeText(t, m, "site-b-and-a-very-long-string-that-will-not-fit-in-the-prompt-at-all")
	check("confirming")
	m, _ = press(t, m, "esc")
	m, _ = press(t, m, "?")
	check("full help")
}
