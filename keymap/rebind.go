package keymap

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"gopkg.in/yaml.v3"
)

// Error is a mistake in a keys file, with the line it is on. Its message is one line, fit to
// show an operator.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Load reads a keys file and returns the default keymap with its bindings applied.
func Load(path string) (*KeyMap, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read keys file: %w", err)
	}
	km := Default()
	if err := km.Rebind(path, data); err != nil {
		return nil, err
	}
	return km, nil
}

// Rebind applies a keys file to km. The file maps action names to a key or a list of keys:
//
//	down: [j, down, ctrl+n]
//	filter: "/"
//	quit: q
//
// An action that is not listed keeps its keys, less any key the file gives to an action live
// in a place where it is too: what the operator wrote wins over what they did not (`filter: f`
// takes f from page_down, which keeps pgdown). An unknown action, a key that is not a key, a
// key the file binds to two actions live in the same place, or an action left with no key is
// an error naming the file and line; km is unchanged then. file is only used in messages.
func (km *KeyMap) Rebind(file string, data []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return &Error{File: file, Msg: "not YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // empty file: nothing to change
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return &Error{File: file, Line: root.Line, Msg: "expected a mapping of action names to keys, like `down: [j, down]`"}
	}

	byName := make(map[string]int, len(actions))
	for i, a := range actions {
		byName[a.name] = i
	}
	keys := make([][]string, len(actions)) // nil: not rebound
	lines := make([]int, len(actions))
	for i := 0; i+1 < len(root.Content); i += 2 {
		kn, vn := root.Content[i], root.Content[i+1]
		idx, ok := byName[kn.Value]
		if !ok {
			return &Error{File: file, Line: kn.Line, Msg: unknownAction(kn.Value)}
		}
		if keys[idx] != nil {
			return &Error{File: file, Line: kn.Line, Msg: fmt.Sprintf("action %q is bound twice (first on line %d)", kn.Value, lines[idx])}
		}
		ks, err := nodeKeys(vn)
		if err != nil {
			return &Error{File: file, Line: vn.Line, Msg: kn.Value + ": " + err.Error()}
		}
		keys[idx], lines[idx] = ks, kn.Line
	}

	// Resolve the final keys of every action, then look for keys doing two things at once.
	final := make([][]string, len(actions))
	for i, a := range actions {
		final[i] = a.binding(km).Keys()
		if keys[i] != nil {
			final[i] = keys[i]
		}
	}
	changed, err := yieldKeys(file, final, keys, lines)
	if err != nil {
		return err
	}
	if err := conflicts(file, final, lines); err != nil {
		return err
	}
	for i, a := range actions {
		if keys[i] == nil && !changed[i] {
			continue
		}
		b := a.binding(km)
		desc, enabled := b.Help().Desc, b.Enabled()
		*b = key.NewBinding(key.WithKeys(final[i]...), key.WithHelp(HelpKeys(final[i]), desc))
		b.SetEnabled(enabled)
		if a.name == "force_quit" {
			b.SetHelp("", "")
		}
	}
	return nil
}

// yieldKeys takes each key the file binds (keys, by action; nil: not in the file) from the
// actions the file does not mention that have it in a place where the file's action is live
// too. It changes final in place and reports which actions lost a key. An action left with no
// key is an error on the line that took its last one.
func yieldKeys(file string, final, keys [][]string, lines []int) (changed []bool, err error) {
	changed = make([]bool, len(actions))
	for i, a := range actions {
		for _, k := range keys[i] {
			for j, b := range actions {
				if j == i || keys[j] != nil || a.places&b.places == 0 || (isQuit(a.name) && isQuit(b.name)) {
					continue
				}
				kept := final[j][:0:0]
				for _, have := range final[j] {
					if have != k {
						kept = append(kept, have)
					}
				}
				if len(kept) == len(final[j]) {
					continue
				}
				if len(kept) == 0 {
					return nil, &Error{File: file, Line: lines[i], Msg: fmt.Sprintf("key %q does both %s and %s in %s, and %s has no other key; bind %s to another key too",
						k, b.name, a.name, placeName(a.places&b.places), b.name, b.name)}
				}
				final[j], changed[j] = kept, true
			}
		}
	}
	return changed, nil
}

// placeName names the first place of the set p.
func placeName(p place) string {
	for _, pl := range places {
		if p&pl.p != 0 {
			return pl.name
		}
	}
	return "the console"
}

// unknownAction says that name is no action, and which one was meant when it is close to one.
func unknownAction(name string) string {
	best, bestD := "", 3 // a typo: at most two letters wrong, swapped, missing or extra
	for _, a := range actions {
		if d := editDistance(strings.ToLower(name), a.name); d < bestD {
			best, bestD = a.name, d
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown action %q: did you mean %s? (`vmcross keys` lists every action)", name, best)
	}
	return fmt.Sprintf("unknown action %q; actions are: %s", name, strings.Join(Actions(), ", "))
}

// editDistance is the optimal string alignment distance of a and b: the letters to add,
// remove or change, or neighbours to swap, to turn one into the other.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// conflicts reports the first key bound to two actions that are live in the same place.
// quit and force_quit may share keys: they do the same thing.
func conflicts(file string, final [][]string, lines []int) error {
	type owner struct{ action int }
	for _, place := range places {
		seen := map[string]int{}
		for i, a := range actions {
			if a.places&place.p == 0 {
				continue
			}
			for _, k := range final[i] {
				j, dup := seen[k]
				if !dup {
					seen[k] = i
					continue
				}
				if isQuit(actions[j].name) && isQuit(a.name) {
					continue
				}
				// Blame the line that was written in the file, the later one if both were.
				line := lines[i]
				if line == 0 {
					line = lines[j]
				}
				return &Error{File: file, Line: line, Msg: fmt.Sprintf("key %q does both %s and %s in %s; bind one of them to another key", k, actions[j].name, a.name, place.name)}
			}
		}
	}
	return nil
}

func isQuit(name string) bool { return name == "quit" || name == "force_quit" }

// nodeKeys reads a key or a list of keys.
func nodeKeys(n *yaml.Node) ([]string, error) {
	var raw []string
	switch n.Kind {
	case yaml.ScalarNode:
		raw = []string{n.Value}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return nil, errors.New("expected a key or a list of keys")
			}
			raw = append(raw, c.Value)
		}
	default:
		return nil, errors.New("expected a key or a list of keys")
	}
	if len(raw) == 0 {
		return nil, errors.New("no keys: give at least one, like `j` or `[j, down]`")
	}
	out := make([]string, 0, len(raw))
	for _, k := range raw {
		norm, err := ParseKey(k)
		if err != nil {
			return nil, err
		}
		out = append(out, norm)
	}
	return out, nil
}

// namedKeys is every key name bubbletea produces ("up", "ctrl+a", "shift+tab", "f5"...).
func namedKeys() map[string]bool {
	names := map[string]bool{}
	for k := tea.KeyType(-256); k < 256; k++ {
		if s := k.String(); s != "" && s != "runes" && s != " " {
			names[s] = true
		}
	}
	return names
}

// ParseKey checks that s names a key as bubbletea spells it and returns that spelling:
// a single character ("j", "/", "G"), a named key ("down", "pgdown", "ctrl+d", "f5"),
// "space", or any of those after "alt+".
func ParseKey(s string) (string, error) {
	names := namedKeys()
	k := s
	alt := strings.HasPrefix(k, "alt+") && len(k) > len("alt+")
	if alt {
		k = strings.TrimPrefix(k, "alt+")
	}
	prefix := ""
	if alt {
		prefix = "alt+"
	}
	switch {
	case k == "space" || k == " ":
		return prefix + " ", nil
	case names[k]:
		return prefix + k, nil
	case utf8.RuneCountInString(k) == 1:
		r, _ := utf8.DecodeRuneInString(k)
		if unicode.IsPrint(r) {
			return prefix + k, nil
		}
	}
	return "", fmt.Errorf("%q is not a key; write a character (j, /, G), a named key (%s), or alt+ one of those", s, exampleKeys(names))
}

// exampleKeys names a few key names for error messages.
func exampleKeys(names map[string]bool) string {
	want := []string{"up", "pgdown", "home", "enter", "esc", "tab", "shift+tab", "ctrl+d", "f5", "space"}
	var out []string
	for _, w := range want {
		if names[w] || w == "space" {
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
