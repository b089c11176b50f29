package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

var alice = model.Operator{Name: "alice", From: "local terminal", Role: model.RoleOperator}

// queuedMove is vm's move to site B as the engine queues it (the fake numbers it).
func queuedMove(vm model.VM) model.Move {
	return model.Move{VM: vm.Key, VMName: vm.Name, From: vm.Key.Site, To: siteB.id,
		Target:   model.MoveTarget{ClusterName: "B-01", HostName: "esx-b01-01", DatastoreName: "nfs-metro-01"},
		Operator: alice, State: model.MoveQueued, Why: "waiting for its turn", Bytes: int64(vm.MemoryMiB) << 20, Queued: testNow}
}

// testMoves are moves of site A's VMs to site B in every state, in the order asked for:
// one done in 14 s, one failed, one cancelled, one in its second pre-copy pass at 62 %, one
// switching over, one waiting for its host.
func testMoves(s model.State) []model.Move {
	a := s.Sites[0].VMs
	mv := func(i int, id string, st model.MoveState) model.Move {
		return model.Move{ID: id, VM: a[i].Key, VMName: a[i].Name, From: siteA.id, To: siteB.id,
			Target:   model.MoveTarget{ClusterName: "B-01", HostName: "esx-b01-02", DatastoreName: "vmfs-b01"},
			Operator: alice, State: st, Bytes: 16 << 30, Queued: testNow.Add(-3 * time.Minute)}
	}
	done := mv(0, "mv-1", model.MoveDone)
	done.Progress, done.Started, done.Ended = 100, testNow.Add(-110*time.Second), testNow.Add(-96*time.Second)
	failed := mv(1, "mv-2", model.MoveFailed)
	failed.Progress, failed.Started, failed.Ended = 41, testNow.Add(-90*time.Second), testNow.Add(-60*time.Second)
	failed.Err = "A general system error occurred: the source detected that the destination failed to resume (MigrationFault)"
	cancelled := mv(2, "mv-3", model.MoveCancelled)
	cancelled.Progress, cancelled.Started, cancelled.Ended = 20, testNow.Add(-50*time.Second), testNow.Add(-30*time.Second)
	running := mv(3, "mv-4", model.MoveRunning)
	running.Progress, running.Phase, running.RateMbps, running.ETA = 62, "pre-copy pass 2", 9400, 3*time.Second
	running.Started, running.Acknowledged = testNow.Add(-20*time.Second), []string{"RTT_UNKNOWN dci", "SNAPSHOTS 3 snapshots"}
	switchover := mv(4, "mv-5", model.MoveSwitchover)
	switchover.Progress, switchover.RateMbps, switchover.ETA, switchover.Started = 97, 9100, time.Second, testNow.Add(-25*time.Second)
	queued := mv(5, "mv-6", model.MoveQueued)
	queued.Why = "host esx-a01-03 at its limit of 8"
	return []model.Move{done, failed, cancelled, running, switchover, queued}
}

// movesState is testState with testMoves.
func movesState() model.State {
	s := testState()
	s.Gen, s.MovesGen = 2, 1
	s.Moves = testMoves(s)
	return s
}

// withMoves is s with moves, a generation on.
func withMoves(s model.State, moves ...model.Move) model.State {
	s.Gen++
	s.MovesGen++
	s.Moves = moves
	return s
}

// Confirming the review asks the engine to start the moves of the VMs that would move,
// with the operator's target choices for them and the warnings acknowledged for each;
// once they are queued the review closes, the VMs leave the selection, the flash line
// names the moves and the moves pane shows them before any State does.
func TestConfirmStartsMoves(t *testing.T) {
	e := newFakeEngine(reviewState())
	m, vms := openReview(t, e, 120, 40)
	r := review(t, m)
	over := preflight.Override{Cluster: "B-02", Host: "esx-b02-01"}
	r.overrides[vms[0].Key] = preflight.Override{Cluster: "B-DEV"} // blocked: not sent
	r.overrides[vms[1].Key] = over
	m = ackAll(t, m)
	e.migrated = model.MigrateResult{Moves: []model.Move{queuedMove(vms[1]), queuedMove(vms[2])}}

	m, _ = press(t, m, "enter")
	m = typeText(t, m, "site-b")
	m, cmd := press(t, m, "enter")
	m = settle(t, m, cmd)

	if len(e.migrations) != 1 {
		t.Fatalf("%d Migrate calls, want 1", len(e.migrations))
	}
	got := e.migrations[0]
	if got.who != m.common.Operator {
		t.Errorf("Migrate as %+v, want the session's operator", got.who)
	}
	if want := []model.VMKey{vms[1].Key, vms[2].Key}; !reflect.DeepEqual(got.req.VMs, want) || got.req.To != siteB.id {
		t.Errorf("request VMs %v to %s; want %v to site-b", got.req.VMs, got.req.To, want)
	}
	if want := map[model.VMKey]preflight.Override{vms[1].Key: over}; !reflect.DeepEqual(got.req.Overrides, want) {
		t.Errorf("request overrides %+v, want %+v", got.req.Overrides, want)
	}
	if got.req.Profile != preflight.ProfileLongDistance {
		t.Errorf("request profile %q, want the one judged (%s)", got.req.Profile, preflight.ProfileLongDistance)
	}
	wantAcked := map[model.VMKey][]string{
		vms[1].Key: {"RTT_UNKNOWN dci", "SNAPSHOTS 3 snapshots"},
		vms[2].Key: {"RTT_UNKNOWN dci"},
	}
	if !reflect.DeepEqual(got.acked, wantAcked) {
		t.Errorf("acknowledged %v, want %v", got.acked, wantAcked)
	}

	if len(m.overlays) != 0 {
		t.Fatalf("the review is still open:\n%s", m.View())
	}
	if m.flash.text != "2 moves queued (mv-1, mv-2)" {
		t.Errorf("flash %q", m.flash.text)
	}
	sel := m.main.sites[0].Selection()
	if len(sel) != 1 || sel[0].Key != vms[0].Key {
		t.Errorf("selection after starting: %v; want only the blocked VM left", sel)
	}
	screen := m.View()
	wantAll(t, screen, "MOVES 2 queued", vms[1].Name, vms[2].Name, "queued: waiting for its turn", "2 moves queued (mv-1, mv-2)")

	// The State that holds them takes over from what the session kept meanwhile.
	moves := []model.Move{queuedMove(vms[1]), queuedMove(vms[2])}
	moves[0].ID, moves[1].ID = "mv-1", "mv-2"
	moves[0].State, moves[0].Why, moves[0].Progress, moves[0].Phase = model.MoveRunning, "", 5, "pre-copy pass 1"
	m = update(t, m, stateMsg{state: withMoves(e.Snapshot(), moves...)})
	if len(m.pending) != 0 {
		t.Errorf("pending %v after a State that holds them", m.pending)
	}
	wantAll(t, m.View(), "MOVES 1 running · 1 queued", "5%", "pre-copy pass 1")
}

// The flash line names the moves as first…last, and the VMs left out with why.
func TestConfirmFlashNamesMovesAndSkipped(t *testing.T) {
	e := newFakeEngine(reviewState())
	m, vms := openReview(t, e, 120, 40)
	m = ackAll(t, m)
	a := e.Snapshot().Sites[0].VMs
	moves := []model.Move{queuedMove(vms[1]), queuedMove(vms[2]), queuedMove(a[5])}
	for i := range moves {
		moves[i].ID = fmt.Sprintf("mv-%d", 4+i)
	}
	e.migrated = model.MigrateResult{Moves: moves, Skipped: []model.MoveSkipped{{VM: a[6].Key, Name: a[6].Name, Reason: "blocked: FT_ENABLED"}}}
	m, _ = press(t, m, "enter")
	m = typeText(t, m, "site-b")
	m, cmd := press(t, m, "enter")
	m = settle(t, m, cmd)
	want := "3 moves queued (mv-4…mv-6); 1 skipped: " + a[6].Name + " (blocked: FT_ENABLED)"
	if m.flash.text != want {
		t.Errorf("flash %q, want %q", m.flash.text, want)
	}
}

// When the engine refuses (a VM already moving) or leaves every VM out, nothing started:
// the review stays open and says why, and so does the flash line.
func TestConfirmMigrateRefused(t *testing.T) {
	e := newFakeEngine(reviewState())
	m, vms := openReview(t, e, 120, 40)
	m = ackAll(t, m)
	e.migrateErr = fmt.Errorf("%s (mv-3, running by bob): %w", vms[1].Name, errors.New("already queued or moving"))
	m, _ = press(t, m, "enter")
	m = typeText(t, m, "site-b")
	m, cmd := press(t, m, "enter")
	m = settle(t, m, cmd)
	if len(m.overlays) != 1 {
		t.Fatal("the review closed although nothing was started")
	}
	wantAll(t, m.View(), "could not start the moves: "+vms[1].Name+" (mv-3, running by bob): already queued or moving; nothing was started",
		"✗ nothing was started: "+vms[1].Name)
	if !m.flash.bad || !strings.Contains(m.flash.text, "already queued or moving") {
		t.Errorf("flash %+v", m.flash)
	}
	if len(m.main.sites[0].Selection()) != 3 || m.main.moves.Len() != 0 {
		t.Error("a refused request changed the selection or showed moves")
	}

	// Every VM left out: the review says which and why.
	e.migrateErr = nil
	e.migrated = model.MigrateResult{Skipped: []model.MoveSkipped{
		{VM: vms[1].Key, Name: vms[1].Name, Reason: "warnings not acknowledged: VLAN_UNVERIFIED vlan 220"},
		{VM: vms[2].Key, Name: vms[2].Name, Reason: "blocked: DCI_DOWN"},
	}}
	m, _ = press(t, m, "enter")
	m = typeText(t, m, "site-b")
	m, cmd = press(t, m, "enter")
	m = settle(t, m, cmd)
	if len(m.overlays) != 1 {
		t.Fatal("the review closed although nothing was queued")
	}
	wantAll(t, m.View(), "nothing was started: "+vms[1].Name+" (warnings not acknowledged: VLAN_UNVERIFIED vlan 220), "+vms[2].Name, "(blocked: DCI_DOWN)")
	if !m.flash.bad {
		t.Errorf("flash %+v is not an error", m.flash)
	}
}

// A viewer's session can neither start moves (the review never asks for the id) nor
// cancel them (x does nothing; the help does not offer it; the migrations view says why).
func TestViewerCannotStartOrCancel(t *testing.T) {
	viewer := func(o *Options) { o.Operator = model.Operator{Name: "ro", From: "test", Role: model.RoleViewer} }
	e := newFakeEngine(reviewState())
	m, _ := openReview(t, e, 120, 40, viewer)
	m = ackAll(t, m)
	m, cmd := press(t, m, "enter")
	m = settle(t, m, cmd)
	m = typeText(t, m, "site-b")
	m, cmd = press(t, m, "enter")
	m = settle(t, m, cmd)
	if len(e.migrations) != 0 {
		t.Errorf("a viewer started moves: %+v", e.migrations)
	}

	o := testOptions()
	viewer(&o)
	m = update(t, New(newFakeEngine(movesState()), o), tea.WindowSizeMsg{Width: 120, Height: 40})
	m = pressAll(t, m, "shift+tab")
	if focusOn(t, m) != focusMoves {
		t.Fatal("shift+tab did not focus the moves pane")
	}
	m, cmd = press(t, m, "x")
	m = settle(t, m, cmd)
	if m.confirm != nil {
		t.Error("a viewer was asked to confirm a cancel")
	}
	if strings.Contains(m.View(), "cancel move") {
		t.Errorf("a viewer's help offers to cancel:\n%s", m.View())
	}
	m = pressAll(t, m, "m")
	wantAll(t, m.View(), "read-only session: a viewer cannot cancel moves")
	m, cmd = press(t, m, "x")
	m = settle(t, m, cmd)
	if m.confirm != nil {
		t.Error("a viewer was asked to confirm a cancel in the migrations view")
	}
}

// The pane: a title counting the moves with the total ETA, a row per move with its bar,
// rate, ETA and phase, the active ones first, then the ended ones, latest first.
func TestMovesPaneRows(t *testing.T) {
	s := movesState()
	m := newTestModel(t, newFakeEngine(s), 160, 48)
	a := s.Sites[0].VMs
	screen := m.View()
	wantAll(t, screen,
		"MOVES 2 running · 1 queued · 1 done · 1 failed · 1 cancelled  total ≈ 10s",
		"A→B  ▕███████░░░░░▏ 62%  9.4 Gbps  ETA 3s     pre-copy pass 2",
		"A→B  ▕███████████░▏ 97%  9.1 Gbps  ETA 1s     switchover",
		"A→B  queued: host esx-a01-03 at its limit of 8",
		"A→B  ✓ done 14s",
		"A→B  ✗ failed: A general system error occurred",
		"A→B  – cancelled: VM stays at A",
	)
	// Active first, in the order asked for; then the latest to end.
	order := []string{a[3].Name, a[4].Name, a[5].Name, a[2].Name, a[1].Name, a[0].Name}
	last := -1
	lines := strings.Split(screen, "\n")
	for _, name := range order {
		at := -1
		for i, l := range lines {
			if strings.Contains(l, name+" ") && strings.Contains(l, "A→B") {
				at = i
			}
		}
		if at <= last {
			t.Fatalf("%s on line %d, after line %d: rows out of order:\n%s", name, at, last, screen)
		}
		last = at
	}
	// Under the sites, full width, with the site panes above it.
	if l := lineWith(screen, "MOVES"); !strings.HasPrefix(l, "┌─ MOVES") || !strings.HasSuffix(l, "┐") {
		t.Errorf("moves pane title line %q", l)
	}
}

// The title says what the governor allows: its limit while moves are active, a pause
// always, before the total ETA.
func TestMovesPaneGovernor(t *testing.T) {
	m := newTestModel(t, newFakeEngine(movesState()), 160, 48)
	p := m.main.moves
	p.SetGovernor(model.Governor{Limit: 6, Cap: 8, DCILimit: 6, Why: "≤ 6 at once (DCI 18.8 Gbps)"})
	if l := lineWith(p.View(), "MOVES"); !strings.Contains(l, "MOVES 2 running · 1 queued · 1 done · 1 failed · 1 cancelled  total ≈ 10s  ≤ 6 at once (DCI 18.8 Gbps)") {
		t.Errorf("limit: %q", l)
	}
	p.SetGovernor(model.Governor{Paused: "the DCI is down", Limit: 8, Why: "paused: the DCI is down"})
	if l := lineWith(p.View(), "MOVES"); !strings.Contains(l, "MOVES 2 running · 1 queued · 1 done · 1 failed · 1 cancelled  paused: the DCI is down  total ≈ 10s") {
		t.Errorf("paused: %q", l)
	}
	// With no move active, the limit is left out and a pause still shows.
	s := movesState()
	p.SetMoves(s.Moves[:3], siteLetters(s))
	if l := lineWith(p.View(), "MOVES"); !strings.Contains(l, "MOVES 1 done · 1 failed · 1 cancelled  paused: the DCI is down ") {
		t.Errorf("paused, nothing active: %q", l)
	}
	p.SetGovernor(model.Governor{Limit: 8, Why: "≤ 8 at once (DCI 18.8 Gbps)"})
	if l := lineWith(p.View(), "MOVES"); strings.Contains(l, "at once") {
		t.Errorf("limit with nothing active: %q", l)
	}
}

// At 80x24 the pane keeps to its title and three moves, says how many more there are, and
// leaves the site panes their height.
func TestMovesPaneAt80x24(t *testing.T) {
	m := newTestModel(t, newFakeEngine(movesState()), 80, 24)
	if m.main.movesH != 5 {
		t.Errorf("moves pane %d lines at 80x24, want 5 (title, 3 moves, border)", m.main.movesH)
	}
	if h := m.main.sites[0].height; h < siteMinH {
		t.Errorf("site panes %d lines, under their minimum %d", h, siteMinH)
	}
	if m.main.sites[0].listHeight() < 10 {
		t.Errorf("site panes list %d VMs at 80x24, want at least 10", m.main.sites[0].listHeight())
	}
	screen := m.View()
	lines := strings.Split(screen, "\n")
	wantAll(t, screen, "MOVES 2 running · 1 queued · 1 done · 1 failed · 1 cancelled", "62%", "9.4 Gbps", "ETA 3s", "3 more · m all")
	if !strings.Contains(lines[22], "DCI") {
		t.Errorf("the fabric strip is not under the moves pane: %q", lines[22])
	}
	// Tiny terminals give the sites their minimum first; the full help hides the pane.
	for _, size := range [][2]int{{60, 15}, {80, 16}, {100, 20}} {
		m = update(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		if m.main.sites[0].height < siteMinH {
			t.Errorf("%dx%d: site panes %d lines, under %d", size[0], size[1], m.main.sites[0].height, siteMinH)
		}
		checkFits(t, m.View(), size[0], size[1])
	}
	m = update(t, m, tea.WindowSizeMsg{Width: 60, Height: 15})
	m = pressAll(t, m, "?")
	if m.main.movesH != 0 || m.main.sites[0].height < siteMinH {
		t.Errorf("with the full help at 60x15: moves %d lines, sites %d", m.main.movesH, m.main.sites[0].height)
	}
}

// One State with new progress is enough for the pane to show it.
func TestMovesProgressRerenders(t *testing.T) {
	s := movesState()
	e := newFakeEngine(s)
	m := newTestModel(t, e, 120, 40)
	wantAll(t, m.View(), "62%", "ETA 3s")
	moves := append([]model.Move(nil), s.Moves...)
	moves[3].Progress, moves[3].ETA, moves[3].Phase, moves[3].RateMbps = 75, 2*time.Second, "pre-copy pass 3", 9800
	m = update(t, m, stateMsg{state: withMoves(s, moves...)})
	screen := m.View()
	wantAll(t, screen, "75%", "9.8 Gbps", "ETA 2s", "pre-copy pass 3")
	if strings.Contains(screen, "62%") {
		t.Error("the old percentage is still on screen")
	}
	// An older State (a lower Gen) changes nothing.
	m = update(t, m, stateMsg{state: s})
	wantAll(t, m.View(), "75%")
}

// A progress change published by the engine reaches the screen within a second.
func TestMovesProgressReachesScreen(t *testing.T) {
	s := movesState()
	e := newFakeEngine(s)
	tm := teatest.NewTestModel(t, New(e, testOptions()), teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "62%")
	for e.subscribers() == 0 {
		time.Sleep(time.Millisecond)
	}
	moves := append([]model.Move(nil), s.Moves...)
	moves[3].Progress = 81
	e.Publish(withMoves(s, moves...))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "81%") },
		teatest.WithDuration(time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// tab goes site A, site B, the fabric, the moves pane (while it is shown), and round.
func TestMovesPaneFocus(t *testing.T) {
	for _, w := range []int{120, 100} {
		m := newTestModel(t, newFakeEngine(movesState()), w, 40)
		for _, want := range []int{1, focusFabric, focusMoves, 0} {
			if m = pressAll(t, m, "tab"); focusOn(t, m) != want {
				t.Fatalf("%d wide: tab to %d, want %d", w, m.main.focus, want)
			}
		}
		if m = pressAll(t, m, "shift+tab"); focusOn(t, m) != focusMoves {
			t.Fatalf("%d wide: shift+tab from site A to %d, want the moves pane", w, m.main.focus)
		}
		// The pane scrolls with the cursor, and / goes to the site pane focused last.
		m = pressAll(t, m, "j", "j")
		if mv, _ := m.main.moves.Selected(); mv.ID != "mv-6" {
			t.Errorf("cursor on %s after j j, want mv-6", mv.ID)
		}
		m = pressAll(t, m, "/")
		if focusOn(t, m) != 0 || !m.main.sites[0].Filtering() {
			t.Errorf("/ from the moves pane: focus %d, filtering %v", m.main.focus, m.main.sites[0].Filtering())
		}
	}
	// Without moves, the cycle is as before.
	m := newTestModel(t, newFakeEngine(testState()), 120, 30)
	for _, want := range []int{1, focusFabric, 0} {
		if m = pressAll(t, m, "tab"); focusOn(t, m) != want {
			t.Fatalf("no moves: tab to %d, want %d", m.main.focus, want)
		}
	}
}

// x on a move asks first; only y cancels it, through the engine and off Update. n and esc
// keep it, other keys are ignored while asked; a move that ended meanwhile is not
// cancelled; an ended move is not asked about.
func TestCancelMoveConfirmation(t *testing.T) {
	s := movesState()
	e := newFakeEngine(s)
	m := newTestModel(t, e, 120, 40)
	m = pressAll(t, m, "shift+tab") // the moves pane, its cursor on mv-4 (running)
	a := s.Sites[0].VMs

	ask := func() {
		t.Helper()
		var cmd tea.Cmd
		m, cmd = press(t, m, "x")
		m = settle(t, m, cmd)
		if m.confirm == nil {
			t.Fatalf("x did not ask:\n%s", m.View())
		}
	}
	ask()
	screen := m.View()
	wantAll(t, screen, "Cancel mv-4 "+a[3].Name+" (A→B, 62%)? Its VM stays at site-a.", "y cancel the move", "n/esc keep it")
	if strings.Contains(screen, "q quit") {
		t.Error("the help offers q while a question is asked")
	}
	m = pressAll(t, m, "j", "q", "?")
	if m.confirm == nil || m.main.moves.cursor != 0 {
		t.Fatal("another key answered the question or reached the pane")
	}
	m = pressAll(t, m, "n")
	if m.confirm != nil || len(e.cancels) != 0 {
		t.Fatalf("n: prompt %v, cancels %v", m.confirm != nil, e.cancels)
	}
	ask()
	m = pressAll(t, m, "esc")
	if m.confirm != nil || len(e.cancels) != 0 {
		t.Fatalf("esc: prompt %v, cancels %v", m.confirm != nil, e.cancels)
	}
	ask()
	m, cmd := press(t, m, "y")
	if m.confirm != nil {
		t.Fatal("y did not close the question")
	}
	if len(e.cancels) != 0 {
		t.Fatal("the engine was called inside Update")
	}
	m = settle(t, m, cmd)
	if !reflect.DeepEqual(e.cancels, []string{"mv-4"}) || e.calls[len(e.calls)-1].who != m.common.Operator {
		t.Errorf("cancels %v, calls %+v", e.cancels, e.calls)
	}
	wantAll(t, m.View(), "◌ mv-4 "+a[3].Name+": cancel sent")

	// The move ends while the question is asked: y cancels nothing and says so.
	m = pressAll(t, m, "j") // mv-5, switching over
	ask()
	moves := append([]model.Move(nil), s.Moves...)
	moves[4].State, moves[4].Ended = model.MoveDone, testNow
	m = update(t, m, stateMsg{state: withMoves(s, moves...)})
	m, cmd = press(t, m, "y")
	m = settle(t, m, cmd)
	if len(e.cancels) != 1 {
		t.Errorf("an ended move was cancelled: %v", e.cancels)
	}
	wantAll(t, m.View(), "mv-5 "+a[4].Name+" has ended (done): nothing to cancel")

	// An ended move is not asked about.
	m = pressAll(t, m, "G")
	m, cmd = press(t, m, "x")
	m = settle(t, m, cmd)
	if m.confirm != nil {
		t.Error("asked to cancel an ended move")
	}
	wantAll(t, m.View(), "has ended (done): nothing to cancel")

	// The engine's refusal reaches the flash line.
	e.cancelErr = errors.New("mv-6 is not a move of this engine")
	m = pressAll(t, m, "g", "j") // mv-6, queued (mv-5 has ended)
	ask()
	m, cmd = press(t, m, "y")
	m = settle(t, m, cmd)
	wantAll(t, m.View(), "✗ cancel-move mv-6")
}

// m opens every move in detail: target host and datastore, phase, rate, ETA, operator,
// acknowledged warnings, errors in full; x there cancels the move under the cursor.
func TestMovesView(t *testing.T) {
	s := movesState()
	e := newFakeEngine(s)
	m := newTestModel(t, e, 120, 60)
	m = pressAll(t, m, "m")
	if _, ok := m.top().(*MovesView); !ok {
		t.Fatalf("m opened %T", m.top())
	}
	a := s.Sites[0].VMs
	screen := m.View()
	wantAll(t, screen,
		"2 running · 1 queued · 1 done · 1 failed · 1 cancelled", "total ≈ 10s",
		"x cancels the move under the cursor",
		"> "+a[3].Name, "mv-4 · site-a → site-b · B-01 / esx-b01-02 · datastore vmfs-b01 · 16 GiB",
		"by alice (local terminal) · queued 02:57:00 · started 02:59:40",
		"acknowledged: RTT_UNKNOWN dci, SNAPSHOTS 3 snapshots",
		"pre-copy pass 2 · 62% of 16 GiB · 9.4 Gbps · ETA 3s · running for 20s",
		"switchover: the VM is stunned and switched over",
		"waiting: host esx-a01-03 at its limit of 8",
		"✓ done in 14s: the VM runs at site-b",
		"✗ failed: A general system error occurred: the source detected that the destination failed to resume",
		"(MigrationFault); the VM stays at site-a", "22.6 of 48 GiB left to send at 18.5 Gbps",
		"– cancelled: the VM stays at site-a",
		"move 1/6",
	)
	m = pressAll(t, m, "j", "j")
	wantAll(t, m.View(), "> "+a[5].Name, "move 3/6")
	m, cmd := press(t, m, "x")
	m = settle(t, m, cmd)
	m, cmd = press(t, m, "y")
	m = settle(t, m, cmd)
	if !reflect.DeepEqual(e.cancels, []string{"mv-6"}) {
		t.Errorf("cancels %v, want mv-6", e.cancels)
	}
	// It follows the States, the cursor on its move.
	moves := append([]model.Move(nil), s.Moves...)
	moves[5].State, moves[5].Why, moves[5].Progress, moves[5].Phase = model.MoveCancelling, "", 3, ""
	m = update(t, m, stateMsg{state: withMoves(s, moves...)})
	wantAll(t, m.View(), "> "+a[5].Name, "cancelling: vCenter has not ended the task yet")
	m, _ = press(t, m, "esc")
	if len(m.overlays) != 0 {
		t.Error("esc did not close the migrations view")
	}

	// enter on a move in the pane opens the view on it.
	m = pressAll(t, m, "shift+tab", "j")
	m, cmd = press(t, m, "enter")
	m = settle(t, m, cmd)
	if v, ok := m.top().(*MovesView); !ok || v.cursorID != "mv-5" {
		t.Errorf("enter on mv-5 opened %T", m.top())
	}

	// With no moves it says how to start one.
	m = pressAll(t, newTestModel(t, newFakeEngine(testState()), 80, 24), "m")
	wantAll(t, m.View(), "no moves yet", "p reviews moving them")
}

// historyRecords is an audit log: a move queued, started and done; a refused command; a
// failed move.
func historyRecords() []model.AuditRecord {
	vm := &model.AuditVM{Name: "mia-prod-web-01", InstanceUUID: "5001", MoRef: "vm-1001"}
	t0 := testNow.Add(-10 * time.Minute)
	return []model.AuditRecord{
		{Time: t0, Seq: 1, Operator: alice, Action: model.AuditCommand, Command: model.CmdMigrate, Site: siteB.id, Object: "1 VMs to site-b", Result: model.AuditOK},
		{Time: t0.Add(time.Second), Seq: 2, Operator: alice, Action: "move.queued", Move: "mv-1", VM: vm, From: siteA.id, To: siteB.id, Result: model.AuditQueued},
		{Time: t0.Add(2 * time.Second), Seq: 3, Operator: alice, Action: "move.started", Move: "mv-1", VM: vm, From: siteA.id, To: siteB.id, Result: model.AuditStarted},
		{Time: t0.Add(16 * time.Second), Seq: 4, Operator: alice, Action: "move.done", Move: "mv-1", VM: vm, From: siteA.id, To: siteB.id, Result: model.AuditOK, Duration: 14 * time.Second},
		{Time: t0.Add(time.Minute), Seq: 5, Operator: model.Operator{Name: "ro", Role: model.RoleViewer}, Action: model.AuditCommand, Command: model.CmdCancelMove, Object: "mv-1",
			Result: model.AuditRefused("ro: viewer may not cancel-move: needs the operator role"), Error: "needs the operator role"},
		{Time: t0.Add(2 * time.Minute), Seq: 6, Operator: alice, Action: "move.failed", Move: "mv-2", VM: &model.AuditVM{Name: "mia-prod-app-02"}, From: siteA.id, To: siteB.id,
			Result: model.AuditFailed("the destination failed to resume"), Duration: 31 * time.Second},
	}
}

// h opens the history: reading, then the records oldest first, newest last and in view;
// an empty log and a failed read say so.
func TestHistoryView(t *testing.T) {
	e := newFakeEngine(movesState())
	e.history = historyRecords()
	m := newTestModel(t, e, 120, 30)
	m, cmd := press(t, m, "h")
	if _, ok := m.top().(*HistoryView); !ok {
		t.Fatalf("h opened %T", m.top())
	}
	if e.historyCalls != 0 {
		t.Fatal("the engine was called inside Update")
	}
	wantAll(t, m.View(), "reading the audit log…")
	m = settle(t, m, cmd)
	screen := m.View()
	wantAll(t, screen, "6 records, newest last · read 03:00:00",
		"TIME      OPERATOR  ACTION        VM               FROM → TO  DURATION  RESULT",
		"2025-03-14 Friday",
		"02:50:00  alice     migrate       1 VMs to site-b                       ok",
		"02:50:16  alice     move.done     mia-prod-web-01  A→B             14s  ok",
		"02:51:00  ro        cancel-move   mv-1                                  refused: ro: viewer may not cancel-move: needs",
		"the operator role",
		"02:52:00  alice     move.failed   mia-prod-app-02  A→B             31s  failed: the destination failed to resume",
		"6/6")
	if i, j := strings.Index(screen, "move.queued"), strings.Index(screen, "move.failed"); i < 0 || j < i {
		t.Error("records not oldest first")
	}

	// A move that ends while it is open reads the log again.
	s := e.Snapshot()
	moves := append([]model.Move(nil), s.Moves...)
	moves[3].State, moves[3].Ended = model.MoveDone, testNow
	e.history = append(e.history, model.AuditRecord{Time: testNow, Operator: alice, Action: "move.done", Move: "mv-4", From: siteA.id, To: siteB.id, Result: model.AuditOK})
	cmd = m.applyState(withMoves(s, moves...)) // as Update does, less the wait for the next State
	m = settle(t, m, cmd)
	if e.historyCalls != 2 {
		t.Errorf("%d reads, want 2 (opened, a move ended)", e.historyCalls)
	}
	wantAll(t, m.View(), "7 records", "7/7")
	// Progress alone does not.
	moves[4].Progress = 99
	cmd = m.applyState(withMoves(e.Snapshot(), moves...))
	m = settle(t, m, cmd)
	if e.historyCalls != 2 {
		t.Errorf("%d reads after progress only, want 2", e.historyCalls)
	}

	// Many records: it opens at the newest, and scrolls.
	e.history = nil
	for i := 0; i < 200; i++ {
		e.history = append(e.history, model.AuditRecord{Time: testNow.Add(time.Duration(i) * time.Second), Operator: alice,
			Action: "move.queued", Move: fmt.Sprintf("mv-%d", i), VM: &model.AuditVM{Name: fmt.Sprintf("vm-%03d", i)}, Result: model.AuditQueued})
	}
	m, _ = press(t, m, "esc")
	m, cmd = press(t, m, "h")
	m = settle(t, m, cmd)
	wantAll(t, m.View(), "vm-199", "200/200")
	m = pressAll(t, m, "g")
	wantAll(t, m.View(), "vm-000")
	m = pressAll(t, m, "f")
	if strings.Contains(m.View(), "vm-000 ") {
		t.Error("pgdown did not scroll")
	}

	// Empty, and failed.
	e.history = nil
	m, _ = press(t, m, "esc")
	m, cmd = press(t, m, "h")
	m = settle(t, m, cmd)
	wantAll(t, m.View(), "0 records", "no moves recorded yet")
	// No log file yet is an empty history, not a failure.
	e.historyErr = fmt.Errorf("open audit.log: %w", fs.ErrNotExist)
	m, _ = press(t, m, "esc")
	m, cmd = press(t, m, "h")
	m = settle(t, m, cmd)
	wantAll(t, m.View(), "no moves recorded yet")
	e.historyErr = errors.New("open /var/lib/vmcross/audit.log: permission denied")
	m, _ = press(t, m, "esc")
	m, cmd = press(t, m, "h")
	m = settle(t, m, cmd)
	wantAll(t, m.View(), "could not read the audit log: Open /var/lib/vmcross/audit.log: permission denied.")
	m, _ = press(t, m, "esc")
	if len(m.overlays) != 0 {
		t.Error("esc did not close the history")
	}
}

// The new keys are in the help: ? lists m, h and (with the moves pane focused) x; each view
// has its keys in the bar.
func TestMovesHelp(t *testing.T) {
	m := newTestModel(t, newFakeEngine(movesState()), 120, 40)
	m = pressAll(t, m, "?")
	wantAll(t, m.View(), "m", "all moves", "h", "history")
	m = pressAll(t, m, "?", "shift+tab")
	wantAll(t, m.View(), "x cancel move", "m all moves")
	m = pressAll(t, m, "?")
	wantAll(t, m.View(), "move in detail", "cancel move", "history")
	m = pressAll(t, m, "?", "m")
	bar := strings.Split(m.View(), "\n")[39]
	for _, want := range []string{"↑/k ↓/j move", "x cancel move", "esc back", "? help", "q quit"} {
		if !strings.Contains(bar, want) {
			t.Errorf("migrations view's help bar %q lacks %q", bar, want)
		}
	}
}

// Goldens with moves: `go test ./ui -run TestMovesGolden -update` rewrites them.
func TestMovesGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			teatest.RequireEqualOutput(t, screen(t, newFakeEngine(movesState()), size[0], size[1], "Atlanta (site B)", nil))
		})
	}
	t.Run("80x24_cancel_prompt", func(t *testing.T) {
		out := screen(t, newFakeEngine(movesState()), 80, 24, "Atlanta (site B)", func(tm *teatest.TestModel) {
			tm.Send(tea.KeyMsg{Type: tea.KeyShiftTab})
			tm.Type("x")
			waitFor(t, tm, "Its VM stays")
		})
		teatest.RequireEqualOutput(t, out)
	})
	t.Run("80x24_moves_view", func(t *testing.T) {
		out := screen(t, newFakeEngine(movesState()), 80, 24, "Atlanta (site B)", func(tm *teatest.TestModel) {
			tm.Type("m")
			waitFor(t, tm, "move 1/6")
		})
		teatest.RequireEqualOutput(t, out)
	})
	t.Run("160x48_moves_view", func(t *testing.T) {
		out := screen(t, newFakeEngine(movesState()), 160, 48, "Atlanta (site B)", func(tm *teatest.TestModel) {
			tm.Type("m")
			waitFor(t, tm, "move 1/6")
		})
		teatest.RequireEqualOutput(t, out)
	})
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d_history", size[0], size[1]), func(t *testing.T) {
			e := newFakeEngine(movesState())
			e.history = historyRecords()
			out := screen(t, e, size[0], size[1], "Atlanta (site B)", func(tm *teatest.TestModel) {
				tm.Type("h")
				waitFor(t, tm, "6/6")
			})
			teatest.RequireEqualOutput(t, out)
		})
	}
}

// Nothing is wider than the terminal, at any size from 60x15 to 200x60, in colour too:
// the main view with moves (and the pane focused), the migrations view, the question, the
// history with its records, empty and failed.
func TestMovesFitEverySize(t *testing.T) {
	var sizes [][2]int
	for w := 60; w <= 200; w += 14 {
		for h := 15; h <= 60; h += 9 {
			sizes = append(sizes, [2]int{w, h})
		}
	}
	sizes = append(sizes, [2]int{200, 60}, [2]int{80, 24}, [2]int{119, 24}, [2]int{120, 24})
	hostile := func() model.State {
		s := movesState()
		mv := &s.Moves[3]
		mv.VMName = "zz-数据库服务器-東京-01-" + strings.Repeat("very-long-", 6) + "\x1b[31m"
		mv.Phase = "pre-copy\npass 2 " + strings.Repeat("and on ", 20)
		s.Moves[1].Err = "first line\nsecond\tline " + strings.Repeat("x", 300)
		s.Moves[5].Why = strings.Repeat("waiting ", 30)
		s.Moves[0].Acknowledged = []string{strings.Repeat("CODE_", 40) + " object"}
		return s
	}
	cases := []struct {
		name  string
		state func() model.State
		keys  []string
		hist  func(*fakeEngine)
	}{
		{"pane", movesState, nil, nil},
		{"pane_focused", movesState, []string{"shift+tab", "G"}, nil},
		{"pane_hostile", hostile, []string{"shift+tab", "j"}, nil},
		{"question", movesState, []string{"shift+tab", "x"}, nil},
		{"view", movesState, []string{"m", "j", "j", "j"}, nil},
		{"view_hostile", hostile, []string{"m", "G", "?"}, nil},
		{"history", movesState, []string{"h"}, func(e *fakeEngine) { e.history = historyRecords() }},
		{"history_end", movesState, []string{"h", "G", "?"}, func(e *fakeEngine) { e.history = historyRecords() }},
		{"history_empty", movesState, []string{"h"}, func(*fakeEngine) {}},
		{"history_failed", movesState, []string{"h"}, func(e *fakeEngine) { e.historyErr = errors.New(strings.Repeat("no such file ", 20)) }},
	}
	for _, c := range cases {
		for _, size := range sizes {
			w, h := size[0], size[1]
			t.Run(fmt.Sprintf("%s/%dx%d", c.name, w, h), func(t *testing.T) {
				for _, r := range []func() *lipgloss.Renderer{asciiRenderer, colourRenderer} {
					e := newFakeEngine(c.state())
					if c.hist != nil {
						c.hist(e)
					}
					opts := testOptions()
					opts.Renderer = r()
					m := update(t, New(e, opts), tea.WindowSizeMsg{Width: w, Height: h})
					for _, k := range c.keys {
						var cmd tea.Cmd
						m, cmd = press(t, m, k)
						m = settle(t, m, cmd)
					}
					checkFits(t, m.View(), w, h)
					m = update(t, m, tea.WindowSizeMsg{Width: w + 5, Height: h + 2})
					checkFits(t, m.View(), w+5, h+2)
				}
			})
		}
	}
}
