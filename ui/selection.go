package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend/model"
)

// selectedGlyph marks a selected VM's row, in the cell of the cursor marker (or, on the
// cursor row, of the VLAN flag), so a selection shows without colour.
const selectedGlyph = "✓"

// selection is the set of VMs an operator picked in a site pane, by key: a VM keeps its
// place in it when it is renamed, filtered out or moved in the list. SitePane is copied by
// value (bubbletea models are values), so a selection is never changed in place: every
// change builds a new one, and an older copy of the pane keeps its own.
type selection map[model.VMKey]struct{}

func (s selection) has(k model.VMKey) bool {
	_, ok := s[k]
	return ok
}

// with returns s plus keys; s itself is unchanged.
func (s selection) with(keys ...model.VMKey) selection {
	out := make(selection, len(s)+len(keys))
	for k := range s {
		out[k] = struct{}{}
	}
	for _, k := range keys {
		out[k] = struct{}{}
	}
	return out
}

// without returns s less k; s itself is unchanged.
func (s selection) without(k model.VMKey) selection {
	out := make(selection, len(s))
	for key := range s {
		if key != k {
			out[key] = struct{}{}
		}
	}
	return out
}

// selectionLeftMsg says that selected VMs left their sites (moved, deleted, or no longer
// visible to the vCenter account): they are no longer selected. The root shows it once on
// the flash line.
type selectionLeftMsg struct {
	left []siteLeft
}

// siteLeft is the selected VMs one site lost in one State.
type siteLeft struct {
	site  string // the site's title
	names []string
}

// maxNamesInFlash is how many VM names the flash line spells out before "and 3 more".
const maxNamesInFlash = 3

// text is the flash line: "mia-app-03 left Miami (site A): no longer selected".
func (m selectionLeftMsg) text() string {
	parts := make([]string, 0, len(m.left))
	for _, l := range m.left {
		names := l.names
		list := strings.Join(names, ", ")
		if len(names) > maxNamesInFlash {
			list = fmt.Sprintf("%s and %d more", strings.Join(names[:maxNamesInFlash], ", "), len(names)-maxNamesInFlash)
		}
		parts = append(parts, fmt.Sprintf("%s left %s", list, l.site))
	}
	return strings.Join(parts, "; ") + ": no longer selected"
}

// Selection is the selected VMs of the pane's site, in the list's order, those the filter
// hides included: what a move of this site's selection would take.
func (p SitePane) Selection() []model.VM {
	if len(p.sel) == 0 {
		return nil
	}
	out := make([]model.VM, 0, len(p.sel))
	for i := range p.site.VMs {
		if p.sel.has(p.site.VMs[i].Key) {
			out = append(out, p.site.VMs[i])
		}
	}
	return out
}

// SelectionCount is how many VMs are selected, and how many of those the filter hides.
func (p SitePane) SelectionCount() (n, hidden int) { return len(p.sel), p.selHidden }

// IsSelected reports whether the VM with key k is selected in this pane.
func (p SitePane) IsSelected(k model.VMKey) bool { return p.sel.has(k) }

// toggle selects the VM under the cursor, or unselects it if it was selected.
func (p *SitePane) toggle() {
	vm, ok := p.Selected()
	if !ok {
		return
	}
	if p.sel.has(vm.Key) {
		p.sel = p.sel.without(vm.Key)
	} else {
		p.sel = p.sel.with(vm.Key)
	}
	p.countHidden()
}

// selectShown adds every VM the filter shows to the selection.
func (p *SitePane) selectShown() {
	if len(p.rows) == 0 {
		return
	}
	keys := make([]model.VMKey, len(p.rows))
	for i, r := range p.rows {
		keys[i] = p.site.VMs[r.vm].Key
	}
	p.sel = p.sel.with(keys...)
	p.countHidden()
}

// selectSame adds every VM of the site for which same(cursor VM, VM) holds, those the
// filter hides included: evacuating a host means every VM on it, not only those on screen.
// It does nothing when the VM under the cursor has no value to compare (key says so).
func (p *SitePane) selectSame(key func(*model.VM) string) {
	cur, ok := p.Selected()
	if !ok || key(&cur) == "" {
		return
	}
	want := key(&cur)
	var keys []model.VMKey
	for i := range p.site.VMs {
		if key(&p.site.VMs[i]) == want {
			keys = append(keys, p.site.VMs[i].Key)
		}
	}
	p.sel = p.sel.with(keys...)
	p.countHidden()
}

func hostOf(vm *model.VM) string    { return vm.Host }
func clusterOf(vm *model.VM) string { return vm.Cluster }

// unselect drops the VMs with these keys from the selection (those of other sites are not
// in it): their moves were queued.
func (p *SitePane) unselect(keys []model.VMKey) {
	sel := p.sel
	for _, k := range keys {
		if sel.has(k) {
			sel = sel.without(k)
		}
	}
	if len(sel) != len(p.sel) {
		p.sel = sel
		p.countHidden()
		p.ensureVisible() // the header may have lost its selection line
	}
}

// clearSelection unselects every VM of the pane.
func (p *SitePane) clearSelection() {
	p.sel, p.selHidden = nil, 0
}

// countHidden counts the selected VMs that the filter hides. It is linear in the rows, and
// runs only when the rows or the selection change.
func (p *SitePane) countHidden() {
	p.selHidden = 0
	if len(p.sel) == 0 || len(p.rows) == len(p.site.VMs) {
		return // every VM is shown, and every selected VM is one of them
	}
	shown := 0
	for _, r := range p.rows {
		if p.sel.has(p.site.VMs[r.vm].Key) {
			shown++
		}
	}
	p.selHidden = len(p.sel) - shown
}

// pruneSelection drops from the selection the VMs that are not in vms (the site's new
// inventory) and returns their names, taken from old (the inventory shown until now). It
// allocates nothing when every selected VM is still there.
func (p *SitePane) pruneSelection(old, vms []model.VM) []string {
	if len(p.sel) == 0 {
		return nil
	}
	present := 0
	for i := range vms {
		if p.sel.has(vms[i].Key) {
			present++
		}
	}
	if present == len(p.sel) {
		return nil
	}
	kept := make(selection, present)
	for i := range vms {
		if p.sel.has(vms[i].Key) {
			kept[vms[i].Key] = struct{}{}
		}
	}
	var names []string
	for i := range old {
		if k := old[i].Key; p.sel.has(k) && !kept.has(k) {
			names = append(names, clean(old[i].Name))
		}
	}
	if len(names) < len(p.sel)-present { // not in the old list either: name it by its key
		for k := range p.sel {
			if !kept.has(k) && !inVMs(old, k) {
				names = append(names, k.String())
			}
		}
	}
	p.sel = kept
	if len(kept) == 0 {
		p.sel = nil
	}
	return names
}

func inVMs(vms []model.VM, k model.VMKey) bool {
	for i := range vms {
		if vms[i].Key == k {
			return true
		}
	}
	return false
}

// selectionLine is the header line of a pane with a selection: "✓ 3 selected (1 hidden)",
// and at its right the key that clears it.
func (p SitePane) selectionLine(w int) string {
	st := p.common.Styles
	text := fmt.Sprintf("%s %d selected", selectedGlyph, len(p.sel))
	if p.selHidden > 0 {
		text += fmt.Sprintf(" (%d hidden)", p.selHidden)
	}
	left := st.SiteCount.Render(cut(text, w))
	h := p.common.KeyMap.ClearSelection.Help()
	if !p.common.KeyMap.ClearSelection.Enabled() || h.Key == "" {
		return fit(left, w)
	}
	hint := st.FilterHint.Render(h.Key + " clear")
	if ansi.StringWidth(left)+1+ansi.StringWidth(hint) > w {
		return fit(left, w)
	}
	return spread(left, hint, w)
}
