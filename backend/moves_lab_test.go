package backend_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/audit"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/migrate"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// moveRig is a lab (real-time vMotions), an engine on it with an audit log, and helpers.
type moveRig struct {
	l     *lab.Lab
	e     *backend.Engine
	audit string
}

func startMoveRig(t *testing.T) *moveRig {
	t.Helper()
	l, e := startLab(t, lab.Options{Speed: 1}, quickSites...)
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := e.EnableAudit(path); err != nil {
		t.Fatal(err)
	}
	return &moveRig{l: l, e: e, audit: path}
}

// migrate asks to move the named VMs of site-a to site-b, acknowledging every warning.
func (r *moveRig) migrate(t *testing.T, names ...string) (model.MigrateResult, error) {
	t.Helper()
	st := r.e.Snapshot()
	var keys []model.VMKey
	acked := map[model.VMKey][]string{}
	for _, n := range names {
		vm, ok := lookup(st, "site-a", n)
		if !ok {
			t.Fatalf("%s not at site-a", n)
		}
		keys = append(keys, vm.Key)
		// The test engine polls no switches; the storage of VMs on site-local datastores moves.
		acked[vm.Key] = []string{preflight.CodeFabricNotConfigured, preflight.CodeDatastoreNotShared}
	}
	return r.e.Migrate(context.Background(), tester, preflight.Request{VMs: keys, To: "site-b"}, acked)
}

// follow collects the move's states from the engine until it ends, and returns them.
func (r *moveRig) follow(t *testing.T, id string, during func(model.Move)) []model.Move {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var seen []model.Move
	for st := range r.e.Subscribe(ctx) {
		for _, m := range st.Moves {
			if m.ID != id {
				continue
			}
			if len(seen) == 0 || seen[len(seen)-1].Progress != m.Progress || seen[len(seen)-1].State != m.State {
				seen = append(seen, m)
				if during != nil {
					during(m)
				}
			}
			if !m.State.Active() {
				return seen
			}
		}
	}
	t.Fatalf("%s did not end: %+v", id, seen)
	return nil
}

// vmAt reads, at a site's vCenter, the VM of that name: its instance UUID and power state.
func vmAt(t *testing.T, r *moveRig, site model.SiteID, name string) (mo.VirtualMachine, bool) {
	t.Helper()
	c := otherClient(t, r.l, site)
	ctx := context.Background()
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()
	var vms []mo.VirtualMachine
	if err := v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "config.instanceUuid", "runtime.powerState", "parent"}, &vms); err != nil {
		t.Fatal(err)
	}
	for _, vm := range vms {
		if vm.Name == name {
			return vm, true
		}
	}
	return mo.VirtualMachine{}, false
}

func TestMoveEndToEnd(t *testing.T) {
	r := startMoveRig(t)
	before, _ := lookup(r.e.Snapshot(), "site-a", "web-01")
	res, err := r.migrate(t, "web-01")
	if err != nil || len(res.Moves) != 1 || len(res.Skipped) != 0 {
		t.Fatalf("migrate web-01: %+v, %v", res, err)
	}
	id := res.Moves[0].ID

	// A second start of the same VM is refused, by anyone, while it moves.
	if _, err := r.migrate(t, "web-01"); !errors.Is(err, migrate.ErrAlreadyMoving) {
		t.Fatalf("second start: want ErrAlreadyMoving, got %v", err)
	}

	seen := r.follow(t, id, nil)
	last := seen[len(seen)-1]
	if last.State != model.MoveDone || last.Progress != 100 || last.TargetVM.IsZero() || last.Task.IsZero() {
		t.Fatalf("move ended %+v", last)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i].Progress < seen[i-1].Progress {
			t.Fatalf("progress went down: %d then %d", seen[i-1].Progress, seen[i].Progress)
		}
	}
	if len(seen) < 5 {
		t.Errorf("only %d progress changes seen: %+v", len(seen), seen)
	}

	// At the target, by another client: same instance UUID, running; gone from the source.
	vm, ok := vmAt(t, r, "site-b", "web-01")
	if !ok || vm.Config == nil || vm.Config.InstanceUuid != before.InstanceUUID || vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		t.Fatalf("web-01 at site-b: %v %+v", ok, vm.Config)
	}
	if _, ok := vmAt(t, r, "site-a", "web-01"); ok {
		t.Fatal("web-01 still at site-a")
	}
	// Filed in the folder of the same name as at the source.
	c := otherClient(t, r.l, "site-b")
	var folder mo.Folder
	if vm.Parent == nil {
		t.Fatal("web-01 at site-b has no folder")
	}
	if err := property.DefaultCollector(c.Client).RetrieveOne(context.Background(), *vm.Parent, []string{"name"}, &folder); err != nil || folder.Name != "Production" {
		t.Errorf("web-01's folder at site-b: %q, %v; want Production", folder.Name, err)
	}
	// And in the engine's own inventory.
	r.mustState(t, "web-01 listed at site-b only", func(st model.State) bool {
		_, a := lookup(st, "site-a", "web-01")
		b, okB := lookup(st, "site-b", "web-01")
		return !a && okB && b.InstanceUUID == before.InstanceUUID
	})

	// The audit log: the command, then the move queued, started, done, in order.
	r.e.Close()
	recs, skipped, err := audit.Read(r.audit)
	if err != nil || skipped != 0 {
		t.Fatalf("audit: %v (%d skipped)", err, skipped)
	}
	var got []string
	for _, rec := range recs {
		line := rec.Action + " " + rec.Result
		if rec.Action == model.AuditCommand {
			line += " " + string(rec.Command)
		}
		if rec.VM != nil {
			line += " " + rec.VM.Name + " " + rec.VM.InstanceUUID + " " + string(rec.From) + "→" + string(rec.To)
		}
		if rec.Action == string(model.EventMoveStarted) || rec.Action == string(model.EventMoveDone) {
			line += fmt.Sprintf(" task:%v", rec.Task != "")
		}
		if rec.Action == string(model.EventMoveDone) {
			line += fmt.Sprintf(" duration:%v", rec.Duration > 0)
		}
		if rec.Operator.Name != tester.Name {
			line += " operator:" + rec.Operator.Name
		}
		if strings.HasPrefix(rec.Action, "move.") && strings.Join(rec.Acknowledged, ",") != preflight.CodeFabricNotConfigured+","+preflight.CodeDatastoreNotShared {
			line += fmt.Sprintf(" acknowledged:%q", rec.Acknowledged)
		}
		got = append(got, line)
	}
	u := before.InstanceUUID
	wantMove := []string{
		"move.queued queued web-01 " + u + " site-a→site-b",
		"move.started started web-01 " + u + " site-a→site-b task:true",
		"move.done ok web-01 " + u + " site-a→site-b task:true duration:true",
	}
	var moveLines, commandLines []string
	for _, l := range got {
		if strings.HasPrefix(l, "move.") {
			moveLines = append(moveLines, l)
		} else {
			commandLines = append(commandLines, l)
		}
	}
	if strings.Join(moveLines, "\n") != strings.Join(wantMove, "\n") {
		t.Errorf("audit move lines:\n%s\nwant\n%s", strings.Join(moveLines, "\n"), strings.Join(wantMove, "\n"))
	}
	wantCmd := []string{"command started migrate", "command ok migrate", "command started migrate"}
	if len(commandLines) != 4 || commandLines[0] != wantCmd[0] || commandLines[1] != wantCmd[1] || commandLines[2] != wantCmd[2] ||
		!strings.HasPrefix(commandLines[3], "command failed: ") || !strings.Contains(commandLines[3], "already queued or moving") {
		t.Errorf("audit command lines:\n%s", strings.Join(commandLines, "\n"))
	}
}

func TestMoveFailsWhenTheDCIBreaksMidCopy(t *testing.T) {
	r := startMoveRig(t)
	res, err := r.migrate(t, "k8s-worker-01") // 32 GiB: about 40 s at 9.4 Gbps
	if err != nil || len(res.Moves) != 1 {
		t.Fatalf("migrate: %+v, %v", res, err)
	}
	broke := false
	seen := r.follow(t, res.Moves[0].ID, func(m model.Move) {
		if !broke && m.Progress >= 3 {
			broke = true
			pfPresenter(t, r.l.Fabric(), pfMiaEdge, "configure terminal", "interface "+pfDCI, "shutdown", "end")
		}
	})
	t.Cleanup(func() {
		pfPresenter(t, r.l.Fabric(), pfMiaEdge, "configure terminal", "interface "+pfDCI, "no shutdown", "end")
	})
	last := seen[len(seen)-1]
	if last.State != model.MoveFailed || !strings.Contains(last.Err, "vMotion") || !strings.Contains(last.Err, pfDCI) {
		t.Fatalf("move ended %s: %q", last.State, last.Err)
	}
	vm, ok := vmAt(t, r, "site-a", "k8s-worker-01")
	if !ok || vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		t.Fatalf("k8s-worker-01 not running at site-a after the failure: %v", ok)
	}
	if _, ok := vmAt(t, r, "site-b", "k8s-worker-01"); ok {
		t.Fatal("k8s-worker-01 appeared at site-b")
	}
}

func TestMoveCancel(t *testing.T) {
	r := startMoveRig(t)
	res, err := r.migrate(t, "k8s-worker-02")
	if err != nil || len(res.Moves) != 1 {
		t.Fatalf("migrate: %+v, %v", res, err)
	}
	id := res.Moves[0].ID
	asked := false
	viewer := model.Operator{Name: "eve", From: "test", Role: model.RoleViewer}
	seen := r.follow(t, id, func(m model.Move) {
		if !asked && m.Progress >= 2 && m.State == model.MoveRunning {
			asked = true
			if err := r.e.CancelMove(context.Background(), viewer, id); !errors.Is(err, model.ErrNotAllowed) {
				t.Errorf("a viewer cancelled: %v", err)
			}
			if err := r.e.CancelMove(context.Background(), tester, id); err != nil {
				t.Errorf("cancel: %v", err)
			}
		}
	})
	last := seen[len(seen)-1]
	if last.State != model.MoveCancelled {
		t.Fatalf("move ended %s: %q", last.State, last.Err)
	}
	if vm, ok := vmAt(t, r, "site-a", "k8s-worker-02"); !ok || vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		t.Fatal("k8s-worker-02 not running at site-a after the cancel")
	}
	// Ended, it may be moved again.
	if _, err := r.migrate(t, "k8s-worker-02"); err != nil {
		t.Fatalf("a cancelled move's VM could not be started again: %v", err)
	}
}

func (r *moveRig) mustState(t *testing.T, what string, ok func(model.State) bool) model.State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), liveWithin)
	defer cancel()
	for st := range r.e.Subscribe(ctx) {
		if ok(st) {
			return st
		}
	}
	t.Fatalf("%s: not within %s", what, liveWithin)
	return model.State{}
}

// BenchmarkMoveProgressLatency measures how long a move's progress takes from the lab's task
// (read in process, every millisecond, under the task's lock) to the engine's State: the
// engine's share of "a progress change reaches the screen" (the console then draws at most
// 50 ms later, at 20 frames a second). It reports the median and the worst, in ms.
func BenchmarkMoveProgressLatency(b *testing.B) {
	var lat []time.Duration
	for i := 0; i < b.N; i++ {
		l, e := startLab(b, lab.Options{Speed: 1}, quickSites...)
		st := e.Snapshot()
		vm, _ := lookup(st, "site-a", "web-01")
		acked := map[model.VMKey][]string{vm.Key: {preflight.CodeFabricNotConfigured}}
		res, err := e.Migrate(context.Background(), tester, preflight.Request{VMs: []model.VMKey{vm.Key}, To: "site-b"}, acked)
		if err != nil || len(res.Moves) != 1 {
			b.Fatalf("migrate: %+v %v", res, err)
		}
		id := res.Moves[0].ID

		truth := map[int]time.Time{} // progress → when the lab's task first had it
		engine := map[int]time.Time{}
		var mu sync.Mutex
		done := make(chan struct{})
		go func() { // the engine's side
			defer close(done)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			for st := range e.Subscribe(ctx) {
				now := time.Now()
				for _, m := range st.Moves {
					if m.ID != id {
						continue
					}
					mu.Lock()
					if _, ok := engine[m.Progress]; !ok {
						engine[m.Progress] = now
					}
					mu.Unlock()
					if !m.State.Active() {
						return
					}
				}
			}
		}()
		// The lab's side: the task, once the engine names it.
		reg := l.Model("site-a").Map()
		var task types.ManagedObjectReference
		for task.Value == "" {
			for _, m := range e.Snapshot().Moves {
				if m.ID == id && !m.Task.IsZero() {
					task = types.ManagedObjectReference{Type: m.Task.Type, Value: m.Task.Value}
				}
			}
			time.Sleep(time.Millisecond)
		}
		lock := &simulator.Context{}
	poll:
		for {
			select {
			case <-done:
				break poll
			default:
			}
			if obj := reg.Get(task); obj != nil {
				var p int
				reg.WithLock(lock, obj, func() { p = int(obj.(*simulator.Task).Info.Progress) })
				if _, ok := truth[p]; !ok {
					truth[p] = time.Now()
				}
			}
			time.Sleep(time.Millisecond)
		}
		for p, at := range truth {
			if seen, ok := engine[p]; ok && p > 0 && p < 100 {
				lat = append(lat, seen.Sub(at))
			}
		}
		e.Close()
	}
	if len(lat) == 0 {
		b.Fatal("no progress value seen at both ends")
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(len(lat))/float64(b.N), "samples/op")
}

// A move started by an engine that then dies (no logout, nothing more) is re-attached by a
// new engine from its journaled record and followed to its end; it is never started twice.
func TestMoveAdoptedAfterACrash(t *testing.T) {
	r := startMoveRig(t)
	res, err := r.migrate(t, "app-06") // 8 GiB: about 9 s
	if err != nil || len(res.Moves) != 1 {
		t.Fatalf("migrate: %+v %v", res, err)
	}
	id := res.Moves[0].ID
	st := r.mustState(t, "task started", func(st model.State) bool {
		for _, m := range st.Moves {
			if m.ID == id && !m.Task.IsZero() && m.Progress > 0 {
				return true
			}
		}
		return false
	})
	var journaled model.Move
	for _, m := range st.Moves {
		if m.ID == id {
			journaled = m
		}
	}
	r.e.Close() // the first run is gone; the lab's task goes on

	specs, err := r.l.Config().Specs()
	if err != nil {
		t.Fatal(err)
	}
	e2 := backend.NewEngine(specs)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(func() { stop(); e2.Close() })
	e2.Start(ctx)
	if err := e2.WaitLoaded(ctx); err != nil {
		t.Fatal(err)
	}
	m, err := e2.AdoptMove(ctx, tester, journaled)
	if err != nil || !m.Adopted || m.Task != journaled.Task {
		t.Fatalf("adopt: %+v %v", m, err)
	}
	if _, err := e2.AdoptMove(ctx, tester, journaled); !errors.Is(err, migrate.ErrAlreadyMoving) {
		t.Fatalf("adopting twice: want ErrAlreadyMoving, got %v", err)
	}
	r2 := &moveRig{l: r.l, e: e2}
	seen := r2.follow(t, m.ID, nil)
	last := seen[len(seen)-1]
	if last.State != model.MoveDone || last.Progress != 100 {
		t.Fatalf("adopted move ended %s %q", last.State, last.Err)
	}
	if _, ok := vmAt(t, r2, "site-b", "app-06"); !ok {
		t.Fatal("app-06 not at site-b")
	}
}
