package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
)

// focusFabric is mainView.focus when the fabric pane has the keys, which it can have only
// on wide terminals: the strip of narrow ones is not a pane.
const focusFabric = 2

// mainView is the bottom of the view stack: the two site panes side by side and the DCI
// fabric (a column on wide terminals, a strip under the sites on narrow ones).
type mainView struct {
	common   Common
	sites    [2]SitePane
	fabric   FabricPane
	focus    int // index into sites, or focusFabric
	lastSite int // the site pane focused last: where the keys go back from the fabric pane
	width    int
	height   int
	wide     bool // fabric in its own column
}

func newMainView(c Common) mainView {
	m := mainView{common: c, sites: [2]SitePane{NewSitePane(c, 0), NewSitePane(c, 1)}, fabric: NewFabricPane(c)}
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
		m.setFocus(m.focus + 1)
		return nil
	case key.Matches(msg, keys.PrevPane):
		m.setFocus(m.focus - 1)
		return nil
	case m.focus == focusFabric && key.Matches(msg, keys.Filter):
		// The fabric pane has no filter: / filters the site pane the keys came from, so
		// "/vlan120" finds the VMs on a VLAN a finding names (and "q" in it is a letter).
		m.setFocus(m.lastSite)
		return m.toFocused(msg)
	}
	return m.toFocused(msg)
}

// filtering reports whether the focused pane is a site pane typing a filter.
func (m *mainView) filtering() bool {
	return m.focus < len(m.sites) && m.sites[m.focus].Filtering()
}

// site is the site pane the keys go to, or went to last when the fabric pane has them.
func (m *mainView) site() *SitePane { return &m.sites[m.lastSite] }

// toFocused hands msg to the focused pane.
func (m *mainView) toFocused(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	if m.focus == focusFabric {
		m.fabric, cmd = m.fabric.Update(msg)
		return cmd
	}
	m.sites[m.focus], cmd = m.sites[m.focus].Update(msg)
	return cmd
}

// setFocus gives the keys to pane i, counting round: site A, site B, the fabric pane (on
// narrow terminals the fabric then opens in full over the sites).
func (m *mainView) setFocus(i int) {
	n := len(m.sites) + 1
	if m.focus == focusFabric {
		m.fabric.Blur()
	} else {
		m.sites[m.focus].Blur()
	}
	m.focus = ((i % n) + n) % n
	if m.focus == focusFabric {
		m.fabric.Focus()
	} else {
		m.sites[m.focus].Focus()
		m.lastSite = m.focus
	}
	m.SetSize(m.width, m.height) // the fabric's size depends on whether it has the keys
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
// while it has the keys.
func (m *mainView) SetSize(w, h int) {
	m.width, m.height = w, h
	m.wide = w >= WideWidth
	paneH, sitesW := h-1, w
	switch {
	case m.wide:
		paneH = h
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

// ShortHelp is the focused pane's keys, then the view's.
func (m *mainView) ShortHelp() []key.Binding {
	if m.focus == focusFabric {
		return append(m.fabric.ShortHelp(), m.common.KeyMap.NextPane)
	}
	short := m.sites[m.focus].ShortHelp()
	if !m.filtering() {
		if m.wide {
			// Room for it from 120 columns; on narrower terminals ? lists it with the other
			// selection keys, and the bar keeps ? and q.
			short = append(short, m.common.KeyMap.Select, m.common.KeyMap.Review)
		}
		short = append(short, m.common.KeyMap.NextPane)
	}
	return short
}

// FullHelp is the focused pane's keys, then the view's.
func (m *mainView) FullHelp() [][]key.Binding {
	k := m.common.KeyMap
	var full [][]key.Binding
	if m.focus == focusFabric {
		full = m.fabric.FullHelp()
	} else {
		full = m.sites[m.focus].FullHelp()
	}
	return append(full, []key.Binding{k.Review, k.NextPane, k.PrevPane, k.Refresh, k.Reconnect})
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
	paneH := m.height - 1
	if m.wide {
		f = strings.Split(m.fabric.View(), "\n")
		paneH = m.height
	}
	lines := make([]string, 0, m.height)
	for i := 0; i < paneH; i++ {
		line := at(a, i) + at(b, i)
		if m.wide {
			line += at(f, i)
		}
		lines = append(lines, line)
	}
	if !m.wide {
		lines = append(lines, m.fabric.StripView(m.width))
	}
	return strings.Join(lines, "\n")
}
