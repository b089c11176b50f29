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
	probed    bool // false: the zero ink, which writes text as it is
}

// inkProbe cannot occur in an escape sequence.
const inkProbe = "X"

func newInk(s lipgloss.Style) ink {
	out := s.Render(inkProbe)
	i := strings.Index(out, inkProbe)
	if i < 0 || strings.Count(out, inkProbe) != 1 {
		return ink{style: s, probed: true}
	}
	return ink{pre: out[:i], post: out[i+len(inkProbe):], style: s, ok: true, probed: true}
}

// write paints s into b without building an intermediate string.
func (k ink) write(b *strings.Builder, s string) {
	switch {
	case s == "":
	case !k.probed:
		b.WriteString(s)
	case !k.ok:
		b.WriteString(k.style.Render(s))
	default:
		b.WriteString(k.pre)
		b.WriteString(s)
		b.WriteString(k.post)
	}
}

func (k ink) paint(s string) string {
	switch {
	case s == "":
		return ""
	case !k.probed:
		return s
	case !k.ok:
		return k.style.Render(s)
	}
	return k.pre + s + k.post
}

// rowInks paint the cells of one kind of row.
type rowInks struct {
	plain, muted, match, on, off, susp, tmpl ink
	bad                                      ink // a VLAN the DCI does not carry, and the row's "!"
}

// fabricInks paint the fabric pane and strip.
type fabricInks struct {
	note, muted, text, heading, ok, warn, bad, label, empty ink
}

// inks holds the row and fabric inks of a session, made once from its Styles.
type inks struct {
	row, cursor, cursorBlurred rowInks
	stale                      rowInks // rows of a site whose list is not current
	fabric                     fabricInks
}

func newInks(s *themes.Styles) *inks {
	cur := func(row, match, bad lipgloss.Style) rowInks {
		r, m := newInk(row), newInk(match)
		// The cursor row is painted on its own background: cells lose their own colours,
		// except matches and VLANs not carried.
		return rowInks{r, r, m, r, r, r, r, newInk(bad)}
	}
	return &inks{
		row: rowInks{
			plain: newInk(s.Row), muted: newInk(s.RowMuted), match: newInk(s.Match),
			on: newInk(s.PowerOn), off: newInk(s.PowerOff), susp: newInk(s.Suspended), tmpl: newInk(s.Template),
			bad: newInk(s.VLANNotCarried),
		},
		stale: func() rowInks {
			k := newInk(s.RowStale)
			return rowInks{k, k, k, k, k, k, k, k}
		}(),
		cursor:        cur(s.CursorRow, s.CursorMatch, s.CursorVLANNotCarried),
		cursorBlurred: cur(s.CursorRowBlurred, s.CursorMatchBlurred, s.CursorVLANNotCarriedBlurred),
		fabric: fabricInks{
			note: newInk(s.FabricNote), muted: newInk(s.FabricMuted), text: newInk(s.FabricText),
			heading: newInk(s.FabricHeading), ok: newInk(s.FabricOK), warn: newInk(s.FabricWarn),
			bad: newInk(s.FabricBad), label: newInk(s.StripLabel), empty: newInk(s.Empty),
		},
	}
}

// forRow picks the inks of a row: the cursor's, else dimmed when the list is not current.
func (k *inks) forRow(cursor, focused, current bool) rowInks {
	switch {
	case cursor && focused:
		return k.cursor
	case cursor:
		return k.cursorBlurred
	case !current:
		return k.stale
	}
	return k.row
}
