package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/keymap"
	"github.com/vmcross/vmcross/themes"
)

// confirmPrompt is a yes/no question asked in the flash line's place, over the help bar,
// so that what it is about stays on screen: "Cancel mv-4 web-01 (A→B, 62%)? Its VM stays
// at site-a." While it is asked it has the keys alone: y (confirm_yes) answers it, n or esc
// (confirm_no) drops it, ctrl+c quits; every other key is ignored, so that no stray key
// answers it.
type confirmPrompt struct {
	question string
	yesDesc  string // what y does, for the help bar
	noDesc   string
	// yes runs when the operator answers y; it may find the question moot by then.
	yes func(m *Model) tea.Cmd
}

// keys are the answers, for the help bar.
func (c *confirmPrompt) keys(k *keymap.KeyMap) []key.Binding {
	return []key.Binding{withDesc(k.ConfirmYes, c.yesDesc), withDesc(k.ConfirmNo, c.noDesc)}
}

func (c *confirmPrompt) render(st *themes.Styles, w int) string {
	return st.FlashError.Render(cut(c.question, w))
}

// onConfirmKey answers the question, or ignores the key.
func (m Model) onConfirmKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	keys := m.common.KeyMap
	switch {
	case key.Matches(msg, keys.ConfirmYes):
		c := m.confirm
		m.confirm = nil
		cmd := c.yes(&m)
		m.relayout()
		return m, cmd
	case key.Matches(msg, keys.ConfirmNo):
		m.confirm = nil
		m.relayout()
	}
	return m, nil
}

// askCancel asks whether to cancel mv. Only an operator's session asks: a viewer's has no
// cancel key, and the engine would refuse it anyway.
func (m Model) askCancel(mv model.Move) (tea.Model, tea.Cmd) {
	if !m.common.KeyMap.CancelMove.Enabled() {
		return m, nil
	}
	letters := siteLetters(m.state)
	where := routeOf(letters, mv)
	if mv.State != model.MoveQueued {
		where += fmt.Sprintf(", %d%%", clamp(mv.Progress, 0, 100))
	}
	id, name := mv.ID, clean(mv.VMName)
	m.confirm = &confirmPrompt{
		question: fmt.Sprintf("Cancel %s %s (%s)? Its VM stays at %s.", id, name, where, clean(string(mv.From))),
		yesDesc:  "cancel the move",
		noDesc:   "keep it",
		yes: func(m *Model) tea.Cmd {
			// The move may have ended while the question was asked.
			for _, now := range m.moves() {
				if now.ID == id && !now.State.Active() {
					m.flash = flash{text: fmt.Sprintf("%s %s has ended (%s): nothing to cancel", id, name, now.State), until: m.common.Now().Add(flashFor)}
					return nil
				}
			}
			who, e := m.common.Operator, m.engine
			return m.command(model.CmdCancelMove, id+" "+name, func(ctx context.Context) error {
				return e.CancelMove(ctx, who, id)
			})
		},
	}
	m.relayout()
	return m, nil
}

// migrateDoneMsg is how a request to start the moves a review approved ended.
type migrateDoneMsg struct {
	view *ReviewView // the review that asked
	res  model.MigrateResult
	err  error
}

// onMigrated shows how starting moves went: on the flash line always; in the review while
// nothing was queued (it stays open, saying why); with moves queued, the review closes,
// their VMs leave the selection and the moves pane shows them at once.
func (m Model) onMigrated(msg migrateDoneMsg) (tea.Model, tea.Cmd) {
	at := -1
	for i, v := range m.overlays {
		if r, ok := v.(*ReviewView); ok && r == msg.view {
			at = i
		}
	}
	var cmd tea.Cmd
	if at >= 0 {
		m.overlays = append([]View(nil), m.overlays...)
		m.overlays[at], cmd = m.overlays[at].Update(msg)
	}
	now := m.common.Now()
	switch {
	case msg.err != nil:
		m.flash = flash{text: "✗ nothing was started: " + oneLine(msg.err.Error()), bad: true, until: now.Add(flashFor)}
	case len(msg.res.Moves) == 0:
		m.flash = flash{text: "✗ nothing was started: " + skippedText(msg.res.Skipped), bad: true, until: now.Add(flashFor)}
	default:
		text := fmt.Sprintf("%s queued (%s)", plural(len(msg.res.Moves), "move"), movedIDs(msg.res.Moves))
		if len(msg.res.Skipped) > 0 {
			text += fmt.Sprintf("; %d skipped: %s", len(msg.res.Skipped), skippedText(msg.res.Skipped))
		}
		m.flash = flash{text: text, until: now.Add(flashFor)}
		if at >= 0 {
			m.overlays = append(m.overlays[:at:at], m.overlays[at+1:]...)
		}
		m.pending = append(notIn(m.pending, msg.res.Moves), notIn(msg.res.Moves, m.state.Moves)...)
		keys := make([]model.VMKey, len(msg.res.Moves))
		for i, mv := range msg.res.Moves {
			keys[i] = mv.VM
		}
		m.main.unselect(keys)
		cmd = tea.Batch(cmd, m.applyMoves())
	}
	m.relayout()
	return m, cmd
}

// skippedText names the VMs a request left out, each with why: "web-03 (blocked:
// FT_ENABLED), web-04 (warnings not acknowledged: SNAPSHOTS 3 snapshots)".
func skippedText(ss []model.MoveSkipped) string {
	if len(ss) == 0 {
		return "no VM was queued"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		name := clean(s.Name)
		if name == "" {
			name = clean(s.VM.MoRef)
		}
		parts[i] = name
		if why := oneLine(s.Reason); why != "" {
			parts[i] += " (" + why + ")"
		}
	}
	return strings.Join(parts, ", ")
}
