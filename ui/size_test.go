package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric"
	"github.com/vmcross/vmcross/themes"
)

// scenarios put the console in states whose screens differ in shape.
var scenarios = []struct {
	name  string
	state func() model.State
	keys  []string
}{
	{"list", testState, nil},
	{"scrolled", testState, []string{"pgdown", "pgdown", "j"}},
	{"typing_filter", testState, []string{"/", "s", "q", "l"}},
	{"filter_kept", testState, []string{"/", "s", "q", "l", "enter", "tab"}},
	{"no_match", testState, []string{"/", "z", "z", "z"}},
	{"site_down_full_help", disconnectedB, []string{"tab", "?"}},
	{"empty", func() model.State { return model.State{} }, []string{"?"}},
	{"hostile_names", hostileState, []string{"end"}},
	{"fabric_vlan120", withFabric(vlan120Removed()), []string{"/", "p", "r", "o", "d", "enter"}},
	{"fabric_member_down", withFabric(memberDown()), nil},
	{"fabric_unreachable", withFabric(switchUnreachable()), []string{"G"}},
	{"fabric_stale", withFabric(staleFabric()), nil},
	{"fabric_down", withFabric(dciDown()), []string{"G", "?"}},
	{"fabric_not_configured", withFabric(fabric.Health{}), nil},
	{"fabric_hostile", hostileFabricState, []string{"end"}},
	// The fabric pane focused (on wide terminals; narrow ones cycle back to site A) and
	// scrolled: its full content, a window of it, the position in its border.
	{"fabric_focused_end", withFabric(vlan120AndMemberDown()), []string{"tab", "tab", "G"}},
	{"fabric_focused_hostile", hostileFabricState, []string{"shift+tab", "pgdown", "j", "j"}},
	{"fabric_focused_hostile_end", hostileFabricState, []string{"shift+tab", "G", "?"}},
	{"fabric_focused_stale", withFabric(staleFabric()), []string{"shift+tab", "G"}},
	{"fabric_focused_down", withFabric(dciDown()), []string{"shift+tab", "f"}},
	{"fabric_focused_not_configured", withFabric(fabric.Health{}), []string{"shift+tab", "G"}},
	{"fabric_focused_waiting", func() model.State { return model.State{} }, []string{"shift+tab", "j"}},
	// Moves: the pane under the sites, focused, and every move in detail.
	{"moves", movesState, nil},
	{"moves_focused", movesState, []string{"shift+tab", "G"}},
	{"moves_view", movesState, []string{"m", "G", "?"}},
}

// hostileState has names, hosts and errors that would break a naive layout: very long, wide
// characters, control characters, a multi-line error.
func hostileState() model.State {
	s := testState()
	a := &s.Sites[0]
	a.Status.Name = "Site with a display name far too long for any pane header at all, really"
	a.Status.Host = "vcenter-with-a-very-long-host-name.datacentre.region.example.internal:8443"
	a.Status.State = model.Connecting
	a.Status.Err = "first line\nsecond line\tafter a tab, " + strings.Repeat("and on and on ", 20)
	a.Status.Since = testNow.Add(-49 * time.Hour)
	a.VMs = append([]model.VM{}, a.VMs...)
	a.VMs = append(a.VMs,
		model.VM{Key: model.VMKey{Site: "site-a", MoRef: "vm-1"}, Name: "zz-" + strings.Repeat("very-long-name-", 8), Power: model.PoweredOn, Cluster: strings.Repeat("C", 60), Host: strings.Repeat("h", 80), VLANs: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, CPU: 128, MemoryMiB: 6 * 1024 * 1024},
		model.VM{Key: model.VMKey{Site: "site-a", MoRef: "vm-2"}, Name: "zz-数据库服务器-東京-01", Power: model.Suspended},
		model.VM{Key: model.VMKey{Site: "site-a", MoRef: "vm-3"}, Name: "zz-esc\x1b[31mred\x1b[0m\nnewline", Power: "unknown"},
	)
	return s
}

// TestViewFitsTerminal checks that every screen is exactly the terminal's height in lines,
// none wider than the terminal, in colour and without.
func TestViewFitsTerminal(t *testing.T) {
	sizes := [][2]int{{80, 24}, {100, 30}, {160, 48}, {200, 60}, {60, 15}, {119, 20}, {120, 20}, {59, 14}, {61, 40}}
	renderers := map[string]func() *lipgloss.Renderer{"ascii": asciiRenderer, "truecolor": colourRenderer}
	for rname, r := range renderers {
		for _, sc := range scenarios {
			for _, size := range sizes {
				w, h := size[0], size[1]
				t.Run(fmt.Sprintf("%s/%s/%dx%d", rname, sc.name, w, h), func(t *testing.T) {
					opts := testOptions()
					opts.Renderer = r()
					m := New(newFakeEngine(sc.state()), opts)
					m = update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
					m = pressAll(t, m, sc.keys...)
					checkFits(t, m.View(), w, h)
					// And after a resize in that state.
					m = update(t, m, tea.WindowSizeMsg{Width: w + 7, Height: h + 3})
					checkFits(t, m.View(), w+7, h+3)
				})
			}
		}
	}
}

func checkFits(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got > w {
			t.Errorf("line %d is %d cells wide, terminal is %d: %q", i, got, w, ansi.Strip(l))
		}
		if lipgloss.Width(l) > w {
			t.Errorf("line %d: lipgloss.Width %d > %d", i, lipgloss.Width(l), w)
		}
		if strings.ContainsAny(ansi.Strip(l), "\r\t\x1b") {
			t.Errorf("line %d holds a control character: %q", i, l)
		}
	}
}

// TestNoColor checks that with NO_COLOR set the console has no colour at all and still
// shows which pane has focus and where the cursor is.
func TestNoColor(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	opts := testOptions()
	opts.Renderer = themes.Renderer(&strings.Builder{}, nil)
	// Even a terminal that claims true colour gets none.
	m := New(newFakeEngine(testState()), opts)
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = pressAll(t, m, "j")
	view := m.View()
	if strings.Contains(view, "\x1b[") {
		t.Fatalf("NO_COLOR view has escape sequences: %q", view)
	}
	lines := strings.Split(view, "\n")
	if !strings.HasPrefix(lines[0], "┏━") {
		t.Errorf("focused pane not drawn with the thick border: %q", lines[0])
	}
	if !strings.Contains(lines[0], "┌─") {
		t.Errorf("unfocused pane not drawn with the thin border: %q", lines[0])
	}
	if !strings.Contains(view, "> "+testState().Sites[0].VMs[1].Name[:10]) {
		t.Error("cursor row not marked with >")
	}
	m = pressAll(t, m, "tab")
	if top := strings.Split(m.View(), "\n")[0]; !strings.HasPrefix(top, "┌─") || !strings.Contains(top, "┏━") {
		t.Errorf("focus mark did not move with tab: %q", top)
	}

	// The fabric pane, focused on a wide terminal, is marked the same way.
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	m = pressAll(t, m, "tab", "G")
	view = m.View()
	if strings.Contains(view, "\x1b[") {
		t.Fatalf("NO_COLOR view has escape sequences: %q", view)
	}
	lines = strings.Split(view, "\n")
	if top := lines[0]; strings.Contains(top, "┏━ Miami") || strings.Contains(top, "┏━ Atlanta") || !strings.Contains(top, "┏━ DCI fabric") {
		t.Errorf("fabric focus not drawn with the thick border: %q", top)
	}
	if bottom := lines[len(lines)-2]; !strings.HasSuffix(bottom, "━┛") || !strings.Contains(bottom, "/") {
		t.Errorf("focused fabric's bottom border: %q", bottom)
	}
}
