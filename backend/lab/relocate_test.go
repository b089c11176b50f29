package lab

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/progress"
	"github.com/vmware/govmomi/vim25/types"
	gossh "golang.org/x/crypto/ssh"

	"github.com/vmcross/vmcross/fabric/sim"
)

// ---- The model ----

const gibibyte = 1 << 30

// gbps is a bandwidth in bytes a second.
func gbps(g float64) float64 { return g * 1e9 / 8 }

// runModel steps a model to its end at a constant bandwidth in steps of dt, and returns
// the progress it reported along the way.
func runModel(t *testing.T, m *vmotion, b, dt float64) []int {
	t.Helper()
	var seen []int
	for i := 0; !m.Done(); i++ {
		if i > 1e6 {
			t.Fatal("the model never ends")
		}
		m.Step(dt, b)
		seen = append(seen, m.Progress(b))
	}
	return seen
}

// The simulated duration follows the closed form M/B · 1/(1 − d/B) (+ S/B + switchover)
// while the guest does not need SDPS; the step size does not matter; progress only rises
// and reaches 100 at the end.
func TestVMotionModelDuration(t *testing.T) {
	b := gbps(9.4)
	cases := []struct {
		name        string
		memGiB      float64
		share       float64 // of memory dirtied a second
		diskGiB     float64
		sdps        bool
		maxRelError float64
	}{
		{"web 4 GiB, 1%/s", 4, 0.01, 0, false, 0.03},
		{"app 8 GiB, 2%/s", 8, 0.02, 0, false, 0.03},
		{"k8s-worker 32 GiB, 1%/s", 32, 0.01, 0, false, 0.03},
		{"cache 16 GiB, 5%/s (slow to converge: SDPS)", 16, 0.05, 0, true, 0},
		{"db 32 GiB, 4%/s (dirties faster than 9.4 Gbps: SDPS)", 32, 0.04, 0, true, 0},
		{"web 4 GiB with a 40 GiB disk moving", 4, 0.01, 40, false, 0.03},
		{"cold: a powered-off VM's 80 GiB of disks", 0, 0, 80, false, 0.01},
	}
	for _, c := range cases {
		mem, disks := c.memGiB*gibibyte, c.diskGiB*gibibyte
		dirty := mem * c.share
		m := newVMotion(mem, disks, dirty)
		seen := runModel(t, m, b, 0.05)
		coarse := newVMotion(mem, disks, dirty)
		runModel(t, coarse, b, 7)
		want := predictDuration(mem, disks, dirty, b)
		t.Logf("%-52s simulated %7.2f s (%d passes%s), formula %7.2f s, sent %.2f GiB",
			c.name, m.Elapsed(), m.pass, map[bool]string{true: ", SDPS", false: ""}[m.sdps], want, m.Sent()/gibibyte)
		if !slices.IsSorted(seen) || seen[len(seen)-1] != 100 || slices.Index(seen, 100) != len(seen)-1 {
			t.Errorf("%s: progress not rising to 100 at the end only: %v", c.name, seen)
		}
		if math.Abs(coarse.Elapsed()-m.Elapsed()) > 1e-6*m.Elapsed() {
			t.Errorf("%s: %v s in steps of 0.05 s but %v s in steps of 7 s", c.name, m.Elapsed(), coarse.Elapsed())
		}
		if m.sdps != c.sdps {
			t.Errorf("%s: SDPS %v, want %v", c.name, m.sdps, c.sdps)
		}
		if !c.sdps {
			if rel := math.Abs(m.Elapsed()-want) / want; rel > c.maxRelError {
				t.Errorf("%s: simulated %.2f s, formula %.2f s (%.1f%% off)", c.name, m.Elapsed(), want, 100*rel)
			}
		} else {
			if m.pass <= sdpsAfterPasses {
				t.Errorf("%s: SDPS after %d passes", c.name, m.pass)
			}
		}
	}
	// A 4 GiB web server at the default lab's bandwidth takes about 4 s.
	m := newVMotion(4*gibibyte, 0, 4*gibibyte*dirtyShare("web-01"))
	runModel(t, m, b, 0.05)
	if e := m.Elapsed(); e < 3.5 || e > 4.5 {
		t.Errorf("web-01 takes %.2f s at 9.4 Gbps", e)
	}
}

// The phases say what runs: the pass, its size and the rate, SDPS when it slows the guest,
// then the switchover.
func TestVMotionModelPhases(t *testing.T) {
	b := gbps(9.4)
	m := newVMotion(4*gibibyte, 0, 0.01*4*gibibyte)
	if got := m.Phase(b); got != "pre-copy pass 1 of ~2: 4.0 GiB at 9.4 Gbps" {
		t.Errorf("start: %q", got)
	}
	for m.phase == phasePrecopy {
		m.Step(0.05, b)
	}
	if got := m.Phase(b); got != "switchover" {
		t.Errorf("then: %q", got)
	}
	db := newVMotion(32*gibibyte, 0, 0.04*32*gibibyte)
	var phases []string
	for !db.Done() {
		db.Step(1, b)
		if p := db.Phase(b); len(phases) == 0 || phases[len(phases)-1] != p {
			phases = append(phases, p)
		}
	}
	joined := strings.Join(phases, "\n")
	if !strings.Contains(joined, "pre-copy pass 9 of ~") || !strings.Contains(joined, "(SDPS: guest slowed to dirty 4.7 Gbps)") {
		t.Errorf("db phases:\n%s", joined)
	}
	cold := newVMotion(0, 10*gibibyte, 0)
	if got := cold.Phase(b); got != "copying disks: 0.0 GiB of 10.0 GiB at 9.4 Gbps" {
		t.Errorf("cold: %q", got)
	}
}

// The bandwidth is re-read at every step: halving it halves the rate at once, and the
// progress never goes back although the prediction grows.
func TestVMotionModelBandwidthChange(t *testing.T) {
	b := gbps(9.4)
	m := newVMotion(16*gibibyte, 0, 0.01*16*gibibyte)
	m.Step(2, b)
	before, p1 := m.Sent(), m.Progress(b)
	m.Step(1, b/2)
	if got := m.Sent() - before; math.Abs(got-b/2) > 1 {
		t.Errorf("a second at half the bandwidth sent %.0f bytes, want %.0f", got, b/2)
	}
	if p2 := m.Progress(b / 2); p2 < p1 {
		t.Errorf("progress went back: %d then %d", p1, p2)
	}
	_, at9, _ := m.predict(b)
	_, at4, _ := m.predict(b / 2)
	if at4 <= at9 {
		t.Errorf("the prediction does not grow at half the bandwidth: %.1f s, %.1f s", at9, at4)
	}
	// The per-move bandwidth: the adapter's line rate, or a share of the DCI.
	for _, c := range []struct {
		capacity, free, n int
		wire              float64
	}{
		{20000, 18800, 1, 10000}, // the default lab: the 10 GbE adapter limits
		{10000, 8800, 1, 8800},   // a member down, the default load: the DCI limits
		{20000, 20000, 2, 10000}, // an idle DCI, two moves
		{10000, 10000, 2, 5000},  // and a member down: half
		{20000, 500, 1, 2000},    // congested: a tenth of the DCI
		{0, 0, 1, 0},             // down
	} {
		wire, bits := moveBandwidth(c.capacity, c.free, c.n)
		if wire != c.wire || math.Abs(bits-wire*vmotionEfficiency*1e6) > 1 {
			t.Errorf("moveBandwidth(%d, %d, %d) = %v Mbps, %v bit/s; want %v Mbps", c.capacity, c.free, c.n, wire, bits, c.wire)
		}
	}
}

func TestDirtyShare(t *testing.T) {
	for name, want := range map[string]float64{
		"web-01": 0.01, "atl-web-03": 0.01, "app-02": 0.02, "atl-api-01": 0.02, "db-01": 0.04,
		"atl-pg-02": 0.04, "big-db": 0.04, "cache-01": 0.05, "atl-redis-01": 0.05, "k8s-worker-07": 0.03,
		"k8s-master-01": 0.02, "dmz-app-1": 0.01, "something-else": defaultDirtyShare,
	} {
		if got := dirtyShare(name); got != want {
			t.Errorf("dirtyShare(%s) = %v, want %v", name, got, want)
		}
	}
}

// ---- Through a vSphere client ----

// startLabWith starts a lab with options and a client at each site.
func startLabWith(t *testing.T, opts Options) (*Lab, *govmomi.Client, *govmomi.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(l.Close)
	return l, connect(t, endpoint(t, l, "site-a")), connect(t, endpoint(t, l, "site-b"))
}

// sha1Thumbprint is the SHA-1 thumbprint vCenter's ServiceLocator takes, as vmcross sends it.
func sha1Thumbprint(t *testing.T, ep Endpoint) string {
	t.Helper()
	block, _ := pem.Decode(ep.CertPEM)
	if block == nil {
		t.Fatal("no certificate")
	}
	sum := sha1.Sum(block.Bytes)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

func serviceLocator(t *testing.T, c *govmomi.Client, ep Endpoint) *types.ServiceLocator {
	t.Helper()
	u, err := url.Parse(ep.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &types.ServiceLocator{
		InstanceUuid:  c.ServiceContent.About.InstanceUuid,
		Url:           "https://" + u.Host,
		Credential:    &types.ServiceLocatorNamePassword{Username: ep.Username, Password: ep.Password},
		SslThumbprint: sha1Thumbprint(t, ep),
	}
}

// findVM finds a VM by name in a site's inventory (a container view, narrow), then reads it.
func findVM(t *testing.T, c *govmomi.Client, name string) (mo.VirtualMachine, bool) {
	t.Helper()
	for _, vm := range retrieve[mo.VirtualMachine](t, c, "VirtualMachine", []string{"name"}) {
		if vm.Name == name {
			return retrieveOne[mo.VirtualMachine](t, c, vm.Self, "name", "config", "runtime", "summary", "datastore", "network",
				"resourcePool", "parent", "snapshot"), true
		}
	}
	return mo.VirtualMachine{}, false
}

// crossSpec builds the relocate spec vmcross sends for a VM: the target cluster's first host,
// its pool, the folder of the same name, the datastore named (all of the VM's disks go
// there), and each NIC's port group mapped to the target's port group of the same name.
func crossSpec(t *testing.T, src, dst *govmomi.Client, dstEP Endpoint, vm mo.VirtualMachine, cluster, datastore string) types.VirtualMachineRelocateSpec {
	t.Helper()
	spec := types.VirtualMachineRelocateSpec{Service: serviceLocator(t, dst, dstEP)}
	for _, c := range retrieve[mo.ClusterComputeResource](t, dst, "ClusterComputeResource", []string{"name", "host", "resourcePool"}) {
		if c.Name == cluster {
			spec.Host, spec.Pool = &c.Host[0], c.ResourcePool
		}
	}
	var srcFolder string
	for _, f := range retrieve[mo.Folder](t, src, "Folder", []string{"name"}) {
		if f.Self == *vm.Parent {
			srcFolder = f.Name
		}
	}
	for _, f := range retrieve[mo.Folder](t, dst, "Folder", []string{"name"}) {
		if f.Name == srcFolder {
			spec.Folder = &f.Self
		}
	}
	for _, ds := range retrieve[mo.Datastore](t, dst, "Datastore", []string{"name"}) {
		if ds.Name == datastore {
			spec.Datastore = &ds.Self
		}
	}
	if spec.Host == nil || spec.Folder == nil || spec.Datastore == nil {
		t.Fatalf("no cluster %s, folder %s or datastore %s at the target", cluster, srcFolder, datastore)
	}
	srcPGs := map[string]string{} // key -> name
	for _, pg := range retrieve[mo.DistributedVirtualPortgroup](t, src, "DistributedVirtualPortgroup", []string{"name", "key"}) {
		srcPGs[pg.Key] = pg.Name
	}
	type target struct{ key, uuid string }
	dstPGs := map[string]target{}
	switches := map[types.ManagedObjectReference]string{}
	for _, s := range retrieve[mo.DistributedVirtualSwitch](t, dst, "DistributedVirtualSwitch", []string{"uuid"}) {
		switches[s.Self] = s.Uuid
	}
	for _, pg := range retrieve[mo.DistributedVirtualPortgroup](t, dst, "DistributedVirtualPortgroup", []string{"name", "key", "config.distributedVirtualSwitch"}) {
		dstPGs[pg.Name] = target{pg.Key, switches[*pg.Config.DistributedVirtualSwitch]}
	}
	for _, d := range vm.Config.Hardware.Device {
		switch dev := d.(type) {
		case *types.VirtualDisk:
			spec.Disk = append(spec.Disk, types.VirtualMachineRelocateSpecDiskLocator{DiskId: dev.Key, Datastore: *spec.Datastore})
		case types.BaseVirtualEthernetCard:
			card := dev.GetVirtualEthernetCard()
			b := card.Backing.(*types.VirtualEthernetCardDistributedVirtualPortBackingInfo)
			to := dstPGs[srcPGs[b.Port.PortgroupKey]]
			card.Backing = &types.VirtualEthernetCardDistributedVirtualPortBackingInfo{
				Port: types.DistributedVirtualSwitchPortConnection{SwitchUuid: to.uuid, PortgroupKey: to.key}}
			spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: d})
		}
	}
	return spec
}

// taskWatch follows a task's info through a property collector of its own, as vmcross's
// watcher does, recording every progress and description it announces.
type taskWatch struct {
	mu       sync.Mutex
	progress []int32
	phases   []string
	done     chan struct{}
}

func watchTask(t *testing.T, c *govmomi.Client, ref types.ManagedObjectReference) *taskWatch {
	t.Helper()
	w := &taskWatch{done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	pc, err := property.DefaultCollector(c.Client).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(w.done)
		defer cancel()
		defer func() { _ = pc.Destroy(context.Background()) }()
		_ = property.Wait(ctx, pc, ref, []string{"info"}, func(changes []types.PropertyChange) bool {
			for _, ch := range changes {
				info, ok := ch.Val.(types.TaskInfo)
				if !ok {
					continue
				}
				w.mu.Lock()
				w.progress = append(w.progress, info.Progress)
				if info.Description != nil && (len(w.phases) == 0 || w.phases[len(w.phases)-1] != info.Description.Message) {
					w.phases = append(w.phases, info.Description.Message)
				}
				w.mu.Unlock()
				if info.State == types.TaskInfoStateSuccess || info.State == types.TaskInfoStateError {
					return true
				}
			}
			return false
		})
	}()
	return w
}

func (w *taskWatch) snapshot() ([]int32, []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.progress), slices.Clone(w.phases)
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// progressAbove waits until the task reports more than pct percent.
func (w *taskWatch) progressAbove(t *testing.T, pct int32) {
	t.Helper()
	waitFor(t, fmt.Sprintf("progress above %d%%", pct), 30*time.Second, func() bool {
		p, _ := w.snapshot()
		return len(p) > 0 && p[len(p)-1] > pct
	})
}

// sink records the reports of WaitForResult's progress sinker.
type sink struct {
	ch   chan progress.Report
	mu   sync.Mutex
	pcts []float32
	done chan struct{}
}

func newSink() *sink {
	s := &sink{ch: make(chan progress.Report), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for r := range s.ch {
			s.mu.Lock()
			s.pcts = append(s.pcts, r.Percentage())
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *sink) Sink() chan<- progress.Report { return s.ch }

// vmWatch follows the VMs of a site through a ContainerView, as vmcross's inventory does:
// the names that entered and the MoRefs that left.
type vmWatch struct {
	mu      sync.Mutex
	entered map[string]types.ManagedObjectReference
	left    map[types.ManagedObjectReference]bool
	stop    context.CancelFunc
	done    chan struct{}
}

func watchVMs(t *testing.T, c *govmomi.Client) *vmWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := property.DefaultCollector(c.Client).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := &vmWatch{entered: map[string]types.ManagedObjectReference{}, left: map[types.ManagedObjectReference]bool{}, stop: cancel, done: make(chan struct{})}
	filter := new(property.WaitFilter).Add(v.Reference(), "VirtualMachine", []string{"name"}, v.TraversalSpec())
	ready := make(chan struct{})
	var once sync.Once
	go func() {
		defer close(w.done)
		defer func() { _ = v.Destroy(context.Background()); _ = pc.Destroy(context.Background()) }()
		_ = property.WaitForUpdatesEx(ctx, pc, filter, func(updates []types.ObjectUpdate) bool {
			w.mu.Lock()
			for _, u := range updates {
				switch u.Kind {
				case types.ObjectUpdateKindLeave:
					w.left[u.Obj] = true
				default:
					for _, ch := range u.ChangeSet {
						if ch.Name == "name" {
							w.entered[ch.Val.(string)] = u.Obj
						}
					}
				}
			}
			w.mu.Unlock()
			once.Do(func() { close(ready) })
			return false
		})
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the inventory watch never started")
	}
	t.Cleanup(func() { cancel(); <-w.done })
	return w
}

func (w *vmWatch) hasEntered(name string) (types.ManagedObjectReference, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ref, ok := w.entered[name]
	return ref, ok
}

func (w *vmWatch) hasLeft(ref types.ManagedObjectReference) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.left[ref]
}

// relocate starts the relocation of a VM of the source site through the client.
func relocate(t *testing.T, c *govmomi.Client, vm mo.VirtualMachine, spec types.VirtualMachineRelocateSpec) *object.Task {
	t.Helper()
	tk, err := object.NewVirtualMachine(c.Client, vm.Self).Relocate(context.Background(), spec, types.VirtualMachineMovePriorityHighPriority)
	if err != nil {
		t.Fatalf("RelocateVM_Task: %v", err)
	}
	return tk
}

// taskFailure waits for a task to fail and returns its fault and message.
func taskFailure(t *testing.T, tk *object.Task) (types.BaseMethodFault, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := tk.WaitForResult(ctx)
	var te task.Error
	if !errors.As(err, &te) {
		t.Fatalf("task: %v, want a task error", err)
	}
	return te.Fault(), te.LocalizedMessage
}

// stillAtSource checks that a VM is at its source as it was: same MoRef, running, intact;
// and not at the target.
func stillAtSource(t *testing.T, src, dst *govmomi.Client, before mo.VirtualMachine) {
	t.Helper()
	vm, ok := findVM(t, src, before.Name)
	switch {
	case !ok:
		t.Fatalf("%s is gone from the source", before.Name)
	case vm.Self != before.Self || vm.Runtime.PowerState != before.Runtime.PowerState || *vm.Runtime.Host != *before.Runtime.Host:
		t.Errorf("%s changed at the source: %s %s on %s, was %s %s on %s", vm.Name, vm.Self, vm.Runtime.PowerState, vm.Runtime.Host,
			before.Self, before.Runtime.PowerState, before.Runtime.Host)
	case vm.Config.InstanceUuid != before.Config.InstanceUuid || len(vm.Config.Hardware.Device) != len(before.Config.Hardware.Device):
		t.Errorf("%s's configuration changed at the source", vm.Name)
	}
	if _, ok := findVM(t, dst, before.Name); ok && before.Name != "report-01" {
		t.Errorf("%s appeared at the target", before.Name)
	}
}

// A powered-on VM moves from site A to site B through a vSphere client: the task's progress
// rises to 100, the VM appears at B (same name, UUIDs, devices, power state; its NICs on
// B's port groups) and leaves A, both seen by container-view watchers; the DCI carried the
// move's traffic while it ran.
func TestRelocateAcrossVCenters(t *testing.T) {
	t.Parallel()
	l, a, b := startLabWith(t, Options{Speed: 4})
	epB := endpoint(t, l, "site-b")
	vm, ok := findVM(t, a, "web-01")
	if !ok {
		t.Fatal("no web-01")
	}
	spec := crossSpec(t, a, b, epB, vm, "B-01", metroDatastore)
	watchA, watchB := watchVMs(t, a), watchVMs(t, b)

	started := time.Now()
	tk := relocate(t, a, vm, spec)
	w := watchTask(t, a, tk.Reference())
	s := newSink()
	peaked := make(chan int)
	go func() {
		peak := 0
		defer func() { peaked <- peak }()
		for {
			select {
			case <-w.done:
				return
			case <-time.After(20 * time.Millisecond):
				peak = max(peak, l.Fabric().DCIPath().AddedMbps)
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	info, err := tk.WaitForResult(ctx, s)
	if err != nil {
		t.Fatalf("relocate: %v", err)
	}
	<-s.done
	<-w.done
	elapsed := time.Since(started)
	peak := <-peaked
	moved, ok := info.Result.(types.ManagedObjectReference)
	if !ok || moved.Type != "VirtualMachine" {
		t.Fatalf("result %#v", info.Result)
	}
	progress, phases := w.snapshot()
	t.Logf("web-01 moved in %v (speed 4): %d progress updates, phases %q, DCI peak +%d Mbps", elapsed.Round(time.Millisecond), len(progress), phases, peak)

	if !slices.IsSorted(progress) || progress[len(progress)-1] != 100 || len(slices.Compact(slices.Clone(progress))) < 5 {
		t.Errorf("progress %v", progress)
	}
	if !slices.IsSorted(s.pcts) || s.pcts[len(s.pcts)-1] != 100 {
		t.Errorf("sinker percentages %v", s.pcts)
	}
	if !slices.Contains(phases, "pre-copy pass 1 of ~2: 4.0 GiB at 9.4 Gbps") || !slices.Contains(phases, "switchover") ||
		phases[len(phases)-1] != "migration complete" {
		t.Errorf("phases %q", phases)
	}
	if peak != 10000 {
		t.Errorf("the move added %d Mbps to the DCI, want its 10 GbE line rate", peak)
	}
	if added := l.Fabric().DCIPath().AddedMbps; added != 0 {
		t.Errorf("the DCI still carries %d Mbps of the move", added)
	}
	if elapsed > 3*time.Second || elapsed < 500*time.Millisecond {
		t.Errorf("4 GiB at speed 4 took %v, want about 1 s", elapsed)
	}

	// At the target, the same VM.
	got, ok := findVM(t, b, "web-01")
	if !ok {
		t.Fatal("web-01 is not at site B")
	}
	if got.Self != moved || *got.Runtime.Host != *spec.Host || *got.ResourcePool != *spec.Pool || *got.Parent != *spec.Folder {
		t.Errorf("at B: %s on %s in %s/%s; want %s on %s in %s/%s", got.Self, got.Runtime.Host, got.ResourcePool, got.Parent,
			moved, spec.Host, spec.Pool, spec.Folder)
	}
	if got.Config.InstanceUuid != vm.Config.InstanceUuid || got.Config.Uuid != vm.Config.Uuid ||
		got.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn ||
		got.Runtime.MinRequiredEVCModeKey != vm.Runtime.MinRequiredEVCModeKey ||
		got.Runtime.FaultToleranceState != vm.Runtime.FaultToleranceState || got.Config.Annotation != vm.Config.Annotation ||
		!got.Runtime.BootTime.Equal(*vm.Runtime.BootTime) {
		t.Errorf("at B web-01 differs: %+v", got.Runtime)
	}
	if len(got.Config.Hardware.Device) != len(vm.Config.Hardware.Device) {
		t.Fatalf("devices: %d at B, %d at A", len(got.Config.Hardware.Device), len(vm.Config.Hardware.Device))
	}
	for i, d := range got.Config.Hardware.Device {
		before := vm.Config.Hardware.Device[i]
		if d.GetVirtualDevice().Key != before.GetVirtualDevice().Key {
			t.Errorf("device %d: key %d, was %d", i, d.GetVirtualDevice().Key, before.GetVirtualDevice().Key)
		}
		if nic, ok := d.(types.BaseVirtualEthernetCard); ok {
			card, was := nic.GetVirtualEthernetCard(), before.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
			back := card.Backing.(*types.VirtualEthernetCardDistributedVirtualPortBackingInfo)
			want := spec.DeviceChange[0].GetVirtualDeviceConfigSpec().Device.GetVirtualDevice().Backing.(*types.VirtualEthernetCardDistributedVirtualPortBackingInfo)
			if card.MacAddress != was.MacAddress || back.Port.SwitchUuid != want.Port.SwitchUuid || back.Port.PortgroupKey != want.Port.PortgroupKey {
				t.Errorf("NIC at B: %s on %s/%s, want %s on %s/%s", card.MacAddress, back.Port.SwitchUuid, back.Port.PortgroupKey,
					was.MacAddress, want.Port.SwitchUuid, want.Port.PortgroupKey)
			}
		}
	}
	if len(got.Network) != 1 || len(got.Datastore) != 1 || got.Datastore[0] != *spec.Datastore {
		t.Errorf("at B: networks %v, datastores %v", got.Network, got.Datastore)
	}
	// The lists that name it, at B; none at A does.
	host := retrieveOne[mo.HostSystem](t, b, *spec.Host, "vm")
	pool := retrieveOne[mo.ResourcePool](t, b, *spec.Pool, "vm")
	ds := retrieveOne[mo.Datastore](t, b, *spec.Datastore, "vm")
	pg := retrieveOne[mo.DistributedVirtualPortgroup](t, b, got.Network[0], "vm")
	folder := retrieveOne[mo.Folder](t, b, *spec.Folder, "childEntity")
	for what, list := range map[string][]types.ManagedObjectReference{"host": host.Vm, "pool": pool.Vm, "datastore": ds.Vm, "port group": pg.Vm, "folder": folder.ChildEntity} {
		if !slices.Contains(list, moved) {
			t.Errorf("the %s at B does not list %s", what, moved)
		}
	}
	if _, ok := findVM(t, a, "web-01"); ok {
		t.Error("web-01 is still at site A")
	}
	for what, list := range map[string][]types.ManagedObjectReference{
		"host":   retrieveOne[mo.HostSystem](t, a, *vm.Runtime.Host, "vm").Vm,
		"pool":   retrieveOne[mo.ResourcePool](t, a, *vm.ResourcePool, "vm").Vm,
		"folder": retrieveOne[mo.Folder](t, a, *vm.Parent, "childEntity").ChildEntity,
	} {
		if slices.Contains(list, vm.Self) {
			t.Errorf("the %s at A still lists %s", what, vm.Self)
		}
	}
	// The inventory watchers saw it arrive at B and leave A.
	deadline := time.Now().Add(5 * time.Second)
	for {
		ref, entered := watchB.hasEntered("web-01")
		left := watchA.hasLeft(vm.Self)
		if entered && ref == moved && left {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("container views: web-01 entered B %v (%s), left A %v", entered, ref, left)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The source's own view of the task names the VM's new MoRef.
	var tm mo.Task
	if err := property.DefaultCollector(a.Client).RetrieveOne(ctx, tk.Reference(), []string{"info"}, &tm); err != nil {
		t.Fatal(err)
	}
	if tm.Info.DescriptionId != "VirtualMachine.relocate" || tm.Info.Result != moved || tm.Info.EntityName != "web-01" {
		t.Errorf("task info %+v", tm.Info)
	}

	// And back home, as `vmcross migrate --reverse` would.
	epA := endpoint(t, l, "site-a")
	back := crossSpec(t, b, a, epA, got, "A-01", metroDatastore)
	if _, err := relocate(t, b, got, back).WaitForResult(ctx); err != nil {
		t.Fatalf("back to A: %v", err)
	}
	if home, ok := findVM(t, a, "web-01"); !ok || home.Config.InstanceUuid != vm.Config.InstanceUuid {
		t.Error("web-01 did not come back to A")
	}
}

func retrieveOne[T any](t *testing.T, c *govmomi.Client, ref types.ManagedObjectReference, props ...string) T {
	t.Helper()
	var out T
	if err := property.DefaultCollector(c.Client).RetrieveOne(context.Background(), ref, props, &out); err != nil {
		t.Fatalf("retrieve %s: %v", ref, err)
	}
	return out
}

// sshCLI types lines into a switch's CLI over SSH, as a presenter would, with the host
// key pinned, and returns what the session printed.
func sshCLI(t *testing.T, ep sim.Endpoint, lines ...string) string {
	t.Helper()
	key, _, _, _, err := gossh.ParseAuthorizedKey([]byte(ep.HostKey))
	if err != nil {
		t.Fatal(err)
	}
	client, err := gossh.Dial("tcp", net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)), &gossh.ClientConfig{
		User: ep.Username, Auth: []gossh.AuthMethod{gossh.Password(ep.Password)},
		HostKeyCallback: gossh.FixedHostKey(key), Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatalf("ssh %s: %v", ep.Name, err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm", 24, 200, gossh.TerminalModes{gossh.ECHO: 1}); err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sess.Stdout = &out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	for _, l := range append(lines, "exit") {
		if _, err := io.WriteString(stdin, l+"\r"); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("ssh %s: the session did not end:\n%s", ep.Name, out.String())
	}
	if strings.Contains(out.String(), "% ") {
		t.Fatalf("%s refused a line:\n%s", ep.Name, out.String())
	}
	return out.String()
}

func switchEndpoint(t *testing.T, l *Lab, name string) sim.Endpoint {
	t.Helper()
	ep, err := l.Fabric().Switch(name)
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// Both DCI members shut at Atlanta's edge, typed into its CLI over SSH while web-01 is
// being copied: the task fails as vCenter's does when the vMotion network stops carrying
// data, and web-01 runs on at Miami as it was.
func TestRelocateDCIDownMidCopy(t *testing.T) {
	t.Parallel()
	l, a, b := startLabWith(t, Options{Speed: 1})
	vm, _ := findVM(t, a, "web-01")
	tk := relocate(t, a, vm, crossSpec(t, a, b, endpoint(t, l, "site-b"), vm, "B-01", metroDatastore))
	w := watchTask(t, a, tk.Reference())
	w.progressAbove(t, 10)
	sshCLI(t, switchEndpoint(t, l, "atl-dci-n7k-01"),
		"configure terminal", "interface Ethernet3/1", "shutdown", "interface Ethernet3/2", "shutdown", "end")

	f, msg := taskFailure(t, tk)
	t.Logf("fault %T: %s", f, msg)
	down, ok := f.(*types.VMotionLinkDown)
	if _, migration := f.(types.BaseMigrationFault); !ok || down.Network != "VLAN200-vMotion" || !migration {
		t.Errorf("fault %#v, want VMotionLinkDown on VLAN200-vMotion (a MigrationFault)", f)
	}
	if !strings.HasPrefix(msg, vMotionNoData) || !strings.Contains(msg, "The DCI is down: port-channel10 is down at atl-dci-n7k-01: Ethernet3/1, Ethernet3/2 shut down") {
		t.Errorf("message %q", msg)
	}
	stillAtSource(t, a, b, vm)
	if p := l.Fabric().DCIPath(); p.AddedMbps != 0 || p.Up {
		t.Errorf("DCI %+v", p)
	}
	// With the DCI still down, a new move fails at once.
	f, msg = taskFailure(t, relocate(t, a, vm, crossSpec(t, a, b, endpoint(t, l, "site-b"), vm, "B-01", metroDatastore)))
	if _, ok := f.(*types.VMotionLinkDown); !ok {
		t.Errorf("DCI down at the start: %T %s", f, msg)
	}
}

// VLAN 120 taken off the DCI port-channel while app-01 (on VLAN120-App) is being copied
// fails the move with vCenter's network fault; VLAN 200 taken off while app-02 is being
// copied fails it with the vMotion network's. Both stay where they were.
func TestRelocateVLANRemovedMidCopy(t *testing.T) {
	t.Parallel()
	l, a, b := startLabWith(t, Options{Speed: 2})
	epB := endpoint(t, l, "site-b")
	for _, c := range []struct {
		vm, vlan string
		check    func(types.BaseMethodFault, string) bool
	}{
		{"app-01", "120", func(f types.BaseMethodFault, msg string) bool {
			n, ok := f.(*types.NetworksMayNotBeTheSame)
			return ok && n.Name == "VLAN120-App" && strings.HasPrefix(msg,
				"Currently connected network interface 'Network adapter 1' uses network 'VLAN120-App', which is not accessible: VLAN 120 does not reach the destination host") &&
				strings.Contains(msg, "VLAN 120 is not allowed on port-channel10 at mia-dci-n7k-01")
		}},
		{"app-02", "200", func(f types.BaseMethodFault, msg string) bool {
			_, ok := f.(*types.VMotionLinkDown)
			return ok && strings.HasPrefix(msg, vMotionNoData) && strings.Contains(msg, "VLAN 200, the vMotion network VLAN200-vMotion, does not reach the destination")
		}},
	} {
		vm, ok := findVM(t, a, c.vm)
		if !ok {
			t.Fatalf("no %s", c.vm)
		}
		tk := relocate(t, a, vm, crossSpec(t, a, b, epB, vm, "B-01", metroDatastore))
		w := watchTask(t, a, tk.Reference())
		w.progressAbove(t, 5)
		if _, err := l.Fabric().Exec("mia-dci-n7k-01", "configure terminal", "interface port-channel10",
			"switchport trunk allowed vlan remove "+c.vlan, "end"); err != nil {
			t.Fatal(err)
		}
		f, msg := taskFailure(t, tk)
		t.Logf("%s, VLAN %s removed: %T: %s", c.vm, c.vlan, f, msg)
		if _, migration := f.(types.BaseMigrationFault); !c.check(f, msg) || !migration {
			t.Errorf("%s: fault %#v, %q", c.vm, f, msg)
		}
		stillAtSource(t, a, b, vm)
		if _, err := l.Fabric().Exec("mia-dci-n7k-01", "configure terminal", "interface port-channel10",
			"switchport trunk allowed vlan add "+c.vlan, "end"); err != nil {
			t.Fatal(err)
		}
	}
}

// CancelTask while web-01 is being copied: the task ends cancelled (RequestCanceled, info.cancelled),
// web-01 runs on at Miami, the DCI no longer carries the move; cancelling again is refused.
func TestRelocateCancel(t *testing.T) {
	t.Parallel()
	l, a, b := startLabWith(t, Options{Speed: 1})
	vm, _ := findVM(t, a, "web-01")
	tk := relocate(t, a, vm, crossSpec(t, a, b, endpoint(t, l, "site-b"), vm, "B-01", metroDatastore))
	w := watchTask(t, a, tk.Reference())
	w.progressAbove(t, 10)
	// vCenter holds a VM being moved: a power-off waits for the migration.
	if _, err := object.NewVirtualMachine(a.Client, vm.Self).PowerOff(context.Background()); !fault.Is(err, &types.TaskInProgress{}) {
		t.Errorf("power-off while moving: %v", err)
	}
	if err := tk.Cancel(context.Background()); err != nil {
		t.Fatalf("CancelTask: %v", err)
	}
	f, msg := taskFailure(t, tk)
	if _, ok := f.(*types.RequestCanceled); !ok || msg != "The task was canceled by a user." {
		t.Errorf("fault %T %q", f, msg)
	}
	info := retrieveOne[mo.Task](t, a, tk.Reference(), "info").Info
	if !info.Cancelled || info.Cancelable || info.Progress >= 100 {
		t.Errorf("info: cancelled %v, cancelable %v, progress %d", info.Cancelled, info.Cancelable, info.Progress)
	}
	stillAtSource(t, a, b, vm)
	waitFor(t, "the DCI to drop the move", 2*time.Second, func() bool { return l.Fabric().DCIPath().AddedMbps == 0 })
	if err := tk.Cancel(context.Background()); err == nil || !fault.Is(err, &types.InvalidState{}) {
		t.Errorf("cancelling a finished task: %v", err)
	}
}

// Relocations the lab refuses, each with vCenter's fault and without a panic, each leaving
// the VM where it was: MoRefs the target does not have (or of the wrong type), a service
// locator that is not the other vCenter's or fails its checks, a name taken at the target,
// a shared SCSI bus, a newer EVC mode, a NIC left on the source's switch, the DMZ VLAN that
// the DCI does not carry, and a second relocation of a VM being moved.
func TestRelocateRefused(t *testing.T) {
	t.Parallel()
	l, a, b := startLabWith(t, Options{Speed: 1})
	epA, epB := endpoint(t, l, "site-a"), endpoint(t, l, "site-b")
	web, _ := findVM(t, a, "web-01")
	base := func() types.VirtualMachineRelocateSpec { return crossSpec(t, a, b, epB, web, "B-01", metroDatastore) }
	var bDatastore types.ManagedObjectReference
	for _, ds := range retrieve[mo.Datastore](t, b, "Datastore", []string{"name"}) {
		bDatastore = ds.Self
	}
	ghostHost := types.ManagedObjectReference{Type: "HostSystem", Value: "host-9999"}

	type refusal struct {
		name  string
		vm    string
		from  *govmomi.Client
		spec  func() types.VirtualMachineRelocateSpec
		fault types.BaseMethodFault // its type
		msg   string                // contained in the message
	}
	cases := []refusal{
		{name: "a host the target does not have", spec: func() types.VirtualMachineRelocateSpec {
			s := base()
			s.Host = &ghostHost
			return s
		}, fault: &types.ManagedObjectNotFound{}, msg: "'vim.HostSystem:host-9999' has already been deleted or has not been completely created (at the destination vCenter"},
		{name: "a datastore as the host", spec: func() types.VirtualMachineRelocateSpec {
			s := base()
			s.Host = &bDatastore
			return s
		}, fault: &types.InvalidArgument{}, msg: "spec.host"},
		{name: "a pool the target does not have", spec: func() types.VirtualMachineRelocateSpec {
			s := base()
			s.Pool = &types.ManagedObjectReference{Type: "ResourcePool", Value: "resgroup-9999"}
			return s
		}, fault: &types.ManagedObjectNotFound{}, msg: "resgroup-9999"},
		{name: "a disk on a datastore the target does not have", spec: func() types.VirtualMachineRelocateSpec {
			s := base()
			s.Disk[0].Datastore = types.ManagedObjectReference{Type: "Datastore", Value: "datastore-9999"}
			return s
		}, fault: &types.ManagedObjectNotFound{}, msg: "datastore-9999"},
		{name: "an unknown vCenter", spec: func() types.VirtualMachineRelocateSpec {
			s := base()
			s.Service.InstanceUuid = "00000000-0000-0000-0000-000000000000"
			return s
		}, fault: &types.InvalidArgument{}, msg: "spec.service.instanceUuid"},
		{name: "the source vCenter itself", spec: func() types.VirtualMachineRelocateSpec {
			s := base()
			s.Service = serviceLocator(t, a, epA)
			return s
		}, fault: &types.InvalidArgument{}, msg: "names the source vCenter itself"},
		{name: "another URL", spec: func() types.VirtualMachineRelocateSpec {
			s := base()
			s.Service.Url = epA.URL
			return s
		}, fault: &types.InvalidArgument{}, msg: "spec.service.url"},
		{name: "a wrong password", spec: func() types.VirtualMachineRelocateSpec {
			s := base()
			s.Service.Credential = &types.ServiceLocatorNamePassword{Username: epB.Username, Password: "guess"}
			return s
		}, fault: &types.InvalidLogin{}, msg: "incorrect user name or password"},
		{name: "a wrong thumbprint", spec: func() types.VirtualMachineRelocateSpec {
			s := base()
			s.Service.SslThumbprint = sha1Thumbprint(t, epA)
			return s
		}, fault: &types.SSLVerifyFault{}, msg: "thumbprint"},
		{name: "a NIC left on the source's switch", spec: func() types.VirtualMachineRelocateSpec {
			s := base()
			s.DeviceChange = nil
			return s
		}, fault: &types.InvalidArgument{}, msg: "Network adapter 1: the destination has no distributed port group"},
		{name: "a name taken at the target", vm: "report-01", fault: &types.DuplicateName{}, msg: "The name 'report-01' already exists."},
		{name: "a shared SCSI bus", vm: "sql-node-1", fault: &types.SharedBusControllerNotSupported{},
			msg: "Device 'SCSI controller 1' is a SCSI controller engaged in bus-sharing"},
		{name: "a connected ISO on a local datastore", vm: "iso-builder", fault: &types.CannotAccessVmDevice{}, msg: "CD/DVD drive 1"},
		{name: "the DMZ, which the DCI does not carry", vm: "dmz-app-1", fault: &types.NetworksMayNotBeTheSame{},
			msg: "VLAN 300 is not allowed on port-channel10"},
		{name: "a newer EVC mode", vm: "sap-hana-01", from: b, fault: &types.FeatureRequirementsNotMet{},
			msg: "EVC mode intel-sapphirerapids, the destination cluster's is intel-icelake"},
	}
	for _, c := range cases {
		src, dst, dstEP, cluster, ds := a, b, epB, "B-01", "vmfs-b01"
		if c.from == b {
			src, dst, dstEP, cluster, ds = b, a, epA, "A-01", "vmfs-a01"
		}
		vm := web
		if c.vm != "" {
			var ok bool
			if vm, ok = findVM(t, src, c.vm); !ok {
				t.Fatalf("no %s", c.vm)
			}
		}
		spec := crossSpec(t, src, dst, dstEP, vm, cluster, ds)
		if c.spec != nil {
			spec = c.spec()
		}
		f, msg := taskFailure(t, relocate(t, src, vm, spec))
		t.Logf("%-40s %T: %s", c.name+":", f, msg)
		if reflectType(f) != reflectType(c.fault) || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: %T %q; want a %T saying %q", c.name, f, msg, c.fault, c.msg)
		}
		stillAtSource(t, src, dst, vm)
	}

	// A destination host whose VMkernel adapters carry no vMotion.
	spec := base()
	hostName := retrieveOne[mo.HostSystem](t, b, *spec.Host, "name").Name
	if err := l.SetHostVMotion("site-b", hostName, false); err != nil {
		t.Fatal(err)
	}
	f, msg := taskFailure(t, relocate(t, a, web, spec))
	if nc, ok := f.(*types.VMotionNotConfigured); !ok || nc.AtSourceHost || nc.FailedHost != hostName ||
		msg != "The vMotion interface is not configured (or is misconfigured) on the Destination host '"+hostName+"'." {
		t.Errorf("vMotion off at the destination: %#v %q", f, msg)
	}
	if err := l.SetHostVMotion("site-b", hostName, true); err != nil {
		t.Fatal(err)
	}

	// Without a service locator, the source's own relocate: a MoRef it does not have is
	// refused at the call, where the simulator would have panicked in its task.
	for _, spec := range []types.VirtualMachineRelocateSpec{
		{Host: &ghostHost},
		{Datastore: &types.ManagedObjectReference{Type: "Datastore", Value: "datastore-9999"}},
		{Pool: web.Runtime.Host},
	} {
		_, err := object.NewVirtualMachine(a.Client, web.Self).Relocate(context.Background(), spec, types.VirtualMachineMovePriorityDefaultPriority)
		if err == nil || !(fault.Is(err, &types.ManagedObjectNotFound{}) || fault.Is(err, &types.InvalidArgument{})) {
			t.Errorf("no service, %+v: %v", spec, err)
		}
	}

	// A second relocation of a VM being moved.
	first := relocate(t, a, web, base())
	watchTask(t, a, first.Reference()).progressAbove(t, 1)
	f, msg = taskFailure(t, relocate(t, a, web, base()))
	if tip, ok := f.(*types.TaskInProgress); !ok || tip.Task != first.Reference() {
		t.Errorf("second relocation: %T %s", f, msg)
	}
	if err := first.Cancel(context.Background()); err != nil {
		t.Fatal(err)
	}
	taskFailure(t, first)
	stillAtSource(t, a, b, web)
}

func reflectType(v any) string { return fmt.Sprintf("%T", v) }

// With an idle DCI, two moves share its 2 × 10 Gbps at their adapters' 10 GbE each; one DCI
// member shut halves the DCI, and each move's rate drops to half, at once.
func TestRelocateMemberShutHalvesRate(t *testing.T) {
	t.Parallel()
	l, a, b := startLabWith(t, Options{Speed: 1})
	l.Fabric().SetDCILoad(0)
	epB := endpoint(t, l, "site-b")
	var tasks []*object.Task
	var watches []*taskWatch
	for _, name := range []string{"app-01", "app-02"} {
		vm, _ := findVM(t, a, name)
		tk := relocate(t, a, vm, crossSpec(t, a, b, epB, vm, "B-01", metroDatastore))
		tasks = append(tasks, tk)
		watches = append(watches, watchTask(t, a, tk.Reference()))
	}
	rate := regexp.MustCompile(` at ([0-9.]+) Gbps`)
	rates := func(w *taskWatch) float64 {
		_, phases := w.snapshot()
		if len(phases) == 0 {
			return 0
		}
		m := rate.FindStringSubmatch(phases[len(phases)-1])
		if m == nil {
			return 0
		}
		r, _ := strconv.ParseFloat(m[1], 64)
		return r
	}
	for _, w := range watches {
		w.progressAbove(t, 3)
	}
	before := []float64{rates(watches[0]), rates(watches[1])}
	addedBefore := l.Fabric().DCIPath().AddedMbps
	if _, err := l.Fabric().Exec("mia-dci-n7k-01", "configure terminal", "interface Ethernet3/1", "shutdown", "end"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the moves to slow down", 5*time.Second, func() bool {
		return rates(watches[0]) < before[0] && rates(watches[1]) < before[1]
	})
	after := []float64{rates(watches[0]), rates(watches[1])}
	addedAfter := l.Fabric().DCIPath().AddedMbps
	t.Logf("per move: %v Gbps before, %v Gbps after one DCI member shut; DCI carries +%d Mbps, then +%d Mbps", before, after, addedBefore, addedAfter)
	for i := range before {
		if before[i] != 9.4 || after[i] != 4.7 {
			t.Errorf("move %d: %v Gbps, then %v Gbps; want 9.4, then 4.7", i, before[i], after[i])
		}
	}
	if addedBefore != 20000 || addedAfter != 10000 {
		t.Errorf("the moves added %d Mbps, then %d Mbps to the DCI", addedBefore, addedAfter)
	}
	for _, tk := range tasks {
		_ = tk.Cancel(context.Background())
		taskFailure(t, tk)
	}
}

// A powered-on VM whose disks move to the target's VMFS datastore, snapshots and all, and a
// powered-off VM (a cold migration): the disks and files move with them, the snapshots are
// the target's objects, the power state stays.
func TestRelocateStorageAndSnapshots(t *testing.T) {
	t.Parallel()
	l, a, b := startLabWith(t, Options{Speed: 200})
	epB := endpoint(t, l, "site-b")
	for _, name := range []string{"snap-heavy", "legacy-erp-01"} {
		vm, _ := findVM(t, a, name)
		spec := crossSpec(t, a, b, epB, vm, "B-01", "vmfs-b01")
		tk := relocate(t, a, vm, spec)
		w := watchTask(t, a, tk.Reference())
		info, err := tk.WaitForResult(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		<-w.done
		_, phases := w.snapshot()
		t.Logf("%s: phases %q", name, phases)
		got, ok := findVM(t, b, name)
		if !ok || got.Self != info.Result.(types.ManagedObjectReference) {
			t.Fatalf("%s is not at B", name)
		}
		if got.Runtime.PowerState != vm.Runtime.PowerState || got.Config.InstanceUuid != vm.Config.InstanceUuid {
			t.Errorf("%s: %s, %s at B", name, got.Runtime.PowerState, got.Config.InstanceUuid)
		}
		if !strings.HasPrefix(got.Config.Files.VmPathName, "[vmfs-b01] "+name+"/") || got.Summary.Config.VmPathName != got.Config.Files.VmPathName {
			t.Errorf("%s: files at %s", name, got.Config.Files.VmPathName)
		}
		for _, d := range got.Config.Hardware.Device {
			if disk, ok := d.(*types.VirtualDisk); ok {
				fb := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
				if !strings.HasPrefix(fb.FileName, "[vmfs-b01] ") || *fb.Datastore != *spec.Datastore {
					t.Errorf("%s: disk %d at %s (%s)", name, disk.Key, fb.FileName, fb.Datastore)
				}
			}
		}
		// The files are at B's datastore, and gone from A's.
		dsB := retrieveOne[mo.Datastore](t, b, *spec.Datastore, "info")
		dirB := dsB.Info.GetDatastoreInfo().Url + "/" + name
		if _, err := os.Stat(filepath.Join(dirB, name+".vmx")); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		dsA := retrieveOne[mo.Datastore](t, a, vm.Datastore[0], "info")
		if _, err := os.Stat(dsA.Info.GetDatastoreInfo().Url + "/" + name); !os.IsNotExist(err) {
			t.Errorf("%s: the source's directory is still there (%v)", name, err)
		}
		if name == "snap-heavy" {
			if !slices.ContainsFunc(phases, func(p string) bool { return strings.HasPrefix(p, "copying disks: ") }) {
				t.Errorf("no disk copy in %q", phases)
			}
			var names []string
			walkSnapshots(got.Snapshot.RootSnapshotList, func(s *types.VirtualMachineSnapshotTree) {
				names = append(names, s.Name)
				snap := retrieveOne[mo.VirtualMachineSnapshot](t, b, s.Snapshot, "vm", "config.name")
				if s.Vm != got.Self || snap.Vm != got.Self {
					t.Errorf("snapshot %s names VM %s / %s", s.Name, s.Vm, snap.Vm)
				}
			})
			if !slices.Equal(names, []string{"before-upgrade-v4", "pre-patch-2024-06", "release-4.2-rc1"}) {
				t.Errorf("snapshots at B: %v", names)
			}
			var cur mo.VirtualMachineSnapshot
			err := property.DefaultCollector(a.Client).RetrieveOne(context.Background(), *vm.Snapshot.CurrentSnapshot, []string{"vm"}, &cur)
			if !fault.Is(err, &types.ManagedObjectNotFound{}) {
				t.Errorf("the source's snapshot: %v", err)
			}
		}
		if name == "legacy-erp-01" && slices.ContainsFunc(phases, func(p string) bool { return strings.Contains(p, "pre-copy") }) {
			t.Errorf("a cold migration pre-copies memory: %q", phases)
		}
	}
}
