package backend

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
	"github.com/vmcross/vmcross/backend/preflight"
)

// vCenter's own check of a move (CheckRelocate_Task) is a task per VM on the source
// vCenter. Preflight asks it for the first vcenterCheckLimit VMs that vmcross's rules let
// move, vcenterCheckParallel at a time, within vcenterCheckBudget; the move asks again for
// each VM when it starts.
const (
	vcenterCheckLimit    = 32
	vcenterCheckParallel = 8
	vcenterCheckBudget   = 15 * time.Second
)

// SetSimulated tells the engine that its vCenters are the embedded lab's simulators, whose
// CheckRelocate_Task answers without checking: preflight's notes say so.
func (e *Engine) SetSimulated(sim bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.simulated = sim
}

// SetTimeScale tells the engine that its vCenters' moves run speed times faster than real
// time (the embedded lab's --lab-speed): plans predict their durations in real time.
func (e *Engine) SetTimeScale(speed float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.timeScale = speed
}

// timeScaled is a with the engine's time scale.
func (e *Engine) timeScaled(a plan.Assumptions) plan.Assumptions {
	e.mu.RLock()
	defer e.mu.RUnlock()
	a.TimeScale = e.timeScale
	return a
}

// vcenterChecks asks the source vCenter to check the move of the VMs that nothing blocks
// (CheckRelocate_Task with the target vCenter's service locator, host, pool, folder and
// datastore) and returns its errors as blocks and its warnings as warnings (code
// VCENTER_CHECK), and notes saying what was asked.
func (e *Engine) vcenterChecks(ctx context.Context, res *preflight.Result) ([]preflight.Finding, []string) {
	var todo []int
	for i, vm := range res.VMs {
		if i < len(res.Targets) && !preflight.Blocked(res.Findings, vm.Key) && res.Targets[i].Host.Found() {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	skipped := 0
	if len(todo) > vcenterCheckLimit {
		skipped = len(todo) - vcenterCheckLimit
		todo = todo[:vcenterCheckLimit]
	}
	ctx, cancel := context.WithTimeout(ctx, vcenterCheckBudget)
	defer cancel()

	loc, err := e.serviceLocator(ctx, res.To)
	if err != nil {
		return nil, []string{"vCenter's own check of the moves (CheckRelocate) could not be asked: " + err.Error()}
	}
	places, err := e.targetPlaces(ctx, res.To, res.Targets, todo)
	if err != nil {
		return nil, []string{"vCenter's own check of the moves (CheckRelocate) could not be asked: " + err.Error()}
	}

	type answer struct {
		results []types.CheckResult
		err     error
	}
	answers := make([]answer, len(todo))
	err = e.Call(ctx, res.From, "check relocate", 5*time.Second, func(ctx context.Context, c *vim25.Client) error {
		if c.ServiceContent.VmProvisioningChecker == nil {
			return fmt.Errorf("this vCenter has no provisioning checker")
		}
		checker := object.NewVmProvisioningChecker(c)
		var wg sync.WaitGroup
		sem := make(chan struct{}, vcenterCheckParallel)
		for n, i := range todo {
			t := res.Targets[i]
			p := places[t.Cluster.TargetRef.Value]
			spec := types.VirtualMachineRelocateSpec{Service: loc, Folder: p.folder, Pool: p.pool}
			host := types.ManagedObjectReference{Type: t.Host.TargetRef.Type, Value: t.Host.TargetRef.Value}
			spec.Host = &host
			for _, d := range t.Datastores {
				if d.Found() {
					ds := types.ManagedObjectReference{Type: d.TargetRef.Type, Value: d.TargetRef.Value}
					spec.Datastore = &ds
					break
				}
			}
			vm := types.ManagedObjectReference{Type: "VirtualMachine", Value: res.VMs[i].Key.MoRef}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				r, err := checker.CheckRelocate(ctx, vm, spec)
				answers[n] = answer{r, err}
			}()
		}
		wg.Wait()
		return nil
	})
	if err != nil {
		return nil, []string{"vCenter's own check of the moves (CheckRelocate) could not be asked: " + err.Error()}
	}

	var out []preflight.Finding
	failed := 0
	for n, i := range todo {
		vm := res.VMs[i]
		a := answers[n]
		if a.err != nil {
			failed++
			continue
		}
		for _, r := range a.results {
			for _, f := range r.Error {
				out = append(out, vcenterFinding(vm, preflight.Block, f))
			}
			for _, f := range r.Warning {
				out = append(out, vcenterFinding(vm, preflight.Warn, f))
			}
		}
	}
	note := fmt.Sprintf("vCenter's own check of the moves (CheckRelocate_Task with the target vCenter's service locator) was asked for %s", vmCount(len(todo)-failed))
	if len(out) == 0 {
		note += " and raised nothing"
	} else {
		note += fmt.Sprintf(" and raised %d findings (VCENTER_CHECK)", len(out))
	}
	if failed > 0 {
		note += fmt.Sprintf("; it failed for %d (asked again when each move starts)", failed)
	}
	if skipped > 0 {
		note += fmt.Sprintf("; %d more VMs are checked when each move starts", skipped)
	}
	notes := []string{note}
	e.mu.RLock()
	sim := e.simulated
	e.mu.RUnlock()
	if sim {
		notes = append(notes, "the embedded lab's simulated vCenters answer CheckRelocate without checking anything, and lack QueryVMotionCompatibility: on the lab, vmcross's rules are the only check")
	} else {
		notes = append(notes, "QueryVMotionCompatibility compares hosts of one vCenter and is not asked for a move across vCenters: CheckRelocate is vCenter's check there")
	}
	return out, notes
}

func vcenterFinding(vm model.VM, sev preflight.Severity, f types.LocalizedMethodFault) preflight.Finding {
	msg := f.LocalizedMessage
	if msg == "" && f.Fault != nil {
		msg = fmt.Sprintf("%T", f.Fault)
	}
	return preflight.Finding{Code: preflight.CodeVCenterCheck, Severity: sev, VM: vm.Key, VMName: vm.Name, Object: "vm " + vm.Name,
		Message: fmt.Sprintf("vCenter's check of moving %s says: %s", vm.Name, msg),
		Remedy:  "Resolve what vCenter names (the vSphere Client's migration wizard shows the same check), then preflight again."}
}

// place is where a target cluster's VMs go: its root resource pool and its datacenter's VM
// folder.
type place struct {
	pool   *types.ManagedObjectReference
	folder *types.ManagedObjectReference
}

// targetPlaces reads, on the target vCenter, the resource pool and VM folder of each target
// cluster of the VMs todo.
func (e *Engine) targetPlaces(ctx context.Context, to model.SiteID, targets []preflight.Target, todo []int) (map[string]place, error) {
	out := map[string]place{}
	err := e.Call(ctx, to, "target places", 5*time.Second, func(ctx context.Context, c *vim25.Client) error {
		pc := property.DefaultCollector(c)
		for _, i := range todo {
			ref := targets[i].Cluster.TargetRef
			if _, done := out[ref.Value]; done {
				continue
			}
			cr := types.ManagedObjectReference{Type: ref.Type, Value: ref.Value}
			var cl mo.ComputeResource
			if err := pc.RetrieveOne(ctx, cr, []string{"resourcePool"}, &cl); err != nil {
				return fmt.Errorf("cluster %s: %w", targets[i].Cluster.Target, err)
			}
			anc, err := mo.Ancestors(ctx, c, pc.Reference(), cr)
			if err != nil {
				return fmt.Errorf("cluster %s: %w", targets[i].Cluster.Target, err)
			}
			p := place{pool: cl.ResourcePool}
			for _, a := range anc {
				if a.Self.Type == "Datacenter" {
					var dc mo.Datacenter
					if err := pc.RetrieveOne(ctx, a.Self, []string{"vmFolder"}, &dc); err != nil {
						return err
					}
					f := dc.VmFolder
					p.folder = &f
				}
			}
			out[ref.Value] = p
		}
		return nil
	})
	return out, err
}

// vmCount is "1 VM" or "3 VMs".
func vmCount(n int) string {
	if n == 1 {
		return "1 VM"
	}
	return fmt.Sprintf("%d VMs", n)
}
