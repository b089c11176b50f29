package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
)

// subscribedMsg carries the state channel once the subscription is open.
type subscribedMsg struct{ ch <-chan model.State }

// stateMsg is a new State from the engine.
type stateMsg struct{ state model.State }

// streamClosedMsg says the engine closed the state channel (the session's context ended).
type streamClosedMsg struct{}

// tickMsg redraws once a second: ages ("disconnected 5m", "polled 3s ago") move on, and fabric
// data turns stale, marks and all, when the engine has sent no new State for too long.
type tickMsg struct{}

// subscribe opens the state subscription off the Update goroutine.
func subscribe(ctx context.Context, e Engine) tea.Cmd {
	return func() tea.Msg { return subscribedMsg{ch: e.Subscribe(ctx)} }
}

// waitForState delivers the next State; Update re-arms it after each one (bubbletea's
// examples/realtime pattern), so at most one read is ever pending.
func waitForState(ch <-chan model.State) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return streamClosedMsg{}
		}
		return stateMsg{state: s}
	}
}

// tick fires once, a second from now.
func tick() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tickMsg{} })
}
