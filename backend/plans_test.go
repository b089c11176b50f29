package backend_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
)

// plansWithoutSites is the plans of an engine with no site, journaled in a temp dir.
func plansWithoutSites(t *testing.T) (*backend.Plans, string) {
	t.Helper()
	e := backend.NewEngine(nil)
	dir := t.TempDir()
	p := backend.NewPlans(e, dir)
	t.Cleanup(func() { p.Close(); e.Close() })
	return p, dir
}

func smallPlan(id string) plan.Plan {
	return plan.Plan{Version: plan.Version, ID: id, From: "site-a", To: "site-b",
		Waves: []plan.Wave{{Wave: 1, VMs: []plan.VM{{Name: "web-01", MoRef: "vm-1", InstanceUUID: "u-1"}}}}}
}

// What a plan's commands refuse, and say why, before anything moves.
func TestPlansRefusals(t *testing.T) {
	p, dir := plansWithoutSites(t)
	ctx := context.Background()
	viewer := model.Operator{Name: "eve", Role: model.RoleViewer}
	var refused *model.RefusedError
	if _, err := p.Start(ctx, viewer, smallPlan("evac-a"), backend.StartOptions{}); !errors.As(err, &refused) {
		t.Errorf("a viewer's start: %v", err)
	}
	for _, f := range []func() error{
		func() error { return p.Pause(ctx, viewer, "evac-a") },
		func() error { return p.Resume(ctx, viewer, "evac-a") },
		func() error { _, err := p.Adopt(ctx, viewer, "evac-a"); return err },
	} {
		if err := f(); !errors.As(err, &refused) {
			t.Errorf("a viewer's command: %v", err)
		}
	}
	bad := smallPlan("Not An ID")
	var pe *plan.Error
	if _, err := p.Start(ctx, tester, bad, backend.StartOptions{}); !errors.As(err, &pe) {
		t.Errorf("an invalid plan: %v", err)
	}
	if _, err := p.Start(ctx, tester, smallPlan("evac-a"), backend.StartOptions{}); !errors.Is(err, backend.ErrUnknownSite) {
		t.Errorf("a plan of sites the engine does not have: %v", err)
	}
	if err := p.Pause(ctx, tester, "evac-a"); !errors.Is(err, backend.ErrUnknownPlan) {
		t.Errorf("pause of a plan not run here: %v", err)
	}
	if _, err := p.Adopt(ctx, tester, "evac-none"); !errors.Is(err, backend.ErrUnknownPlan) {
		t.Errorf("adopt without a journal: %v", err)
	}
	if _, err := p.Reverse(ctx, tester, "evac-none", 0); !errors.Is(err, backend.ErrUnknownPlan) {
		t.Errorf("reverse without a journal: %v", err)
	}
	if _, err := p.Wait(ctx, "evac-none"); !errors.Is(err, backend.ErrUnknownPlan) {
		t.Errorf("wait: %v", err)
	}

	// Journals on disk: a finished one is not adopted; a running one is not reversed.
	done := plan.NewJournal(smallPlan("evac-done"), tester, time.Now())
	done.State = model.PlanDone
	if err := done.Save(plan.JournalPath(dir, "evac-done")); err != nil {
		t.Fatal(err)
	}
	running := plan.NewJournal(smallPlan("evac-run"), tester, time.Now().Add(time.Second))
	if err := running.Save(plan.JournalPath(dir, "evac-run")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Adopt(ctx, tester, "evac-done"); err == nil || !strings.Contains(err.Error(), "has ended") {
		t.Errorf("adopt of a finished plan: %v", err)
	}
	if _, err := p.Reverse(ctx, tester, "evac-run", 0); err == nil || !strings.Contains(err.Error(), "running") {
		t.Errorf("reverse of a running plan: %v", err)
	}
	list, err := p.Journals()
	if err != nil || len(list) != 2 || list[0].ID != "evac-done" || list[1].State != model.PlanRunning || list[1].Journal == "" {
		t.Errorf("journals: %+v %v", list, err)
	}
	if len(p.List()) != 0 {
		t.Errorf("plans run here: %+v", p.List())
	}
}
