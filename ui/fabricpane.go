package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/fabric"
)

// FabricPane shows the health of the DCI (the Layer-2 interconnect between the sites): a
// verdict, the RTT across it, the switches, the DCI trunks, the VLANs the VMs use and the
// monitor's findings. On wide terminals it is a column of its own; on narrow ones, a strip of
// one line under the sites.
type FabricPane struct {
	common Common
	width  int
	height int
	dci    *dciView // nil until the first State
}

const (
	fabricTitle   = "DCI fabric"
	fabricMissing = "no switches configured: add switches: to the config; see README"
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
func (f *FabricPane) SetSize(w, h int) { f.width, f.height = w, h }

// SetState derives what the pane shows from s. It is linear in the inventory (the VLANs in
// use) and runs in Update, never in View.
func (f *FabricPane) SetState(s backend.State) { f.dci = newDCIView(s) }

// marks is what the site panes need to flag VMs on VLANs the DCI does not carry.
func (f FabricPane) marks() *vlanMarks {
	if f.dci == nil {
		return nil
	}
	return f.dci.marks
}

// Update does nothing: the pane has no keys.
func (f FabricPane) Update(tea.Msg) (FabricPane, tea.Cmd) { return f, nil }

// ShortHelp is empty: the pane has no keys.
func (f FabricPane) ShortHelp() []key.Binding { return nil }

// FullHelp is empty: the pane has no keys.
func (f FabricPane) FullHelp() [][]key.Binding { return nil }

// View is the pane as a box, for wide terminals: exactly its size, every line fitted.
func (f FabricPane) View() string {
	w, h := max(f.width-2, 0), max(f.height-2, 0)
	body := f.body(w, h, f.common.Now())
	return frame{styles: f.common.Styles, title: fabricTitle}.render(f.width, f.height, body)
}

// body is the pane's inner lines, at most h of them, in priority order when short of room:
// verdict, RTT, VLANs not carried and findings first; then the carried VLANs, the switches
// and the trunks, each whole or not at all.
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
	switches := f.switchLines(w, now)
	trunks, trunksShort := f.trunkLines(w, stale, staleAge, f.silentSwitches(now))
	vlanHead, vlanOK, vlanBad := f.vlanLines(w, stale)
	findHead, findings := f.findingLines(w, stale, staleAge)

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

// verdict is the pane's first word: healthy, problems, down, stale. The strip follows its
// "DCI" label, so it says "healthy" where the pane says "DCI healthy".
func (f FabricPane) verdict(now time.Time, stale, strip bool) seg {
	st := f.common.inks.fabric
	d := f.dci
	dci := "DCI "
	if strip {
		dci = ""
	}
	switch {
	case stale && d.health.PolledAt.IsZero():
		return seg{st.warn, glyphStale + " waiting for the first poll"}
	case stale:
		return seg{st.warn, glyphStale + " stale " + age(now.Sub(d.health.PolledAt))}
	case d.down:
		return seg{st.bad, glyphBad + " " + dci + "down"}
	case d.problems > 0:
		style := st.warn
		if d.worst == fabric.SeverityBlock {
			style = st.bad
		}
		return seg{style, glyphWarn + " " + plural(d.problems, "problem")}
	}
	return seg{st.ok, glyphOK + " " + dci + "healthy"}
}

func (f FabricPane) verdictLine(w int, now time.Time, stale bool) string {
	st := f.common.inks.fabric
	right := seg{st.muted, "polled " + age(now.Sub(f.dci.health.PolledAt)) + " ago"}
	if stale {
		right = seg{st.warn, "VLAN marks off"}
	}
	return pair(w, []seg{f.verdict(now, stale, false)}, right)
}

// rttStyle judges a round trip against the budget.
func (f FabricPane) rttStyle(r fabric.RTT) (ink, string) {
	st := f.common.inks.fabric
	switch {
	case !r.OK:
		return st.bad, "no reply"
	case r.Avg > rttLimit:
		return st.bad, "over 150 ms limit"
	case r.Avg > rttBudget:
		return st.warn, "over 10 ms budget"
	}
	return st.ok, "budget 10 ms"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// rttLines is one line a direction; stale ones say how old they are instead of judging.
func (f FabricPane) rttLines(w int, stale bool, staleAge string) []string {
	st := f.common.inks.fabric
	if len(f.dci.rtts) == 0 {
		return []string{line(w, seg{st.muted, "RTT not measured"})}
	}
	out := make([]string, 0, len(f.dci.rtts))
	for _, r := range f.dci.rtts {
		style, judgement := f.rttStyle(r.rtt)
		label := "RTT " + r.from + "→" + r.to + " "
		if stale && !r.rtt.OK {
			style = st.muted
		}
		if !r.rtt.OK {
			out = append(out, line(w, seg{st.text, label}, seg{style, judgement}))
			continue
		}
		value := ms(r.rtt.Avg)
		if r.rtt.Loss > 0 {
			value += fmt.Sprintf(" %.0f%% loss", r.rtt.Loss)
			style = st.warn
		}
		jstyle := style
		if judgement == "budget 10 ms" {
			jstyle = st.muted
		}
		if stale {
			style, jstyle = st.muted, st.muted
			judgement = staleAge + " old"
		}
		out = append(out, line(w, seg{st.text, label}, seg{style, value}, seg{jstyle, "  " + judgement}))
	}
	return out
}

// heading is a section's title, with a summary at the right.
func (f FabricPane) heading(w int, title string, summary seg) string {
	return pair(w, []seg{{f.common.inks.fabric.heading, title}}, summary)
}

func (f FabricPane) switchLines(w int, now time.Time) []string {
	st := f.common.inks.fabric
	d := f.dci
	if len(d.switches) == 0 {
		return nil
	}
	interval := d.health.Interval
	if interval <= 0 {
		interval = fabric.DefaultPollInterval
	}
	fresh := 0
	lines := make([]string, 0, len(d.switches)+1)
	for _, sw := range d.switches {
		ago := now.Sub(sw.lastPoll)
		var glyph seg
		var right seg
		switch {
		case sw.reachable && !sw.lastPoll.IsZero() && ago <= 3*interval:
			fresh++
			glyph, right = seg{st.ok, glyphOK}, seg{st.muted, age(ago) + " ago"}
		case sw.lastPoll.IsZero():
			glyph, right = seg{st.bad, glyphBad}, seg{st.bad, "STALE never polled"}
		case !sw.reachable:
			glyph, right = seg{st.bad, glyphBad}, seg{st.bad, "STALE " + age(ago)}
		default:
			glyph, right = seg{st.warn, glyphWarn}, seg{st.warn, "STALE " + age(ago)}
		}
		left := []seg{{glyph.ink, glyph.text + " "}, {st.text, sw.name}}
		if sw.localPort != "" {
			left = append(left, seg{st.muted, " :" + sw.localPort})
		}
		lines = append(lines, pair(w, left, right))
		if !sw.reachable && sw.err != "" {
			lines = append(lines, line(w, seg{text: "  "}, seg{st.bad, glyphNote + " "}, seg{st.muted, sw.err}))
		}
	}
	summary := seg{st.ok, fmt.Sprintf("%d/%d answering", fresh, len(d.switches))}
	if fresh < len(d.switches) {
		summary.ink = st.bad
	}
	return append([]string{f.heading(w, "SWITCHES", summary)}, lines...)
}

// trunkLines is the trunk section in full (state, MTU, VLANs, members needing attention)
// and short (one line a trunk).
// silentSwitches are the switches not answering at now: their trunks are last known, not
// current.
func (f FabricPane) silentSwitches(now time.Time) map[string]bool {
	interval := f.dci.health.Interval
	if interval <= 0 {
		interval = fabric.DefaultPollInterval
	}
	var silent map[string]bool
	for _, sw := range f.dci.health.Switches {
		if !sw.Reachable || sw.LastPoll.IsZero() || now.Sub(sw.LastPoll) > 3*interval {
			if silent == nil {
				silent = map[string]bool{}
			}
			silent[sw.Name] = true
		}
	}
	return silent
}

// Trunks whose data is stale (all of them, or those of a switch not answering) are drawn
// muted with the stale glyph and say "was up": they tell what was, not what is. full is the
// heading, then per trunk its title line, MTU and VLAN lines and members needing attention;
// short is the heading and the title lines, in the same order (full extends short).
func (f FabricPane) trunkLines(w int, stale bool, staleAge string, silent map[string]bool) (full, short []string) {
	st := f.common.inks.fabric
	d := f.dci
	if len(d.trunks) == 0 {
		return nil, nil
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
		summary = seg{st.warn, "as of " + staleAge + " ago"}
	}
	head := f.heading(w, "DCI TRUNKS", summary)
	short = []string{head}
	var details []string
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
			title := pair(w, []seg{{style, glyph + " "}, {st.muted, t.name}}, seg{st.warn, "no data"})
			short = append(short, title)
			details = append(details, title, line(w, seg{text: "  "}, seg{st.muted, "no fresh data from the switch"}))
			continue
		case !t.up:
			glyph, style = glyphBad, st.bad
			state = "down"
			if t.status != "" && t.status != "down" {
				state = t.status
			}
		case t.memberShort || t.crcRising || (t.mtu > 0 && t.mtu < lowMTU):
			glyph, style = glyphWarn, st.warn
		}
		if old {
			glyph = glyphStale
			state = "was " + state
		}
		style = muted(style)
		title := pair(w, []seg{{style, glyph + " "}, {muted(st.text), t.name}},
			seg{style, fmt.Sprintf("%s %d/%d", state, t.membersUp, t.members)})
		short = append(short, title)
		details = append(details, title)

		mtu := seg{muted(st.text), "MTU ?"}
		if t.mtu > 0 {
			mtu.text = fmt.Sprintf("MTU %d", t.mtu)
			if t.mtu < lowMTU {
				mtu = seg{muted(st.warn), mtu.text + " (<9000)"}
			}
		}
		details = append(details,
			line(w, seg{text: "  "}, mtu, seg{st.muted, "  allowed "}, seg{muted(st.text), t.allowed}),
			line(w, seg{text: "  "}, seg{st.muted, "forwarding "}, seg{muted(st.text), t.forwarding}))
		for _, n := range t.notes {
			g := seg{muted(st.warn), glyphWarn + " "}
			if n.bad {
				g = seg{muted(st.bad), glyphBad + " "}
			}
			details = append(details, line(w, seg{text: "  "}, g, seg{muted(st.text), n.text}))
		}
	}
	return append([]string{head}, details...), short
}

// vlanLines is the VLANs-in-use section: its heading, the carried and unknown lists, and one
// item a VLAN not carried, with its reason. Stale data judges nothing: every VLAN is "?".
func (f FabricPane) vlanLines(w int, stale bool) (head []string, ok []string, bad [][]string) {
	st := f.common.inks.fabric
	d := f.dci
	const title = "VLANS IN USE"
	switch {
	case len(d.inUse) == 0:
		return []string{f.heading(w, title, seg{st.muted, "none"})}, nil, nil
	case stale:
		head = []string{f.heading(w, title, seg{st.warn, "not judged: stale"})}
		return head, pack(seg{st.warn, glyphUnknown}, vlanRangeItems(d.inUse), st.muted, w, maxVLANListLines), nil
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
		ok = append(ok, pack(seg{st.ok, glyphCarried}, vlanRangeItems(d.carried), st.text, w, maxVLANListLines)...)
	}
	if len(d.unknown) > 0 {
		ok = append(ok, pack(seg{st.muted, glyphUnknown}, vlanRangeItems(d.unknown), st.muted, w, maxVLANListLines)...)
	}
	for _, v := range d.notCarried {
		item := hanging(seg{st.bad, glyphBad}, fmt.Sprintf("%d %s", v.id, v.reason), st.text, w, maxItemLines)
		bad = append(bad, item)
	}
	return head, ok, bad
}

// findingLines is the findings heading and one item a finding. Stale findings are the
// last ones the monitor made: the heading says how old.
func (f FabricPane) findingLines(w int, stale bool, staleAge string) (head []string, items [][]string) {
	st := f.common.inks.fabric
	d := f.dci
	var summary seg
	switch {
	case stale:
		summary = seg{st.warn, "as of " + staleAge + " ago"}
	case len(d.findings) == 0:
		summary = seg{st.ok, "none"}
	case d.worst == fabric.SeverityBlock:
		summary = seg{st.bad, fmt.Sprint(len(d.findings))}
	default:
		summary = seg{st.warn, fmt.Sprint(len(d.findings))}
	}
	head = []string{f.heading(w, "FINDINGS", summary)}
	if stale && len(d.findings) == 0 {
		return head, [][]string{{line(w, seg{st.muted, "none then"})}}
	}
	for _, fd := range d.findings {
		items = append(items, hanging(f.severityGlyph(fd.Severity), fd.Message, st.text, w, maxItemLines))
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
	if !d.down && d.problems > 0 {
		extra := ""
		if d.problems > 1 {
			extra = fmt.Sprintf(" +%d more", d.problems-1)
		}
		vLong = seg{v.ink, glyphWarn + " " + d.headline + extra}
		vShort = seg{v.ink, glyphWarn + " " + d.headlineShort + extra}
	}
	if d.down && d.headline != "" {
		vLong = seg{v.ink, v.text + ": " + d.headline}
	}
	var rtt seg
	if worst, ok := d.worstRTT(); ok {
		style, judgement := f.rttStyle(worst)
		switch {
		case !worst.OK:
			rtt = seg{style, "  RTT " + judgement}
		case judgement == "budget 10 ms":
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
	if fits := f.firstFit(w, label,
		[]seg{vLong, rtt, nLong},
		[]seg{vLong, rtt, nShort},
		[]seg{vShort, rtt, nLong},
		[]seg{vShort, rtt, nShort},
		[]seg{vLong, rtt},
		[]seg{vShort, rtt},
		[]seg{v, rtt, nLong}, // "▲ 2 problems"
		[]seg{v, rtt, nShort},
		[]seg{v, rtt},
	); fits != "" {
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
