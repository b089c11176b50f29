package ui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Text layout for panes drawn line by line (the fabric pane): runs of text in one ink, cut
// or wrapped to a width without ever splitting an escape sequence.

// seg is a piece of a line in one ink (the zero ink: as it is).
type seg struct {
	ink  ink
	text string
}

// line renders segs in w cells at most, cutting the text (not the escapes) where it runs out.
func line(w int, segs ...seg) string {
	var b strings.Builder
	used := 0
	for _, s := range segs {
		sw := ansi.StringWidth(s.text)
		if used+sw > w {
			s.ink.write(&b, cut(s.text, w-used))
			break
		}
		s.ink.write(&b, s.text)
		used += sw
	}
	return b.String()
}

// width of plain segs.
func segsWidth(segs []seg) int {
	n := 0
	for _, s := range segs {
		n += ansi.StringWidth(s.text)
	}
	return n
}

// pair puts left at the left and right at the right of w cells; left is cut first, and
// right goes when even that is not enough.
func pair(w int, left []seg, right seg) string {
	lw, rw := segsWidth(left), ansi.StringWidth(right.text)
	if right.text == "" || rw+4 > w {
		return line(w, left...)
	}
	if lw+1+rw > w {
		return line(w-rw-1, left...) + " " + right.ink.paint(right.text)
	}
	return line(w, left...) + strings.Repeat(" ", w-lw-rw) + right.ink.paint(right.text)
}

// fullPair is pair for text that must be read in full: when left and right don't fit on one
// line, left is wrapped over the lines it needs and right goes on a line of its own.
func fullPair(w int, left []seg, right seg) []string {
	if segsWidth(left)+1+ansi.StringWidth(right.text) <= w {
		return []string{pair(w, left, right)}
	}
	out := wrapSegs(w, 2, left...)
	if right.text != "" {
		out = append(out, pair(w, nil, right))
	}
	return out
}

// hanging wraps text after a two-cell prefix ("✗ "), the next lines indented to match, into
// at most maxLines lines of w cells.
func hanging(glyph seg, text string, style ink, w, maxLines int) []string {
	if w < 4 {
		return []string{line(w, glyph)}
	}
	wrapped := wrapWords(text, w-2)
	if len(wrapped) > maxLines {
		last := strings.Join(wrapped[maxLines-1:], " ")
		wrapped = append(wrapped[:maxLines-1], ansi.Truncate(last, w-2, ellipsis))
	}
	out := make([]string, len(wrapped))
	for i, l := range wrapped {
		prefix := seg{text: "  "}
		if i == 0 {
			prefix = seg{glyph.ink, glyph.text + " "}
		}
		out[i] = line(w, prefix, seg{style, strings.TrimRight(l, " ")})
	}
	return out
}

// wrapWords wraps text at spaces only (switch and interface names have hyphens and slashes
// that must not be split), cutting a word longer than w.
func wrapWords(text string, w int) []string {
	var out []string
	cur := ""
	for _, word := range strings.Fields(text) {
		switch {
		case cur == "":
			cur = word
		case ansi.StringWidth(cur)+1+ansi.StringWidth(word) <= w:
			cur += " " + word
		default:
			out = append(out, cur)
			cur = word
		}
		for ansi.StringWidth(cur) > w {
			out = append(out, ansi.Truncate(cur, w, ""))
			cur = ansi.TruncateLeft(cur, w, "")
		}
	}
	if cur != "" || len(out) == 0 {
		out = append(out, cur)
	}
	return out
}

// pack lays items out as words after a glyph, wrapping onto indented lines, at most
// maxLines of them; the last line ends with "…" if items were left over.
func pack(glyph seg, items []string, style ink, w, maxLines int) []string {
	var out []string
	cur := ""
	for i, it := range items {
		switch {
		case cur == "":
			cur = it
		case ansi.StringWidth(cur)+1+ansi.StringWidth(it) <= w-2:
			cur += " " + it
		default:
			if len(out) == maxLines-1 {
				cur = cut(cur+" "+strings.Join(items[i:], " "), w-2)
				if !strings.HasSuffix(cur, ellipsis) {
					cur = cut(cur, max(w-3, 1)) + ellipsis
				}
				return append(out, packLine(glyph, len(out) == 0, cur, style, w))
			}
			out = append(out, packLine(glyph, len(out) == 0, cur, style, w))
			cur = it
		}
	}
	if cur != "" || len(out) == 0 {
		out = append(out, packLine(glyph, len(out) == 0, cur, style, w))
	}
	return out
}

func packLine(glyph seg, first bool, text string, style ink, w int) string {
	if first {
		return line(w, seg{glyph.ink, glyph.text + " "}, seg{style, text})
	}
	return line(w, seg{text: "  "}, seg{style, text})
}

// clip keeps whole items within n lines of w cells; when some don't fit, the last line says
// how many. The first item is shortened rather than left out, so at least one shows.
func clip(items [][]string, n, w int, more ink) []string {
	total := lineTotal(items)
	if total <= n {
		out := make([]string, 0, total)
		for _, it := range items {
			out = append(out, it...)
		}
		return out
	}
	if n <= 0 {
		return nil
	}
	var out []string
	shown := 0
	for _, it := range items {
		if len(out)+len(it) > n-1 {
			if shown == 0 && n > 1 {
				out = append(out, it[:n-2]...)
				out = append(out, ansi.Truncate(it[n-2], max(w-1, 0), "")+ellipsis)
				shown++
			}
			break
		}
		out = append(out, it...)
		shown++
	}
	return append(out, more.paint(fmt.Sprintf("%s %d more", ellipsis, len(items)-shown)))
}

func lineTotal(items [][]string) int {
	n := 0
	for _, it := range items {
		n += len(it)
	}
	return n
}

// wrapSegs lays segs out over as many lines of w cells as they need, for text that must be
// read in full: it breaks at spaces and after commas (VLAN lists are "100-119,121-150"),
// indents the lines after the first by indent cells, and cuts a word longer than a line
// across lines. Text with no space or comma between two segs is not broken there.
func wrapSegs(w, indent int, segs ...seg) []string {
	if w-indent < 2 {
		return []string{line(w, segs...)}
	}
	// A unit is what may not be broken: the parts of a word, each in its ink.
	type part struct {
		ink  ink
		text string
	}
	type unit struct {
		spaces int // before it
		width  int
		parts  []part
	}
	var units []unit
	open := false // the last unit may grow: no space or comma since
	spaces := 0
	for _, s := range segs {
		start := -1
		flush := func(end int) {
			if start < 0 || end <= start {
				return
			}
			if !open {
				units = append(units, unit{spaces: spaces})
				spaces, open = 0, true
			}
			u := &units[len(units)-1]
			u.parts = append(u.parts, part{s.ink, s.text[start:end]})
			u.width += ansi.StringWidth(s.text[start:end])
			start = -1
		}
		for i, r := range s.text {
			switch {
			case r == ' ':
				flush(i)
				open = false
				spaces++
			case start < 0:
				start = i
			}
			if r == ',' {
				flush(i + 1)
				open = false
			}
		}
		flush(len(s.text))
	}

	var out []string
	var b strings.Builder
	used, lineStart := 0, 0 // cells on this line; cells of its indent
	next := func() {
		out = append(out, b.String())
		b.Reset()
		b.WriteString(strings.Repeat(" ", indent))
		used, lineStart = indent, indent
	}
	for _, u := range units {
		lead := u.spaces
		// A unit that fits no line is cut where it is, rather than after an early break.
		if used > lineStart && used+lead+u.width > w && u.width <= w-indent {
			next()
		}
		if used == lineStart && len(out) > 0 {
			lead = 0 // a continuation line starts at its indent
		}
		lead = min(lead, w-used)
		b.WriteString(strings.Repeat(" ", lead))
		used += lead
		for _, p := range u.parts {
			text := p.text
			for text != "" {
				if used >= w {
					next()
				}
				head := text
				if ansi.StringWidth(text) > w-used {
					head = ansi.Truncate(text, w-used, "")
				}
				if head == "" { // a character wider than what is left of a line
					if used == lineStart { // wider than any line: drop it
						_, size := utf8.DecodeRuneInString(text)
						text = text[size:]
						continue
					}
					next()
					continue
				}
				p.ink.write(&b, head)
				used += ansi.StringWidth(head)
				text = text[len(head):]
			}
		}
	}
	return append(out, b.String())
}
