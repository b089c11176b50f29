package ui

import (
	"fmt"
	"slices"
	"strconv"
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
		keys := f.common.KeyMap
		page := max(f.innerHeight(), 1)
		switch {
		case key.Matches(msg, keys.Up):
			f.offset--
		case key.Matches(msg, keys.Down):
			f.offset++
		case key.Matches(msg, keys.PageUp):
			f.offset -= page
		case key.Matches(msg, keys.PageDown):
			f.offset += page
		case key.Matches(msg, keys.Home):
			f.offset = 0
		case key.Matches(msg, keys.End):
			f.offset = f.maxOffset()
		}
		f.offset = clamp(f.offset, 0, f.maxOffset())
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

// rttStyle draws fabric's judgement of a round trip: its ink, the words, and whether it is
// within the budget (then the words only recall the budget).
func (f FabricPane) rttStyle(r fabric.RTT) (style ink, judgement string, within bool) {
	st := f.common.inks.fabric
	lim := f.dci.health.Limits
	switch {
	case !r.OK:
		return st.bad, "no reply", false
	case r.OverLimit:
		return st.bad, "over " + limitMs(lim.RTTLimit) + " limit", false
	case r.OverBudget:
		return st.warn, "over " + limitMs(lim.RTTBudget) + " budget", false
	}
	return st.ok, "budget " + limitMs(lim.RTTBudget), true
}

// nsPerMs converts a Duration, in nanoseconds, to milliseconds.
const nsPerMs = 1e6

// ms is a measured round trip: "2.1 ms".
func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/nsPerMs) }

// limitMs is a limit as fabric sets it, without trailing zeros: "10 ms", "150 ms".
func limitMs(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/nsPerMs, 'f', -1, 64) + " ms"
}

// rttNone is the RTT section when nothing was measured.
func (f FabricPane) rttNone(w int) string {
	return line(w, seg{f.common.inks.fabric.muted, "RTT not measured"})
}

// rttLines is one line a direction; stale ones say how old they are instead of judging.
func (f FabricPane) rttLines(w int, stale bool, staleAge string) []string {
	if len(f.dci.rtts) == 0 {
		return []string{f.rttNone(w)}
	}
	out := make([]string, 0, len(f.dci.rtts))
	for _, r := range f.dci.rtts {
		out = append(out, line(w, f.rttSegs(r, stale, staleAge)...))
	}
	return out
}

// rttSegs is one direction's line before it is fitted to a width.
func (f FabricPane) rttSegs(r rttView, stale bool, staleAge string) []seg {
	st := f.common.inks.fabric
	style, judgement, within := f.rttStyle(r.rtt)
	label := "RTT " + r.from + "→" + r.to + " "
	if stale && !r.rtt.OK {
		style = st.muted
	}
	if !r.rtt.OK {
		return []seg{{st.text, label}, {style, judgement}}
	}
	value := ms(r.rtt.Avg)
	if r.rtt.Loss > 0 {
		value += fmt.Sprintf(" %.0f%% loss", r.rtt.Loss)
		style = st.warn
	}
	jstyle := style
	if within {
		jstyle = st.muted
	}
	if stale {
		style, jstyle = st.muted, st.muted
		judgement = staleAge + " old"
		if staleAge == "" {
			judgement = "first round running"
		}
	}
	return []seg{{st.text, label}, {style, value}, {jstyle, "  " + judgement}}
}

// bandwidthLine is the DCI's bandwidth (Health.Bandwidth) on one line of w cells: the
// longest of bandwidthSegs' wordings that fits, cut if none does.
func (f FabricPane) bandwidthLine(w int, stale bool, staleAge string) string {
	cands := f.bandwidthSegs(stale, staleAge)
	for _, c := range cands {
		if segsWidth(c) <= w {
			return line(w, c...)
		}
	}
	return line(w, cands[len(cands)-1]...)
}

// bandwidthFull is the DCI's bandwidth in its longest words, for the scrolled content:
// on one line if it fits, else broken between its phrases ("bandwidth 8.8 Gbps free", "of
// 10 Gbps", "(1 of 2 members up)"), never inside one unless it is wider than a line.
func (f FabricPane) bandwidthFull(w int, stale bool) []string {
	phrases := f.bandwidthPhrases(stale)
	const indent = 4
	for _, p := range phrases {
		if segsWidth(p) > w-indent {
			return wrapSegs(w, indent, joinPhrases(phrases)...)
		}
	}
	var out []string
	var cur []seg
	for _, p := range phrases {
		next := p
		if len(cur) > 0 {
			next = append([]seg{{text: " "}}, p...)
		}
		if len(cur) > 0 && segsWidth(cur)+segsWidth(next) > w {
			out = append(out, line(w, cur...))
			cur, next = []seg{{text: strings.Repeat(" ", indent)}}, p
		}
		cur = append(cur, next...)
	}
	return append(out, line(w, cur...))
}

// joinPhrases is phrases on one line, a space between each.
func joinPhrases(phrases [][]seg) []seg {
	var out []seg
	for i, p := range phrases {
		if i > 0 {
			out = append(out, seg{text: " "})
		}
		out = append(out, p...)
	}
	return out
}

// bandwidthPhrases words the DCI's bandwidth in full, phrase by phrase: "bandwidth 18.8
// Gbps free", "of 20 Gbps", and with a member down "(1 of 2 members up)". Stale figures
// are muted. The pane judges nothing: whether that is enough for a move is preflight's.
func (f FabricPane) bandwidthPhrases(stale bool) [][]seg {
	st := f.common.inks.fabric
	b := f.dci.health.Bandwidth
	style := st.ok
	switch {
	case b.CapacityMbps <= 0 || b.FreeMbps() <= 0:
		style = st.bad
	case b.MembersUp < b.Members:
		style = st.warn
	}
	var phrases [][]seg
	switch {
	case !b.Known:
		phrases = [][]seg{{{st.muted, "bandwidth not measured"}}}
	case b.CapacityMbps <= 0:
		phrases = [][]seg{{{st.text, "bandwidth "}, {style, "none"}}}
	default:
		phrases = [][]seg{{{st.text, "bandwidth "}, {style, fabric.FormatMbps(b.FreeMbps()) + " free"}},
			{{st.muted, "of " + fabric.FormatMbps(b.CapacityMbps)}}}
	}
	if b.Known && b.MembersUp < b.Members {
		phrases = append(phrases, []seg{{style, fmt.Sprintf("(%d of %d members up)", b.MembersUp, b.Members)}})
	}
	if stale {
		for _, p := range phrases {
			for i := range p {
				p[i].ink = st.muted
			}
		}
	}
	return phrases
}

// bandwidthSegs words the DCI's bandwidth on one line, longest first: bandwidthPhrases
// joined ("bandwidth 8.8 Gbps free of 10 Gbps (1 of 2 members up)"), then shorter, down to
// "BW 8.8/10 Gbps free". Stale ones say, given staleAge, how old they are (if that fits).
func (f FabricPane) bandwidthSegs(stale bool, staleAge string) [][]seg {
	st := f.common.inks.fabric
	b := f.dci.health.Bandwidth
	phrases := f.bandwidthPhrases(stale)
	cands := [][]seg{joinPhrases(phrases)}
	if b.Known {
		// The ink of the figures, and "1/2 up" for "(1 of 2 members up)".
		value := phrases[0][1]
		var members []seg
		if b.MembersUp < b.Members {
			members = []seg{{value.ink, fmt.Sprintf(", %d/%d up", b.MembersUp, b.Members)}}
		}
		with := func(segs ...seg) []seg { return slices.Concat(segs, members) }
		label := seg{phrases[0][0].ink, "BW "}
		if b.CapacityMbps <= 0 {
			cands = append(cands, with(phrases[0]...), with(label, value))
		} else {
			of := seg{phrases[1][0].ink, " " + phrases[1][0].text}
			slash := seg{value.ink, slashMbps(b.FreeMbps(), b.CapacityMbps) + " free"}
			cands = append(cands, with(phrases[0][0], value, of), with(label, value, of), with(label, slash), []seg{label, slash})
		}
	} else {
		cands = append(cands, []seg{{st.muted, "BW not measured"}})
	}
	if !stale || staleAge == "" || !b.Known {
		return cands
	}
	aged := make([][]seg, 0, 2*len(cands))
	for _, c := range cands {
		aged = append(aged, append(slices.Clone(c), seg{st.muted, "  " + staleAge + " old"}))
	}
	return append(aged, cands[len(cands)-1]) // without the age when nothing with it fits
}

// slashMbps is "part/whole" with the unit once when both are in Gbps: "8.8/10 Gbps",
// "950 Mbps/1 Gbps".
func slashMbps(part, whole int64) string {
	p, w := fabric.FormatMbps(part), fabric.FormatMbps(whole)
	if strings.HasSuffix(p, " Gbps") && strings.HasSuffix(w, " Gbps") {
		return strings.TrimSuffix(p, " Gbps") + "/" + w
	}
	return p + "/" + w
}

// heading is a section's title, with a summary at the right.
func (f FabricPane) heading(w int, title string, summary seg) string {
	return pair(w, []seg{{f.common.inks.fabric.heading, title}}, summary)
}

func (f FabricPane) switchLines(w int, now time.Time) []string {
	d := f.dci
	if len(d.switches) == 0 {
		return nil
	}
	lines := make([]string, 0, len(d.switches)+1)
	for i, sw := range d.switches {
		glyph, right := f.switchState(i, now)
		lines = append(lines, pair(w, f.switchName(sw, glyph), right))
		if e := f.switchErr(sw); e != nil {
			lines = append(lines, line(w, e...))
		}
	}
	return append([]string{f.switchHeading(w, now)}, lines...)
}

// switchHeading is the switch section's title, with how many answer at now.
func (f FabricPane) switchHeading(w int, now time.Time) string {
	st := f.common.inks.fabric
	d := f.dci
	fresh := 0
	for i := range d.switches {
		if d.answering(i, now) {
			fresh++
		}
	}
	summary := seg{st.ok, fmt.Sprintf("%d/%d answering", fresh, len(d.switches))}
	if fresh < len(d.switches) {
		summary.ink = st.bad
	}
	return f.heading(w, "SWITCHES", summary)
}

// switchState is the glyph of the i-th switch and what the right of its line says at now.
// Which glyph depends on the clock only through answering; the right side shows an age.
func (f FabricPane) switchState(i int, now time.Time) (glyph, right seg) {
	st := f.common.inks.fabric
	sw := f.dci.switches[i]
	ago := now.Sub(sw.lastPoll)
	switch {
	case f.dci.answering(i, now):
		return seg{st.ok, glyphOK}, seg{st.muted, age(ago) + " ago"}
	case sw.pending && !sw.since.IsZero():
		return seg{st.warn, glyphStale}, seg{st.warn, "connecting " + age(now.Sub(sw.since))}
	case !sw.reachable && !sw.since.IsZero():
		return seg{st.bad, glyphBad}, seg{st.bad, "not answering " + age(now.Sub(sw.since))}
	case sw.lastPoll.IsZero():
		return seg{st.bad, glyphBad}, seg{st.bad, "STALE never polled"}
	case !sw.reachable:
		return seg{st.bad, glyphBad}, seg{st.bad, "STALE " + age(ago)}
	}
	return seg{st.warn, glyphWarn}, seg{st.warn, "STALE " + age(ago)}
}

// switchName is the left of a switch's line: glyph, name and lab port.
func (f FabricPane) switchName(sw switchView, glyph seg) []seg {
	left := []seg{{glyph.ink, glyph.text + " "}, {f.common.inks.fabric.text, sw.name}}
	if sw.localPort != "" {
		left = append(left, seg{f.common.inks.fabric.muted, " :" + sw.localPort})
	}
	return left
}

// switchErr is the line under a switch that does not answer, or nil.
func (f FabricPane) switchErr(sw switchView) []seg {
	if sw.reachable || sw.err == "" {
		return nil
	}
	st := f.common.inks.fabric
	return []seg{{text: "  "}, {st.bad, glyphNote + " "}, {st.muted, sw.err}}
}

// answering reports whether the i-th switch answered within three poll intervals of now.
func (d *dciView) answering(i int, now time.Time) bool {
	sw := d.switches[i]
	interval := d.health.Interval
	if interval <= 0 {
		interval = fabric.DefaultPollInterval
	}
	return sw.reachable && !sw.lastPoll.IsZero() && now.Sub(sw.lastPoll) <= 3*interval
}

// silentSwitches are the switches not answering at now: their trunks are last known, not
// current.
func (f FabricPane) silentSwitches(now time.Time) map[string]bool {
	var silent map[string]bool
	for i, sw := range f.dci.health.Switches {
		if !f.dci.answering(i, now) {
			if silent == nil {
				silent = map[string]bool{}
			}
			silent[sw.Name] = true
		}
	}
	return silent
}

// staleSummary is a section's summary when the data is stale.
func (f FabricPane) staleSummary(staleAge string) seg {
	if staleAge == "" { // no round has ended yet: what is shown came from the switches that answered
		return seg{f.common.inks.fabric.warn, "first round running"}
	}
	return seg{f.common.inks.fabric.warn, "as of " + staleAge + " ago"}
}

// trunkLines is the trunk section in full (state, MTU, VLANs, members needing attention)
// and short (one line a trunk). Trunks whose data is stale (all of them, or those of a
// switch not answering) are drawn muted with the stale glyph and say "was up": they tell
// what was, not what is. full is the heading, then per trunk its title line, MTU and VLAN
// lines and members needing attention; short is the heading and the title lines, in the
// same order (full extends short). A trunk measured up also shows its bandwidth and the
// traffic on it. Lines are cut to w, or, with wrap, wrapped (for the scrolled content,
// where nothing is left out, and which has no bandwidth line at its top: with wrap, the
// DCI's bandwidth follows the heading).
func (f FabricPane) trunkLines(w int, stale bool, staleAge string, silent map[string]bool, wrap bool) (full, short []string) {
	st := f.common.inks.fabric
	d := f.dci
	if len(d.trunks) == 0 {
		return nil, nil
	}
	row := func(segs ...seg) []string {
		if wrap {
			return wrapSegs(w, 4, segs...)
		}
		return []string{line(w, segs...)}
	}
	titled := func(left []seg, right seg) []string {
		if wrap {
			return fullPair(w, left, right)
		}
		return []string{pair(w, left, right)}
	}
	up, unknown := 0, 0
	for _, t := range d.trunks {
		switch {
		case t.unknown:
			unknown++
		case t.up:
			up++
		}
	}
	summary := seg{st.ok, fmt.Sprintf("%d/%d up", up, len(d.trunks))}
	switch {
	case up+unknown < len(d.trunks):
		summary.ink = st.bad
	case unknown > 0:
		summary.ink = st.warn
	}
	if unknown > 0 {
		summary.text += fmt.Sprintf(", %d no data", unknown)
	}
	if stale {
		summary = f.staleSummary(staleAge)
	}
	head := f.heading(w, trunksTitle, summary)
	short = []string{head}
	var details []string
	if wrap {
		// The scrolled content has no bandwidth line of its own at the top: the section
		// starts with the DCI's, under its heading.
		details = append(details, f.bandwidthFull(w, stale)...)
	}
	for i, t := range d.trunks {
		old := stale || silent[d.health.Trunks[i].Switch]
		muted := func(s ink) ink {
			if old {
				return st.muted
			}
			return s
		}
		glyph, style := glyphOK, st.ok
		state := "up"
		switch {
		case t.unknown:
			glyph, style = glyphStale, st.muted
			title := titled([]seg{{style, glyph + " "}, {st.muted, t.name}}, seg{st.warn, "no data"})
			short = append(short, title...)
			details = append(details, title...)
			details = append(details, row(seg{text: "  "}, seg{st.muted, "no fresh data from the switch"})...)
			continue
		case !t.up:
			glyph, style = glyphBad, st.bad
			state = "down"
			if t.status != "" && t.status != "down" {
				state = t.status
			}
		case t.memberShort || t.crcRising || t.mtuLow:
			glyph, style = glyphWarn, st.warn
		}
		if old {
			glyph = glyphStale
			state = "was " + state
		}
		style = muted(style)
		title := titled([]seg{{style, glyph + " "}, {muted(st.text), t.name}},
			seg{style, fmt.Sprintf("%s %d/%d", state, t.membersUp, t.members)})
		short = append(short, title...)
		details = append(details, title...)

		mtu := seg{muted(st.text), "MTU ?"}
		if t.mtu > 0 {
			mtu.text = fmt.Sprintf("MTU %d", t.mtu)
			if t.mtuLow {
				mtu = seg{muted(st.warn), fmt.Sprintf("%s (<%d)", mtu.text, d.health.Limits.MinMTU)}
			}
		}
		details = append(details, row(seg{text: "  "}, mtu, seg{st.muted, "  allowed "}, seg{muted(st.text), t.allowed})...)
		details = append(details, row(seg{text: "  "}, seg{st.muted, "forwarding "}, seg{muted(st.text), t.forwarding})...)
		if t.up && t.capacityMbps > 0 {
			details = append(details, row(seg{text: "  "}, seg{muted(st.text), fabric.FormatMbps(t.capacityMbps)},
				seg{st.muted, "  "}, seg{muted(st.text), fabric.FormatMbps(t.usedMbps)}, seg{st.muted, " used"})...)
		}
		for _, n := range t.notes {
			g := seg{muted(st.warn), glyphWarn + " "}
			if n.bad {
				g = seg{muted(st.bad), glyphBad + " "}
			}
			details = append(details, row(seg{text: "  "}, g, seg{muted(st.text), n.text})...)
		}
	}
	return append([]string{head}, details...), short
}

// vlanLines is the VLANs-in-use section: its heading, the carried and unknown lists (of at
// most listLines lines each), and one item a VLAN not carried, with its reason (at most
// itemLines lines). Stale data judges nothing: every VLAN is "?".
func (f FabricPane) vlanLines(w int, stale bool, listLines, itemLines int) (head []string, ok []string, bad [][]string) {
	st := f.common.inks.fabric
	d := f.dci
	const title = "VLANS IN USE"
	switch {
	case len(d.inUse) == 0:
		return []string{f.heading(w, title, seg{st.muted, "none"})}, nil, nil
	case stale:
		head = []string{f.heading(w, title, seg{st.warn, "not judged: stale"})}
		return head, pack(seg{st.warn, glyphUnknown}, vlanRangeItems(d.inUse), st.muted, w, listLines), nil
	}
	summary := seg{st.ok, fmt.Sprintf("%d/%d carried", len(d.carried), d.known())}
	if len(d.notCarried) > 0 {
		summary.ink = st.bad
	}
	if d.known() == 0 {
		summary = seg{st.muted, "no data"}
	}
	head = []string{f.heading(w, title, summary)}
	if len(d.carried) > 0 {
		ok = append(ok, pack(seg{st.ok, glyphCarried}, vlanRangeItems(d.carried), st.text, w, listLines)...)
	}
	if len(d.unknown) > 0 {
		ok = append(ok, pack(seg{st.muted, glyphUnknown}, vlanRangeItems(d.unknown), st.muted, w, listLines)...)
	}
	for _, v := range d.notCarried {
		item := hanging(seg{st.bad, glyphBad}, fmt.Sprintf("%d %s", v.id, v.reason), st.text, w, itemLines)
		bad = append(bad, item)
	}
	return head, ok, bad
}

// findingLines is the findings heading and one item a finding, of at most itemLines lines.
// Stale findings are the last ones the monitor made: the heading says how old.
func (f FabricPane) findingLines(w int, stale bool, staleAge string, itemLines int) (head []string, items [][]string) {
	st := f.common.inks.fabric
	d := f.dci
	var summary seg
	switch {
	case stale:
		summary = f.staleSummary(staleAge)
	case len(d.findings) == 0:
		summary = seg{st.ok, "none"}
	case d.health.Verdict.Worst == fabric.SeverityBlock:
		summary = seg{st.bad, fmt.Sprint(len(d.findings))}
	default:
		summary = seg{st.warn, fmt.Sprint(len(d.findings))}
	}
	head = []string{f.heading(w, findingsTitle, summary)}
	if stale && len(d.findings) == 0 {
		return head, [][]string{{line(w, seg{st.muted, "none then"})}}
	}
	for _, fd := range d.findings {
		items = append(items, hanging(f.severityGlyph(fd.Severity), fd.Message, st.text, w, itemLines))
	}
	return head, items
}

func (f FabricPane) severityGlyph(s fabric.Severity) seg {
	st := f.common.inks.fabric
	switch s {
	case fabric.SeverityBlock:
		return seg{st.bad, glyphBad}
	case fabric.SeverityWarn:
		return seg{st.warn, glyphWarn}
	}
	return seg{st.muted, glyphInfo}
}

// glyphPolling marks the strip while a poll of the switches is running.
const glyphPolling = "⟳"

// StripView is the pane as one line of w cells, for narrow terminals: the verdict, the RTT
// and how many VLANs in use the DCI carries, shortened to fit.
func (f FabricPane) StripView(w int) string {
	st := f.common.inks.fabric
	label := seg{st.label, " DCI"}
	d := f.dci
	if d == nil {
		return fit(line(w, label, seg{st.empty, " waiting for the engine…"}), w)
	}
	if !d.health.Configured {
		return fit(line(w, label, seg{st.note, " " + glyphNote + " " + fabricMissing}), w)
	}
	now := f.common.Now()
	stale := d.health.Stale(now)
	v := f.verdict(now, stale, true)
	if d.health.Polling {
		label.text += " " + glyphPolling // r shows at once, on the narrowest screen too
	}
	if stale {
		if s := f.firstFit(w, label,
			[]seg{v, {st.muted, "  VLAN marks off until the switches answer"}},
			[]seg{v, {st.muted, "  VLAN marks off"}},
		); s != "" {
			return fit(s, w)
		}
		return fit(line(w, label, seg{text: " "}, v), w)
	}

	// The verdict, long (naming the worst problem and where) and short.
	vLong, vShort := v, v
	verdict := d.health.Verdict
	if !verdict.Down && verdict.Problems > 0 {
		extra := ""
		if verdict.Problems > 1 {
			extra = fmt.Sprintf(" +%d more", verdict.Problems-1)
		}
		vLong = seg{v.ink, glyphWarn + " " + d.headline + extra}
		vShort = seg{v.ink, glyphWarn + " " + d.headlineShort + extra}
	}
	if verdict.Down && d.headline != "" {
		vLong = seg{v.ink, v.text + ": " + d.headline}
	}
	var rtt seg
	if worst, ok := d.worstRTT(); ok {
		style, judgement, within := f.rttStyle(worst)
		switch {
		case !worst.OK:
			rtt = seg{style, "  RTT " + judgement}
		case within:
			rtt = seg{style, "  RTT " + ms(worst.Avg)}
		default:
			rtt = seg{style, "  RTT " + ms(worst.Avg) + " " + judgement}
		}
	}
	var nLong, nShort seg
	if known := d.known(); known > 0 {
		nShort = seg{st.ok, fmt.Sprintf("  VLANs %d/%d carried", len(d.carried), known)}
		nLong = nShort
		if len(d.notCarried) > 0 {
			nShort.ink, nLong.ink = st.bad, st.bad
			ids := make([]string, 0, 4)
			for i, nc := range d.notCarried {
				if i == 3 {
					ids = append(ids, ellipsis)
					break
				}
				ids = append(ids, fmt.Sprint(nc.id))
			}
			nLong.text += " " + glyphBad + strings.Join(ids, ",")
		}
	}
	// The bandwidth free is the first thing to go: each wording is tried with it, then
	// without.
	bw := f.stripBandwidth()
	var cands [][]seg
	for _, c := range [][]seg{
		{vLong, rtt, nLong},
		{vLong, rtt, nShort},
		{vShort, rtt, nLong},
		{vShort, rtt, nShort},
		{vLong, rtt},
		{vShort, rtt},
		{v, rtt, nLong}, // "▲ 2 problems"
		{v, rtt, nShort},
		{v, rtt},
	} {
		if bw.text != "" {
			cands = append(cands, append([]seg{c[0], c[1], bw}, c[2:]...))
		}
		cands = append(cands, c)
	}
	if fits := f.firstFit(w, label, cands...); fits != "" {
		return fit(fits, w)
	}
	// Nothing fits whole: cut the verdict's words, keeping the RTT and the VLAN count if
	// that leaves the words some room.
	lw := ansi.StringWidth(label.text) + 1
	for _, tail := range [][]seg{{rtt, nShort}, {rtt}, nil} {
		if room := w - lw - segsWidth(tail); room >= 16 || tail == nil {
			return fit(line(w, append([]seg{label, {text: " "}, {vShort.ink, cut(vShort.text, room)}}, tail...)...), w)
		}
	}
	return fit(line(w, label), w)
}

// stripBandwidth is the DCI's free bandwidth for the strip, "  18.8 Gbps free" (with the
// capacity when a member is down: "  8.8/10 Gbps free"), or nothing when it is not measured
// or nothing crosses the DCI (the verdict says so).
func (f FabricPane) stripBandwidth() seg {
	st := f.common.inks.fabric
	b := f.dci.health.Bandwidth
	switch {
	case !b.Known || b.CapacityMbps <= 0:
		return seg{}
	case b.FreeMbps() <= 0:
		return seg{st.bad, "  no bandwidth free"}
	case b.MembersUp < b.Members:
		return seg{st.warn, "  " + slashMbps(b.FreeMbps(), b.CapacityMbps) + " free"}
	}
	return seg{st.ok, "  " + fabric.FormatMbps(b.FreeMbps()) + " free"}
}

// firstFit renders the first candidate that fits w cells after the label, or "".
func (f FabricPane) firstFit(w int, label seg, candidates ...[]seg) string {
	lw := ansi.StringWidth(label.text) + 1
	for _, c := range candidates {
		if lw+segsWidth(c) <= w {
			return line(w, append([]seg{label, {text: " "}}, c...)...)
		}
	}
	return ""
}

// worstRTT is the slowest round trip, or one that got no reply.
func (d *dciView) worstRTT() (fabric.RTT, bool) {
	if len(d.rtts) == 0 {
		return fabric.RTT{}, false
	}
	worst := d.rtts[0].rtt
	for _, r := range d.rtts[1:] {
		if !r.rtt.OK && worst.OK || r.rtt.OK == worst.OK && r.rtt.Avg > worst.Avg {
			worst = r.rtt
		}
	}
	return worst, true
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
