package migrate

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// A watcher follows every running move task of one source vCenter through one property
// collector of its own (not the inventory's) over a ListView of those tasks: a task is
// added to the view as it starts, and each change of a task's info arrives as soon as
// vCenter has it. A session lasts at most watchSpan, then a new collector and view are made
// (the engine's calls have a deadline; a dropped session heals the same way).
const (
	watchSpan = 20 * time.Second
	watchWait = 2 // seconds: WaitForUpdatesEx's MaxWaitSeconds
)

type watcher struct {
	site    model.SiteID
	mu      sync.Mutex
	view    *view.ListView // nil between sessions
	running bool
}

// follow makes the site's watcher follow task (starting the watcher if it is not running).
func (m *Manager) follow(site model.SiteID, task types.ManagedObjectReference) {
	m.mu.Lock()
	w := m.watchers[site]
	if w == nil {
		w = &watcher{site: site}
		m.watchers[site] = w
	}
	ctx := m.ctx
	m.mu.Unlock()

	w.mu.Lock()
	v := w.view
	start := !w.running
	w.running = true
	w.mu.Unlock()
	if v != nil {
		// The watcher's session may end meanwhile; its next one adds every task anyway.
		_, _ = v.Add(ctx, []types.ManagedObjectReference{task})
	}
	if start {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.watch(ctx, w)
		}()
	}
}

// watch runs sessions until the site has no active task left or ctx ends.
func (m *Manager) watch(ctx context.Context, w *watcher) {
	defer func() {
		w.mu.Lock()
		w.running, w.view = false, nil
		w.mu.Unlock()
	}()
	for ctx.Err() == nil {
		m.mu.Lock()
		tasks := m.tasksAt(w.site)
		m.mu.Unlock()
		if len(tasks) == 0 {
			w.mu.Lock()
			// A task added since the check keeps the watcher: follow saw running == true.
			m.mu.Lock()
			again := len(m.tasksAt(w.site)) > 0
			m.mu.Unlock()
			if !again {
				w.running, w.view = false, nil
				w.mu.Unlock()
				return
			}
			w.mu.Unlock()
			continue
		}
		err := m.call(ctx, w.site, "follow moves", 5*time.Second, func(ctx context.Context, c *vim25.Client) error {
			return m.session(ctx, c, w)
		})
		if err != nil && ctx.Err() == nil {
			select { // the site is down or reconnecting: try again shortly
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// session is one collector and view over the site's active tasks, for up to watchSpan.
func (m *Manager) session(ctx context.Context, c *vim25.Client, w *watcher) error {
	pc, err := property.DefaultCollector(c).Create(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = pc.Destroy(context.WithoutCancel(ctx)) }()
	m.mu.Lock()
	tasks := m.tasksAt(w.site)
	m.mu.Unlock()
	lv, err := view.NewManager(c).CreateListView(ctx, tasks)
	if err != nil {
		return err
	}
	defer func() {
		w.mu.Lock()
		w.view = nil
		w.mu.Unlock()
		_ = lv.Destroy(context.WithoutCancel(ctx))
	}()
	w.mu.Lock()
	w.view = lv
	w.mu.Unlock()
	// A task started between reading the list and publishing the view is added now.
	m.mu.Lock()
	again := m.tasksAt(w.site)
	m.mu.Unlock()
	if len(again) != len(tasks) {
		if _, err := lv.Add(ctx, again); err != nil {
			return err
		}
	}

	_, err = pc.CreateFilter(ctx, types.CreateFilter{Spec: types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: lv.Reference(), Skip: types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ListView", Path: "view"}}}},
		PropSet: []types.PropertySpec{{Type: "Task", PathSet: []string{"info"}}},
	}})
	if err != nil {
		return err
	}
	wait := int32(watchWait)
	req := types.WaitForUpdatesEx{This: pc.Reference(), Options: &types.WaitOptions{MaxWaitSeconds: &wait}}
	deadline := time.Now().Add(watchSpan)
	for time.Now().Before(deadline) {
		res, err := methods.WaitForUpdatesEx(ctx, c, &req)
		if err != nil {
			return err
		}
		if set := res.Returnval; set != nil {
			req.Version = set.Version
			for _, fs := range set.FilterSet {
				for _, ou := range fs.ObjectSet {
					for _, ch := range ou.ChangeSet {
						if info, ok := ch.Val.(types.TaskInfo); ok && ch.Name == "info" {
							m.taskInfo(w.site, ou.Obj, info)
						}
					}
				}
			}
		}
		m.mu.Lock()
		left := len(m.tasksAt(w.site))
		m.mu.Unlock()
		if left == 0 {
			return nil
		}
	}
	return nil
}

// rateWindow is the least time a move's rate is measured over: vCenter's progress updates
// come in bursts (a busy vCenter, a collector's round trip), and a rate taken between two of
// a burst would be many times the truth. The governor counts the rates as the DCI traffic
// that is vmcross's own.
const rateWindow = 2 * time.Second

// taskInfo applies what vCenter says of a move's task.
func (m *Manager) taskInfo(site model.SiteID, task types.ManagedObjectReference, info types.TaskInfo) {
	m.mu.Lock()
	var mv *move
	for _, x := range m.moves {
		if x.task == task && x.m.From == site {
			mv = x
			break
		}
	}
	if mv == nil || !mv.m.State.Active() {
		m.mu.Unlock()
		return
	}
	switch info.State {
	case types.TaskInfoStateSuccess:
		if r, ok := info.Result.(types.ManagedObjectReference); ok {
			mv.m.TargetVM = model.Ref{Type: r.Type, Value: r.Value}
		}
		m.mu.Unlock()
		m.end(mv, model.MoveDone, "")
		return
	case types.TaskInfoStateError:
		st, why := model.MoveFailed, faultText(info.Error)
		if info.Error != nil {
			if _, ok := info.Error.Fault.(*types.RequestCanceled); ok {
				st = model.MoveCancelled
			}
		}
		m.mu.Unlock()
		m.end(mv, st, why)
		return
	}
	now := m.opts.Now()
	changed := false
	if info.Description != nil && info.Description.Message != "" && info.Description.Message != mv.m.Phase {
		mv.m.Phase, changed = info.Description.Message, true
		if strings.Contains(strings.ToLower(info.Description.Message), "switchover") && mv.m.State == model.MoveRunning {
			mv.m.State = model.MoveSwitchover
		}
	}
	if p := int(info.Progress); p > mv.m.Progress && p < 100 {
		if mv.stream.IsZero() {
			mv.stream = now
		}
		switch dt := now.Sub(mv.sample).Seconds(); {
		case mv.lastProg < 0: // re-attached: the first progress seen is the baseline
			mv.lastProg, mv.sample = p, now
		case dt >= rateWindow.Seconds() && mv.m.Bytes > 0:
			bps := float64(p-mv.lastProg) / 100 * float64(mv.m.Bytes) * 8 / dt
			if mv.rate == 0 {
				mv.rate = bps
			} else {
				mv.rate = 0.5*mv.rate + 0.5*bps
			}
			mv.m.RateMbps = int64(mv.rate / 1e6)
			mv.lastProg, mv.sample = p, now
		}
		if mv.rate > 0 {
			left := float64(100-p) / 100 * float64(mv.m.Bytes) * 8 / mv.rate
			mv.m.ETA = time.Duration(left * float64(time.Second)).Round(time.Second)
		}
		mv.m.Progress, changed = p, true
	}
	if !changed {
		m.mu.Unlock()
		return
	}
	list := m.snap()
	m.mu.Unlock()
	m.send(list)
}

// faultText is what a task's fault says, as vCenter words it.
func faultText(f *types.LocalizedMethodFault) string {
	if f == nil {
		return "the task failed without saying why"
	}
	if f.LocalizedMessage != "" {
		return f.LocalizedMessage
	}
	if f.Fault != nil {
		return strings.TrimPrefix(fmt.Sprintf("%T", f.Fault), "*types.")
	}
	return "the task failed without saying why"
}
