package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend/model"
)

// What the moves pane and the migrations view share: the order moves are listed in, their
// counts and total ETA, and a move's row.

// askCancelMsg asks the root to confirm cancelling a move (the pane or the migrations view
// sends it on x).
type askCancelMsg struct{ move model.Move }

// openMovesMsg asks the root to open the migrations view, its cursor on the move with id
// ("": the first).
type openMovesMsg struct{ id string }

// movesMsg hands the views over the lists the moves as the root knows them: the newest
// State's, and those this session queued that no State has shown yet.
type movesMsg struct {
	moves   []model.Move
	letters map[model.SiteID]string
}

// Row glyphs, so that a move's state reads without colour.
const (
	glyphDone      = "✓"
	glyphFailed    = "✗"
	glyphCancelled = "–"
	barLeft        = "▕"
	barRight       = "▏"
	barFull        = "█"
	barEmpty       = "░"
)

// orderMoves lists moves as the console shows them: the active ones in the order they were
// asked for, then those that ended, the latest to end first. ms is not changed.
func orderMoves(ms []model.Move) []model.Move {
	out := make([]model.Move, 0, len(ms))
	var ended []model.Move
	for _, mv := range ms {
		if mv.State.Active() {
			out = append(out, mv)
		} else {
			ended = append(ended, mv)
		}
	}
	slices.Reverse(ended) // of two that ended at the same time, the one asked for later first
	slices.SortStableFunc(ended, func(a, b model.Move) int { return b.Ended.Compare(a.Ended) })
	return append(out, ended...)
}

// mergeMoves is the State's moves plus those of pending that it does not hold yet.
func mergeMoves(state, pending []model.Move) []model.Move {
	if len(pending) == 0 {
		return state
	}
	have := make(map[string]bool, len(state))
	for _, mv := range state {
		have[mv.ID] = true
	}
	out := append([]model.Move(nil), state...)
	for _, mv := range pending {
		if !have[mv.ID] {
			out = append(out, mv)
		}
	}
	return out
}

// siteLetters names the State's sites by their slot, as the panes do: A, B.
func siteLetters(s model.State) map[model.SiteID]string {
	out := make(map[model.SiteID]string, len(s.Sites))
	for i, site := range s.Sites {
		if site.Status.ID != "" {
			out[site.Status.ID] = string(rune('A' + i%26))
		}
	}
	return out
}

// letterOf is a site's letter, else its id.
func letterOf(letters map[model.SiteID]string, id model.SiteID) string {
	if l, ok := letters[id]; ok {
		return l
	}
	return clean(string(id))
}

// routeOf is "A→B".
func routeOf(letters map[model.SiteID]string, mv model.Move) string {
	return letterOf(letters, mv.From) + "→" + letterOf(letters, mv.To)
}

// moveCounts sums up a list of moves: how many in each state, and what the active ones
// still have to send.
type moveCounts struct {
	running, queued, done, failed, cancelled int
	remainingB                               int64 // bytes the active moves have still to send
	totalB                                   int64 // bytes of the active moves
	rateMbps                                 int64 // what the running moves send at, together
}

func countMoves(ms []model.Move) moveCounts {
	var c moveCounts
	for _, mv := range ms {
		switch mv.State {
		case model.MoveQueued:
			c.queued++
		case model.MoveDone:
			c.done++
		case model.MoveFailed:
			c.failed++
		case model.MoveCancelled:
			c.cancelled++
		default: // running, switchover, cancelling
			c.running++
			c.rateMbps += max(mv.RateMbps, 0)
		}
		if mv.State.Active() && mv.Bytes > 0 {
			c.totalB += mv.Bytes
			c.remainingB += mv.Bytes * int64(100-clamp(mv.Progress, 0, 100)) / 100
		}
	}
	return c
}

func (c moveCounts) active() int { return c.running + c.queued }

// eta is how long the active moves take yet, at the rate the running ones send at now;
// false when that is not known (nothing runs, or no rate yet).
func (c moveCounts) eta() (time.Duration, bool) {
	if c.remainingB <= 0 || c.rateMbps <= 0 {
		return 0, false
	}
	return copyTime(c.remainingB, c.rateMbps), true
}

// text is "2 running · 1 queued · 3 done · 1 failed", the states with no move left out.
func (c moveCounts) text() string {
	var parts []string
	for _, p := range []struct {
		n    int
		word string
	}{{c.running, "running"}, {c.queued, "queued"}, {c.done, "done"}, {c.failed, "failed"}, {c.cancelled, "cancelled"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.word))
		}
	}
	if len(parts) == 0 {
		return "none yet"
	}
	return strings.Join(parts, " · ")
}

// total is "total ≈ 1m20s", or "" when nothing is active or the rate is not known yet.
func (c moveCounts) total() string {
	if d, ok := c.eta(); ok && c.active() > 0 {
		return "total ≈ " + shortDur(d)
	}
	return ""
}

// header is the moves pane's title: "MOVES 2 running · 1 queued · 3 done  total ≈ 1m20s".
func (c moveCounts) header() string {
	s := "MOVES " + c.text()
	if t := c.total(); t != "" {
		s += "  " + t
	}
	return s
}

// shortDur is a duration to the second, as ETAs read: 3s, 1m20s, 2h05m.
func shortDur(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// moveCols are the widths of a list's name and route columns, measured when the moves
// change, never in View.
type moveCols struct{ name, route int }

// maxMoveNameW bounds the name column.
const maxMoveNameW = 28

func measureMoves(ms []model.Move, letters map[model.SiteID]string) moveCols {
	c := moveCols{name: 4, route: 3}
	for _, mv := range ms {
		c.name = max(c.name, min(nameWidth(mv.VMName), maxMoveNameW))
		c.route = max(c.route, ansi.StringWidth(routeOf(letters, mv)))
	}
	return c
}

// moveRow draws one move in exactly w cells: the cursor mark, the VM, the route and where
// the move stands:
//
//	> web-01  A→B  ▕████████░░░░▏ 62%  9.4 Gbps  ETA 3s  pre-copy pass 2
//	  web-02  A→B  queued: host esx-a01-03 at its limit of 8
//	  web-03  A→B  ✓ done 14s
//
// cursor paints the row as the cursor row (focused says of which pane).
func moveRow(c Common, mv model.Move, cols moveCols, letters map[model.SiteID]string, cursor, focused bool, w int) string {
	if w <= 0 {
		return ""
	}
	f := c.inks.fabric
	mark := "  "
	if cursor {
		mark = cursorGlyph + " "
	}
	nameW := min(cols.name, max(w/4, 8))
	head := []seg{{f.text, mark + padRight(clean(mv.VMName), nameW)}, {f.muted, "  " + padRight(routeOf(letters, mv), cols.route) + "  "}}
	rest := w - segsWidth(head)
	segs := append(head, moveState(c, mv, letters, rest)...)
	if cursor {
		k := c.inks.cursorBlurred.plain
		if focused {
			k = c.inks.cursor.plain
		}
		for i := range segs {
			segs[i].ink = k
		}
		used := segsWidth(segs)
		if used < w {
			segs = append(segs, seg{k, strings.Repeat(" ", w-used)})
		}
	}
	return fit(line(w, segs...), w)
}

// moveState is where a move stands, in about w cells (line cuts what does not fit).
func moveState(c Common, mv model.Move, letters map[model.SiteID]string, w int) []seg {
	f := c.inks.fabric
	switch mv.State {
	case model.MoveQueued:
		why := clean(mv.Why)
		if why == "" {
			return []seg{{f.warn, "queued"}}
		}
		return []seg{{f.warn, "queued: "}, {f.muted, why}}
	case model.MoveDone:
		text := glyphDone + " done"
		if d := mv.Duration(c.Now()); d > 0 {
			text += " " + shortDur(d)
		}
		return []seg{{f.ok, text}}
	case model.MoveFailed:
		why := oneLine(mv.Err)
		if why == "" {
			why = "no reason given"
		}
		return []seg{{f.bad, glyphFailed + " failed: " + why}}
	case model.MoveCancelled:
		return []seg{{f.muted, glyphCancelled + " cancelled: VM stays at " + letterOf(letters, mv.From)}}
	}
	// Running, switching over or being cancelled: a bar, the rate, the ETA, the phase.
	var segs []seg
	barW := 0
	switch {
	case w >= 60:
		barW = 12
	case w >= 40:
		barW = 6
	}
	pct := clamp(mv.Progress, 0, 100)
	if barW > 0 {
		full := pct * barW / 100
		segs = append(segs, seg{f.muted, barLeft}, seg{f.ok, strings.Repeat(barFull, full)},
			seg{f.muted, strings.Repeat(barEmpty, barW-full) + barRight})
	}
	segs = append(segs, seg{f.text, padLeft(fmt.Sprintf("%d%%", pct), 4)})
	rateText, etaText := "", ""
	if mv.RateMbps > 0 {
		rateText = rate(mv.RateMbps)
	}
	if mv.ETA > 0 {
		etaText = "ETA " + shortDur(mv.ETA)
	}
	segs = append(segs, seg{f.text, "  " + atLeast(rateText, 8, true) + "  " + atLeast(etaText, 9, false)})
	phase, ink := clean(mv.Phase), f.muted
	switch mv.State {
	case model.MoveSwitchover:
		phase, ink = "switchover", f.warn
	case model.MoveCancelling:
		phase, ink = "cancelling…", f.warn
	case model.MoveRunning:
		if phase == "" {
			phase = "running"
		}
	}
	return append(segs, seg{text: "  "}, seg{ink, phase})
}

// atLeast pads s with spaces to w cells, on the left (right-aligned) or the right; unlike
// padLeft and padRight it never cuts: a column of rates stays aligned until one is wider.
func atLeast(s string, w int, left bool) string {
	pad := strings.Repeat(" ", max(w-ansi.StringWidth(s), 0))
	if left {
		return pad + s
	}
	return s + pad
}

// oneLine is text from the outside on one line, its runs of spaces squeezed.
func oneLine(s string) string { return strings.Join(strings.Fields(clean(s)), " ") }

// movedIDs names the moves a request queued: "mv-4", "mv-4, mv-5", "mv-4…mv-6".
func movedIDs(ms []model.Move) string {
	switch len(ms) {
	case 0:
		return ""
	case 1:
		return ms[0].ID
	case 2:
		return ms[0].ID + ", " + ms[1].ID
	}
	return ms[0].ID + "…" + ms[len(ms)-1].ID
}
