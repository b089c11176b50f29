package lab

import (
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// The lab answers a session's long poll (WaitForUpdatesEx) itself for the plainest changes:
// a new value of a property a filter asks for, by its exact path, of an object the filter
// has already reported. Everything else goes to the simulator's own collector as before.
//
// The simulator reads everything a collector's filters cover again for every change it has
// queued (relocate_announce.go): a console's ContainerView over 5,000 VMs costs about half a
// second of CPU a read, so a site of 5,000 VMs could follow about one change a second, and a
// storm of changes (BenchmarkConsoleStorm: 1,000 a second) left the engine half a minute
// behind with both cores busy. vCenter sends each change as it comes. A feed does that for
// the changes whose answer needs no read: the property change itself, as the simulator's
// filter would report it (PropertyFilter.apply passes a change whose name is a path of the
// filter's spec as it is). A change of an object a filter starts from or traverses (a
// ContainerView's view), of a type asked for all its properties, of a parent or a keyed
// path, of an object the filter has not reported yet, a new object and a removed one keep
// the simulator's way, and so do a session's first poll and the pages of an answer (the
// load).
//
// A feed is the registry's handler of its collector's changes (in place of the collector and
// of the quietCollector, whose filtering it keeps), and for the length of each long poll the
// session's registry holds a feedCollector in the collector's place (as relocate.go wraps a
// VM): its WaitForUpdatesEx answers what the feed has queued, or asks the simulator's
// collector for one round (20 ms) at a time, until the wait's end.

// feed is the lab's side of one session property collector that long-polls.
type feed struct {
	pc      *simulator.PropertyCollector
	session string // its session's key

	mu       sync.Mutex
	filters  map[types.ManagedObjectReference]*feedFilter
	queue    []queuedChange
	at       map[feedKey]int    // index into queue
	calls    int                // long polls in flight
	canceled bool               // CancelWaitForUpdates during a poll in flight
	paging   bool               // the last answer was a page of more (Truncated): the next is the simulator's
	pages    []*types.UpdateSet // the rest of the lab's own first answer (firstpoll.go), a page a poll
}

// feedFilter is one filter of the collector: what it asks for, and the objects it reported.
type feedFilter struct {
	wants interest
	known map[types.ManagedObjectReference]bool
}

type feedKey struct{ filter, obj types.ManagedObjectReference }

// queuedChange is the changes of one object for one filter, not yet answered.
type queuedChange struct {
	key     feedKey
	changes []types.PropertyChange
}

func newFeed(pc *simulator.PropertyCollector, session string) *feed {
	return &feed{pc: pc, session: session, filters: map[types.ManagedObjectReference]*feedFilter{},
		at: map[feedKey]int{}}
}

func (f *feed) Reference() types.ManagedObjectReference { return f.pc.Reference() }

// refresh reads the collector's filters again (its client may have created or destroyed some
// since its last poll), keeping what each reported. Its filters change by its client's calls,
// which come one after the other with its polls.
func (f *feed) refresh(ctx *simulator.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[types.ManagedObjectReference]bool{}
	for _, ref := range f.pc.Filter {
		pf, ok := ctx.Session.Get(ref).(*simulator.PropertyFilter)
		if !ok {
			continue
		}
		seen[ref] = true
		// The filter's own handler marks it for a whole new read when its view's members
		// change (see syncFree): a silent one takes its place.
		ctx.Map.AddHandler(syncFree{pf.Reference()})
		ff := f.filters[ref]
		if ff == nil {
			ff = &feedFilter{known: map[types.ManagedObjectReference]bool{}}
			f.filters[ref] = ff
		}
		ff.wants = interestIn([]types.PropertyFilterSpec{pf.Spec})
	}
	for ref := range f.filters {
		if !seen[ref] {
			delete(f.filters, ref)
			f.dropLocked(func(k feedKey) bool { return k.filter == ref })
		}
	}
}

// syncFree stands in the registry's handlers for a filter of a collector with a feed. The
// simulator's filter, told that the view it starts from changed (a VM created, moved in,
// destroyed), is read again whole at the next poll, under the filter's lock: a read that
// locks the view, while a change of the view holds the view's lock and waits for the
// filter's. With 5,000 VMs the read takes half a second, and moves on the 10,000-VM lab
// deadlocked a site (BenchmarkConsoleProgressLatency). Without that read the filter reports
// the same: the simulator's collector reads every object it covers for each change it
// queued, and enters each it has not reported (PropertyCollector.apply), and a removed object
// leaves it (its RemoveObject). The read also made the simulator send every object again and
// lose the removals of that round (inventory.go copes), which no longer happens.
type syncFree struct{ ref types.ManagedObjectReference }

func (s syncFree) Reference() types.ManagedObjectReference                             { return s.ref }
func (syncFree) PutObject(*simulator.Context, mo.Reference)                            {}
func (syncFree) RemoveObject(*simulator.Context, types.ManagedObjectReference)         {}
func (syncFree) UpdateObject(*simulator.Context, mo.Reference, []types.PropertyChange) {}

// PutObject passes a new object on to the collector when a filter may report it.
func (f *feed) PutObject(ctx *simulator.Context, o mo.Reference) {
	f.mu.Lock()
	wanted := false
	for _, ff := range f.filters {
		wanted = wanted || ff.wants.object(o)
	}
	f.mu.Unlock()
	if wanted {
		f.pc.PutObject(ctx, o)
	}
}

// RemoveObject forgets what was queued of the object, and passes its removal on.
func (f *feed) RemoveObject(ctx *simulator.Context, ref types.ManagedObjectReference) {
	f.mu.Lock()
	for _, ff := range f.filters {
		delete(ff.known, ref)
	}
	f.dropLocked(func(k feedKey) bool { return k.obj == ref })
	f.mu.Unlock()
	f.pc.RemoveObject(ctx, ref)
}

// UpdateObject queues a plain change for the filters that report it (see above), or passes
// it on to the collector, after what was queued of the same object (so the collector's
// answer, read later, comes after it).
func (f *feed) UpdateObject(ctx *simulator.Context, o mo.Reference, changes []types.PropertyChange) {
	ref := o.Reference()
	names := typeNames(o)
	f.mu.Lock()
	type hit struct {
		filter  types.ManagedObjectReference
		changes []types.PropertyChange
	}
	var hits []hit
	interested, plain := false, true
	for fref, ff := range f.filters {
		shown, exact, ok := ff.wants.classify(ref, names, changes)
		if !shown {
			continue
		}
		interested = true
		if !ok || !ff.known[ref] {
			plain = false
			break
		}
		hits = append(hits, hit{fref, exact})
	}
	if !interested {
		f.mu.Unlock()
		return // no filter reports it: as quietCollector
	}
	if plain {
		for _, h := range hits {
			f.queueLocked(feedKey{h.filter, ref}, h.changes)
		}
		f.mu.Unlock()
		return
	}
	var earlier []queuedChange
	f.dropLocked(func(k feedKey) bool {
		return k.obj == ref
	}, &earlier)
	f.mu.Unlock()
	for _, q := range earlier {
		f.pc.UpdateObject(ctx, o, q.changes)
	}
	f.pc.UpdateObject(ctx, o, changes)
}

// queueLocked adds changes to what is queued for key: a new value of a property replaces the
// one queued.
func (f *feed) queueLocked(key feedKey, changes []types.PropertyChange) {
	i, ok := f.at[key]
	if !ok {
		f.at[key] = len(f.queue)
		f.queue = append(f.queue, queuedChange{key: key, changes: append([]types.PropertyChange(nil), changes...)})
		return
	}
	q := &f.queue[i]
next:
	for _, c := range changes {
		for j := range q.changes {
			if q.changes[j].Name == c.Name {
				q.changes[j] = c
				continue next
			}
		}
		q.changes = append(q.changes, c)
	}
}

// dropLocked takes out of the queue what drop says, handing it to into (when given) in order.
func (f *feed) dropLocked(drop func(feedKey) bool, into ...*[]queuedChange) {
	kept := f.queue[:0]
	for _, q := range f.queue {
		if drop(q.key) {
			if len(into) > 0 {
				*into[0] = append(*into[0], q)
			}
			continue
		}
		kept = append(kept, q)
	}
	clear(f.queue[len(kept):])
	f.queue = kept
	clear(f.at)
	for i, q := range f.queue {
		f.at[q.key] = i
	}
}

// take returns what is queued as an update set, and empties the queue; nil when nothing is.
// It also says whether the poll in flight was cancelled.
func (f *feed) take() (set *types.UpdateSet, canceled bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.canceled {
		return nil, true
	}
	if len(f.queue) == 0 {
		return nil, false
	}
	set = &types.UpdateSet{}
	byFilter := map[types.ManagedObjectReference]int{}
	for _, q := range f.queue {
		i, ok := byFilter[q.key.filter]
		if !ok {
			i = len(set.FilterSet)
			byFilter[q.key.filter] = i
			set.FilterSet = append(set.FilterSet, types.PropertyFilterUpdate{Filter: q.key.filter})
		}
		set.FilterSet[i].ObjectSet = append(set.FilterSet[i].ObjectSet,
			types.ObjectUpdate{Kind: types.ObjectUpdateKindModify, Obj: q.key.obj, ChangeSet: q.changes})
	}
	f.queue = nil
	clear(f.at)
	return set, false
}

// learn records what an answer of the simulator's collector reported: the objects each
// filter entered and left, and whether more pages follow.
func (f *feed) learn(body soap.HasFault) {
	b, ok := body.(*methods.WaitForUpdatesExBody)
	if !ok || b.Fault_ != nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paging = false
	if b.Res == nil || b.Res.Returnval == nil {
		return
	}
	set := b.Res.Returnval
	f.paging = set.Truncated != nil && *set.Truncated
	for _, fu := range set.FilterSet {
		ff := f.filters[fu.Filter]
		if ff == nil {
			continue // created since the poll began: the next poll reads it
		}
		for _, ou := range fu.ObjectSet {
			switch ou.Kind {
			case types.ObjectUpdateKindEnter:
				ff.known[ou.Obj] = true
			case types.ObjectUpdateKindLeave:
				delete(ff.known, ou.Obj)
			}
		}
	}
}

// classify says whether a change of the object ref (of types names) may show in the
// filter's reports (shown), and if so whether the filter would report it as it is (ok):
// only the changes whose name is one of the filter's paths for the type (exact), of an object
// the filter neither starts from nor traverses, nor asks all properties of.
func (in interest) classify(ref types.ManagedObjectReference, names []string, changes []types.PropertyChange) (shown bool, exact []types.PropertyChange, ok bool) {
	if in.objects[ref] {
		return true, nil, false
	}
	var paths []string
	for _, kind := range names {
		if in.traversed[kind] || in.all[kind] {
			return true, nil, false
		}
		paths = append(paths, in.paths[kind]...)
	}
	ok = true
	for _, c := range changes {
		isExact, isRelated := false, false
		for _, p := range paths {
			if c.Name == p {
				isExact = true
				break
			}
			isRelated = isRelated || related(c.Name, p)
		}
		switch {
		case isExact:
			shown = true
			exact = append(exact, c)
		case isRelated:
			shown, ok = true, false
		}
	}
	return shown, exact, ok
}

// feedCollector is a session's property collector for the length of one long poll (see
// above). It never enters the main registry.
type feedCollector struct {
	*simulator.PropertyCollector
	feed *feed
	site *site
}

// WaitForUpdatesEx answers the long poll: the simulator's answer for a first poll and the
// pages of an answer, else the feed's queued changes as soon as there are some, or the
// simulator's answer of a round that has changes, or no change at the wait's end.
func (w *feedCollector) WaitForUpdatesEx(ctx *simulator.Context, r *types.WaitForUpdatesEx) soap.HasFault {
	defer w.site.unwrapFeed(ctx, w)
	f := w.feed
	f.mu.Lock()
	paging := f.paging
	f.mu.Unlock()
	if r.Version != "" {
		if set := f.nextPage(); set != nil {
			return &methods.WaitForUpdatesExBody{Res: &types.WaitForUpdatesExResponse{Returnval: set}}
		}
	}
	if r.Version == "" {
		if body := w.firstPoll(ctx); body != nil {
			f.learn(body)
			ctx.Map.AddHandler(f) // where the simulator's first poll puts the collector
			set := body.Res.Returnval
			f.mu.Lock()
			f.pages = pageUpdates(set, maxObjectUpdates(r))
			first := f.pages[0]
			f.pages = f.pages[1:]
			f.mu.Unlock()
			return &methods.WaitForUpdatesExBody{Res: &types.WaitForUpdatesExResponse{Returnval: first}}
		}
	}
	if r.Version == "" || paging {
		body := w.PropertyCollector.WaitForUpdatesEx(ctx, r)
		f.learn(body)
		if r.Version == "" {
			ctx.Map.AddHandler(f) // in the collector's place, which its first poll put there
		}
		return body
	}
	var deadline time.Time
	once := false
	if o := r.Options; o != nil && o.MaxWaitSeconds != nil {
		once = *o.MaxWaitSeconds == 0
		deadline = time.Now().Add(time.Duration(*o.MaxWaitSeconds) * time.Second)
	}
	// Between looks at the feed's queue, one round of the simulator's (MaxWaitSeconds 0: it
	// gathers changes for 20 ms, then answers what it has).
	round := *r
	zero := int32(0)
	round.Options = &types.WaitOptions{MaxWaitSeconds: &zero}
	if r.Options != nil {
		round.Options.MaxObjectUpdates = r.Options.MaxObjectUpdates
	}
	for {
		set, canceled := f.take()
		switch {
		case canceled:
			return &methods.WaitForUpdatesExBody{Fault_: simulator.Fault("", new(types.RequestCanceled))}
		case set != nil:
			set.Version = r.Version
			return &methods.WaitForUpdatesExBody{Res: &types.WaitForUpdatesExResponse{Returnval: set}}
		}
		body := w.PropertyCollector.WaitForUpdatesEx(ctx, &round)
		if b, ok := body.(*methods.WaitForUpdatesExBody); !ok || b.Fault_ != nil || (b.Res != nil && b.Res.Returnval != nil) {
			f.learn(body)
			return body
		}
		select {
		case <-w.site.closing:
			return &methods.WaitForUpdatesExBody{Res: &types.WaitForUpdatesExResponse{}}
		default:
		}
		if once || (!deadline.IsZero() && !time.Now().Before(deadline)) {
			return &methods.WaitForUpdatesExBody{Res: &types.WaitForUpdatesExResponse{}}
		}
	}
}

// nextPage takes the next page of the lab's own first answer, nil when none is left.
func (f *feed) nextPage() *types.UpdateSet {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.pages) == 0 {
		return nil
	}
	set := f.pages[0]
	f.pages = f.pages[1:]
	return set
}

// maxObjectUpdates is how many objects an answer to r may hold: as the simulator pages,
// vCenter's default of 100 unless the client asks for fewer.
func maxObjectUpdates(r *types.WaitForUpdatesEx) int {
	if o := r.Options; o != nil && o.MaxObjectUpdates > 0 && o.MaxObjectUpdates < 100 {
		return int(o.MaxObjectUpdates)
	}
	return 100
}

// pageUpdates splits set into pages of at most n object updates, each but the last marked
// Truncated (more follow), in order.
func pageUpdates(set *types.UpdateSet, n int) []*types.UpdateSet {
	var pages []*types.UpdateSet
	cur := &types.UpdateSet{Version: set.Version}
	count := 0
	for _, fu := range set.FilterSet {
		for len(fu.ObjectSet) > 0 {
			if count == n {
				pages = append(pages, cur)
				cur, count = &types.UpdateSet{Version: set.Version}, 0
			}
			take := min(n-count, len(fu.ObjectSet))
			cur.FilterSet = append(cur.FilterSet, types.PropertyFilterUpdate{Filter: fu.Filter, ObjectSet: fu.ObjectSet[:take]})
			fu.ObjectSet = fu.ObjectSet[take:]
			count += take
		}
	}
	pages = append(pages, cur)
	for _, p := range pages[:len(pages)-1] {
		p.Truncated = types.NewBool(true)
	}
	return pages
}

// feedFor puts a feedCollector in the caller's session registry in place of the session's
// collector the long poll m is made on, for the length of the call, and makes the collector's
// feed the registry's handler of its changes after its first poll. It returns nil (the call
// goes to the simulator as it is) for a collector that is not the session's own (the default
// collector).
func (s *site) feedFor(ctx *simulator.Context, m *simulator.Method) mo.Reference {
	pc := sessionCollector(ctx, m)
	if pc == nil {
		return nil
	}
	s.mu.Lock()
	f := s.feeds[pc]
	if f == nil {
		f = newFeed(pc, ctx.Session.Key)
		s.feeds[pc] = f
	}
	s.mu.Unlock()
	f.refresh(ctx)
	if !firstPoll(m) {
		ctx.Map.AddHandler(f) // a new poll of a known collector: its first put the collector there
	}
	w := &feedCollector{PropertyCollector: pc, feed: f, site: s}
	f.mu.Lock()
	f.calls++
	f.canceled = false
	if f.calls == 1 {
		ctx.Session.Registry.Put(w)
	}
	f.mu.Unlock()
	return w
}

// sessionCollector is the session's own property collector m is called on (itself, or
// behind the feedCollector of a poll in flight); nil for any other object.
func sessionCollector(ctx *simulator.Context, m *simulator.Method) *simulator.PropertyCollector {
	if ctx.Session == nil {
		return nil
	}
	switch obj := ctx.Session.Registry.Get(m.This).(type) {
	case *simulator.PropertyCollector:
		return obj
	case *feedCollector:
		return obj.PropertyCollector
	}
	return nil
}

// unwrapFeed ends one long poll: the collector is back in its session's registry with the
// last one.
func (s *site) unwrapFeed(ctx *simulator.Context, w *feedCollector) {
	f := w.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls--; f.calls <= 0 {
		f.calls, f.canceled = 0, false
		ctx.Session.Registry.Put(w.PropertyCollector)
	}
}

// cancelFeed marks the long poll in flight on the collector as cancelled, if there is one.
func (s *site) cancelFeed(ctx *simulator.Context, m *simulator.Method) {
	pc := sessionCollector(ctx, m)
	if pc == nil {
		return
	}
	s.mu.Lock()
	f := s.feeds[pc]
	s.mu.Unlock()
	if f == nil {
		return
	}
	f.mu.Lock()
	if f.calls > 0 {
		f.canceled = true // the poll's next look at the queue ends it
	}
	f.mu.Unlock()
}

// logoutDrain bounds how long a Logout waits for its session's long polls (drainFeeds).
const logoutDrain = 2 * time.Second

// drainFeeds cancels the long polls of a session in flight and waits, up to limit, until they
// have returned. A Logout does it first: the simulator's Logout holds the session's registry
// while it removes the session's views, which takes each view's lock; a switchover of a VM
// (relocate_commit.go) holds a view's lock while it tells the session's filter, whose lock a
// poll in flight holds while it looks objects up in the session's registry. With the polls
// ended, no such cycle remains (a console that quit during a switchover hung both).
func (s *site) drainFeeds(session string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for {
		busy := false
		s.mu.Lock()
		for _, f := range s.feeds {
			if f.session != session {
				continue
			}
			f.mu.Lock()
			if f.calls > 0 {
				f.canceled, busy = true, true
			}
			f.mu.Unlock()
		}
		s.mu.Unlock()
		if !busy || !time.Now().Before(deadline) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// forgetFeeds drops the feeds of a session that logged out, and takes them out of the
// registry's handlers: nobody will read what they would queue.
func (s *site) forgetFeeds(ctx *simulator.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for pc, f := range s.feeds {
		if f.session == ctx.Session.Key {
			ctx.Map.RemoveHandler(f)
			delete(s.feeds, pc)
		}
	}
}
