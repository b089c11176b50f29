package backend

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/migrate"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// Migrate moves VMs: req is what the operator reviewed (the VMs, the target site, the
// profile and the target choices), acked the warnings acknowledged per VM ("CODE object",
// or a bare code for all of that code). It judges the request again (the fabric or the sites may have changed since the
// review), leaves out every VM a finding blocks or whose warnings are not all acknowledged,
// and queues the others' moves. It refuses, as a whole, a request naming a VM already
// queued or moving. It is a dangerous command: the operator role at least.
func (e *Engine) Migrate(ctx context.Context, who model.Operator, req preflight.Request, acked map[model.VMKey][]string) (model.MigrateResult, error) {
	out, _, err := e.migrate(ctx, who, req, acked, fmt.Sprintf("%d VMs to %s", len(req.VMs), req.To), "", 0)
	return out, err
}

// migrate is Migrate, recorded as a command about object; the moves carry the plan and wave
// they belong to ("" and 0: none), and preflight's judgement is returned with them.
func (e *Engine) migrate(ctx context.Context, who model.Operator, req preflight.Request, acked map[model.VMKey][]string, object, planID string, wave int) (model.MigrateResult, preflight.Result, error) {
	var out model.MigrateResult
	var res preflight.Result
	err := e.command(who, model.CmdMigrate, req.To, object, func() (string, error) {
		var err error
		res, err = e.Preflight(ctx, who, req)
		if err != nil {
			return "", err
		}
		var todo []int
		for i, vm := range res.VMs {
			if why := notMoving(res.Findings, vm.Key, acked[vm.Key]); why != "" {
				out.Skipped = append(out.Skipped, model.MoveSkipped{VM: vm.Key, Name: vm.Name, Reason: why})
				continue
			}
			todo = append(todo, i)
		}
		if len(todo) == 0 {
			return "nothing to move", nil
		}
		targets, err := e.moveTargets(ctx, res, todo)
		if err != nil {
			return "", err
		}
		reqs := make([]migrate.Request, 0, len(todo))
		for n, i := range todo {
			vm := res.VMs[i]
			var bytes int64
			if i < len(res.Estimates) {
				bytes = res.Estimates[i].MemoryB + res.Estimates[i].DiskB
			}
			reqs = append(reqs, migrate.Request{Who: who, VM: vm, To: res.To, Target: targets[n], Bytes: bytes,
				Acknowledged: acked[vm.Key], Plan: planID, Wave: wave})
		}
		moves, err := e.moves.Start(reqs)
		if err != nil {
			return "", err
		}
		out.Moves = moves
		ids := make([]string, len(moves))
		for i, m := range moves {
			ids[i] = m.ID + " " + m.VMName
		}
		return "queued " + strings.Join(ids, ", "), nil
	})
	return out, res, err
}

// notMoving says why a VM may not move: a finding blocks it, or a warning about it (or the
// whole selection) is not acknowledged. "" when it may.
func notMoving(fs []preflight.Finding, vm model.VMKey, acked []string) string {
	if preflight.Blocked(fs, vm) {
		var codes []string
		for _, f := range fs {
			if f.Severity == preflight.Block && (f.VM == vm || f.VM == (model.VMKey{})) {
				codes = append(codes, f.Code)
			}
		}
		return "blocked: " + strings.Join(codes, ", ")
	}
	ok := map[string]bool{}
	for _, a := range acked {
		ok[a] = true
	}
	var missing []string
	for _, f := range fs {
		if f.Severity != preflight.Warn || (f.VM != vm && f.VM != (model.VMKey{})) {
			continue
		}
		if !ok[f.Code+" "+f.Object] && !ok[f.Code] {
			missing = append(missing, f.Code+" "+f.Object)
		}
	}
	if len(missing) > 0 {
		return "warnings not acknowledged: " + strings.Join(missing, "; ")
	}
	return ""
}

// CancelMove cancels a move (dangerous: the operator role at least). A running move ends
// when vCenter has cancelled its task, the VM at its source.
func (e *Engine) CancelMove(ctx context.Context, who model.Operator, id string) error {
	return e.command(who, model.CmdCancelMove, "", id, func() (string, error) {
		return "cancel asked", e.moves.Cancel(ctx, id)
	})
}

// moveTargets turns preflight's targets of the VMs todo into what a relocate names: refs of
// the host, the cluster's root resource pool, the datacenter's VM folder, the datastores
// and port groups, and the port groups' distributed switch UUIDs, read at the target.
func (e *Engine) moveTargets(ctx context.Context, res preflight.Result, todo []int) ([]model.MoveTarget, error) {
	places, err := e.targetPlaces(ctx, res.To, res.Targets, todo)
	if err != nil {
		return nil, fmt.Errorf("reading the target's pools and folders: %w", err)
	}
	var pgs []types.ManagedObjectReference
	seen := map[string]bool{}
	for _, i := range todo {
		for _, n := range res.Targets[i].Networks {
			if n.Found() && !seen[n.TargetRef.Value] && n.TargetRef.Type == "DistributedVirtualPortgroup" {
				seen[n.TargetRef.Value] = true
				pgs = append(pgs, types.ManagedObjectReference{Type: n.TargetRef.Type, Value: n.TargetRef.Value})
			}
		}
	}
	uuids := map[string]string{}
	if len(pgs) > 0 {
		err := e.Call(ctx, res.To, "target port groups", 5*time.Second, func(ctx context.Context, c *vim25.Client) error {
			pc := property.DefaultCollector(c)
			var groups []mo.DistributedVirtualPortgroup
			if err := pc.Retrieve(ctx, pgs, []string{"config.distributedVirtualSwitch"}, &groups); err != nil {
				return err
			}
			var switches []types.ManagedObjectReference
			for _, g := range groups {
				if g.Config.DistributedVirtualSwitch != nil {
					switches = append(switches, *g.Config.DistributedVirtualSwitch)
				}
			}
			var dvs []mo.DistributedVirtualSwitch
			if err := pc.Retrieve(ctx, switches, []string{"uuid"}, &dvs); err != nil {
				return err
			}
			byRef := map[string]string{}
			for _, d := range dvs {
				byRef[d.Self.Value] = d.Uuid
			}
			for _, g := range groups {
				if g.Config.DistributedVirtualSwitch != nil {
					uuids[g.Self.Value] = byRef[g.Config.DistributedVirtualSwitch.Value]
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading the target port groups' switches: %w", err)
		}
	}
	folders := e.sameFolders(ctx, res, todo)
	out := make([]model.MoveTarget, len(todo))
	for n, i := range todo {
		t := res.Targets[i]
		p := places[t.Cluster.TargetRef.Value]
		if f, ok := folders[res.VMs[i].FolderRef.Value]; ok {
			p.folder = &f
		}
		mt := model.MoveTarget{Cluster: t.Cluster.TargetRef, ClusterName: t.Cluster.Target, Host: t.Host.TargetRef, HostName: t.Host.Target,
			Datastores: map[string]model.Ref{}, Networks: map[string]model.Ref{}, SwitchUUIDs: map[string]string{}}
		if p.pool != nil {
			mt.Pool = model.Ref{Type: p.pool.Type, Value: p.pool.Value}
		}
		if p.folder != nil {
			mt.Folder = model.Ref{Type: p.folder.Type, Value: p.folder.Value}
		}
		for _, d := range t.Datastores {
			if !d.Found() {
				continue
			}
			if mt.Datastore.IsZero() {
				mt.Datastore, mt.DatastoreName = d.TargetRef, d.Target
			}
			mt.Datastores[d.SourceRef.Value] = d.TargetRef
		}
		for _, nw := range t.Networks {
			if nw.Found() {
				mt.Networks[nw.SourceRef.Value] = nw.TargetRef
				if u, ok := uuids[nw.TargetRef.Value]; ok {
					mt.SwitchUUIDs[nw.TargetRef.Value] = u
				}
			}
		}
		out[n] = mt
	}
	return out, nil
}

// sameFolders maps each source VM folder of the VMs todo to the target's VM folder of the
// same name, where there is one: a VM filed under Production stays under Production. The
// others go to the target datacenter's VM folder. Folders that cannot be read are left out.
func (e *Engine) sameFolders(ctx context.Context, res preflight.Result, todo []int) map[string]types.ManagedObjectReference {
	var src []types.ManagedObjectReference
	seen := map[string]bool{}
	for _, i := range todo {
		f := res.VMs[i].FolderRef
		if !f.IsZero() && !seen[f.Value] {
			seen[f.Value] = true
			src = append(src, types.ManagedObjectReference{Type: f.Type, Value: f.Value})
		}
	}
	out := map[string]types.ManagedObjectReference{}
	if len(src) == 0 {
		return out
	}
	names := map[string]string{} // source folder ref value → name
	_ = e.Call(ctx, res.From, "source folders", 5*time.Second, func(ctx context.Context, c *vim25.Client) error {
		var fs []mo.Folder
		if err := property.DefaultCollector(c).Retrieve(ctx, src, []string{"name"}, &fs); err != nil {
			return err
		}
		for _, f := range fs {
			names[f.Self.Value] = f.Name
		}
		return nil
	})
	if len(names) == 0 {
		return out
	}
	_ = e.Call(ctx, res.To, "target folders", 5*time.Second, func(ctx context.Context, c *vim25.Client) error {
		v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"Folder"}, true)
		if err != nil {
			return err
		}
		defer func() { _ = v.Destroy(context.WithoutCancel(ctx)) }()
		var fs []mo.Folder
		if err := v.Retrieve(ctx, []string{"Folder"}, []string{"name", "childType"}, &fs); err != nil {
			return err
		}
		byName := map[string]types.ManagedObjectReference{}
		for _, f := range fs {
			if slices.Contains(f.ChildType, "VirtualMachine") {
				if _, dup := byName[f.Name]; !dup {
					byName[f.Name] = f.Self
				}
			}
		}
		for ref, name := range names {
			if f, ok := byName[name]; ok && name != "vm" {
				out[ref] = f
			}
		}
		return nil
	})
	return out
}

// AdoptMove re-attaches to a move an earlier run of vmcross started, as its journal recorded
// it (VM, sites, target, task, times, plan): the move is followed from its task's current
// state and never started again. A task that ended while vmcross was down ends the move at
// once, as vCenter says it ended. It is a dangerous command, like Migrate.
func (e *Engine) AdoptMove(ctx context.Context, who model.Operator, j model.Move) (model.Move, error) {
	var out model.Move
	err := e.command(who, model.CmdMigrate, j.To, "re-attach "+j.VMName+" ("+j.Task.Value+")", func() (string, error) {
		if j.Task.IsZero() {
			return "", fmt.Errorf("%s: the journal names no task: it never started, start it again instead", j.VMName)
		}
		vm := model.VM{Key: j.VM, Name: j.VMName, InstanceUUID: j.InstanceUUID}
		if src, ok := e.Snapshot().Site(j.From); ok {
			if cur, ok := src.VM(j.VM.MoRef); ok {
				vm = cur
			}
		}
		m, err := e.moves.Adopt(migrate.Request{Who: j.Operator, VM: vm, To: j.To, Target: j.Target, Bytes: j.Bytes,
			Acknowledged: j.Acknowledged, Plan: j.Plan, Wave: j.Wave},
			types.ManagedObjectReference{Type: j.Task.Type, Value: j.Task.Value}, j.Queued, j.Started)
		if err != nil {
			return "", err
		}
		out = m
		return "following " + m.ID, nil
	})
	return out, err
}
