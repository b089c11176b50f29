package lab

import (
	"reflect"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// What the lab's relocations announce (each task's progress and phase, every list the VM
// leaves and joins) reaches the property collectors that can use it, and no others.
//
// The simulator queues every change of every object for every property collector that has
// long-polled (WaitForUpdatesEx), and for each change it queued, at the collector's next
// poll, it reads again everything the collector's filters cover (PropertyCollector.apply),
// whatever the change was about: a console's inventory, a ContainerView over every VM, host
// and datastore of a vCenter, is read whole for every progress tick of every relocation.
// vCenter does no such thing. With eight relocations on the lab that is most of the CPU, and
// under -race the console's view of a site fell 10–30 s behind them.
//
// So, from its second long poll on (the first one puts the collector itself in the registry's
// handlers), a collector receives its changes through a quietCollector, which drops the
// changes no filter of the collector can report: those of an object whose type (or a type it
// embeds, as vCenter's ManagedEntity) no filter asks properties of, or whose changed
// properties are none of the ones asked for, and the creation of such an object; except the
// changes of the objects a filter starts from or traverses (a ContainerView's view, a
// Folder's children), which decide what the filter covers. Removals always get through (they
// cost no read). What a collector reports is the simulator's own answer; only the reads that
// could not change it are spared.

// quietCollector is a property collector's handler of the registry's changes: it passes on
// those its filters may report (wants) and drops the others.
type quietCollector struct {
	pc    *simulator.PropertyCollector
	wants interest
}

func (q *quietCollector) Reference() types.ManagedObjectReference { return q.pc.Reference() }

func (q *quietCollector) PutObject(ctx *simulator.Context, o mo.Reference) {
	if q.wants.object(o) {
		q.pc.PutObject(ctx, o)
	}
}

func (q *quietCollector) RemoveObject(ctx *simulator.Context, ref types.ManagedObjectReference) {
	q.pc.RemoveObject(ctx, ref)
}

func (q *quietCollector) UpdateObject(ctx *simulator.Context, o mo.Reference, changes []types.PropertyChange) {
	if q.wants.change(o, changes) {
		q.pc.UpdateObject(ctx, o, changes)
	}
}

// interest is what a collector's filters may report: the properties asked of each type, the
// types traversed, and the objects the filters start from.
type interest struct {
	paths     map[string][]string // by type: the paths asked for (nil with All)
	all       map[string]bool     // types asked for all their properties
	traversed map[string]bool     // types a traversal spec goes through
	objects   map[types.ManagedObjectReference]bool
}

// interestOf is what the filters of pc may report, read in its session (ctx).
func interestOf(ctx *simulator.Context, pc *simulator.PropertyCollector) interest {
	var specs []types.PropertyFilterSpec
	for _, ref := range pc.Filter {
		if f, ok := ctx.Session.Get(ref).(*simulator.PropertyFilter); ok {
			specs = append(specs, f.Spec)
		}
	}
	return interestIn(specs)
}

// interestIn is what filters of these specs may report.
func interestIn(specs []types.PropertyFilterSpec) interest {
	in := interest{paths: map[string][]string{}, all: map[string]bool{}, traversed: map[string]bool{},
		objects: map[types.ManagedObjectReference]bool{}}
	for _, spec := range specs {
		for _, p := range spec.PropSet {
			if p.All != nil && *p.All {
				in.all[p.Type] = true
			}
			in.paths[p.Type] = append(in.paths[p.Type], p.PathSet...)
		}
		for _, o := range spec.ObjectSet {
			in.objects[o.Obj] = true
			in.traverse(o.SelectSet)
		}
	}
	return in
}

func (in interest) traverse(set []types.BaseSelectionSpec) {
	for _, s := range set {
		if ts, ok := s.(*types.TraversalSpec); ok && !in.traversed[ts.Type] {
			in.traversed[ts.Type] = true
			in.traverse(ts.SelectSet)
		}
	}
}

// object says whether a new object o may be reported by the collector's filters, or change
// what they cover: whether any filter asks properties of its type, or traverses it.
func (in interest) object(o mo.Reference) bool {
	if in.objects[o.Reference()] {
		return true
	}
	for _, kind := range typeNames(o) {
		if _, ok := in.paths[kind]; ok || in.traversed[kind] || in.all[kind] {
			return true
		}
	}
	return false
}

// change says whether a change of o may be reported by, or change what is covered by, the
// collector's filters (see above).
func (in interest) change(o mo.Reference, changes []types.PropertyChange) bool {
	ref := o.Reference()
	if in.objects[ref] {
		return true
	}
	for _, kind := range typeNames(o) {
		if in.traversed[kind] || in.all[kind] {
			return true
		}
		paths, ok := in.paths[kind]
		if !ok {
			continue
		}
		for _, c := range changes {
			for _, p := range paths {
				if related(c.Name, p) {
					return true
				}
			}
		}
	}
	return false
}

// related says whether a change of property name may show in path: the same property, one
// inside the other ("runtime" and "runtime.powerState"), or a keyed element ("a[k].b").
func related(name, path string) bool {
	return strings.HasPrefix(name, path) || strings.HasPrefix(path, name) || strings.Contains(name, "[") || strings.Contains(path, "[")
}

// typeNames are the names a filter may give o's type by: its MoRef's type and the types its
// managed-object struct embeds (VirtualMachine, ManagedEntity, ExtensibleManagedObject).
func typeNames(o mo.Reference) []string {
	t := reflect.TypeOf(o)
	if names, ok := typeNameCache.Load(t); ok {
		return append([]string{o.Reference().Type}, names.([]string)...)
	}
	var names []string
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return
		}
		names = append(names, t.Name())
		for i := range t.NumField() {
			if f := t.Field(i); f.Anonymous {
				walk(f.Type)
			}
		}
	}
	walk(t)
	typeNameCache.Store(t, names)
	return append([]string{o.Reference().Type}, names...)
}

// typeNameCache holds typeNames by Go type: the same for every lab of the process.
var typeNameCache sync.Map

// quiet makes the collector a long poll (WaitForUpdatesEx, WaitForUpdates) is made on
// receive the registry's changes through a quietCollector with its filters' current
// interest, once the simulator has put it in the registry's handlers (its first poll).
func quiet(ctx *simulator.Context, m *simulator.Method) {
	if ctx.Session == nil {
		return
	}
	pc, ok := ctx.Session.Get(m.This).(*simulator.PropertyCollector)
	if !ok || firstPoll(m) {
		return
	}
	// A collector has no lock of its own (the simulator's opts out); its filters change by
	// its client's calls, which come one after the other with its polls.
	ctx.Map.AddHandler(&quietCollector{pc: pc, wants: interestOf(ctx, pc)})
}

// firstPoll says whether the long poll is a collector's first: no version yet.
func firstPoll(m *simulator.Method) bool {
	switch req := m.Body.(type) {
	case *types.WaitForUpdatesEx:
		return req.Version == ""
	case *types.WaitForUpdates:
		return req.Version == ""
	}
	return true
}
