package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/vmcross/vmcross/themes"
)

// ink is a style reduced to the escape sequences it puts around text. A lipgloss Render
// costs microseconds; a screen of rows has hundreds of cells, so rows are painted with inks
// (two concatenations) instead. Only for styles that colour and set attributes: no padding,
// widths or borders.
type ink struct {
	pre, post string
	style     lipgloss.Style
	ok        bool // false: the probe failed, use style.Render
}

// inkProbe cannot occur in an escape sequence.
const inkProbe = "X"

func newInk(s lipgloss.Style) ink {
	out := s.Render(inkProbe)
	i := strings.Index(out, inkProbe)
	if i < 0 || strings.Count(out, inkProbe) != 1 {
		return ink{style: s}
	}
	return ink{pre: out[:i], post: out[i+len(inkProbe):], style: s, ok: true}
}

func (k ink) paint(s string) string {
	switch {
	case s == "":
		return ""
	case !k.ok:
		return k.style.Render(s)
	}
	return k.pre + s + k.post
}

// rowInks paint the cells of one kind of row.
type rowInks struct {
	plain, muted, match, on, off, susp, tmpl ink
}

// inks holds the row inks of a session, made once from its Styles.
type inks struct {
	row, cursor, cursorBlurred rowInks
}

func newInks(s *themes.Styles) *inks {
	cur := func(row, match lipgloss.Style) rowInks {
		r, m := newInk(row), newInk(match)
		// The cursor row is painted on its own background: cells lose their own colours.
		return rowInks{r, r, m, r, r, r, r}
	}
	return &inks{
		row: rowInks{
			plain: newInk(s.Row), muted: newInk(s.RowMuted), match: newInk(s.Match),
			on: newInk(s.PowerOn), off: newInk(s.PowerOff), susp: newInk(s.Suspended), tmpl: newInk(s.Template),
		},
		cursor:        cur(s.CursorRow, s.CursorMatch),
		cursorBlurred: cur(s.CursorRowBlurred, s.CursorMatchBlurred),
	}
}

// forRow picks the inks of a row.
func (k *inks) forRow(cursor, focused bool) rowInks {
	switch {
	case cursor && focused:
		return k.cursor
	case cursor:
		return k.cursorBlurred
	}
	return k.row
}
