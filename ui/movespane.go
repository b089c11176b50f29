package ui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend/model"
)

// MovesPane lists the engine's moves under the site panes: a row per move, the active ones
// first, under a title that counts them, gives the total ETA and says what the governor
// allows ("paused: the DCI is down", "≤ 6 at once (DCI 18.8 Gbps)"). The main view shows it
// once a move exists. Unfocused it shows the top of the list (what runs now); tab focuses
// it, and a cursor then picks a move: x cancels it (after a yes), enter opens the
// migrations view on it. While an evacuation plan runs, the bottom edge says where it is
// ("plan esx-a01-02 wave 2/5 · paused: the DCI is down").
type MovesPane struct {
	common   Common
	moves    []model.Move // in the order shown (orderMoves)
	letters  map[model.SiteID]string
	cols     moveCols
	counts   moveCounts
	governor model.Governor
	plans    []model.PlanStatus // the engine's plans, for the plan line
	cursor   int                // index into moves
	cursorID string             // the move under the cursor, kept across States
	offset   int                // first row on screen while focused
	width    int
	height   int
	focused  bool
}

// NewMovesPane returns an empty moves pane.
func NewMovesPane(c Common) MovesPane { return MovesPane{common: c} }

// SetMoves shows ms (in any order; the pane orders them). The cursor stays on its move.
// It runs in Update: its work is linear in the moves.
func (p *MovesPane) SetMoves(ms []model.Move, letters map[model.SiteID]string) {
	p.moves = orderMoves(ms)
	p.letters = letters
	p.cols = measureMoves(p.moves, letters)
	p.counts = countMoves(p.moves)
	p.cursor = findMove(p.moves, p.cursorID, p.cursor)
	p.keepCursor()
}

// SetGovernor shows the governor's state in the title.
func (p *MovesPane) SetGovernor(g model.Governor) { p.governor = g }

// SetPlans shows where the active plans are, in the bottom edge.
func (p *MovesPane) SetPlans(list []model.PlanStatus) { p.plans = list }

// planLine is the first active plan in a few words: "plan esx-a01-02 wave 2/5", then
// "· paused" when it is, "· paused: the DCI is down" when the governor holds every move, and
// "· 1 more plan" when others run too. "" while no plan is active.
func (p MovesPane) planLine() string {
	var first model.PlanStatus
	n := 0
	for _, ps := range p.plans {
		if ps.State.Active() {
			if n == 0 {
				first = ps
			}
			n++
		}
	}
	if n == 0 {
		return ""
	}
	s := "plan " + planShortID(first.ID)
	if first.Waves > 0 {
		s += fmt.Sprintf(" wave %d/%d", max(first.WaveIndex, 1), first.Waves)
	}
	switch {
	case p.governor.Paused != "":
		s += " · paused: " + clean(p.governor.Paused)
	case first.State == model.PlanPaused:
		s += " · paused"
	}
	if n > 1 {
		s += " · " + plural(n-1, "more plan")
	}
	return s
}

// title is "MOVES 2 running · 1 queued  total ≈ 1m20s  ≤ 6 at once (DCI 18.8 Gbps)": the
// counts, the total ETA and, while moves are active, the governor's limit. A pause comes
// before the ETA, and shows with no move active too: it is what the operator must know.
func (p MovesPane) title() string {
	g := p.governor
	if g.Paused == "" && (g.Why == "" || p.counts.active() == 0) {
		return p.counts.header()
	}
	s := "MOVES " + p.counts.text()
	if g.Paused != "" {
		s += "  paused: " + g.Paused
	}
	if t := p.counts.total(); t != "" {
		s += "  " + t
	}
	if g.Paused == "" && g.Why != "" && p.counts.active() > 0 {
		s += "  " + g.Why
	}
	return s
}

// findMove is the index of the move with id, else at (clamped).
func findMove(ms []model.Move, id string, at int) int {
	if id != "" {
		for i, mv := range ms {
			if mv.ID == id {
				return i
			}
		}
	}
	return clamp(at, 0, len(ms)-1)
}

// Len is the number of moves listed.
func (p MovesPane) Len() int { return len(p.moves) }

// SetSize sets the pane's outer size, border included.
func (p *MovesPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.keepCursor()
}

// Focus gives the pane the keys.
func (p *MovesPane) Focus() { p.focused = true }

// Blur takes them away.
func (p *MovesPane) Blur() { p.focused = false }

// Focused reports whether the pane has the keys.
func (p MovesPane) Focused() bool { return p.focused }

// Selected is the move under the cursor.
func (p MovesPane) Selected() (model.Move, bool) {
	if p.cursor < 0 || p.cursor >= len(p.moves) {
		return model.Move{}, false
	}
	return p.moves[p.cursor], true
}

func (p MovesPane) rows() int { return max(p.height-2, 0) }

// keepCursor clamps the cursor, remembers its move and scrolls it into view.
func (p *MovesPane) keepCursor() {
	n, h := len(p.moves), p.rows()
	p.cursor = clamp(p.cursor, 0, n-1)
	if p.cursor < n {
		p.cursorID = p.moves[p.cursor].ID
	}
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if h > 0 && p.cursor >= p.offset+h {
		p.offset = p.cursor - h + 1
	}
	p.offset = clamp(p.offset, 0, max(n-h, 0))
}

// Update handles the keys while the pane is focused.
func (p MovesPane) Update(msg tea.Msg) (MovesPane, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || !p.focused {
		return p, nil
	}
	keys := p.common.KeyMap
	page := max(p.rows(), 1)
	switch {
	case key.Matches(km, keys.Up):
		p.cursor--
	case key.Matches(km, keys.Down):
		p.cursor++
	case key.Matches(km, keys.PageUp):
		p.cursor -= page
	case key.Matches(km, keys.PageDown):
		p.cursor += page
	case key.Matches(km, keys.Home):
		p.cursor = 0
	case key.Matches(km, keys.End):
		p.cursor = len(p.moves) - 1
	case key.Matches(km, keys.Open):
		if mv, ok := p.Selected(); ok {
			id := mv.ID
			return p, func() tea.Msg { return openMovesMsg{id: id} }
		}
	case key.Matches(km, keys.CancelMove):
		if mv, ok := p.Selected(); ok {
			return p, askToCancel(mv)
		}
	}
	p.keepCursor()
	return p, nil
}

// askToCancel asks the root to confirm cancelling mv, or says why it cannot be cancelled.
func askToCancel(mv model.Move) tea.Cmd {
	var text string
	switch {
	case mv.State == model.MoveCancelling:
		text = fmt.Sprintf("%s %s is being cancelled already", mv.ID, clean(mv.VMName))
	case !mv.State.Active():
		text = fmt.Sprintf("%s %s has ended (%s): nothing to cancel", mv.ID, clean(mv.VMName), mv.State)
	default:
		return func() tea.Msg { return askCancelMsg{move: mv} }
	}
	return func() tea.Msg { return flashMsg{text: text} }
}

// ShortHelp is the pane's part of the help bar.
func (p MovesPane) ShortHelp() []key.Binding {
	k := p.common.KeyMap
	return []key.Binding{k.Up, k.Down, k.CancelMove, k.Moves}
}

// FullHelp is the pane's part of the full help.
func (p MovesPane) FullHelp() [][]key.Binding {
	k := p.common.KeyMap
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{withDesc(k.Open, "move in detail"), k.CancelMove, k.Moves, k.History},
	}
}

// View draws the pane: its title counts the moves, a row per move that fits, the active
// ones first. Its cost depends on its size, not on the number of moves.
func (p MovesPane) View() string {
	w, h := max(p.width-2, 0), p.rows()
	offset := 0
	if p.focused {
		offset = clamp(p.offset, 0, max(len(p.moves)-h, 0))
		if p.cursor >= offset+h {
			offset = max(p.cursor-h+1, 0)
		}
	}
	end := min(offset+h, len(p.moves))
	body := make([]string, 0, h)
	for i := offset; i < end; i++ {
		cur := p.focused && i == p.cursor
		body = append(body, moveRow(p.common, p.moves[i], p.cols, p.letters, cur, p.focused, w))
	}
	footer := ""
	switch {
	case p.focused && len(p.moves) > 0:
		footer = fmt.Sprintf("%d/%d", p.cursor+1, len(p.moves))
	case len(p.moves) > end:
		footer = fmt.Sprintf("%d more · %s all", len(p.moves)-end, p.common.KeyMap.Moves.Help().Key)
	}
	if pl := p.planLine(); pl != "" {
		// The plan first; cut so that the position or "more" still shows.
		if footer != "" {
			if room := p.width - 2 - 4 - ansi.StringWidth(footer) - 2; room >= 12 {
				footer = cut(pl, room) + "  " + footer
			}
		} else {
			footer = pl
		}
	}
	return frame{styles: p.common.Styles, focused: p.focused, title: p.title(), footer: footer}.render(p.width, p.height, body)
}
