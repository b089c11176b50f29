package themes

import (
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// NoColor reports whether the environment asks for no colour (https://no-color.org: NO_COLOR
// set and not empty). getenv looks variables up in the session's environment (an SSH
// client's, say); nil means this process's.
func NoColor(getenv func(string) string) bool {
	if getenv == nil {
		getenv = os.Getenv
	}
	return getenv("NO_COLOR") != ""
}

// Renderer returns a lipgloss renderer for the terminal behind w. termenv already drops to the
// Ascii profile when this process has NO_COLOR set; Renderer makes that explicit and applies
// it to the session's environment as given by getenv (nil: this process's), which is what an
// SSH session needs. The Ascii profile drops every attribute, bold and reverse included, so
// the console marks focus and the cursor with characters too.
func Renderer(w io.Writer, getenv func(string) string) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(w)
	if NoColor(getenv) {
		r.SetColorProfile(termenv.Ascii)
	}
	return r
}

// SessionEnv is the variable an SSH client sets to choose its session's built-in theme
// (ssh -o SetEnv=VMCROSS_THEME=light): a phone with a light background, a colour-blind
// operator's high-contrast, on a server whose theme is dark.
const SessionEnv = "VMCROSS_THEME"

// ForSession is the theme of one session: the built-in theme its environment names in
// SessionEnv (getenv looks variables up in it), else fallback, the server's. ok is false when
// the variable names no built-in theme (fallback is returned then).
func ForSession(getenv func(string) string, fallback Theme) (t Theme, ok bool) {
	name := strings.TrimSpace(getenv(SessionEnv))
	if name == "" || strings.EqualFold(name, fallback.Name) {
		return fallback, true
	}
	t, err := Get(name)
	if err != nil {
		return fallback, false
	}
	return t, true
}
