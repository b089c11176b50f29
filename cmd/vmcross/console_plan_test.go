package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/themes"
	"github.com/vmcross/vmcross/ui"
)

// TestConsolePlanOnLab drives the console as `vmcross` runs it, on the built-in lab with its
// plans: E then h drafts the evacuation of the host of the VM under the cursor; the plans
// view shows the draft; enter and the target site's id start it; p pauses and r resumes it
// from the keys; its VMs are seen moving: their moves, tagged with the plan, in the
// engine's States, and the VMs done at site-b.
func TestConsolePlanOnLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	src := &sourceFlags{forceLab: true, labSpeed: 200}
	s, err := src.open(ctx, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	eng := s.engine()
	if err := s.enableAudit(eng); err != nil {
		t.Fatal(err)
	}
	eng.Start(ctx)
	defer eng.Close()
	plans := backend.NewPlans(eng, t.TempDir())
	defer plans.Close()
	if err := eng.WaitLoaded(ctx); err != nil {
		t.Fatal(err)
	}
	first := eng.Snapshot().Sites[0].VMs[0] // under the cursor when the console starts
	host := first.Host
	onHost := map[string]bool{}
	for _, vm := range eng.Snapshot().Sites[0].VMs {
		if vm.HostRef == first.HostRef {
			onHost[vm.Name] = true
		}
	}

	r := themes.Renderer(&bytes.Buffer{}, func(string) string { return "" })
	r.SetColorProfile(termenv.Ascii)
	tm := teatest.NewTestModel(t, ui.New(eng, ui.Options{Context: ctx, Renderer: r, Plans: plans}), teatest.WithInitialTermSize(160, 48))
	wait := func(what string, within time.Duration, ok func(string) bool) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return ok(string(b)) },
			teatest.WithDuration(within), teatest.WithCheckInterval(50*time.Millisecond))
	}
	has := func(s string) func(string) bool { return func(out string) bool { return strings.Contains(out, s) } }
	wait("both sites loaded", 30*time.Second, func(out string) bool { return strings.Count(out, "80 VMs") >= 2 })

	tm.Type("E")
	wait("the evacuate question", 5*time.Second, has("Evacuate to site-b?"))
	tm.Type("h")
	wait("the draft", 60*time.Second, has("DRAFT evac-"))

	// The draft Planner kept: the host's VMs, to site-b.
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	wait("the typed confirmation", 5*time.Second, has("type site-b to confirm"))
	tm.Type("site-b")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	wait("the plan started", 30*time.Second, has("started:"))
	list := plans.List()
	if len(list) != 1 {
		t.Fatalf("%d plans, want 1", len(list))
	}
	ps := list[0]
	if ps.From != "site-a" || ps.To != "site-b" || !strings.HasSuffix(ps.ID, "-"+strings.SplitN(host, ".", 2)[0]) {
		t.Errorf("plan %s %s→%s, want host %s's evacuation to site-b", ps.ID, ps.From, ps.To, host)
	}
	for _, vm := range ps.VMs {
		if !onHost[vm.Name] {
			t.Errorf("plan holds %s, not on %s", vm.Name, host)
		}
	}
	if len(ps.VMs) != len(onHost) {
		t.Errorf("plan holds %d VMs, %s has %d", len(ps.VMs), host, len(onHost))
	}

	// Pause and resume from the keys, the cursor on the new plan.
	tm.Type("p")
	wait("paused", 15*time.Second, has("◌ plan "+ps.ID+" paused"))
	if st, _ := plans.Status(ps.ID); st.State != model.PlanPaused && st.State != model.PlanDone {
		t.Errorf("after p the plan is %s", st.State)
	}
	tm.Type("r")
	wait("resumed", 15*time.Second, has("resumed"))

	// Its moves run: tagged with the plan in the engine's States, and VMs arrive at site-b.
	deadline := time.Now().Add(60 * time.Second)
	for {
		st := eng.Snapshot()
		moves, done := 0, 0
		for _, mv := range st.Moves {
			if mv.Plan == ps.ID {
				moves++
				if mv.State == model.MoveDone {
					done++
				}
			}
		}
		atB := 0
		if b, ok := st.Site("site-b"); ok {
			for _, vm := range b.VMs {
				if onHost[vm.Name] {
					atB++
				}
			}
		}
		if moves > 0 && done >= 2 && atB >= 2 {
			t.Logf("%d moves of the plan, %d done, %d of its VMs at site-b", moves, done, atB)
			break
		}
		if time.Now().After(deadline) {
			cur, _ := plans.Status(ps.ID)
			t.Fatalf("after 60s: %d moves of the plan, %d done, %d VMs at site-b; plan %s (%s)", moves, done, atB, cur.State, cur.Why)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Pause the plan and let the moves running end before quitting: vcsim can deadlock when
	// a session logs out (the engine closing) while the lab's switchover registers a VM and
	// that session's long poll collects (Logout holds the session's registry, the VM's Put
	// the container view, the poll the filter). Known, not yet fixed in the lab.
	if err := plans.Pause(context.Background(), model.LocalOperator("test"), ps.ID); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		running := 0
		for _, mv := range eng.Snapshot().Moves {
			if mv.Plan == ps.ID && mv.State.Active() {
				running++
			}
		}
		if running == 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("%d moves of the paused plan still running after 60s", running)
		}
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(ui.Model).View()
	if !strings.Contains(final, ps.ID) || !strings.Contains(final, "done") {
		t.Errorf("final frame does not show the plan moving:\n%s", final)
	}
}
