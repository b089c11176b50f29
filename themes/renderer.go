package themes

import (
	"io"
	"os"

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
