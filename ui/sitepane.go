package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/keymap"
)

// maxErrorLines bounds how much of a site's error its header shows.
const maxErrorLines = 2

// SitePane lists one site's VMs under a header with the site's connection state. It renders
// only the rows on screen, and keeps the cursor on the same VM when a new State arrives.
type SitePane struct {
	common Common
	slot   int // which State.Sites entry this pane shows, until it knows its site's ID
	site   model.SiteSnapshot
	known  bool // a State has named this pane's site
	rows   []row
	widest widest
	marks  *vlanMarks // VLANs the DCI does not carry, from the same State; nil: none
	cursor int        // index into rows
	offset int        // first row on screen
	query  string
	input  textinput.Model
	width  int
	height int

	focused bool

	sel selection // the VMs picked for a move; never changed in place
	// selHidden is how many selected VMs the filter hides, counted when the rows or the
	// selection change, never in View.
	selHidden int
	// note is what the console's header (the first pane's title) says after the site:
	// READ-ONLY, and who else is connected. Set from every State, in the first pane only.
	note string

	// rowsOf and rowsQuery are the VMs and the query the rows were filtered from: a query
	// typed on from rowsQuery over the same VMs refines them (refineVMs), and one typed
	// before (a backspace) finds its rows in earlier, the queries typed since the VMs came.
	rowsOf    []model.VM
	rowsQuery string
	earlier   filtered
}

// NewSitePane returns the pane for the slot-th site of the engine's State (0: site A).
func NewSitePane(c Common, slot int) SitePane {
	st := c.Styles
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "name, cluster, host or VLAN"
	in.PromptStyle = st.FilterPrompt
	in.TextStyle = st.FilterText
	in.PlaceholderStyle = st.FilterPlaceholder
	in.CompletionStyle = st.FilterPlaceholder
	in.Cursor.Style = st.FilterCursor
	in.Cursor.TextStyle = st.FilterText
	// A blinking cursor redraws the screen twice a second, for every SSH session.
	in.Cursor.SetMode(cursor.CursorStatic)
	return SitePane{common: c, slot: slot, input: in}
}

// SetSize sets the pane's outer size, border included.
func (p *SitePane) SetSize(w, h int) {
	p.width, p.height = w, h
	// The input draws prompt, Width cells and the cursor cell; then a gap and the hint.
	p.input.Width = max(p.innerWidth()-ansi.StringWidth(p.input.Prompt)-1-1-ansi.StringWidth(filterHint(p.common.KeyMap, true)), 1)
	p.scroll(p.cursor - p.offset)
}

// Focus marks the pane as the one that gets the keys.
func (p *SitePane) Focus() { p.focused = true }

// Blur marks the pane as not focused.
func (p *SitePane) Blur() { p.focused = false }

// Focused reports whether the pane has the keys.
func (p SitePane) Focused() bool { return p.focused }

// Filtering reports whether the filter input has the keys: then every key goes to it.
func (p SitePane) Filtering() bool { return p.input.Focused() }

// Query is the filter in force ("" for none).
func (p SitePane) Query() string { return p.query }

// Site is the snapshot the pane shows, and whether a State has named its site yet.
func (p SitePane) Site() (model.SiteSnapshot, bool) { return p.site, p.known }

// Selected is the VM under the cursor.
func (p SitePane) Selected() (model.VM, bool) {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return model.VM{}, false
	}
	return p.site.VMs[p.rows[p.cursor].vm], true
}

// Visible is the number of VMs that pass the filter.
func (p SitePane) Visible() int { return len(p.rows) }

// SetState shows this pane's site from s, keeping the cursor on the VM it was on (or on the
// same row, if that VM is gone). It does nothing when the site's snapshot (Gen; 0 means
// unversioned) and the marks are those already shown. marks, derived from the same State, flags the VMs on VLANs
// the DCI does not carry. The work is proportional to the inventory, and done here, in
// Update, never in View.
//
// Selected VMs that are no longer in the site's inventory leave the selection; left names
// them, for the console to say so once. The selection survives everything else.
func (p *SitePane) SetState(s model.State, marks *vlanMarks) (left []string) {
	if p.slot == 0 {
		p.note = headerNote(s, p.common.Operator)
	}
	var snap model.SiteSnapshot
	var ok bool
	if p.known {
		snap, ok = s.Site(p.site.Status.ID)
	} else if p.slot < len(s.Sites) {
		snap, ok = s.Sites[p.slot], true
	}
	if !ok {
		return nil // the site left the State: keep showing what we had
	}
	if p.known && snap.Gen != 0 && snap.Gen == p.site.Gen && snap.Status.ID == p.site.Status.ID && marks == p.marks {
		return nil // another site changed: nothing to re-filter or re-sort here
	}
	sel, had := p.Selected() // before the VMs change under the rows
	left = p.pruneSelection(p.site.VMs, snap.VMs)
	p.site, p.known = snap, true
	p.marks = marks
	p.widest = measure(snap.VMs, marks)
	p.refilterFrom(sel, had, false)
	return left
}

// refilter rebuilds the rows from the query. The cursor stays on its VM if that VM is still
// listed; otherwise it goes to the top (toTop, for a new filter) or stays on its row.
func (p *SitePane) refilter(toTop bool) {
	sel, had := p.Selected()
	p.refilterFrom(sel, had, toTop)
}

// refilterFrom is refilter with the selection taken before p.site changed.
func (p *SitePane) refilterFrom(sel model.VM, had, toTop bool) {
	screenRow := p.cursor - p.offset
	if !sameVMs(p.rowsOf, p.site.VMs) {
		p.rows, p.earlier = filterVMs(p.site.VMs, p.query), nil
	} else if rows, ok := p.earlier.find(p.query); ok {
		p.rows = rows
	} else {
		p.rows = refineVMs(p.site.VMs, p.query, p.rows, p.rowsQuery)
	}
	p.rowsOf, p.rowsQuery = p.site.VMs, p.query
	p.earlier = p.earlier.with(p.query, p.rows)
	idx := -1
	if had {
		for i, r := range p.rows {
			if p.site.VMs[r.vm].Key == sel.Key {
				idx = i
				break
			}
		}
	}
	switch {
	case idx >= 0:
		p.cursor = idx
	case toTop:
		p.cursor, screenRow = 0, 0
	}
	p.countHidden()
	p.scroll(screenRow)
}

// scroll clamps the cursor and scrolls so that it is on screen, at screenRow if possible.
func (p *SitePane) scroll(screenRow int) {
	n, h := len(p.rows), p.listHeight()
	p.cursor = clamp(p.cursor, 0, n-1)
	p.offset = clamp(p.cursor-screenRow, 0, max(n-h, 0))
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if h > 0 && p.cursor >= p.offset+h {
		p.offset = p.cursor - h + 1
	}
}

// ensureVisible scrolls as little as possible to show the cursor.
func (p *SitePane) ensureVisible() {
	n, h := len(p.rows), p.listHeight()
	p.cursor = clamp(p.cursor, 0, n-1)
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if h > 0 && p.cursor >= p.offset+h {
		p.offset = p.cursor - h + 1
	}
	p.offset = clamp(p.offset, 0, max(n-h, 0))
}

func clamp(v, lo, hi int) int {
	if hi < lo {
		return lo
	}
	return min(max(v, lo), hi)
}

// Update handles a key (or the filter input's own messages) for this pane.
func (p SitePane) Update(msg tea.Msg) (SitePane, tea.Cmd) {
	if p.Filtering() {
		return p.updateFilter(msg)
	}
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return p, nil
	}
	keys := p.common.KeyMap
	switch {
	case key.Matches(km, keys.Up):
		p.cursor--
	case key.Matches(km, keys.Down):
		p.cursor++
	case key.Matches(km, keys.PageUp):
		p.cursor -= max(p.listHeight(), 1)
	case key.Matches(km, keys.PageDown):
		p.cursor += max(p.listHeight(), 1)
	case key.Matches(km, keys.Home):
		p.cursor = 0
	case key.Matches(km, keys.End):
		p.cursor = len(p.rows) - 1
	case key.Matches(km, keys.Filter):
		p.input.SetValue(p.query)
		p.input.CursorEnd()
		cmd := p.input.Focus()
		p.ensureVisible() // the filter line may have just appeared
		return p, cmd
	case key.Matches(km, keys.ClearFilter):
		if p.query != "" {
			p.input.Reset()
			p.query = ""
			p.refilter(false)
		}
	case key.Matches(km, keys.Select):
		// Down after, as file managers do: space, space, space selects a run of VMs, and
		// the row just toggled shows its mark off the cursor.
		p.toggle()
		p.cursor++
	case key.Matches(km, keys.SelectShown):
		p.selectShown()
	case key.Matches(km, keys.SelectHost):
		p.selectSame(hostOf)
	case key.Matches(km, keys.SelectCluster):
		p.selectSame(clusterOf)
	case key.Matches(km, keys.ClearSelection):
		p.clearSelection()
	case key.Matches(km, keys.Open):
		if vm, ok := p.Selected(); ok {
			name := p.title()
			return p, func() tea.Msg { return openDetailsMsg{vm: vm, siteName: name} }
		}
	}
	p.ensureVisible()
	return p, nil
}

// updateFilter gives the filter input every key but accept and clear; the list follows
// the text as it is typed.
func (p SitePane) updateFilter(msg tea.Msg) (SitePane, tea.Cmd) {
	keys := p.common.KeyMap
	if km, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(km, keys.AcceptFilter):
			p.input.Blur()
			if strings.TrimSpace(p.query) == "" {
				p.input.Reset()
				p.query = ""
			}
			p.ensureVisible()
			return p, nil
		case key.Matches(km, keys.ClearFilter):
			p.input.Blur()
			p.input.Reset()
			p.query = ""
			p.refilter(false)
			return p, nil
		}
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	if v := p.input.Value(); v != p.query {
		p.query = v
		p.refilter(true)
	}
	return p, cmd
}

// ShortHelp is the pane's part of the help bar.
func (p SitePane) ShortHelp() []key.Binding {
	k := p.common.KeyMap
	if p.Filtering() {
		return []key.Binding{k.AcceptFilter, k.ClearFilter}
	}
	// With a filter in force, its line says "esc clear": the bar has no room to repeat it.
	return []key.Binding{k.Up, k.Down, k.Filter, k.Open}
}

// FullHelp is the pane's part of the full help.
func (p SitePane) FullHelp() [][]key.Binding {
	k := p.common.KeyMap
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Filter, k.AcceptFilter, k.ClearFilter},
		{k.Open, k.Select, k.SelectShown, k.SelectHost, k.SelectCluster, k.ClearSelection},
	}
}

func (p SitePane) innerWidth() int  { return max(p.width-2, 0) }
func (p SitePane) innerHeight() int { return max(p.height-2, 0) }

// headerHeight is the number of lines above the column headings: the status line, the
// site's error, the selection line, the filter line.
func (p SitePane) headerHeight() int {
	n := 1 + len(errorLines(p.site.Status.Err, p.innerWidth()))
	if p.unconfirmed() {
		n++
	}
	if p.showSelection() {
		n++
	}
	if p.showFilter() {
		n++
	}
	return n
}

// showSelection reports whether the header has a selection line. The count has a line of
// its own: next to "8 of 80 VMs" and the site's state it would not fit a 40-column pane.
func (p SitePane) showSelection() bool { return len(p.sel) > 0 }

// listHeight is the number of VM rows on screen.
func (p SitePane) listHeight() int {
	return max(p.innerHeight()-p.headerHeight()-1, 0)
}

func (p SitePane) showFilter() bool { return p.Filtering() || p.query != "" }

// title names the site: its display name, else its ID, else its slot.
func (p SitePane) title() string {
	name := "site " + string(rune('A'+p.slot))
	switch {
	case p.site.Status.Name != "":
		name = clean(p.site.Status.Name)
	case p.site.Status.ID != "":
		name = clean(string(p.site.Status.ID))
	}
	if !p.site.Status.Insecure {
		return name
	}
	// The vCenter's certificate is not verified (insecure: true): said in the title, where
	// it stays in sight, shorter in the panes of an 80-column terminal.
	if p.width >= wideSitePane {
		return name + " " + insecureMarker
	}
	return name + " " + insecureMarkerShort
}

// The title's marker for a site whose certificate is not verified, and its short form for
// panes narrower than wideSitePane.
const (
	insecureMarker      = "⚠ TLS unverified"
	insecureMarkerShort = "⚠ TLS"
	wideSitePane        = 60
)

// View renders the pane: exactly its height in lines, each exactly its width. Its cost
// depends on the pane's size, not on the number of VMs.
func (p SitePane) View() string {
	w, h := p.innerWidth(), p.innerHeight()
	st := p.common.Styles
	body := make([]string, 0, h)
	body = append(body, p.statusLine(w))
	for _, l := range errorLines(p.site.Status.Err, w) {
		body = append(body, st.SiteError.Render(l))
	}
	if p.unconfirmed() {
		body = append(body, st.Unconfirmed.Render(cut(p.unconfirmedText(), w)))
	}
	if p.showSelection() {
		body = append(body, p.selectionLine(w))
	}
	if p.showFilter() {
		body = append(body, p.filterLine(w))
	}
	cols := layoutColumns(w, p.widest)
	body = append(body, st.ColumnHeader.Render(fit(cols.header(), w)))

	listH := max(h-len(body), 0)
	if len(p.rows) == 0 && listH > 0 {
		body = append(body, st.Empty.Render(cut("  "+p.emptyText(), w)))
	}
	// View works on a copy: clamp the window here too, in case a size change has not
	// reached Update yet.
	offset := clamp(p.offset, 0, max(len(p.rows)-listH, 0))
	if p.cursor >= offset+listH {
		offset = max(p.cursor-listH+1, 0)
	}
	end := min(offset+listH, len(p.rows))
	marks := p.marks.at(p.common.Now()) // stale fabric data marks nothing
	live := !p.known || p.site.Status.Live()
	for i := offset; i < end; i++ {
		r := p.rows[i]
		cur := i == p.cursor
		vm := &p.site.VMs[r.vm]
		body = append(body, cols.row(vm, r.matched, cur, p.sel.has(vm.Key), p.common.inks.forRow(cur, p.focused, live), marks, w))
	}
	footer := ""
	if len(p.rows) > 0 {
		footer = fmt.Sprintf("%d/%d", p.cursor+1, len(p.rows))
	}
	return frame{styles: st, focused: p.focused, title: p.titleWithNote(), footer: footer}.render(p.width, p.height, body)
}

// statusLine is "● connected  vc-a.example.net      80 VMs".
func (p SitePane) statusLine(w int) string {
	st := p.common.Styles
	if !p.known {
		return st.Empty.Render(cut("waiting for the engine…", w))
	}
	s := p.site.Status
	now := p.common.Now()
	down := s.DownSince // the outage's start: retries do not move it
	if s.Silent && !s.LastAnswer.IsZero() {
		down = s.LastAnswer // silent since its last answer, not since that was noticed
	}
	if down.IsZero() {
		down = s.Since
	}
	var glyph, state string
	var style lipgloss.Style
	switch {
	case s.State == model.Connected && s.Silent:
		glyph, state, style = "◌", "not answering", st.SiteConnecting
	case s.State == model.Connected:
		glyph, state, style = "●", "connected", st.SiteConnected
	case s.State == model.Connecting:
		glyph, state, style = "◌", "connecting", st.SiteConnecting
	default:
		glyph, state, style = "✗", s.State.String(), st.SiteDisconnected
	}
	state = glyph + " " + state
	if !s.Live() && !down.IsZero() {
		state += " " + age(now.Sub(down))
	}
	left := style.Render(cut(state, w))
	count := p.countText()
	if room := w - ansi.StringWidth(left) - 2 - ansi.StringWidth(count) - 1; room >= 4 && s.Host != "" {
		left += "  " + st.SiteHost.Render(cut(clean(s.Host), room))
	}
	return spread(left, st.SiteCount.Render(count), w)
}

// countText is "80 VMs", or "12 of 80 VMs" with a filter.
func (p SitePane) countText() string {
	total := len(p.site.VMs)
	noun := "VMs"
	if total == 1 {
		noun = "VM"
	}
	if p.query != "" {
		return fmt.Sprintf("%d of %d %s", len(p.rows), total, noun)
	}
	return fmt.Sprintf("%d %s", total, noun)
}

// emptyText explains an empty list.
func (p SitePane) emptyText() string {
	switch {
	case !p.known:
		return ""
	case p.query != "" && len(p.site.VMs) > 0:
		return fmt.Sprintf("no VMs match %q", p.query)
	case p.site.Status.State == model.Connecting:
		return "loading inventory…"
	case p.site.Status.State == model.Disconnected:
		return "no inventory: vCenter unreachable"
	}
	return "no VMs"
}

// filterHint is the reminder at the right of the filter line, with the operator's keys.
func filterHint(km *keymap.KeyMap, typing bool) string {
	clear := firstKey(km.ClearFilter) + " clear"
	if typing {
		return firstKey(km.AcceptFilter) + " keep · " + clear
	}
	return clear
}

// filterLine is the filter input while typing, or the filter in force.
func (p SitePane) filterLine(w int) string {
	st := p.common.Styles
	typing := p.Filtering()
	hint := st.FilterHint.Render(filterHint(p.common.KeyMap, typing))
	var left string
	if typing {
		left = p.input.View()
	} else {
		left = st.FilterPrompt.Render(p.input.Prompt) + st.FilterText.Render(p.query)
	}
	if ansi.StringWidth(left)+1+ansi.StringWidth(hint) > w {
		return fit(left, w)
	}
	return spread(left, hint, w)
}

// unconfirmed reports whether the pane shows VMs that its vCenter has not confirmed lately:
// the site is silent, disconnected or reconnecting.
func (p SitePane) unconfirmed() bool {
	return p.known && !p.site.Status.Live() && len(p.site.VMs) > 0
}

// unconfirmedText says since when the list is not confirmed: "VMs unconfirmed since 10:31:02
// (2m)".
func (p SitePane) unconfirmedText() string {
	last := p.site.Status.LastAnswer
	if last.IsZero() {
		return "VMs unconfirmed: no answer yet"
	}
	return fmt.Sprintf("VMs unconfirmed since %s (%s)", last.Format("15:04:05"), age(p.common.Now().Sub(last)))
}

// errorLines wraps a site's error into at most maxErrorLines lines of w cells, "! " first.
func errorLines(err string, w int) []string {
	err = strings.TrimSpace(clean(err))
	if err == "" || w < 4 {
		return nil
	}
	wrapped := strings.Split(ansi.Wrap(err, w-2, ""), "\n")
	if len(wrapped) > maxErrorLines {
		last := strings.Join(wrapped[maxErrorLines-1:], " ")
		wrapped = append(wrapped[:maxErrorLines-1], ansi.Truncate(last, w-2, ellipsis))
	}
	for i, l := range wrapped {
		prefix := "  "
		if i == 0 {
			prefix = "! "
		}
		wrapped[i] = prefix + strings.TrimRight(l, " ")
	}
	return wrapped
}

// age is a short duration for headers: 45s, 12m, 3h20m, 2d.
func age(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

// titleWithNote is the title, then the header's note in the room the border has left.
func (p SitePane) titleWithNote() string {
	t := p.title()
	room := p.width - 2 - 4 - ansi.StringWidth(t) - 3 // the frame's label room, the title, " · "
	if p.note == "" || room < 8 {
		return t
	}
	return t + " · " + cut(p.note, room)
}

// headerNote is "READ-ONLY" when the engine refuses dangerous commands, and who else is
// connected over SSH: "+2 others: bob (viewer), carol" (operators go without their role; a
// name with several sessions is named once). me is this console's operator: one session of
// theirs is this one.
func headerNote(s model.State, me model.Operator) string {
	var parts []string
	if s.ReadOnly {
		parts = append(parts, "READ-ONLY")
	}
	n, skipped := 0, false
	var names []string
	seen := map[string]bool{}
	for _, x := range s.Sessions {
		if !skipped && x.User == me.Name && x.From == me.From {
			skipped = true
			continue
		}
		n++
		name := clean(x.User)
		if x.Role != model.RoleOperator {
			name += " (" + string(x.Role) + ")"
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	switch {
	case n == 1:
		parts = append(parts, "+1 other: "+names[0])
	case n > 1:
		parts = append(parts, fmt.Sprintf("+%d others: %s", n, strings.Join(names, ", ")))
	}
	return strings.Join(parts, " · ")
}
