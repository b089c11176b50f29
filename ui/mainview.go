package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
)

// focusFabric is mainView.focus when the fabric pane has the keys (on narrow terminals it
// then opens in full over the sites), and focusMoves when the moves pane has them.
const (
	focusFabric = 2
	focusMoves  = 3
)

// siteMinH is the least height of a site pane under which the moves pane gives up rows:
// its border, the status line, the column headings and four VMs.
const siteMinH = 8

// movesMinRows is how many moves the pane shows at least, when there are that many and the
// site panes can spare the lines; on taller terminals it gets a sixth of the height.
const movesMinRows = 3

// mainView is the bottom of the view stack: the two site panes side by side, the DCI
// fabric (a column on wide terminals, a strip under the sites on narrow ones) and, once a
// move exists, the moves pane across the width under the sites.
type mainView struct {
	common   Common
	sites    [2]SitePane
	fabric   FabricPane
	moves    MovesPane
	focus    int // index into sites, focusFabric or focusMoves
	lastSite int // the site pane focused last: where the keys go back from the other panes
	width    int
	height   int
	wide     bool // fabric in its own column
	movesH   int  // lines the moves pane takes (0: not shown)
}

func newMainView(c Common) mainView {
	m := mainView{common: c, sites: [2]SitePane{NewSitePane(c, 0), NewSitePane(c, 1)}, fabric: NewFabricPane(c), moves: NewMovesPane(c)}
	m.sites[0].Focus()
	return m
}

// Title names the view.
func (m *mainView) Title() string { return "the sites" }

// applyState shows s in every pane. The fabric pane derives the VLAN marks; a site pane
// whose site did not change (and whose marks did not) does nothing. Selected VMs that left
// their site come back as one selectionLeftMsg, for the flash line.
func (m *mainView) applyState(s model.State) tea.Cmd {
	m.fabric.SetState(s)
	m.moves.SetGovernor(s.Governor)
	marks := m.fabric.marks()
	var left []siteLeft
	for i := range m.sites {
		if names := m.sites[i].SetState(s, marks); len(names) > 0 {
			left = append(left, siteLeft{site: m.sites[i].title(), names: names})
		}
	}
	if len(left) == 0 {
		return nil
	}
	msg := selectionLeftMsg{left: left}
	return func() tea.Msg { return msg }
}

// setMoves shows ms in the moves pane, which appears with the first move; the panes are
// laid out again when it grows.
func (m *mainView) setMoves(ms []model.Move, letters map[model.SiteID]string) {
	had := m.moves.Len()
	m.moves.SetMoves(ms, letters)
	if m.moves.Len() != had {
		m.SetSize(m.width, m.height)
	}
}

// unselect drops the VMs from the selection of the site pane that shows their site.
func (m *mainView) unselect(keys []model.VMKey) {
	for i := range m.sites {
		m.sites[i].unselect(keys)
	}
}

// selection is what the site pane with the keys (or the one that had them last, when the
// fabric pane has them) has selected: its site, and the selected VMs in list order. It is
// what a move from that site would take.
func (m *mainView) selection() (model.SiteSnapshot, []model.VM) {
	p := m.site()
	site, _ := p.Site()
	return site, p.Selection()
}

// Update handles the ticks and the keys the root left to the lists.
func (m *mainView) Update(msg tea.Msg) (View, tea.Cmd) {
	switch msg := msg.(type) {
	case tickMsg:
		// The fabric pane may have to rebuild its scrolled content when the clock turns
		// its data stale.
		var cmd tea.Cmd
		m.fabric, cmd = m.fabric.Update(msg)
		return m, cmd
	case tea.KeyMsg:
		return m, m.onKey(msg)
	}
	return m, m.toFocused(msg)
}

func (m *mainView) onKey(msg tea.KeyMsg) tea.Cmd {
	keys := m.common.KeyMap
	if m.filtering() {
		return m.toFocused(msg) // a focused text input gets the keys alone
	}
	switch {
	case key.Matches(msg, keys.NextPane):
		m.cycleFocus(1)
		return nil
	case key.Matches(msg, keys.PrevPane):
		m.cycleFocus(-1)
		return nil
	case m.focus >= len(m.sites) && key.Matches(msg, keys.Filter):
		// The fabric and moves panes have no filter: / filters the site pane the keys came
		// from, so "/vlan120" finds the VMs on a VLAN a finding names (and "q" in it is a
		// letter).
		m.setFocus(m.lastSite)
		return m.toFocused(msg)
	}
	return m.toFocused(msg)
}

// filtering reports whether the focused pane is a site pane typing a filter.
func (m *mainView) filtering() bool {
	return m.focus < len(m.sites) && m.sites[m.focus].Filtering()
}

// site is the site pane the keys go to, or went to last when another pane has them.
func (m *mainView) site() *SitePane { return &m.sites[m.lastSite] }

// toFocused hands msg to the focused pane.
func (m *mainView) toFocused(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch m.focus {
	case focusFabric:
		m.fabric, cmd = m.fabric.Update(msg)
	case focusMoves:
		m.moves, cmd = m.moves.Update(msg)
	default:
		m.sites[m.focus], cmd = m.sites[m.focus].Update(msg)
	}
	return cmd
}

// cycleFocus gives the keys to the next pane (d = 1) or the previous one (d = -1), counting
// round: site A, site B, the fabric pane (on narrow terminals it then opens in full over
// the sites), the moves pane while it is shown.
func (m *mainView) cycleFocus(d int) {
	order := []int{0, 1, focusFabric}
	if m.movesHeight(m.width, m.height) > 0 { // shown, or would be once the fabric is not in full
		order = append(order, focusMoves)
	}
	at := 0
	for i, f := range order {
		if f == m.focus {
			at = i
		}
	}
	n := len(order)
	m.setFocus(order[((at+d)%n+n)%n])
}

// setFocus gives the keys to pane i: 0 or 1 (a site pane), focusFabric or focusMoves.
func (m *mainView) setFocus(i int) {
	switch m.focus {
	case focusFabric:
		m.fabric.Blur()
	case focusMoves:
		m.moves.Blur()
	default:
		m.sites[m.focus].Blur()
	}
	m.focus = i
	switch i {
	case focusFabric:
		m.fabric.Focus()
	case focusMoves:
		m.moves.Focus()
	default:
		m.sites[i].Focus()
		m.lastSite = i
	}
	m.SetSize(m.width, m.height) // the fabric's size depends on whether it has the keys
}

// movesHeight is the height of the moves pane in a main view of w x h with the sites on
// screen (0: no moves, or no room for even one).
func (m *mainView) movesHeight(w, h int) int {
	n := m.moves.Len()
	if n == 0 {
		return 0
	}
	stripH := 1
	if w >= WideWidth {
		stripH = 0
	}
	room := h - stripH - siteMinH
	if room < 3 {
		return 0
	}
	return min(2+min(n, max(movesMinRows, h/6)), room)
}

// scrollToTop shows each list from its top, the cursor on screen.
func (m *mainView) scrollToTop() {
	for i := range m.sites {
		m.sites[i].offset = 0
		m.sites[i].ensureVisible()
	}
}

// fabricFull reports whether the fabric pane takes the whole view: focused on a terminal
// too narrow for its column.
func (m *mainView) fabricFull() bool { return !m.wide && m.focus == focusFabric }

// SetSize lays the panes out in w x h: on wide terminals the fabric gets a column of a
// quarter of the width; on narrow ones a one-line strip under the sites, or the whole view
// while it has the keys. The moves pane, once there are moves, goes across the width under
// the sites (and the fabric column): a row per move, at most a sixth of the height but at
// least movesMinRows, never taking a site pane below siteMinH. A focused moves pane that
// no longer fits gives the keys back to the site pane focused last.
func (m *mainView) SetSize(w, h int) {
	m.width, m.height = w, h
	m.wide = w >= WideWidth
	stripH := 1
	if m.wide {
		stripH = 0
	}
	m.movesH = 0
	if !m.fabricFull() {
		m.movesH = m.movesHeight(w, h)
	}
	if m.focus == focusMoves && m.movesH == 0 {
		m.moves.Blur()
		m.focus = m.lastSite
		m.sites[m.focus].Focus()
	}
	m.moves.SetSize(w, m.movesH)
	paneH, sitesW := h-stripH-m.movesH, w
	switch {
	case m.wide:
		fw := clamp(w/4, fabricMinW, fabricMaxW)
		sitesW = w - fw
		m.fabric.SetSize(fw, paneH)
	case m.fabricFull():
		m.fabric.SetSize(w, h)
	}
	a := sitesW / 2
	m.sites[0].SetSize(a, paneH)
	m.sites[1].SetSize(sitesW-a, paneH)
}

// evacuateHelpWidth is the width from which the help bar has room for E besides ? and q.
const evacuateHelpWidth = 150

// ShortHelp is the focused pane's keys, then the view's.
func (m *mainView) ShortHelp() []key.Binding {
	switch m.focus {
	case focusFabric:
		return append(m.fabric.ShortHelp(), m.common.KeyMap.NextPane)
	case focusMoves:
		return append(m.moves.ShortHelp(), m.common.KeyMap.NextPane)
	}
	short := m.sites[m.focus].ShortHelp()
	if !m.filtering() {
		if m.wide {
			// Room for it from 120 columns; on narrower terminals ? lists it with the other
			// selection keys, and the bar keeps ? and q.
			short = append(short, m.common.KeyMap.Select, m.common.KeyMap.Review)
			if m.width >= evacuateHelpWidth {
				short = append(short, m.common.KeyMap.Evacuate)
			}
			if m.moves.Len() > 0 {
				short = append(short, m.common.KeyMap.Moves)
			}
		}
		short = append(short, m.common.KeyMap.NextPane)
	}
	return short
}

// FullHelp is the focused pane's keys, then the view's.
func (m *mainView) FullHelp() [][]key.Binding {
	k := m.common.KeyMap
	var full [][]key.Binding
	switch m.focus {
	case focusFabric:
		full = m.fabric.FullHelp()
	case focusMoves:
		return append(m.moves.FullHelp(), []key.Binding{k.NextPane, k.PrevPane, k.Refresh, k.Reconnect})
	default:
		full = m.sites[m.focus].FullHelp()
	}
	return append(full, []key.Binding{k.Review, k.Moves, k.History, k.NextPane, k.PrevPane, k.Refresh, k.Reconnect})
}

// View draws the panes side by side, and the strip under them on narrow terminals (or the
// fabric pane alone, when it has the keys there).
func (m *mainView) View() string {
	if m.fabricFull() {
		return m.fabric.View()
	}
	a := strings.Split(m.sites[0].View(), "\n")
	b := strings.Split(m.sites[1].View(), "\n")
	var f []string
	paneH := m.height - 1 - m.movesH
	if m.wide {
		f = strings.Split(m.fabric.View(), "\n")
		paneH = m.height - m.movesH
	}
	lines := make([]string, 0, m.height)
	for i := 0; i < paneH; i++ {
		line := at(a, i) + at(b, i)
		if m.wide {
			line += at(f, i)
		}
		lines = append(lines, line)
	}
	if m.movesH > 0 {
		lines = append(lines, strings.Split(m.moves.View(), "\n")...)
	}
	if !m.wide {
		lines = append(lines, m.fabric.StripView(m.width))
	}
	return strings.Join(lines, "\n")
}
