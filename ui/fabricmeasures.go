package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vmcross/vmcross/fabric"
)

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
