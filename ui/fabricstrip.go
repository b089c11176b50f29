package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/fabric"
)

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
