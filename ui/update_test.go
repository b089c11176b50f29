package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric"
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
	listH := m.main.sites[0].listHeight()
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
		if got := selectedName(t, m.main.sites[0]); got != vms[s.want].Name {
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
	if m.main.focus != 0 || !m.main.sites[0].Focused() || m.main.sites[1].Focused() {
		t.Fatal("site A should start focused")
	}
	m = pressAll(t, m, "tab")
	if m.main.focus != 1 || m.main.sites[0].Focused() || !m.main.sites[1].Focused() {
		t.Fatal("tab should focus site B")
	}
	// Keys go to the focused pane only.
	m = pressAll(t, m, "j", "j")
	if got, want := selectedName(t, m.main.sites[1]), st.Sites[1].VMs[2].Name; got != want {
		t.Errorf("site B cursor on %q, want %q", got, want)
	}
	if got, want := selectedName(t, m.main.sites[0]), st.Sites[0].VMs[0].Name; got != want {
		t.Errorf("site A cursor moved to %q, want %q", got, want)
	}
	m = pressAll(t, m, "tab", "tab")
	if m.main.focus != 0 {
		t.Fatal("tab should wrap around to site A, past the fabric")
	}
	m = pressAll(t, m, "shift+tab", "shift+tab")
	if m.main.focus != 1 {
		t.Fatal("shift+tab should go back to site B, past the fabric")
	}
	m = pressAll(t, m, "shift+tab")
	if m.main.focus != 0 {
		t.Fatal("shift+tab should wrap around to site A")
	}
}

func TestFilter(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 80, 24)
	m = pressAll(t, m, "/")
	if !m.main.sites[0].Filtering() {
		t.Fatal("/ should open the filter")
	}
	m = typeText(t, m, "sql")
	p := m.main.sites[0]
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
	if m.main.sites[1].Visible() != 80 {
		t.Errorf("site B filtered too: %d VMs", m.main.sites[1].Visible())
	}

	// enter keeps the filter and gives the keys back to the list.
	m = pressAll(t, m, "enter")
	if m.main.sites[0].Filtering() || m.main.sites[0].Query() != "sql" || m.main.sites[0].Visible() != 8 {
		t.Fatalf("after enter: filtering=%v query=%q visible=%d", m.main.sites[0].Filtering(), m.main.sites[0].Query(), m.main.sites[0].Visible())
	}
	m = pressAll(t, m, "j")
	if got := selectedName(t, m.main.sites[0]); !strings.Contains(got, "sql") {
		t.Errorf("j moved to %q, outside the filter", got)
	}

	// esc clears it.
	m = pressAll(t, m, "esc")
	if m.main.sites[0].Query() != "" || m.main.sites[0].Visible() != 80 {
		t.Errorf("after esc: query=%q visible=%d", m.main.sites[0].Query(), m.main.sites[0].Visible())
	}
	if got := selectedName(t, m.main.sites[0]); !strings.Contains(got, "sql") {
		t.Errorf("clearing the filter moved the cursor off its VM, to %q", got)
	}

	// esc while typing clears too, and / reopens with the filter in force.
	m = pressAll(t, m, "/")
	m = typeText(t, m, "web")
	m = pressAll(t, m, "esc")
	if m.main.sites[0].Filtering() || m.main.sites[0].Query() != "" || m.main.sites[0].Visible() != 80 {
		t.Errorf("esc while typing: filtering=%v query=%q", m.main.sites[0].Filtering(), m.main.sites[0].Query())
	}
	// A filter that matches nothing says so.
	m = pressAll(t, m, "/")
	m = typeText(t, m, "zzz")
	if m.main.sites[0].Visible() != 0 || !strings.Contains(m.View(), `no VMs match "zzz"`) {
		t.Errorf("empty result not explained:\n%s", m.View())
	}
}

func TestFilterMatchesClusterAndVLAN(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 120, 40)
	m = pressAll(t, m, "/")
	m = typeText(t, m, "vlan300")
	if got := m.main.sites[0].Visible(); got != 11 {
		t.Errorf("vlan300 shows %d VMs, want the 11 VDI VMs", got)
	}
	m = pressAll(t, m, "esc", "/")
	m = typeText(t, m, "a-dev")
	for _, r := range m.main.sites[0].rows {
		if vm := m.main.sites[0].site.VMs[r.vm]; vm.Cluster != "A-DEV" && r.matched == nil {
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
	if m.main.sites[0].Query() != "q" {
		t.Fatalf("q not typed into the filter: %q", m.main.sites[0].Query())
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
	want, _ := m.main.sites[0].Selected()
	screenRow := m.main.sites[0].cursor - m.main.sites[0].offset

	// New VMs sort in above the cursor, one above it goes away: same VM, same screen row.
	next := testState()
	next.Gen = 2
	a := &next.Sites[0]
	a.VMs = append([]model.VM{}, a.VMs...)
	a.VMs = append(a.VMs[:3:3], a.VMs[4:]...)
	for _, name := range []string{"mia-aaa-new-01", "mia-aaa-new-02", "mia-aaa-new-03"} {
		a.VMs = append(a.VMs, model.VM{Key: model.VMKey{Site: "site-a", MoRef: "vm-9" + name[len(name)-1:]}, Name: name, Power: model.PoweredOn})
	}
	model.SortVMs(a.VMs)
	m = update(t, m, stateMsg{next})
	got, _ := m.main.sites[0].Selected()
	if got.Key != want.Key {
		t.Fatalf("cursor moved from %s to %s", want.Name, got.Name)
	}
	if row := m.main.sites[0].cursor - m.main.sites[0].offset; row != screenRow {
		t.Errorf("cursor's screen row went from %d to %d", screenRow, row)
	}

	// The VM under the cursor goes away (moved to the other site): the cursor stays on its row.
	idx := m.main.sites[0].cursor
	gone := testState()
	gone.Gen = 3
	g := &gone.Sites[0]
	g.VMs = append([]model.VM{}, next.Sites[0].VMs...)
	g.VMs = append(g.VMs[:idx:idx], g.VMs[idx+1:]...)
	m = update(t, m, stateMsg{gone})
	if m.main.sites[0].cursor != idx {
		t.Errorf("cursor went from row %d to %d when its VM left", idx, m.main.sites[0].cursor)
	}

	// An older State arriving late is ignored.
	m = update(t, m, stateMsg{st})
	if m.gen != 3 || len(m.main.sites[0].site.VMs) != len(g.VMs) {
		t.Errorf("stale State (gen 1) replaced gen 3")
	}
}

func TestCursorKeepsVMUnderFilterAcrossStates(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 80, 24)
	m = pressAll(t, m, "/")
	m = typeText(t, m, "sql")
	m = pressAll(t, m, "enter", "j", "j")
	want, _ := m.main.sites[0].Selected()
	next := testState()
	next.Gen = 2
	m = update(t, m, stateMsg{next})
	if got, _ := m.main.sites[0].Selected(); got.Key != want.Key || m.main.sites[0].Visible() != 8 {
		t.Errorf("after a new State: cursor on %s (want %s), %d visible", got.Name, want.Name, m.main.sites[0].Visible())
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
	short := m.main.sites[0].height
	m = pressAll(t, m, "?")
	if !m.help.ShowAll {
		t.Fatal("? did not open the full help")
	}
	if m.main.sites[0].height >= short {
		t.Errorf("full help did not take room from the panes (%d → %d)", short, m.main.sites[0].height)
	}
	view := m.View()
	for _, want := range []string{"page down", "clear filter", "previous pane"} {
		if !strings.Contains(view, want) {
			t.Errorf("full help lacks %q:\n%s", want, view)
		}
	}
	m = pressAll(t, m, "?")
	if m.help.ShowAll || m.main.sites[0].height != short {
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
	if m.main.sites[0].width != 40 || m.main.sites[1].width != 40 {
		t.Errorf("80 columns: site panes %d and %d wide, want 40 each", m.main.sites[0].width, m.main.sites[1].width)
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
	m := newTestModel(t, newFakeEngine(model.State{}), 80, 24)
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
	if got, want := selectedName(t, m.main.sites[0]), m.main.sites[0].site.VMs[m.main.sites[0].rows[3].vm].Name; got != want {
		t.Errorf("jjj: cursor on %q, want the fourth VM %q", got, want)
	}
	next, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/sql")})
	m = next.(Model)
	if !m.main.sites[0].Filtering() || m.main.sites[0].Query() != "sql" {
		t.Fatalf("/sql typed at once: filtering=%v query=%q", m.main.sites[0].Filtering(), m.main.sites[0].Query())
	}
	// A paste goes into the filter whole.
	next, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("-node"), Paste: true})
	if q := next.(Model).main.sites[0].Query(); q != "sql-node" {
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
	if m.main.sites[0].Query() != "r" || e.refreshes != 1 {
		t.Errorf("r in the filter: query %q, refreshes %d", m.main.sites[0].Query(), e.refreshes)
	}
	m = pressAll(t, m, "esc", "?")
	if !strings.Contains(m.View(), "poll switches now") {
		t.Error("the full help does not list r")
	}
}

// focusOn reports which pane has the keys, checking that exactly one does: 0 and 1 are the
// site panes, focusFabric the fabric pane.
func focusOn(t *testing.T, m Model) int {
	t.Helper()
	var on []int
	for i := range m.main.sites {
		if m.main.sites[i].Focused() {
			on = append(on, i)
		}
	}
	if m.main.fabric.Focused() {
		on = append(on, focusFabric)
	}
	if m.main.moves.Focused() {
		on = append(on, focusMoves)
	}
	if len(on) != 1 || on[0] != m.main.focus {
		t.Fatalf("focused panes %v, m.main.focus %d", on, m.main.focus)
	}
	return m.main.focus
}

func TestTabCyclesThroughFabricOnWide(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 120, 30)
	for _, step := range []struct {
		key  string
		want int
	}{
		{"tab", 1}, {"tab", focusFabric}, {"tab", 0},
		{"shift+tab", focusFabric}, {"shift+tab", 1}, {"shift+tab", 0},
	} {
		m = pressAll(t, m, step.key)
		if got := focusOn(t, m); got != step.want {
			t.Fatalf("%s: focus on %d, want %d", step.key, got, step.want)
		}
	}

	// On a narrow terminal the fabric is a strip; tab opens it in full over the sites.
	m = newTestModel(t, newFakeEngine(testState()), 119, 30)
	for _, want := range []int{1, focusFabric, 0, 1} {
		if m = pressAll(t, m, "tab"); focusOn(t, m) != want {
			t.Fatalf("narrow tab: focus on %d, want %d", m.main.focus, want)
		}
	}
	if m = pressAll(t, m, "shift+tab"); focusOn(t, m) != 0 {
		t.Fatalf("narrow shift+tab: focus on %d, want 0", m.main.focus)
	}
}

// When the terminal narrows under a focused fabric pane, the fabric keeps the keys and
// opens in full; tab goes on to the sites.
func TestNarrowingKeepsFabricInFull(t *testing.T) {
	m := pressAll(t, newTestModel(t, newFakeEngine(testState()), 120, 30), "shift+tab")
	if focusOn(t, m) != focusFabric {
		t.Fatal("shift+tab should focus the fabric")
	}
	m = update(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
	if focusOn(t, m) != focusFabric {
		t.Fatalf("narrowed: focus on %d, want the fabric", m.main.focus)
	}
	lines := strings.Split(m.View(), "\n")
	if !strings.Contains(lines[0], "DCI fabric") || strings.Contains(m.View(), "Miami") {
		t.Errorf("the fabric is not in full:\n%s", m.View())
	}
	if m = pressAll(t, m, "tab", "j"); m.main.sites[0].cursor != 1 {
		t.Error("keys do not reach site A after tab")
	}
}

// At 80x24 the fabric in full shows switches with their ports and poll ages, trunks, VLANs
// in use and every finding in full.
func TestFabricFullAt80x24(t *testing.T) {
	m := newTestModel(t, newFakeEngine(withFabric(vlan120AndMemberDown())()), 80, 24)
	m = pressAll(t, m, "tab", "tab")
	if focusOn(t, m) != focusFabric {
		t.Fatal("two tabs should open the fabric")
	}
	seen := m.View()
	for i := 0; i < 10; i++ {
		m = pressAll(t, m, "pgdown")
		seen += m.View()
	}
	for _, want := range []string{"SWITCHES", "DCI TRUNKS", "VLANS IN USE", "FINDINGS", "mia-dci-n7k-01"} {
		if !strings.Contains(seen, want) {
			t.Errorf("the fabric in full never shows %q", want)
		}
	}
	if lines := strings.Split(m.View(), "\n"); len(lines) != 24 {
		t.Errorf("%d lines, want 24", len(lines))
	}
}

// fabricFocused is the console at w×h showing s, with the fabric pane focused.
func fabricFocused(t *testing.T, s model.State, w, h int) Model {
	t.Helper()
	m := pressAll(t, newTestModel(t, newFakeEngine(s), w, h), "tab", "tab")
	if focusOn(t, m) != focusFabric {
		t.Fatal("tab, tab did not focus the fabric")
	}
	return m
}

func TestFabricScrolls(t *testing.T) {
	m := fabricFocused(t, withFabric(vlan120AndMemberDown())(), 120, 30)
	n, h := len(m.main.fabric.full.lines), m.main.fabric.innerHeight()
	if n <= h+h/2 {
		t.Fatalf("full content has %d lines for a pane of %d: too few to test paging", n, h)
	}
	end := n - h
	for _, s := range []struct {
		keys []string
		want int // offset
	}{
		{nil, 0},
		{[]string{"j"}, 1},
		{[]string{"j", "down"}, 3},
		{[]string{"k"}, 2},
		{[]string{"G"}, end},
		{[]string{"j"}, end}, // stops at the end
		{[]string{"g"}, 0},
		{[]string{"k", "up"}, 0}, // stops at the top
		{[]string{"pgdown"}, min(h, end)},
		{[]string{"pgdown", "pgdown"}, end},
		{[]string{"pgup"}, max(end-h, 0)},
		{[]string{"home"}, 0},
		{[]string{"end"}, end},
		{[]string{"b", "f"}, end},
	} {
		m = pressAll(t, m, s.keys...)
		if m.main.fabric.offset != s.want {
			t.Errorf("after %v: offset %d, want %d", s.keys, m.main.fabric.offset, s.want)
		}
	}
	if view := m.main.fabric.View(); !strings.Contains(view, fmt.Sprintf(" %d/%d ", n, n)) {
		t.Errorf("at the end the border does not say %d/%d:\n%s", n, n, view)
	}
	m = pressAll(t, m, "g")
	if view := m.main.fabric.View(); !strings.Contains(view, fmt.Sprintf(" %d/%d ", h, n)) {
		t.Errorf("at the top the border does not say %d/%d:\n%s", h, n, view)
	}
	// Content that fits has no position to show.
	m = fabricFocused(t, withFabric(fabric.Health{})(), 120, 30)
	if lines := strings.Split(m.main.fabric.View(), "\n"); strings.Contains(lines[len(lines)-1], "/") {
		t.Errorf("short content shows a position: %q", lines[len(lines)-1])
	}
}

// A new State keeps the scroll offset; content that shrinks, or a pane that grows, clamps it.
func TestFabricScrollAcrossStatesAndSizes(t *testing.T) {
	e := newFakeEngine(withFabric(vlan120AndMemberDown())())
	m := pressAll(t, newTestModel(t, e, 120, 30), "tab", "tab", "j", "j", "j")
	next := withFabric(vlan120AndMemberDown())()
	next.Gen = 3
	m = update(t, m, stateMsg{next})
	if m.main.fabric.offset != 3 {
		t.Errorf("new State: offset %d, want 3 kept", m.main.fabric.offset)
	}
	if m.main.fabric.full.dci != m.main.fabric.dci {
		t.Error("new State: full content not rebuilt")
	}

	m = pressAll(t, m, "G")
	long := m.main.fabric.offset
	healthy := testState()
	healthy.Gen = 4
	m = update(t, m, stateMsg{healthy})
	n, h := len(m.main.fabric.full.lines), m.main.fabric.innerHeight()
	if want := max(n-h, 0); want >= long || m.main.fabric.offset != want {
		t.Errorf("shorter content: offset %d, want %d (was %d)", m.main.fabric.offset, want, long)
	}
	if !strings.Contains(m.main.fabric.View(), fmt.Sprintf(" %d/%d ", n, n)) {
		t.Errorf("after clamping, the last line is not at the bottom:\n%s", m.main.fabric.View())
	}

	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 60})
	n, h = len(m.main.fabric.full.lines), m.main.fabric.innerHeight()
	if want := max(n-h, 0); m.main.fabric.offset != want {
		t.Errorf("taller pane: offset %d, want %d", m.main.fabric.offset, want)
	}
}

// A finding the unfocused column leaves out ("… 1 more") can be read in full by scrolling.
func TestFabricEndShowsFindingsLeftOut(t *testing.T) {
	const last = "mia-dci-n7k-01 Ethernet3/2 is down: port-channel10 runs on 1 of 2 members"
	m := newTestModel(t, newFakeEngine(withFabric(vlan120AndMemberDown())()), 120, 30)
	wantLines(t, "unfocused pane", paneLines(m), "… 1 more")
	if strings.Contains(squeeze(paneLines(m)...), squeeze(last)) {
		t.Fatal("the last finding fits unfocused: the test shows nothing")
	}
	m = pressAll(t, m, "tab", "tab", "G")
	if got := squeeze(paneLines(m)...); !strings.Contains(got, squeeze(last)) {
		t.Errorf("scrolled to the end, the last finding is not whole:\n%s", strings.Join(paneLines(m), "\n"))
	}
	wantNot(t, "focused pane", paneLines(m), "more")
}

// Scrolled through, the focused pane shows every finding and every VLAN not carried of a
// fabric with more of them than any screen, each message whole.
func TestFabricScrollShowsEverything(t *testing.T) {
	s := hostileFabricState()
	m := fabricFocused(t, s, 120, 30)
	content := scrollThrough(t, m)
	all := squeeze(content...)
	for _, f := range s.Fabric.Findings {
		if !strings.Contains(all, squeeze(clean(f.Message))) {
			t.Errorf("finding not shown whole: %q", f.Message)
		}
	}
	for _, want := range []string{
		"2001 pruned on atl", "2059 pruned on atl", // the last VLAN not carried
		"allowed 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33,35,2000-2002,4094", // wrapped after commas
		"connection reset by peer " + strings.Repeat("x", 80),                     // the switch's error
		"mia-dist-c6k-01.with.a.very.long.domain.example.internal",                // a name longer than the pane
	} {
		if !strings.Contains(all, squeeze(want)) {
			t.Errorf("scrolled content lacks %q", want)
		}
	}
	wantNot(t, "scrolled content", content, ellipsis)
}

// scrollThrough pages through the focused fabric pane from the top and returns its full
// content as shown, borders stripped.
func scrollThrough(t *testing.T, m Model) []string {
	t.Helper()
	m = pressAll(t, m, "g")
	n := len(m.main.fabric.full.lines)
	content := make([]string, n)
	for {
		for i, l := range paneLines(m)[1 : m.main.fabric.height-1] {
			if m.main.fabric.offset+i < n {
				content[m.main.fabric.offset+i] = l
			}
		}
		if m.main.fabric.offset == m.main.fabric.maxOffset() {
			return content
		}
		m = pressAll(t, m, "pgdown")
	}
}

// squeeze is text with every space gone, so that text wrapped or cut across lines compares
// equal to the text it came from.
func squeeze(text ...string) string {
	return strings.Join(strings.Fields(strings.Join(text, " ")), "")
}

// While the fabric pane has the keys, the site panes' cursors and filters stay as they are;
// q, ? and r still work, and / filters the site pane the keys came from.
func TestKeysWhileFabricFocused(t *testing.T) {
	e := newFakeEngine(withFabric(vlan120AndMemberDown())())
	m := pressAll(t, newTestModel(t, e, 120, 30), "j", "tab", "j", "j", "tab")
	m = pressAll(t, m, "j", "down", "G", "pgup", "enter", "esc", "x", "f", "g", "j")
	if m.main.sites[0].cursor != 1 || m.main.sites[1].cursor != 2 {
		t.Errorf("site cursors moved: %d and %d, want 1 and 2", m.main.sites[0].cursor, m.main.sites[1].cursor)
	}
	for i := range m.main.sites {
		if m.main.sites[i].Filtering() || m.main.sites[i].Query() != "" {
			t.Errorf("site %d: filtering=%v query=%q", i, m.main.sites[i].Filtering(), m.main.sites[i].Query())
		}
	}
	if focusOn(t, m) != focusFabric || m.main.fabric.offset != 1 {
		t.Errorf("focus %d, offset %d: want the fabric, scrolled to 1", m.main.focus, m.main.fabric.offset)
	}

	// The help bar is the fabric pane's: scrolling, no filter.
	bar := strings.Split(m.View(), "\n")[29]
	for _, want := range []string{"↓/j down", "pgdn/f page down", "end/G last", "tab next pane", "q quit"} {
		if !strings.Contains(bar, want) {
			t.Errorf("help bar lacks %q: %q", want, bar)
		}
	}
	if strings.Contains(bar, "filter") {
		t.Errorf("help bar offers the filter: %q", bar)
	}
	m = pressAll(t, m, "?")
	view := m.View()
	for _, want := range []string{"page up", "first", "last", "previous pane", "poll switches now"} {
		if !strings.Contains(view, want) {
			t.Errorf("full help lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "filter") {
		t.Errorf("full help offers the filter:\n%s", view)
	}
	if focusOn(t, m) != focusFabric || m.main.fabric.innerHeight() != m.main.sites[0].innerHeight() {
		t.Error("? moved the focus or sized the fabric unlike the sites")
	}

	_, cmd := press(t, m, "r")
	if cmd == nil {
		t.Fatal("r returned no command")
	}
	cmd()
	if e.refreshes != 1 {
		t.Errorf("r: refreshes = %d, want 1", e.refreshes)
	}
	if _, cmd := press(t, m, "q"); !isQuit(cmd) {
		t.Error("q did not quit")
	}

	// / goes back to site B, where the keys came from, and filters there; typed fast, the
	// rest of "/vlan120" goes into the filter.
	next, _ := pressAll(t, m, "?").Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/vlan120")})
	m = next.(Model)
	if focusOn(t, m) != 1 || !m.main.sites[1].Filtering() || m.main.sites[1].Query() != "vlan120" {
		t.Fatalf("/vlan120 from the fabric: focus %d, filtering %v, query %q", m.main.focus, m.main.sites[1].Filtering(), m.main.sites[1].Query())
	}
	if m.main.sites[0].Query() != "" || m.main.fabric.offset != 1 {
		t.Errorf("site A query %q, fabric offset %d", m.main.sites[0].Query(), m.main.fabric.offset)
	}
	if got := m.main.sites[1].Visible(); got != 20 {
		t.Errorf("vlan120 shows %d VMs of site B, want 20", got)
	}
}

// The focused pane draws its ages at each frame, from lines built once; the clock turning
// the data stale changes the lines, at once in View and for good at the next tick.
func TestFabricFocusedFollowsTheClock(t *testing.T) {
	now := testNow
	opts := testOptions()
	opts.Now = func() time.Time { return now }
	m := New(newFakeEngine(withFabric(vlan120AndMemberDown())()), opts)
	m = pressAll(t, update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30}), "tab", "tab")
	built := m.main.fabric.full.lines
	wantLines(t, "pane", paneLines(m), "▲ 3 problems       polled 2s ago", "● mia-dci-n7k-01          2s ago")

	now = now.Add(3 * time.Second)
	wantLines(t, "pane", paneLines(m), "▲ 3 problems       polled 5s ago", "● mia-dci-n7k-01          5s ago")
	m = update(t, m, tickMsg{})
	if &m.main.fabric.full.lines[0] != &built[0] {
		t.Error("a tick that changes only ages rebuilt the content")
	}

	now = now.Add(11 * time.Second) // polled 16 s ago: stale
	wantLines(t, "pane, before the tick", paneLines(m), "◌ stale 16s", "DCI TRUNKS         as of 16s ago", "◌ mia-dci-n7k-01 Po10 was up 2/2")
	m = update(t, m, tickMsg{})
	if !m.main.fabric.full.stale || !m.main.fabric.full.validAt(m.main.fabric.dci, m.main.fabric.innerWidth(), now) {
		t.Error("the tick did not rebuild the content for stale data")
	}
	now = now.Add(time.Second)
	wantLines(t, "pane", paneLines(m), "◌ stale 17s", "RTT mia→atl 2.0 ms  17s old")
	wantLines(t, "pane at the end", paneLines(pressAll(t, m, "G")), "FINDINGS           as of 17s ago")
}

// A focused View copies the lines on screen; it does not lay out the content again, so it
// costs the same however many findings there are.
func TestFabricFocusedViewCost(t *testing.T) {
	withFindings := func(n int) Model {
		h := vlan120AndMemberDown()
		for i := 0; i < n; i++ {
			h.Findings = append(h.Findings, fabric.Finding{Code: fabric.CodeVLANUnverified, Severity: fabric.SeverityInfo,
				Message: fmt.Sprintf("VLAN %d cannot be checked: mia-dist-c6k-01 gave no data about it this round", 2000+i)})
		}
		return pressAll(t, fabricFocused(t, withFabric(h)(), 120, 30), "G")
	}
	small, big := withFindings(10), withFindings(1000)
	a := testing.AllocsPerRun(20, func() { _ = small.View() })
	b := testing.AllocsPerRun(20, func() { _ = big.View() })
	if b > a*1.05+5 {
		t.Errorf("View allocates %.0f times with 1,000 findings, %.0f with 10", b, a)
	}
}

// q with moves under way asks first (n stays, y quits), since the moves not yet started in
// vCenter go with the console; ctrl+c and a `vmcross serve` session (the engine runs on)
// quit at once.
func TestQuitAsksWithMovesUnderWay(t *testing.T) {
	st := movesState()
	active := 0
	for _, mv := range st.Moves {
		if mv.State.Active() {
			active++
		}
	}
	if active == 0 {
		t.Fatal("the fixture has no move under way")
	}
	m := newTestModel(t, newFakeEngine(st), 80, 24) // the question fits 80 columns whole
	m = update(t, m, stateMsg{state: st})
	m, cmd := press(t, m, "q")
	if isQuit(cmd) {
		t.Fatal("q quit with moves under way without asking")
	}
	want := fmt.Sprintf("Quit? %d moves under way; started ones go on in vCenter, queued ones are dropped", active)
	wantAll(t, m.View(), want, "quit", "stay")
	m, cmd = press(t, m, "n")
	if isQuit(cmd) || strings.Contains(m.View(), want) {
		t.Fatal("n did not keep the console")
	}
	m, _ = press(t, m, "q")
	if _, cmd := press(t, m, "y"); !isQuit(cmd) {
		t.Error("y did not quit")
	}
	if _, cmd := press(t, update(t, m, stateMsg{state: st}), "ctrl+c"); !isQuit(cmd) {
		t.Error("ctrl+c did not quit at once")
	}

	opts := testOptions()
	opts.Shared = true
	shared := update(t, New(newFakeEngine(st), opts), tea.WindowSizeMsg{Width: 120, Height: 30})
	shared = update(t, shared, stateMsg{state: st})
	if _, cmd := press(t, shared, "q"); !isQuit(cmd) {
		t.Error("a serve session asked before quitting: its engine runs on")
	}
}
