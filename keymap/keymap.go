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

	// Selecting the VMs to move, in a site pane. Selections are kept per site.
	Select         key.Binding // space: select or unselect the VM under the cursor, then go down
	SelectShown    key.Binding // *: select every VM the filter shows
	SelectHost     key.Binding // H: select every VM on the host under the cursor ("evacuate host")
	SelectCluster  key.Binding // C: select every VM in the cluster under the cursor
	ClearSelection key.Binding // u: unselect every VM of the pane

	// Acting on what is under the cursor, and leaving a view.
	Open      key.Binding // enter: the VM's details
	Back      key.Binding // esc: close the view on top
	Reconnect key.Binding // R: drop the focused site's vCenter session and log in again (dangerous)

	// Preparing a move.
	Review      key.Binding // p: judge moving the selection (or the VM under the cursor) to the other site
	ConfirmMove key.Binding // enter, in the review: start the move, after typing the target's id (dangerous)
	Acknowledge key.Binding // a, in the review: acknowledge the warnings of the VM under the cursor, or withdraw it
	EditTargets key.Binding // e, in the review: choose the target cluster, host, datastore and port groups of the VM under the cursor

	// Watching and cancelling moves, and what was done.
	Moves      key.Binding // m: every move in detail (the full migrations view)
	CancelMove key.Binding // x, on a move (the moves pane focused, or the migrations view): cancel it, after y (dangerous)
	History    key.Binding // h: the audit log (who moved what, when, and how it ended)

	// Evacuation plans: drafting one moves nothing (a viewer may); starting, pausing and
	// resuming one are dangerous.
	Evacuate        key.Binding // E: plan an evacuation to the other site, after asking of what
	Plans           key.Binding // P: the plans view (the draft, and every plan of this engine)
	EvacuateVMs     key.Binding // v, in the evacuate question: the selected VMs (else the VM under the cursor)
	EvacuateHost    key.Binding // h: every VM of the host of the VM under the cursor
	EvacuateCluster key.Binding // c: every VM of its cluster
	EvacuateSite    key.Binding // s: every VM of the focused pane's site
	StartPlan       key.Binding // enter, on the draft in the plans view: start it, after typing the target's id (dangerous)
	PlanVMs         key.Binding // enter, on a plan in the plans view: show or hide its VMs
	PausePlan       key.Binding // p, on a plan: nothing more of it is handed out; its moves running go on (dangerous)
	ResumePlan      key.Binding // r, on a paused plan: its pending VMs are handed out again (dangerous)

	// A yes/no question (cancel this move?): it has the keys alone while it is asked.
	ConfirmYes key.Binding // y: do it
	ConfirmNo  key.Binding // n/esc: do not

	// The review's target editor (the review's up and down move between its rows, back cancels).
	PrevChoice  key.Binding // left/h: the row's previous choice
	NextChoice  key.Binding // right/l: the row's next choice
	SaveTargets key.Binding // enter: keep the choices and judge again

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
	desc    string   // help text: a word or two for the help bar
	doc     string   // what it does, in a line: for the key reference (vmcross keys, README)
	keys    []string // default keys
	binding func(*KeyMap) *key.Binding
	// where the binding is live: a key may not do two things in the same place.
	places place
	// dangerous actions change what other operators see or rely on: they need more than a
	// viewer's role, and a read-only session's keymap disables them (so its help hides them).
	dangerous bool
}

// place is where a binding is live, as a set.
type place uint8

const (
	inList    place = 1 << iota // a list of VMs, the fabric pane or the moves pane
	inFilter                    // the filter input has the keys
	inDetail                    // a view over the lists: VM details, the review, the moves, the history
	inEditor                    // the review's target editor
	inConfirm                   // a yes/no question over the help bar
	inAsk                       // the evacuate question over the help bar (what to evacuate)
	inDraft                     // the plans view, its cursor on the draft
	inPlans                     // the plans view, its cursor on a plan
)

// inPlanView is the plans view, wherever its cursor is.
const inPlanView = inDraft | inPlans

// places lists each place with its name for messages, and its id and title for the key
// reference, in the order the reference lists them.
var places = []struct {
	p         place
	name      string // in messages: "key "j" does both down and filter in the list"
	id, title string // in the key reference
}{
	{inList, "the list", "list", "Lists: the site panes, the DCI fabric pane, the moves pane"},
	{inFilter, "the filter input", "filter", "Typing a filter"},
	{inDetail, "the detail view", "detail", "Views over the lists: VM details, the review, every move, the history"},
	{inEditor, "the target editor", "editor", "The review's target editor"},
	{inConfirm, "the yes/no question", "confirm", "A yes/no question over the help bar"},
	{inAsk, "the evacuate question", "evacuate", "The evacuate question: evacuate what?"},
	{inDraft, "the plans view's draft", "draft", "The plans view, on the draft"},
	{inPlans, "the plans view's plans", "plans", "The plans view, on a plan"},
}

// actions is the table behind Default, Rebind and Actions: one row per binding.
var actions = []action{
	{name: "up", desc: "up", doc: "up a row: the cursor, or the view when it has none", keys: []string{"up", "k"}, binding: func(k *KeyMap) *key.Binding { return &k.Up }, places: inList | inDetail | inEditor | inPlanView},
	{name: "down", desc: "down", doc: "down a row", keys: []string{"down", "j"}, binding: func(k *KeyMap) *key.Binding { return &k.Down }, places: inList | inDetail | inEditor | inPlanView},
	{name: "page_up", desc: "page up", doc: "up a page", keys: []string{"pgup", "b"}, binding: func(k *KeyMap) *key.Binding { return &k.PageUp }, places: inList | inDetail | inPlanView},
	{name: "page_down", desc: "page down", doc: "down a page", keys: []string{"pgdown", "f"}, binding: func(k *KeyMap) *key.Binding { return &k.PageDown }, places: inList | inDetail | inPlanView},
	{name: "home", desc: "first", doc: "to the first row, or the top", keys: []string{"home", "g"}, binding: func(k *KeyMap) *key.Binding { return &k.Home }, places: inList | inDetail | inPlanView},
	{name: "end", desc: "last", doc: "to the last row, or the bottom", keys: []string{"end", "G"}, binding: func(k *KeyMap) *key.Binding { return &k.End }, places: inList | inDetail | inPlanView},
	{name: "next_pane", desc: "next pane", doc: "focus the next pane: site A, site B, the DCI fabric, the moves", keys: []string{"tab"}, binding: func(k *KeyMap) *key.Binding { return &k.NextPane }, places: inList},
	{name: "prev_pane", desc: "previous pane", doc: "focus the previous pane", keys: []string{"shift+tab"}, binding: func(k *KeyMap) *key.Binding { return &k.PrevPane }, places: inList},
	{name: "filter", desc: "filter", doc: "filter the focused site pane: fuzzy on the name; cluster, host and vlan120 match too", keys: []string{"/"}, binding: func(k *KeyMap) *key.Binding { return &k.Filter }, places: inList},
	{name: "accept_filter", desc: "keep filter", doc: "keep the filter and go back to the list", keys: []string{"enter"}, binding: func(k *KeyMap) *key.Binding { return &k.AcceptFilter }, places: inFilter},
	{name: "clear_filter", desc: "clear filter", doc: "drop the filter", keys: []string{"esc"}, binding: func(k *KeyMap) *key.Binding { return &k.ClearFilter }, places: inList | inFilter},
	{name: "select", desc: "select", doc: "select or unselect the VM under the cursor, then go down", keys: []string{" "}, binding: func(k *KeyMap) *key.Binding { return &k.Select }, places: inList},
	{name: "select_shown", desc: "select shown", doc: "select every VM the filter shows", keys: []string{"*"}, binding: func(k *KeyMap) *key.Binding { return &k.SelectShown }, places: inList},
	{name: "select_host", desc: "select host", doc: "select every VM on the host of the VM under the cursor", keys: []string{"H"}, binding: func(k *KeyMap) *key.Binding { return &k.SelectHost }, places: inList},
	{name: "select_cluster", desc: "select cluster", doc: "select every VM in the cluster of the VM under the cursor", keys: []string{"C"}, binding: func(k *KeyMap) *key.Binding { return &k.SelectCluster }, places: inList},
	{name: "clear_selection", desc: "unselect all", doc: "unselect every VM of the pane", keys: []string{"u"}, binding: func(k *KeyMap) *key.Binding { return &k.ClearSelection }, places: inList},
	{name: "open", desc: "details", doc: "open what is under the cursor: a VM's details, or from the moves pane every move in detail", keys: []string{"enter"}, binding: func(k *KeyMap) *key.Binding { return &k.Open }, places: inList},
	{name: "review", desc: "review move", doc: "review moving the selection (or the VM under the cursor) to the other site", keys: []string{"p"}, binding: func(k *KeyMap) *key.Binding { return &k.Review }, places: inList},
	{name: "confirm_move", desc: "start move", doc: "in the review: start the moves, after typing the target site's id", keys: []string{"enter"}, binding: func(k *KeyMap) *key.Binding { return &k.ConfirmMove }, places: inDetail, dangerous: true},
	{name: "acknowledge", desc: "acknowledge warnings", doc: "in the review: acknowledge the warnings of the VM under the cursor, or withdraw that", keys: []string{"a"}, binding: func(k *KeyMap) *key.Binding { return &k.Acknowledge }, places: inDetail},
	{name: "edit_targets", desc: "edit targets", doc: "in the review: choose the target cluster, host, datastore and port groups of the VM under the cursor", keys: []string{"e"}, binding: func(k *KeyMap) *key.Binding { return &k.EditTargets }, places: inDetail},
	{name: "moves", desc: "all moves", doc: "every move in detail", keys: []string{"m"}, binding: func(k *KeyMap) *key.Binding { return &k.Moves }, places: inList},
	{name: "cancel_move", desc: "cancel move", doc: "cancel the move under the cursor, after a yes/no question", keys: []string{"x"}, binding: func(k *KeyMap) *key.Binding { return &k.CancelMove }, places: inList | inDetail, dangerous: true},
	{name: "history", desc: "history", doc: "the audit log: who moved which VM, when, and how it ended", keys: []string{"h"}, binding: func(k *KeyMap) *key.Binding { return &k.History }, places: inList},
	{name: "evacuate", desc: "plan evacuation", doc: "plan an evacuation to the other site, after asking of what", keys: []string{"E"}, binding: func(k *KeyMap) *key.Binding { return &k.Evacuate }, places: inList},
	{name: "plans", desc: "plans", doc: "the plans view: the draft and every plan of the engine", keys: []string{"P"}, binding: func(k *KeyMap) *key.Binding { return &k.Plans }, places: inList},
	{name: "evacuate_vms", desc: "selected VMs", doc: "the selected VMs, else the VM under the cursor", keys: []string{"v"}, binding: func(k *KeyMap) *key.Binding { return &k.EvacuateVMs }, places: inAsk},
	{name: "evacuate_host", desc: "host", doc: "every VM of the host of the VM under the cursor", keys: []string{"h"}, binding: func(k *KeyMap) *key.Binding { return &k.EvacuateHost }, places: inAsk},
	{name: "evacuate_cluster", desc: "cluster", doc: "every VM of its cluster", keys: []string{"c"}, binding: func(k *KeyMap) *key.Binding { return &k.EvacuateCluster }, places: inAsk},
	{name: "evacuate_site", desc: "site", doc: "every VM of the focused pane's site", keys: []string{"s"}, binding: func(k *KeyMap) *key.Binding { return &k.EvacuateSite }, places: inAsk},
	{name: "start_plan", desc: "start plan", doc: "start the draft, after typing the target site's id", keys: []string{"enter"}, binding: func(k *KeyMap) *key.Binding { return &k.StartPlan }, places: inDraft, dangerous: true},
	{name: "plan_vms", desc: "plan's VMs", doc: "show or hide the plan's VMs", keys: []string{"enter"}, binding: func(k *KeyMap) *key.Binding { return &k.PlanVMs }, places: inPlans},
	{name: "pause_plan", desc: "pause plan", doc: "pause the plan: nothing more of it is handed out; its moves running go on", keys: []string{"p"}, binding: func(k *KeyMap) *key.Binding { return &k.PausePlan }, places: inPlans, dangerous: true},
	{name: "resume_plan", desc: "resume plan", doc: "resume a paused plan: its pending VMs are handed out again", keys: []string{"r"}, binding: func(k *KeyMap) *key.Binding { return &k.ResumePlan }, places: inPlans, dangerous: true},
	{name: "confirm_yes", desc: "yes", doc: "yes: do it", keys: []string{"y"}, binding: func(k *KeyMap) *key.Binding { return &k.ConfirmYes }, places: inConfirm},
	{name: "confirm_no", desc: "no", doc: "no: leave things as they are", keys: []string{"n", "esc"}, binding: func(k *KeyMap) *key.Binding { return &k.ConfirmNo }, places: inConfirm},
	{name: "prev_choice", desc: "previous choice", doc: "the row's previous choice", keys: []string{"left", "h"}, binding: func(k *KeyMap) *key.Binding { return &k.PrevChoice }, places: inEditor},
	{name: "next_choice", desc: "next choice", doc: "the row's next choice", keys: []string{"right", "l"}, binding: func(k *KeyMap) *key.Binding { return &k.NextChoice }, places: inEditor},
	{name: "save_targets", desc: "save targets", doc: "keep the choices and judge the VM again", keys: []string{"enter"}, binding: func(k *KeyMap) *key.Binding { return &k.SaveTargets }, places: inEditor},
	{name: "back", desc: "back", doc: "close the view on top; in the target editor, drop the choices", keys: []string{"esc"}, binding: func(k *KeyMap) *key.Binding { return &k.Back }, places: inDetail | inEditor | inAsk | inPlanView},
	{name: "refresh", desc: "poll switches now", doc: "poll the switches now", keys: []string{"r"}, binding: func(k *KeyMap) *key.Binding { return &k.Refresh }, places: inList},
	{name: "reconnect", desc: "reconnect site", doc: "drop the focused site's vCenter session and log in again", keys: []string{"R"}, binding: func(k *KeyMap) *key.Binding { return &k.Reconnect }, places: inList, dangerous: true},
	{name: "help", desc: "help", doc: "show or hide every key", keys: []string{"?"}, binding: func(k *KeyMap) *key.Binding { return &k.Help }, places: inList | inDetail | inPlanView},
	{name: "quit", desc: "quit", doc: "quit; while typing a filter it is a letter", keys: []string{"q"}, binding: func(k *KeyMap) *key.Binding { return &k.Quit }, places: inList | inDetail | inPlanView},
	{name: "force_quit", desc: "quit", doc: "quit from anywhere, even while typing", keys: []string{"ctrl+c"}, binding: func(k *KeyMap) *key.Binding { return &k.ForceQuit }, places: inList | inFilter | inDetail | inEditor | inConfirm | inAsk | inPlanView},
}

// ReadOnly returns a copy of km for an operator who may not run dangerous commands: their
// bindings are disabled, so they match no key and the help leaves them out.
func (km *KeyMap) ReadOnly() *KeyMap {
	c := *km
	for _, a := range actions {
		if a.dangerous {
			a.binding(&c).SetEnabled(false)
		}
	}
	return &c
}

// Dangerous lists the names of the dangerous actions, in the order of the help.
func Dangerous() []string {
	var names []string
	for _, a := range actions {
		if a.dangerous {
			names = append(names, a.name)
		}
	}
	return names
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
