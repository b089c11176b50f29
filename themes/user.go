package themes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"gopkg.in/yaml.v3"
)

// A user theme is a YAML file in the themes folder of the config directory,
// themes/NAME.yaml, chosen by --theme NAME or `theme: NAME` in the config. It names the
// theme it starts from and the colours it changes; the rest come from that base:
//
//	base: light          # dark (the default), light, high-contrast, or another user theme
//	accent: "#0087AF"    # quoted: an unquoted # starts a YAML comment
//	ok: 33               # or an ANSI colour number, 0 to 255
//
// A file by the name of a built-in theme replaces it; its base may then be the built-in.

// Dir is the folder of the user's themes under the config directory.
func Dir(configDir string) string { return filepath.Join(configDir, "themes") }

// Error is a mistake in a theme file, with the line it is on. Its message is one line, fit to
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

// colour is one colour of a palette, by its name in a theme file.
type colour struct {
	name string
	of   func(*Theme) *lipgloss.Color
}

// colours lists every colour of a Theme by its name in theme files, in the Theme's order.
var colours = []colour{
	{"text", func(t *Theme) *lipgloss.Color { return &t.Text }},
	{"muted", func(t *Theme) *lipgloss.Color { return &t.Muted }},
	{"subtle", func(t *Theme) *lipgloss.Color { return &t.Subtle }},
	{"title", func(t *Theme) *lipgloss.Color { return &t.Title }},
	{"border", func(t *Theme) *lipgloss.Color { return &t.Border }},
	{"border_focused", func(t *Theme) *lipgloss.Color { return &t.BorderFocused }},
	{"accent", func(t *Theme) *lipgloss.Color { return &t.Accent }},
	{"match", func(t *Theme) *lipgloss.Color { return &t.Match }},
	{"cursor_text", func(t *Theme) *lipgloss.Color { return &t.CursorText }},
	{"cursor", func(t *Theme) *lipgloss.Color { return &t.Cursor }},
	{"cursor_blurred", func(t *Theme) *lipgloss.Color { return &t.CursorBlurred }},
	{"ok", func(t *Theme) *lipgloss.Color { return &t.OK }},
	{"warn", func(t *Theme) *lipgloss.Color { return &t.Warn }},
	{"error", func(t *Theme) *lipgloss.Color { return &t.Error }},
}

// Colours lists the colour names a theme file may set, in the order of the Theme.
func Colours() []string {
	out := make([]string, len(colours))
	for i, c := range colours {
		out[i] = c.name
	}
	return out
}

// DefaultBase is the base of a theme file that names none.
const DefaultBase = "dark"

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Load returns the theme called name: the user's themes/NAME.yaml under configDir when there
// is one, else the built-in theme of that name. configDir "" looks at the built-ins only.
// A mistake in a theme file is an *Error naming the file and line.
func Load(configDir, name string) (Theme, error) {
	return load(configDir, strings.ToLower(strings.TrimSpace(name)), nil)
}

// load resolves name; chain holds the user themes being loaded that led here, to refuse
// a theme that is, through its bases, its own base.
func load(configDir, name string, chain []string) (Theme, error) {
	if !validName.MatchString(name) {
		return Theme{}, fmt.Errorf("%q is not a theme name: use letters, digits, - and _ (a theme NAME is the file themes/NAME.yaml)", name)
	}
	inChain := false
	for _, n := range chain {
		inChain = inChain || n == name
	}
	if configDir != "" && !inChain {
		path := filepath.Join(Dir(configDir), name+".yaml")
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			return parse(configDir, path, name, data, append(chain, name))
		case !errors.Is(err, fs.ErrNotExist):
			return Theme{}, fmt.Errorf("read theme %s: %w", name, err)
		}
	}
	if f, ok := builtin[name]; ok {
		return f(), nil
	}
	if inChain {
		return Theme{}, fmt.Errorf("theme %s is its own base (%s)", name, strings.Join(append(chain, name), " → "))
	}
	return Theme{}, unknown(configDir, name)
}

// unknown says which themes there are.
func unknown(configDir, name string) error {
	names := Names()
	user := UserNames(configDir)
	names = append(names, user...)
	sort.Strings(names)
	names = dedupe(names)
	where := ""
	if configDir != "" {
		where = fmt.Sprintf(", or write %s", filepath.Join(Dir(configDir), name+".yaml"))
	}
	return fmt.Errorf("unknown theme %q: choose one of %s%s", name, strings.Join(names, ", "), where)
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// UserNames lists the user's themes under configDir (themes/*.yaml), sorted.
func UserNames(configDir string) []string {
	if configDir == "" {
		return nil
	}
	entries, err := os.ReadDir(Dir(configDir))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && !e.IsDir() && validName.MatchString(n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Parse reads a theme file: data is its content, file its name in messages. The theme is
// called name; its base is resolved by base (Load's lookup, or Get for the built-ins).
func Parse(file, name string, data []byte, base func(name string) (Theme, error)) (Theme, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Theme{}, &Error{File: file, Msg: "not YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var root *yaml.Node
	if doc.Kind != 0 && len(doc.Content) > 0 {
		root = doc.Content[0]
		if root.Kind != yaml.MappingNode {
			return Theme{}, &Error{File: file, Line: root.Line, Msg: "expected a mapping of colour names to colours, like `accent: \"#5FAFFF\"`"}
		}
	}
	baseName, baseLine := DefaultBase, 0
	set := map[string]*yaml.Node{}
	var order []string
	if root != nil {
		for i := 0; i+1 < len(root.Content); i += 2 {
			kn, vn := root.Content[i], root.Content[i+1]
			if kn.Value == "base" {
				if vn.Kind != yaml.ScalarNode || vn.Value == "" {
					return Theme{}, &Error{File: file, Line: vn.Line, Msg: "base: expected a theme name such as dark, light or high-contrast"}
				}
				baseName, baseLine = strings.ToLower(vn.Value), kn.Line
				continue
			}
			if !isColour(kn.Value) {
				return Theme{}, &Error{File: file, Line: kn.Line, Msg: fmt.Sprintf("unknown colour %q; a theme sets base and any of: %s", kn.Value, strings.Join(Colours(), ", "))}
			}
			if prev, dup := set[kn.Value]; dup {
				return Theme{}, &Error{File: file, Line: kn.Line, Msg: fmt.Sprintf("%s is set twice (first on line %d)", kn.Value, prev.Line)}
			}
			set[kn.Value] = vn
			order = append(order, kn.Value)
		}
	}
	t, err := base(baseName)
	if err != nil {
		return Theme{}, &Error{File: file, Line: baseLine, Msg: "base: " + err.Error()}
	}
	t.Name = name
	for _, c := range colours {
		vn, ok := set[c.name]
		if !ok {
			continue
		}
		col, err := parseColour(vn)
		if err != nil {
			return Theme{}, &Error{File: file, Line: vn.Line, Msg: c.name + ": " + err.Error()}
		}
		*c.of(&t) = col
	}
	return t, nil
}

func parse(configDir, path, name string, data []byte, chain []string) (Theme, error) {
	return Parse(path, name, data, func(base string) (Theme, error) { return load(configDir, base, chain) })
}

func isColour(name string) bool {
	for _, c := range colours {
		if c.name == name {
			return true
		}
	}
	return false
}

var (
	hexColour  = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)
	ansiColour = regexp.MustCompile(`^[0-9]{1,3}$`)
)

// parseColour reads "#RRGGBB", "#RGB" or an ANSI colour number 0 to 255.
func parseColour(n *yaml.Node) (lipgloss.Color, error) {
	v := strings.TrimSpace(n.Value)
	switch {
	case n.Kind != yaml.ScalarNode:
		return "", errors.New(`expected a colour, like "#5FAFFF" or 75`)
	case v == "" || n.Tag == "!!null":
		// `accent: #5FAFFF` is `accent:` and a comment to YAML.
		return "", errors.New(`no colour: write "#RRGGBB" in quotes (an unquoted # starts a YAML comment), or an ANSI colour number 0 to 255`)
	case hexColour.MatchString(v):
		return lipgloss.Color(strings.ToUpper(v)), nil
	}
	if ansiColour.MatchString(v) {
		if i, _ := strconv.Atoi(v); i <= 255 {
			return lipgloss.Color(strconv.Itoa(i)), nil
		}
	}
	return "", fmt.Errorf("%q is not a colour: write \"#RRGGBB\" or \"#RGB\", or an ANSI colour number 0 to 255", v)
}
