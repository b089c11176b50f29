package ui

import (
	"fmt"
	"time"

	"github.com/vmcross/vmcross/fabric"
)

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
		summary = seg{st.bad, glyphBad + " " + fmt.Sprint(len(d.findings))} // a symbol too: never colour alone
	default:
		summary = seg{st.warn, glyphWarn + " " + fmt.Sprint(len(d.findings))}
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
