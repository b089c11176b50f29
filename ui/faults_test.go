package ui

import (
	"strings"
	"testing"
	"time"

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

// r shows: while a poll runs the pane says "polling…" and the strip carries ⟳; after it,
// "polled 0s ago". A switch that never speaks SSH reads "not answering" with its age, one
// still on its first poll "connecting", never a blank age.
func TestFabricPollingAndSilentSwitch(t *testing.T) {
	h := healthyFabric()
	h.Polling, h.PollStarted = true, testNow.Add(-1*time.Second)
	h.Switches[1].Reachable, h.Switches[1].LastPoll = false, time.Time{}
	h.Switches[1].Err = "accepted the connection but gave no SSH answer within 5s"
	h.Switches[1].Since = testNow.Add(-12 * time.Second)
	h.Switches[2].Reachable, h.Switches[2].LastPoll, h.Switches[2].Pending = false, time.Time{}, true
	h.Switches[2].Since = testNow.Add(-2 * time.Second)
	wide := newTestModel(t, newFakeEngine(withFabric(h)()), 160, 48)
	pane := wide.main.fabric.View()
	for _, want := range []string{"polling… 1s", "not answering 12s", "connecting 2s"} {
		if !strings.Contains(pane, want) {
			t.Errorf("fabric pane lacks %q:\n%s", want, pane)
		}
	}
	if full := pressAll(t, wide, "tab", "tab").main.fabric.View(); !strings.Contains(full, "no SSH answer within 5s") {
		t.Errorf("the focused fabric pane does not say why the switch is silent:\n%s", full)
	}
	narrow := newTestModel(t, newFakeEngine(withFabric(h)()), 80, 24)
	if strip := narrow.main.fabric.StripView(80); !strings.Contains(strip, "DCI ⟳") {
		t.Errorf("strip does not show the poll: %q", strip)
	}
	h.Polling = false
	h.PolledAt = testNow
	done := newTestModel(t, newFakeEngine(withFabric(h)()), 160, 48)
	if pane := done.main.fabric.View(); !strings.Contains(pane, "polled 0s ago") || strings.Contains(pane, "polling") {
		t.Errorf("after the poll:\n%s", pane)
	}
}

// During the first round, with a switch still connecting, no age is ever blank.
func TestFirstRoundNoBlankAge(t *testing.T) {
	h := healthyFabric()
	h.PolledAt = time.Time{}
	h.Polling, h.PollStarted = true, testNow.Add(-2*time.Second)
	h.Switches[1].Reachable, h.Switches[1].LastPoll, h.Switches[1].Pending = false, time.Time{}, true
	h.Switches[1].Since = testNow.Add(-2 * time.Second)
	m := newTestModel(t, newFakeEngine(withFabric(h)()), 80, 24)
	m = pressAll(t, m, "tab", "tab")
	seen := m.View()
	for i := 0; i < 6; i++ {
		m = pressAll(t, m, "pgdown")
		seen += m.View()
	}
	for _, bad := range []string{"as of  ago", "   old"} {
		if strings.Contains(seen, bad) {
			t.Errorf("a blank age (%q) on screen:\n%s", bad, seen)
		}
	}
	if !strings.Contains(seen, "first poll running 2s") || !strings.Contains(seen, "connecting 2s") {
		t.Errorf("the first round does not say it is running:\n%s", seen)
	}
}
