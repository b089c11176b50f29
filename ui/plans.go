package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
)

// The root's side of the evacuation plans: the Planner's list, followed while the console
// lives; the draft waiting to be started; the questions asked over the help bar (what to
// evacuate, whether to re-attach to a plan an earlier vmcross left); and how the plan
// commands ended, on the flash line.

// Bounds of the calls into the Planner. Drafting judges every VM (their details included);
// re-attaching looks for the plan's vCenter tasks.
const (
	draftTimeout     = 2 * time.Minute
	startPlanTimeout = migrateTimeout
	adoptTimeout     = 2 * time.Minute
)

// plansState is what the root keeps of the plans. planner nil: the console runs none.
type plansState struct {
	planner Planner
	ch      <-chan []model.PlanStatus // nil until subscribed, and after the Planner closed it
	list    []model.PlanStatus        // as last published; never modified (it is shared)
	// draft is the newest draft, until it is started; drafting says what is being drafted
	// ("" when nothing is).
	draft    *model.PlanDraft
	drafting string
	// evac is the evacuate question while it is asked (its prompt is then the root's
	// confirm); adopt is the re-attach question asked now, and interrupted the plans still
	// to ask about.
	evac        *evacuateQuestion
	adopt       *confirmPrompt
	adoptID     string // the plan adopt asks about
	adopting    bool   // a re-attachment is under way: the next question waits for it
	interrupted []model.PlanStatus
}

// plansSubscribedMsg carries the plans channel once the subscription is open.
type plansSubscribedMsg struct{ ch <-chan []model.PlanStatus }

// plansMsg is the engine's plans, as published; the root hands it to the views.
type plansMsg struct{ list []model.PlanStatus }

// plansClosedMsg says the Planner closed the plans channel.
type plansClosedMsg struct{}

// interruptedMsg is the answer to Planner.Interrupted.
type interruptedMsg struct {
	plans []model.PlanStatus
	err   error
}

// draftDoneMsg is how drafting a plan ended; what is the selection in words.
type draftDoneMsg struct {
	what  string
	draft model.PlanDraft
	err   error
}

// draftReadyMsg hands the views a new draft.
type draftReadyMsg struct{ draft model.PlanDraft }

// planStartedMsg is how starting a draft ended; view is the plans view that asked.
type planStartedMsg struct {
	view   *PlansView
	id     string
	status model.PlanStatus
	err    error
}

// planCmdDoneMsg is how pausing or resuming a plan ended.
type planCmdDoneMsg struct {
	id     string
	resume bool
	err    error
}

// adoptDoneMsg is how re-attaching to an interrupted plan ended.
type adoptDoneMsg struct {
	id     string
	status model.PlanStatus
	err    error
}

// initPlans opens the plans subscription and, in an operator's session, asks which plans
// an earlier vmcross left unfinished. A viewer is not asked: it cannot re-attach.
func (m Model) initPlans() tea.Cmd {
	p := m.plans.planner
	if p == nil {
		return nil
	}
	ctx := m.common.Ctx
	cmds := []tea.Cmd{func() tea.Msg { return plansSubscribedMsg{ch: p.Subscribe(ctx)} }}
	if m.common.Operator.Role.AtLeast(model.RoleOperator) {
		cmds = append(cmds, func() tea.Msg {
			list, err := p.Interrupted()
			return interruptedMsg{plans: list, err: err}
		})
	}
	return tea.Batch(cmds...)
}

// waitForPlans delivers the next list; re-armed after each one, like waitForState.
func waitForPlans(ch <-chan []model.PlanStatus) tea.Cmd {
	return func() tea.Msg {
		list, ok := <-ch
		if !ok {
			return plansClosedMsg{}
		}
		return plansMsg{list: list}
	}
}

// onPlanMsg handles the plans' messages: the subscription, drafts, starts, pauses and
// resumes, re-attachments.
func (m Model) onPlanMsg(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case plansSubscribedMsg:
		m.plans.ch = msg.ch
		return m, waitForPlans(msg.ch)
	case plansMsg:
		cmd := m.applyPlans(msg.list)
		if m.plans.ch == nil {
			return m, cmd
		}
		return m, tea.Batch(cmd, waitForPlans(m.plans.ch))
	case plansClosedMsg:
		m.plans.ch = nil
		return m, nil
	case interruptedMsg:
		return m.onInterrupted(msg)
	case draftDoneMsg:
		return m.onDrafted(msg)
	case planStartedMsg:
		return m.onPlanStarted(msg)
	case planCmdDoneMsg:
		return m.onPlanCmdDone(msg)
	case adoptDoneMsg:
		return m.onAdopted(msg)
	}
	return m, nil
}

// applyPlans shows list in the moves pane and the views.
func (m *Model) applyPlans(list []model.PlanStatus) tea.Cmd {
	m.plans.list = list
	m.main.moves.SetPlans(list)
	return m.toOverlays(plansMsg{list: list})
}

// upsertPlan is list with ps in the place of the plan of its id, or after the others; list
// is not changed (the Planner shares it between sessions).
func upsertPlan(list []model.PlanStatus, ps model.PlanStatus) []model.PlanStatus {
	out := make([]model.PlanStatus, 0, len(list)+1)
	found := false
	for _, p := range list {
		if p.ID == ps.ID {
			p, found = ps, true
		}
		out = append(out, p)
	}
	if !found {
		out = append(out, ps)
	}
	return out
}

// setFlash puts text on the flash line for the usual while.
func (m *Model) setFlash(text string, bad bool) {
	m.flash = flash{text: text, bad: bad, until: m.common.Now().Add(flashFor)}
	m.relayout()
}

// openPlans pushes the plans view: the draft waiting to be started, every plan.
func (m Model) openPlans() (tea.Model, tea.Cmd) {
	m.pushView(NewPlansView(m.common, m.plans.planner, m.plans.draft, m.plans.list, m.state))
	return m, nil
}

// draft asks the Planner, off the Update goroutine, to draft the evacuation of c; the flash
// line says so until it answers.
func (m Model) draft(c evacuateChoice) (tea.Model, tea.Cmd) {
	p, who, parent, scope, what := m.plans.planner, m.common.Operator, m.common.Ctx, c.scope, c.what
	m.plans.drafting = what
	m.flash = flash{text: fmt.Sprintf("◌ planning the evacuation of %s to %s…", what, clean(string(scope.To))), until: m.common.Now().Add(draftTimeout)}
	m.relayout()
	return m, func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, draftTimeout)
		defer cancel()
		d, err := p.Draft(ctx, who, scope)
		return draftDoneMsg{what: what, draft: d, err: err}
	}
}

// onDrafted shows a new draft: in the plans view, opened over the lists when nothing else
// is over them; the flash line says what it holds, or why there is none.
func (m Model) onDrafted(msg draftDoneMsg) (tea.Model, tea.Cmd) {
	m.plans.drafting = ""
	if msg.err != nil {
		m.setFlash("✗ no plan for "+msg.what+": "+oneLine(msg.err.Error()), true)
		return m, nil
	}
	d := msg.draft
	m.plans.draft = &d
	text := fmt.Sprintf("plan %s drafted: %s in %s", clean(d.ID), plural(d.Count(), "VM"), plural(len(d.Waves), "wave"))
	if len(d.Skipped) > 0 {
		text += fmt.Sprintf(", %d skipped", len(d.Skipped))
	}
	shown := false
	for _, v := range m.overlays {
		if _, ok := v.(*PlansView); ok {
			shown = true
		}
	}
	cmd := m.toOverlays(draftReadyMsg{draft: d})
	if !shown && len(m.overlays) == 0 {
		m.pushView(NewPlansView(m.common, m.plans.planner, m.plans.draft, m.plans.list, m.state))
		shown = true
	}
	if !shown {
		text += "; " + m.common.KeyMap.Plans.Help().Key + " in the lists shows it"
	}
	m.setFlash(text, false)
	return m, cmd
}

// onPlanStarted says how starting a draft went; a started draft is no longer pending.
func (m Model) onPlanStarted(msg planStartedMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		m.setFlash("✗ plan "+clean(msg.id)+" was not started: "+oneLine(msg.err.Error()), true)
		return m, m.toOverlays(msg)
	}
	if m.plans.draft != nil && m.plans.draft.ID == msg.id {
		m.plans.draft = nil
	}
	ps := msg.status
	m.setFlash(fmt.Sprintf("plan %s started: %s in %s", clean(ps.ID), plural(len(ps.VMs)-ps.Count(model.PlanVMSkipped), "VM"), plural(ps.Waves, "wave")), false)
	cmd := m.toOverlays(msg)
	if ps.ID != "" {
		cmd = tea.Batch(cmd, m.applyPlans(upsertPlan(m.plans.list, ps)))
	}
	return m, cmd
}

// pausePlan asks the Planner, off the Update goroutine, to pause plan id (resume: to resume
// it).
func pausePlan(c Common, p Planner, id string, resume bool) tea.Cmd {
	parent, who := c.Ctx, c.Operator
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, commandTimeout)
		defer cancel()
		var err error
		if resume {
			err = p.Resume(ctx, who, id)
		} else {
			err = p.Pause(ctx, who, id)
		}
		return planCmdDoneMsg{id: id, resume: resume, err: err}
	}
}

// onPlanCmdDone says how a pause or a resume went.
func (m Model) onPlanCmdDone(msg planCmdDoneMsg) (tea.Model, tea.Cmd) {
	id := clean(msg.id)
	switch {
	case msg.err != nil && msg.resume:
		m.setFlash("✗ plan "+id+" was not resumed: "+oneLine(msg.err.Error()), true)
	case msg.err != nil:
		m.setFlash("✗ plan "+id+" was not paused: "+oneLine(msg.err.Error()), true)
	case msg.resume:
		m.setFlash("◌ plan "+id+" resumed: its pending VMs will be handed out", false)
	default:
		m.setFlash("◌ plan "+id+" paused; the moves running go on", false)
	}
	return m, nil
}

// onInterrupted keeps the plans an earlier vmcross left unfinished, to ask about each.
func (m Model) onInterrupted(msg interruptedMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		m.setFlash("✗ could not read the plans' journals: "+oneLine(msg.err.Error()), true)
	}
	m.plans.interrupted = append(m.plans.interrupted, msg.plans...)
	m.askInterrupted()
	return m, nil
}

// askInterrupted asks about the next interrupted plan, unless a question is asked already
// (the clock asks again later).
func (m *Model) askInterrupted() {
	if m.confirm != nil || m.plans.adopting || len(m.plans.interrupted) == 0 {
		return
	}
	ps := m.plans.interrupted[0]
	m.plans.interrupted = m.plans.interrupted[1:]
	id := ps.ID
	m.plans.adoptID = id
	m.plans.adopt = &confirmPrompt{
		// The question first: a narrow terminal cuts the end of the line.
		question: fmt.Sprintf("Re-attach to plan %s? It was interrupted (%d of %d VMs not finished) %s/%s", clean(id), openVMs(ps), len(ps.VMs),
			firstKey(m.common.KeyMap.ConfirmYes), firstKey(m.common.KeyMap.ConfirmNo)),
		yesDesc: "re-attach",
		noDesc:  "leave it",
		// onAdoptKey answers it; this is in case the root's confirm handling ever does.
		yes: func(m *Model) tea.Cmd { m.plans.adopt = nil; return m.adoptPlan(id) },
	}
	m.confirm = m.plans.adopt
	m.relayout()
}

// onAdoptKey answers the re-attach question: y re-attaches (the next plan is asked about
// once it has), n (or esc) leaves the plan as its journal has it and asks about the next.
// Other keys are ignored, as the confirm prompt ignores them.
func (m Model) onAdoptKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	keys := m.common.KeyMap
	id := m.plans.adoptID
	switch {
	case key.Matches(msg, keys.ConfirmYes):
		m.confirm, m.plans.adopt = nil, nil
		cmd := m.adoptPlan(id)
		m.relayout()
		return m, cmd
	case key.Matches(msg, keys.ConfirmNo):
		m.confirm, m.plans.adopt = nil, nil
		// Short, so that the command fits 80 columns.
		m.setFlash("left as it is; later: vmcross migrate --resume "+clean(id), false)
		m.askInterrupted()
	}
	return m, nil
}

// adoptPlan asks the Planner to re-attach to plan id, off the Update goroutine.
func (m *Model) adoptPlan(id string) tea.Cmd {
	p, who, parent := m.plans.planner, m.common.Operator, m.common.Ctx
	m.plans.adopting = true
	m.flash = flash{text: "◌ re-attaching to plan " + clean(id) + "…", until: m.common.Now().Add(adoptTimeout)}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, adoptTimeout)
		defer cancel()
		ps, err := p.Adopt(ctx, who, id)
		return adoptDoneMsg{id: id, status: ps, err: err}
	}
}

// onAdopted says how re-attaching went, and asks about the next interrupted plan.
func (m Model) onAdopted(msg adoptDoneMsg) (tea.Model, tea.Cmd) {
	m.plans.adopting = false
	if msg.err != nil {
		m.setFlash("✗ plan "+clean(msg.id)+" was not re-attached: "+oneLine(msg.err.Error()), true)
		m.askInterrupted()
		return m, nil
	}
	ps := msg.status
	var parts []string
	if ps.State != model.PlanRunning {
		parts = append(parts, planStateText(ps))
	}
	if ps.Waves > 0 {
		parts = append(parts, fmt.Sprintf("wave %d of %d", max(ps.WaveIndex, 1), ps.Waves))
	}
	parts = append(parts, fmt.Sprintf("%d of %d VMs to go", openVMs(ps), len(ps.VMs)))
	m.setFlash("re-attached to plan "+clean(msg.id)+": "+strings.Join(parts, ", "), false)
	var cmd tea.Cmd
	if ps.ID != "" {
		cmd = m.applyPlans(upsertPlan(m.plans.list, ps))
	}
	m.askInterrupted()
	return m, cmd
}

// openVMs counts the plan's VMs whose part has not ended.
func openVMs(ps model.PlanStatus) int {
	n := 0
	for _, vm := range ps.VMs {
		if !vm.State.Final() {
			n++
		}
	}
	return n
}

// planStateText is a plan's state in a word or two: "running", "paused", "done".
func planStateText(ps model.PlanStatus) string {
	if ps.State == "" {
		return "unknown"
	}
	return clean(string(ps.State))
}
