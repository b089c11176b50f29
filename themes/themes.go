// Package themes holds vmcross's colour palettes and builds every lipgloss style the console
// uses. The ui package never creates a style of its own: it asks for a *Styles built here for
// one session's renderer, so two SSH sessions with different terminals each get the right
// colours.
package themes

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// Theme is a palette: named colours, nothing else. NewStyles turns it into styles.
type Theme struct {
	Name string

	Text          lipgloss.Color // ordinary text
	Muted         lipgloss.Color // secondary text: hosts, column headings, hints
	Subtle        lipgloss.Color // least important text: separators, powered-off VMs
	Title         lipgloss.Color // pane titles
	Border        lipgloss.Color // frame of an unfocused pane
	BorderFocused lipgloss.Color // frame of the focused pane
	Accent        lipgloss.Color // filter prompt, help keys
	Match         lipgloss.Color // characters that matched the filter
	CursorText    lipgloss.Color // text of the row under the cursor
	Cursor        lipgloss.Color // background of the row under the cursor (focused pane)
	CursorBlurred lipgloss.Color // background of the row under the cursor (other pane)
	OK            lipgloss.Color // connected, powered on
	Warn          lipgloss.Color // connecting, suspended
	Error         lipgloss.Color // disconnected, errors
}

// Dark is the default palette, for dark terminal backgrounds.
func Dark() Theme {
	return Theme{
		Name:          "dark",
		Text:          "#D0D0D0",
		Muted:         "#8A8A8A",
		Subtle:        "#626262",
		Title:         "#FFFFFF",
		Border:        "#4E4E4E",
		BorderFocused: "#5FAFFF",
		Accent:        "#5FAFFF",
		Match:         "#FFAF00",
		CursorText:    "#FFFFFF",
		Cursor:        "#264F78",
		CursorBlurred: "#3A3A3A",
		OK:            "#5FD75F",
		Warn:          "#FFD75F",
		Error:         "#FF5F5F",
	}
}

// Light is a palette for light terminal backgrounds.
func Light() Theme {
	return Theme{
		Name:          "light",
		Text:          "#303030",
		Muted:         "#6C6C6C",
		Subtle:        "#9E9E9E",
		Title:         "#000000",
		Border:        "#BCBCBC",
		BorderFocused: "#005FAF",
		Accent:        "#005FAF",
		Match:         "#AF5F00",
		CursorText:    "#000000",
		Cursor:        "#BFD9FF",
		CursorBlurred: "#E4E4E4",
		OK:            "#008700",
		Warn:          "#AF8700",
		Error:         "#D70000",
	}
}

// HighContrast is a palette of strong contrasts on a dark background that a colour-blind
// operator reads as well as anyone: no status is told from another by red against green.
// OK is blue, warnings yellow, errors orange (blue against yellow and orange survives the
// common colour blindnesses), and every status the console shows carries a symbol or a word
// too (● ◌ ✗ ▲ ✓ !, "connected", "not carried"), so it reads without colour at all. Text is
// white and the cursor row white on blue.
func HighContrast() Theme {
	return Theme{
		Name:          "high-contrast",
		Text:          "#FFFFFF",
		Muted:         "#D0D0D0",
		Subtle:        "#B2B2B2",
		Title:         "#FFFFFF",
		Border:        "#B2B2B2",
		BorderFocused: "#FFFF00",
		Accent:        "#00D7FF",
		Match:         "#FF87FF",
		CursorText:    "#FFFFFF",
		Cursor:        "#0000AF",
		CursorBlurred: "#4E4E4E",
		OK:            "#00AFFF",
		Warn:          "#FFFF00",
		Error:         "#FF8700",
	}
}

// builtin maps each theme's name to its constructor. Constructors, not values, so nobody can
// change a theme for everyone else.
var builtin = map[string]func() Theme{
	"dark":          Dark,
	"light":         Light,
	"high-contrast": HighContrast,
}

// Names lists the built-in themes, sorted.
func Names() []string {
	names := make([]string, 0, len(builtin))
	for n := range builtin {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Get returns the built-in theme with the given name (case-insensitive). Load also finds the
// user's themes.
func Get(name string) (Theme, error) {
	if f, ok := builtin[strings.ToLower(strings.TrimSpace(name))]; ok {
		return f(), nil
	}
	return Theme{}, fmt.Errorf("unknown theme %q: choose one of %s", name, strings.Join(Names(), ", "))
}
