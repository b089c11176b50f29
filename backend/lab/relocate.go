package lab

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric/sim"
)

// Cross-vCenter relocation between the lab's two vCenters.
//
// The simulator ignores RelocateVMSpec.Service (it would move the VM within its own vCenter,
// and panics on a MoRef it does not know). The lab's registry Handler (site.intercept) sees
// every call first. For a RelocateVM_Task whose spec names a Service it puts a relocatingVM
// into the caller's session registry for that call: a wrapper that embeds the simulator's VM
// and has its own RelocateVMTask. The dispatcher looks the object up in the session first
// (and that lookup falls back to the main registry, so an object merely returned by the
// Handler would be ignored); it locks the wrapper as the VM (the lock follows Self). The
// wrapper leaves the session registry when the call ends and never enters the main one, so
// the simulator's own code, which type-asserts *simulator.VirtualMachine in many places,
// never meets it. CancelTask on a running relocation's task gets a relocateTask the same way.
// Without a Service, the simulator's own relocate runs, unless the spec names a MoRef the
// source does not have (or of the wrong type): that call is refused with a fault instead of
// the panic the simulator would raise on its task goroutine. While a VM is being moved, the
// calls that would change it (power, reconfigure, destroy, snapshots, ...) are refused with
// TaskInProgress, as vCenter holds a migrating VM.
//
// The relocation's task is the lab's own: a simulator Task put into the source registry and
// driven by a goroutine of the mover, which holds no VM lock while the copy runs (so the
// inventory stays readable, as on a real vCenter). The goroutine checks the target's service
// locator, credentials, thumbprint and MoRefs and what vCenter would refuse (relocate_place.go),
// then runs the vMotion model (vmotion.go) against the simulated fabric: the bandwidth comes
// from the DCI's free capacity, re-read on every tick; the DCI down, or the vMotion VLAN or a
// VLAN of the VM not carried, fails the task with the fault vCenter gives. The task's info
// (progress, description, state) changes under the task's lock through the registry, so
// every property collector that follows the task announces each change (relocate_announce.go
// keeps the others from paying for it); progress is announced a few times a second at most.
// At switchover it copies the VM into the target registry (same name, UUIDs, devices with
// their backings moved, power state, runtime, snapshots; a new MoRef) and removes it from
// the source (relocate_commit.go), all under the task's lock, so that a CancelTask either
// comes first (the VM stays, untouched) or finds the task done.

// tickEvery is how often, at least, a running relocation advances its model, reads the
// fabric and may report its progress (report says when it does).
const tickEvery = 50 * time.Millisecond

// vMotionNoData is vCenter's message when the vMotion network stops carrying a migration.
const vMotionNoData = "The vMotion failed because the destination host did not receive data from the source " +
	"host on the vMotion network. Please check your vMotion network settings and physical network " +
	"configuration and ensure they are correct."

// mover runs the lab's cross-vCenter relocations.
type mover struct {
	lab   *Lab
	speed float64 // simulated seconds per real second
	// moveSeconds, when set, is every move's simulated time (Options.MoveSeconds).
	moveSeconds float64

	ctx  context.Context // ends when the lab closes
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu      sync.Mutex
	wrapped map[wrapKey]int   // wrappers in session registries, by calls under way
	byTask  map[siteRef]*move // running tasks, by source site and task
	byVM    map[siteRef]*move // the move of each VM, by source site and VM
	wire    int               // Mbps the copying moves add to the DCI, in all
	n       int               // moves copying now: they share the DCI
	changed chan struct{}     // closed, and replaced, when n changes
}

// wrapKey is an object (a VM, a task) in a session's registry.
type wrapKey struct {
	session *simulator.Session
	ref     types.ManagedObjectReference
}

// siteRef is a managed object of one site: the two vCenters issue the same MoRefs.
type siteRef struct {
	site model.SiteID
	ref  types.ManagedObjectReference
}

// move is one relocation.
type move struct {
	src    *site
	vm     *simulator.VirtualMachine
	name   string
	task   *simulator.Task
	spec   types.VirtualMachineRelocateSpec
	cancel atomic.Bool // CancelTask asked for it

	// Guarded by mover.mu.
	copying bool   // counted in mover.n
	wire    int    // Mbps this move adds to the DCI
	release func() // takes wire off the DCI
}

func newMover(l *Lab, speed float64) *mover {
	if speed <= 0 {
		speed = 1
	}
	ctx, stop := context.WithCancel(context.Background())
	return &mover{lab: l, speed: speed, ctx: ctx, stop: stop, byTask: map[siteRef]*move{}, byVM: map[siteRef]*move{}, wrapped: map[wrapKey]int{},
		changed: make(chan struct{})}
}

// close stops every relocation (a running task stays running: the lab is going away) and
// waits for their goroutines.
func (mv *mover) close() {
	mv.stop()
	mv.wg.Wait()
}

// intercept is the part of the registry Handler that implements relocation (see above).
func (mv *mover) intercept(s *site, ctx *simulator.Context, m *simulator.Method) (mo.Reference, types.BaseMethodFault) {
	switch m.Name {
	case "WaitForUpdatesEx", "WaitForUpdates":
		quiet(ctx, m) // relocate_announce.go
	case "RelocateVM_Task":
		req, ok := m.Body.(*types.RelocateVM_Task)
		if !ok {
			return nil, nil
		}
		vm, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachine)
		if !ok {
			return nil, nil // the dispatcher answers ManagedObjectNotFound
		}
		if req.Spec.Service == nil {
			return nil, checkLocalRefs(ctx.Map, &req.Spec)
		}
		if ctx.Session == nil {
			return nil, nil // the dispatcher answers NotAuthenticated
		}
		return mv.wrap(ctx, vm, &relocatingVM{VirtualMachine: vm, mover: mv, site: s}), nil
	case "PowerOnVM_Task", "PowerOffVM_Task", "SuspendVM_Task", "ResetVM_Task", "ShutdownGuest", "RebootGuest",
		"StandbyGuest", "Destroy_Task", "UnregisterVM", "ReconfigVM_Task", "Rename_Task", "MarkAsTemplate",
		"CreateSnapshot_Task", "CreateSnapshotEx_Task", "RevertToCurrentSnapshot_Task", "RemoveAllSnapshots_Task",
		"ConsolidateVMDisks_Task", "MigrateVM_Task", "UpgradeVM_Task":
		// vCenter holds a VM being migrated: what would change it waits for the migration.
		mv.mu.Lock()
		running, ok := mv.byVM[siteRef{s.ep.ID, m.This}]
		mv.mu.Unlock()
		if ok {
			return nil, &types.TaskInProgress{Task: running.task.Self}
		}
	case "CancelTask":
		mv.mu.Lock()
		running, ok := mv.byTask[siteRef{s.ep.ID, m.This}]
		mv.mu.Unlock()
		if ok && ctx.Session != nil {
			return mv.wrap(ctx, running.task, &relocateTask{Task: running.task, move: running, mover: mv}), nil
		}
	}
	return nil, nil
}

// wrap puts a wrapper of obj into the caller's session registry for one call: the dispatcher
// prefers what the session's registry holds to the object the Handler returns (its lookup
// there falls back to the main registry). The wrapper stays until every call that put it
// there has ended (unwrap); calls on the same object in the same session put equal wrappers.
func (mv *mover) wrap(ctx *simulator.Context, obj, w mo.Reference) mo.Reference {
	key := wrapKey{ctx.Session, obj.Reference()}
	mv.mu.Lock()
	mv.wrapped[key]++
	mv.mu.Unlock()
	// Put sets an entity's status fields (a VM's, here): under the object's lock.
	ctx.Map.WithLock(ctx, obj, func() { ctx.Session.Registry.Put(w) })
	return w
}

// unwrap ends one call of wrap's: the wrapper leaves the session's registry with the last.
func (mv *mover) unwrap(ctx *simulator.Context, ref types.ManagedObjectReference) {
	key := wrapKey{ctx.Session, ref}
	mv.mu.Lock()
	defer mv.mu.Unlock()
	if mv.wrapped[key]--; mv.wrapped[key] <= 0 {
		delete(mv.wrapped, key)
		ctx.Session.Registry.Remove(ctx, ref)
	}
}

// checkLocalRefs refuses a relocation within one vCenter that names a MoRef the vCenter does
// not have, or one of the wrong type, which the simulator's relocate would panic on.
func checkLocalRefs(reg *simulator.Registry, spec *types.VirtualMachineRelocateSpec) types.BaseMethodFault {
	check := func(ref *types.ManagedObjectReference, prop string, ok func(mo.Reference) bool) types.BaseMethodFault {
		if ref == nil {
			return nil
		}
		obj := reg.Get(*ref)
		if obj == nil {
			return &types.ManagedObjectNotFound{Obj: *ref}
		}
		if !ok(obj) {
			return &types.InvalidArgument{InvalidProperty: prop}
		}
		return nil
	}
	for _, c := range []struct {
		ref  *types.ManagedObjectReference
		prop string
		ok   func(mo.Reference) bool
	}{
		{spec.Datastore, "spec.datastore", func(o mo.Reference) bool { _, ok := o.(*simulator.Datastore); return ok }},
		{spec.Pool, "spec.pool", func(o mo.Reference) bool { _, ok := o.(*simulator.ResourcePool); return ok }},
		{spec.Host, "spec.host", func(o mo.Reference) bool { _, ok := o.(*simulator.HostSystem); return ok }},
		{spec.Folder, "spec.folder", func(o mo.Reference) bool { _, ok := o.(*simulator.Folder); return ok }},
	} {
		if f := check(c.ref, c.prop, c.ok); f != nil {
			return f
		}
	}
	for i := range spec.Disk {
		if f := check(&spec.Disk[i].Datastore, "spec.disk.datastore", func(o mo.Reference) bool { _, ok := o.(*simulator.Datastore); return ok }); f != nil {
			return f
		}
	}
	return nil
}

// relocatingVM is the simulator's VM for the length of one RelocateVM_Task call that names a
// Service. It enters the caller's session registry for that call only, never the main one.
type relocatingVM struct {
	*simulator.VirtualMachine
	mover *mover
	site  *site
}

// RelocateVMTask starts the cross-vCenter relocation and returns its task at once. The
// wrapper leaves the session's registry when the last call that put it there ends.
func (v *relocatingVM) RelocateVMTask(ctx *simulator.Context, req *types.RelocateVM_Task) soap.HasFault {
	defer v.mover.unwrap(ctx, v.Self)
	return &methods.RelocateVM_TaskBody{
		Res: &types.RelocateVM_TaskResponse{Returnval: v.mover.begin(ctx, v.site, v.VirtualMachine, req)},
	}
}

// relocateTask is a relocation's task for the length of one CancelTask call: the cancel is
// asked of the move, which ends the task (RequestCanceled) at its next tick, unless the VM is
// already switching over.
type relocateTask struct {
	*simulator.Task
	move  *move
	mover *mover
}

// CancelTask runs under the task's lock, as the relocation's switchover does.
func (t *relocateTask) CancelTask(ctx *simulator.Context, _ *types.CancelTask) soap.HasFault {
	defer t.mover.unwrap(ctx, t.Self)
	body := new(methods.CancelTaskBody)
	switch {
	case t.Info.State == types.TaskInfoStateSuccess || t.Info.State == types.TaskInfoStateError:
		body.Fault_ = simulator.Fault("The task has already completed.", &types.InvalidState{})
	case !t.Info.Cancelable:
		body.Fault_ = simulator.Fault("The task cannot be canceled: the virtual machine is switching over.", &types.NotSupported{})
	default:
		t.move.cancel.Store(true)
		setInfo(ctx.Map, ctx, t.Task, func(i *types.TaskInfo) { i.Cancelled = true })
		body.Res = new(types.CancelTaskResponse)
	}
	return body
}

// begin creates the relocation's task in the source registry and starts the move. It runs
// under the VM's lock, on behalf of the caller's context.
func (mv *mover) begin(ctx *simulator.Context, s *site, vm *simulator.VirtualMachine, req *types.RelocateVM_Task) types.ManagedObjectReference {
	reg := s.model.Map()
	task := simulator.CreateTask(vm, "relocateVm", nil)
	task.Info.Name = "RelocateVM_Task"
	task.Info.DescriptionId = "VirtualMachine.relocate"
	task.Info.EntityName = vm.Name
	task.Info.Cancelable = true
	if ctx.Session != nil {
		task.Info.Reason = &types.TaskReasonUser{UserName: ctx.Session.UserName}
	}
	task.Info.Description = &types.LocalizableMessage{Key: "com.vmcross.lab.vmotion.phase", Message: "preparing"}
	reg.Put(task) // gives it its MoRef
	reg.WithLock(ctx, task, func() {
		setInfo(reg, ctx, task, func(i *types.TaskInfo) {
			now := time.Now()
			i.Key, i.Task, i.StartTime, i.State = task.Self.Value, task.Self, &now, types.TaskInfoStateRunning
		})
	})

	m := &move{src: s, vm: vm, name: vm.Name, task: task, spec: req.Spec}
	mv.mu.Lock()
	busy := mv.byVM[siteRef{s.ep.ID, vm.Self}]
	if busy == nil && mv.ctx.Err() == nil {
		mv.byVM[siteRef{s.ep.ID, vm.Self}] = m
		mv.byTask[siteRef{s.ep.ID, task.Self}] = m
		mv.wg.Add(1)
	}
	mv.mu.Unlock()
	switch {
	case busy != nil:
		mv.finish(ctx, m, &taskFault{&types.TaskInProgress{Task: busy.task.Self},
			fmt.Sprintf("Another task is already in progress: %s migrates %s.", busy.task.Self.Value, vm.Name)}, nil)
	case mv.ctx.Err() != nil:
		mv.finish(ctx, m, &taskFault{&types.InvalidState{}, "The lab is shutting down."}, nil)
	default:
		go mv.run(m)
	}
	return task.Self
}

// taskFault is a fault and vCenter's message for it.
type taskFault struct {
	fault types.BaseMethodFault
	msg   string
}

// finish ends a move's task, under its lock: with the fault, or with success and the VM's
// MoRef at the target. A task already ended stays as it is.
func (mv *mover) finish(ctx *simulator.Context, m *move, f *taskFault, result *types.ManagedObjectReference) {
	reg := m.src.model.Map()
	reg.WithLock(ctx, m.task, func() { mv.finishLocked(ctx, m, f, result) })
}

func (mv *mover) finishLocked(ctx *simulator.Context, m *move, f *taskFault, result *types.ManagedObjectReference) {
	if s := m.task.Info.State; s == types.TaskInfoStateSuccess || s == types.TaskInfoStateError {
		return
	}
	setInfo(m.src.model.Map(), ctx, m.task, func(i *types.TaskInfo) {
		now := time.Now()
		i.Cancelable, i.CompleteTime = false, &now
		if f != nil {
			i.State, i.Error = types.TaskInfoStateError, &types.LocalizedMethodFault{Fault: f.fault, LocalizedMessage: f.msg}
			return
		}
		i.State, i.Progress, i.Result = types.TaskInfoStateSuccess, 100, *result
		i.Description = &types.LocalizableMessage{Key: "com.vmcross.lab.vmotion.phase", Message: "migration complete"}
	})
}

// setInfo changes a task's info and announces it, whole: a property collector matches a
// change of a sub-property (info.progress) to a client's path (info) by reading the task
// itself, without its lock. Callers hold the task's lock.
func setInfo(reg *simulator.Registry, ctx *simulator.Context, task *simulator.Task, change func(*types.TaskInfo)) {
	info := task.Info
	change(&info)
	reg.Update(ctx, task, []types.PropertyChange{{Name: "info", Val: info}})
}

// run drives one move from its checks to its end.
func (mv *mover) run(m *move) {
	defer mv.wg.Done()
	ctx := m.src.relocateContext()
	defer mv.end(m)

	p, f := mv.prepare(ctx, m)
	if f != nil {
		mv.finish(ctx, m, f, nil)
		return
	}
	model := mv.newModel(p.memory, p.diskBytes, p.dirty)
	mv.mu.Lock()
	m.copying = true
	mv.n++
	mv.changedLocked()
	mv.mu.Unlock()

	// The model advances at every tick, when the moves copying change (their shares of the
	// DCI change: changed) and when it ends between two ticks, each time at the bandwidth of
	// the time past; then the bandwidth is read again for the time to come.
	reported := reportState{progress: -1, kind: -1}
	last := time.Now()
	changed := mv.changes()
	path, wire, b := mv.bandwidth()
	wake := time.NewTimer(0)
	defer wake.Stop()
	for {
		select {
		case <-mv.ctx.Done():
			return
		case <-wake.C:
		case <-changed:
		}
		now := time.Now()
		dt := now.Sub(last).Seconds() * mv.speed
		last = now
		if m.cancel.Load() {
			mv.finish(ctx, m, &taskFault{&types.RequestCanceled{}, "The task was canceled by a user."}, nil)
			return
		}
		if !mv.running(ctx, m) {
			return // ended by other means (SetTaskState): the VM stays
		}
		changed = mv.changes()
		var next float64
		path, wire, next = mv.bandwidth()
		if f := mv.fabricFault(p, path); f != nil {
			mv.finish(ctx, m, f, nil)
			return
		}
		model.Step(dt, b)
		b = next
		mv.setTraffic(m, wire, model.Done())
		if model.Done() {
			mv.doneCopying(m)
			if f := mv.switchover(ctx, m, p); f != nil {
				mv.finish(ctx, m, f, nil)
			}
			return
		}
		mv.report(ctx, m, &reported, reportState{progress: model.Progress(b), phase: model.Phase(b), kind: model.phase,
			stunned: model.phase == phaseSwitchover, at: now})
		wait := tickEvery
		if _, total, _ := model.predict(b); (total-model.Elapsed())/mv.speed < wait.Seconds() {
			wait = time.Duration(max(total-model.Elapsed(), 0) / mv.speed * float64(time.Second))
		}
		wake.Reset(wait)
	}
}

// changes is closed when the moves copying change next.
func (mv *mover) changes() <-chan struct{} {
	mv.mu.Lock()
	defer mv.mu.Unlock()
	return mv.changed
}

// changedLocked wakes every running move: the moves copying changed. Under mu.
func (mv *mover) changedLocked() {
	close(mv.changed)
	mv.changed = make(chan struct{})
}

// doneCopying takes a move whose copy is done off the DCI's moves at once, before its
// switchover's bookkeeping: the others get its share.
func (mv *mover) doneCopying(m *move) {
	mv.mu.Lock()
	defer mv.mu.Unlock()
	if m.copying {
		m.copying = false
		mv.n--
		mv.changedLocked()
	}
}

// running says whether the move's task still runs.
func (mv *mover) running(ctx *simulator.Context, m *move) bool {
	var ok bool
	m.src.model.Map().WithLock(ctx, m.task, func() { ok = m.task.Info.State == types.TaskInfoStateRunning })
	return ok
}

// reportState is what a move announced last, or would announce now, and when.
type reportState struct {
	progress int
	phase    string
	kind     vmotionPhase
	stunned  bool
	at       time.Time
}

// A running relocation announces its progress and phase at most every announceEvery, and at
// once when its progress has risen announceStep points since it last did, when it enters
// another phase (disks, pre-copy, switchover) or when it can no longer be cancelled: every
// announcement costs each property collector that follows the task (relocate_announce.go),
// and a console shows a move's progress in whole percents a few times a second at most.
// The step keeps a short move's progress rising in a few steps rather than jumping to 100.
const (
	announceEvery = 500 * time.Millisecond
	announceStep  = 25
)

// report announces the task's progress and phase (next) when they changed and it is time
// (see announceEvery), and that it can no longer be cancelled once the VM is stunned.
func (mv *mover) report(ctx *simulator.Context, m *move, last *reportState, next reportState) {
	if next.progress == last.progress && next.phase == last.phase && next.stunned == last.stunned {
		return
	}
	urgent := next.kind != last.kind || next.stunned != last.stunned || next.progress >= last.progress+announceStep
	if !urgent && next.at.Sub(last.at) < announceEvery {
		return
	}
	reg := m.src.model.Map()
	reg.WithLock(ctx, m.task, func() {
		if m.task.Info.State != types.TaskInfoStateRunning {
			return
		}
		setInfo(reg, ctx, m.task, func(i *types.TaskInfo) {
			i.Progress = int32(next.progress)
			i.Description = &types.LocalizableMessage{Key: "com.vmcross.lab.vmotion.phase", Message: next.phase}
			if next.stunned && !m.cancel.Load() {
				i.Cancelable = false
			}
		})
	})
	*last = next
}

// end forgets a finished move and takes its traffic off the DCI.
func (mv *mover) end(m *move) {
	mv.mu.Lock()
	defer mv.mu.Unlock()
	if m.copying {
		m.copying = false
		mv.n--
		mv.changedLocked()
	}
	if m.release != nil {
		m.release()
		mv.wire -= m.wire
		m.release, m.wire = nil, 0
	}
	delete(mv.byTask, siteRef{m.src.ep.ID, m.task.Self})
	if mv.byVM[siteRef{m.src.ep.ID, m.vm.Self}] == m {
		delete(mv.byVM, siteRef{m.src.ep.ID, m.vm.Self})
	}
}

// bandwidth is the DCI's state now and a move's share of it: the line rate of its stream
// (Mbps) and the data it carries (bytes a second).
func (mv *mover) bandwidth() (sim.DCIPath, float64, float64) {
	f := mv.lab.fabric
	if f == nil { // no switches: an idle 2×10 Gbps DCI
		path := sim.DCIPath{Up: true, Members: 2, CapacityMbps: 20000, FreeMbps: 20000}
		wire, bits := moveBandwidth(path.CapacityMbps, path.FreeMbps, 1)
		return path, wire, bits / 8
	}
	path := f.DCIPath()
	mv.mu.Lock()
	ours, n := mv.wire, mv.n
	mv.mu.Unlock()
	others := max(path.AddedMbps-ours, 0)
	wire, bits := moveBandwidth(path.CapacityMbps, path.CapacityMbps-path.LoadMbps-others, n)
	return path, wire, bits / 8
}

// setTraffic makes the DCI carry the move's stream at wire Mbps (none once done).
func (mv *mover) setTraffic(m *move, wire float64, done bool) {
	w := int(wire + 0.5)
	if done {
		w = 0
	}
	mv.mu.Lock()
	defer mv.mu.Unlock()
	if w == m.wire {
		return
	}
	if m.release != nil {
		m.release()
		m.release = nil
	}
	mv.wire += w - m.wire
	m.wire = w
	if w > 0 && mv.lab.fabric != nil {
		m.release = mv.lab.fabric.AddDCITraffic(w)
	}
}

// fabricFault is the fault a move meets on the fabric now, or nil: the DCI down; for a hot
// migration, the vMotion VLAN or a VLAN of the VM's port groups at the target not carried
// across the DCI.
func (mv *mover) fabricFault(p *placement, path sim.DCIPath) *taskFault {
	if !path.Up {
		if !p.hot {
			return &taskFault{&types.MigrationFault{}, fmt.Sprintf(
				"The migration failed because the destination host %s could not be reached: the DCI is down (%s).", p.host.Name, path.Why)}
		}
		return &taskFault{p.linkDown(), fmt.Sprintf("%s (The DCI is down: %s.)", vMotionNoData, path.Why)}
	}
	f := mv.lab.fabric
	if f == nil || !p.hot {
		return nil
	}
	if ok, why := f.VLANCarried(vmotionVLANID); !ok {
		return &taskFault{p.linkDown(), fmt.Sprintf("%s (VLAN %d, the vMotion network %s, does not reach the destination: %s.)",
			vMotionNoData, vmotionVLANID, p.vmotionNet, why)}
	}
	for _, n := range p.nics {
		if n.vlan == 0 {
			continue
		}
		if ok, why := f.VLANCarried(n.vlan); !ok {
			return &taskFault{&types.NetworksMayNotBeTheSame{Name: n.network}, fmt.Sprintf(
				"Currently connected network interface '%s' uses network '%s', which is not accessible: "+
					"VLAN %d does not reach the destination host %s (%s).", n.label, n.network, n.vlan, p.host.Name, why)}
		}
	}
	return nil
}

// vmotionVLANID is the lab's vMotion VLAN (plan.go's vmotionVLAN).
const vmotionVLANID = 200

// vmotionNetwork names the vMotion VLAN's port group, as the lab's plan does.
func vmotionNetwork() string {
	for _, v := range Plan() {
		if v.ID == vmotionVLANID {
			return v.PortGroup()
		}
	}
	return fmt.Sprintf("VLAN%d", vmotionVLANID)
}

// relocateCalls numbers the sessions of the relocations' simulator contexts.
var relocateCalls atomic.Int64

// relocateContext returns a fresh simulator context with its own session for the site's
// registry: a relocation's goroutine never shares a context (the simulator's locks are
// re-entrant per context).
func (s *site) relocateContext() *simulator.Context {
	c := *s.model.Service.Context
	c.Context = context.Background()
	c.Session = &simulator.Session{
		UserSession: types.UserSession{
			Key:      fmt.Sprintf("vmcross-lab-%s-vmotion-%d", s.ep.ID, relocateCalls.Add(1)),
			UserName: "VSPHERE.LOCAL\\Administrator",
		},
		Registry: simulator.NewRegistry(),
		Map:      c.Map,
	}
	return &c
}

// thumbprints are the site's certificate's SHA-1 and SHA-256 thumbprints, lower-case hex
// without separators.
func (s *site) thumbprints() []string {
	block, _ := pem.Decode(s.ep.CertPEM)
	if block == nil {
		return nil
	}
	one := sha1.Sum(block.Bytes) //nolint:gosec // vCenter's ServiceLocator takes a SHA-1 thumbprint
	two := sha256.Sum256(block.Bytes)
	return []string{hex.EncodeToString(one[:]), hex.EncodeToString(two[:])}
}

func normalThumbprint(s string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "", "-", "").Replace(s))
}

// checkService finds the target site a service locator names and checks what a vCenter
// checks before it logs in to another: the instance UUID, the URL, the certificate and the
// credentials.
func (mv *mover) checkService(src *site, svc *types.ServiceLocator) (*site, *taskFault) {
	var dst *site
	for _, s := range mv.lab.sites {
		if s != nil && strings.EqualFold(s.model.ServiceContent.About.InstanceUuid, svc.InstanceUuid) {
			dst = s
		}
	}
	if dst == nil || dst == src {
		why := fmt.Sprintf("no other vCenter of the lab has instance UUID %q", svc.InstanceUuid)
		if dst == src {
			why = "the service locator names the source vCenter itself"
		}
		return nil, &taskFault{&types.InvalidArgument{InvalidProperty: "spec.service.instanceUuid"},
			"A specified parameter was not correct: spec.service.instanceUuid (" + why + ")."}
	}
	u, err := url.Parse(svc.Url)
	want, _ := url.Parse(dst.ep.URL)
	if err != nil || want == nil || u.Host != want.Host {
		return nil, &taskFault{&types.InvalidArgument{InvalidProperty: "spec.service.url"}, fmt.Sprintf(
			"A specified parameter was not correct: spec.service.url (%q is not the vCenter with instance UUID %s, at %s).", svc.Url, svc.InstanceUuid, dst.ep.URL)}
	}
	prints := dst.thumbprints()
	got := normalThumbprint(svc.SslThumbprint)
	if got == "" || (len(prints) == 2 && got != prints[0] && got != prints[1]) {
		fault := &types.SSLVerifyFault{SelfSigned: true}
		if len(prints) > 0 {
			fault.Thumbprint = prints[0]
		}
		return nil, &taskFault{fault, fmt.Sprintf(
			"Authenticity of the host's SSL certificate is not verified: %s presented a certificate whose thumbprint is not %q.", u.Host, svc.SslThumbprint)}
	}
	cred, ok := svc.Credential.(*types.ServiceLocatorNamePassword)
	if !ok || !strings.EqualFold(cred.Username, dst.ep.Username) || cred.Password != dst.ep.Password {
		return nil, &taskFault{&types.InvalidLogin{}, fmt.Sprintf(
			"Cannot complete login due to an incorrect user name or password (the service locator's credentials for %s).", dst.ep.URL)}
	}
	return dst, nil
}
