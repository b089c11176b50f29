package migrate

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// gate is a Caller that holds every call until released, then fails it: a vCenter that
// answers slowly and refuses.
type gate struct {
	mu      sync.Mutex
	calls   int
	release chan struct{}
}

func (g *gate) call(ctx context.Context, _ model.SiteID, _ string, _ time.Duration, _ func(context.Context, *vim25.Client) error) error {
	g.mu.Lock()
	g.calls++
	g.mu.Unlock()
	select {
	case <-g.release:
	case <-ctx.Done():
	}
	return errors.New("vCenter said no")
}

type recorder struct {
	mu     sync.Mutex
	lists  [][]model.Move
	events []model.EventKind
}

func (r *recorder) publish(ms []model.Move) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lists = append(r.lists, ms)
}

func (r *recorder) event(k model.EventKind, _ model.Move) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, k)
}

func (r *recorder) last() []model.Move {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.lists) == 0 {
		return nil
	}
	return r.lists[len(r.lists)-1]
}

func vm(moref, name, uuid, host string) model.VM {
	return model.VM{Key: model.VMKey{Site: "site-a", MoRef: moref}, Name: name, InstanceUUID: uuid, Host: host,
		HostRef: model.Ref{Type: "HostSystem", Value: host}}
}

func newTestManager(t *testing.T, g *gate, opts Options) (*Manager, *recorder) {
	t.Helper()
	r := &recorder{}
	m := New(g.call, nil, r.publish, r.event, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	t.Cleanup(func() { close(g.release); cancel(); <-done })
	return m, r
}

// waitFor waits until the latest published list satisfies ok.
func waitFor(t *testing.T, r *recorder, what string, ok func([]model.Move) bool) []model.Move {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if l := r.last(); ok(l) {
			return l
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s: last list %+v", what, r.last())
	return nil
}

func TestStartRefusesAVMAlreadyMoving(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	m, r := newTestManager(t, g, Options{})
	web := vm("vm-1", "web-01", "uuid-1", "host-1")
	if _, err := m.Start([]Request{{VM: web, To: "site-b"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, "running", func(l []model.Move) bool { return len(l) == 1 && l[0].State == model.MoveRunning })

	// The same VM, by key or by instance UUID, is refused; the whole request with it.
	other := vm("vm-2", "app-01", "uuid-2", "host-1")
	copyOfWeb := vm("vm-77", "web-01-copy", "uuid-1", "host-2")
	for _, reqs := range [][]Request{{{VM: web}}, {{VM: other}, {VM: copyOfWeb}}, {{VM: other}, {VM: other}}} {
		_, err := m.Start(reqs)
		if !errors.Is(err, ErrAlreadyMoving) {
			t.Fatalf("%v: want ErrAlreadyMoving, got %v", reqs, err)
		}
	}
	if got := len(m.Moves()); got != 1 {
		t.Fatalf("refused requests queued %d moves", got)
	}
	if !strings.Contains(func() string { _, err := m.Start([]Request{{VM: web}}); return err.Error() }(), "mv-1") {
		t.Error("the refusal does not name the move in the way")
	}
}

func TestFailedStartEndsAndFreesTheVM(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	m, r := newTestManager(t, g, Options{})
	web := vm("vm-1", "web-01", "uuid-1", "host-1")
	if _, err := m.Start([]Request{{VM: web, To: "site-b"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, "running", func(l []model.Move) bool { return len(l) == 1 && l[0].State == model.MoveRunning })
	g.release <- struct{}{}
	l := waitFor(t, r, "failed", func(l []model.Move) bool { return len(l) == 1 && l[0].State == model.MoveFailed })
	if !strings.Contains(l[0].Err, "vCenter said no") || l[0].Ended.IsZero() {
		t.Errorf("failed move: %+v", l[0])
	}
	if _, err := m.Start([]Request{{VM: web, To: "site-b"}}); err != nil {
		t.Fatalf("a VM whose move failed may be started again: %v", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	want := []model.EventKind{model.EventMoveQueued, model.EventMoveFailed, model.EventMoveQueued}
	if len(r.events) < 3 || r.events[0] != want[0] || r.events[1] != want[1] || r.events[2] != want[2] {
		t.Errorf("events %v, want %v first", r.events, want)
	}
}

func TestLimitsQueueAndSayWhy(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	m, r := newTestManager(t, g, Options{MaxConcurrent: 2, MaxPerHost: 1})
	if _, err := m.Start([]Request{
		{VM: vm("vm-1", "a", "u1", "esx-1")}, {VM: vm("vm-2", "b", "u2", "esx-1")},
		{VM: vm("vm-3", "c", "u3", "esx-2")}, {VM: vm("vm-4", "d", "u4", "esx-3")},
	}); err != nil {
		t.Fatal(err)
	}
	l := waitFor(t, r, "two running", func(l []model.Move) bool {
		n := 0
		for _, mv := range l {
			if mv.State == model.MoveRunning {
				n++
			}
		}
		return n == 2 && l[3].Why != "waiting for its turn"
	})
	if l[0].State != model.MoveRunning || l[2].State != model.MoveRunning {
		t.Fatalf("a and c should run: %+v", l)
	}
	if l[1].State != model.MoveQueued || !strings.Contains(l[1].Why, "esx-1 at its limit of 1") {
		t.Errorf("b waits for its host: %+v", l[1])
	}
	if l[3].State != model.MoveQueued || !strings.Contains(l[3].Why, "2 moves running, the limit") {
		t.Errorf("d waits for a slot: %+v", l[3])
	}
}

func TestCancelQueued(t *testing.T) {
	g := &gate{release: make(chan struct{})}
	m, r := newTestManager(t, g, Options{MaxConcurrent: 1})
	ms, err := m.Start([]Request{{VM: vm("vm-1", "a", "u1", "esx-1")}, {VM: vm("vm-2", "b", "u2", "esx-2")}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, "one running", func(l []model.Move) bool { return len(l) == 2 && l[0].State == model.MoveRunning })
	if err := m.Cancel(context.Background(), ms[1].ID); err != nil {
		t.Fatal(err)
	}
	l := m.Moves()
	if l[1].State != model.MoveCancelled || l[1].Ended.IsZero() {
		t.Errorf("cancelled while queued: %+v", l[1])
	}
	if err := m.Cancel(context.Background(), ms[1].ID); err == nil {
		t.Error("cancelling an ended move should fail")
	}
	if err := m.Cancel(context.Background(), "mv-99"); !errors.Is(err, ErrUnknownMove) {
		t.Errorf("unknown move: %v", err)
	}
}

func TestRelocateSpec(t *testing.T) {
	ds1 := types.ManagedObjectReference{Type: "Datastore", Value: "datastore-1"}
	devices := []types.BaseVirtualDevice{
		&types.VirtualDisk{VirtualDevice: types.VirtualDevice{Key: 2000, Backing: &types.VirtualDiskFlatVer2BackingInfo{
			VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: "[a] x.vmdk", Datastore: &ds1}}}},
		&types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: types.VirtualEthernetCard{
			VirtualDevice: types.VirtualDevice{Key: 4000, Backing: &types.VirtualEthernetCardDistributedVirtualPortBackingInfo{
				Port: types.DistributedVirtualSwitchPortConnection{SwitchUuid: "src-dvs", PortgroupKey: "dvportgroup-10"}}}}}},
	}
	target := model.MoveTarget{
		Host: model.Ref{Type: "HostSystem", Value: "host-9"}, Pool: model.Ref{Type: "ResourcePool", Value: "resgroup-9"},
		Folder: model.Ref{Type: "Folder", Value: "group-v9"}, Datastore: model.Ref{Type: "Datastore", Value: "datastore-90"},
		Datastores:  map[string]model.Ref{"datastore-1": {Type: "Datastore", Value: "datastore-90"}},
		Networks:    map[string]model.Ref{"dvportgroup-10": {Type: "DistributedVirtualPortgroup", Value: "dvportgroup-90"}},
		SwitchUUIDs: map[string]string{"dvportgroup-90": "dst-dvs"},
	}
	loc := &types.ServiceLocator{InstanceUuid: "vc-b"}
	spec := relocateSpec(target, loc, devices)
	if spec.Service != loc || spec.Host.Value != "host-9" || spec.Pool.Value != "resgroup-9" || spec.Folder.Value != "group-v9" || spec.Datastore.Value != "datastore-90" {
		t.Fatalf("spec = %+v", spec)
	}
	if len(spec.Disk) != 1 || spec.Disk[0].DiskId != 2000 || spec.Disk[0].Datastore.Value != "datastore-90" {
		t.Errorf("disk locators = %+v", spec.Disk)
	}
	if len(spec.DeviceChange) != 1 {
		t.Fatalf("device changes = %+v", spec.DeviceChange)
	}
	b := spec.DeviceChange[0].GetVirtualDeviceConfigSpec().Device.GetVirtualDevice().Backing.(*types.VirtualEthernetCardDistributedVirtualPortBackingInfo)
	if b.Port.PortgroupKey != "dvportgroup-90" || b.Port.SwitchUuid != "dst-dvs" {
		t.Errorf("NIC backing = %+v", b.Port)
	}
}
