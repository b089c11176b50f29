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
