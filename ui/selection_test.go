package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/vmcross/vmcross/backend/model"
)

// selectedNames is site i's selection, by name, in list order.
func selectedNames(m Model, i int) []string {
	var names []string
	for _, vm := range m.main.sites[i].Selection() {
		names = append(names, vm.Name)
	}
	return names
}

// short is the start of a VM name, as a 40-column pane shows it whole.
func short(name string) string { return name[:12] }

// nameAt is the name of the VM on row i of site pane p.
func nameAt(p SitePane, i int) string { return p.site.VMs[p.rows[i].vm].Name }

// wantFits checks that every line of a view is exactly w cells wide and that there are h.
func wantFits(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want %d", len(lines), h)
	}
	for _, l := range lines {
		if got := ansi.StringWidth(l); got != w {
			t.Errorf("a line %d cells wide, want %d: %q", got, w, l)
		}
	}
}

// space toggles the VM under the cursor and moves down; the row shows "✓" without colour,
// and the header counts the selection on a line of its own.
func TestSelectToggle(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 80, 24)
	p := m.main.sites[0]
	first, second, third := nameAt(p, 0), nameAt(p, 1), nameAt(p, 2)
	listH := p.listHeight()

	m = pressAll(t, m, " ")
	if got := selectedNames(m, 0); len(got) != 1 || got[0] != first {
		t.Fatalf("space selected %v, want [%s]", got, first)
	}
	if got := selectedName(t, m.main.sites[0]); got != second {
		t.Errorf("after space the cursor is on %q, want the next VM %q", got, second)
	}
	view := m.View()
	for _, want := range []string{"✓ " + short(first), "> " + short(second), "✓ 1 selected", "u clear", "80 VMs"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	if got := m.main.sites[0].listHeight(); got != listH-1 {
		t.Errorf("list height %d with a selection, want %d: the count takes a header line", got, listH-1)
	}
	wantFits(t, view, 80, 24)

	// space, space selects a run; on a selected cursor row both marks show: ">✓".
	m = pressAll(t, m, " ", "k")
	if got := selectedNames(m, 0); len(got) != 2 || got[1] != second {
		t.Fatalf("space, space selected %v", got)
	}
	if view := m.View(); !strings.Contains(view, ">✓"+short(second)) || !strings.Contains(view, "✓ 2 selected") {
		t.Errorf("cursor on a selected VM not shown as >✓:\n%s", view)
	}
	// space again unselects it, and moves on.
	m = pressAll(t, m, " ")
	if got := selectedNames(m, 0); len(got) != 1 || got[0] != first {
		t.Errorf("space on a selected VM: selection %v, want [%s]", got, first)
	}
	if got := selectedName(t, m.main.sites[0]); got != third {
		t.Errorf("cursor on %q, want %q", got, third)
	}
	// The other pane keeps its own selection: none.
	if n, _ := m.main.sites[1].SelectionCount(); n != 0 || strings.Contains(strings.Join(strings.Split(m.main.sites[1].View(), "\n")[1:], ""), "selected") {
		t.Errorf("site B has %d selected", n)
	}
	// On the last row space selects and stays.
	m = pressAll(t, m, "G", " ")
	if got := m.main.sites[0].cursor; got != len(m.main.sites[0].rows)-1 {
		t.Errorf("space on the last row moved the cursor to %d", got)
	}
	if n, _ := m.main.sites[0].SelectionCount(); n != 2 {
		t.Errorf("%d selected, want 2", n)
	}
	wantFits(t, m.View(), 80, 24)
}

// * selects what the filter shows; the selection outlives the filter, and the header says
// how many of it the filter hides.
func TestSelectShownSurvivesFilter(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 80, 24)
	m = pressAll(t, m, "/")
	m = typeText(t, m, "sql")
	m = pressAll(t, m, "enter", "*")
	got := selectedNames(m, 0)
	if len(got) != 8 {
		t.Fatalf("* under filter sql selected %d VMs, want the 8 SQL servers: %v", len(got), got)
	}
	for _, name := range got {
		if !strings.Contains(name, "sql") {
			t.Errorf("%s selected by * under filter sql", name)
		}
	}
	if view := m.View(); !strings.Contains(view, "✓ 8 selected") || strings.Contains(view, "hidden") {
		t.Errorf("header should say 8 selected, none hidden:\n%s", view)
	}
	wantFits(t, m.View(), 80, 24)

	// Another filter hides them all: still selected, and the header says so.
	m = pressAll(t, m, "esc", "/")
	m = typeText(t, m, "web")
	m = pressAll(t, m, "enter")
	if n, hidden := m.main.sites[0].SelectionCount(); n != 8 || hidden != 8 {
		t.Errorf("under filter web: %d selected, %d hidden; want 8 and 8", n, hidden)
	}
	view := m.View()
	if !strings.Contains(view, "✓ 8 selected (8 hidden)") {
		t.Errorf("header should say 8 selected (8 hidden):\n%s", view)
	}
	wantFits(t, view, 80, 24)
	// * adds the web servers; the SQL servers stay selected, hidden.
	web := m.main.sites[0].Visible()
	m = pressAll(t, m, "*")
	if n, hidden := m.main.sites[0].SelectionCount(); n != 8+web || hidden != 8 {
		t.Errorf("after * under web: %d selected, %d hidden; want %d and 8", n, hidden, 8+web)
	}
	// Without a filter nothing is hidden.
	m = pressAll(t, m, "esc")
	if n, hidden := m.main.sites[0].SelectionCount(); n != 8+web || hidden != 0 {
		t.Errorf("without a filter: %d selected, %d hidden", n, hidden)
	}
	// Selection lists them in the list's order.
	sel := m.main.sites[0].Selection()
	for i := 1; i < len(sel); i++ {
		if sel[i-1].Name > sel[i].Name {
			t.Errorf("Selection out of order: %s before %s", sel[i-1].Name, sel[i].Name)
		}
	}
	// While typing a filter, space is a space and * a character.
	m = pressAll(t, m, "/", " ", "*")
	if q := m.main.sites[0].Query(); q != " *" {
		t.Errorf("space and * in the filter input: query %q", q)
	}
	if n, _ := m.main.sites[0].SelectionCount(); n != 8+web {
		t.Errorf("typing in the filter changed the selection: %d", n)
	}
}

// H selects every VM on the cursor's host, C every VM in its cluster, those the filter hides
// included ("evacuate host"); u clears the selection and the header line goes.
func TestSelectHostAndCluster(t *testing.T) {
	st := testState()
	m := newTestModel(t, newFakeEngine(st), 80, 24)
	m = pressAll(t, m, "/")
	m = typeText(t, m, "elk")
	m = pressAll(t, m, "enter")
	cur, _ := m.main.sites[0].Selected()
	var onHost, inCluster []string
	for _, vm := range st.Sites[0].VMs {
		if vm.Host == cur.Host {
			onHost = append(onHost, vm.Name)
		}
		if vm.Cluster == cur.Cluster {
			inCluster = append(inCluster, vm.Name)
		}
	}
	if len(onHost) < 3 || len(inCluster) <= len(onHost) {
		t.Fatalf("fixture: %d VMs on %s, %d in %s: too few to test", len(onHost), cur.Host, len(inCluster), cur.Cluster)
	}

	m = pressAll(t, m, "H")
	if got := selectedNames(m, 0); strings.Join(got, ",") != strings.Join(onHost, ",") {
		t.Errorf("H selected %v, want every VM on %s: %v", got, cur.Host, onHost)
	}
	_, hidden := m.main.sites[0].SelectionCount()
	if hidden == 0 {
		t.Error("H under filter elk: no selected VM hidden; the test shows nothing")
	}
	if want := fmt.Sprintf("✓ %d selected (%d hidden)", len(onHost), hidden); !strings.Contains(m.View(), want) {
		t.Errorf("header lacks %q:\n%s", want, m.View())
	}
	if got := selectedName(t, m.main.sites[0]); got != cur.Name {
		t.Errorf("H moved the cursor to %s", got)
	}

	m = pressAll(t, m, "C")
	if got := selectedNames(m, 0); strings.Join(got, ",") != strings.Join(inCluster, ",") {
		t.Errorf("C selected %v, want every VM in %s: %v", got, cur.Cluster, inCluster)
	}

	listH := m.main.sites[0].listHeight()
	m = pressAll(t, m, "u")
	if n, hidden := m.main.sites[0].SelectionCount(); n != 0 || hidden != 0 || m.main.sites[0].Selection() != nil {
		t.Errorf("u left %d selected (%d hidden)", n, hidden)
	}
	if strings.Contains(m.View(), "selected") || strings.Contains(m.View(), selectedGlyph) {
		t.Errorf("u: the view still shows a selection:\n%s", m.View())
	}
	if got := m.main.sites[0].listHeight(); got != listH+1 {
		t.Errorf("u: list height %d, want %d", got, listH+1)
	}
	// u with nothing selected, and H on an empty list, do nothing.
	m = pressAll(t, m, "u", "/")
	m = typeText(t, m, "zzz")
	m = pressAll(t, m, "enter", "H", "C", "*", " ")
	if n, _ := m.main.sites[0].SelectionCount(); n != 0 {
		t.Errorf("selection keys on an empty list selected %d", n)
	}
}

// A new State keeps the selection by VM key: a selected VM renamed or moved in the list
// stays selected; one that left its site leaves the selection, and the console says so once.
func TestSelectionAcrossStates(t *testing.T) {
	st := testState()
	m := newTestModel(t, newFakeEngine(st), 80, 24)
	m = pressAll(t, m, " ", "j", " ", " ", "tab", " ")
	a := m.main.sites[0].Selection()
	if len(a) != 3 || len(m.Selection()) != 4 {
		t.Fatalf("selected %d at site A, %d in all; want 3 and 4", len(a), len(m.Selection()))
	}

	// Gen 2: the second selected VM is renamed, so it sorts elsewhere.
	next := testState()
	next.Gen = 2
	vms := append([]model.VM(nil), next.Sites[0].VMs...)
	for i := range vms {
		if vms[i].Key == a[1].Key {
			vms[i].Name = "zz-renamed"
		}
	}
	model.SortVMs(vms)
	next.Sites[0].VMs = vms
	cmd := m.applyState(next)
	if cmd != nil {
		t.Errorf("a State that removes no selected VM returned a command: %T", cmd())
	}
	got := m.main.sites[0].Selection()
	if len(got) != 3 || got[2].Key != a[1].Key || got[2].Name != "zz-renamed" {
		t.Errorf("after a rename: selection %v", got)
	}
	if view := m.View(); !strings.Contains(view, "✓ 3 selected") {
		t.Errorf("header lost the count:\n%s", view)
	}

	// Gen 3: two selected VMs of site A leave it (moved to the other site, deleted).
	gone := next
	gone.Gen = 3
	gone.Sites = append([]model.SiteSnapshot(nil), next.Sites...)
	var kept []model.VM
	for _, vm := range vms {
		if vm.Key != a[0].Key && vm.Key != a[1].Key {
			kept = append(kept, vm)
		}
	}
	gone.Sites[0].VMs = kept
	cmd = m.applyState(gone)
	if got := m.main.sites[0].Selection(); len(got) != 1 || got[0].Key != a[2].Key {
		t.Errorf("after two left: selection %v, want [%s]", got, a[2].Name)
	}
	if len(m.main.sites[1].Selection()) != 1 {
		t.Error("site B lost its selection for site A's change")
	}
	if cmd == nil {
		t.Fatal("selected VMs left and no message came")
	}
	msg, ok := cmd().(selectionLeftMsg)
	if !ok {
		t.Fatalf("got %T, want selectionLeftMsg", cmd())
	}
	want := a[0].Name + ", zz-renamed left Miami (site A): no longer selected"
	if msg.text() != want {
		t.Errorf("flash text %q, want %q", msg.text(), want)
	}
	m = update(t, m, msg)
	lines := strings.Split(m.View(), "\n")
	if flash := lines[len(lines)-2]; !strings.Contains(flash, want) {
		t.Errorf("flash line %q, want %q", flash, want)
	}
	wantFits(t, m.View(), 80, 24)

	// Once: the next State says nothing more.
	again := gone
	again.Gen = 4
	again.Sites = append([]model.SiteSnapshot(nil), gone.Sites...)
	again.Sites[0].VMs = append([]model.VM(nil), kept...)
	if cmd := m.applyState(again); cmd != nil {
		t.Errorf("the same loss reported twice: %v", cmd())
	}
}

// The root turns selectionLeftMsg into a flash line, also when it arrives through the
// subscription of a running program.
func TestSelectionLeftFlashThroughSubscription(t *testing.T) {
	e := newFakeEngine(testState())
	tm := teatest.NewTestModel(t, New(e, testOptions()), teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "Atlanta (site B)")
	tm.Send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
	waitFor(t, tm, "1 selected")
	next := testState()
	next.Gen = 2
	next.Sites[0].VMs = next.Sites[0].VMs[1:]
	e.Publish(next)
	waitFor(t, tm, "left Miami (site A): no longer selected")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	final := tm.FinalModel(t).(Model)
	if n, _ := final.main.sites[0].SelectionCount(); n != 0 {
		t.Errorf("%d still selected", n)
	}
}

// Many VMs leaving make one short line.
func TestSelectionLeftText(t *testing.T) {
	msg := selectionLeftMsg{left: []siteLeft{
		{site: "Miami (site A)", names: []string{"a1", "a2", "a3", "a4", "a5"}},
		{site: "Atlanta (site B)", names: []string{"b1"}},
	}}
	if got, want := msg.text(), "a1, a2, a3 and 2 more left Miami (site A); b1 left Atlanta (site B): no longer selected"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
}

// The mark cells: the cursor and a selection both show on a cursor row; the VLAN flag "!"
// stays visible when the VLANS column (which says "✗300") is dropped.
func TestSelectedRowMarks(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 80, 24)
	p := m.main.sites[0]
	marks := p.marks.at(testNow)
	var flagged, plain *model.VM
	for i := range p.site.VMs {
		vm := &p.site.VMs[i]
		if marks.flags(vm.VLANs) && flagged == nil {
			flagged = vm
		}
		if !marks.flags(vm.VLANs) && plain == nil {
			plain = vm
		}
	}
	if flagged == nil || plain == nil {
		t.Fatal("fixture: need a flagged VM (VLAN 300) and a plain one")
	}
	k := m.common.inks.row
	wide := layoutColumns(38, p.widest)
	narrow := columns{name: 20} // name and power only: no VLANS column
	if wide.vlans == 0 {
		t.Fatal("a 38-cell pane should show the VLANS column")
	}
	for _, c := range []struct {
		name             string
		vm               *model.VM
		cols             columns
		cursor, selected bool
		want             string
	}{
		{"plain", plain, wide, false, false, "  " + short(plain.Name)},
		{"cursor", plain, wide, true, false, "> " + short(plain.Name)},
		{"selected", plain, wide, false, true, "✓ " + short(plain.Name)},
		{"cursor on selected", plain, wide, true, true, ">✓" + short(plain.Name)},
		{"flagged", flagged, wide, false, false, " !" + short(flagged.Name)},
		{"flagged selected", flagged, wide, false, true, "✓!" + short(flagged.Name)},
		{"flagged cursor", flagged, wide, true, false, ">!" + short(flagged.Name)},
		{"flagged cursor on selected, VLANS shown", flagged, wide, true, true, ">✓" + short(flagged.Name)},
		{"flagged cursor on selected, VLANS dropped", flagged, narrow, true, true, ">!" + short(flagged.Name)},
	} {
		inner := max(c.cols.width(), 38)
		row := c.cols.row(c.vm, nil, c.cursor, c.selected, k, marks, inner)
		if !strings.HasPrefix(row, c.want) {
			t.Errorf("%s: row %q, want it to start %q", c.name, row, c.want)
		}
		if w := ansi.StringWidth(row); w != inner {
			t.Errorf("%s: row %d cells wide, want %d", c.name, w, inner)
		}
		if c.cols.vlans > 0 && marks.flags(c.vm.VLANs) && !strings.Contains(row, notCarriedGlyph+"300") {
			t.Errorf("%s: VLANS column lacks ✗300: %q", c.name, row)
		}
	}
}

// A change at the other site costs a selecting pane nothing: SetState still returns at
// once, selection or not, and allocates nothing.
func TestOtherSiteChangeWithSelection(t *testing.T) {
	st := testState()
	st.Sites[0].Gen, st.Sites[1].Gen = 1, 1
	m := newTestModel(t, newFakeEngine(st), 80, 24)
	m = pressAll(t, m, "*")
	s := st
	s.Gen = 2
	s.Sites = append([]model.SiteSnapshot(nil), st.Sites...)
	s.Sites[1].Gen = 2
	marks := m.main.fabric.marks()
	p := m.main.sites[0]
	if allocs := testing.AllocsPerRun(50, func() { p.SetState(s, marks) }); allocs != 0 {
		t.Errorf("site A's SetState allocates %.0f times for a change at site B", allocs)
	}
	if n, _ := p.SelectionCount(); n != 80 {
		t.Errorf("%d selected, want 80", n)
	}
}

// The selection is the site pane's with the keys, or the one that had them last.
func TestMainViewSelection(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 120, 30)
	m = pressAll(t, m, "tab", " ", " ", "tab") // site B: two; then the fabric pane
	site, vms := m.main.selection()
	if site.Status.ID != "site-b" || len(vms) != 2 {
		t.Errorf("selection from the fabric pane: site %s, %d VMs; want site-b's two", site.Status.ID, len(vms))
	}
	// The short help offers space from 120 columns, not in the fabric pane.
	m = pressAll(t, m, "tab")
	bar := strings.Split(m.View(), "\n")[29]
	if !strings.Contains(bar, "space select") {
		t.Errorf("help bar at 120 columns lacks space select: %q", bar)
	}
}
