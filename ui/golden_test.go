package ui

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/vmcross/vmcross/fabric"
)

func TestMain(m *testing.M) {
	// Goldens are plain text: no colour from the global renderer either (the console uses
	// its own, but a stray default-renderer style would show up here).
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// screen runs the console in a real tea.Program at w×h, waits until the screen shows
// ready, applies steps, and returns the final frame.
func screen(t *testing.T, e *fakeEngine, w, h int, ready string, steps func(tm *teatest.TestModel)) []byte {
	t.Helper()
	tm := teatest.NewTestModel(t, New(e, testOptions()), teatest.WithInitialTermSize(w, h))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(ready)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	if steps != nil {
		steps(tm)
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	return []byte(final.View() + "\n")
}

func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// Golden screens: `go test ./ui -update` rewrites testdata/TestGolden/*.golden.
func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}, {200, 60}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			out := screen(t, newFakeEngine(testState()), w, h, "Atlanta (site B)", nil)
			teatest.RequireEqualOutput(t, out)
		})
	}

	t.Run("80x24_filter_sql", func(t *testing.T) {
		out := screen(t, newFakeEngine(testState()), 80, 24, "Atlanta (site B)", func(tm *teatest.TestModel) {
			tm.Type("/sql")
			waitFor(t, tm, "8 of 80 VMs")
			tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
			tm.Type("j")
			waitFor(t, tm, "2/8")
		})
		teatest.RequireEqualOutput(t, out)
	})

	// The DCI: healthy, with site A scrolled to the VDI pools on VLAN 300 (not carried).
	t.Run("160x48_healthy_vdi_marked", func(t *testing.T) {
		out := screen(t, newFakeEngine(testState()), 160, 48, "Atlanta (site B)", func(tm *teatest.TestModel) {
			tm.Type("G")
			waitFor(t, tm, "80/80")
		})
		teatest.RequireEqualOutput(t, out)
	})

	// The live demo: VLAN 120 removed from the DCI arrives through the subscription.
	t.Run("160x48_vlan120_not_carried", func(t *testing.T) {
		e := newFakeEngine(testState())
		out := screen(t, e, 160, 48, "Atlanta (site B)", func(tm *teatest.TestModel) {
			e.Publish(withFabric(vlan120Removed())())
			waitFor(t, tm, "1 problem")
		})
		teatest.RequireEqualOutput(t, out)
	})

	t.Run("80x24_vlan120_not_carried", func(t *testing.T) {
		e := newFakeEngine(withFabric(vlan120Removed())())
		out := screen(t, e, 80, 24, "Atlanta (site B)", func(tm *teatest.TestModel) {
			tm.Type("/prod")
			waitFor(t, tm, "of 80 VMs")
			tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
			waitFor(t, tm, "esc clear")
		})
		teatest.RequireEqualOutput(t, out)
	})

	t.Run("120x30_stale", func(t *testing.T) {
		out := screen(t, newFakeEngine(withFabric(staleFabric())()), 120, 30, "Atlanta (site B)", nil)
		teatest.RequireEqualOutput(t, out)
	})

	t.Run("120x30_not_configured", func(t *testing.T) {
		out := screen(t, newFakeEngine(withFabric(fabric.Health{})()), 120, 30, "Atlanta (site B)", nil)
		teatest.RequireEqualOutput(t, out)
	})

	// The fabric pane focused and scrolled to the end: the finding the column leaves out
	// unfocused ("… 1 more") is read whole.
	t.Run("120x30_fabric_focused_end", func(t *testing.T) {
		out := screen(t, newFakeEngine(withFabric(vlan120AndMemberDown())()), 120, 30, "… 1 more", func(tm *teatest.TestModel) {
			tm.Send(tea.KeyMsg{Type: tea.KeyTab})
			tm.Send(tea.KeyMsg{Type: tea.KeyTab})
			tm.Type("G")
			waitFor(t, tm, "of 2 members")
		})
		teatest.RequireEqualOutput(t, out)
	})

	t.Run("120x30_site_b_down_full_help", func(t *testing.T) {
		e := newFakeEngine(testState())
		out := screen(t, e, 120, 30, "Atlanta (site B)", func(tm *teatest.TestModel) {
			e.Publish(disconnectedB()) // arrives through the subscription
			waitFor(t, tm, "disconnected 5m")
			tm.Type("\t")
			tm.Type("?")
			waitFor(t, tm, "previous pane")
		})
		teatest.RequireEqualOutput(t, out)
	})

	// A frozen vCenter: site B still connected but silent for 35 s, its list unconfirmed.
	t.Run("80x24_site_b_silent", func(t *testing.T) {
		e := newFakeEngine(testState())
		out := screen(t, e, 80, 24, "Atlanta (site B)", func(tm *teatest.TestModel) {
			e.Publish(silentB())
			waitFor(t, tm, "not answering 35s")
		})
		teatest.RequireEqualOutput(t, out)
	})
}
