package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/themes"
)

// ellipsis ends text that was cut to fit.
const ellipsis = "…"

// fit cuts or pads s (which may hold ANSI styling) to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, ellipsis)
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// cut shortens plain text to at most w cells, ending it with an ellipsis when it was cut.
func cut(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, ellipsis)
}

// padLeft right-aligns plain text in w cells.
func padLeft(s string, w int) string {
	s = cut(s, w)
	return strings.Repeat(" ", w-ansi.StringWidth(s)) + s
}

// padRight left-aligns plain text in w cells.
func padRight(s string, w int) string {
	s = cut(s, w)
	return s + strings.Repeat(" ", w-ansi.StringWidth(s))
}

// spread puts left and right on one line of w cells, cutting left first when both don't fit.
func spread(left, right string, w int) string {
	lw, rw := ansi.StringWidth(left), ansi.StringWidth(right)
	if lw+1+rw > w {
		if rw+2 > w {
			return fit(left, w)
		}
		left = ansi.Truncate(left, w-rw-1, ellipsis)
		lw = ansi.StringWidth(left)
	}
	return left + strings.Repeat(" ", w-lw-rw) + right
}

// frame is a pane's box: a border with the title in its top edge and a footer in its
// bottom edge, around body lines. Every line of the result is exactly w cells and there are
// exactly h lines. The focused pane gets the thick border, so focus shows without colour.
type frame struct {
	styles  *themes.Styles
	focused bool
	title   string // plain text
	footer  string // plain text
}

// render draws the box. It needs w ≥ 4 and h ≥ 2; smaller boxes come out blank.
func (f frame) render(w, h int, body []string) string {
	if w < 4 || h < 2 {
		return blank(w, h)
	}
	b, bs, ts, fs := f.styles.Border, f.styles.PaneBorder, f.styles.PaneTitle, f.styles.PaneFooter
	if f.focused {
		b, bs, ts, fs = f.styles.FocusedBorder, f.styles.PaneBorderFocused, f.styles.PaneTitleFocused, f.styles.PaneFooterFocused
	}
	inner := w - 2
	lines := make([]string, 0, h)
	lines = append(lines, edge(b.TopLeft, b.Top, b.TopRight, f.title, false, inner, bs, ts))
	left, right := bs.Render(b.Left), bs.Render(b.Right)
	for i := 0; i < h-2; i++ {
		line := ""
		if i < len(body) {
			line = body[i]
		}
		lines = append(lines, left+fit(line, inner)+right)
	}
	lines = append(lines, edge(b.BottomLeft, b.Bottom, b.BottomRight, f.footer, true, inner, bs, fs))
	return strings.Join(lines, "\n")
}

// edge draws a top or bottom border of inner+2 cells with a label in it: after the corner
// for titles, before the far corner for footers (right-aligned).
func edge(l, mid, r, label string, alignRight bool, inner int, bs, ls lipgloss.Style) string {
	label = cut(label, inner-4)
	if label == "" {
		return bs.Render(l + strings.Repeat(mid, inner) + r)
	}
	lw := ansi.StringWidth(label) + 2 // a space each side
	rest := inner - lw - 1
	var s string
	if alignRight {
		s = bs.Render(l+strings.Repeat(mid, rest)) + ls.Render(" "+label+" ") + bs.Render(mid+r)
	} else {
		s = bs.Render(l+mid) + ls.Render(" "+label+" ") + bs.Render(strings.Repeat(mid, rest)+r)
	}
	return s
}

// blank is w×h of spaces.
func blank(w, h int) string {
	if h <= 0 {
		return ""
	}
	line := strings.Repeat(" ", max(w, 0))
	lines := make([]string, h)
	for i := range lines {
		lines[i] = line
	}
	return strings.Join(lines, "\n")
}
