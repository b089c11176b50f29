package lab

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/types"
)

// TestLogoutDuringSwitchovers logs sessions out, each in the middle of a long poll of its
// own view of the VMs, again and again while a VM moves back and forth between the sites:
// every Logout must return. The simulator's Logout, a switchover and a poll in flight take
// the same three locks in a cycle (see drainFeeds); a console quitting during an evacuation
// hung its vCenter that way.
func TestLogoutDuringSwitchovers(t *testing.T) {
	t.Parallel()
	l, a, b := startLabWith(t, Options{Speed: 40})
	// A deadlock hangs the sites for good, and the test with them: fail it in time instead.
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-finished:
		case <-time.After(2 * time.Minute):
			panic("TestLogoutDuringSwitchovers: no end after 2 minutes (a Logout, poll and switchover deadlocked?)")
		}
	}()
	epA, epB := endpoint(t, l, "site-a"), endpoint(t, l, "site-b")

	done := make(chan struct{})
	var logouts, slow atomic.Int32
	var wg sync.WaitGroup
	for _, ep := range []Endpoint{epA, epB, epA, epB} {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				c := connect(t, ep)
				stop := pollVMs(t, c)
				time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				started := time.Now()
				err := c.Logout(ctx)
				cancel()
				stop()
				if err != nil || time.Since(started) > 8*time.Second {
					slow.Add(1)
					t.Errorf("%s: Logout after %s: %v", ep.ID, time.Since(started).Round(time.Millisecond), err)
					return
				}
				logouts.Add(1)
			}
		})
	}

	// web-01 goes to site B and back, 10 times each way.
	from, to, fromEP, toEP, cluster := a, b, epA, epB, "B-01"
	for i := 0; i < 20 && slow.Load() == 0; i++ {
		vm, ok := findVM(t, from, "web-01")
		if !ok {
			t.Fatalf("move %d: web-01 is not at %s", i, fromEP.ID)
		}
		spec := crossSpec(t, from, to, toEP, vm, cluster, metroDatastore)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if _, err := relocate(t, from, vm, spec).WaitForResult(ctx); err != nil {
			cancel()
			t.Fatalf("move %d to %s: %v", i, toEP.ID, err)
		}
		cancel()
		from, to, fromEP, toEP = to, from, toEP, fromEP
		cluster = map[string]string{"B-01": "A-01", "A-01": "B-01"}[cluster]
	}
	close(done)
	wg.Wait()
	if logouts.Load() < 20 {
		t.Errorf("only %d sessions logged out during the moves: the test did not exercise the switchovers", logouts.Load())
	}
	t.Logf("%d sessions logged out mid-poll during 20 moves", logouts.Load())
}

// pollVMs long-polls a view of every VM's name and runtime in a session of c's until stop.
func pollVMs(t *testing.T, c *govmomi.Client) (stop func()) {
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
	filter := new(property.WaitFilter).Add(v.Reference(), "VirtualMachine", []string{"name", "runtime.host", "runtime.powerState"}, v.TraversalSpec())
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		_ = property.WaitForUpdatesEx(ctx, pc, filter, func([]types.ObjectUpdate) bool { return false })
	}()
	return func() { cancel(); <-polled }
}
