package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
)

// The console's side of plans: it speaks model types only (ui/ imports no backend), so a
// proposal is kept here by its id between Draft and StartDraft.

// maxDrafts is how many proposed plans are kept to be started; the oldest goes first.
const maxDrafts = 8

// Draft proposes a plan for the console's selection (see Propose), keeps it to be started
// by StartDraft, and writes it as YAML into the plans' directory (drafts/<id>.yaml) for the
// operator to read or edit. Nothing is started: a viewer may draft.
func (p *Plans) Draft(ctx context.Context, who model.Operator, s model.PlanScope) (model.PlanDraft, error) {
	if len(s.VMs) == 0 {
		return model.PlanDraft{}, errors.New("nothing to plan: select VMs, a host, a cluster or a site first")
	}
	p.mu.Lock()
	orders, waveSize := p.orders, p.waveSize
	p.mu.Unlock()
	prop, err := p.Propose(ctx, who, ProposeRequest{VMs: s.VMs, To: s.To, Scope: s.Scope, Selection: s.Selection,
		Orders: orders, WaveSize: waveSize})
	if err != nil {
		return model.PlanDraft{}, err
	}
	d := draftOf(prop)
	if p.dir != "" {
		path := filepath.Join(p.dir, "drafts", prop.Plan.ID+".yaml")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			d.Notes = append(d.Notes, "the plan file could not be written: "+err.Error())
		} else if err := plan.Write(path, prop.Plan, prop.Annotations); err != nil {
			d.Notes = append(d.Notes, "the plan file could not be written: "+err.Error())
		} else {
			d.File = path
		}
	}
	p.mu.Lock()
	if p.drafts == nil {
		p.drafts = map[string]Proposal{}
	}
	if _, ok := p.drafts[d.ID]; !ok {
		p.draftOrder = append(p.draftOrder, d.ID)
	}
	p.drafts[d.ID] = prop
	for len(p.draftOrder) > maxDrafts {
		delete(p.drafts, p.draftOrder[0])
		p.draftOrder = p.draftOrder[1:]
	}
	p.mu.Unlock()
	return d, nil
}

// SetOrders sets what Draft proposes plans with: order rules by VM name (the first that
// matches gives a VM its order, before the vCenter custom attribute vmcross.order) and the
// VMs a wave holds (0: plan.DefaultWaveSize). The config's plan: section sets them.
func (p *Plans) SetOrders(rules []plan.OrderRule, waveSize int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.orders, p.waveSize = slices.Clone(rules), max(waveSize, 0)
}

// draftOf is what the console shows of a proposal.
func draftOf(prop Proposal) model.PlanDraft {
	pl := prop.Plan
	d := model.PlanDraft{ID: pl.ID, From: pl.From, To: pl.To, Selection: pl.Selection,
		Predicted: prop.Prediction.Total, Assumptions: prop.Prediction.Assumptions.String(), Notes: pl.Notes}
	for i, w := range pl.Waves {
		dw := model.PlanDraftWave{Wave: w.Wave}
		for _, vm := range w.VMs {
			dw.VMs = append(dw.VMs, vm.Name)
			dw.Bytes += vm.Bytes()
			d.Warnings += len(vm.Acknowledge)
		}
		if i < len(prop.Prediction.Waves) {
			dw.Predicted = prop.Prediction.Waves[i].Duration
		}
		d.Waves = append(d.Waves, dw)
	}
	for _, s := range pl.Skipped {
		d.Skipped = append(d.Skipped, model.PlanDraftSkip{Name: s.Name, Reason: s.Reason})
	}
	return d
}

// StartDraft starts the plan Draft proposed with that id (see Start), acknowledging the
// warnings the draft counted. Dangerous, like Migrate.
func (p *Plans) StartDraft(ctx context.Context, who model.Operator, id string) (model.PlanStatus, error) {
	p.mu.Lock()
	prop, ok := p.drafts[id]
	p.mu.Unlock()
	if !ok {
		return model.PlanStatus{}, fmt.Errorf("plan %s: %w: propose it again", id, ErrUnknownPlan)
	}
	ps, err := p.Start(ctx, who, prop.Plan, StartOptions{})
	if err == nil {
		p.mu.Lock()
		delete(p.drafts, id)
		p.mu.Unlock()
	}
	return ps, err
}

// Interrupted returns the plans an earlier vmcross left running, paused or stopped, that no
// process follows now: what the console offers to re-attach to (Adopt) when it starts.
func (p *Plans) Interrupted() ([]model.PlanStatus, error) {
	list, err := p.Journals()
	var out []model.PlanStatus
	for _, ps := range list {
		if !ps.State.Active() && ps.State != model.PlanStopped {
			continue
		}
		if _, here := p.Status(ps.ID); here {
			continue
		}
		release, lerr := plan.Lock(p.dir, ps.ID)
		if lerr != nil {
			continue // another vmcross runs it
		}
		release()
		out = append(out, ps)
	}
	return out, err
}
