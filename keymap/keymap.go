// Package keymap is the console's key bindings as data: a KeyMap of bubbles key.Bindings with
// their help text, the defaults, and rebinding by action name from a YAML file.
package keymap

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// KeyMap holds every binding of the console. Panes read it for both matching and help.
type KeyMap struct {
	// Moving in a list.
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding

	// Moving between panes.
	NextPane key.Binding
	PrevPane key.Binding

	// Filtering the focused list.
	Filter       key.Binding // open the filter input
	AcceptFilter key.Binding // keep the filter and go back to the list
	ClearFilter  key.Binding // drop the filter

	// Global.
	Refresh   key.Binding // poll the switches now
	Help      key.Binding // toggle the full help
	Quit      key.Binding // q: not while typing in the filter
	ForceQuit key.Binding // ctrl+c: quits from anywhere; not in the help, everyone knows it
}

// Default returns the default bindings.
func Default() *KeyMap {
	km := &KeyMap{}
	for _, a := range actions {
		b := a.binding(km)
		*b = key.NewBinding(key.WithKeys(a.keys...), key.WithHelp(HelpKeys(a.keys), a.desc))
	}
	km.ForceQuit.SetHelp("", "") // never listed: ctrl+c just works
	return km
}

// action is one rebindable thing the operator can do, by the name used in keys.yaml.
type action struct {
	name    string
	desc    string   // help text
	keys    []string // default keys
	binding func(*KeyMap) *key.Binding
	// filter is true for the bindings that are live while the filter input has the keys;
	// list is true for those live in a list. A key may not do two things in the same place.
	list, filter bool
}

// actions is the table behind Default, Rebind and Actions: one row per binding.
var actions = []action{
	{"up", "up", []string{"up", "k"}, func(k *KeyMap) *key.Binding { return &k.Up }, true, false},
	{"down", "down", []string{"down", "j"}, func(k *KeyMap) *key.Binding { return &k.Down }, true, false},
	{"page_up", "page up", []string{"pgup", "b"}, func(k *KeyMap) *key.Binding { return &k.PageUp }, true, false},
	{"page_down", "page down", []string{"pgdown", "f"}, func(k *KeyMap) *key.Binding { return &k.PageDown }, true, false},
	{"home", "first", []string{"home", "g"}, func(k *KeyMap) *key.Binding { return &k.Home }, true, false},
	{"end", "last", []string{"end", "G"}, func(k *KeyMap) *key.Binding { return &k.End }, true, false},
	{"next_pane", "next pane", []string{"tab"}, func(k *KeyMap) *key.Binding { return &k.NextPane }, true, false},
	{"prev_pane", "previous pane", []string{"shift+tab"}, func(k *KeyMap) *key.Binding { return &k.PrevPane }, true, false},
	{"filter", "filter", []string{"/"}, func(k *KeyMap) *key.Binding { return &k.Filter }, true, false},
	{"accept_filter", "keep filter", []string{"enter"}, func(k *KeyMap) *key.Binding { return &k.AcceptFilter }, false, true},
	{"clear_filter", "clear filter", []string{"esc"}, func(k *KeyMap) *key.Binding { return &k.ClearFilter }, true, true},
	{"refresh", "poll switches now", []string{"r"}, func(k *KeyMap) *key.Binding { return &k.Refresh }, true, false},
	{"help", "more keys", []string{"?"}, func(k *KeyMap) *key.Binding { return &k.Help }, true, false},
	{"quit", "quit", []string{"q"}, func(k *KeyMap) *key.Binding { return &k.Quit }, true, false},
	{"force_quit", "quit", []string{"ctrl+c"}, func(k *KeyMap) *key.Binding { return &k.ForceQuit }, true, true},
}

// Actions lists the action names a keys file may rebind, in the order of the help.
func Actions() []string {
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = a.name
	}
	return names
}

// prettyKeys are the help-bar spellings of a few keys.
var prettyKeys = map[string]string{
	"up":        "↑",
	"down":      "↓",
	"left":      "←",
	"right":     "→",
	"pgup":      "pgup",
	"pgdown":    "pgdn",
	"shift+tab": "shift+tab",
	" ":         "space",
}

// HelpKeys is how keys are written in the help bar: "↑/k", "pgdn/f".
func HelpKeys(keys []string) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		if p, ok := prettyKeys[k]; ok {
			k = p
		}
		out[i] = k
	}
	return strings.Join(out, "/")
}
