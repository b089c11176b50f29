package ui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
)

// scrollKey moves a view's viewport with the console's keys: up, down and the pages through
// the viewport's own key map (viewportKeys), home and end here.
func scrollKey(c Common, vp viewport.Model, msg tea.KeyMsg) (viewport.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, c.KeyMap.Home):
		vp.GotoTop()
		return vp, nil
	case key.Matches(msg, c.KeyMap.End):
		vp.GotoBottom()
		return vp, nil
	}
	return vp.Update(msg)
}

// scrollFooter is how far down a viewport is ("40%"), or "" when it all fits.
func scrollFooter(vp viewport.Model) string {
	if vp.Height <= 0 || vp.TotalLineCount() <= vp.Height {
		return ""
	}
	return fmt.Sprintf("%d%%", int(vp.ScrollPercent()*100+0.5))
}

// scrollOffset is a hand-drawn list's first line after msg, one of the console's scrolling
// keys (a line, a page of page lines, home, end), clamped to 0..last. Other keys leave it.
func scrollOffset(c Common, msg tea.KeyMsg, offset, page, last int) int {
	keys := c.KeyMap
	page = max(page, 1)
	switch {
	case key.Matches(msg, keys.Up):
		offset--
	case key.Matches(msg, keys.Down):
		offset++
	case key.Matches(msg, keys.PageUp):
		offset -= page
	case key.Matches(msg, keys.PageDown):
		offset += page
	case key.Matches(msg, keys.Home):
		offset = 0
	case key.Matches(msg, keys.End):
		offset = last
	}
	return clamp(offset, 0, last)
}
