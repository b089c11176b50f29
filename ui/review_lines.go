package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// operatorMark follows a target the operator chose in the target editor.
const operatorMark = "✎"

// summary is the lines above the scrolled VMs: the totals, the estimate and the request's
// state, and what confirming would do (or the typed confirmation).
func (r *ReviewView) summary(w int) []string {
	st := r.common.Styles
	var out []string
	add := func(s string) { out = append(out, fit(s, w)) }
	if !r.have {
		add(st.DetailValue.Render(plural(len(r.keys), "VM")))
		add(r.stateText(len(r.keys)))
		return out
	}
	tot := r.res.Totals
	n := len(r.res.VMs)
	p := r.plan()
	bad := st.DetailValue
	if p.blocked > 0 {
		bad = st.DetailBad
	}
	sp := st.DetailLabel.Render("  ")
	counts := st.DetailValue.Render(plural(n, "VM")) + sp + bad.Render(fmt.Sprintf("✗ %d blocked", p.blocked)) + sp +
		st.DetailValue.Render(fmt.Sprintf("%d can move", n-p.blocked))
	profile := ""
	if r.res.Profile.Name != "" {
		profile = st.DetailLabel.Render("profile ") + st.DetailValue.Render(clean(r.res.Profile.Name))
	}
	add(sides(counts, profile, w))

	disk := st.DetailLabel.Render("  disk to copy ") + st.DetailValue.Render(gibBytes(tot.DiskB)+" GiB")
	if tot.DiskUnknown > 0 {
		disk += st.DetailWarn.Render(fmt.Sprintf(" (disks of %s unknown)", plural(tot.DiskUnknown, "VM")))
	}
	add(st.DetailLabel.Render("memory to copy ") + st.DetailValue.Render(gibBytes(tot.MemoryB)+" GiB") + disk)

	var bw string
	switch {
	case tot.BandwidthMbps <= 0:
		bw = st.DetailWarn.Render("unknown")
	case tot.BandwidthMeasured:
		bw = st.DetailValue.Render(rate(tot.BandwidthMbps)) + st.DetailLabel.Render(" free on the DCI")
	default:
		bw = st.DetailValue.Render(rate(tot.BandwidthMbps)) + st.DetailLabel.Render(" (profile minimum; DCI not measured)")
	}
	add(st.DetailLabel.Render("bandwidth ") + bw)

	var eta string
	switch {
	case n-p.blocked == 0:
		eta = st.DetailLabel.Render("nothing to copy: no VM can move")
	case tot.Duration <= 0:
		eta = st.DetailLabel.Render("nothing to copy")
	default:
		eta = st.DetailValue.Render("≈ "+approx(tot.Duration)) + st.DetailLabel.Render("  memory the guests dirty meanwhile adds to it")
	}
	if r.err != nil && !r.loading {
		add(eta)
		add(r.stateText(n))
	} else {
		add(sides(eta, r.stateText(n), w))
	}

	for _, l := range r.confirmLines(p, w) {
		add(l)
	}
	return out
}

// stateText says where the request stands: judging, judged at, failed.
func (r *ReviewView) stateText(n int) string {
	st := r.common.Styles
	switch {
	case r.loading && !r.have:
		return st.DetailLabel.Render(fmt.Sprintf("judging %s…", plural(n, "VM")))
	case r.loading:
		return st.DetailLabel.Render("changed: judging again…")
	case r.err != nil:
		return st.DetailBad.Render("could not judge: " + sentence(r.err.Error()))
	case r.rejudged:
		return st.DetailLabel.Render("re-judged " + r.judged.Format("15:04:05"))
	}
	return st.DetailLabel.Render("judged " + r.judged.Format("15:04:05"))
}

// confirmLines say what confirming would move, or why it was refused, or hold the typed
// confirmation: one or two lines, then the input while it is open.
func (r *ReviewView) confirmLines(p planCounts, w int) []string {
	st := r.common.Styles
	two := func(text string, style lipgloss.Style) []string {
		lines := wrapWords(text, max(w, 1))
		if len(lines) > 2 {
			lines = append(lines[:1], ansi.Truncate(strings.Join(lines[1:], " "), w, ellipsis))
		}
		for i, l := range lines {
			lines[i] = style.Render(l)
		}
		return lines
	}
	switch {
	case r.starting > 0:
		return []string{st.DetailLabel.Render(fmt.Sprintf("starting %s…", plural(r.starting, "move")))}
	case r.confirm.open:
		text, style := p.sentence(r.common), st.DetailLabel
		if r.refusal != "" {
			// The refusal stays in view while the operator types again.
			text, style = r.refusal, st.DetailBad
		}
		return append(two(text, style), r.confirm.View())
	case r.refusal != "":
		return two(r.refusal, st.DetailBad)
	case !r.common.KeyMap.ConfirmMove.Enabled():
		return []string{st.DetailLabel.Render("read-only session: a viewer cannot start moves")}
	case p.would > 0:
		return two(r.common.KeyMap.ConfirmMove.Help().Key+": "+p.sentence(r.common), st.DetailLabel)
	}
	return two(p.nothing(r.common), st.DetailBad)
}

// sides puts left at the left of w cells and right at the right; right goes when both do
// not fit.
func sides(left, right string, w int) string {
	lw, rw := ansi.StringWidth(left), ansi.StringWidth(right)
	if right == "" || lw+2+rw > w {
		return fit(left, w)
	}
	return left + strings.Repeat(" ", w-lw-rw) + right
}

// rate prints a bandwidth as operators read it: "622 Mbps", "18.8 Gbps".
func rate(mbps int64) string {
	if mbps < 1000 {
		return fmt.Sprintf("%d Mbps", mbps)
	}
	g := strconv.FormatFloat(float64(mbps)/1000, 'f', 1, 64)
	return strings.TrimSuffix(g, ".0") + " Gbps"
}

// approx prints an estimated duration: to the second under a minute ("12 s"), then to the
// minute ("4 min", "1 h 08 min").
func approx(d time.Duration) string {
	if s := int(d.Round(time.Second) / time.Second); s < 60 {
		return fmt.Sprintf("%d s", max(s, 1))
	}
	m := int(d.Round(time.Minute) / time.Minute)
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
}

// copyTime is how long b bytes take across the DCI at mbps megabits a second (0 when
// either is unknown), as preflight's estimates count it.
func copyTime(b, mbps int64) time.Duration {
	if b <= 0 || mbps <= 0 {
		return 0
	}
	return time.Duration(float64(b) * 8 / (float64(mbps) * 1e6) * float64(time.Second))
}

// reviewLines lays the answer out in lines of w cells: the notes, the findings about the
// whole selection under "ALL VMs", then each VM: its verdict, its target, its findings.
// It returns the lines each VM takes, for the cursor.
func (r *ReviewView) reviewLines(w int) ([]string, []lineSpan) {
	c, res := r.common, r.res
	st := c.Styles
	var out []string
	add := func(s string) { out = append(out, fit(s, w)) }
	for _, n := range res.Notes {
		for i, l := range wrapWords(clean(n), max(w-2, 1)) {
			prefix := "  "
			if i == 0 {
				prefix = "ℹ "
			}
			add(st.DetailLabel.Render(prefix + l))
		}
	}
	var all []preflight.Finding
	byVM := map[model.VMKey][]preflight.Finding{}
	for _, f := range res.Findings {
		if f.VM == (model.VMKey{}) {
			all = append(all, f)
		} else {
			byVM[f.VM] = append(byVM[f.VM], f)
		}
	}
	if len(all) > 0 {
		if len(out) > 0 {
			out = append(out, "")
		}
		add(st.DetailHeading.Render("ALL VMs") + st.DetailLabel.Render("  "+plural(len(all), "finding")))
		for _, f := range all {
			for _, l := range findingLines(c, f, w-2) {
				add("  " + l)
			}
		}
	}
	blocks := make([]lineSpan, len(res.VMs))
	for i, vm := range res.VMs {
		if len(out) > 0 {
			out = append(out, "")
		}
		first := len(out)
		gutter := "  "
		if i == r.cursor {
			gutter = st.DetailHeading.Render("▌ ")
		}
		for _, l := range r.vmLines(vm, byVM[vm.Key], i == r.cursor, w-2) {
			add(gutter + l)
		}
		blocks[i] = lineSpan{first, len(out) - 1}
	}
	return out, blocks
}

// vmLines is one VM in lines of w cells: its name and verdict, where it would go, an
// acknowledgement withdrawn, then its findings with their remedies.
func (r *ReviewView) vmLines(vm model.VM, fs []preflight.Finding, cursor bool, w int) []string {
	st := r.common.Styles
	var verdict, ack string
	var vs, as lipgloss.Style
	ws := r.warnings(vm.Key)
	switch {
	case preflight.Blocked(r.res.Findings, vm.Key):
		verdict, vs = "✗ blocked", st.DetailBad
	case len(ws) > 0:
		verdict, vs = "▲ "+plural(len(ws), "warning"), st.DetailWarn
		if r.acked(vm.Key) {
			ack, as = "  ✓ acknowledged", st.DetailValue
		} else {
			ack, as = "  not acknowledged", st.DetailLabel
		}
	default:
		verdict, vs = "● clear", st.DetailValue
	}
	name := cut(clean(vm.Name), max(w-ansi.StringWidth(verdict+ack)-2, 1))
	var head string
	if cursor {
		head = st.CursorRow.Render(name + "  " + verdict + ack)
	} else {
		head = st.DetailHeading.Render(name) + "  " + vs.Render(verdict) + as.Render(ack)
	}
	out := []string{fit(head, w)}
	for _, l := range targetLines(r.common, r.targetOf(vm.Key), r.estimateOf(vm.Key), r.res.Totals.BandwidthMbps, w-2) {
		out = append(out, "  "+l)
	}
	if fresh := r.lapsed[vm.Key]; len(fresh) > 0 && !r.acked(vm.Key) {
		text := "acknowledgement withdrawn: new " + verb(len(fresh), "warning ", "warnings ") + findingNames(fresh)
		for i, l := range wrapWords(text, max(w-4, 1)) {
			prefix := "    "
			if i == 0 {
				prefix = "  ▲ "
			}
			out = append(out, st.DetailWarn.Render(prefix+l))
		}
	}
	for _, f := range fs {
		for _, l := range findingLines(r.common, f, w-2) {
			out = append(out, "  "+l)
		}
	}
	return out
}

// findingLines is one finding in lines of w cells: its glyph, code and message, then its
// remedy after an arrow, both indented under the code.
func findingLines(c Common, f preflight.Finding, w int) []string {
	st := c.Styles
	var out []string
	glyph, style := severityGlyph(c, f.Severity)
	head := glyph + " " + clean(f.Code) + "  "
	// The message starts after the code, two spaces apart, and wraps under the code.
	words := strings.Fields(clean(f.Message))
	firstW := w - ansi.StringWidth(head)
	n := 0
	for used := 0; n < len(words); n++ {
		ww := ansi.StringWidth(words[n])
		if used > 0 {
			ww++
		}
		if used+ww > firstW {
			break
		}
		used += ww
	}
	out = append(out, style.Render(head)+st.DetailValue.Render(strings.Join(words[:n], " ")))
	if n < len(words) {
		for _, l := range wrapWords(strings.Join(words[n:], " "), max(w-2, 1)) {
			out = append(out, st.DetailValue.Render("  "+l))
		}
	}
	if f.Remedy != "" {
		for i, l := range wrapWords(clean(f.Remedy), max(w-4, 1)) {
			prefix := "    "
			if i == 0 {
				prefix = "  → "
			}
			out = append(out, st.DetailLabel.Render(prefix+l))
		}
	}
	return out
}

// severityGlyph is how a severity shows: ✗ blocks, ▲ warns, ● informs.
func severityGlyph(c Common, s preflight.Severity) (string, lipgloss.Style) {
	st := c.Styles
	switch s {
	case preflight.Block:
		return "✗", st.DetailBad
	case preflight.Warn:
		return "▲", st.DetailWarn
	}
	return "●", st.DetailLabel
}

// targetLines is where a VM would go, compactly, in lines of w cells:
//
//	→ B-01 / esx-b01-02  storage kept (nfs-metro-01)
//	VLAN120-App → VLAN120-App  VLAN130-DB → VLAN130-DB✎
//	✗ network VLAN999: the target site has no port group named VLAN999 …
//
// ✎ marks what the operator chose; a target not found says why. Nothing when t is zero.
func targetLines(c Common, t preflight.Target, est preflight.Estimate, mbps int64, w int) []string {
	if t.VM == (model.VMKey{}) || w <= 0 {
		return nil
	}
	st := c.Styles
	mark := func(ch preflight.Choice) string {
		if ch.How == preflight.ByOperator {
			return operatorMark
		}
		return ""
	}
	place := "→ "
	switch {
	case t.Cluster.Found():
		place += clean(t.Cluster.Target) + mark(t.Cluster)
	default:
		place += "✗ no cluster"
	}
	switch {
	case t.Host.Found():
		place += " / " + clean(t.Host.Target) + mark(t.Host)
	case t.Cluster.Found():
		place += " / ✗ no host"
	}
	items := []string{st.DetailValue.Render(place)}
	if s := storageText(t, est, mbps); s != "" {
		items = append(items, st.DetailLabel.Render(s))
	}
	out := packItems(items, w)
	var nets []string
	for _, n := range t.Networks {
		if n.Found() {
			nets = append(nets, st.DetailLabel.Render(clean(n.Source)+" → "+clean(n.Target)+mark(n)))
		} else {
			nets = append(nets, st.DetailBad.Render(clean(n.Source)+" → ✗"))
		}
	}
	out = append(out, packItems(nets, w)...)
	problem := func(what, why string) {
		if why == "" {
			why = "not found"
		}
		for i, l := range wrapWords(clean("✗ "+what+": "+why), max(w-2, 1)) {
			if i > 0 {
				l = "  " + l
			}
			out = append(out, st.DetailBad.Render(l))
		}
	}
	switch {
	case !t.Cluster.Found():
		problem("cluster", t.Cluster.Why)
	case !t.Host.Found():
		problem("host", t.Host.Why)
	}
	for _, d := range t.Datastores {
		if !d.Found() {
			problem("datastore "+d.Source, d.Why)
		}
	}
	for _, n := range t.Networks {
		if !n.Found() {
			problem("network "+n.Source, n.Why)
		}
	}
	return out
}

// storageText says whether a VM's storage stays where it is (the target hosts mount the
// same datastore) or moves, to where, how much and for how long.
func storageText(t preflight.Target, est preflight.Estimate, mbps int64) string {
	var kept, moving []string
	seen := map[string]bool{}
	for _, d := range t.Datastores {
		if !d.Found() || seen[d.Target] {
			continue
		}
		seen[d.Target] = true
		name := clean(d.Target)
		if d.How == preflight.ByOperator {
			name += operatorMark
		}
		if d.Shared {
			kept = append(kept, name)
		} else {
			moving = append(moving, name)
		}
	}
	switch {
	case len(moving) == 0 && len(kept) == 0:
		return ""
	case len(moving) == 0:
		return "storage kept (" + strings.Join(kept, ", ") + ")"
	}
	size := "size unknown"
	if est.DiskKnown {
		size = gibBytes(est.DiskB) + " GiB"
		if d := copyTime(est.DiskB, mbps); d > 0 {
			size += ", +" + approx(d)
		}
	}
	s := "storage moves to " + strings.Join(moving, ", ") + " (" + size + ")"
	if len(kept) > 0 {
		s += "; kept on " + strings.Join(kept, ", ")
	}
	return s
}

// packItems lays styled items out on lines of w cells, two spaces apart, as many on a line
// as fit; an item wider than a line is cut.
func packItems(items []string, w int) []string {
	var out []string
	cur, cw := "", 0
	for _, it := range items {
		iw := ansi.StringWidth(it)
		if cw > 0 && cw+2+iw > w {
			out = append(out, cur)
			cur, cw = "", 0
		}
		if cw > 0 {
			cur += "  "
			cw += 2
		}
		if iw > w-cw {
			it = ansi.Truncate(it, w-cw, ellipsis)
			iw = ansi.StringWidth(it)
		}
		cur += it
		cw += iw
	}
	if cw > 0 {
		out = append(out, cur)
	}
	return out
}
