package lab

import (
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// The lab answers a session's first long poll itself when each of its collector's filters
// has the shape a console's inventory uses: one ContainerView, skipped, traversed by its
// "view", and properties named by path. The simulator's answer is the same (TestFirstPoll
// compares the two as a client reads them), but it copies every value it reads through an
// XML encoding and decoding (its deepCopy): for a site of 5,000 VMs that was most of the 2.8 s
// of CPU the lab's two vCenters spent loading vmcross (BenchmarkEngineLoad10k). A vCenter
// answers from its cache. The lab reads the same fields under each object's lock, as the
// simulator does, and copies them by reflection. The answer is not paged (the simulator pages
// 100 objects at a time; a vCenter's page size is its own): the client reads it whole either
// way. Any other shape, or an object of a kind the copy does not know, goes to the simulator.

// slowFirstPoll turns the lab's own first poll off (a test compares the two answers);
// ownFirstPolls counts the first polls the lab answered itself.
var (
	slowFirstPoll atomic.Bool
	ownFirstPolls atomic.Int64
)

// firstPoll answers the first long poll of w's collector, or returns nil for the simulator
// to.
func (w *feedCollector) firstPoll(ctx *simulator.Context) *methods.WaitForUpdatesExBody {
	if slowFirstPoll.Load() {
		return nil
	}
	type job struct {
		ref    types.ManagedObjectReference
		filter *simulator.PropertyFilter
		view   []types.ManagedObjectReference
	}
	var jobs []job
	for _, ref := range w.PropertyCollector.Filter {
		pf, ok := ctx.Session.Get(ref).(*simulator.PropertyFilter)
		if !ok {
			return nil
		}
		view, ok := viewOf(ctx, pf.Spec)
		if !ok || filterRefs(pf) == nil {
			return nil
		}
		jobs = append(jobs, job{ref, pf, view})
	}
	set := &types.UpdateSet{Version: "-"}
	for _, j := range jobs {
		fu := types.PropertyFilterUpdate{Filter: j.ref}
		for _, ref := range j.view {
			ou, ok := collectOne(ctx, ref, j.filter.Spec.PropSet)
			if !ok {
				return nil
			}
			if ou != nil {
				fu.ObjectSet = append(fu.ObjectSet, *ou)
			}
		}
		if len(fu.ObjectSet) > 0 {
			set.FilterSet = append(set.FilterSet, fu)
		}
	}
	// The filters now know what they reported, as the simulator's own first poll leaves them.
	for i, j := range jobs {
		refs := filterRefs(j.filter)
		for _, fu := range set.FilterSet {
			if fu.Filter != jobs[i].ref {
				continue
			}
			for _, ou := range fu.ObjectSet {
				refs[ou.Obj] = struct{}{}
			}
		}
	}
	ownFirstPolls.Add(1)
	return &methods.WaitForUpdatesExBody{Res: &types.WaitForUpdatesExResponse{Returnval: set}}
}

// viewOf is the members of the ContainerView a filter spec starts from, when the spec has
// the inventory's shape (see above).
func viewOf(ctx *simulator.Context, spec types.PropertyFilterSpec) ([]types.ManagedObjectReference, bool) {
	if len(spec.ObjectSet) != 1 {
		return nil, false
	}
	os := spec.ObjectSet[0]
	if os.Obj.Type != "ContainerView" || os.Skip == nil || !*os.Skip || len(os.SelectSet) != 1 {
		return nil, false
	}
	ts, ok := os.SelectSet[0].(*types.TraversalSpec)
	if !ok || ts.Type != "ContainerView" || ts.Path != "view" || len(ts.SelectSet) > 0 || (ts.Skip != nil && *ts.Skip) {
		return nil, false
	}
	for _, p := range spec.PropSet {
		if p.All != nil && *p.All {
			return nil, false
		}
		for _, path := range p.PathSet {
			if strings.ContainsAny(path, "[]") {
				return nil, false // keyed paths
			}
		}
	}
	cv, ok := ctx.Session.Get(os.Obj).(*simulator.ContainerView)
	if !ok {
		return nil, false
	}
	var view []types.ManagedObjectReference
	ctx.WithLock(cv, func() { view = append(view, cv.View...) })
	return view, true
}

// collectOne reads the properties of ref that specs ask for, as the simulator's collector
// does: nil when no spec is of its type; false when the lab cannot read it itself.
func collectOne(ctx *simulator.Context, ref types.ManagedObjectReference, specs []types.PropertySpec) (*types.ObjectUpdate, bool) {
	obj := ctx.Session.Get(ref)
	if obj == nil {
		return nil, true // gone meanwhile: the simulator skips it too
	}
	ok := true
	var ou *types.ObjectUpdate
	ctx.WithLock(obj, func() {
		rval := moValue(obj)
		if !rval.IsValid() {
			ok = false
			return
		}
		rtype := rval.Type()
		seen := map[string]bool{}
		for _, p := range specs {
			if p.Type != ref.Type && p.Type != rtype.Name() {
				if f, found := rtype.FieldByName(p.Type); !found || !f.Anonymous {
					continue
				}
			}
			if ou == nil {
				ou = &types.ObjectUpdate{Kind: types.ObjectUpdateKindEnter, Obj: ref}
			}
			for _, path := range p.PathSet {
				if seen[path] {
					continue
				}
				seen[path] = true
				val, state := pathValue(rval, path)
				switch state {
				case pathFound:
					c, copied := copyValue(val)
					if !copied {
						ok = false
						return
					}
					ou.ChangeSet = append(ou.ChangeSet, types.PropertyChange{Name: path, Op: types.PropertyChangeOpAssign, Val: c})
				case pathEmpty:
					ou.ChangeSet = append(ou.ChangeSet, types.PropertyChange{Name: path, Op: types.PropertyChangeOpAssign})
				default:
					ok = false // a missing or invalid path: the simulator says how
					return
				}
			}
		}
	})
	return ou, ok
}

// moValue is the managed object inside a registry object (the simulator's types embed their
// mo type first).
func moValue(obj any) reflect.Value {
	rval := reflect.ValueOf(obj)
	if rval.Kind() != reflect.Pointer {
		return reflect.Value{}
	}
	rval = rval.Elem()
	for i := 0; i < 8; i++ {
		rtype := rval.Type()
		if strings.HasSuffix(rtype.PkgPath(), "/vim25/mo") {
			return rval
		}
		if rtype.Kind() != reflect.Struct || rtype.NumField() == 0 {
			return reflect.Value{}
		}
		rval = rval.Field(0)
		if rval.Kind() == reflect.Pointer {
			if rval.IsNil() {
				return reflect.Value{}
			}
			rval = rval.Elem()
		}
	}
	return reflect.Value{}
}

type pathState int

const (
	pathFound pathState = iota
	pathEmpty           // the simulator sends the property with no value
	pathOther           // missing or invalid: the simulator's answer
)

// pathValue is the value at a dotted path of properties, as the simulator's fieldValue reads
// it: a nil pointer or interface on the way is passed over, an empty string or nil pointer at
// a step is an empty property, a slice before the last step is invalid.
func pathValue(rval reflect.Value, path string) (any, pathState) {
	names := strings.Split(path, ".")
	for i, name := range names {
		kind := rval.Kind()
		if kind == reflect.Interface {
			if rval.IsNil() {
				continue
			}
			rval = rval.Elem()
			kind = rval.Kind()
		}
		if kind == reflect.Pointer {
			if rval.IsNil() {
				continue
			}
			rval = rval.Elem()
			kind = rval.Kind()
		}
		if kind != reflect.Struct {
			return nil, pathOther
		}
		f, found := fieldOf(rval.Type(), name)
		if !found {
			return nil, pathOther
		}
		val, err := rval.FieldByIndexErr(f.Index)
		if err != nil {
			return nil, pathOther
		}
		if (val.Kind() == reflect.Pointer && val.IsNil()) || (val.Kind() == reflect.String && val.Len() == 0) {
			return nil, pathEmpty
		}
		if i == len(names)-1 {
			if val.Kind() == reflect.Pointer {
				val = val.Elem()
			}
			return wrapSlice(val, f.Type)
		}
		rval = val
	}
	return nil, pathEmpty // every step passed over: the simulator sends no value
}

// fields caches fieldOf: FieldByName searches a struct and its embedded ones each time.
var fields sync.Map // fieldKey → fieldFound

type fieldKey struct {
	t    reflect.Type
	name string
}

type fieldFound struct {
	f     reflect.StructField
	found bool
}

// fieldOf is the field of struct type t a property name (lowerCamel) stands for.
func fieldOf(t reflect.Type, name string) (reflect.StructField, bool) {
	k := fieldKey{t, name}
	if v, ok := fields.Load(k); ok {
		ff := v.(fieldFound)
		return ff.f, ff.found
	}
	f, found := t.FieldByName(strings.ToUpper(name[:1]) + name[1:])
	fields.Store(k, fieldFound{f, found})
	return f, found
}

// wrapSlice is a value as a property collector sends it: a slice as its ArrayOf type.
func wrapSlice(val reflect.Value, declared reflect.Type) (any, pathState) {
	if val.Kind() != reflect.Slice {
		return val.Interface(), pathFound
	}
	switch v := val.Interface().(type) {
	case []string:
		return &types.ArrayOfString{String: v}, pathFound
	case []int32:
		return &types.ArrayOfInt{Int: v}, pathFound
	case []int64:
		return &types.ArrayOfLong{Long: v}, pathFound
	case []int16:
		return &types.ArrayOfShort{Short: v}, pathFound
	case []uint8:
		return &types.ArrayOfByte{Byte: v}, pathFound
	case types.ByteSlice:
		return &types.ArrayOfByte{Byte: v}, pathFound
	}
	kind := strings.TrimPrefix(declared.Elem().Name(), "Base")
	akind, ok := types.TypeFunc()("ArrayOf" + kind)
	if !ok {
		return nil, pathOther
	}
	a := reflect.New(akind)
	f := a.Elem().FieldByName(kind)
	if !f.IsValid() || !val.Type().AssignableTo(f.Type()) {
		return nil, pathOther
	}
	f.Set(val)
	return a.Interface(), pathFound
}

// copyValue is a deep copy of v (read under its object's lock, sent after it is released).
func copyValue(v any) (any, bool) {
	if v == nil {
		return nil, true
	}
	if plain(reflect.TypeOf(v)) {
		return v, true // a string, number, enum or MoRef: the interface holds its own copy
	}
	c, ok := deepValue(reflect.ValueOf(v), 0)
	if !ok {
		return nil, false
	}
	return c.Interface(), true
}

var timeType = reflect.TypeOf(time.Time{})

// plainTypes caches plain.
var plainTypes sync.Map // reflect.Type → bool

// plain says whether a value of type t shares nothing with the object it was read from:
// no pointer, slice, map or interface anywhere in it.
func plain(t reflect.Type) bool {
	if v, ok := plainTypes.Load(t); ok {
		return v.(bool)
	}
	p := plainKind(t, 0)
	plainTypes.Store(t, p)
	return p
}

func plainKind(t reflect.Type, depth int) bool {
	if depth > 16 {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if !plainKind(t.Field(i).Type, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

func deepValue(v reflect.Value, depth int) (reflect.Value, bool) {
	if depth > 32 {
		return reflect.Value{}, false
	}
	if v.Type() == timeType {
		out := reflect.New(v.Type()).Elem()
		out.Set(v) // a value with no pointers into the object
		return out, true
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v, true
		}
		e, ok := deepValue(v.Elem(), depth+1)
		if !ok {
			return reflect.Value{}, false
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(e)
		return p, true
	case reflect.Interface:
		if v.IsNil() {
			return v, true
		}
		e, ok := deepValue(v.Elem(), depth+1)
		if !ok {
			return reflect.Value{}, false
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(e)
		return out, true
	case reflect.Slice:
		if v.IsNil() {
			return v, true
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			e, ok := deepValue(v.Index(i), depth+1)
			if !ok {
				return reflect.Value{}, false
			}
			out.Index(i).Set(e)
		}
		return out, true
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := 0; i < v.NumField(); i++ {
			if !out.Field(i).CanSet() {
				return reflect.Value{}, false // unexported: not a vim25 type
			}
			e, ok := deepValue(v.Field(i), depth+1)
			if !ok {
				return reflect.Value{}, false
			}
			out.Field(i).Set(e)
		}
		return out, true
	case reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return reflect.Value{}, false
	}
	out := reflect.New(v.Type()).Elem()
	out.Set(v)
	return out, true
}

// filterRefs is the simulator filter's record of the objects it has reported (its refs),
// which its collector reads to tell an object that enters from one already sent. The
// simulator keeps it unexported; the lab's own first poll fills it as the simulator's would.
// It is nil when the simulator has no such field (another govmomi): the lab then leaves
// first polls to the simulator.
func filterRefs(pf *simulator.PropertyFilter) map[types.ManagedObjectReference]struct{} {
	f := reflect.ValueOf(pf).Elem().FieldByName("refs")
	if !f.IsValid() || f.Type() != reflect.TypeOf(map[types.ManagedObjectReference]struct{}(nil)) {
		return nil
	}
	m := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	if m.IsNil() {
		m.Set(reflect.MakeMap(f.Type()))
	}
	return m.Interface().(map[types.ManagedObjectReference]struct{})
}
