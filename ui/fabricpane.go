package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// FabricPane will show the health of the DCI (the Layer-2 interconnect between the sites)
// once the switch monitor exists. Until then it says so rather than pretend.
type FabricPane struct {
	common Common
	width  int
	height int
}

const (
	fabricTitle   = "DCI fabric"
	fabricMissing = "switch monitor not configured"
	fabricLater   = "Trunk, VLAN and RTT health of the interconnect will show here once its switches are configured."
)

// NewFabricPane returns the fabric pane.
func NewFabricPane(c Common) FabricPane { return FabricPane{common: c} }

// SetSize sets the pane's outer size, border included.
func (f *FabricPane) SetSize(w, h int) { f.width, f.height = w, h }

// Update does nothing yet: the pane has no keys and no data.
func (f FabricPane) Update(tea.Msg) (FabricPane, tea.Cmd) { return f, nil }

// View is the pane as a box, for wide terminals.
func (f FabricPane) View() string {
	st := f.common.Styles
	w := max(f.width-2, 0)
	var body []string
	for _, l := range strings.Split(ansi.Wordwrap("! "+fabricMissing, w, ""), "\n") {
		body = append(body, st.FabricNote.Render(cut(l, w)))
	}
	body = append(body, "")
	for _, l := range strings.Split(ansi.Wordwrap(fabricLater, w, ""), "\n") {
		body = append(body, st.FabricMuted.Render(cut(l, w)))
	}
	return frame{styles: st, title: fabricTitle}.render(f.width, f.height, body)
}

// StripView is the pane as one line of w cells, for narrow terminals.
func (f FabricPane) StripView(w int) string {
	st := f.common.Styles
	return fit(st.StripLabel.Render(" "+fabricTitle+" ")+st.FabricNote.Render(" ! "+fabricMissing), w)
}

// ShortHelp is empty: the pane has no keys yet.
func (f FabricPane) ShortHelp() []key.Binding { return nil }

// FullHelp is empty: the pane has no keys yet.
func (f FabricPane) FullHelp() [][]key.Binding { return nil }
