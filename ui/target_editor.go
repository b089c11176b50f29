package ui

import (
	"context"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// targetDetailsMsg is the answer to the target editor's request for its VM's details: the
// sizes of its disks say how much moving the storage sends.
type targetDetailsMsg struct {
	editor  *TargetEditor
	details model.VMDetails
	err     error
}

// TargetEditor chooses where one VM of the review goes: the target cluster and host, the
// datastore its disks go to, and a port group for each of its networks, among the target
// site's objects. The review opens it over itself (e) and hands it the keys: up and down go
// from row to row, left and right through a row's choices; enter keeps the choices (the
// review judges again with them), esc drops them.
type TargetEditor struct {
	common Common
	vm     model.VM
	// target, est and mbps are what the latest judgement says of the VM: where it would
	// go, what its move sends, and the bandwidth the estimate assumes.
	target   preflight.Target
	est      preflight.Estimate
	mbps     int64
	saved    preflight.Override // the choices in force when opened
	src, dst model.SiteSnapshot

	details *model.VMDetails // nil until read, or when it could not be
	reading bool

	rows []targetRow
	row  int // the row under the cursor

	closed bool // enter or esc closed it
	kept   bool // it closed with enter: the review takes Override

	width, height int
}

// rowKind is what a row of the target editor chooses.
type rowKind int

const (
	rowCluster rowKind = iota
	rowHost
	rowDatastore
	rowNetwork
)

// targetRow is one row of the target editor and its choices.
type targetRow struct {
	kind    rowKind
	label   string // "Cluster", "Host", "Datastore", or the network's name at the source
	source  string // for a network: its name at the source (the Override.Networks key)
	choices []targetChoice
	at      int // the choice shown
}

// targetChoice is one choice of a row.
type targetChoice struct {
	value string // the target object's name; "" keeps the mapping's choice (the host: automatic)
	text  string // how it shows
	note  string // what it means
}

// NewTargetEditor returns the editor of vm's targets: t, est and mbps as the latest
// judgement has them, saved the choices in force, src and dst the latest snapshots of the
// source and the target site.
func NewTargetEditor(c Common, vm model.VM, t preflight.Target, est preflight.Estimate, mbps int64, saved preflight.Override, src, dst model.SiteSnapshot) *TargetEditor {
	e := &TargetEditor{common: c, vm: vm, target: t, est: est, mbps: mbps, saved: saved, src: src, dst: dst}
	e.rows = []targetRow{{kind: rowCluster, label: "Cluster"}, {kind: rowHost, label: "Host"}, {kind: rowDatastore, label: "Datastore"}}
	seen := map[string]bool{}
	for _, n := range t.Networks {
		if n.Source == "" || seen[n.Source] {
			continue
		}
		seen[n.Source] = true
		e.rows = append(e.rows, targetRow{kind: rowNetwork, label: clean(n.Source), source: n.Source})
	}
	vals := make([]string, len(e.rows))
	for i, r := range e.rows {
		switch r.kind {
		case rowCluster:
			vals[i] = saved.Cluster
		case rowHost:
			vals[i] = saved.Host
		case rowDatastore:
			vals[i] = saved.Datastore
		case rowNetwork:
			vals[i] = saved.Networks[r.source]
		}
	}
	e.rebuild(vals, true)
	return e
}

// fetchDetails reads the VM's details (the engine caches them) off the Update goroutine.
func (e *TargetEditor) fetchDetails(eng Engine) tea.Cmd {
	e.reading = true
	ctx, who, k := e.common.Ctx, e.common.Operator, e.vm.Key
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, detailsTimeout)
		defer cancel()
		d, err := eng.Details(ctx, who, k)
		return targetDetailsMsg{editor: e, details: d, err: err}
	}
}

// onDetails takes the VM's details: the datastores' notes say how much moving there sends.
func (e *TargetEditor) onDetails(msg targetDetailsMsg) {
	if msg.editor != e {
		return
	}
	e.reading = false
	if msg.err == nil {
		d := msg.details
		e.details = &d
	}
	e.rebuild(e.values(), true)
}

// setSites takes new snapshots of both sites: the choices follow the inventory.
func (e *TargetEditor) setSites(src, dst model.SiteSnapshot) {
	e.src, e.dst = src, dst
	e.rebuild(e.values(), true)
}

// setJudged takes a new judgement of the VM.
func (e *TargetEditor) setJudged(t preflight.Target, est preflight.Estimate, mbps int64) {
	if t.VM != (model.VMKey{}) {
		e.target = t
	}
	e.est, e.mbps = est, mbps
	e.rebuild(e.values(), true)
}

// values is the value chosen in each row.
func (e *TargetEditor) values() []string {
	vals := make([]string, len(e.rows))
	for i, r := range e.rows {
		if r.at < len(r.choices) {
			vals[i] = r.choices[r.at].value
		}
	}
	return vals
}

// rebuild fills every row's choices from the snapshots and puts each row on its value in
// vals. A value that is not a choice is kept and shown as such (an operator's choice is
// never hidden), unless keep is false and it is a host or datastore: after a change of
// cluster, those go back to automatic and the mapping's choice.
func (e *TargetEditor) rebuild(vals []string, keep bool) {
	var cluster model.Ref
	var clusterKnown bool
	for i := range e.rows {
		r := &e.rows[i]
		switch r.kind {
		case rowCluster:
			r.choices = e.clusterChoices()
			cluster, clusterKnown = e.clusterRef(vals[i])
		case rowHost:
			r.choices = e.hostChoices(cluster, clusterKnown)
		case rowDatastore:
			r.choices = e.datastoreChoices(cluster, clusterKnown, vals[0] == e.saved.Cluster, vals[1])
		case rowNetwork:
			r.choices = e.networkChoices(r.source)
		}
		r.at = 0
		if vals[i] == "" {
			continue
		}
		found := false
		for j, c := range r.choices {
			if c.value == vals[i] {
				r.at, found = j, true
				break
			}
		}
		if !found && (keep || (r.kind != rowHost && r.kind != rowDatastore)) {
			r.choices = append(r.choices, targetChoice{value: vals[i], text: clean(vals[i]), note: e.missingNote(r.kind)})
			r.at = len(r.choices) - 1
		}
	}
}

// missingNote says why a chosen value is not among a row's choices.
func (e *TargetEditor) missingNote(k rowKind) string {
	switch k {
	case rowHost:
		return "not a host of this cluster"
	case rowDatastore:
		return "not mounted by this cluster's hosts"
	}
	return "not at the target site"
}

// clusterRef is the target cluster a cluster row's value stands for; false when it is not
// known (the mapping's choice after an override, or a cluster that is gone): then every
// host and datastore of the site is offered.
func (e *TargetEditor) clusterRef(val string) (model.Ref, bool) {
	if val != "" {
		for _, c := range e.dst.Clusters {
			if c.Name == val {
				return c.Ref, true
			}
		}
		return model.Ref{}, false
	}
	if e.saved.Cluster == "" && e.saved.Host == "" && e.target.Cluster.Found() {
		return e.target.Cluster.TargetRef, true
	}
	return model.Ref{}, false
}

// mappedNote says what the mapping chose for a row, when the latest judgement shows it
// (no override of that row was in force).
func mappedNote(c preflight.Choice, overridden bool) string {
	switch {
	case overridden:
		return "the mapping's choice"
	case !c.Found():
		return "✗ " + clean(c.Why)
	case c.How == preflight.NotFound:
		return clean(c.Target)
	}
	return clean(c.Target) + " (by " + string(c.How) + ")"
}

func (e *TargetEditor) clusterChoices() []targetChoice {
	out := []targetChoice{{text: "as mapped", note: mappedNote(e.target.Cluster, e.saved.Cluster != "" || e.saved.Host != "")}}
	for _, c := range e.dst.Clusters {
		note := fmt.Sprintf("%s, %s memory free", plural(c.Hosts, "host"), wholeGiB(c.MemoryMiB-c.MemoryUsedMiB))
		out = append(out, targetChoice{value: c.Name, text: clean(c.Name), note: note})
	}
	return out
}

func (e *TargetEditor) hostChoices(cluster model.Ref, known bool) []targetChoice {
	out := []targetChoice{{text: "automatic", note: "the least loaded host of the cluster"}}
	for _, h := range e.dst.Hosts {
		if known && h.ClusterRef != cluster {
			continue
		}
		var note string
		switch {
		case h.Connection != "" && h.Connection != "connected":
			note = h.Connection
		case h.Maintenance:
			note = "in maintenance"
		case !h.VMotion:
			note = "vMotion not enabled"
		default:
			note = wholeGiB(h.MemoryMiB-h.MemoryUsedMiB) + " memory free"
		}
		out = append(out, targetChoice{value: h.Name, text: clean(h.Name), note: note})
	}
	return out
}

// datastoreChoices are the datastores the cluster's hosts mount (every host's, when the
// cluster is not known). judged is false when the cluster row differs from what was judged:
// the mapping's choice is not known then. A datastore only some of the hosts mount says so,
// and whether the chosen host (host, "" for automatic) is one of them.
func (e *TargetEditor) datastoreChoices(cluster model.Ref, known, judged bool, host string) []targetChoice {
	note := "the mapping's choice"
	if e.saved.Datastore == "" && judged {
		if s := storageText(e.target, e.est, e.mbps); s != "" {
			note = s
		}
	}
	out := []targetChoice{{text: "as mapped", note: note}}
	hosts := map[model.Ref]bool{}
	for _, h := range e.dst.Hosts {
		if !known || h.ClusterRef == cluster {
			hosts[h.Ref] = true
		}
	}
	var hostRef model.Ref
	for _, h := range e.dst.Hosts {
		if host != "" && h.Name == host {
			hostRef = h.Ref
		}
	}
	for _, d := range e.dst.Datastores {
		mounted, onHost := 0, false
		for _, h := range d.Hosts {
			if hosts[h] {
				mounted++
			}
			onHost = onHost || (!hostRef.IsZero() && h == hostRef)
		}
		if !d.Accessible || mounted == 0 {
			continue
		}
		note := e.storageNote(d)
		switch {
		case !hostRef.IsZero() && !onHost:
			note += "; not mounted by " + clean(host)
		case mounted < len(hosts):
			note += fmt.Sprintf("; %d of %d hosts mount it", mounted, len(hosts))
		}
		out = append(out, targetChoice{value: d.Name, text: clean(d.Name), note: note})
	}
	return out
}

// storageNote says what sending every disk of the VM to d means: keep them where they are
// (the same storage, mounted at both sites: same URL, or same name when a URL is unknown),
// or move them, how much and for how long at the estimate's bandwidth.
func (e *TargetEditor) storageNote(d model.Datastore) string {
	b, known := e.bytesTo(d)
	switch {
	case known && b == 0:
		return "keep: same storage"
	case !known && e.reading:
		return "move storage: reading disk sizes…"
	case !known:
		return "move storage: size unknown"
	}
	s := "move storage: " + gibBytes(b) + " GiB"
	if t := copyTime(b, e.mbps); t > 0 {
		s += ", +" + approx(t)
	}
	return s
}

// bytesTo is what moving the VM's disks to d sends: the disks not already on that storage
// (RDMs stay on their LUN). False when the disks are not known and some would move.
func (e *TargetEditor) bytesTo(d model.Datastore) (int64, bool) {
	if e.details == nil {
		for i, ref := range e.vm.DatastoreRefs {
			name := ""
			if i < len(e.vm.Datastores) {
				name = e.vm.Datastores[i]
			}
			if !e.sameStorage(ref, name, d) {
				return 0, false
			}
		}
		return 0, true
	}
	var n int64
	for _, k := range e.details.Disks {
		if !k.RDM() && !e.sameStorage(k.DatastoreRef, k.Datastore, d) {
			n += k.CapacityB
		}
	}
	return n, true
}

// sameStorage reports whether the source datastore (by ref, else name) is d seen from the
// other vCenter: the same URL, or the same name when either URL is unknown.
func (e *TargetEditor) sameStorage(ref model.Ref, name string, d model.Datastore) bool {
	for _, s := range e.src.Datastores {
		if (!ref.IsZero() && s.Ref == ref) || (ref.IsZero() && s.Name == name) {
			if s.URL != "" && d.URL != "" {
				return s.URL == d.URL
			}
			name = s.Name
			break
		}
	}
	return name != "" && name == d.Name
}

func (e *TargetEditor) networkChoices(source string) []targetChoice {
	var now preflight.Choice
	for _, n := range e.target.Networks {
		if n.Source == source {
			now = n
			break
		}
	}
	_, overridden := e.saved.Networks[source]
	out := []targetChoice{{text: "as mapped", note: mappedNote(now, overridden)}}
	for _, p := range e.dst.PortGroups {
		text := clean(p.Name) + " (no VLAN)"
		if p.VLAN > 0 {
			text = fmt.Sprintf("%s (%d)", clean(p.Name), p.VLAN)
		}
		var note string
		switch {
		case now.VLAN > 0 && p.VLAN == now.VLAN:
			note = "same VLAN"
		case now.VLAN > 0:
			note = fmt.Sprintf("the VM is on VLAN %d now", now.VLAN)
		}
		out = append(out, targetChoice{value: p.Name, text: text, note: note})
	}
	return out
}

// Override is the choices as an override of the mapping, by the target objects' names.
func (e *TargetEditor) Override() preflight.Override {
	var o preflight.Override
	vals := e.values()
	for i, r := range e.rows {
		switch v := vals[i]; r.kind {
		case rowCluster:
			o.Cluster = v
		case rowHost:
			o.Host = v
		case rowDatastore:
			o.Datastore = v
		case rowNetwork:
			if v != "" {
				if o.Networks == nil {
					o.Networks = map[string]string{}
				}
				o.Networks[r.source] = v
			}
		}
	}
	return o
}

// onKey moves between rows and choices; enter closes the editor keeping the choices, esc
// closes it dropping them.
func (e *TargetEditor) onKey(msg tea.KeyMsg) {
	k := e.common.KeyMap
	switch {
	case key.Matches(msg, k.Up):
		e.row = max(e.row-1, 0)
	case key.Matches(msg, k.Down):
		e.row = min(e.row+1, len(e.rows)-1)
	case key.Matches(msg, k.PrevChoice):
		e.cycle(-1)
	case key.Matches(msg, k.NextChoice):
		e.cycle(1)
	case key.Matches(msg, k.SaveTargets):
		e.closed, e.kept = true, true
	case key.Matches(msg, k.Back):
		e.closed = true
	}
}

// cycle shows the row's next (d = 1) or previous (d = -1) choice, round. A new cluster
// offers its own hosts and datastores: a host or datastore it lacks goes back to automatic
// or the mapping's choice. A new host changes what the datastores say.
func (e *TargetEditor) cycle(d int) {
	r := &e.rows[e.row]
	if len(r.choices) == 0 {
		return
	}
	r.at = ((r.at+d)%len(r.choices) + len(r.choices)) % len(r.choices)
	switch r.kind {
	case rowCluster:
		e.rebuild(e.values(), false)
	case rowHost:
		e.rebuild(e.values(), true) // the datastores say whether the host mounts them
	}
}

// Saved reports whether the editor closed keeping its choices.
func (e *TargetEditor) Saved() bool { return e.closed && e.kept }

// SetSize gives the editor its area: the review's.
func (e *TargetEditor) SetSize(w, h int) { e.width, e.height = w, h }

// ShortHelp is the editor's part of the help bar.
func (e *TargetEditor) ShortHelp() []key.Binding {
	k := e.common.KeyMap
	rows := key.NewBinding(key.WithKeys(append(k.Up.Keys(), k.Down.Keys()...)...),
		key.WithHelp(k.Up.Help().Key+" "+k.Down.Help().Key, "row"))
	choose := key.NewBinding(key.WithKeys(append(k.PrevChoice.Keys(), k.NextChoice.Keys()...)...),
		key.WithHelp(k.PrevChoice.Help().Key+" "+k.NextChoice.Help().Key, "choose"))
	return []key.Binding{rows, choose, withDesc(k.SaveTargets, "save"), withDesc(k.Back, "cancel")}
}

// FullHelp is the editor's part of the full help.
func (e *TargetEditor) FullHelp() [][]key.Binding {
	k := e.common.KeyMap
	return [][]key.Binding{
		{withDesc(k.Up, "previous row"), withDesc(k.Down, "next row"), k.PrevChoice, k.NextChoice},
		{k.SaveTargets, withDesc(k.Back, "cancel")},
	}
}

// View draws the framed editor: where the VM goes now, the rows, the choice under the
// cursor and what it means.
func (e *TargetEditor) View() string {
	w := max(e.width-2, 0)
	st := e.common.Styles
	var top []string
	addTop := func(s string) { top = append(top, fit(s, w)) }
	addTop(st.DetailLabel.Render("now, as judged:"))
	for _, l := range targetLines(e.common, e.target, e.est, e.mbps, w-2) {
		addTop("  " + l)
	}
	addTop("")

	labelW := 0
	for _, r := range e.rows {
		labelW = max(labelW, ansi.StringWidth(r.label))
	}
	labelW = min(labelW, max(w/3, 6))
	var rows []string
	for i, r := range e.rows {
		c := targetChoice{text: "—"}
		if r.at < len(r.choices) {
			c = r.choices[r.at]
		}
		label := padRight(r.label, labelW)
		var l string
		if i == e.row {
			l = st.CursorRow.Render("> "+label+" ‹ "+c.text+" ›") + "  " + st.DetailLabel.Render(c.note)
		} else {
			l = "  " + st.DetailLabel.Render(label) + "   " + st.DetailValue.Render(c.text) + "    " + st.DetailLabel.Render(c.note)
		}
		rows = append(rows, fit(l, w))
	}

	var bottom []string
	if e.row < len(e.rows) {
		r := e.rows[e.row]
		pos := fmt.Sprintf("choice %d of %d", r.at+1, len(r.choices))
		bottom = append(bottom, "", fit(st.DetailLabel.Render(pos+" · "+e.changedText()), w))
	}

	// Rows scroll when the VM has more networks than the screen has lines.
	avail := max(e.height-2-len(top)-len(bottom), 1)
	off := clamp(e.row-avail+1, 0, max(len(rows)-avail, 0))
	body := append(top, rows[off:min(off+avail, len(rows))]...)
	body = append(body, bottom...)
	title := "targets: " + clean(e.vm.Name) + " → " + siteName(e.dst.Status)
	footer := fmt.Sprintf("row %d/%d", e.row+1, len(e.rows))
	return frame{styles: st, focused: true, title: title, footer: footer}.render(e.width, e.height, body)
}

// changedText says whether enter would change anything.
func (e *TargetEditor) changedText() string {
	if overrideEqual(e.Override(), e.saved) {
		return "unchanged"
	}
	return firstKey(e.common.KeyMap.SaveTargets) + " judges again with these choices"
}

// overrideEqual reports whether two overrides choose the same.
func overrideEqual(a, b preflight.Override) bool {
	if a.Cluster != b.Cluster || a.Host != b.Host || a.Datastore != b.Datastore || len(a.Networks) != len(b.Networks) {
		return false
	}
	for k, v := range a.Networks {
		if b.Networks[k] != v {
			return false
		}
	}
	return true
}

// wholeGiB prints MiB as whole GiB: "448 GiB".
func wholeGiB(mib int64) string { return fmt.Sprintf("%d GiB", (mib+512)>>10) }
