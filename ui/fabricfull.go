package ui

import (
	"math"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// fullContent is the fabric pane's content with nothing left out and nothing cut, for the
// focused pane to scroll through: every section, every trunk in detail, every VLAN, every
// finding wrapped in full. It is built in Update when the State, the width or what the clock
// decides (stale data, switches gone silent) changes; View only copies its window.
type fullContent struct {
	dci    *dciView // the State it shows
	w      int
	stale  bool   // the fabric data was stale when it was built
	silent []bool // by switch: not answering when it was built
	lines  []fabricLine
}

// fabricLine is a line of the full content: drawn when the content is built or, for the
// few that show an age ("polled 2s ago", "STALE 47s"), each time it is on screen.
type fabricLine struct {
	text string
	live func(now time.Time) string
}

func (l fabricLine) at(now time.Time) string {
	if l.live != nil {
		return l.live(now)
	}
	return l.text
}

// validAt reports whether c shows d at width w and time now: ages move on in the live
// lines, but what they decide (stale or not, which switches answer) must not have changed.
func (c fullContent) validAt(d *dciView, w int, now time.Time) bool {
	if c.lines == nil || c.dci != d || c.w != w {
		return false
	}
	if d == nil || !d.health.Configured {
		return true
	}
	if c.stale != d.health.Stale(now) || len(c.silent) != len(d.switches) {
		return false
	}
	for i := range d.switches {
		if c.silent[i] == d.answering(i, now) {
			return false
		}
	}
	return true
}

// buildFull lays the full content out at now, in the order of the unfocused pane: verdict
// and RTT, switches, trunks, VLANs in use, findings. Lines that show an age are live.
func (f FabricPane) buildFull(now time.Time) fullContent {
	// f is a copy, which the live lines keep: without the old content, or every content
	// would keep the one before it.
	f.full = fullContent{}
	w := f.innerWidth()
	d := f.dci
	c := fullContent{dci: d, w: w}
	add := func(lines ...string) {
		for _, l := range lines {
			c.lines = append(c.lines, fabricLine{text: l})
		}
	}
	live := func(draw func(now time.Time) string) {
		c.lines = append(c.lines, fabricLine{live: draw})
	}
	if d == nil || !d.health.Configured {
		add(f.body(w, math.MaxInt, now)...) // a few lines, none with an age
		return c
	}
	stale := d.health.Stale(now)
	c.stale = stale
	c.silent = make([]bool, len(d.switches))
	for i := range d.switches {
		c.silent[i] = !d.answering(i, now)
	}
	staleAge := func(now time.Time) string {
		if d.health.PolledAt.IsZero() {
			return ""
		}
		return age(now.Sub(d.health.PolledAt))
	}

	live(func(now time.Time) string { return f.verdictLine(w, now, stale) })
	if len(d.rtts) == 0 {
		add(f.rttNone(w))
	}
	for _, r := range d.rtts {
		if stale {
			live(func(now time.Time) string { return line(w, f.rttSegs(r, true, staleAge(now))...) })
			continue
		}
		add(wrapSegs(w, 4, f.rttSegs(r, false, "")...)...)
	}

	if len(d.switches) > 0 {
		add("", f.switchHeading(w, now))
	}
	for i, sw := range d.switches {
		glyph, right := f.switchState(i, now)
		left := f.switchName(sw, glyph)
		// Name and age on one line if they fit with room for the age to grow a digit or
		// two before the next build; else the name in full, then the age on its own line.
		if segsWidth(left)+1+ansi.StringWidth(right.text)+2 <= w {
			live(func(now time.Time) string {
				g, r := f.switchState(i, now)
				return pair(w, f.switchName(sw, g), r)
			})
		} else {
			add(wrapSegs(w, 2, left...)...)
			live(func(now time.Time) string {
				_, r := f.switchState(i, now)
				return pair(w, nil, r)
			})
		}
		if e := f.switchErr(sw); e != nil {
			add(wrapSegs(w, 4, e...)...)
		}
	}

	if trunks, _ := f.trunkLines(w, stale, "", f.silentSwitches(now), true); len(trunks) > 0 {
		add("")
		if stale {
			live(func(now time.Time) string { return f.heading(w, trunksTitle, f.staleSummary(staleAge(now))) })
		} else {
			add(trunks[0])
		}
		add(trunks[1:]...)
	}

	head, ok, bad := f.vlanLines(w, stale, math.MaxInt, math.MaxInt)
	add("")
	add(head...)
	add(ok...)
	for _, item := range bad {
		add(item...)
	}

	head, findings := f.findingLines(w, stale, "", math.MaxInt)
	add("")
	if stale {
		live(func(now time.Time) string { return f.heading(w, findingsTitle, f.staleSummary(staleAge(now))) })
	} else {
		add(head...)
	}
	for _, item := range findings {
		add(item...)
	}
	return c
}
