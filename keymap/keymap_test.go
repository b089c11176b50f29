package keymap

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

func press(k string) tea.KeyMsg {
	switch k {
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "ctrl+n":
		return tea.KeyMsg{Type: tea.KeyCtrlN}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "f5":
		return tea.KeyMsg{Type: tea.KeyF5}
	case " ":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	if strings.HasPrefix(k, "alt+") {
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(strings.TrimPrefix(k, "alt+")), Alt: true}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

func TestDefault(t *testing.T) {
	km := Default()
	cases := []struct {
		b    key.Binding
		keys []string
	}{
		{km.Up, []string{"up", "k"}},
		{km.Down, []string{"down", "j"}},
		{km.NextPane, []string{"tab"}},
		{km.PrevPane, []string{"shift+tab"}},
		{km.Filter, []string{"/"}},
		{km.Quit, []string{"q"}},
		{km.ForceQuit, []string{"ctrl+c"}},
	}
	for _, c := range cases {
		for _, k := range c.keys {
			if !key.Matches(press(k), c.b) {
				t.Errorf("%q does not trigger %q", k, c.b.Help().Desc)
			}
		}
	}
	if km.Down.Help().Key != "↓/j" || km.PageDown.Help().Key != "pgdn/f" {
		t.Errorf("help keys: %q, %q", km.Down.Help().Key, km.PageDown.Help().Key)
	}
	if km.ForceQuit.Help().Key != "" {
		t.Error("ctrl+c should not be listed in the help")
	}
	// Default returns a fresh keymap each time: one session's rebinding is not another's.
	other := Default()
	other.Down.SetKeys("x")
	if key.Matches(press("x"), Default().Down) {
		t.Error("Default shares bindings between calls")
	}
}

func TestRebind(t *testing.T) {
	km := Default()
	err := km.Rebind("keys.yaml", []byte(`
# vmcross keys
down: [j, down, ctrl+n]
up: k
filter: "alt+f"
next_pane: [tab, space]
select: z
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"j", "down", "ctrl+n"} {
		if !key.Matches(press(k), km.Down) {
			t.Errorf("%s should move down", k)
		}
	}
	if key.Matches(press("up"), km.Up) {
		t.Error("up should no longer be bound: the file replaced the keys")
	}
	if !key.Matches(press("alt+f"), km.Filter) || key.Matches(press("/"), km.Filter) {
		t.Error("filter should be alt+f only")
	}
	if !key.Matches(press(" "), km.NextPane) {
		t.Error("space should go to the next pane")
	}
	if km.Down.Help().Key != "↓/j/ctrl+n" && km.Down.Help().Key != "j/↓/ctrl+n" {
		t.Errorf("help key not updated: %q", km.Down.Help().Key)
	}
	if km.Down.Help().Desc != "down" {
		t.Errorf("help text lost: %q", km.Down.Help().Desc)
	}
	if !key.Matches(press("shift+tab"), km.PrevPane) {
		t.Error("actions not in the file should keep their keys")
	}
}

func TestRebindErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		line       int
		want       string
	}{
		{"unknown action", "down: j\nfliter: /\n", 2, `unknown action "fliter": did you mean filter?`},
		{"unknown action, nothing like it", "down: j\nzoom: z\n", 2, `unknown action "zoom"; actions are: up, down,`},
		{"bad key", "up: k\ndown: [j, ctrl+]\n", 2, `down: "ctrl+" is not a key`},
		{"two-letter key", "up: kk\n", 1, `up: "kk" is not a key`},
		{"empty list", "up: []\n", 1, "up: no keys"},
		{"mapping as keys", "up: {a: b}\n", 1, "up: expected a key or a list of keys"},
		{"not a mapping", "- up\n- down\n", 1, "expected a mapping of action names to keys"},
		{"twice", "up: k\nup: w\n", 2, `action "up" is bound twice (first on line 1)`},
		{"takes a default's only key", "filter: tab\n", 1, `key "tab" does both next_pane and filter in the list, and next_pane has no other key; bind next_pane to another key too`},
		{"conflict in the file", "home: z\nend: z\n", 2, `key "z" does both home and end in the list`},
		{"conflict in the filter input", "accept_filter: esc\n", 1, `key "esc" does both clear_filter and accept_filter in the filter input, and clear_filter has no other key`},
		{"not yaml", "up: [k\n", 0, "not YAML"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			km := Default()
			err := km.Rebind("keys.yaml", []byte(c.yaml))
			var ke *Error
			if !errors.As(err, &ke) {
				t.Fatalf("got %v, want a *keymap.Error", err)
			}
			if ke.Line != c.line || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %q (line %d), want line %d and %q", err, ke.Line, c.line, c.want)
			}
			if c.line > 0 && !strings.HasPrefix(err.Error(), "keys.yaml:") {
				t.Errorf("error does not name the file and line: %q", err)
			}
			// A failed rebind changes nothing.
			if !key.Matches(press("j"), km.Down) || !key.Matches(press("/"), km.Filter) {
				t.Error("keymap changed by a failed rebind")
			}
		})
	}
}

func TestRebindAllowsSwaps(t *testing.T) {
	km := Default()
	if err := km.Rebind("keys.yaml", []byte("up: j\ndown: k\nquit: [q, ctrl+c]\n")); err != nil {
		t.Fatalf("swapping up and down, or quit sharing ctrl+c, should be fine: %v", err)
	}
	if !key.Matches(press("j"), km.Up) || !key.Matches(press("k"), km.Down) {
		t.Error("swap not applied")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.yaml")
	if err := os.WriteFile(path, []byte("quit: z\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	km, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !key.Matches(press("z"), km.Quit) || key.Matches(press("q"), km.Quit) {
		t.Error("quit should be z")
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("a missing file should be an error")
	}
	if err := Default().Rebind("empty.yaml", nil); err != nil {
		t.Errorf("an empty file changes nothing: %v", err)
	}
}

func TestParseKey(t *testing.T) {
	good := map[string]string{"j": "j", "G": "G", "/": "/", "?": "?", "down": "down", "pgdown": "pgdown",
		"ctrl+d": "ctrl+d", "shift+tab": "shift+tab", "f5": "f5", "space": " ", "alt+j": "alt+j", "alt+enter": "alt+enter", "é": "é"}
	for in, want := range good {
		got, err := ParseKey(in)
		if err != nil || got != want {
			t.Errorf("ParseKey(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "jj", "ctrl+", "control+c", "alt+", "\x01", "Down"} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) should fail", bad)
		}
	}
}

func TestActionsCoverKeyMap(t *testing.T) {
	if got, want := len(Actions()), reflect.TypeOf(KeyMap{}).NumField(); got != want {
		t.Errorf("%d actions for %d KeyMap fields: every binding should be rebindable by name", got, want)
	}
	seen := map[*key.Binding]bool{}
	km := &KeyMap{}
	for _, a := range actions {
		b := a.binding(km)
		if seen[b] {
			t.Errorf("action %q points at a binding another action has", a.name)
		}
		seen[b] = true
	}
}

// Dangerous actions are marked, and a read-only keymap disables them: they match no key and
// the help leaves them out.
func TestReadOnlyDisablesDangerous(t *testing.T) {
	want := []string{"confirm_move", "cancel_move", "start_plan", "pause_plan", "resume_plan", "reconnect"}
	if got := Dangerous(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Dangerous() = %v, want %v", got, want)
	}
	km := Default()
	ro := km.ReadOnly()
	if !km.Reconnect.Enabled() {
		t.Fatal("ReadOnly changed the keymap it was called on")
	}
	if ro.Reconnect.Enabled() || ro.ConfirmMove.Enabled() || ro.CancelMove.Enabled() {
		t.Error("reconnect, confirm_move or cancel_move is live in a read-only keymap")
	}
	if !ro.Refresh.Enabled() || !ro.Open.Enabled() || !ro.Quit.Enabled() || !ro.Review.Enabled() {
		t.Error("a read-only keymap lost a harmless key")
	}
}

// The detail view is a place of its own: back and a scrolling key may not share a key there,
// while esc may mean "clear filter" in the list and "back" in the detail view.
func TestRebindDetailConflicts(t *testing.T) {
	km := Default()
	err := km.Rebind("keys.yaml", []byte("back: j\ndown: [j, down]\n"))
	if err == nil || !strings.Contains(err.Error(), `key "j" does both down and back in the detail view`) {
		t.Fatalf("back and down on j: %v, want a conflict in the detail view", err)
	}
	if err := Default().Rebind("keys.yaml", []byte("open: o\nback: backspace\n")); err != nil {
		t.Fatalf("open on o, back on backspace: %v", err)
	}
}

// The selection keys are live in the lists, harmless (a viewer may select: selecting moves
// nothing), and free of conflicts with every other key there.
func TestSelectionKeys(t *testing.T) {
	km := Default()
	cases := []struct {
		b   key.Binding
		key string
	}{
		{km.Select, " "}, {km.SelectShown, "*"}, {km.SelectHost, "H"}, {km.SelectCluster, "C"}, {km.ClearSelection, "u"},
	}
	for _, c := range cases {
		if !key.Matches(press(c.key), c.b) {
			t.Errorf("%q does not trigger %q", c.key, c.b.Help().Desc)
		}
		if c.b.Help().Desc == "" || c.b.Help().Key == "" {
			t.Errorf("%q has no help", c.key)
		}
	}
	if km.Select.Help().Key != "space" {
		t.Errorf("select's help key is %q, want space", km.Select.Help().Key)
	}
	ro := km.ReadOnly()
	for _, b := range []key.Binding{ro.Select, ro.SelectShown, ro.SelectHost, ro.SelectCluster, ro.ClearSelection} {
		if !b.Enabled() {
			t.Errorf("%q is disabled in a read-only keymap", b.Help().Desc)
		}
	}
	for _, name := range []string{"select", "select_shown", "select_host", "select_cluster", "clear_selection"} {
		var a *action
		for i := range actions {
			if actions[i].name == name {
				a = &actions[i]
			}
		}
		if a == nil {
			t.Fatalf("no action %q", name)
		}
		if a.places != inList || a.dangerous {
			t.Errorf("%s: places %b, dangerous %v; want the list only, not dangerous", name, a.places, a.dangerous)
		}
	}
	// The defaults conflict nowhere: rebinding nothing passes the conflict check.
	final := make([][]string, len(actions))
	for i, a := range actions {
		final[i] = a.binding(km).Keys()
	}
	if err := conflicts("defaults", final, make([]int, len(actions))); err != nil {
		t.Errorf("default keys conflict: %v", err)
	}
	// Rebinding a selection key onto a list key is refused; onto a detail-view key is not.
	if err := Default().Rebind("keys.yaml", []byte("select_host: tab\n")); err == nil || !strings.Contains(err.Error(), "does both next_pane and select_host in the list") {
		t.Errorf("select_host on tab: %v, want a conflict with next_pane in the list", err)
	}
	if err := Default().Rebind("keys.yaml", []byte("clear_selection: backspace\nselect: [space, z]\n")); err != nil {
		t.Errorf("clear_selection on backspace, select on space and z: %v", err)
	}
}

// review opens the review from the lists (p conflicts with nothing there, and a viewer may
// review); confirm_move is enter in the views over the lists, and dangerous.
func TestReviewKeys(t *testing.T) {
	km := Default()
	if !key.Matches(press("p"), km.Review) {
		t.Error("p does not open the review")
	}
	if !key.Matches(tea.KeyMsg{Type: tea.KeyEnter}, km.ConfirmMove) {
		t.Error("enter does not confirm the move")
	}
	for _, a := range actions {
		switch a.name {
		case "review":
			if a.places != inList || a.dangerous {
				t.Errorf("review: places %b, dangerous %v; want the list only, not dangerous", a.places, a.dangerous)
			}
		case "confirm_move":
			if a.places != inDetail || !a.dangerous {
				t.Errorf("confirm_move: places %b, dangerous %v; want the detail view, dangerous", a.places, a.dangerous)
			}
		}
	}
	if err := Default().Rebind("keys.yaml", []byte("review: j\ndown: j\n")); err == nil || !strings.Contains(err.Error(), "in the list") {
		t.Errorf("review and down on j: %v, want a conflict in the list", err)
	}
}

// The review's keys: a acknowledges and e edits targets in the views over the lists,
// neither dangerous (acknowledging or choosing targets starts nothing); the target editor is
// a place of its own where up and down go from row to row, left/h and right/l through the
// choices, enter saves and esc cancels.
func TestReviewEditorKeys(t *testing.T) {
	km := Default()
	cases := []struct {
		b    key.Binding
		keys []string
	}{
		{km.Acknowledge, []string{"a"}},
		{km.EditTargets, []string{"e"}},
		{km.PrevChoice, []string{"h"}},
		{km.NextChoice, []string{"l"}},
	}
	for _, c := range cases {
		for _, k := range c.keys {
			if !key.Matches(press(k), c.b) {
				t.Errorf("%q does not trigger %q", k, c.b.Help().Desc)
			}
		}
		if c.b.Help().Desc == "" || c.b.Help().Key == "" {
			t.Errorf("%v has no help", c.keys)
		}
	}
	if !key.Matches(tea.KeyMsg{Type: tea.KeyLeft}, km.PrevChoice) || !key.Matches(tea.KeyMsg{Type: tea.KeyRight}, km.NextChoice) {
		t.Error("the arrow keys do not cycle the choices")
	}
	if km.PrevChoice.Help().Key != "←/h" || km.NextChoice.Help().Key != "→/l" {
		t.Errorf("help keys %q, %q", km.PrevChoice.Help().Key, km.NextChoice.Help().Key)
	}
	if !key.Matches(tea.KeyMsg{Type: tea.KeyEnter}, km.SaveTargets) {
		t.Error("enter does not save the targets")
	}
	want := map[string]place{
		"acknowledge": inDetail, "edit_targets": inDetail,
		"prev_choice": inEditor, "next_choice": inEditor, "save_targets": inEditor,
	}
	for _, a := range actions {
		if p, ok := want[a.name]; ok && (a.places != p || a.dangerous) {
			t.Errorf("%s: places %b, dangerous %v; want %b, not dangerous", a.name, a.places, a.dangerous, p)
		}
		if (a.name == "up" || a.name == "down" || a.name == "back" || a.name == "force_quit") && a.places&inEditor == 0 {
			t.Errorf("%s is not live in the target editor", a.name)
		}
	}
	ro := km.ReadOnly()
	if !ro.Acknowledge.Enabled() || !ro.EditTargets.Enabled() || !ro.SaveTargets.Enabled() {
		t.Error("a read-only keymap lost a review key: a viewer may acknowledge and choose targets")
	}

	// Collisions: in the review with the scrolling keys, in the editor with its own keys.
	// Keys live in one place only may share a key with keys of another.
	bad := []struct{ yaml, want string }{
		{"acknowledge: j\ndown: [down, j]\n", `key "j" does both down and acknowledge in the detail view`},
		{"edit_targets: enter\n", `key "enter" does both confirm_move and edit_targets in the detail view`},
		{"edit_targets: a\n", `key "a" does both acknowledge and edit_targets in the detail view`},
		{"next_choice: k\nup: k\n", `key "k" does both up and next_choice in the target editor`},
		{"save_targets: esc\n", `key "esc" does both back and save_targets in the target editor, and back has no other key`},
		{"prev_choice: l\nnext_choice: l\n", `key "l" does both prev_choice and next_choice in the target editor`},
	}
	for _, c := range bad {
		err := Default().Rebind("keys.yaml", []byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", strings.TrimSpace(c.yaml), err, c.want)
		}
	}
	for _, ok := range []string{"next_choice: [right, a]\n", "acknowledge: h\n", "save_targets: s\n", "edit_targets: t\n"} {
		if err := Default().Rebind("keys.yaml", []byte(ok)); err != nil {
			t.Errorf("%q: %v", strings.TrimSpace(ok), err)
		}
	}
}

// Watching moves: m opens every move in detail and h the history, from the lists; x cancels
// the move under the cursor in the moves pane and the migrations view, and is dangerous; y
// and n (or esc) answer the yes/no question, a place of its own where only they and ctrl+c
// are live. None collides with another key where it is live.
func TestMoveKeys(t *testing.T) {
	km := Default()
	cases := []struct {
		b    key.Binding
		keys []string
		desc string
	}{
		{km.Moves, []string{"m"}, "all moves"},
		{km.History, []string{"h"}, "history"},
		{km.CancelMove, []string{"x"}, "cancel move"},
		{km.ConfirmYes, []string{"y"}, "yes"},
		{km.ConfirmNo, []string{"n"}, "no"},
	}
	for _, c := range cases {
		for _, k := range c.keys {
			if !key.Matches(press(k), c.b) {
				t.Errorf("%q does not trigger %q", k, c.desc)
			}
		}
		if c.b.Help().Desc != c.desc || c.b.Help().Key == "" {
			t.Errorf("%v: help %+v, want %q", c.keys, c.b.Help(), c.desc)
		}
	}
	if !key.Matches(tea.KeyMsg{Type: tea.KeyEsc}, km.ConfirmNo) || km.ConfirmNo.Help().Key != "n/esc" {
		t.Errorf("esc does not answer no (help %q)", km.ConfirmNo.Help().Key)
	}
	if key.Matches(press("H"), km.History) || key.Matches(press("h"), km.SelectHost) {
		t.Error("h and H are confused: H selects a host, h opens the history")
	}
	want := map[string]struct {
		places    place
		dangerous bool
	}{
		"moves": {inList, false}, "history": {inList, false}, "cancel_move": {inList | inDetail, true},
		"confirm_yes": {inConfirm, false}, "confirm_no": {inConfirm, false},
	}
	for _, a := range actions {
		if w, ok := want[a.name]; ok && (a.places != w.places || a.dangerous != w.dangerous) {
			t.Errorf("%s: places %b, dangerous %v; want %b, %v", a.name, a.places, a.dangerous, w.places, w.dangerous)
		}
		if a.places&inConfirm != 0 && a.name != "confirm_yes" && a.name != "confirm_no" && a.name != "force_quit" {
			t.Errorf("%s is live in the yes/no question: only the answers and ctrl+c are", a.name)
		}
	}
	ro := km.ReadOnly()
	if ro.CancelMove.Enabled() || !ro.Moves.Enabled() || !ro.History.Enabled() || !ro.ConfirmYes.Enabled() {
		t.Error("a read-only keymap: x should be off, m, h and the answers on")
	}

	final := make([][]string, len(actions))
	for i, a := range actions {
		final[i] = a.binding(km).Keys()
	}
	if err := conflicts("defaults", final, make([]int, len(actions))); err != nil {
		t.Errorf("default keys conflict: %v", err)
	}
	bad := []struct{ yaml, want string }{
		{"history: H\n", `key "H" does both select_host and history in the list`},
		{"moves: j\ndown: j\n", `key "j" does both down and moves in the list`},
		{"cancel_move: a\n", `key "a" does both acknowledge and cancel_move in the detail view`},
		{"cancel_move: p\n", `key "p" does both review and cancel_move in the list`},
		{"confirm_yes: n\nconfirm_no: n\n", `key "n" does both confirm_yes and confirm_no in the yes/no question`},
		{"confirm_no: ctrl+c\n", `key "ctrl+c" does both force_quit and confirm_no in the yes/no question`},
	}
	for _, c := range bad {
		err := Default().Rebind("keys.yaml", []byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", strings.TrimSpace(c.yaml), err, c.want)
		}
	}
	for _, ok := range []string{"confirm_yes: [y, enter]\n", "history: L\n", "cancel_move: [x, delete]\n", "moves: M\n"} {
		if err := Default().Rebind("keys.yaml", []byte(ok)); err != nil {
			t.Errorf("%q: %v", strings.TrimSpace(ok), err)
		}
	}
}

// Evacuation plans: E asks what to evacuate and P opens the plans view, from the lists,
// neither dangerous (drafting moves nothing: a viewer may). The question is a place of its
// own where v, h, c and s answer and esc cancels. The plans view is two places: on the
// draft enter starts it; on a plan enter shows its VMs, p pauses it and r resumes it.
// Starting, pausing and resuming are dangerous: a read-only keymap has none of them.
func TestPlanKeys(t *testing.T) {
	km := Default()
	cases := []struct {
		b    key.Binding
		keys []string
		desc string
	}{
		{km.Evacuate, []string{"E"}, "plan evacuation"},
		{km.Plans, []string{"P"}, "plans"},
		{km.EvacuateVMs, []string{"v"}, "selected VMs"},
		{km.EvacuateHost, []string{"h"}, "host"},
		{km.EvacuateCluster, []string{"c"}, "cluster"},
		{km.EvacuateSite, []string{"s"}, "site"},
		{km.PausePlan, []string{"p"}, "pause plan"},
		{km.ResumePlan, []string{"r"}, "resume plan"},
	}
	for _, c := range cases {
		for _, k := range c.keys {
			if !key.Matches(press(k), c.b) {
				t.Errorf("%q does not trigger %q", k, c.desc)
			}
		}
		if c.b.Help().Desc != c.desc || c.b.Help().Key == "" {
			t.Errorf("%v: help %+v, want %q", c.keys, c.b.Help(), c.desc)
		}
	}
	enter := tea.KeyMsg{Type: tea.KeyEnter}
	if !key.Matches(enter, km.StartPlan) || !key.Matches(enter, km.PlanVMs) {
		t.Error("enter neither starts the draft nor shows a plan's VMs")
	}
	want := map[string]struct {
		places    place
		dangerous bool
	}{
		"evacuate": {inList, false}, "plans": {inList, false},
		"evacuate_vms": {inAsk, false}, "evacuate_host": {inAsk, false}, "evacuate_cluster": {inAsk, false}, "evacuate_site": {inAsk, false},
		"start_plan": {inDraft, true}, "plan_vms": {inPlans, false}, "pause_plan": {inPlans, true}, "resume_plan": {inPlans, true},
	}
	for _, a := range actions {
		if w, ok := want[a.name]; ok && (a.places != w.places || a.dangerous != w.dangerous) {
			t.Errorf("%s: places %b, dangerous %v; want %b, %v", a.name, a.places, a.dangerous, w.places, w.dangerous)
		}
		// Leaving and moving work wherever the plans view's cursor is.
		switch a.name {
		case "up", "down", "page_up", "page_down", "home", "end", "back", "help", "quit", "force_quit":
			if a.places&inPlanView != inPlanView {
				t.Errorf("%s is not live in the plans view", a.name)
			}
		}
		if a.places&inAsk != 0 && !strings.HasPrefix(a.name, "evacuate_") && a.name != "back" && a.name != "force_quit" {
			t.Errorf("%s is live in the evacuate question: only the answers, esc and ctrl+c are", a.name)
		}
	}
	ro := km.ReadOnly()
	if ro.StartPlan.Enabled() || ro.PausePlan.Enabled() || ro.ResumePlan.Enabled() {
		t.Error("a read-only keymap can start, pause or resume a plan")
	}
	if !ro.Evacuate.Enabled() || !ro.Plans.Enabled() || !ro.PlanVMs.Enabled() || !ro.EvacuateHost.Enabled() {
		t.Error("a read-only keymap lost E, P, enter on a plan or an answer: a viewer may draft and look")
	}

	final := make([][]string, len(actions))
	for i, a := range actions {
		final[i] = a.binding(km).Keys()
	}
	if err := conflicts("defaults", final, make([]int, len(actions))); err != nil {
		t.Errorf("default keys conflict: %v", err)
	}
	bad := []struct{ yaml, want string }{
		{"evacuate: H\n", `key "H" does both select_host and evacuate in the list`},
		{"plans: p\n", `key "p" does both review and plans in the list`},
		{"evacuate_host: esc\n", `key "esc" does both back and evacuate_host in the evacuate question`},
		{"evacuate_site: v\n", `key "v" does both evacuate_vms and evacuate_site in the evacuate question`},
		{"start_plan: j\ndown: j\n", `key "j" does both down and start_plan in the plans view's draft`},
		{"pause_plan: r\n", `key "r" does both resume_plan and pause_plan in the plans view's plans`},
		{"plan_vms: q\n", `key "q" does both quit and plan_vms in the plans view's plans`},
	}
	for _, c := range bad {
		err := Default().Rebind("keys.yaml", []byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", strings.TrimSpace(c.yaml), err, c.want)
		}
	}
	// Keys of different places may be shared: H selects a host in the lists and answers
	// "host" in the question; enter starts the draft and shows a plan's VMs.
	for _, ok := range []string{"start_plan: [enter, S]\n", "evacuate_host: H\n", "plan_vms: [enter, space]\n"} {
		if err := Default().Rebind("keys.yaml", []byte(ok)); err != nil {
			t.Errorf("%q: %v", strings.TrimSpace(ok), err)
		}
	}
}
