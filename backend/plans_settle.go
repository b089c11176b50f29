package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/migrate"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
)

// Re-attaching to a plan after a restart: each VM the journal had handed out is settled
// from vCenter (its task followed again, or found at the target), never started twice.

// settleJournal settles, after a restart, every VM the journal had handed out (see Adopt),
// and says what it did.
func (e *Engine) settleJournal(ctx context.Context, who model.Operator, j *plan.Journal, now time.Time) (string, error) {
	var adopted, done, again, failed int
	for i := range j.Entries {
		en := &j.Entries[i]
		if en.State != model.PlanVMSubmitted && en.State != model.PlanVMMoving {
			continue
		}
		en.Move = "" // move ids are this engine's
		if !en.Record.Task.IsZero() {
			ok, err := e.adoptTask(ctx, who, j, en, en.Record.Task)
			if err != nil {
				return "", err
			}
			if ok {
				adopted++
				continue
			}
			// vCenter no longer has the task: settle by where the VM is.
		}
		how, err := e.settleUntracked(ctx, who, j, en)
		if err != nil {
			return "", err
		}
		switch how {
		case model.PlanVMMoving:
			adopted++
		case model.PlanVMDone:
			done++
		case model.PlanVMFailed:
			failed++
		default:
			again++
		}
	}
	j.Updated = now
	return fmt.Sprintf("%d moves followed again, %d found at %s, %d handed out again, %d not found", adopted, done, j.Plan.To, again, failed), nil
}

// settleUntracked settles a VM handed out whose task the journal does not know, asking the
// vCenters where its instance UUID is (the inventory may lag a move that just ended): at the
// target and not at its source, it is done; moving in this engine, or with a relocate task
// vCenter started since it was handed out, that move is followed; at its source with
// neither, it is pending again; nowhere, it failed. A VM that leaves its source while this
// looks (its move ending) is looked for again. It returns how it settled it (Moving for a
// move followed).
func (e *Engine) settleUntracked(ctx context.Context, who model.Operator, j *plan.Journal, en *plan.Entry) (model.PlanVMState, error) {
	const attempts = 3
	from, to := j.Plan.From, j.Plan.To
	for attempt := 1; ; attempt++ {
		var src, dst model.Ref
		if en.InstanceUUID != "" {
			var err error
			if dst, err = e.vmByUUID(ctx, to, en.InstanceUUID); err != nil {
				return "", err
			}
			if src, err = e.vmByUUID(ctx, from, en.InstanceUUID); err != nil {
				return "", err
			}
		} else if vm, atSrc, _, _ := findPlanVM(e.Snapshot(), from, to, en.Name, "", en.VM.MoRef); atSrc {
			src = vmRef(vm.Key)
		}
		switch {
		case !dst.IsZero() && src.IsZero():
			en.State, en.TargetVM, en.Why = model.PlanVMDone, dst, "found at "+string(to)+" with its instance UUID after a restart"
			return en.State, nil
		case src.IsZero() && attempt < attempts:
			time.Sleep(time.Second) // between its removal at the source and its arrival
			continue
		case src.IsZero():
			en.State, en.Why = model.PlanVMFailed, fmt.Sprintf("not found at %s or %s after a restart", from, to)
			return en.State, nil
		}
		key := model.VMKey{Site: from, MoRef: src.Value}
		en.VM = key
		if m, ok := activeMove(e.Snapshot(), model.VM{Key: key, InstanceUUID: en.InstanceUUID}); ok {
			en.State, en.Move, en.Record = model.PlanVMSubmitted, m.ID, m
			return model.PlanVMMoving, nil
		}
		task, err := e.relocateTaskSince(ctx, key, en.Submitted)
		if err != nil && taskGone(err) && attempt < attempts {
			continue // it has just left its source
		}
		if err != nil {
			return "", err
		}
		if !task.IsZero() {
			ok, err := e.adoptTask(ctx, who, j, en, task)
			if err != nil {
				return "", err
			}
			if ok {
				return model.PlanVMMoving, nil
			}
		}
		// Handed out, never started: its wave hands it out again.
		en.State, en.Submitted, en.Record, en.Why = model.PlanVMPending, time.Time{}, model.Move{}, ""
		return en.State, nil
	}
}

// vmByUUID asks a site's vCenter for the VM with an instance UUID: its MoRef, or zero.
func (e *Engine) vmByUUID(ctx context.Context, site model.SiteID, uuid string) (model.Ref, error) {
	var out model.Ref
	err := e.Call(ctx, site, "plan: find VM "+uuid, 10*time.Second, func(ctx context.Context, c *vim25.Client) error {
		ref, err := object.NewSearchIndex(c).FindByUuid(ctx, nil, uuid, true, types.NewBool(true))
		if err != nil {
			return err
		}
		if ref != nil {
			r := ref.Reference()
			out = model.Ref{Type: r.Type, Value: r.Value}
		}
		return nil
	})
	return out, err
}

// adoptTask re-attaches an entry to its task through Engine.AdoptMove. It returns false
// when vCenter no longer has the task.
func (e *Engine) adoptTask(ctx context.Context, who model.Operator, j *plan.Journal, en *plan.Entry, task model.Ref) (bool, error) {
	var info types.TaskInfo
	err := e.Call(ctx, en.VM.Site, "plan: read task "+task.Value, 10*time.Second, func(ctx context.Context, c *vim25.Client) error {
		var t mo.Task
		if err := property.DefaultCollector(c).RetrieveOne(ctx, types.ManagedObjectReference{Type: "Task", Value: task.Value}, []string{"info"}, &t); err != nil {
			return err
		}
		info = t.Info
		return nil
	})
	if err != nil {
		if taskGone(err) {
			return false, nil
		}
		return false, fmt.Errorf("%s: reading its task %s: %w", en.Name, task.Value, err)
	}
	rec := en.Record
	rec.VM, rec.VMName, rec.InstanceUUID = en.VM, en.Name, en.InstanceUUID
	rec.From, rec.To, rec.Plan, rec.Wave = j.Plan.From, j.Plan.To, j.Plan.ID, en.Wave
	rec.Task = model.Ref{Type: "Task", Value: task.Value}
	if rec.Operator.Name == "" {
		rec.Operator = j.Operator
	}
	if rec.Queued.IsZero() {
		rec.Queued = en.Submitted
	}
	if info.StartTime != nil && rec.Started.IsZero() {
		rec.Started = *info.StartTime
	}
	m, err := e.AdoptMove(ctx, who, rec)
	if errors.Is(err, migrate.ErrAlreadyMoving) {
		if am, ok := activeMove(e.Snapshot(), model.VM{Key: en.VM, InstanceUUID: en.InstanceUUID}); ok {
			m, err = am, nil
		}
	}
	if err != nil {
		return false, fmt.Errorf("%s: re-attaching to its task %s: %w", en.Name, task.Value, err)
	}
	en.State, en.Move, en.Record, en.Why = model.PlanVMMoving, m.ID, m, "re-attached after a restart"
	return true, nil
}

// taskGone reports whether an error reading a task says vCenter no longer has it.
func taskGone(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if isNotFound(e) {
			return true
		}
	}
	return strings.Contains(err.Error(), "ManagedObjectNotFound") ||
		strings.Contains(err.Error(), "has already been deleted or has not been completely created")
}

// relocateGrace is how much earlier than its hand-out (clocks differ) a relocate task of a
// VM may have started and still be taken for the plan's.
const relocateGrace = 5 * time.Minute

// relocateTaskSince finds, in a VM's recent tasks at its site, a relocate (or migrate) task
// that runs, else the newest one started since the VM was handed out (less relocateGrace):
// the plan's move that started before the journal could record its task. Zero: none.
func (e *Engine) relocateTaskSince(ctx context.Context, vm model.VMKey, since time.Time) (model.Ref, error) {
	var found model.Ref
	err := e.Call(ctx, vm.Site, "plan: recent tasks of "+vm.MoRef, 10*time.Second, func(ctx context.Context, c *vim25.Client) error {
		pc := property.DefaultCollector(c)
		var v mo.VirtualMachine
		if err := pc.RetrieveOne(ctx, types.ManagedObjectReference{Type: "VirtualMachine", Value: vm.MoRef}, []string{"recentTask"}, &v); err != nil {
			return err
		}
		if len(v.RecentTask) == 0 {
			return nil
		}
		var tasks []mo.Task
		if err := pc.Retrieve(ctx, v.RecentTask, []string{"info"}, &tasks); err != nil {
			return err
		}
		var newest time.Time
		for _, t := range tasks {
			id := t.Info.DescriptionId
			if !strings.Contains(id, "relocate") && !strings.Contains(id, "migrate") {
				continue
			}
			if t.Info.State == types.TaskInfoStateRunning || t.Info.State == types.TaskInfoStateQueued {
				found = model.Ref{Type: "Task", Value: t.Self.Value}
				return nil
			}
			if since.IsZero() || t.Info.StartTime == nil || t.Info.StartTime.Before(since.Add(-relocateGrace)) {
				continue
			}
			if t.Info.StartTime.After(newest) {
				newest, found = *t.Info.StartTime, model.Ref{Type: "Task", Value: t.Self.Value}
			}
		}
		return nil
	})
	return found, err
}
