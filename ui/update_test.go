package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend"
)

func selectedName(t *testing.T, p SitePane) string {
	t.Helper()
	vm, ok := p.Selected()
	if !ok {
		t.Fatal("no VM under the cursor")
	}
	return vm.Name
}

func TestNavigation(t *testing.T) {
	st := testState()
	vms := st.Sites[0].VMs
	m := newTestModel(t, newFakeEngine(st), 80, 24)
	listH := m.sites[0].listHeight()
	if listH < 10 {
		t.Fatalf("list height at 80x24 = %d, want at least 10", listH)
	}

	steps := []struct {
		keys []string
		want int // index of the VM under the cursor
	}{
		{nil, 0},
		{[]string{"down", "down", "j"}, 3},
		{[]string{"up", "k"}, 1},
		{[]string{"k", "k", "k"}, 0}, // stops at the top
		{[]string{"pgdown"}, listH},
		{[]string{"pgdown", "pgup"}, listH},
		{[]string{"end"}, len(vms) - 1},
		{[]string{"j"}, len(vms) - 1}, // stops at the bottom
		{[]string{"home"}, 0},
		{[]string{"G"}, len(vms) - 1},
		{[]string{"g"}, 0},
		{[]string{"f"}, listH},
		{[]string{"b"}, 0},
	}
	for _, s := range steps {
		m = pressAll(t, m, s.keys...)
		if got := selectedName(t, m.sites[0]); got != vms[s.want].Name {
			t.Errorf("after %v: cursor on %q, want %q", s.keys, got, vms[s.want].Name)
		}
	}

	// The cursor row is on screen, marked, and the footer says where we are. The last VM is
	// a VDI desktop on VLAN 300, which the DCI does not carry: "!" follows the cursor mark.
	m = pressAll(t, m, "end")
	view := m.View()
	if !strings.Contains(view, ">!"+vms[len(vms)-1].Name) {
		t.Errorf("last VM not shown under the cursor marker:\n%s", view)
	}
	if !strings.Contains(view, "80/80") {
		t.Errorf("footer does not say 80/80:\n%s", view)
	}
}

func TestTabSwitchesPanes(t *testing.T) {
	st := testState()
	m := newTestModel(t, newFakeEngine(st), 80, 24)
	if m.focus != 0 || !m.sites[0].Focused() || m.sites[1].Focused() {
		t.Fatal("site A should start focused")
	}
	m = pressAll(t, m, "tab")
	if m.focus != 1 || m.sites[0].Focused() || !m.sites[1].Focused() {
		t.Fatal("tab should focus site B")
	}
	// Keys go to the focused pane only.
	m = pressAll(t, m, "j", "j")
	if got, want := selectedName(t, m.sites[1]), st.Sites[1].VMs[2].Name; got != want {
		t.Errorf("site B cursor on %q, want %q", got, want)
	}
	if got, want := selectedName(t, m.sites[0]), st.Sites[0].VMs[0].Name; got != want {
		t.Errorf("site A cursor moved to %q, want %q", got, want)
	}
	m = pressAll(t, m, "tab")
	if m.focus != 0 {
		t.Fatal("tab should wrap around to site A")
	}
	m = pressAll(t, m, "shift+tab")
	if m.focus != 1 {
		t.Fatal("shift+tab should go back to site B")
	}
	m = pressAll(t, m, "shift+tab")
	if m.focus != 0 {
		t.Fatal("shift+tab should wrap around to site A")
	}
}

func TestFilter(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 80, 24)
	m = pressAll(t, m, "/")
	if !m.sites[0].Filtering() {
		t.Fatal("/ should open the filter")
	}
	m = typeText(t, m, "sql")
	p := m.sites[0]
	if p.Visible() != 8 {
		t.Errorf("typing sql shows %d VMs, want the 8 SQL servers", p.Visible())
	}
	for i := range p.rows {
		if name := p.site.VMs[p.rows[i].vm].Name; !strings.Contains(name, "sql") {
			t.Errorf("%q shown for filter sql", name)
		}
	}
	if view := m.View(); !strings.Contains(view, "8 of 80 VMs") || !strings.Contains(view, "/ sql") || !strings.Contains(view, "enter keep · esc clear") {
		t.Errorf("header should say 8 of 80 VMs and show the filter:\n%s", view)
	}
	if m.sites[1].Visible() != 80 {
		t.Errorf("site B filtered too: %d VMs", m.sites[1].Visible())
	}

	// enter keeps the filter and gives the keys back to the list.
	m = pressAll(t, m, "enter")
	if m.sites[0].Filtering() || m.sites[0].Query() != "sql" || m.sites[0].Visible() != 8 {
		t.Fatalf("after enter: filtering=%v query=%q visible=%d", m.sites[0].Filtering(), m.sites[0].Query(), m.sites[0].Visible())
	}
	m = pressAll(t, m, "j")
	if got := selectedName(t, m.sites[0]); !strings.Contains(got, "sql") {
		t.Errorf("j moved to %q, outside the filter", got)
	}

	// esc clears it.
	m = pressAll(t, m, "esc")
	if m.sites[0].Query() != "" || m.sites[0].Visible() != 80 {
		t.Errorf("after esc: query=%q visible=%d", m.sites[0].Query(), m.sites[0].Visible())
	}
	if got := selectedName(t, m.sites[0]); !strings.Contains(got, "sql") {
		t.Errorf("clearing the filter moved the cursor off its VM, to %q", got)
	}

	// esc while typing clears too, and / reopens with the filter in force.
	m = pressAll(t, m, "/")
	m = typeText(t, m, "web")
	m = pressAll(t, m, "esc")
	if m.sites[0].Filtering() || m.sites[0].Query() != "" || m.sites[0].Visible() != 80 {
		t.Errorf("esc while typing: filtering=%v query=%q", m.sites[0].Filtering(), m.sites[0].Query())
	}
	// A filter that matches nothing says so.
	m = pressAll(t, m, "/")
	m = typeText(t, m, "zzz")
	if m.sites[0].Visible() != 0 || !strings.Contains(m.View(), `no VMs match "zzz"`) {
		t.Errorf("empty result not explained:\n%s", m.View())
	}
}

func TestFilterMatchesClusterAndVLAN(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 120, 40)
	m = pressAll(t, m, "/")
	m = typeText(t, m, "vlan300")
	if got := m.sites[0].Visible(); got != 11 {
		t.Errorf("vlan300 shows %d VMs, want the 11 VDI VMs", got)
	}
	m = pressAll(t, m, "esc", "/")
	m = typeText(t, m, "a-dev")
	for _, r := range m.sites[0].rows {
		if vm := m.sites[0].site.VMs[r.vm]; vm.Cluster != "A-DEV" && r.matched == nil {
			t.Errorf("%s (cluster %s) shown for a-dev", vm.Name, vm.Cluster)
		}
	}
}

func TestQuit(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 80, 24)

	// While typing in the filter, q is a letter.
	m = pressAll(t, m, "/")
	m, cmd := press(t, m, "q")
	if isQuit(cmd) {
		t.Fatal("q in the filter input quit the console")
	}
	if m.sites[0].Query() != "q" {
		t.Fatalf("q not typed into the filter: %q", m.sites[0].Query())
	}
	// ctrl+c quits even there.
	if _, cmd := press(t, m, "ctrl+c"); !isQuit(cmd) {
		t.Error("ctrl+c in the filter input did not quit")
	}
	m = pressAll(t, m, "esc")
	if _, cmd := press(t, m, "q"); !isQuit(cmd) {
		t.Error("q in the list did not quit")
	}
	if _, cmd := press(t, m, "ctrl+c"); !isQuit(cmd) {
		t.Error("ctrl+c in the list did not quit")
	}
}

func TestQuitEndsSubscription(t *testing.T) {
	e := newFakeEngine(testState())
	m := newTestModel(t, e, 80, 24)
	msg := subscribe(m.common.Ctx, e)()
	m = update(t, m, msg)
	if e.subscribers() != 1 {
		t.Fatalf("subscribers = %d, want 1", e.subscribers())
	}
	press(t, m, "q")
	deadline := time.Now().Add(2 * time.Second)
	for e.subscribers() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("quitting did not end the subscription")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCursorKeepsVMAcrossStates(t *testing.T) {
	st := testState()
	e := newFakeEngine(st)
	m := newTestModel(t, e, 80, 24)
	m = pressAll(t, m, "j", "j", "j", "j", "j", "j", "j", "j", "j", "j")
	want, _ := m.sites[0].Selected()
	screenRow := m.sites[0].cursor - m.sites[0].offset

	// New VMs sort in above the cursor, one above it goes away: same VM, same screen row.
	next := testState()
	next.Gen = 2
	a := &next.Sites[0]
	a.VMs = append([]backend.VM{}, a.VMs...)
	a.VMs = append(a.VMs[:3:3], a.VMs[4:]...)
	for _, name := range []string{"mia-aaa-new-01", "mia-aaa-new-02", "mia-aaa-new-03"} {
		a.VMs = append(a.VMs, backend.VM{Key: backend.VMKey{Site: "site-a", MoRef: "vm-9" + name[len(name)-1:]}, Name: name, Power: backend.PoweredOn})
	}
	backend.SortVMs(a.VMs)
	m = update(t, m, stateMsg{next})
	got, _ := m.sites[0].Selected()
	if got.Key != want.Key {
		t.Fatalf("cursor moved from %s to %s", want.Name, got.Name)
	}
	if row := m.sites[0].cursor - m.sites[0].offset; row != screenRow {
		t.Errorf("cursor's screen row went from %d to %d", screenRow, row)
	}

	// The VM under the cursor goes away (moved to the other site): the cursor stays on its row.
	idx := m.sites[0].cursor
	gone := testState()
	gone.Gen = 3
	g := &gone.Sites[0]
	g.VMs = append([]backend.VM{}, next.Sites[0].VMs...)
	g.VMs = append(g.VMs[:idx:idx], g.VMs[idx+1:]...)
	m = update(t, m, stateMsg{gone})
	if m.sites[0].cursor != idx {
		t.Errorf("cursor went from row %d to %d when its VM left", idx, m.sites[0].cursor)
	}

	// An older State arriving late is ignored.
	m = update(t, m, stateMsg{st})
	if m.gen != 3 || len(m.sites[0].site.VMs) != len(g.VMs) {
		t.Errorf("stale State (gen 1) replaced gen 3")
	}
}

func TestCursorKeepsVMUnderFilterAcrossStates(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 80, 24)
	m = pressAll(t, m, "/")
	m = typeText(t, m, "sql")
	m = pressAll(t, m, "enter", "j", "j")
	want, _ := m.sites[0].Selected()
	next := testState()
	next.Gen = 2
	m = update(t, m, stateMsg{next})
	if got, _ := m.sites[0].Selected(); got.Key != want.Key || m.sites[0].Visible() != 8 {
		t.Errorf("after a new State: cursor on %s (want %s), %d visible", got.Name, want.Name, m.sites[0].Visible())
	}
}

func TestDisconnectedSiteShowsError(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 80, 24)
	m = update(t, m, stateMsg{disconnectedB()})
	view := m.View()
	for _, want := range []string{"✗ disconnected 5m", "! dial tcp 10.20.0.5:443: connect:", "connection refused", "● connected"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
}

func TestSubscriptionDeliversStates(t *testing.T) {
	e := newFakeEngine(testState())
	m := New(e, testOptions())
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := subscribe(ctx, e)().(subscribedMsg)
	next, cmd := m.Update(sub)
	m = next.(Model)
	e.Publish(disconnectedB())
	msg := cmd()
	if _, ok := msg.(stateMsg); !ok {
		t.Fatalf("waitForState returned %T, want stateMsg", msg)
	}
	next, cmd = m.Update(msg)
	m = next.(Model)
	if cmd == nil {
		t.Fatal("waitForState not re-armed after a State")
	}
	if !strings.Contains(m.View(), "disconnected") {
		t.Error("published State not shown")
	}
	cancel()
	if _, ok := cmd().(streamClosedMsg); !ok {
		t.Error("closing the subscription did not end the stream")
	}
}

func TestHelpToggle(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 100, 30)
	short := m.sites[0].height
	m = pressAll(t, m, "?")
	if !m.help.ShowAll {
		t.Fatal("? did not open the full help")
	}
	if m.sites[0].height >= short {
		t.Errorf("full help did not take room from the panes (%d → %d)", short, m.sites[0].height)
	}
	view := m.View()
	for _, want := range []string{"page down", "clear filter", "previous pane"} {
		if !strings.Contains(view, want) {
			t.Errorf("full help lacks %q:\n%s", want, view)
		}
	}
	m = pressAll(t, m, "?")
	if m.help.ShowAll || m.sites[0].height != short {
		t.Error("? did not close the full help")
	}
}

func TestTooSmall(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 59, 20)
	lines := strings.Split(m.View(), "\n")
	if len(lines) != 20 || !strings.HasPrefix(lines[0], "terminal too small: need 60x15") {
		t.Errorf("too small view: %q", lines[0])
	}
	m = update(t, m, tea.WindowSizeMsg{Width: 60, Height: 15})
	if strings.Contains(m.View(), "too small") {
		t.Error("60x15 is big enough")
	}
	m = update(t, m, tea.WindowSizeMsg{Width: 100, Height: 14})
	if !strings.Contains(m.View(), "too small") {
		t.Error("14 lines is too few")
	}
}

func TestNarrowAndWideLayout(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 80, 24)
	if m.sites[0].width != 40 || m.sites[1].width != 40 {
		t.Errorf("80 columns: site panes %d and %d wide, want 40 each", m.sites[0].width, m.sites[1].width)
	}
	lines := strings.Split(m.View(), "\n")
	if !strings.HasPrefix(lines[len(lines)-2], " DCI ") {
		t.Errorf("narrow: fabric strip not above the help bar: %q", lines[len(lines)-2])
	}
	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 48})
	top := strings.Split(m.View(), "\n")[0]
	if !strings.Contains(top, "DCI fabric") || !strings.Contains(top, "Miami") || !strings.Contains(top, "Atlanta") {
		t.Errorf("wide: three panes expected in the top line: %q", top)
	}
}

func TestWaitingForEngine(t *testing.T) {
	m := newTestModel(t, newFakeEngine(backend.State{}), 80, 24)
	if !strings.Contains(m.View(), "waiting for the engine") {
		t.Errorf("empty State should say it is waiting:\n%s", m.View())
	}
	m = update(t, m, stateMsg{testState()})
	if !strings.Contains(m.View(), "Miami (site A)") {
		t.Error("first State not shown")
	}
}

// Keys typed faster than bubbletea reads them (a slow SSH link, tmux send-keys) arrive as one
// KeyMsg with several runes; each must act as its own key.
func TestKeysArrivingTogether(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 80, 24)
	next, _ := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjj")})
	m = next.(Model)
	if got, want := selectedName(t, m.sites[0]), m.sites[0].site.VMs[m.sites[0].rows[3].vm].Name; got != want {
		t.Errorf("jjj: cursor on %q, want the fourth VM %q", got, want)
	}
	next, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/sql")})
	m = next.(Model)
	if !m.sites[0].Filtering() || m.sites[0].Query() != "sql" {
		t.Fatalf("/sql typed at once: filtering=%v query=%q", m.sites[0].Filtering(), m.sites[0].Query())
	}
	// A paste goes into the filter whole.
	next, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("-node"), Paste: true})
	if q := next.(Model).sites[0].Query(); q != "sql-node" {
		t.Errorf("paste: query %q", q)
	}
}

// r asks the engine to poll the switches now (through a command, not in Update); while
// typing a filter it is a letter.
func TestRefreshKey(t *testing.T) {
	e := newFakeEngine(testState())
	m := newTestModel(t, e, 120, 30)
	_, cmd := press(t, m, "r")
	if cmd == nil {
		t.Fatal("r returned no command")
	}
	if e.refreshes != 0 {
		t.Fatal("the engine was called inside Update")
	}
	cmd()
	if e.refreshes != 1 {
		t.Errorf("refreshes = %d, want 1", e.refreshes)
	}
	m = pressAll(t, m, "/")
	m, _ = press(t, m, "r")
	if m.sites[0].Query() != "r" || e.refreshes != 1 {
		t.Errorf("r in the filter: query %q, refreshes %d", m.sites[0].Query(), e.refreshes)
	}
	m = pressAll(t, m, "esc", "?")
	if !strings.Contains(m.View(), "poll switches now") {
		t.Error("the full help does not list r")
	}
}
