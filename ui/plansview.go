package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
)

// planIndent indents a block's lines under its first.
const planIndent = 4

// maxPlanNameW bounds the name column of a plan's VMs.
const maxPlanNameW = 28

// PlansView is the evacuation plans, pushed over the lists by P (and by a new draft): on
// top the draft waiting to be started, if there is one (its waves, what it leaves out and
// why, the prediction, its YAML file); under it every plan this engine runs or ran, the
// active ones first, each with its state (a pause and why, prominently), its wave, its
// counts, a progress bar and its predicted and elapsed times. A cursor goes from the draft
// to the plans: enter on the draft starts it once the operator has typed the target site's
// id (as the review confirms a move); on a plan enter shows or hides its VMs, p pauses it
// and r resumes it. Starting, pausing and resuming are dangerous: a viewer's session has
// none of those keys. It follows the plans and the States; esc (handled by the root)
// closes it, and the draft stays to be started later.
type PlansView struct {
	common   Common
	planner  Planner // nil: this console runs no plans
	draft    *model.PlanDraft
	plans    []model.PlanStatus // in the order shown (orderPlans)
	governor model.Governor
	letters  map[model.SiteID]string
	cursor   int             // index into the items: the draft (when there is one), then the plans
	cursorID string          // the plan under the cursor; "" for the draft
	open     map[string]bool // the plans whose VMs are shown

	confirm  typedConfirm // the typed confirmation, when open
	refusal  string       // why the last start was refused, or could not be asked
	starting string       // the id of the draft being started ("": none)

	vp       viewport.Model
	width    int
	height   int
	rendered bool       // vp holds content for the current plans, cursor and width
	blocks   []lineSpan // the lines of each item in vp's content
}

// NewPlansView returns the plans view of planner's plans (list as last published), with
// the draft waiting to be started (nil: none), as of State s.
func NewPlansView(c Common, planner Planner, draft *model.PlanDraft, list []model.PlanStatus, s model.State) *PlansView {
	v := &PlansView{common: c, planner: planner, governor: s.Governor, letters: siteLetters(s),
		open: map[string]bool{}, vp: viewport.New(0, 0)}
	v.vp.KeyMap = viewportKeys(c)
	st := c.Styles
	v.confirm = newTypedConfirm(st)
	if draft != nil {
		d := *draft
		v.draft = &d
	}
	v.setPlans(list)
	return v
}

// Title names the view.
func (v *PlansView) Title() string { return "the plans" }

// Typing reports whether the typed confirmation has the keys: the root then hands it every
// key, esc and q included.
func (v *PlansView) Typing() bool { return v.confirm.open }

// items is how many things the cursor goes over.
func (v *PlansView) items() int { return v.draftItems() + len(v.plans) }

func (v *PlansView) draftItems() int {
	if v.draft != nil {
		return 1
	}
	return 0
}

// onDraft reports whether the cursor is on the draft.
func (v *PlansView) onDraft() bool { return v.draft != nil && v.cursor == 0 }

// Selected is the plan under the cursor.
func (v *PlansView) Selected() (model.PlanStatus, bool) {
	i := v.cursor - v.draftItems()
	if i < 0 || i >= len(v.plans) {
		return model.PlanStatus{}, false
	}
	return v.plans[i], true
}

// setPlans shows list, the cursor on its plan.
func (v *PlansView) setPlans(list []model.PlanStatus) {
	v.plans = orderPlans(list)
	v.placeCursor()
	v.rendered = false
	v.render()
}

// placeCursor puts the cursor back on its plan (or the draft), or as near as it can.
func (v *PlansView) placeCursor() {
	if v.cursorID != "" {
		for i, ps := range v.plans {
			if ps.ID == v.cursorID {
				v.cursor = i + v.draftItems()
				return
			}
		}
	}
	v.cursor = clamp(v.cursor, 0, max(v.items()-1, 0))
	v.cursorID = ""
	if ps, ok := v.Selected(); ok {
		v.cursorID = ps.ID
	}
}

// orderPlans lists the active plans first, in the order they began, then those that
// ended, the latest to end first. list is not changed.
func orderPlans(list []model.PlanStatus) []model.PlanStatus {
	out := make([]model.PlanStatus, 0, len(list))
	var ended []model.PlanStatus
	for _, ps := range list {
		if ps.State.Active() {
			out = append(out, ps)
		} else {
			ended = append(ended, ps)
		}
	}
	slices.Reverse(ended)
	slices.SortStableFunc(ended, func(a, b model.PlanStatus) int { return b.Ended.Compare(a.Ended) })
	return append(out, ended...)
}

// SetSize gives the view its area.
func (v *PlansView) SetSize(w, h int) {
	v.width, v.height = w, h
	v.confirm.SetWidth(w)
	v.rendered = false
	v.relayout()
	v.showCursor()
}

// relayout sizes the viewport under the summary (a line longer while the typed
// confirmation is open) and lays the plans out again when they changed. It runs in
// Update, never in View.
func (v *PlansView) relayout() {
	w := max(v.width-2, 0)
	vh := max(v.height-2-len(v.summary(w))-1, 0)
	if v.vp.Width != w || v.vp.Height != vh {
		v.vp.Width, v.vp.Height = w, vh
		v.rendered = false
	}
	v.render()
}

// Update follows the plans, the draft and the States, and handles the keys.
func (v *PlansView) Update(msg tea.Msg) (View, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case plansMsg:
		v.setPlans(msg.list)
	case draftReadyMsg:
		d := msg.draft
		v.draft, v.refusal = &d, ""
		v.confirm.Close()
		v.cursor, v.cursorID = 0, ""
		v.rendered = false
		v.render()
		v.vp.GotoTop()
	case planStartedMsg:
		v.onStarted(msg)
	case stateMsg:
		letters := siteLetters(msg.state)
		if msg.state.Governor != v.governor || len(letters) != len(v.letters) {
			v.governor, v.letters = msg.state.Governor, letters
			v.rendered = false
			v.render()
		}
	case tickMsg:
		for _, ps := range v.plans {
			if ps.State.Active() {
				v.rendered = false // "elapsed 1m32s" moves on
				v.render()
				break
			}
		}
	case tea.KeyMsg:
		if v.confirm.open {
			cmd = v.onConfirmKey(msg)
		} else {
			cmd = v.onKey(msg)
		}
	}
	v.relayout()
	return v, cmd
}

func (v *PlansView) onKey(msg tea.KeyMsg) tea.Cmd {
	keys := v.common.KeyMap
	ps, onPlan := v.Selected()
	switch {
	case key.Matches(msg, keys.Up):
		v.moveCursor(-1)
	case key.Matches(msg, keys.Down):
		v.moveCursor(1)
	case v.onDraft() && key.Matches(msg, keys.StartPlan):
		v.startConfirm()
	case v.onDraft() && key.Matches(msg, keys.PlanVMs) && !keys.StartPlan.Enabled():
		// enter, in a session that may not start plans: say why nothing happens.
		v.refusal = "read-only session: a viewer may draft plans but not start them"
	case onPlan && key.Matches(msg, keys.PlanVMs):
		v.open[ps.ID] = !v.open[ps.ID]
		v.rendered = false
		v.render()
		v.showCursor()
	case onPlan && key.Matches(msg, keys.PausePlan):
		return v.pause(ps, false)
	case onPlan && key.Matches(msg, keys.ResumePlan):
		return v.pause(ps, true)
	default:
		var cmd tea.Cmd
		v.vp, cmd = scrollKey(v.common, v.vp, msg)
		return cmd
	}
	return nil
}

// pause asks to pause plan ps (resume: to resume it), unless there is nothing to do: then
// the flash line says why.
func (v *PlansView) pause(ps model.PlanStatus, resume bool) tea.Cmd {
	id := clean(ps.ID)
	var text string
	switch {
	case !ps.State.Active():
		verb := "pause"
		if resume {
			verb = "resume"
		}
		text = fmt.Sprintf("plan %s has ended (%s): nothing to %s", id, planStateText(ps), verb)
	case resume && ps.State != model.PlanPaused:
		text = fmt.Sprintf("plan %s is %s: nothing to resume", id, planStateText(ps))
	case !resume && ps.State == model.PlanPaused:
		text = fmt.Sprintf("plan %s is paused already", id)
	default:
		return pausePlan(v.common, v.planner, ps.ID, resume)
	}
	return func() tea.Msg { return flashMsg{text: text} }
}

// moveCursor moves the cursor by d items and scrolls it into view; past either end it
// shows the top or the bottom.
func (v *PlansView) moveCursor(d int) {
	next := v.cursor + d
	switch {
	case v.items() == 0 || next < 0:
		v.vp.GotoTop()
		return
	case next >= v.items():
		v.vp.GotoBottom()
		return
	}
	v.cursor = next
	v.cursorID = ""
	if ps, ok := v.Selected(); ok {
		v.cursorID = ps.ID
	}
	v.refusal = ""
	v.rendered = false
	v.render()
	v.showCursor()
}

// showCursor scrolls the viewport so the item under the cursor is in view: all of it when
// it fits, else from its first line.
func (v *PlansView) showCursor() {
	if v.cursor >= len(v.blocks) || v.vp.Height <= 0 {
		return
	}
	b := v.blocks[v.cursor]
	switch {
	case b.last-b.first+1 > v.vp.Height || b.first < v.vp.YOffset:
		v.vp.SetYOffset(b.first)
	case b.last >= v.vp.YOffset+v.vp.Height:
		v.vp.SetYOffset(b.last - v.vp.Height + 1)
	}
}

// startConfirm asks for the target site's id, as the review does before moves start.
func (v *PlansView) startConfirm() {
	if v.starting != "" || v.draft == nil || v.planner == nil {
		return
	}
	v.refusal = ""
	if v.draft.Count() == 0 {
		v.refusal = "this draft moves no VM: nothing to start"
		v.rendered = false
		return
	}
	v.confirm.Open(v.draft.To)
}

// onConfirmKey handles a key while the operator types the target site's id: enter checks
// it, esc gives up, the rest is typing.
func (v *PlansView) onConfirmKey(msg tea.KeyMsg) tea.Cmd {
	d := v.draft
	if d == nil { // the draft went while the line was open
		v.confirm.Close()
		return nil
	}
	confirmed, refusal, cmd := v.confirm.Key(msg)
	if refusal != "" {
		v.refusal = refusal
	}
	if !confirmed {
		return cmd
	}
	v.refusal = ""
	v.starting = d.ID
	p, parent, who, id := v.planner, v.common.Ctx, v.common.Operator, d.ID
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, startPlanTimeout)
		defer cancel()
		ps, err := p.StartDraft(ctx, who, id)
		return planStartedMsg{view: v, id: id, status: ps, err: err}
	}
}

// onStarted follows a start this view asked for: the draft goes once its plan runs, and
// the cursor goes to the plan; a refusal stays in view.
func (v *PlansView) onStarted(msg planStartedMsg) {
	if msg.view != v {
		return
	}
	v.starting = ""
	if msg.err != nil {
		v.refusal = "could not start the plan: " + oneLine(msg.err.Error()) + "; nothing was started"
		v.rendered = false
		v.render()
		return
	}
	if v.draft != nil && v.draft.ID == msg.id {
		v.draft = nil
	}
	v.cursorID = msg.status.ID
	if v.cursorID != "" {
		v.plans = orderPlans(upsertPlan(v.plans, msg.status))
	}
	v.placeCursor()
	v.rendered = false
	v.render()
	v.showCursor()
}

// ShortHelp is the view's part of the help bar: what the keys do where the cursor is.
func (v *PlansView) ShortHelp() []key.Binding {
	k := v.common.KeyMap
	if v.confirm.open {
		return v.confirm.Help()
	}
	move := key.NewBinding(key.WithKeys(append(k.Up.Keys(), k.Down.Keys()...)...),
		key.WithHelp(k.Up.Help().Key+" "+k.Down.Help().Key, "plan"))
	if v.onDraft() {
		return []key.Binding{move, k.StartPlan, k.Back}
	}
	if _, ok := v.Selected(); ok {
		// Short words, so that the bar fits 80 columns with ? and q.
		return []key.Binding{move, withDesc(k.PlanVMs, "VMs"), withDesc(k.PausePlan, "pause"), withDesc(k.ResumePlan, "resume"), k.Back}
	}
	return []key.Binding{k.Back}
}

// FullHelp is the view's part of the full help.
func (v *PlansView) FullHelp() [][]key.Binding {
	k := v.common.KeyMap
	return [][]key.Binding{
		{withDesc(k.Up, "previous"), withDesc(k.Down, "next"), k.PageUp, k.PageDown, k.Home, k.End},
		{withDesc(k.StartPlan, "start the draft"), k.PlanVMs, k.PausePlan, k.ResumePlan, k.Back},
	}
}

// View draws the framed view: the summary, then the scrolled draft and plans.
func (v *PlansView) View() string {
	w := max(v.width-2, 0)
	body := append(v.summary(w), "")
	body = append(body, strings.Split(v.vp.View(), "\n")...)
	footer := scrollFooter(v.vp)
	if n := v.items(); n > 0 {
		what := "plan"
		if v.onDraft() {
			what = "draft"
		}
		footer = strings.TrimSpace(fmt.Sprintf("%s %d/%d  %s", what, v.cursor+1, n, footer))
	}
	return frame{styles: v.common.Styles, focused: true, title: "plans", footer: footer}.render(v.width, v.height, body)
}

// summary is the lines above the plans: the counts and what the governor allows; what the
// keys do where the cursor is (or why not); the typed confirmation while it is open.
func (v *PlansView) summary(w int) []string {
	st := v.common.Styles
	out := make([]string, 0, 3)
	if v.planner == nil {
		return append(out, fit(st.DetailValue.Render("no plans in this console"), w))
	}
	left := plansCountText(v.plans)
	if v.draft != nil {
		left = "1 draft · " + left
	}
	right := ""
	switch g := v.governor; {
	case g.Paused != "":
		right = st.DetailWarn.Render("moves paused: " + clean(g.Paused))
	case g.Why != "":
		right = st.DetailLabel.Render("moves " + clean(g.Why))
	}
	out = append(out, sides(st.DetailValue.Render(left), right, w))
	text, style := v.hint(), st.DetailLabel
	if v.refusal != "" {
		text, style = v.refusal, st.DetailBad
	}
	out = append(out, fit(style.Render(cut(text, w)), w))
	if v.confirm.open {
		out = append(out, fit(v.confirm.View(), w))
	}
	return out
}

// hint says what the keys do where the cursor is, or why they do nothing.
func (v *PlansView) hint() string {
	k := v.common.KeyMap
	if v.starting != "" {
		return "starting plan " + clean(v.starting) + "…"
	}
	if v.onDraft() {
		d := v.draft
		switch {
		case v.confirm.open:
			return fmt.Sprintf("starting it moves %s to %s in %s; esc gives up", plural(d.Count(), "VM"), clean(string(d.To)), plural(len(d.Waves), "wave"))
		case !k.StartPlan.Enabled():
			return "read-only session: a viewer may draft plans but not start them"
		}
		return fmt.Sprintf("%s starts it, after you type %s; %s keeps it (%s shows it again)", k.StartPlan.Help().Key, clean(string(d.To)), k.Back.Help().Key, k.Plans.Help().Key)
	}
	ps, ok := v.Selected()
	switch {
	case !ok:
		return k.Evacuate.Help().Key + " in a site pane plans an evacuation: the selected VMs, a host, a cluster or the site"
	case !k.PausePlan.Enabled():
		return "read-only session: a viewer cannot pause or resume plans; " + k.PlanVMs.Help().Key + " shows its VMs"
	case ps.State == model.PlanPaused:
		return fmt.Sprintf("%s resumes it · %s shows its VMs", k.ResumePlan.Help().Key, k.PlanVMs.Help().Key)
	case ps.State.Active():
		return fmt.Sprintf("%s pauses it (the moves running go on) · %s shows its VMs", k.PausePlan.Help().Key, k.PlanVMs.Help().Key)
	}
	return k.PlanVMs.Help().Key + " shows its VMs"
}

// render lays the draft and the plans out for the viewport; it runs in Update, never in
// View.
func (v *PlansView) render() {
	if v.rendered || v.vp.Width <= 0 {
		return
	}
	v.rendered = true
	w := v.vp.Width
	f := v.common.inks.fabric
	var lines []string
	v.blocks = v.blocks[:0]
	if v.planner == nil {
		lines = append(lines, wrapSegs(w, 0, seg{f.text, "This console was started without evacuation plans."})...)
		lines = append(lines, wrapSegs(w, 0, seg{f.muted, "`vmcross plan` proposes one from the command line, and `vmcross migrate --plan FILE` runs it."})...)
		v.vp.SetContent(strings.Join(lines, "\n"))
		return
	}
	if v.items() == 0 {
		lines = append(lines, line(w, seg{f.text, "no plans yet"}))
		lines = append(lines, wrapSegs(w, 0, seg{f.muted, v.common.KeyMap.Evacuate.Help().Key +
			" in a site pane plans an evacuation to the other site: of the selected VMs, of the host or the cluster of the VM under the cursor, or of the whole site."})...)
	}
	if v.draft != nil {
		first := len(lines)
		lines = append(lines, v.draftLines(*v.draft, v.cursor == 0, w)...)
		v.blocks = append(v.blocks, lineSpan{first, len(lines) - 1})
		lines = append(lines, "")
	}
	now := v.common.Now()
	for i, ps := range v.plans {
		first := len(lines)
		lines = append(lines, v.planLines(ps, i+v.draftItems() == v.cursor, now, w)...)
		v.blocks = append(v.blocks, lineSpan{first, len(lines) - 1})
		lines = append(lines, "")
	}
	v.vp.SetContent(strings.Join(lines, "\n"))
}
