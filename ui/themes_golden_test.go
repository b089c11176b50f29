package ui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/vmcross/vmcross/keymap"
	"github.com/vmcross/vmcross/themes"
)

// themedScreen runs the console like screen, with opts instead of testOptions.
func themedScreen(t *testing.T, e *fakeEngine, opts Options, w, h int, ready string, steps func(tm *teatest.TestModel)) []byte {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	tm := teatest.NewTestModel(t, New(e, opts), teatest.WithInitialTermSize(w, h))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(ready)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	if steps != nil {
		steps(tm)
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	return []byte(final.View() + "\n")
}

// Golden screens of the light and high-contrast themes at 80x24, in true colour: the
// escapes are in the files, so `cat testdata/TestThemeGolden/*.golden` in a terminal shows
// the screens as an operator sees them. A theme only colours: without its escapes each
// screen is, character for character, the same screen in the dark theme without colour.
// `go test ./ui -run TestThemeGolden -update` rewrites them.
func TestThemeGolden(t *testing.T) {
	cases := []struct {
		name  string
		theme themes.Theme
		state func() *fakeEngine
		steps func(t *testing.T, e *fakeEngine) func(tm *teatest.TestModel)
	}{
		{"80x24_light", themes.Light(), func() *fakeEngine { return newFakeEngine(testState()) }, nil},
		{"80x24_high_contrast", themes.HighContrast(), func() *fakeEngine { return newFakeEngine(testState()) }, nil},
		// Problems: VMs on a VLAN the DCI no longer carries (the rows' "!" and "✗120", the
		// strip's "▲"), a filter in force.
		{"80x24_high_contrast_vlan120_not_carried", themes.HighContrast(), func() *fakeEngine { return newFakeEngine(withFabric(vlan120Removed())()) },
			func(t *testing.T, _ *fakeEngine) func(tm *teatest.TestModel) {
				return func(tm *teatest.TestModel) {
					tm.Type("/prod")
					waitFor(t, tm, "of 80 VMs")
					tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
					waitFor(t, tm, "esc clear")
				}
			}},
		// A site down: "✗ disconnected" with its error, the list unconfirmed.
		{"80x24_high_contrast_site_b_down", themes.HighContrast(), func() *fakeEngine { return newFakeEngine(testState()) },
			func(t *testing.T, e *fakeEngine) func(tm *teatest.TestModel) {
				return func(tm *teatest.TestModel) {
					e.Publish(disconnectedB())
					waitFor(t, tm, "disconnected 5m")
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var steps func(*teatest.TestModel)
			e := c.state()
			if c.steps != nil {
				steps = c.steps(t, e)
			}
			out := themedScreen(t, e, Options{Renderer: colourRenderer(), Theme: c.theme}, 80, 24, "Atlanta (site B)", steps)
			teatest.RequireEqualOutput(t, out)

			// The theme's colours are there…
			for _, col := range []string{string(c.theme.Text), string(c.theme.BorderFocused), string(c.theme.Accent)} {
				if !strings.Contains(string(out), trueColourEscape(col)) {
					t.Errorf("%s (%s) is not on the screen", col, trueColourEscape(col))
				}
			}
			// …and nothing else changes: the same screen without colour.
			var plainSteps func(*teatest.TestModel)
			pe := c.state()
			if c.steps != nil {
				plainSteps = c.steps(t, pe)
			}
			plain := themedScreen(t, pe, testOptions(), 80, 24, "Atlanta (site B)", plainSteps)
			if got := ansi.Strip(string(out)); got != string(plain) {
				t.Errorf("the %s theme changed the screen's text:\n%s\nwant\n%s", c.theme.Name, got, plain)
			}
		})
	}
}

// trueColourEscape is how a true-colour renderer asks for "#RRGGBB" as the foreground.
func trueColourEscape(hex string) string {
	var r, g, b int
	if _, err := fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b); err != nil {
		panic(err)
	}
	return fmt.Sprintf("38;2;%d;%d;%d", r, g, b)
}

// The help bar, the full help and the keys themselves are the operator's: filter on f (taken
// from page_down, which keeps pgdn) shows as "f filter", and f opens the filter.
func TestUserKeysShown(t *testing.T) {
	km := keymap.Default()
	if err := km.Rebind("keys.yaml", []byte("filter: f\nhelp: [\"?\", f1]\n")); err != nil {
		t.Fatal(err)
	}
	opts := testOptions()
	opts.KeyMap = km
	lines := strings.Split(strings.TrimSuffix(string(themedScreen(t, newFakeEngine(testState()), opts, 120, 30, "Atlanta (site B)", nil)), "\n"), "\n")
	if bar := lines[len(lines)-1]; !strings.Contains(bar, "f filter") || strings.Contains(bar, "/ filter") {
		t.Errorf("the help bar does not show filter on f: %q", bar)
	}
	full := string(themedScreen(t, newFakeEngine(testState()), opts, 120, 30, "Atlanta (site B)", func(tm *teatest.TestModel) {
		tm.Type("fsql")
		waitFor(t, tm, "8 of 80 VMs")
		tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		tm.Send(tea.KeyMsg{Type: tea.KeyF1})
		waitFor(t, tm, "previous pane")
	}))
	lines = strings.Split(strings.TrimSuffix(full, "\n"), "\n")
	bar := strings.Join(lines[len(lines)-7:], "\n")
	if !strings.Contains(full, "8 of 80 VMs") {
		t.Errorf("f did not open the filter:\n%s", full)
	}
	if !strings.Contains(bar, "pgdn   page down") || strings.Contains(bar, "pgdn/f") || !strings.Contains(bar, "?/f1 help") {
		t.Errorf("the full help does not show the operator's keys:\n%s", bar)
	}
}
