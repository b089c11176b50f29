package ui

import (
	"context"
	"github.com/charmbracelet/bubbles/key"
	"os"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/keymap"
	"github.com/vmcross/vmcross/themes"
)

// Options configure one console session. The zero value is usable: dark theme, default keys,
// a renderer for this process's stdout, the wall clock.
type Options struct {
	// Context bounds the session; the state subscription ends with it (and on quit).
	// nil means context.Background().
	Context context.Context
	// Theme is the palette; the zero Theme means themes.Dark().
	Theme themes.Theme
	// Renderer is the session's lipgloss renderer. SSH sessions pass one for the client's
	// terminal; nil means themes.Renderer(os.Stdout, os.Getenv), which honours NO_COLOR.
	Renderer *lipgloss.Renderer
	// KeyMap is the key bindings; nil means keymap.Default().
	KeyMap *keymap.KeyMap
	// Now is the clock behind "disconnected 5m" ages; nil means time.Now. Tests fix it.
	Now func() time.Time
	// Operator is who uses this session: every command goes to the engine as them. The zero
	// value means the local terminal's user, as an operator. A viewer's session disables the
	// dangerous keys (keymap.ReadOnly), so its help does not offer them.
	Operator model.Operator
	// Plans are the engine's evacuation plans; nil: this console runs none.
	Plans Planner
	// Shared says the engine runs on after this console quits (a `vmcross serve` session):
	// quitting then asks nothing. Otherwise quitting with moves or plans under way asks
	// first, since the plans stop handing out moves with the console.
	Shared bool
}

// Common is what every pane of one session shares: built once by New, handed down by value.
// It holds pointers to immutable things only, so copies never disagree.
type Common struct {
	Ctx      context.Context
	Width    int // terminal size as the root last saw it; panes go by their own SetSize
	Height   int
	Styles   *themes.Styles
	KeyMap   *keymap.KeyMap
	Renderer *lipgloss.Renderer
	Now      func() time.Time
	Operator model.Operator

	inks *inks // row paints, derived from Styles
}

// NewCommon fills in the defaults of opts and builds the session's styles.
func NewCommon(opts Options) Common {
	c := Common{
		Ctx:      opts.Context,
		Renderer: opts.Renderer,
		KeyMap:   opts.KeyMap,
		Now:      opts.Now,
		Operator: opts.Operator,
	}
	if c.Ctx == nil {
		c.Ctx = context.Background()
	}
	if c.Renderer == nil {
		c.Renderer = themes.Renderer(os.Stdout, os.Getenv)
	}
	if c.KeyMap == nil {
		c.KeyMap = keymap.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Operator.Name == "" {
		c.Operator = model.LocalOperator("local terminal")
	}
	if !c.Operator.Role.AtLeast(model.RoleOperator) {
		c.KeyMap = c.KeyMap.ReadOnly()
	}
	theme := opts.Theme
	if theme.Name == "" {
		theme = themes.Dark()
	}
	c.Styles = themes.NewStyles(c.Renderer, theme)
	c.inks = newInks(c.Styles)
	return c
}

// firstKey is the first key of a binding as the operator's keymap has it ("y", "enter"), for
// texts that name a key; "" when it has none.
func firstKey(b key.Binding) string {
	if ks := b.Keys(); len(ks) > 0 {
		return ks[0]
	}
	return ""
}
