package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
)

// movesSummaryLines is the number of lines above the scrolled moves: the counts and the
// total, what is left to send, and what x does (or why it does nothing).
const movesSummaryLines = 3

// MovesView is every move in detail, pushed over the lists by m (or enter on a move in the
// moves pane): per move its row as the pane shows it, then its id, target host and
// datastore, size, operator, times, acknowledged warnings and where it stands in full (the
// phase, rate and ETA; why it waits; its error). A cursor goes from move to move; x cancels
// the one under it, after a yes. It follows the engine's States; esc (handled by the root)
// closes it.
type MovesView struct {
	common   Common
	moves    []model.Move // in the order shown (orderMoves)
	letters  map[model.SiteID]string
	cols     moveCols
	counts   moveCounts
	cursor   int    // index into moves
	cursorID string // the move under the cursor, kept across States

	vp       viewport.Model
	width    int
	height   int
	rendered bool       // vp holds content for the current moves, cursor and width
	blocks   []lineSpan // the lines of each move in vp's content
}

// NewMovesView returns the migrations view of ms, its cursor on the move with id ("": the
// first listed).
func NewMovesView(c Common, ms []model.Move, letters map[model.SiteID]string, id string) *MovesView {
	v := &MovesView{common: c, cursorID: id, vp: viewport.New(0, 0)}
	v.vp.KeyMap = viewportKeys(c)
	v.setMoves(ms, letters)
	return v
}

// Title names the view.
func (v *MovesView) Title() string { return "the moves" }

// setMoves shows ms, the cursor on its move.
func (v *MovesView) setMoves(ms []model.Move, letters map[model.SiteID]string) {
	v.moves = orderMoves(ms)
	v.letters = letters
	v.cols = measureMoves(v.moves, letters)
	v.counts = countMoves(v.moves)
	v.cursor = findMove(v.moves, v.cursorID, v.cursor)
	if v.cursor < len(v.moves) {
		v.cursorID = v.moves[v.cursor].ID
	}
	v.rendered = false
	v.render()
}

// Selected is the move under the cursor.
func (v *MovesView) Selected() (model.Move, bool) {
	if v.cursor < 0 || v.cursor >= len(v.moves) {
		return model.Move{}, false
	}
	return v.moves[v.cursor], true
}

// SetSize gives the view its area.
func (v *MovesView) SetSize(w, h int) {
	v.width, v.height = w, h
	v.vp.Width, v.vp.Height = max(w-2, 0), max(h-2-movesSummaryLines-1, 0)
	v.rendered = false
	v.render()
	v.showCursor()
}

// Update follows the moves, and handles the cursor, cancelling and scrolling keys.
func (v *MovesView) Update(msg tea.Msg) (View, tea.Cmd) {
	switch msg := msg.(type) {
	case movesMsg:
		v.setMoves(msg.moves, msg.letters)
	case tickMsg:
		if v.counts.running > 0 {
			v.rendered = false // "running for 14s" moves on
			v.render()
		}
	case tea.KeyMsg:
		keys := v.common.KeyMap
		switch {
		case key.Matches(msg, keys.Up):
			v.moveCursor(-1)
		case key.Matches(msg, keys.Down):
			v.moveCursor(1)
		case key.Matches(msg, keys.CancelMove):
			if mv, ok := v.Selected(); ok {
				return v, askToCancel(mv)
			}
		default:
			var cmd tea.Cmd
			v.vp, cmd = scrollKey(v.common, v.vp, msg)
			return v, cmd
		}
	}
	return v, nil
}

// moveCursor moves the cursor by d moves and scrolls it into view; past either end it
// shows the top or the bottom.
func (v *MovesView) moveCursor(d int) {
	next := v.cursor + d
	switch {
	case len(v.moves) == 0 || next < 0:
		v.vp.GotoTop()
		return
	case next >= len(v.moves):
		v.vp.GotoBottom()
		return
	}
	v.cursor, v.cursorID = next, v.moves[next].ID
	v.rendered = false
	v.render()
	v.showCursor()
}

// showCursor scrolls the viewport so the move under the cursor is in view.
func (v *MovesView) showCursor() {
	if v.cursor >= len(v.blocks) || v.vp.Height <= 0 {
		return
	}
	b := v.blocks[v.cursor]
	switch {
	case b.last-b.first+1 > v.vp.Height || b.first < v.vp.YOffset:
		v.vp.SetYOffset(b.first)
	case b.last >= v.vp.YOffset+v.vp.Height:
		v.vp.SetYOffset(b.last - v.vp.Height + 1)
	}
}

// ShortHelp is the view's part of the help bar.
func (v *MovesView) ShortHelp() []key.Binding {
	k := v.common.KeyMap
	move := key.NewBinding(key.WithKeys(append(k.Up.Keys(), k.Down.Keys()...)...),
		key.WithHelp(k.Up.Help().Key+" "+k.Down.Help().Key, "move"))
	return []key.Binding{move, k.CancelMove, k.Back}
}

// FullHelp is the view's part of the full help.
func (v *MovesView) FullHelp() [][]key.Binding {
	k := v.common.KeyMap
	return [][]key.Binding{
		{withDesc(k.Up, "previous move"), withDesc(k.Down, "next move"), k.PageUp, k.PageDown, k.Home, k.End},
		{k.CancelMove, k.Back},
	}
}

// View draws the framed view: the summary, then the scrolled moves.
func (v *MovesView) View() string {
	w := max(v.width-2, 0)
	body := append(v.summary(w), "")
	body = append(body, strings.Split(v.vp.View(), "\n")...)
	footer := scrollFooter(v.vp)
	if len(v.moves) > 0 {
		footer = strings.TrimSpace(fmt.Sprintf("move %d/%d  %s", v.cursor+1, len(v.moves), footer))
	}
	return frame{styles: v.common.Styles, focused: true, title: "moves", footer: footer}.render(v.width, v.height, body)
}

// summary is the lines above the moves: the counts and the total ETA, what the active
// moves have left to send, and what x does.
func (v *MovesView) summary(w int) []string {
	st := v.common.Styles
	c := v.counts
	out := make([]string, 0, movesSummaryLines)
	if len(v.moves) == 0 {
		out = append(out, fit(st.DetailValue.Render("no moves yet"), w),
			fit(st.DetailLabel.Render("select VMs in a site pane, "+v.common.KeyMap.Review.Help().Key+
				" reviews moving them, "+v.common.KeyMap.ConfirmMove.Help().Key+" in the review starts them"), w))
		return append(out, "")
	}
	out = append(out, sides(st.DetailValue.Render(c.text()), st.DetailValue.Render(c.total()), w))
	left := ""
	if c.active() > 0 && c.totalB > 0 {
		left = fmt.Sprintf("%s of %s GiB left to send", gibBytes(c.remainingB), gibBytes(c.totalB))
		if c.rateMbps > 0 {
			left += " at " + rate(c.rateMbps)
		}
	}
	out = append(out, fit(st.DetailLabel.Render(left), w))
	var hint string
	switch k := v.common.KeyMap.CancelMove; {
	case !k.Enabled():
		hint = "read-only session: a viewer cannot cancel moves"
	case c.active() > 0:
		hint = k.Help().Key + " cancels the move under the cursor, after a yes: its VM stays at its source"
	}
	return append(out, fit(st.DetailLabel.Render(hint), w))
}

// render lays the moves out for the viewport; it runs in Update, never in View.
func (v *MovesView) render() {
	if v.rendered || v.vp.Width <= 0 {
		return
	}
	v.rendered = true
	w := v.vp.Width
	var lines []string
	v.blocks = v.blocks[:0]
	for i, mv := range v.moves {
		first := len(lines)
		lines = append(lines, moveRow(v.common, mv, v.cols, v.letters, i == v.cursor, true, w))
		lines = append(lines, v.moveLines(mv, w)...)
		v.blocks = append(v.blocks, lineSpan{first, len(lines) - 1})
		lines = append(lines, "")
	}
	v.vp.SetContent(strings.Join(lines, "\n"))
}

// moveIndent indents a move's detail lines under its row.
const moveIndent = 4

// moveLines are a move's details under its row, wrapped to w cells: where it goes, who
// asked and when, the warnings acknowledged, and where it stands, in full.
func (v *MovesView) moveLines(mv model.Move, w int) []string {
	f := v.common.inks.fabric
	ind := seg{text: strings.Repeat(" ", moveIndent)}
	dot := seg{f.muted, " · "}
	var out []string
	add := func(segs ...seg) {
		out = append(out, wrapSegs(w, moveIndent, append([]seg{ind}, segs...)...)...)
	}

	where := []seg{{f.text, mv.ID}, dot, {f.muted, clean(string(mv.From)) + " → " + clean(string(mv.To))}}
	t := mv.Target
	if place := strings.Join(nonEmpty(clean(t.ClusterName), clean(t.HostName)), " / "); place != "" {
		where = append(where, dot, seg{f.text, place})
	}
	if t.DatastoreName != "" {
		where = append(where, dot, seg{f.muted, "datastore "}, seg{f.text, clean(t.DatastoreName)})
	}
	if mv.Bytes > 0 {
		where = append(where, dot, seg{f.text, gibBytes(mv.Bytes) + " GiB"})
	}
	add(where...)

	who := []seg{{f.muted, "by "}, {f.text, clean(mv.Operator.String())}}
	for _, at := range []struct {
		word string
		t    time.Time
	}{{"queued", mv.Queued}, {"started", mv.Started}, {"ended", mv.Ended}} {
		if !at.t.IsZero() {
			who = append(who, dot, seg{f.muted, at.word + " "}, seg{f.text, at.t.In(v.common.Now().Location()).Format("15:04:05")})
		}
	}
	add(who...)

	if len(mv.Acknowledged) > 0 {
		acks := make([]string, len(mv.Acknowledged))
		for i, a := range mv.Acknowledged {
			acks[i] = oneLine(a)
		}
		add(seg{f.muted, "acknowledged: "}, seg{f.warn, strings.Join(acks, ", ")})
	}

	from, to := clean(string(mv.From)), clean(string(mv.To))
	switch mv.State {
	case model.MoveQueued:
		why := oneLine(mv.Why)
		if why == "" {
			why = "its turn"
		}
		add(seg{f.warn, "waiting: "}, seg{f.text, why})
	case model.MoveDone:
		add(seg{f.ok, glyphDone + " done in " + shortDur(mv.Duration(v.common.Now())) + ": the VM runs at " + to})
	case model.MoveFailed:
		why := oneLine(mv.Err)
		if why == "" {
			why = "no reason given"
		}
		add(seg{f.bad, glyphFailed + " failed: " + why}, seg{f.muted, "; the VM stays at " + from})
	case model.MoveCancelled:
		add(seg{f.muted, glyphCancelled + " cancelled: the VM stays at " + from})
	default:
		phase := oneLine(mv.Phase)
		switch {
		case mv.State == model.MoveCancelling:
			phase = "cancelling: vCenter has not ended the task yet"
		case mv.State == model.MoveSwitchover:
			phase = "switchover: the VM is stunned and switched over"
		case phase == "":
			phase = "running"
		}
		segs := []seg{{f.text, phase}, dot, {f.text, fmt.Sprintf("%d%%", clamp(mv.Progress, 0, 100))}}
		if mv.Bytes > 0 {
			segs = append(segs, seg{f.muted, " of " + gibBytes(mv.Bytes) + " GiB"})
		}
		if mv.RateMbps > 0 {
			segs = append(segs, dot, seg{f.text, rate(mv.RateMbps)})
		}
		if mv.ETA > 0 {
			segs = append(segs, dot, seg{f.muted, "ETA "}, seg{f.text, shortDur(mv.ETA)})
		}
		if d := mv.Duration(v.common.Now()); d > 0 {
			segs = append(segs, dot, seg{f.muted, "running for "}, seg{f.text, shortDur(d)})
		}
		add(segs...)
	}
	return out
}

// nonEmpty is the strings that are not "".
func nonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
