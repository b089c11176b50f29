package keymap

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
)

// A key the file gives an action is taken from the action that had it by default, which
// keeps its other keys: `filter: f` takes f from page_down (pgdown is left), everywhere
// page_down is live, and the help says so.
func TestRebindTakesKeysFromDefaults(t *testing.T) {
	km := Default()
	if err := km.Rebind("keys.yaml", []byte("filter: f\nback: [esc, j]\n")); err != nil {
		t.Fatal(err)
	}
	if !key.Matches(press("f"), km.Filter) || key.Matches(press("/"), km.Filter) {
		t.Error("filter should be f alone")
	}
	if key.Matches(press("f"), km.PageDown) || !reflect.DeepEqual(km.PageDown.Keys(), []string{"pgdown"}) {
		t.Errorf("page_down keys %v, want [pgdown]", km.PageDown.Keys())
	}
	if km.PageDown.Help() != (key.Help{Key: "pgdn", Desc: "page down"}) || km.Filter.Help().Key != "f" {
		t.Errorf("help: page_down %+v, filter %+v", km.PageDown.Help(), km.Filter.Help())
	}
	if !reflect.DeepEqual(km.Down.Keys(), []string{"down"}) || km.Down.Help().Key != "↓" {
		t.Errorf("down %v (%q): j went to back", km.Down.Keys(), km.Down.Help().Key)
	}
	// Keys of actions live in no place of the file's action are left alone: f is not taken
	// from anything in the filter input, h stays the history in the list though the editor's
	// prev_choice has h too.
	if !reflect.DeepEqual(km.PrevChoice.Keys(), []string{"left", "h"}) || !key.Matches(press("h"), km.History) {
		t.Error("keys taken from actions that share no place with the file's")
	}
	// A read-only keymap made afterwards still disables the dangerous actions.
	if km.ReadOnly().CancelMove.Enabled() {
		t.Error("cancel_move enabled in a read-only keymap")
	}
}

// Keys files name the line of a typo and suggest the action meant.
func TestUnknownActionSuggests(t *testing.T) {
	cases := map[string]string{
		"fliter":      "filter",
		"Filter":      "filter",
		"page-down":   "page_down",
		"pagedown":    "page_down",
		"cancelmove":  "cancel_move",
		"confirm_yse": "confirm_yes",
	}
	for typo, want := range cases {
		err := Default().Rebind("keys.yaml", []byte("down: j\n"+typo+": x\n"))
		var ke *Error
		if !errors.As(err, &ke) || ke.Line != 2 || !strings.Contains(err.Error(), "did you mean "+want+"?") {
			t.Errorf("%s: %v, want line 2 suggesting %s", typo, err, want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", typo, err)
		}
	}
	if got := editDistance("abcd", "acbd"); got != 1 {
		t.Errorf("a swap costs %d, want 1", got)
	}
}

// The reference has every view once, every action in each view it is live in, with the
// keymap's keys (rebound ones too) spelled as keys.yaml takes them.
func TestReference(t *testing.T) {
	km := Default()
	if err := km.Rebind("keys.yaml", []byte("filter: f\nselect: [space, z]\n")); err != nil {
		t.Fatal(err)
	}
	ref := km.Reference()
	if len(ref) != len(places) {
		t.Fatalf("%d views, want %d", len(ref), len(places))
	}
	seen := map[string]int{}
	byView := map[string]map[string]Entry{}
	for _, v := range ref {
		if v.ID == "" || v.Title == "" || len(v.Keys) == 0 {
			t.Errorf("view %+v lacks an id, a title or keys", v)
		}
		byView[v.ID] = map[string]Entry{}
		for _, e := range v.Keys {
			seen[e.Action]++
			byView[v.ID][e.Action] = e
			if e.Does == "" || e.Help == "" || len(e.Keys) == 0 {
				t.Errorf("%s/%s: %+v lacks what it does or its keys", v.ID, e.Action, e)
			}
		}
	}
	for _, a := range Actions() {
		if seen[a] == 0 {
			t.Errorf("action %s is in no view", a)
		}
	}
	list := byView["list"]
	if e := list["filter"]; !reflect.DeepEqual(e.Keys, []string{"f"}) || e.Help != "f" {
		t.Errorf("filter in the list: %+v, want the rebound f", e)
	}
	if e := list["page_down"]; !reflect.DeepEqual(e.Keys, []string{"pgdown"}) {
		t.Errorf("page_down in the list: %+v, want pgdown alone", e)
	}
	if e := list["select"]; !reflect.DeepEqual(e.Keys, []string{"space", "z"}) || e.Help != "space/z" {
		t.Errorf("select: %+v, want space spelled out", e)
	}
	if e := list["force_quit"]; !reflect.DeepEqual(e.Keys, []string{"ctrl+c"}) || e.Help != "ctrl+c" {
		t.Errorf("force_quit is hidden from the help bar, not from the reference: %+v", e)
	}
	if e := byView["detail"]["confirm_move"]; !e.Dangerous || e.Disabled {
		t.Errorf("confirm_move: %+v, want dangerous and enabled", e)
	}
	if _, ok := byView["filter"]["up"]; ok {
		t.Error("up is listed in the filter input, where it is not live")
	}
	if e := km.ReadOnly().Reference()[2].Keys; !func() bool {
		for _, x := range e {
			if x.Action == "confirm_move" {
				return x.Disabled
			}
		}
		return false
	}() {
		t.Error("a read-only keymap's reference does not say confirm_move is off")
	}
}
