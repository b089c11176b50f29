package ui

import (
	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
)

// View is one screen of the console's view stack: the main split at the bottom, and views
// pushed over it (VM details, the review, every move in detail, the history). The root
// routes keys to the top view only, hands every view the engine's States (and the moves,
// as movesMsg) and the clock, pops the top view on the back key, and draws the top view
// with its help under it. A yes/no question is not a view: the root asks it over the help
// bar, so that what it is about stays on screen.
type View interface {
	// Update handles a message; the returned View replaces this one in the stack.
	Update(msg tea.Msg) (View, tea.Cmd)
	// View draws exactly the size last set.
	View() string
	// SetSize gives the view the whole screen less the help bar.
	SetSize(w, h int)
	// ShortHelp and FullHelp are the view's keys for the help bar.
	help.KeyMap
	// Title names the view in a few words, for the help bar's "esc back to …".
	Title() string
}
