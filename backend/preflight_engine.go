package backend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vmware/govmomi/vim25"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// ErrBadSelection is wrapped by Preflight's error for a selection it cannot judge.
var ErrBadSelection = errors.New("bad selection")

// Preflight judges moving the request's VMs (all at one site) to its target site: the VMs'
// details are read through the engine (cached), the profile is the one named, else the
// configured one, else the one both vCenters' API versions allow, the targets follow the
// operator's overrides and then the mapping, and the rules of backend/preflight run on the
// current State.
func (e *Engine) Preflight(ctx context.Context, who model.Operator, req preflight.Request) (preflight.Result, error) {
	keys, to, profile := req.VMs, req.To, req.Profile
	if !who.Role.AtLeast(model.RoleViewer) {
		return preflight.Result{}, &model.RefusedError{Command: "preflight", Operator: who, Reason: "no role"}
	}
	st := e.Snapshot()
	dst, ok := st.Site(to)
	if !ok {
		return preflight.Result{}, fmt.Errorf("target %q: %w", to, ErrUnknownSite)
	}
	if len(keys) == 0 {
		return preflight.Result{}, fmt.Errorf("no VM selected: %w", ErrBadSelection)
	}
	from := keys[0].Site
	if from == to {
		return preflight.Result{}, fmt.Errorf("the VMs are already at %s: %w", to, ErrBadSelection)
	}
	src, ok := st.Site(from)
	if !ok {
		return preflight.Result{}, fmt.Errorf("source %q: %w", from, ErrUnknownSite)
	}
	res := preflight.Result{From: from, To: to}
	for _, k := range keys {
		if k.Site != from {
			return preflight.Result{}, fmt.Errorf("VMs from both sites: %w", ErrBadSelection)
		}
		vm, ok := src.VM(k.MoRef)
		if !ok {
			return preflight.Result{}, fmt.Errorf("%s is not listed at %s: %w", k.MoRef, from, ErrBadSelection)
		}
		res.VMs = append(res.VMs, vm)
	}

	p, err := e.preflightProfile(ctx, profile, from, to)
	if err != nil {
		return preflight.Result{}, err
	}
	res.Profile = p

	sel := e.selectedWithDetails(ctx, who, res.VMs)
	e.mu.RLock()
	m := e.mapping
	e.mu.RUnlock()
	res.Overrides = req.Overrides
	res.Targets = preflight.MapVMs(src, dst, m, res.VMs, req.Overrides)
	now := time.Now()
	in := preflight.Input{VMs: sel, Source: src, Target: dst, Mapping: m, Fabric: st.Fabric, Profile: p, Now: now,
		Targets: make(map[model.VMKey]preflight.Target, len(res.Targets))}
	// The DCI's bandwidth for moves as the governor sees it: vmcross's own moves running
	// are not load that blocks the next ones.
	in.DCIAvailableMbps, in.DCIAvailableKnown = e.dciAvailable(st, now)
	for _, t := range res.Targets {
		in.Targets[t.VM] = t
	}
	res.Findings = preflight.Check(in)
	vc, notes := e.vcenterChecks(ctx, &res)
	res.Notes = append(res.Notes, notes...)
	if len(vc) > 0 {
		res.Findings = preflight.Merge(res.Findings, vc)
	}
	res.Estimates, res.Totals = preflight.Estimates(in, res.Targets, res.Findings)
	return res, nil
}

// SetMapping sets the configured mapping of clusters, datastores and port groups between the
// sites that preflight (and moves) use before matching by name and VLAN.
func (e *Engine) SetMapping(m preflight.Mapping) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.mapping = m
}

// SetProfile sets the vMotion profile preflight uses when none is asked for ("": chosen from
// the vCenters' API versions).
func (e *Engine) SetProfile(name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.profile = name
}

// preflightProfile is the named profile, else the configured one, else the one both
// vCenters' API versions allow.
func (e *Engine) preflightProfile(ctx context.Context, name string, a, b model.SiteID) (preflight.Profile, error) {
	if name == "" {
		e.mu.RLock()
		name = e.profile
		e.mu.RUnlock()
	}
	if name != "" {
		return preflight.ProfileByName(name)
	}
	var versions [2]string
	for i, id := range []model.SiteID{a, b} {
		_ = e.Call(ctx, id, "about", 2*time.Second, func(_ context.Context, c *vim25.Client) error {
			versions[i] = c.ServiceContent.About.ApiVersion
			return nil
		})
	}
	return preflight.ProfileFor(versions[0], versions[1]), nil
}

// selectedWithDetails reads the VMs' details (from the cache when current, the others in
// batched calls); a VM whose details could not be read goes without (DETAILS_MISSING).
func (e *Engine) selectedWithDetails(ctx context.Context, who model.Operator, vms []model.VM) []preflight.Selected {
	keys := make([]model.VMKey, len(vms))
	for i, vm := range vms {
		keys[i] = vm.Key
	}
	details, _ := e.DetailsMany(ctx, who, keys)
	sel := make([]preflight.Selected, len(vms))
	for i, vm := range vms {
		sel[i].VM = vm
		if d, ok := details[vm.Key]; ok {
			sel[i].Details = &d
		}
	}
	return sel
}
