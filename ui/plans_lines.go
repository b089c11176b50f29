package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend/model"
)

// The plans view's blocks, as lines of the viewport: the draft's, each plan's and its VMs'.

// plansCountText is "1 running · 1 paused · 2 done", or "no plans yet".
func plansCountText(list []model.PlanStatus) string {
	var n [4]int
	states := [4]model.PlanState{model.PlanRunning, model.PlanPaused, model.PlanDone, model.PlanStopped}
	for _, ps := range list {
		for i, s := range states {
			if ps.State == s {
				n[i]++
			}
		}
	}
	var parts []string
	for i, s := range states {
		if n[i] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[i], s))
		}
	}
	if len(parts) == 0 {
		return "no plans yet"
	}
	return strings.Join(parts, " · ")
}

// headLine is an item's first line in exactly w cells: the cursor mark and segs, painted
// as the cursor row when it is under the cursor.
func (v *PlansView) headLine(cursor bool, w int, segs ...seg) string {
	mark := "  "
	if cursor {
		mark = cursorGlyph + " "
	}
	segs = append([]seg{{v.common.inks.fabric.text, mark}}, segs...)
	if cursor {
		k := v.common.inks.cursor.plain
		for i := range segs {
			segs[i].ink = k
		}
		if used := segsWidth(segs); used < w {
			segs = append(segs, seg{k, strings.Repeat(" ", w-used)})
		}
	}
	return fit(line(w, segs...), w)
}

// draftLines are the draft's block: what it moves from where to where, its waves, what it
// leaves out and why, the prediction and its file.
func (v *PlansView) draftLines(d model.PlanDraft, cursor bool, w int) []string {
	f := v.common.inks.fabric
	ind := seg{text: strings.Repeat(" ", planIndent)}
	dot := seg{f.muted, " · "}
	var out []string
	add := func(segs ...seg) {
		out = append(out, wrapSegs(w, planIndent, append([]seg{ind}, segs...)...)...)
	}
	route := letterOf(v.letters, d.From) + "→" + letterOf(v.letters, d.To) + " (" + clean(string(d.From)) + " → " + clean(string(d.To)) + ")"
	out = append(out, v.headLine(cursor, w, seg{f.warn, "DRAFT "}, seg{f.text, clean(d.ID)}, seg{f.muted, "  " + route}))
	if d.Selection != "" {
		add(seg{f.text, oneLine(d.Selection)})
	}
	counts := []seg{{f.text, plural(d.Count(), "VM") + " in " + plural(len(d.Waves), "wave")}}
	if n := len(d.Skipped); n > 0 {
		counts = append(counts, dot, seg{f.warn, fmt.Sprintf("%d skipped", n)})
	}
	if d.Warnings > 0 {
		counts = append(counts, dot, seg{f.warn, plural(d.Warnings, "warning") + " acknowledged on start"})
	}
	add(counts...)
	if d.Predicted > 0 {
		pred := []seg{{f.muted, "predicted "}, {f.text, "≈ " + shortDur(d.Predicted)}}
		if a := oneLine(d.Assumptions); a != "" {
			pred = append(pred, seg{f.muted, ": " + a})
		}
		add(pred...)
	}
	for _, wv := range d.Waves {
		out = append(out, v.waveLine(wv, w))
	}
	for _, s := range d.Skipped {
		why := oneLine(s.Reason)
		if why == "" {
			why = "no reason given"
		}
		add(seg{f.warn, "skipped "}, seg{f.text, clean(s.Name)}, seg{f.muted, ": " + why})
	}
	for _, n := range d.Notes {
		add(seg{f.muted, "note: " + oneLine(n)})
	}
	if d.File != "" {
		// The path on a line of its own, so that it is copied whole; less indented when
		// that keeps it on one line.
		add(seg{f.muted, "its file, to edit and run with "}, seg{f.text, "vmcross migrate --plan FILE"}, seg{f.muted, ":"})
		out = append(out, v.pathLines(d.File, w)...)
	}
	return out
}

// pathLines is a file's path on a line of its own, so that it is copied whole: less
// indented when that keeps it on one line, wrapped when nothing does.
func (v *PlansView) pathLines(path string, w int) []string {
	path = clean(path)
	indent := planIndent
	if pw := ansi.StringWidth(path); pw+indent > w {
		indent = max(w-pw, 0)
	}
	return wrapSegs(w, 0, seg{text: strings.Repeat(" ", indent)}, seg{v.common.inks.fabric.text, path})
}

// waveLine is one wave of a draft on one line: "wave 1   3 VMs   24 GiB   ≈ 1m20s   app-03,
// db-06, web-02", its names cut to the width.
func (v *PlansView) waveLine(wv model.PlanDraftWave, w int) string {
	f := v.common.inks.fabric
	head := fmt.Sprintf("%swave %-2d %7s %6s GiB", strings.Repeat(" ", planIndent), wv.Wave, plural(len(wv.VMs), "VM"), gibBytes(wv.Bytes))
	segs := []seg{{f.text, head}}
	if wv.Predicted > 0 {
		segs = append(segs, seg{f.muted, "  ≈ " + atLeast(shortDur(wv.Predicted), 6, false)})
	}
	names := make([]string, len(wv.VMs))
	for i, n := range wv.VMs {
		names[i] = clean(n)
	}
	if len(names) > 0 {
		segs = append(segs, seg{f.muted, "  " + strings.Join(names, ", ")})
	}
	return line(w, segs...)
}

// planLines are a plan's block: its id, route, state and wave; why it waits or stopped;
// its progress and counts; its predicted and elapsed times; its VMs when they are shown.
func (v *PlansView) planLines(ps model.PlanStatus, cursor bool, now time.Time, w int) []string {
	f := v.common.inks.fabric
	ind := seg{text: strings.Repeat(" ", planIndent)}
	dot := seg{f.muted, " · "}
	var out []string
	add := func(segs ...seg) {
		out = append(out, wrapSegs(w, planIndent, append([]seg{ind}, segs...)...)...)
	}
	stateInk := f.ok
	switch ps.State {
	case model.PlanPaused:
		stateInk = f.warn
	case model.PlanStopped:
		stateInk = f.bad
	case model.PlanDone:
		stateInk = f.muted
	}
	head := []seg{{f.text, clean(ps.ID)}, {f.muted, "  " + letterOf(v.letters, ps.From) + "→" + letterOf(v.letters, ps.To) + "  "}, {stateInk, planStateText(ps)}}
	if ps.Waves > 0 {
		head = append(head, seg{f.muted, fmt.Sprintf("  wave %d of %d", max(ps.WaveIndex, 1), ps.Waves)})
	}
	out = append(out, v.headLine(cursor, w, head...))

	why := oneLine(ps.Why)
	switch {
	case ps.State == model.PlanPaused:
		add(seg{f.warn, "paused: " + orElse(strings.TrimPrefix(why, "paused: "), "nothing more is handed out")})
		if g := v.governor.Paused; g != "" {
			add(seg{f.warn, "moves paused too: " + clean(g)})
		}
	case ps.State == model.PlanStopped:
		add(seg{f.bad, glyphFailed + " stopped: " + orElse(why, "no reason given")})
	case ps.State == model.PlanRunning && v.governor.Paused != "":
		add(seg{f.warn, "paused: " + clean(v.governor.Paused)}, seg{f.muted, " (the governor holds the plan's moves until it clears)"})
	case ps.State == model.PlanRunning && why != "":
		add(seg{f.warn, why})
	}

	c := countPlan(ps)
	prog := []seg{}
	barW := 6
	if w >= 60 {
		barW = 12
	}
	pct := c.percent()
	full := pct * barW / 100
	prog = append(prog, seg{f.muted, barLeft}, seg{f.ok, strings.Repeat(barFull, full)},
		seg{f.muted, strings.Repeat(barEmpty, barW-full) + barRight}, seg{f.text, padLeft(fmt.Sprintf("%d%%", pct), 5) + "  "})
	prog = append(prog, seg{f.text, fmt.Sprintf("%d done", c.done)}, dot, seg{f.text, fmt.Sprintf("%d moving", c.moving)}, dot,
		seg{f.text, fmt.Sprintf("%d waiting", c.pending)}, dot)
	failInk := f.text
	if c.failed > 0 {
		failInk = f.bad
	}
	prog = append(prog, seg{failInk, fmt.Sprintf("%d failed", c.failed)}, dot, seg{f.text, fmt.Sprintf("%d skipped", c.skipped)})
	if c.cancelled > 0 {
		prog = append(prog, dot, seg{f.warn, fmt.Sprintf("%d cancelled", c.cancelled)})
	}
	add(prog...)

	var times []seg
	if ps.Predicted > 0 {
		times = append(times, seg{f.muted, "predicted "}, seg{f.text, shortDur(ps.Predicted)})
	}
	if !ps.Started.IsZero() {
		if len(times) > 0 {
			times = append(times, dot)
		}
		if ps.Ended.IsZero() {
			times = append(times, seg{f.muted, "elapsed "}, seg{f.text, shortDur(now.Sub(ps.Started))})
		} else {
			times = append(times, seg{f.muted, "took "}, seg{f.text, shortDur(ps.Ended.Sub(ps.Started))})
		}
	}
	if who := clean(ps.Operator.String()); who != "" {
		if len(times) > 0 {
			times = append(times, dot)
		}
		times = append(times, seg{f.muted, "by "}, seg{f.text, who})
	}
	if ps.Adopted {
		times = append(times, dot, seg{f.muted, "re-attached"})
	}
	if len(times) > 0 {
		add(times...)
	}
	if v.open[ps.ID] {
		out = append(out, v.vmLines(ps, w)...)
		if ps.Journal != "" {
			add(seg{f.muted, "its journal:"})
			out = append(out, v.pathLines(ps.Journal, w)...)
		}
	}
	return out
}

// vmLines are a plan's VMs, one line each: name, wave, state, progress, why.
func (v *PlansView) vmLines(ps model.PlanStatus, w int) []string {
	f := v.common.inks.fabric
	nameW := 4
	for _, vm := range ps.VMs {
		nameW = max(nameW, min(nameWidth(vm.Name), maxPlanNameW))
	}
	nameW = min(nameW, max(w/3, 8))
	out := make([]string, 0, len(ps.VMs))
	for _, vm := range ps.VMs {
		wave := "        " // a VM skipped before the waves were made has none
		if vm.Wave > 0 {
			wave = fmt.Sprintf("wave %-3d", vm.Wave)
		}
		segs := []seg{{f.text, strings.Repeat(" ", planIndent+2) + padRight(clean(vm.Name), nameW)}, {f.muted, "  " + wave + " "}}
		why := oneLine(vm.Why)
		switch vm.State {
		case model.PlanVMPending:
			segs = append(segs, seg{f.muted, "pending"})
		case model.PlanVMSubmitted:
			segs = append(segs, seg{f.warn, "handed out"})
		case model.PlanVMMoving:
			pct := clamp(vm.Progress, 0, 100)
			full := pct * 6 / 100
			segs = append(segs, seg{f.text, "moving "}, seg{f.muted, barLeft}, seg{f.ok, strings.Repeat(barFull, full)},
				seg{f.muted, strings.Repeat(barEmpty, 6-full) + barRight}, seg{f.text, padLeft(fmt.Sprintf("%d%%", pct), 5)})
		case model.PlanVMDone:
			segs = append(segs, seg{f.ok, glyphDone + " done"})
		case model.PlanVMFailed:
			segs = append(segs, seg{f.bad, glyphFailed + " failed"})
		case model.PlanVMCancelled:
			segs = append(segs, seg{f.muted, glyphCancelled + " cancelled"})
		case model.PlanVMSkipped:
			segs = append(segs, seg{f.warn, "skipped"})
		default:
			segs = append(segs, seg{f.muted, clean(string(vm.State))})
		}
		if vm.Move != "" && !vm.State.Final() {
			segs = append(segs, seg{f.muted, "  " + clean(vm.Move)})
		}
		if why != "" {
			ink := f.muted
			if vm.State == model.PlanVMFailed {
				ink = f.bad
			}
			segs = append(segs, seg{ink, "  " + why})
		}
		out = append(out, line(w, segs...))
	}
	return out
}

// planCount sums up a plan's VMs by state.
type planCount struct {
	// moving: their vCenter task runs; pending: waiting, in a later wave or queued by the
	// governor.
	done, moving, pending, failed, cancelled, skipped int
	progress                                          int // the sum of the progress of the VMs that count, each 0 to 100
}

func countPlan(ps model.PlanStatus) planCount {
	var c planCount
	for _, vm := range ps.VMs {
		switch vm.State {
		case model.PlanVMDone:
			c.done++
			c.progress += 100
		case model.PlanVMFailed:
			c.failed++
			c.progress += 100
		case model.PlanVMCancelled:
			c.cancelled++
			c.progress += 100
		case model.PlanVMSkipped:
			c.skipped++
		case model.PlanVMMoving: // its vCenter task runs
			c.moving++
			c.progress += clamp(vm.Progress, 0, 100)
		default: // not handed out yet, or queued by the governor
			c.progress += clamp(vm.Progress, 0, 100)
			c.pending++
		}
	}
	return c
}

// percent is how far the plan is, over the VMs it moves (skipped ones left out).
func (c planCount) percent() int {
	n := c.done + c.failed + c.cancelled + c.moving + c.pending
	if n == 0 {
		return 0
	}
	return c.progress / n
}

// orElse is s, else def when s is empty.
func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// planShortID is a plan's id without the "evac-20250314-0300-" that every console plan's
// id starts with: what it evacuates ("esx-a01-02"). Other ids are kept whole.
func planShortID(id string) string {
	id = clean(id)
	const stamp = "evac-20060102-1504-"
	if len(id) <= len(stamp) || !strings.HasPrefix(id, "evac-") {
		return id
	}
	for i := 5; i < len(stamp)-1; i++ {
		switch c := id[i]; {
		case stamp[i] == '-' && c != '-', stamp[i] != '-' && (c < '0' || c > '9'):
			return id
		}
	}
	if id[len(stamp)-1] != '-' {
		return id
	}
	return id[len(stamp):]
}
