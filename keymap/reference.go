package keymap

// The key reference: every action with its keys and what it does, view by view, made from
// the same table and the same KeyMap the console uses, so `vmcross keys` and the README
// cannot say something the console does not do.

// View is one place of the console and the keys live there.
type View struct {
	ID    string  `json:"view"`  // list, filter, detail, editor, confirm, evacuate, draft, plans
	Title string  `json:"title"` // "Lists: the site panes, the DCI fabric pane, the moves pane"
	Keys  []Entry `json:"keys"`
}

// Entry is one action of a view.
type Entry struct {
	Action string `json:"action"` // its name in keys.yaml
	// Keys are spelled as keys.yaml takes them ("space", not " "), so they can be pasted
	// back into one.
	Keys      []string `json:"keys"`
	Help      string   `json:"help"` // as the help bar writes them: "↑/k"
	Does      string   `json:"does"`
	Dangerous bool     `json:"dangerous,omitempty"` // a viewer's session does not have it
	// Disabled: this keymap does not have the action (a viewer's: ReadOnly).
	Disabled bool `json:"disabled,omitempty"`
}

// Reference lists the views of the console in a fixed order, each with the actions live
// there in the order of the help, and km's keys for them.
func (km *KeyMap) Reference() []View {
	out := make([]View, 0, len(places))
	for _, pl := range places {
		v := View{ID: pl.id, Title: pl.title}
		for _, a := range actions {
			if a.places&pl.p == 0 {
				continue
			}
			b := a.binding(km)
			keys := b.Keys()
			spelled := make([]string, len(keys))
			for i, k := range keys {
				if k == " " {
					k = "space"
				}
				spelled[i] = k
			}
			v.Keys = append(v.Keys, Entry{Action: a.name, Keys: spelled, Help: HelpKeys(keys), Does: a.doc,
				Dangerous: a.dangerous, Disabled: !b.Enabled()})
		}
		out = append(out, v)
	}
	return out
}
