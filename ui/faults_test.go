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

// The "too small" message fits the screen it is shown on, every line of it.
func TestTooSmallFits(t *testing.T) {
	for _, size := range [][2]int{{20, 5}, {40, 10}, {59, 14}, {10, 3}} {
		m := newTestModel(t, newFakeEngine(testState()), size[0], size[1])
		lines := strings.Split(m.View(), "\n")
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		text := ""
		for _, l := range lines {
			if w := len([]rune(l)); w != size[0] {
				t.Errorf("%dx%d: a line %d wide: %q", size[0], size[1], w, l)
			}
			text += strings.TrimSpace(l) + " "
		}
		if size[0] >= 20 && !strings.Contains(text, "need 60x15") {
			t.Errorf("%dx%d: message cut: %q", size[0], size[1], text)
		}
	}
}

// While the console is hidden, keys other than quit do nothing; after growing back the
// lists show from their top, the cursor where it was.
func TestHiddenIgnoresKeysAndComesBackFromTop(t *testing.T) {
	m := newTestModel(t, newFakeEngine(testState()), 60, 15)
	for i := 0; i < 10; i++ {
		m = pressAll(t, m, "down")
	}
	if m.main.sites[0].offset == 0 {
		t.Fatal("the small list did not scroll: the test needs it scrolled")
	}
	m = update(t, m, tea.WindowSizeMsg{Width: 50, Height: 10})
	before := m.main
	m = pressAll(t, m, "G", "tab", "/", "x", "enter")
	if m.main.focus != before.focus || m.main.sites[0].cursor != before.sites[0].cursor || m.main.sites[0].Filtering() || len(m.overlays) != 0 {
		t.Fatal("keys acted while the console was hidden")
	}
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	if p := m.main.sites[0]; p.offset != 0 || p.cursor != 10 {
		t.Errorf("after growing back: offset %d cursor %d, want the list from its top, cursor on row 10", p.offset, p.cursor)
	}
	m = update(t, m, tea.WindowSizeMsg{Width: 50, Height: 10})
	if _, cmd := press(t, m, "q"); !isQuit(cmd) {
		t.Error("q does not quit while hidden")
	}
}
