package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric"
)

// FabricPane shows the health of the DCI (the Layer-2 interconnect between the sites): a
// verdict, the RTT across it, the switches, the DCI trunks, the VLANs the VMs use and the
// monitor's findings. On wide terminals it is a column of its own; on narrow ones, a strip of
// one line under the sites.
//
// Unfocused, the column fits its height by priority, leaving out sections and cutting long
// lists. Focused, it shows everything, in full, and scrolls: that full content is built
// when a State, the width or the focus changes (see fabricfull.go), never in View.
type FabricPane struct {
	common Common
	width  int
	height int
	dci    *dciView // nil until the first State
	// fabricGen is the State.FabricGen dci was built from (0: unversioned, always rebuilt).
	fabricGen uint64
	focused   bool
	offset    int         // first line of the full content on screen
	full      fullContent // the full content while focused; empty otherwise
}

const (
	fabricTitle   = "DCI fabric"
	fabricMissing = "no switches configured: add switches: to the config; see README"
	trunksTitle   = "DCI TRUNKS"
	findingsTitle = "FINDINGS"
)

// Glyphs. Each state has its own character, so the pane reads the same without colour.
const (
	glyphOK      = "●"
	glyphWarn    = "▲"
	glyphBad     = "✗"
	glyphStale   = "◌"
	glyphUnknown = "?"
	glyphCarried = "✓"
	glyphInfo    = "i"
	glyphNote    = "!"
)

// Reserved lines for the sections that must stay when the pane is short: VLANs not carried
// and findings each keep this many lines before lower-priority sections get any.
const fabricReserve = 4

// maxItemLines bounds one finding or one VLAN-not-carried reason.
const maxItemLines = 3

// maxVLANListLines bounds the carried and unknown VLAN lists.
const maxVLANListLines = 3

// NewFabricPane returns the fabric pane.
func NewFabricPane(c Common) FabricPane { return FabricPane{common: c} }

// SetSize sets the pane's outer size, border included.
func (f *FabricPane) SetSize(w, h int) {
	f.width, f.height = w, h
	f.sync()
}

// SetState derives what the pane shows from s. It is linear in the inventory (the VLANs in
// use) and runs in Update, never in View. The scroll offset stays, within the new content.
func (f *FabricPane) SetState(s model.State) {
	if f.dci != nil && s.FabricGen != 0 && s.FabricGen == f.fabricGen && slices.Equal(s.VLANsInUse, f.dci.inUse) {
		return // neither the fabric nor the VLANs in use changed: the marks stay the same
	}
	f.fabricGen = s.FabricGen
	f.dci = newDCIView(s)
	f.sync()
}

// Focus gives the pane the keys: it shows its full content, scrolled where it was.
func (f *FabricPane) Focus() {
	f.focused = true
	f.sync()
}

// Blur takes the keys away: the pane goes back to fitting its height by priority.
func (f *FabricPane) Blur() {
	f.focused = false
	f.sync()
}

// Focused reports whether the pane has the keys.
func (f FabricPane) Focused() bool { return f.focused }

// sync builds the full content if the pane is focused and the content is not the one for
// its State, width and clock, and keeps the offset within it.
func (f *FabricPane) sync() {
	if !f.focused {
		f.full = fullContent{} // unfocused, the pane draws from its State in View
		return
	}
	now := f.common.Now()
	if !f.full.validAt(f.dci, f.innerWidth(), now) {
		f.full = f.buildFull(now)
	}
	f.offset = clamp(f.offset, 0, f.maxOffset())
}

func (f FabricPane) innerWidth() int  { return max(f.width-2, 0) }
func (f FabricPane) innerHeight() int { return max(f.height-2, 0) }

// maxOffset is the offset that shows the last line of the full content at the bottom.
func (f FabricPane) maxOffset() int { return max(len(f.full.lines)-f.innerHeight(), 0) }

// marks is what the site panes need to flag VMs on VLANs the DCI does not carry.
func (f FabricPane) marks() *vlanMarks {
	if f.dci == nil {
		return nil
	}
	return f.dci.marks
}

// Update scrolls the full content with the list keys while the pane has the focus; the
// clock's tick may turn the fabric stale, which changes the content. Other keys do nothing:
// the pane has no filter (the root takes / to a site pane).
func (f FabricPane) Update(msg tea.Msg) (FabricPane, tea.Cmd) {
	switch msg := msg.(type) {
	case tickMsg:
		f.sync()
	case tea.KeyMsg:
		if !f.focused {
			return f, nil
		}
		f.offset = scrollOffset(f.common, msg, f.offset, f.innerHeight(), f.maxOffset())
	}
	return f, nil
}

// ShortHelp is the pane's part of the help bar: scrolling, and the end, where the last
// findings are.
func (f FabricPane) ShortHelp() []key.Binding {
	k := f.common.KeyMap
	return []key.Binding{k.Up, k.Down, k.PageDown, k.End}
}

// FullHelp is the pane's part of the full help.
func (f FabricPane) FullHelp() [][]key.Binding {
	k := f.common.KeyMap
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End}}
}

// View is the pane as a box, for wide terminals: exactly its size, every line fitted.
// Focused, it is a window on the full content with the position in the bottom border; only
// the lines in the window are copied, and only those that show an age are drawn here.
func (f FabricPane) View() string {
	w, h := f.innerWidth(), f.innerHeight()
	now := f.common.Now()
	if !f.focused {
		return frame{styles: f.common.Styles, title: fabricTitle}.render(f.width, f.height, f.body(w, h, now))
	}
	c := f.full
	if !c.validAt(f.dci, w, now) {
		// The clock made the fabric stale, or a switch silent, since the last tick: the
		// lines are others. For this frame only; the tick rebuilds the cache.
		c = f.buildFull(now)
	}
	n := len(c.lines)
	off := clamp(f.offset, 0, max(n-h, 0))
	end := min(off+h, n)
	body := make([]string, 0, end-off)
	for _, l := range c.lines[off:end] {
		body = append(body, l.at(now))
	}
	footer := ""
	if n > h {
		footer = fmt.Sprintf("%d/%d", end, n)
	}
	return frame{styles: f.common.Styles, focused: true, title: fabricTitle, footer: footer}.render(f.width, f.height, body)
}

// body is the pane's inner lines, at most h of them, in priority order when short of room:
// verdict, RTT, bandwidth, VLANs not carried and findings first; then the carried VLANs,
// the switches and the trunks, each whole or not at all.
func (f FabricPane) body(w, h int, now time.Time) []string {
	st := f.common.inks.fabric
	d := f.dci
	if d == nil {
		return []string{line(w, seg{st.empty, "waiting for the engine…"})}
	}
	if !d.health.Configured {
		out := []string{line(w, seg{st.note, glyphNote + " DCI not monitored"}), ""}
		for _, l := range strings.Split(ansi.Wordwrap(fabricMissing, w, ""), "\n") {
			out = append(out, line(w, seg{st.muted, l}))
		}
		return out
	}
	stale := d.health.Stale(now)

	top := []string{f.verdictLine(w, now, stale)}
	staleAge := ""
	if stale && !d.health.PolledAt.IsZero() {
		staleAge = age(now.Sub(d.health.PolledAt))
	}
	top = append(top, f.rttLines(w, stale, staleAge)...)
	top = append(top, f.bandwidthLine(w, stale, staleAge))
	switches := f.switchLines(w, now)
	trunks, trunksShort := f.trunkLines(w, stale, staleAge, f.silentSwitches(now), false)
	vlanHead, vlanOK, vlanBad := f.vlanLines(w, stale, maxVLANListLines, maxItemLines)
	findHead, findings := f.findingLines(w, stale, staleAge, maxItemLines)

	// What must stay: the headings of the VLAN and findings sections, with a blank line
	// before each, and the first lines of their lists.
	room := h - len(top)
	blank := 1
	resBad := min(lineTotal(vlanBad), fabricReserve)
	resFind := min(lineTotal(findings), fabricReserve)
	core := func() int { return 2*blank + len(vlanHead) + resBad + len(findHead) + resFind }
	if core() > room {
		blank = 0
	}
	for core() > room && (resBad > 2 || resFind > 2) {
		if resFind >= resBad {
			resFind--
		} else {
			resBad--
		}
	}
	left := room - core()

	// Then, whole or not at all: carried VLANs, trunks a line each, switches, trunks in full.
	take := func(n, extra int) bool {
		if n == 0 || n+extra > left {
			return false
		}
		left -= n + extra
		return true
	}
	showOK := take(len(vlanOK), 0)
	var showTrunks []string
	if take(len(trunksShort), blank) {
		showTrunks = trunksShort
	}
	showSwitches := take(len(switches), blank)
	if showTrunks != nil && take(len(trunks)-len(trunksShort), 0) {
		showTrunks = trunks
	}
	// What is left lets the VLANs not carried, then the findings, show more.
	more := min(left, lineTotal(vlanBad)-resBad)
	resBad += more
	resFind += left - more

	out := top
	sep := func() {
		if blank > 0 {
			out = append(out, "")
		}
	}
	if showSwitches {
		sep()
		out = append(out, switches...)
	}
	if showTrunks != nil {
		sep()
		out = append(out, showTrunks...)
	}
	sep()
	out = append(out, vlanHead...)
	if showOK {
		out = append(out, vlanOK...)
	}
	out = append(out, clip(vlanBad, resBad, w, st.muted)...)
	sep()
	out = append(out, findHead...)
	out = append(out, clip(findings, resFind, w, st.muted)...)
	if len(out) > h {
		out = out[:max(h, 0)]
	}
	return out
}

// verdict is the pane's first word: healthy, problems, down, stale, as fabric judged the
// DCI (Health.Verdict) unless the data is too old to say. The strip follows its "DCI"
// label, so it says "healthy" where the pane says "DCI healthy".
func (f FabricPane) verdict(now time.Time, stale, strip bool) seg {
	st := f.common.inks.fabric
	d := f.dci
	v := d.health.Verdict
	dci := "DCI "
	if strip {
		dci = ""
	}
	switch {
	case stale && d.health.PolledAt.IsZero() && d.health.Polling && !d.health.PollStarted.IsZero():
		return seg{st.warn, glyphStale + " first poll running " + age(now.Sub(d.health.PollStarted))}
	case stale && d.health.PolledAt.IsZero():
		return seg{st.warn, glyphStale + " waiting for the first poll"}
	case stale:
		return seg{st.warn, glyphStale + " stale " + age(now.Sub(d.health.PolledAt))}
	case v.Down:
		return seg{st.bad, glyphBad + " " + dci + "down"}
	case v.Problems > 0:
		style := st.warn
		if v.Worst == fabric.SeverityBlock {
			style = st.bad
		}
		return seg{style, glyphWarn + " " + plural(v.Problems, "problem")}
	}
	return seg{st.ok, glyphOK + " " + dci + "healthy"}
}

func (f FabricPane) verdictLine(w int, now time.Time, stale bool) string {
	st := f.common.inks.fabric
	h := f.dci.health
	right := seg{st.muted, "polled " + age(now.Sub(h.PolledAt)) + " ago"}
	switch {
	case h.Polling && !h.PollStarted.IsZero() && !h.PolledAt.IsZero():
		// A poll is running (r, or the interval): say so, so a presenter sees r work.
		right = seg{st.text, "polling… " + age(now.Sub(h.PollStarted))}
	case stale:
		right = seg{st.warn, "VLAN marks off"}
	}
	return pair(w, []seg{f.verdict(now, stale, false)}, right)
}
