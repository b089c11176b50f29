// Package ui is the vmcross console: two site panes side by side, the DCI fabric's health
// (a column on wide terminals, which takes the focus and scrolls like the site panes; a strip
// on narrow ones), a help bar. It reaches the back end only through Engine, and receives its
// States as messages; nothing in Update or View blocks.
package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
)

// Engine is what the console needs from the back end. backend.Engine satisfies it; tests
// use a fake.
type Engine interface {
	// Snapshot is the current State. It is immutable and cheap to get.
	Snapshot() model.State
	// Subscribe delivers the latest State after each change, coalesced; the channel is
	// closed when ctx ends.
	Subscribe(ctx context.Context) <-chan model.State
	// RefreshFabric asks for a poll of every switch now. It does not wait for it: the
	// result arrives as a State like any other.
	RefreshFabric()
}

// The smallest terminal the console draws in, and the width from which the fabric pane gets
// a column of its own instead of a strip under the sites.
const (
	MinWidth  = 60
	MinHeight = 15
	WideWidth = 120
)

// Fabric column width on wide terminals: a quarter of the width, within these bounds.
const (
	fabricMinW = 34
	fabricMaxW = 48
)

// focusFabric is Model.focus when the fabric pane has the keys, which it can have only on
// wide terminals: the strip of narrow ones is not a pane.
const focusFabric = 2

// Model is the console's root: it routes keys, sizes and States to the panes, and lays
// them out. Build it with New.
type Model struct {
	common Common
	engine Engine
	cancel context.CancelFunc
	states <-chan model.State // nil until subscribed, and after the engine closed it
	gen    uint64             // Gen of the newest State shown

	sites    [2]SitePane
	fabric   FabricPane
	focus    int // index into sites, or focusFabric
	lastSite int // the site pane focused last: where the keys go back from the fabric pane
	help     help.Model
	lay      layout
}

// layout is where things go at the current size; set by relayout, read by View.
type layout struct {
	tooSmall bool
	wide     bool // fabric in its own column
	paneH    int
	helpH    int
}

// New builds the console for one session. It reads the engine's current State so the first
// frame has content; further States arrive through a subscription opened by Init.
func New(engine Engine, opts Options) Model {
	c := NewCommon(opts)
	ctx, cancel := context.WithCancel(c.Ctx)
	c.Ctx = ctx
	h := help.New()
	h.Styles = c.Styles.Help
	m := Model{
		common: c,
		engine: engine,
		cancel: cancel,
		sites:  [2]SitePane{NewSitePane(c, 0), NewSitePane(c, 1)},
		fabric: NewFabricPane(c),
		help:   h,
	}
	m.sites[0].Focus()
	m.applyState(engine.Snapshot())
	return m
}

// Init opens the state subscription and starts the clock that ages "disconnected 5m" and the
// fabric's poll ages (and turns fabric data stale when no new State comes).
func (m Model) Init() tea.Cmd {
	return tea.Batch(subscribe(m.common.Ctx, m.engine), tick())
}

// Update routes: global keys and sizes here, States to every site pane, other keys to the
// focused pane.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return m.onResize(msg), nil
	case subscribedMsg:
		m.states = msg.ch
		return m, waitForState(m.states)
	case stateMsg:
		m.applyState(msg.state)
		return m, waitForState(m.states)
	case streamClosedMsg:
		m.states = nil
		return m, nil
	case tickMsg:
		// View reads the clock; the fabric pane may have to rebuild its scrolled content
		// when the clock turns its data stale.
		var cmd tea.Cmd
		m.fabric, cmd = m.fabric.Update(msg)
		return m, tea.Batch(cmd, tick())
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			return m.onKeys(msg.Runes)
		}
		return m.onKey(msg)
	}
	return m.toFocused(msg)
}

// onKeys handles runes that arrived together. bubbletea v1 reads keys typed faster than it
// reads (a slow SSH link, tmux send-keys) as one KeyMsg; "/sql" must still open the filter
// and type "sql", so each rune is handled as its own key.
func (m Model) onKeys(runes []rune) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	var next tea.Model = m
	for _, r := range runes {
		var cmd tea.Cmd
		next, cmd = next.(Model).onKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		cmds = append(cmds, cmd)
	}
	return next, tea.Batch(cmds...)
}

func (m Model) onResize(msg tea.WindowSizeMsg) Model {
	m.common.Width, m.common.Height = msg.Width, msg.Height
	m.relayout()
	return m
}

// applyState shows s, unless a newer State is already shown (Gen only grows).
func (m *Model) applyState(s model.State) {
	if s.Gen < m.gen {
		return
	}
	m.gen = s.Gen
	m.fabric.SetState(s)
	marks := m.fabric.marks()
	for i := range m.sites {
		m.sites[i].SetState(s, marks)
	}
}

func (m Model) onKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	keys := m.common.KeyMap
	if key.Matches(msg, keys.ForceQuit) {
		return m.quit()
	}
	// A focused text input gets the keys alone: q is a letter there.
	if m.filtering() {
		return m.toFocused(msg)
	}
	switch {
	case key.Matches(msg, keys.Quit):
		return m.quit()
	case key.Matches(msg, keys.Refresh):
		return m, m.refresh
	case key.Matches(msg, keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.relayout()
		return m, nil
	case key.Matches(msg, keys.NextPane):
		m.setFocus(m.focus + 1)
		m.relayout() // the help bar is the focused pane's
		return m, nil
	case key.Matches(msg, keys.PrevPane):
		m.setFocus(m.focus - 1)
		m.relayout()
		return m, nil
	case m.focus == focusFabric && key.Matches(msg, keys.Filter):
		// The fabric pane has no filter: / filters the site pane the keys came from, so
		// "/vlan120" finds the VMs on a VLAN a finding names (and "q" in it is a letter).
		m.setFocus(m.lastSite)
		m.relayout()
		return m.toFocused(msg)
	}
	return m.toFocused(msg)
}

// filtering reports whether the focused pane is a site pane typing a filter.
func (m Model) filtering() bool {
	return m.focus < len(m.sites) && m.sites[m.focus].Filtering()
}

// toFocused hands msg to the focused pane.
func (m Model) toFocused(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	if m.focus == focusFabric {
		m.fabric, cmd = m.fabric.Update(msg)
		return m, cmd
	}
	m.sites[m.focus], cmd = m.sites[m.focus].Update(msg)
	return m, cmd
}

// refresh asks the engine for a poll of the switches; it runs as a command, never in Update.
func (m Model) refresh() tea.Msg {
	m.engine.RefreshFabric()
	return nil
}

func (m Model) quit() (tea.Model, tea.Cmd) {
	m.cancel() // ends the subscription; the engine closes the channel
	return m, tea.Quit
}

// setFocus gives the keys to pane i, counting round: site A, site B, and on wide terminals
// the fabric pane.
func (m *Model) setFocus(i int) {
	n := len(m.sites)
	if m.lay.wide {
		n++
	}
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
}

// relayout sizes the panes for the terminal and the help bar.
func (m *Model) relayout() {
	w, h := m.common.Width, m.common.Height
	m.lay = layout{tooSmall: w < MinWidth || h < MinHeight, wide: w >= WideWidth}
	if !m.lay.wide && m.focus == focusFabric {
		m.setFocus(m.lastSite) // the fabric became the strip, which is no pane
	}
	if m.lay.tooSmall {
		return
	}
	m.help.Width = w
	m.lay.helpH = min(lineCount(m.help.View(m.helpKeys())), max(h/3, 1))
	stripH := 1
	if m.lay.wide {
		stripH = 0
	}
	m.lay.paneH = h - m.lay.helpH - stripH
	sitesW := w
	if m.lay.wide {
		fw := clamp(w/4, fabricMinW, fabricMaxW)
		sitesW = w - fw
		m.fabric.SetSize(fw, m.lay.paneH)
	}
	a := sitesW / 2
	m.sites[0].SetSize(a, m.lay.paneH)
	m.sites[1].SetSize(sitesW-a, m.lay.paneH)
}

// helpKeys is what the help bar shows: the focused pane's keys, then the global ones.
func (m Model) helpKeys() helpKeys {
	k := m.common.KeyMap
	var short []key.Binding
	var full [][]key.Binding
	if m.focus == focusFabric {
		short, full = m.fabric.ShortHelp(), m.fabric.FullHelp()
	} else {
		short, full = m.sites[m.focus].ShortHelp(), m.sites[m.focus].FullHelp()
	}
	if !m.filtering() {
		short = append(short, k.NextPane, k.Help, k.Quit)
	}
	full = append(full, []key.Binding{k.NextPane, k.PrevPane, k.Refresh, k.Help, k.Quit})
	return helpKeys{short: short, full: full}
}

// helpKeys adapts merged bindings to help.KeyMap.
type helpKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

func (h helpKeys) ShortHelp() []key.Binding  { return h.short }
func (h helpKeys) FullHelp() [][]key.Binding { return h.full }

// View draws the console: exactly the terminal's height in lines, none wider than it.
func (m Model) View() string {
	w, h := m.common.Width, m.common.Height
	if w <= 0 || h <= 0 {
		return "" // no size yet
	}
	if m.lay.tooSmall {
		msg := fmt.Sprintf("terminal too small: need %dx%d, have %dx%d", MinWidth, MinHeight, w, h)
		lines := strings.Split(blank(w, h), "\n")
		lines[0] = fit(m.common.Styles.TooSmall.Render(cut(msg, w)), w)
		return strings.Join(lines, "\n")
	}
	a := strings.Split(m.sites[0].View(), "\n")
	b := strings.Split(m.sites[1].View(), "\n")
	var f []string
	if m.lay.wide {
		f = strings.Split(m.fabric.View(), "\n")
	}
	lines := make([]string, 0, h)
	for i := 0; i < m.lay.paneH; i++ {
		line := at(a, i) + at(b, i)
		if m.lay.wide {
			line += at(f, i)
		}
		lines = append(lines, line)
	}
	if !m.lay.wide {
		lines = append(lines, m.fabric.StripView(w))
	}
	hl := strings.Split(m.help.View(m.helpKeys()), "\n")
	for i := 0; i < m.lay.helpH; i++ {
		lines = append(lines, fit(at(hl, i), w))
	}
	return strings.Join(lines, "\n")
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

func lineCount(s string) int { return strings.Count(s, "\n") + 1 }
