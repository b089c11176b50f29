package ui

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// openReviewMsg asks the root to open the review of moving vms from their site to the
// other one.
type openReviewMsg struct {
	vms      []model.VM
	from, to model.SiteSnapshot
}

// reviewMsg is the answer to one preflight request. view and gen tell answers to another
// review, or to an older request of this one, apart: they are dropped.
type reviewMsg struct {
	view *ReviewView
	gen  int
	at   judgedAt
	res  preflight.Result
	err  error
}

// flashMsg puts a sentence on the flash line over the help bar.
type flashMsg struct{ text string }

// judgedAt is what a preflight judged: the fabric and both sites as of these generations.
// A State that differs in any of them may change the findings.
type judgedAt struct {
	fabric, from, to uint64
}

// preflightTimeout bounds one preflight, the details it reads included.
const preflightTimeout = 60 * time.Second

// migrateTimeout bounds starting the moves: the engine judges them again (details
// included) and reads the target's pools and folders before it queues them.
const migrateTimeout = 90 * time.Second

// ReviewView judges moving a selection of VMs to the other site: totals, then each VM with
// its verdict, its target and its findings, each with its remedy. It judges again when the
// fabric or either site changes under it, or when the operator changes a VM's targets (one
// request at a time). A cursor goes from VM to VM: the operator acknowledges a VM's
// warnings (a VM with warnings moves only once they are) and edits where it goes. Starting
// the move asks the operator to type the target site's id, then asks the engine to queue
// the approved VMs' moves; once it has, the root closes the review and the moves pane
// shows them. esc (handled by the root) closes it.
type ReviewView struct {
	common   Common
	engine   Engine
	keys     []model.VMKey
	from, to model.SiteID
	fromName string
	toName   string
	// fromSite and toSite are the latest snapshots of both sites: the target editor offers
	// the target site's clusters, hosts, datastores and port groups.
	fromSite, toSite model.SiteSnapshot

	gen      int      // of the newest request
	loading  bool     // a request is in flight
	asked    judgedAt // what the newest request judged
	latest   judgedAt // the newest State seen
	dirty    bool     // the overrides changed since the newest request
	have     bool     // res holds an answer
	res      preflight.Result
	err      error
	judged   time.Time // when the shown answer came
	rejudged bool      // the shown answer is not the first
	// targetAt and estimateAt find a VM's target and estimate in res.
	targetAt, estimateAt map[model.VMKey]int

	cursor    int         // index into res.VMs of the VM under the cursor
	cursorKey model.VMKey // that VM, kept across answers
	// acks holds, per acknowledged VM, the warnings the acknowledgement covers (by code and
	// object): a judgement that brings the VM a warning outside it withdraws it.
	acks map[model.VMKey]map[findingKey]bool
	// lapsed holds, per VM whose acknowledgement a judgement withdrew, the warnings that
	// were new; shown until the operator acknowledges again or they go.
	lapsed map[model.VMKey][]preflight.Finding
	// overrides are the operator's choices of targets, sent with every request.
	overrides map[model.VMKey]preflight.Override
	editor    *TargetEditor // the target editor, open over the review; nil when closed

	confirm  typedConfirm // the typed confirmation, when open
	refusal  string       // why the last confirmation was refused
	starting int          // how many moves the engine is being asked to start (0: none)

	vp       viewport.Model
	width    int
	height   int
	rendered bool       // vp holds content for the current answer, cursor and width
	blocks   []lineSpan // the lines of each VM (by index into res.VMs) in vp's content
}

// lineSpan is a run of lines, first to last inclusive.
type lineSpan struct{ first, last int }

// NewReviewView returns the review of moving vms from site from to site to, and the
// command that judges it.
func NewReviewView(c Common, e Engine, vms []model.VM, from, to model.SiteSnapshot, s model.State) (*ReviewView, tea.Cmd) {
	r := &ReviewView{
		common: c, engine: e, from: from.Status.ID, to: to.Status.ID,
		fromName: siteName(from.Status), toName: siteName(to.Status),
		fromSite: from, toSite: to,
		acks:      map[model.VMKey]map[findingKey]bool{},
		lapsed:    map[model.VMKey][]preflight.Finding{},
		overrides: map[model.VMKey]preflight.Override{},
		vp:        viewport.New(0, 0),
	}
	r.vp.KeyMap = viewportKeys(c)
	for _, vm := range vms {
		r.keys = append(r.keys, vm.Key)
	}
	if len(vms) > 0 {
		r.cursorKey = vms[0].Key
	}
	st := c.Styles
	r.confirm = newTypedConfirm(st)
	r.latest = r.gens(s)
	return r, r.fetch()
}

// siteName is a site's display name, else its id.
func siteName(s model.SiteStatus) string {
	if s.Name != "" {
		return clean(s.Name)
	}
	return clean(string(s.ID))
}

// gens is what of s a preflight depends on.
func (r *ReviewView) gens(s model.State) judgedAt {
	at := judgedAt{fabric: s.FabricGen}
	if site, ok := s.Site(r.from); ok {
		at.from = site.Gen
	}
	if site, ok := s.Site(r.to); ok {
		at.to = site.Gen
	}
	return at
}

// fetch asks the engine to judge the selection as of the newest State, with the operator's
// choices of targets, off the Update goroutine.
func (r *ReviewView) fetch() tea.Cmd {
	r.gen++
	r.loading = true
	r.dirty = false
	r.asked = r.latest
	req := preflight.Request{VMs: r.keys, To: r.to}
	if len(r.overrides) > 0 {
		req.Overrides = maps.Clone(r.overrides) // the command runs while Update goes on
	}
	gen, at, e, ctx, who := r.gen, r.asked, r.engine, r.common.Ctx, r.common.Operator
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
		defer cancel()
		res, err := e.Preflight(ctx, who, req)
		return reviewMsg{view: r, gen: gen, at: at, res: res, err: err}
	}
}

// Title names the view.
func (r *ReviewView) Title() string { return "the review" }

// Typing reports whether the typed confirmation or the target editor has the keys: the
// root then hands it every key, esc and q included.
func (r *ReviewView) Typing() bool { return r.confirm.open || r.editor != nil }

// SetSize gives the view its area.
func (r *ReviewView) SetSize(w, h int) {
	r.width, r.height = w, h
	r.confirm.SetWidth(w)
	if r.editor != nil {
		r.editor.SetSize(w, h)
	}
	r.rendered = false
	r.relayout()
}

// relayout sizes the viewport under the lines above it (their number varies with the
// answer and the confirmation) and lays the VMs out again when they changed. It runs in
// Update, never in View.
func (r *ReviewView) relayout() {
	w := max(r.width-2, 0)
	vh := max(r.height-2-len(r.summary(w))-1, 0)
	if r.vp.Width != w || r.vp.Height != vh {
		r.vp.Width, r.vp.Height = w, vh
		r.rendered = false
	}
	r.render()
}

// Update handles answers, new States (judged again when what it judged changed), the keys
// of the review, of the target editor and of the typed confirmation.
func (r *ReviewView) Update(msg tea.Msg) (View, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case reviewMsg:
		cmd = r.onAnswer(msg)
	case stateMsg:
		cmd = r.onState(msg.state)
	case targetDetailsMsg:
		if r.editor != nil {
			r.editor.onDetails(msg)
		}
	case migrateDoneMsg:
		r.onStarted(msg)
	case tea.KeyMsg:
		switch {
		case r.editor != nil:
			cmd = r.onEditorKey(msg)
		case r.confirm.open:
			cmd = r.onConfirmKey(msg)
		default:
			cmd = r.onKey(msg)
		}
	}
	r.relayout()
	return r, cmd
}

// onState keeps the latest snapshots of both sites and judges again when the fabric or a
// site changed since the newest request (after it, when one is in flight).
func (r *ReviewView) onState(s model.State) tea.Cmd {
	r.latest = r.gens(s)
	if site, ok := s.Site(r.from); ok {
		r.fromSite = site
	}
	if site, ok := s.Site(r.to); ok {
		r.toSite = site
	}
	if r.editor != nil {
		r.editor.setSites(r.fromSite, r.toSite)
	}
	if !r.loading && r.latest != r.asked {
		return r.fetch()
	}
	return nil // an answer in flight is followed by another if the State moved on
}

func (r *ReviewView) onAnswer(msg reviewMsg) tea.Cmd {
	if msg.view != r || msg.gen != r.gen {
		return nil // another review's, or an older request's
	}
	r.loading = false
	r.err = msg.err
	var cmds []tea.Cmd
	if msg.err == nil {
		r.rejudged = r.have
		r.res, r.have = msg.res, true
		r.judged = r.common.Now()
		r.indexAnswer()
		r.placeCursor()
		if text := r.reconcileAcks(); text != "" {
			cmds = append(cmds, func() tea.Msg { return flashMsg{text: text} })
		}
		if r.editor != nil {
			r.editor.setJudged(r.targetOf(r.editor.vm.Key), r.estimateOf(r.editor.vm.Key), r.res.Totals.BandwidthMbps)
		}
	}
	r.rendered = false
	if r.latest != r.asked || r.dirty {
		cmds = append(cmds, r.fetch()) // the State or the targets moved on while this was judged
	}
	return tea.Batch(cmds...)
}

// placeCursor puts the cursor back on its VM in a new answer, or as near as it can.
func (r *ReviewView) placeCursor() {
	for i, vm := range r.res.VMs {
		if vm.Key == r.cursorKey {
			r.cursor = i
			return
		}
	}
	r.cursor = clamp(r.cursor, 0, max(len(r.res.VMs)-1, 0))
	if r.cursor < len(r.res.VMs) {
		r.cursorKey = r.res.VMs[r.cursor].Key
	}
}

// cursorVM is the VM under the cursor.
func (r *ReviewView) cursorVM() (model.VM, bool) {
	if !r.have || r.cursor >= len(r.res.VMs) {
		return model.VM{}, false
	}
	return r.res.VMs[r.cursor], true
}

func (r *ReviewView) onKey(msg tea.KeyMsg) tea.Cmd {
	keys := r.common.KeyMap
	switch {
	case key.Matches(msg, keys.Up):
		r.moveCursor(-1)
		return nil
	case key.Matches(msg, keys.Down):
		r.moveCursor(1)
		return nil
	case key.Matches(msg, keys.Acknowledge):
		return r.toggleAck()
	case key.Matches(msg, keys.EditTargets):
		return r.openEditor()
	case key.Matches(msg, keys.ConfirmMove):
		r.startConfirm()
		return nil
	}
	var cmd tea.Cmd
	r.vp, cmd = scrollKey(r.common, r.vp, msg)
	return cmd
}

// moveCursor moves the cursor by d VMs and scrolls it into view; past the first VM it
// shows the top (the notes and the findings about every VM), past the last the bottom.
func (r *ReviewView) moveCursor(d int) {
	n := 0
	if r.have {
		n = len(r.res.VMs)
	}
	next := r.cursor + d
	switch {
	case n == 0 || next < 0:
		r.vp.GotoTop()
		return
	case next >= n:
		r.vp.GotoBottom()
		return
	}
	r.cursor, r.cursorKey = next, r.res.VMs[next].Key
	r.rendered = false
	r.render()
	r.showCursor()
}

// showCursor scrolls the viewport so the VM under the cursor is in view: all of it when it
// fits, else from its first line.
func (r *ReviewView) showCursor() {
	if r.cursor >= len(r.blocks) || r.vp.Height <= 0 {
		return
	}
	b := r.blocks[r.cursor]
	switch {
	case b.last-b.first+1 > r.vp.Height || b.first < r.vp.YOffset:
		r.vp.SetYOffset(b.first)
	case b.last >= r.vp.YOffset+r.vp.Height:
		r.vp.SetYOffset(b.last - r.vp.Height + 1)
	}
}

// toggleAck acknowledges the warnings of the VM under the cursor, or withdraws its
// acknowledgement. A blocked VM and a VM without warnings have nothing to acknowledge: the
// flash line says so.
func (r *ReviewView) toggleAck() tea.Cmd {
	vm, ok := r.cursorVM()
	if !ok {
		return nil
	}
	name := clean(vm.Name)
	var text string
	switch ws := r.warnings(vm.Key); {
	case preflight.Blocked(r.res.Findings, vm.Key):
		text = name + " is blocked: a block cannot be acknowledged, and the VM stays"
	case len(ws) == 0:
		text = name + " has no warnings to acknowledge"
	case r.acks[vm.Key] != nil:
		delete(r.acks, vm.Key)
	default:
		seen := make(map[findingKey]bool, len(ws))
		for _, f := range ws {
			seen[keyOf(f)] = true
		}
		r.acks[vm.Key] = seen
		delete(r.lapsed, vm.Key)
	}
	r.rendered = false
	r.refusal = ""
	if text == "" {
		return nil
	}
	return func() tea.Msg { return flashMsg{text: text} }
}

// openEditor opens the target editor on the VM under the cursor, and reads the VM's disks
// (their sizes say how long moving the storage takes).
func (r *ReviewView) openEditor() tea.Cmd {
	vm, ok := r.cursorVM()
	if !ok {
		return nil
	}
	t := r.targetOf(vm.Key)
	if t.VM == (model.VMKey{}) || r.toSite.Status.ID == "" {
		text := "no targets for " + clean(vm.Name) + " yet: the review does not know the target site"
		return func() tea.Msg { return flashMsg{text: text} }
	}
	r.editor = NewTargetEditor(r.common, vm, t, r.estimateOf(vm.Key), r.res.Totals.BandwidthMbps, r.overrides[vm.Key], r.fromSite, r.toSite)
	r.editor.SetSize(r.width, r.height)
	return r.editor.fetchDetails(r.engine)
}

// onEditorKey hands a key to the target editor; when it closes with the choices kept, the
// review judges again with them.
func (r *ReviewView) onEditorKey(msg tea.KeyMsg) tea.Cmd {
	r.editor.onKey(msg)
	if !r.editor.closed {
		return nil
	}
	ed := r.editor
	r.editor = nil
	r.rendered = false
	if !ed.Saved() {
		return nil
	}
	o := ed.Override()
	if o.IsZero() {
		delete(r.overrides, ed.vm.Key)
	} else {
		r.overrides[ed.vm.Key] = o
	}
	r.dirty = true
	if r.loading {
		return nil // the answer in flight is followed by one with the new choices
	}
	return r.fetch()
}

// startConfirm asks for the target site's id, unless nothing would move: then it says why.
func (r *ReviewView) startConfirm() {
	if r.starting > 0 {
		return // the review says the moves are being started
	}
	r.refusal = ""
	if !r.have {
		return
	}
	p := r.plan()
	if p.would == 0 {
		r.refusal = p.nothing(r.common)
		return
	}
	r.confirm.Open(r.to)
}

// onConfirmKey handles a key while the operator types the target site's id: enter checks
// it, esc gives up, the rest is typing.
func (r *ReviewView) onConfirmKey(msg tea.KeyMsg) tea.Cmd {
	confirmed, refusal, cmd := r.confirm.Key(msg)
	if refusal != "" {
		r.refusal = refusal
	}
	if !confirmed {
		return cmd
	}
	move, err := r.Approved()
	if err != nil {
		r.refusal = sentence(err.Error()) + " Nothing was started."
		return nil
	}
	r.refusal = ""
	return r.start(move)
}

// start asks the engine, off the Update goroutine, to queue the moves of the approved VMs:
// the request the review judged, narrowed to them (with the operator's choices of targets
// and the profile the judgement used), and the warnings acknowledged for each, by "CODE
// object" as the engine matches them.
func (r *ReviewView) start(move ApprovedMove) tea.Cmd {
	req, acked := r.migrateRequest(move)
	r.starting = len(req.VMs)
	e, ctx, who := r.engine, r.common.Ctx, r.common.Operator
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, migrateTimeout)
		defer cancel()
		res, err := e.Migrate(ctx, who, req, acked)
		return migrateDoneMsg{view: r, res: res, err: err}
	}
}

// migrateRequest is what starting the approved move asks of the engine: the request and
// the warnings acknowledged per VM.
func (r *ReviewView) migrateRequest(move ApprovedMove) (preflight.Request, map[model.VMKey][]string) {
	req := preflight.Request{To: r.to, Profile: move.Result.Profile.Name}
	acked := make(map[model.VMKey][]string, len(move.VMs))
	for _, a := range move.VMs {
		k := a.VM.Key
		req.VMs = append(req.VMs, k)
		if o, ok := r.overrides[k]; ok {
			if req.Overrides == nil {
				req.Overrides = map[model.VMKey]preflight.Override{}
			}
			req.Overrides[k] = o
		}
		for _, f := range a.Acknowledged {
			acked[k] = append(acked[k], f.Code+" "+f.Object)
		}
	}
	return req, acked
}

// onStarted says, while the review stays open, why nothing was started: the engine's
// error, or why it left out every VM. When moves were queued the root closes the review.
func (r *ReviewView) onStarted(msg migrateDoneMsg) {
	if msg.view != r {
		return
	}
	r.starting = 0
	switch {
	case msg.err != nil:
		r.refusal = "could not start the moves: " + oneLine(msg.err.Error()) + "; nothing was started"
	case len(msg.res.Moves) == 0:
		r.refusal = "nothing was started: " + skippedText(msg.res.Skipped)
	}
	r.rendered = false
}

// ShortHelp is the view's part of the help bar.
func (r *ReviewView) ShortHelp() []key.Binding {
	if r.editor != nil {
		return r.editor.ShortHelp()
	}
	k := r.common.KeyMap
	if r.confirm.open {
		return r.confirm.Help()
	}
	// Short words, so that the bar fits 80 columns with ? and q.
	return []key.Binding{r.cursorHelp(), withDesc(k.Acknowledge, "ack"), withDesc(k.EditTargets, "targets"), k.ConfirmMove, k.Back}
}

// cursorHelp is up and down as one entry of the help bar: they move between VMs.
func (r *ReviewView) cursorHelp() key.Binding {
	k := r.common.KeyMap
	return key.NewBinding(key.WithKeys(append(k.Up.Keys(), k.Down.Keys()...)...),
		key.WithHelp(k.Up.Help().Key+" "+k.Down.Help().Key, "VM"))
}

// withDesc is b with another description in the help.
func withDesc(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// FullHelp is the view's part of the full help.
func (r *ReviewView) FullHelp() [][]key.Binding {
	if r.editor != nil {
		return r.editor.FullHelp()
	}
	k := r.common.KeyMap
	return [][]key.Binding{
		{withDesc(k.Up, "previous VM"), withDesc(k.Down, "next VM"), k.PageUp, k.PageDown, k.Home, k.End},
		{k.Acknowledge, k.EditTargets, k.ConfirmMove, k.Back},
	}
}

// View draws the framed review: the totals, then the scrolled VMs; or the target editor.
func (r *ReviewView) View() string {
	if r.editor != nil {
		return r.editor.View()
	}
	w := max(r.width-2, 0)
	body := append(r.summary(w), "")
	body = append(body, strings.Split(r.vp.View(), "\n")...)
	footer := scrollFooter(r.vp)
	if r.have && len(r.res.VMs) > 0 {
		footer = strings.TrimSpace(fmt.Sprintf("VM %d/%d  %s", r.cursor+1, len(r.res.VMs), footer))
	}
	title := "review: " + r.fromName + " → " + r.toName
	return frame{styles: r.common.Styles, focused: true, title: title, footer: footer}.render(r.width, r.height, body)
}

// render lays the VMs out for the viewport; it runs in Update (on an answer, a new size, a
// cursor move, an acknowledgement), never in View.
func (r *ReviewView) render() {
	if r.rendered || r.vp.Width <= 0 {
		return
	}
	r.rendered = true
	if !r.have {
		r.blocks = nil
		r.vp.SetContent("")
		return
	}
	lines, blocks := r.reviewLines(r.vp.Width)
	r.blocks = blocks
	r.vp.SetContent(strings.Join(lines, "\n"))
}
