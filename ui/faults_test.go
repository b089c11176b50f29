package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// The rows of a site whose vCenter is silent are dimmed (the stale ink), and brighten again
// when it answers; the other site's rows are untouched.
func TestSilentSiteRowsDimmed(t *testing.T) {
	opts := testOptions()
	opts.Renderer = colourRenderer()
	e := newFakeEngine(testState())
	m := New(e, opts)
	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 48})
	stale := m.common.inks.stale.plain.pre
	if stale == "" {
		t.Fatal("the stale ink has no colour in true colour")
	}
	rowsOf := func(m Model, site int) string {
		lines := strings.Split(m.main.sites[site].View(), "\n")
		return strings.Join(lines[4:], "\n") // below the header, the cursor row, the headings
	}
	if strings.Contains(rowsOf(m, 1), stale) {
		t.Fatal("site B dimmed while live")
	}
	m = update(t, m, stateMsg{state: silentB()})
	if !strings.Contains(rowsOf(m, 1), stale) {
		t.Error("site B's rows not dimmed while silent")
	}
	if strings.Contains(rowsOf(m, 0), stale) {
		t.Error("site A's rows dimmed for site B's silence")
	}
	if v := m.main.sites[1].View(); !strings.Contains(v, "not answering 35s") || !strings.Contains(v, "VMs unconfirmed since") {
		t.Errorf("site B's header does not say it is silent:\n%s", v)
	}
	back := testState()
	back.Gen = 3
	m = update(t, m, stateMsg{state: back})
	if strings.Contains(rowsOf(m, 1), stale) || strings.Contains(m.main.sites[1].View(), "unconfirmed") {
		t.Error("site B still dimmed after it answered")
	}
}
