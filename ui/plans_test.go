package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/vmcross/vmcross/backend/model"
)

// fakePlanner is a stand-in for backend.Plans: the console's seam is the Planner
// interface. It records every call, answers Draft with draft, and publishes its list to
// its subscribers after each change, as the real one does.
type fakePlanner struct {
	mu    sync.Mutex
	list  []model.PlanStatus // published; replaced, never modified
	subs  map[chan []model.PlanStatus]struct{}
	draft model.PlanDraft
	// what each call was asked, and what it fails with
	scopes           []model.PlanScope
	draftWho         []model.Operator
	draftErr         error
	started          []string
	startErr         error
	paused, resumed  []string
	pauseErr         error
	interrupted      []model.PlanStatus
	interruptedCalls int
	adopted          []string
	adoptErr         error
}

func newFakePlanner(list ...model.PlanStatus) *fakePlanner {
	return &fakePlanner{list: list, subs: map[chan []model.PlanStatus]struct{}{}}
}

func (f *fakePlanner) List() []model.PlanStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list
}

func (f *fakePlanner) Subscribe(ctx context.Context) <-chan []model.PlanStatus {
	ch := make(chan []model.PlanStatus, 1)
	f.mu.Lock()
	f.subs[ch] = struct{}{}
	ch <- f.list
	f.mu.Unlock()
	go func() {
		<-ctx.Done()
		f.mu.Lock()
		delete(f.subs, ch)
		close(ch)
		f.mu.Unlock()
	}()
	return ch
}

// publishLocked sets the list and hands it to every subscriber, replacing one not read yet.
func (f *fakePlanner) publishLocked(list []model.PlanStatus) {
	f.list = list
	for ch := range f.subs {
		select {
		case <-ch:
		default:
		}
		ch <- list
	}
}

func (f *fakePlanner) Publish(list ...model.PlanStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.publishLocked(list)
}

func (f *fakePlanner) Draft(_ context.Context, who model.Operator, s model.PlanScope) (model.PlanDraft, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scopes = append(f.scopes, s)
	f.draftWho = append(f.draftWho, who)
	if f.draftErr != nil {
		return model.PlanDraft{}, f.draftErr
	}
	return f.draft, nil
}

// StartDraft starts the draft as a running plan, its VMs pending, and publishes it.
func (f *fakePlanner) StartDraft(_ context.Context, who model.Operator, id string) (model.PlanStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, id)
	if f.startErr != nil {
		return model.PlanStatus{}, f.startErr
	}
	d := f.draft
	ps := model.PlanStatus{ID: id, From: d.From, To: d.To, Operator: who, State: model.PlanRunning, Wave: 1, WaveIndex: 1,
		Waves: len(d.Waves), Predicted: d.Predicted, Started: testNow}
	for _, w := range d.Waves {
		for _, n := range w.VMs {
			ps.VMs = append(ps.VMs, model.PlanVM{Name: n, Wave: w.Wave, State: model.PlanVMPending})
		}
	}
	f.publishLocked(append(slices.Clone(f.list), ps))
	return ps, nil
}

func (f *fakePlanner) Pause(_ context.Context, _ model.Operator, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paused = append(f.paused, id)
	return f.pauseErr
}

func (f *fakePlanner) Resume(_ context.Context, _ model.Operator, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resumed = append(f.resumed, id)
	return f.pauseErr
}

func (f *fakePlanner) Interrupted() ([]model.PlanStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.interruptedCalls++
	return slices.Clone(f.interrupted), nil
}

// Adopt runs the interrupted plan here and publishes it.
func (f *fakePlanner) Adopt(_ context.Context, _ model.Operator, id string) (model.PlanStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.adopted = append(f.adopted, id)
	if f.adoptErr != nil {
		return model.PlanStatus{}, f.adoptErr
	}
	for _, ps := range f.interrupted {
		if ps.ID == id {
			ps.State, ps.Adopted = model.PlanRunning, true
			f.publishLocked(append(slices.Clone(f.list), ps))
			return ps, nil
		}
	}
	return model.PlanStatus{}, fmt.Errorf("plan %s: no such plan", id)
}

func (f *fakePlanner) calls() (scopes []model.PlanScope, started, paused, resumed, adopted []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.scopes), slices.Clone(f.started), slices.Clone(f.paused), slices.Clone(f.resumed), slices.Clone(f.adopted)
}

// testDraft is the draft of host esx05.mia.corp's evacuation, as the engine would propose it.
func testDraft() model.PlanDraft {
	return model.PlanDraft{
		ID: "evac-20250314-0300-esx05", From: "site-a", To: "site-b", Selection: "host esx05.mia.corp",
		Waves: []model.PlanDraftWave{
			{Wave: 1, VMs: []string{"mia-prod-sql-01", "mia-prod-sql-02", "mia-elk-01"}, Bytes: 160 << 30, Predicted: 80 * time.Second},
			{Wave: 2, VMs: []string{"mia-k8s-master-02", "mia-k8s-worker-03", "mia-k8s-worker-07"}, Bytes: 80 << 30, Predicted: 50 * time.Second},
			{Wave: 3, VMs: []string{"mia-elk-05"}, Bytes: 33 << 29, Predicted: 20 * time.Second},
		},
		Skipped: []model.PlanDraftSkip{
			{Name: "mia-prod-sql-clu-n-01", Reason: "blocked: RDM_BUS_SHARING the shared SCSI bus of a guest cluster cannot cross vCenters"},
			{Name: "mia-prod-sql-clu-n-02", Reason: "blocked: partner of mia-prod-sql-clu-n-01, which is blocked"},
		},
		Warnings: 2, Predicted: 2*time.Minute + 30*time.Second, Assumptions: "8 at once, 18.8 Gbps free on the DCI",
		File: "/home/ops/.local/state/vmcross/plans/drafts/evac-20250314-0300-esx05.yaml",
	}
}

// runningPlan is a-01's evacuation in its second of three waves.
func runningPlan() model.PlanStatus {
	return model.PlanStatus{
		ID: "evac-20250314-0250-a-01", From: "site-a", To: "site-b", Operator: alice, State: model.PlanRunning,
		Wave: 2, WaveIndex: 2, Waves: 3, Predicted: 6 * time.Minute, Started: testNow.Add(-2*time.Minute - 5*time.Second),
		Journal: "/home/ops/.local/state/vmcross/plans/evac-20250314-0250-a-01.json",
		VMs: []model.PlanVM{
			{Name: "mia-prod-web-01", Wave: 1, State: model.PlanVMDone, Progress: 100, Move: "mv-1"},
			{Name: "mia-prod-web-02", Wave: 1, State: model.PlanVMDone, Progress: 100, Move: "mv-2"},
			{Name: "mia-prod-app-01", Wave: 2, State: model.PlanVMMoving, Progress: 62, Move: "mv-3"},
			{Name: "mia-prod-app-02", Wave: 2, State: model.PlanVMSubmitted, Move: "mv-4"},
			{Name: "mia-prod-mq-01", Wave: 3, State: model.PlanVMPending},
			{Name: "mia-prod-dc-01", State: model.PlanVMSkipped, Why: "blocked: FT_ENABLED fault tolerance is on"},
		},
	}
}

// pausedPlan is site-a's DEV cluster's evacuation, paused by an operator after wave 1.
func pausedPlan() model.PlanStatus {
	return model.PlanStatus{
		ID: "evac-20250314-0240-a-dev", From: "site-a", To: "site-b", Operator: alice, State: model.PlanPaused,
		Why:  "paused: no new wave is handed out; the moves handed out go on",
		Wave: 1, WaveIndex: 1, Waves: 2, Predicted: 3 * time.Minute, Started: testNow.Add(-10 * time.Minute),
		VMs: []model.PlanVM{
			{Name: "mia-dev-web-01", Wave: 1, State: model.PlanVMDone, Progress: 100},
			{Name: "mia-dev-web-02", Wave: 1, State: model.PlanVMFailed, Why: "A general system error occurred: the destination failed to resume"},
			{Name: "mia-dev-app-01", Wave: 2, State: model.PlanVMPending},
		},
	}
}

// donePlan ended an hour ago.
func donePlan() model.PlanStatus {
	return model.PlanStatus{
		ID: "evac-20250314-0150-jump-01", From: "site-a", To: "site-b", Operator: alice, State: model.PlanDone,
		Why:  "1 done, 0 failed, 0 cancelled, 0 skipped",
		Wave: 1, WaveIndex: 1, Waves: 1, Predicted: 20 * time.Second, Started: testNow.Add(-70 * time.Minute), Ended: testNow.Add(-69 * time.Minute),
		VMs: []model.PlanVM{{Name: "mia-jump-01", Wave: 1, State: model.PlanVMDone, Progress: 100}},
	}
}

// planModel is the console at w×h with planner p (nil: none), opts applied.
func planModel(t testing.TB, e Engine, p Planner, w, h int, opts ...func(*Options)) Model {
	t.Helper()
	o := testOptions()
	o.Plans = p
	for _, f := range opts {
		f(&o)
	}
	return update(t, New(e, o), tea.WindowSizeMsg{Width: w, Height: h})
}

func asViewer(o *Options) {
	o.Operator = model.Operator{Name: "vic", From: "ssh SHA256:x", Role: model.RoleViewer}
}

// plansView is the plans view on top of the stack.
func plansView(t *testing.T, m Model) *PlansView {
	t.Helper()
	if n := len(m.overlays); n > 0 {
		if v, ok := m.overlays[n-1].(*PlansView); ok {
			return v
		}
	}
	t.Fatalf("the plans view is not on top:\n%s", m.View())
	return nil
}

// E then h drafts the evacuation of every VM on the host of the VM under the cursor, to
// the other site, as the session's operator; the flash line says it is planning meanwhile,
// and the plans view opens on the draft.
func TestEvacuateHostDraftsItsVMs(t *testing.T) {
	st := testState()
	p := newFakePlanner()
	p.draft = testDraft()
	m := planModel(t, newFakeEngine(st), p, 80, 24)
	m = pressAll(t, m, "down", "down") // the third VM of site A
	cur := st.Sites[0].VMs[2]

	m, cmd := press(t, m, "E")
	if cmd != nil || m.plans.evac == nil {
		t.Fatal("E did not ask what to evacuate")
	}
	view := m.View()
	if !strings.Contains(view, "Evacuate to site-b? v "+cur.Name) || !strings.Contains(view, "h "+shortHost(cur.Host)) {
		t.Errorf("the question does not offer the VM and its host:\n%s", view)
	}
	if !strings.Contains(view, "h host") || !strings.Contains(view, "esc cancel") {
		t.Errorf("the help bar does not list the answers:\n%s", view)
	}
	// A stray key answers nothing.
	m, _ = press(t, m, "q")
	if m.plans.evac == nil {
		t.Fatal("q dropped the question")
	}

	m, cmd = press(t, m, "h")
	if m.plans.evac != nil || m.confirm != nil || cmd == nil {
		t.Fatal("h did not answer the question")
	}
	if !strings.Contains(m.View(), "planning the evacuation of host "+cur.Host) {
		t.Errorf("the flash line does not say it is planning:\n%s", m.View())
	}
	m = settle(t, m, cmd)

	scopes, _, _, _, _ := p.calls()
	if len(scopes) != 1 {
		t.Fatalf("%d drafts, want 1", len(scopes))
	}
	s := scopes[0]
	var want []model.VMKey
	for _, vm := range st.Sites[0].VMs {
		if vm.Host == cur.Host {
			want = append(want, vm.Key)
		}
	}
	if len(want) < 2 || !slices.Equal(s.VMs, want) {
		t.Errorf("drafted %v, want the %d VMs of %s: %v", s.VMs, len(want), cur.Host, want)
	}
	if s.To != "site-b" || s.Scope != cur.Host || s.Selection != "host "+cur.Host {
		t.Errorf("scope %+v", s)
	}
	if p.draftWho[0] != m.common.Operator {
		t.Errorf("drafted as %+v, want the session's operator", p.draftWho[0])
	}
	v := plansView(t, m)
	if v.draft == nil || v.draft.ID != testDraft().ID || !v.onDraft() {
		t.Fatalf("the plans view does not show the draft under its cursor: %+v", v.draft)
	}
	view = m.View()
	for _, want := range []string{"DRAFT evac-20250314-0300-esx05", "7 VMs in 3 waves", "2 skipped", "wave 1", "mia-prod-sql-01", "plan evac-20250314-0300-esx05 drafted"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	checkFits(t, view, 80, 24)
}

// v drafts the selected VMs (else the VM under the cursor), c the cluster, s the site;
// esc drops the question and drafts nothing; the target is the site of the other pane.
func TestEvacuateAnswers(t *testing.T) {
	st := testState()
	a, b := st.Sites[0].VMs, st.Sites[1].VMs
	keysOf := func(vms []model.VM, keep func(model.VM) bool) []model.VMKey {
		var out []model.VMKey
		for _, vm := range vms {
			if keep(vm) {
				out = append(out, vm.Key)
			}
		}
		return out
	}
	cases := []struct {
		name  string
		keys  []string
		want  []model.VMKey
		to    model.SiteID
		scope string
	}{
		{"the VM under the cursor", []string{"E", "v"}, []model.VMKey{a[0].Key}, "site-b", a[0].Name},
		{"the selected VMs", []string{" ", " ", "E", "v"}, []model.VMKey{a[0].Key, a[1].Key}, "site-b", "site-a-2-vms"},
		{"the cluster", []string{"E", "c"}, keysOf(a, func(vm model.VM) bool { return vm.Cluster == a[0].Cluster }), "site-b", a[0].Cluster},
		{"the site", []string{"E", "s"}, keysOf(a, func(model.VM) bool { return true }), "site-b", "site-a"},
		{"site B's host, to site A", []string{"tab", "E", "h"}, keysOf(b, func(vm model.VM) bool { return vm.Host == b[0].Host }), "site-a", b[0].Host},
		{"nothing: esc", []string{"E", "esc"}, nil, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newFakePlanner()
			p.draft = testDraft()
			m := planModel(t, newFakeEngine(st), p, 120, 30)
			var cmd tea.Cmd
			for _, k := range c.keys {
				m, cmd = press(t, m, k)
			}
			m = settle(t, m, cmd)
			scopes, _, _, _, _ := p.calls()
			if c.want == nil {
				if len(scopes) != 0 || m.plans.evac != nil || m.confirm != nil {
					t.Fatalf("esc drafted %v, or left the question", scopes)
				}
				return
			}
			if len(scopes) != 1 {
				t.Fatalf("%d drafts, want 1", len(scopes))
			}
			s := scopes[0]
			if !slices.Equal(s.VMs, c.want) || s.To != c.to || s.Scope != c.scope || s.Selection == "" {
				t.Errorf("scope %+v\nwant VMs %v to %s, scope %q", s, c.want, c.to, c.scope)
			}
		})
	}
}

// Typed fast (a slow link, tmux send-keys), "Eh" arrives as one KeyMsg: it still asks
// and answers.
func TestEvacuateTypedAtOnce(t *testing.T) {
	p := newFakePlanner()
	p.draft = testDraft()
	m := planModel(t, newFakeEngine(testState()), p, 80, 24)
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("Eh")})
	settle(t, next.(Model), cmd)
	if scopes, _, _, _, _ := p.calls(); len(scopes) != 1 || !strings.HasPrefix(scopes[0].Selection, "host ") {
		t.Errorf("drafts: %+v", scopes)
	}
}

// A draft the engine refuses says why on the flash line, in one line; no view opens.
func TestDraftErrorOnFlashLine(t *testing.T) {
	p := newFakePlanner()
	p.draftErr = errors.New("preflight: site site-b is\nnot connected")
	m := planModel(t, newFakeEngine(testState()), p, 80, 24)
	m, _ = press(t, m, "E")
	m, cmd := press(t, m, "s")
	m = settle(t, m, cmd)
	if len(m.overlays) != 0 {
		t.Error("a view opened on a failed draft")
	}
	view := m.View()
	if !strings.Contains(view, "✗ no plan for site site-a (80 VMs): preflight: site site-b is not connected") {
		t.Errorf("flash line:\n%s", view)
	}
}

// enter on the draft asks for the target site's id, as the review does; a wrong id starts
// nothing; the right one starts the draft, as the session's operator. Then the draft is
// gone and the cursor is on its plan.
func TestStartDraftAfterTypingSiteID(t *testing.T) {
	p := newFakePlanner(donePlan())
	p.draft = testDraft()
	m := planModel(t, newFakeEngine(testState()), p, 80, 24)
	m, cmd := press(t, m, "E")
	m, cmd = press(t, m, "h")
	m = settle(t, m, cmd)

	m, _ = press(t, m, "enter")
	v := plansView(t, m)
	if !v.Typing() || !strings.Contains(m.View(), "type site-b to confirm:") {
		t.Fatalf("enter did not ask for the site id:\n%s", m.View())
	}
	m = typeText(t, m, "site-a")
	m, cmd = press(t, m, "enter")
	m = settle(t, m, cmd)
	if _, started, _, _, _ := p.calls(); len(started) != 0 {
		t.Fatalf("started %v after the wrong site id", started)
	}
	if !strings.Contains(m.View(), `"site-a" is not site-b: nothing was started`) {
		t.Errorf("no refusal:\n%s", m.View())
	}
	// q is a letter while typing.
	m = typeText(t, m, "q")
	if len(m.overlays) == 0 || !plansView(t, m).Typing() {
		t.Fatal("q left the typed confirmation")
	}
	m, _ = press(t, m, "backspace")
	m = typeText(t, m, "site-b")
	m, cmd = press(t, m, "enter")
	if !strings.Contains(m.View(), "starting plan evac-20250314-0300-esx05") {
		t.Errorf("the view does not say it is starting:\n%s", m.View())
	}
	m = settle(t, m, cmd)
	_, started, _, _, _ := p.calls()
	if !slices.Equal(started, []string{testDraft().ID}) {
		t.Fatalf("started %v, want the draft", started)
	}
	v = plansView(t, m)
	if v.draft != nil || m.plans.draft != nil {
		t.Error("the draft is still pending after it started")
	}
	if ps, ok := v.Selected(); !ok || ps.ID != testDraft().ID {
		t.Errorf("cursor on %+v, want the new plan", ps)
	}
	view := m.View()
	for _, want := range []string{"plan evac-20250314-0300-esx05 started: 7 VMs in 3 waves", "running  wave 1 of 3", "0 done · 0 moving · 7 waiting"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	checkFits(t, view, 80, 24)
}

// A start the engine refuses stays in the view and on the flash line; the draft stays.
func TestStartDraftRefused(t *testing.T) {
	p := newFakePlanner()
	p.draft = testDraft()
	p.startErr = errors.New("plan evac-20250314-0300-esx05: the plan has a journal already (/x/evac.json): a plan runs once")
	m := planModel(t, newFakeEngine(testState()), p, 120, 30)
	m, cmd := press(t, m, "E")
	m, cmd = press(t, m, "h")
	m = settle(t, m, cmd)
	m, _ = press(t, m, "enter")
	m = typeText(t, m, "site-b")
	m, cmd = press(t, m, "enter")
	m = settle(t, m, cmd)
	view := m.View()
	if !strings.Contains(view, "✗ plan evac-20250314-0300-esx05 was not started: plan evac-20250314-0300-esx05: the plan has a journal already") {
		t.Errorf("flash line:\n%s", view)
	}
	if !strings.Contains(view, "could not start the plan") || plansView(t, m).draft == nil {
		t.Errorf("the view dropped the draft or the refusal:\n%s", view)
	}
}

// p pauses and r resumes the plan under the cursor, as the session's operator; p on a
// paused plan and r on a running one say so and ask nothing; enter shows a plan's VMs.
func TestPauseResumePlanUnderCursor(t *testing.T) {
	p := newFakePlanner(donePlan(), runningPlan(), pausedPlan())
	m := planModel(t, newFakeEngine(testState()), p, 160, 40)
	m = update(t, m, plansMsg{list: p.List()})
	m, _ = press(t, m, "P")
	v := plansView(t, m)
	// Active plans first, in the order they began; then the plan that ended.
	var order []string
	for _, ps := range v.plans {
		order = append(order, ps.ID)
	}
	if want := []string{runningPlan().ID, pausedPlan().ID, donePlan().ID}; !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}

	m, cmd := press(t, m, "p")
	m = settle(t, m, cmd)
	m, cmd = press(t, m, "r") // running: nothing to resume
	m = settle(t, m, cmd)
	if !strings.Contains(m.View(), "is running: nothing to resume") {
		t.Errorf("r on a running plan:\n%s", m.View())
	}
	m = pressAll(t, m, "down")
	m, cmd = press(t, m, "p") // paused already
	m = settle(t, m, cmd)
	if !strings.Contains(m.View(), "is paused already") {
		t.Errorf("p on a paused plan:\n%s", m.View())
	}
	m, cmd = press(t, m, "r")
	m = settle(t, m, cmd)
	if !strings.Contains(m.View(), "◌ plan "+pausedPlan().ID+" resumed") {
		t.Errorf("flash after r:\n%s", m.View())
	}
	m = pressAll(t, m, "down")
	m, cmd = press(t, m, "p") // ended
	m = settle(t, m, cmd)
	_, _, paused, resumed, _ := p.calls()
	if !slices.Equal(paused, []string{runningPlan().ID}) || !slices.Equal(resumed, []string{pausedPlan().ID}) {
		t.Errorf("paused %v, resumed %v", paused, resumed)
	}
	if !strings.Contains(m.View(), "has ended (done): nothing to pause") {
		t.Errorf("p on an ended plan:\n%s", m.View())
	}

	// enter shows the VMs of the plan under the cursor, and hides them again.
	m = pressAll(t, m, "home", "up", "up", "enter")
	view := m.View()
	for _, want := range []string{"mia-prod-app-01", "moving", "62%", "mia-prod-dc-01", "blocked: FT_ENABLED"} {
		if !strings.Contains(view, want) {
			t.Errorf("expanded plan lacks %q:\n%s", want, view)
		}
	}
	m = pressAll(t, m, "enter")
	if strings.Contains(m.View(), "mia-prod-app-01") {
		t.Error("enter did not hide the plan's VMs")
	}

	// The engine's refusal reaches the flash line, in one line.
	p.mu.Lock()
	p.pauseErr = errors.New("plan evac-20250314-0250-a-01:\nviewer vic may not run migrate")
	p.mu.Unlock()
	m, cmd = press(t, m, "p")
	m = settle(t, m, cmd)
	if !strings.Contains(m.View(), "✗ plan evac-20250314-0250-a-01 was not paused: plan evac-20250314-0250-a-01: viewer vic may not run migrate") {
		t.Errorf("flash after a refused pause:\n%s", m.View())
	}
}

// A paused plan says "paused: why" under its id; a running plan the governor holds says
// the governor's pause; the view follows the plans as they are published.
func TestPausedPlanSaysWhy(t *testing.T) {
	p := newFakePlanner(runningPlan(), pausedPlan())
	e := newFakeEngine(testState())
	m := planModel(t, e, p, 120, 40)
	m = update(t, m, plansMsg{list: p.List()})
	m, _ = press(t, m, "P")
	view := m.View()
	if !strings.Contains(view, "paused: no new wave is handed out; the moves handed out go on") {
		t.Errorf("the paused plan does not say why:\n%s", view)
	}
	if strings.Contains(view, "paused: paused:") {
		t.Errorf("paused twice:\n%s", view)
	}
	s := testState()
	s.Gen = 5
	s.Governor = model.Governor{Paused: "the DCI is down", Why: "paused: the DCI is down"}
	m = update(t, m, stateMsg{state: s})
	view = m.View()
	if !strings.Contains(view, "paused: the DCI is down (the governor holds the plan's moves until it clears)") ||
		!strings.Contains(view, "moves paused: the DCI is down") {
		t.Errorf("the governor's pause is not shown:\n%s", view)
	}
	// A newer list: the running plan moved on to wave 3.
	next := runningPlan()
	next.WaveIndex, next.Wave = 3, 3
	m = update(t, m, plansMsg{list: []model.PlanStatus{next, pausedPlan()}})
	if !strings.Contains(m.View(), "wave 3 of 3") {
		t.Errorf("the view did not follow the plans:\n%s", m.View())
	}
}

// A viewer may draft and look, but has no start, pause or resume key, and the help offers
// none; it is not asked about interrupted plans.
func TestPlansViewer(t *testing.T) {
	p := newFakePlanner(runningPlan(), pausedPlan())
	p.draft = testDraft()
	p.interrupted = []model.PlanStatus{pausedPlan()}
	m := planModel(t, newFakeEngine(testState()), p, 80, 24, asViewer)
	for _, msg := range initMsgs(t, m) {
		m = update(t, m, msg)
	}
	if p.interruptedCalls != 0 || m.confirm != nil {
		t.Fatalf("a viewer was asked about interrupted plans (%d calls)", p.interruptedCalls)
	}
	m, cmd := press(t, m, "E")
	m, cmd = press(t, m, "h")
	m = settle(t, m, cmd)
	if scopes, _, _, _, _ := p.calls(); len(scopes) != 1 {
		t.Fatal("a viewer could not draft")
	}
	m, cmd = press(t, m, "enter")
	m = settle(t, m, cmd)
	if plansView(t, m).Typing() {
		t.Fatal("a viewer's enter asks for the site id")
	}
	if !strings.Contains(m.View(), "read-only session: a viewer may draft plans but not start them") {
		t.Errorf("no word on why enter does nothing:\n%s", m.View())
	}
	m = pressAll(t, m, "down")
	for _, k := range []string{"p", "r"} {
		var c tea.Cmd
		m, c = press(t, m, k)
		m = settle(t, m, c)
	}
	if _, started, paused, resumed, _ := p.calls(); len(started)+len(paused)+len(resumed) != 0 {
		t.Errorf("a viewer started %v, paused %v, resumed %v", started, paused, resumed)
	}
	m = pressAll(t, m, "?")
	help := m.View()
	for _, no := range []string{"pause", "resume", "start the draft"} {
		if strings.Contains(help, no) {
			t.Errorf("a viewer's help offers %q:\n%s", no, help)
		}
	}
	if !strings.Contains(help, "plan's VMs") {
		t.Errorf("a viewer's help lacks enter on a plan:\n%s", help)
	}
}

// initMsgs runs the commands Init returns and returns the messages they give within a
// moment (the clock's tick and the subscriptions' waits are left).
func initMsgs(t *testing.T, m Model) []tea.Msg {
	t.Helper()
	out := make(chan tea.Msg, 16)
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			msg := c()
			if b, ok := msg.(tea.BatchMsg); ok {
				for _, c := range b {
					run(c)
				}
				return
			}
			out <- msg
		}()
	}
	run(m.Init())
	var msgs []tea.Msg
	timeout := time.After(300 * time.Millisecond)
	for {
		select {
		case msg := <-out:
			if _, ok := msg.(tickMsg); !ok {
				msgs = append(msgs, msg)
			}
		case <-timeout:
			return msgs
		}
	}
}

// On start an operator's console asks about each plan an earlier vmcross left unfinished:
// y re-attaches to it (Adopt) and says how it stands; n leaves it, saying how to re-attach
// later. Keys that are not answers are ignored.
func TestInterruptedPlansAsked(t *testing.T) {
	first, second := runningPlan(), pausedPlan()
	p := newFakePlanner()
	p.interrupted = []model.PlanStatus{first, second}
	m := planModel(t, newFakeEngine(testState()), p, 80, 24)
	for _, msg := range initMsgs(t, m) {
		m = update(t, m, msg)
	}
	if p.interruptedCalls != 1 {
		t.Fatalf("Interrupted asked %d times", p.interruptedCalls)
	}
	view := m.View()
	if !strings.Contains(view, "Re-attach to plan evac-20250314-0250-a-01? It was interrupted (3 of 6 VMs not f") {
		t.Fatalf("no question:\n%s", view)
	}
	if !strings.Contains(view, "y re-attach") || !strings.Contains(view, "n/esc leave it") {
		t.Errorf("help bar:\n%s", view)
	}
	m, cmd := press(t, m, "P") // not an answer
	if cmd != nil || len(m.overlays) != 0 || m.confirm == nil {
		t.Fatal("P answered the question")
	}
	m, cmd = press(t, m, "y")
	if !strings.Contains(m.View(), "re-attaching to plan evac-20250314-0250-a-01") {
		t.Errorf("no word while re-attaching:\n%s", m.View())
	}
	m = settle(t, m, cmd)
	_, _, _, _, adopted := p.calls()
	if !slices.Equal(adopted, []string{first.ID}) {
		t.Fatalf("adopted %v", adopted)
	}
	// Re-attached (the flash line says so under the next question), then asked about
	// the next one at once.
	if !strings.Contains(m.flash.text, "re-attached to plan evac-20250314-0250-a-01: wave 2 of 3, 3 of 6 VMs to go") {
		t.Errorf("flash %q", m.flash.text)
	}
	if !strings.Contains(m.View(), "Re-attach to plan evac-20250314-0240-a-dev? It was interrupted (1 of 3 VMs") {
		t.Fatalf("not asked about the second plan:\n%s", m.View())
	}
	if len(m.plans.list) != 1 || m.plans.list[0].ID != first.ID {
		t.Errorf("the adopted plan is not listed: %+v", m.plans.list)
	}
	m, cmd = press(t, m, "n")
	m = settle(t, m, cmd)
	if _, _, _, _, adopted := p.calls(); len(adopted) != 1 {
		t.Errorf("n adopted: %v", adopted)
	}
	if m.confirm != nil || !strings.Contains(m.View(), "left as it is; later: vmcross migrate --resume evac-20250314-0240-a-dev") {
		t.Errorf("after n:\n%s", m.View())
	}
}

// An adoption the engine refuses says why, and the next plan is still asked about.
func TestAdoptRefused(t *testing.T) {
	p := newFakePlanner()
	p.interrupted = []model.PlanStatus{runningPlan()}
	p.adoptErr = errors.New("plan evac-20250314-0250-a-01 is locked by another vmcross (pid 4242)")
	m := planModel(t, newFakeEngine(testState()), p, 120, 30)
	m = update(t, m, interruptedMsg{plans: p.interrupted})
	m, cmd := press(t, m, "y")
	m = settle(t, m, cmd)
	if !strings.Contains(m.View(), "✗ plan evac-20250314-0250-a-01 was not re-attached: plan evac-20250314-0250-a-01 is locked by another vmcross (pid 4242)") {
		t.Errorf("flash:\n%s", m.View())
	}
}

// A question asked when the interrupted plans are read waits: the plans are asked about
// once it is answered.
func TestInterruptedWaitsForAnotherQuestion(t *testing.T) {
	p := newFakePlanner()
	m := planModel(t, newFakeEngine(testState()), p, 80, 24)
	m, _ = press(t, m, "E")
	m = update(t, m, interruptedMsg{plans: []model.PlanStatus{runningPlan()}})
	if m.plans.evac == nil || m.plans.adopt != nil {
		t.Fatal("the re-attach question replaced the evacuate question")
	}
	m, _ = press(t, m, "esc")
	m = update(t, m, tickMsg{})
	if m.plans.adopt == nil || !strings.Contains(m.View(), "Re-attach to plan evac-20250314-0250-a-01?") {
		t.Errorf("not asked once the other question went:\n%s", m.View())
	}
}

// Without plans, P says the console has none and E that they are not available; neither
// key is in the help.
func TestNoPlansInThisConsole(t *testing.T) {
	m := planModel(t, newFakeEngine(testState()), nil, 80, 24)
	m, _ = press(t, m, "E")
	if m.confirm != nil || !strings.Contains(m.View(), "evacuation plans are not available in this console") {
		t.Errorf("E without plans:\n%s", m.View())
	}
	m, _ = press(t, m, "P")
	view := m.View()
	if !strings.Contains(view, "no plans in this console") {
		t.Errorf("P without plans:\n%s", view)
	}
	checkFits(t, view, 80, 24)
	m = pressAll(t, m, "esc", "?")
	if strings.Contains(m.View(), "plan evacuation") {
		t.Errorf("the help offers plans in a console without them:\n%s", m.View())
	}
	// With plans, the lists' full help has them.
	m = planModel(t, newFakeEngine(testState()), newFakePlanner(), 120, 30)
	m = pressAll(t, m, "?")
	if !strings.Contains(m.View(), "E plan evacuation") || !strings.Contains(m.View(), "P plans") {
		t.Errorf("the full help lacks E and P:\n%s", m.View())
	}
}

// The moves pane's bottom edge says where the running plan is, the governor's pause with
// it, at 80 columns too.
func TestMovesPanePlanLine(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		s := movesState()
		p := newFakePlanner(runningPlan(), donePlan())
		m := planModel(t, newFakeEngine(s), p, size[0], size[1])
		m = update(t, m, plansMsg{list: p.List()})
		if !strings.Contains(m.View(), "plan a-01 wave 2/3") {
			t.Errorf("%v: no plan line:\n%s", size, m.View())
		}
		s.Gen++
		s.Governor = model.Governor{Paused: "the DCI is down"}
		m = update(t, m, stateMsg{state: s})
		view := m.View()
		if !strings.Contains(view, "plan a-01 wave 2/3 · paused: the DCI is down") {
			t.Errorf("%v: the plan line lacks the pause:\n%s", size, view)
		}
		checkFits(t, view, size[0], size[1])
	}
}

func TestPlanShortID(t *testing.T) {
	for in, want := range map[string]string{
		"evac-20250314-0300-esx-a01-02": "esx-a01-02",
		"evac-20250314-0300-site-a":     "site-a",
		"evac-20250314-0300":            "evac-20250314-0300",
		"evac-2025031x-0300-a":          "evac-2025031x-0300-a",
		"dr-test-1":                     "dr-test-1",
	} {
		if got := planShortID(in); got != want {
			t.Errorf("planShortID(%q) = %q, want %q", in, got, want)
		}
	}
}

// planScreen runs the console with planner p in a real tea.Program at w×h, as screen does.
func planScreen(t *testing.T, e *fakeEngine, p Planner, w, h int, ready string, steps func(tm *teatest.TestModel)) []byte {
	t.Helper()
	o := testOptions()
	o.Plans = p
	tm := teatest.NewTestModel(t, New(e, o), teatest.WithInitialTermSize(w, h))
	waitFor(t, tm, ready)
	if steps != nil {
		steps(tm)
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	return []byte(final.View() + "\n")
}

// Golden screens of the plans: `go test ./ui -run TestPlansGolden -update` rewrites them.
func TestPlansGolden(t *testing.T) {
	running := func() *fakePlanner { return newFakePlanner(donePlan(), runningPlan(), pausedPlan()) }
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d_running", w, h), func(t *testing.T) {
			out := planScreen(t, newFakeEngine(movesState()), running(), w, h, "Atlanta (site B)", func(tm *teatest.TestModel) {
				tm.Type("P")
				waitFor(t, tm, "plan 1/3")
				tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
				waitFor(t, tm, "mia-prod-app-02")
			})
			teatest.RequireEqualOutput(t, out)
		})
		t.Run(fmt.Sprintf("%dx%d_draft", w, h), func(t *testing.T) {
			p := running()
			p.draft = testDraft()
			out := planScreen(t, newFakeEngine(testState()), p, w, h, "Atlanta (site B)", func(tm *teatest.TestModel) {
				tm.Type("E")
				waitFor(t, tm, "Evacuate to site-b?")
				tm.Type("h")
				waitFor(t, tm, "DRAFT")
			})
			teatest.RequireEqualOutput(t, out)
		})
	}
	t.Run("80x24_evacuate_question", func(t *testing.T) {
		out := planScreen(t, newFakeEngine(testState()), newFakePlanner(), 80, 24, "Atlanta (site B)", func(tm *teatest.TestModel) {
			tm.Type(" j E")
			waitFor(t, tm, "Evacuate to site-b?")
		})
		teatest.RequireEqualOutput(t, out)
	})
	t.Run("80x24_plan_line", func(t *testing.T) {
		s := movesState()
		s.Governor = model.Governor{Paused: "the DCI is down"}
		out := planScreen(t, newFakeEngine(s), running(), 80, 24, "plan a-01 wave 2/3", nil)
		teatest.RequireEqualOutput(t, out)
	})
	t.Run("80x24_interrupted", func(t *testing.T) {
		p := newFakePlanner()
		p.interrupted = []model.PlanStatus{runningPlan()}
		out := planScreen(t, newFakeEngine(testState()), p, 80, 24, "Re-attach to plan", nil)
		teatest.RequireEqualOutput(t, out)
	})
}

// Nothing is wider than the terminal, at any size from 60x15 to 200x60, in colour too: the
// plans view with a draft, plans expanded and the typed confirmation, the question, the
// view without plans.
func TestPlansFitEverySize(t *testing.T) {
	var sizes [][2]int
	for w := 60; w <= 200; w += 14 {
		for h := 15; h <= 60; h += 9 {
			sizes = append(sizes, [2]int{w, h})
		}
	}
	sizes = append(sizes, [2]int{80, 24}, [2]int{160, 48})
	hostile := runningPlan()
	hostile.ID = "evac-20250314-0250-" + strings.Repeat("very-long-", 8) + "\x1b[31m"
	hostile.VMs[2].Name = "zz-数据库服务器-東京-01-" + strings.Repeat("x", 40)
	hostile.VMs[5].Why = "first line\nsecond\tline " + strings.Repeat("why ", 60)
	hostile.Why = strings.Repeat("wave 3 waits ", 20)
	draft := testDraft()
	draft.Selection = "host " + strings.Repeat("h", 150)
	draft.Notes = []string{"web-08: vmcross.order \"high\" is not a whole number\n" + strings.Repeat("n", 100)}
	for _, colour := range []bool{false, true} {
		for _, size := range sizes {
			w, h := size[0], size[1]
			o := testOptions()
			if colour {
				o.Renderer = colourRenderer()
			}
			p := newFakePlanner(hostile, pausedPlan(), donePlan())
			p.draft = draft
			o.Plans = p
			m := update(t, New(newFakeEngine(movesState()), o), tea.WindowSizeMsg{Width: w, Height: h})
			m = update(t, m, plansMsg{list: p.List()})
			check := func(what string) {
				t.Helper()
				if t.Failed() {
					return
				}
				view := m.View()
				if colour {
					view = ansi.Strip(view)
				}
				lines := strings.Split(view, "\n")
				if len(lines) != h {
					t.Errorf("%s at %dx%d (colour %v): %d lines", what, w, h, colour, len(lines))
				}
				for i, l := range lines {
					if lw := ansi.StringWidth(l); lw != w {
						t.Errorf("%s at %dx%d (colour %v): line %d is %d wide: %q", what, w, h, colour, i, lw, l)
						break
					}
				}
			}
			check("main with the plan line")
			m, _ = press(t, m, "E")
			check("the evacuate question")
			m, cmd := press(t, m, "h")
			m = settle(t, m, cmd)
			check("the draft")
			m = pressAll(t, m, "down", "enter", "down", "enter", "end")
			check("the plans expanded")
			m = pressAll(t, m, "home", "up", "up", "up", "up", "enter")
			m = typeText(t, m, "site-b-typed-long-enough-to-scroll-the-input")
			check("the typed confirmation")
			m = pressAll(t, m, "?")
			check("the full help")
		}
	}
}
