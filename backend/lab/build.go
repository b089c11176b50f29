package lab

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// builder populates one simulator model by calling the simulator's own managed-object methods
// in process: no SOAP, no HTTP, no property collector. Calls run one at a time and every task
// is awaited before the next call, so managed object references come out the same on every
// run; the simulator still does its own bookkeeping (folders, events, files, devices).
type builder struct {
	ctx   context.Context // cancels the build
	bp    siteBlueprint
	model *simulator.Model
	reg   *simulator.Registry
	dir   string // datastore directories live here
	metro string // the stretched datastore's directory, shared with the other site
	n     int    // VMs per site
	calls atomic.Int64

	dc        *simulator.Datacenter
	vmFolders map[string]*simulator.Folder
	dvs       *simulator.DistributedVirtualSwitch
	portGroup map[int]*simulator.DistributedVirtualPortgroup // by VLAN ID
	clusters  []*simulator.ClusterComputeResource
	hosts     [][]*simulator.HostSystem // by cluster, then host index
	vms       map[string]*simulator.VirtualMachine
}

func newBuilder(ctx context.Context, bp siteBlueprint, model *simulator.Model, dir, metroDir string) *builder {
	return &builder{
		ctx:       ctx,
		bp:        bp,
		model:     model,
		reg:       model.Map(),
		dir:       dir,
		metro:     metroDir,
		vmFolders: map[string]*simulator.Folder{},
		portGroup: map[int]*simulator.DistributedVirtualPortgroup{},
		vms:       map[string]*simulator.VirtualMachine{},
	}
}

// context returns a fresh simulator context with its own session. The simulator's object
// locks are re-entrant per context, so a context must never be shared by two goroutines
// (a task's goroutine inherits the context of the call that started it).
func (b *builder) context() *simulator.Context {
	c := *b.model.Service.Context
	c.Context = context.Background()
	c.Session = &simulator.Session{
		UserSession: types.UserSession{
			Key:      fmt.Sprintf("vmcross-lab-%s-%d", b.bp.id, b.calls.Add(1)),
			UserName: "VSPHERE.LOCAL\\Administrator",
		},
		Registry: simulator.NewRegistry(),
		Map:      c.Map,
	}
	return &c
}

// invoke calls a method of obj the way the simulator's SOAP dispatcher does: holding obj's lock.
func (b *builder) invoke(obj mo.Reference, method string, call func(*simulator.Context) soap.HasFault) (soap.HasFault, error) {
	if err := b.ctx.Err(); err != nil {
		return nil, err
	}
	ctx := b.context()
	var res soap.HasFault
	b.reg.WithLock(ctx, obj, func() { res = call(ctx) })
	if f := res.Fault(); f != nil {
		return nil, fmt.Errorf("%s on %s: %s", method, obj.Reference(), faultText(f))
	}
	return res, nil
}

// task invokes a *_Task method and waits for the task to finish.
func (b *builder) task(obj mo.Reference, method string, call func(*simulator.Context) soap.HasFault) (types.AnyType, error) {
	res, err := b.invoke(obj, method, call)
	if err != nil {
		return nil, err
	}
	return b.wait(returnval(res), method, obj)
}

// wait polls a task until it has finished. Tasks run on their own goroutine; the lock that
// guards the task's info also orders everything the task wrote before it. It does not give up
// when the build is canceled: tasks are short, and one left running could write files after
// the lab has removed them.
func (b *builder) wait(ref types.ManagedObjectReference, method string, obj mo.Reference) (types.AnyType, error) {
	task, ok := b.reg.Get(ref).(*simulator.Task)
	if !ok {
		return nil, fmt.Errorf("%s on %s: task %s not found", method, obj.Reference(), ref)
	}
	lock := &simulator.Context{}
	pause := 20 * time.Microsecond
	for {
		var info types.TaskInfo
		b.reg.WithLock(lock, task, func() { info = task.Info })
		switch info.State {
		case types.TaskInfoStateSuccess:
			return info.Result, nil
		case types.TaskInfoStateError:
			msg := "failed"
			if info.Error != nil {
				msg = fmt.Sprintf("%T", info.Error.Fault)
			}
			return nil, fmt.Errorf("%s on %s: %s", method, obj.Reference(), msg)
		}
		time.Sleep(pause)
		pause = min(2*pause, 2*time.Millisecond)
	}
}

// settle waits for every task in the registry, including tasks that tasks started.
func (b *builder) settle() error {
	for _, obj := range b.reg.AllReference("Task") {
		if _, err := b.wait(obj.Reference(), "task", obj); err != nil {
			return err
		}
	}
	return nil
}

func faultText(f *soap.Fault) string {
	if f.Detail.Fault != nil {
		if f.String != "" {
			return fmt.Sprintf("%T: %s", f.Detail.Fault, f.String)
		}
		return fmt.Sprintf("%T", f.Detail.Fault)
	}
	return f.String
}

// returnval is the managed object reference a method's response body returns.
func returnval(res soap.HasFault) types.ManagedObjectReference {
	return reflect.ValueOf(res).Elem().FieldByName("Res").Elem().FieldByName("Returnval").Interface().(types.ManagedObjectReference)
}

// build creates the whole site with n VMs.
func (b *builder) build(n int) error {
	b.n = n
	vms := b.bp.vms(n)
	steps := []struct {
		name string
		f    func() error
	}{
		{"datacenter", b.buildDatacenter},
		{"distributed switch", b.buildSwitch},
		{"clusters", b.buildClusters},
		{"datastores", b.buildDatastores},
		{"virtual machines", func() error { return b.buildVMs(vms) }},
		{"settle", b.settle},
	}
	for _, s := range steps {
		if err := s.f(); err != nil {
			return fmt.Errorf("%s: %s: %w", b.bp.id, s.name, err)
		}
	}
	b.finish(vms)
	return nil
}

func (b *builder) datastoreByName(name string) *simulator.Datastore {
	for _, ref := range b.dc.Datastore {
		if ds, ok := b.reg.Get(ref).(*simulator.Datastore); ok && ds.Name == name {
			return ds
		}
	}
	return nil
}

func refsOf[T mo.Reference](objs []T) []types.ManagedObjectReference {
	refs := make([]types.ManagedObjectReference, len(objs))
	for i, o := range objs {
		refs[i] = o.Reference()
	}
	return refs
}

func dedupe(refs []types.ManagedObjectReference) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	for _, r := range refs {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
