package ui

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend/model"
)

// Column widths. Name, VLANs and cluster/host stretch between their minimum and the widest
// value in the inventory (capped); the others are fixed.
const (
	markerW     = 2 // "> " on the cursor row; "✓" selected, "!" flagged (see row)
	nameMinW    = 12
	nameWantW   = 15 // the name gets this much before any optional column is added
	nameMaxW    = 32
	powerW      = 3
	cpuW        = 3
	memW        = 4
	vlansMinW   = 7
	vlansMaxW   = 24
	placeMinW   = 12
	placeMaxW   = 40
	columnGap   = 1
	cursorGlyph = ">"
	// flagGlyph marks a row with a VLAN the DCI does not carry, next to the cursor marker, so
	// the flag shows without colour and when the VLANS column is dropped.
	flagGlyph = "!"
	// notCarriedGlyph precedes a VLAN the DCI does not carry in the VLANS column: "✗120".
	notCarriedGlyph = "✗"
)

// columns says which columns a pane shows and how wide each is. Optional columns are
// dropped from the right (cluster/host first, then VLANs, memory, vCPUs) when the pane is
// too narrow; name and power always stay.
type columns struct {
	name                   int
	cpu, mem, vlans, place int // 0: dropped
}

// widest holds the widest value of each stretchable column in the current inventory. It is
// measured when a State arrives, never in View.
type widest struct{ name, vlans, place int }

// measure finds the widest values; a VLAN that marks says is not carried counts its marker.
// It runs on every new snapshot of the pane's site, over every VM: names, clusters and hosts
// of printable ASCII (nearly all) are measured by their length, the rest as they are drawn.
func measure(vms []model.VM, marks *vlanMarks) widest {
	w := widest{name: len("NAME"), vlans: len("VLANS"), place: len("CLUSTER/HOST")}
	for i := range vms {
		vm := &vms[i]
		w.name = max(w.name, nameWidth(vm.Name))
		w.place = max(w.place, textWidth(vm.Cluster)+1+textWidth(vm.Host))
		w.vlans = max(w.vlans, vlansWidth(vm.VLANs, marks))
	}
	return w
}

// textWidth is ansi.StringWidth, without its parser for printable ASCII.
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

func vlansWidth(v []int, marks *vlanMarks) int {
	n := 0
	for i, id := range v {
		if i > 0 {
			n++
		}
		n += digits(id)
		if marks.notCarried(id) {
			n += ansi.StringWidth(notCarriedGlyph)
		}
	}
	return n
}

// digits is len(strconv.Itoa(id)), without the string.
func digits(id int) int {
	n := 1
	if id < 0 {
		n, id = 2, -id
	}
	for id >= 10 {
		n++
		id /= 10
	}
	return n
}

// layoutColumns fits the columns into inner cells.
func layoutColumns(inner int, want widest) columns {
	avail := inner - markerW
	nameWant := min(max(want.name, nameMinW), nameMaxW)
	c := columns{name: min(nameWant, max(nameMinW, min(nameWantW, avail-columnGap-powerW)))}
	used := c.name + columnGap + powerW
	add := func(w int) int {
		if used+columnGap+w > avail {
			return 0
		}
		used += columnGap + w
		return w
	}
	// Each optional column is only added if every column left of it was.
	if c.cpu = add(cpuW); c.cpu > 0 {
		if c.mem = add(memW); c.mem > 0 {
			if c.vlans = add(vlansMinW); c.vlans > 0 {
				c.place = add(placeMinW)
			}
		}
	}
	// Share what is left: the name first, then VLANs, then cluster/host.
	grow := func(cur *int, limit int) {
		if *cur == 0 {
			return
		}
		d := min(avail-used, max(limit-*cur, 0))
		*cur += d
		used += d
	}
	grow(&c.name, nameWant)
	grow(&c.vlans, min(max(want.vlans, vlansMinW), vlansMaxW))
	grow(&c.place, min(max(want.place, placeMinW), placeMaxW))
	return c
}

// header is the column-heading line.
func (c columns) header() string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", markerW))
	b.WriteString(padRight("NAME", c.name))
	b.WriteString(" " + padRight("PWR", powerW))
	if c.cpu > 0 {
		b.WriteString(" " + padLeft("CPU", c.cpu))
	}
	if c.mem > 0 {
		b.WriteString(" " + padLeft("GiB", c.mem))
	}
	if c.vlans > 0 {
		b.WriteString(" " + padRight("VLANS", c.vlans))
	}
	if c.place > 0 {
		b.WriteString(" " + padRight("CLUSTER/HOST", c.place))
	}
	return b.String()
}

// width is the cells the columns take, marker included.
func (c columns) width() int {
	w := markerW + c.name + columnGap + powerW
	for _, cw := range []int{c.cpu, c.mem, c.vlans, c.place} {
		if cw > 0 {
			w += columnGap + cw
		}
	}
	return w
}

// row renders one VM in exactly inner cells (inner ≥ c.width()). matched are byte offsets
// of name characters that matched the filter. marks (nil: none) says which VLANs the DCI
// does not carry: the row gets "!" next to the cursor marker and those VLANs read "✗120".
//
// The two marker cells say, without colour: the first, the cursor (">") or, off the cursor,
// a selected VM ("✓"); the second, the VLAN flag ("!") or, on a selected cursor row, "✓".
// A selected, flagged cursor row keeps its "!" when the VLANS column is dropped; with the
// column shown, its "✗120" says it and the "✓" takes the cell.
func (c columns) row(vm *model.VM, matched []int, cursor, selected bool, k rowInks, marks *vlanMarks, inner int) string {
	var b strings.Builder
	b.Grow(inner * 2)
	cur := " "
	switch {
	case cursor:
		cur = cursorGlyph
	case selected:
		cur = selectedGlyph
	}
	flagged := marks.flags(vm.VLANs)
	second := " "
	if cursor && selected {
		second = selectedGlyph
	}
	if flagged && (second == " " || c.vlans == 0) {
		k.plain.write(&b, cur)
		k.bad.write(&b, flagGlyph)
		b.WriteString(highlight("", vm.Name, matched, c.name, k))
	} else {
		b.WriteString(highlight(cur+second, vm.Name, matched, c.name, k))
	}
	word, pk := power(vm, k)
	b.WriteString(k.plain.paint(" "))
	b.WriteString(pk.paint(padRight(word, powerW)))
	var nums, text string
	if c.cpu > 0 {
		nums += " " + padLeft(strconv.Itoa(int(vm.CPU)), c.cpu)
	}
	if c.mem > 0 {
		nums += " " + padLeft(gib(vm.MemoryMiB), c.mem)
	}
	b.WriteString(k.plain.paint(nums))
	if flagged && c.vlans > 0 {
		k.muted.write(&b, " ")
		writeVLANs(&b, vm.VLANs, marks, c.vlans, k)
	} else if c.vlans > 0 {
		text += " " + padRight(vlanList(vm.VLANs), c.vlans)
	}
	if c.place > 0 {
		text += " " + padRight(place(vm, c.place), c.place)
	}
	b.WriteString(k.muted.paint(text))
	if pad := inner - c.width(); pad > 0 {
		if cursor {
			b.WriteString(k.plain.paint(strings.Repeat(" ", pad)))
		} else {
			b.WriteString(strings.Repeat(" ", pad))
		}
	}
	return b.String()
}

// nameWidth is the width of a name as highlight draws it: control characters (an escape
// sequence in a VM name, say) are shown as "?", one cell each; ASCII, one cell a byte.
func nameWidth(name string) int {
	ascii := true
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return len(name)
	}
	n := 0
	for _, r := range name {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	if r == utf8.RuneError || isControl(r) || r < utf8.RuneSelf {
		return 1
	}
	return ansi.StringWidth(string(r))
}

// power is the short word for a VM's power state, and its style.
func power(vm *model.VM, k rowInks) (string, ink) {
	switch {
	case vm.Template:
		return "tmpl", k.tmpl
	case vm.Power == model.PoweredOn:
		return "on", k.on
	case vm.Power == model.Suspended:
		return "sus", k.susp
	case vm.Power == model.PoweredOff:
		return "off", k.off
	}
	return "?", k.off
}

// gib formats MiB as GiB: whole numbers plain, the rest with one decimal.
func gib(mib int32) string {
	if mib%1024 == 0 {
		return strconv.Itoa(int(mib / 1024))
	}
	return strconv.FormatFloat(float64(mib)/1024, 'f', 1, 64)
}

// writeVLANs writes a VM's VLANs in exactly w cells, those the DCI does not carry as "✗120"
// in the bad ink. When the list is too long for w, the VLANs not carried come first, so the
// cut never hides them.
func writeVLANs(b *strings.Builder, v []int, marks *vlanMarks, w int, k rowInks) {
	type item struct {
		text string
		bad  bool
	}
	var buf [8]item
	items := buf[:0]
	for _, id := range v {
		if marks.notCarried(id) {
			items = append(items, item{notCarriedGlyph + strconv.Itoa(id), true})
		}
	}
	if vlansWidth(v, marks) > w {
		for _, id := range v { // not carried first, then the others
			if !marks.notCarried(id) {
				items = append(items, item{strconv.Itoa(id), false})
			}
		}
	} else {
		items = items[:0]
		for _, id := range v {
			if bad := marks.notCarried(id); bad {
				items = append(items, item{notCarriedGlyph + strconv.Itoa(id), true})
			} else {
				items = append(items, item{strconv.Itoa(id), false})
			}
		}
	}
	used := 0
	for i, it := range items {
		text := it.text
		if i > 0 {
			text = "," + text
		}
		tw := ansi.StringWidth(text)
		last := i == len(items)-1
		if used+tw > w || (!last && used+tw == w) {
			// Out of room: cut here, ending with an ellipsis.
			text = ansi.Truncate(text, max(w-used-1, 0), "") + ellipsis
			tw = ansi.StringWidth(text)
			if used+tw > w {
				break
			}
		}
		if it.bad {
			k.bad.write(b, text)
		} else {
			k.muted.write(b, text)
		}
		used += tw
		if used >= w {
			break
		}
	}
	if used < w {
		k.muted.write(b, strings.Repeat(" ", w-used))
	}
}

func vlanList(v []int) string {
	if len(v) == 0 {
		return "-"
	}
	parts := make([]string, len(v))
	for i, id := range v {
		parts[i] = strconv.Itoa(id)
	}
	return strings.Join(parts, ",")
}

// place is "cluster/host". When that is wider than w, the host loses its domain
// ("A-01/esx03"), which is what an operator reads anyway.
func place(vm *model.VM, w int) string {
	host := clean(vm.Host)
	full := joinPlace(clean(vm.Cluster), host)
	if ansi.StringWidth(full) <= w {
		return full
	}
	return joinPlace(clean(vm.Cluster), shortHost(host))
}

func joinPlace(cluster, host string) string {
	switch {
	case cluster == "":
		return host
	case host == "":
		return cluster
	}
	return cluster + "/" + host
}

// shortHost is a host name's first label; IP addresses stay whole.
func shortHost(h string) string {
	i := strings.IndexByte(h, '.')
	if i <= 0 || strings.Trim(h, "0123456789.") == "" || strings.Contains(h, ":") {
		return h
	}
	return h[:i]
}

// clean makes text from the outside safe for one line: control characters (newlines in an
// error, escape sequences in a name) become spaces.
func clean(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s)
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// highlight renders marker then name in exactly w cells, painting the characters at the
// matched byte offsets. A name too long for w is cut and ends with an ellipsis.
func highlight(marker, name string, matched []int, w int, k rowInks) string {
	limit := w
	if nameWidth(name) > w {
		limit = w - 1 // room for the ellipsis
	}
	var b strings.Builder
	var run strings.Builder
	run.WriteString(marker)
	runMatched := false
	flush := func() {
		if run.Len() == 0 {
			return
		}
		if runMatched {
			b.WriteString(k.match.paint(run.String()))
		} else {
			b.WriteString(k.plain.paint(run.String()))
		}
		run.Reset()
	}
	used, m := 0, 0
	for i, r := range name {
		rw := runeWidth(r)
		if used+rw > limit {
			break
		}
		for m < len(matched) && matched[m] < i {
			m++
		}
		isMatch := m < len(matched) && matched[m] == i
		if isMatch != runMatched {
			flush()
			runMatched = isMatch
		}
		if r == utf8.RuneError || isControl(r) {
			r = '?' // a control character would break the line
		}
		run.WriteRune(r)
		used += rw
	}
	if limit < w {
		if runMatched {
			flush()
			runMatched = false
		}
		run.WriteString(ellipsis)
		used++
	}
	if runMatched {
		flush()
		runMatched = false
	}
	run.WriteString(strings.Repeat(" ", max(w-used, 0)))
	flush()
	return b.String()
}
