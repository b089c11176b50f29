package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/themes"
)

// commandTimeout bounds one command sent to the engine from a key.
const commandTimeout = 15 * time.Second

// flashFor is how long a command's outcome stays over the help bar.
const flashFor = 6 * time.Second

// commandDoneMsg is how a command sent from a key ended.
type commandDoneMsg struct {
	cmd    model.Command
	object string
	err    error
}

// command runs do (a call into the engine) off the Update goroutine and reports how it
// ended.
func (m Model) command(c model.Command, object string, do func(context.Context) error) tea.Cmd {
	parent := m.common.Ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, commandTimeout)
		defer cancel()
		return commandDoneMsg{cmd: c, object: object, err: do(ctx)}
	}
}

// flash is the one line that says how the last command went: a failure always, a success
// only for commands whose effect is not visible at once (a reconnect, a cancel).
type flash struct {
	text  string
	bad   bool
	until time.Time
}

func newFlash(msg commandDoneMsg, now time.Time) flash {
	f := flash{until: now.Add(flashFor)}
	switch {
	case msg.err != nil:
		f.text, f.bad = "✗ "+string(msg.cmd)+" "+msg.object+": "+sentence(msg.err.Error()), true
	case msg.cmd == model.CmdReconnectSite:
		f.text = "◌ " + msg.object + ": new vCenter session requested; the site pane shows it reconnect"
	case msg.cmd == model.CmdCancelMove:
		f.text = "◌ " + msg.object + ": cancel sent; the move ends once vCenter has cancelled its task"
	}
	return f
}

func (f flash) render(st *themes.Styles, w int) string {
	if f.bad {
		return st.FlashError.Render(cut(f.text, w))
	}
	return st.FlashInfo.Render(cut(f.text, w))
}
