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
	plan  sitePlan
	model *simulator.Model
	reg   *simulator.Registry
	dir   string // datastore directories live here
	metro string // the stretched datastore's directory, shared with the other site
	calls atomic.Int64

	dc        *simulator.Datacenter
	vmFolders map[string]*simulator.Folder
	dvs       *simulator.DistributedVirtualSwitch
	portGroup map[int]*simulator.DistributedVirtualPortgroup // by VLAN ID
	clusters  []*simulator.ClusterComputeResource
	hosts     [][]*simulator.HostSystem // by cluster, then host index
	vms       map[string]*simulator.VirtualMachine
}

func newBuilder(ctx context.Context, bp siteBlueprint, plan sitePlan, model *simulator.Model, dir, metroDir string) *builder {
	return &builder{
		ctx:       ctx,
		bp:        bp,
		plan:      plan,
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

// build creates the whole site.
func (b *builder) build() error {
	vms := b.bp.vms(b.plan.vms)
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

// deepCopier copies values of the vim25 types (managed objects, their properties) by
// reflection: every pointer, slice, map and interface value of the copy is new, so the copy
// can change without touching the original. Unexported fields are copied as they are (a
// time.Time's location). It works out once per type what to copy; it is not safe for
// concurrent use.
type deepCopier struct {
	plans map[reflect.Type]*copyPlan
}

// copyPlan is how to copy a value of one type.
type copyPlan struct {
	refs   bool      // the value holds a pointer, slice, map or interface: copy it part by part
	elem   *copyPlan // of a pointer's, slice's, array's or map's elements
	fields []int     // a struct's exported fields that hold references
	plans  []*copyPlan
}

func newDeepCopier() *deepCopier { return &deepCopier{plans: map[reflect.Type]*copyPlan{}} }

func (c *deepCopier) plan(t reflect.Type) *copyPlan {
	if p, ok := c.plans[t]; ok {
		return p
	}
	p := &copyPlan{refs: true} // a type that contains itself does so through a pointer
	c.plans[t] = p
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		p.elem = c.plan(t.Elem())
	case reflect.Interface: // by the type of the value it holds
	case reflect.Array:
		p.elem = c.plan(t.Elem())
		p.refs = p.elem.refs
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				if fp := c.plan(f.Type); fp.refs {
					p.fields = append(p.fields, i)
					p.plans = append(p.plans, fp)
				}
			}
		}
		p.refs = len(p.fields) > 0
	default:
		p.refs = false
	}
	return p
}

// copy sets dst, a settable value of src's type, to a deep copy of src.
func (c *deepCopier) copy(dst, src reflect.Value, p *copyPlan) {
	if !p.refs {
		dst.Set(src)
		return
	}
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		n := reflect.New(src.Type().Elem())
		c.copy(n.Elem(), src.Elem(), p.elem)
		dst.Set(n)
	case reflect.Interface:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		v := src.Elem()
		vp := c.plan(v.Type())
		if !vp.refs {
			dst.Set(src)
			return
		}
		n := reflect.New(v.Type()).Elem()
		c.copy(n, v, vp)
		dst.Set(n)
	case reflect.Slice:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		n := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		if p.elem.refs {
			for i := range src.Len() {
				c.copy(n.Index(i), src.Index(i), p.elem)
			}
		} else {
			reflect.Copy(n, src)
		}
		dst.Set(n)
	case reflect.Map:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		n := reflect.MakeMapWithSize(src.Type(), src.Len())
		for it := src.MapRange(); it.Next(); {
			v := reflect.New(src.Type().Elem()).Elem()
			c.copy(v, it.Value(), p.elem)
			n.SetMapIndex(it.Key(), v)
		}
		dst.Set(n)
	case reflect.Array:
		for i := range src.Len() {
			c.copy(dst.Index(i), src.Index(i), p.elem)
		}
	case reflect.Struct:
		dst.Set(src) // the unexported fields too
		for k, i := range p.fields {
			c.copy(dst.Field(i), src.Field(i), p.plans[k])
		}
	default:
		dst.Set(src)
	}
}

// deepCopy returns a deep copy of *src (see deepCopier).
func deepCopy[T any](c *deepCopier, src *T) *T {
	dst := new(T)
	v := reflect.ValueOf(src).Elem()
	c.copy(reflect.ValueOf(dst).Elem(), v, c.plan(v.Type()))
	return dst
}
