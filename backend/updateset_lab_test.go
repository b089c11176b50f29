package backend_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/lab"
)

// answerRecorder keeps the body of every WaitForUpdatesEx answer a client receives.
type answerRecorder struct {
	rt      http.RoundTripper
	mu      sync.Mutex
	answers [][]byte
}

func (r *answerRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	poll := strings.Contains(req.Header.Get("SOAPAction"), "urn:vim25") && req.Body != nil
	var isWait bool
	if poll {
		b, _ := io.ReadAll(req.Body)
		req.Body.Close()
		isWait = bytes.Contains(b, []byte("WaitForUpdatesEx"))
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	res, err := r.rt.RoundTrip(req)
	if err != nil || !isWait {
		return res, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.answers = append(r.answers, b)
	r.mu.Unlock()
	res.Body = io.NopCloser(bytes.NewReader(b))
	return res, nil
}

// TestUpdateSetDecoderOnLab follows a lab site the way a Site does (its ContainerView and
// properties), through the load and a few changes (a rename, a power-off, a reconfiguration,
// a host into maintenance, a VM destroyed), and reads every answer both ways: the fast path
// reads them all (none is left to govmomi whole), and reads what govmomi reads.
func TestUpdateSetDecoderOnLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l, err := lab.Start(ctx, lab.Options{VMsPerSite: 300})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := labClient(t, l, "site-a")
	rec := &answerRecorder{rt: c.Client.Client.Transport}
	c.Client.Client.Transport = rec

	kinds, props := backend.InventoryFilterForTest()
	cv, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder, kinds, true)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := property.DefaultCollector(c.Client).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.CreateFilter(ctx, types.CreateFilter{Spec: types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: cv.Reference(), Skip: types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}}}},
		PropSet: props,
	}}); err != nil {
		t.Fatal(err)
	}
	wait := int32(1)
	req := types.WaitForUpdatesEx{This: pc.Reference(), Options: &types.WaitOptions{MaxWaitSeconds: &wait}}
	poll := func() {
		t.Helper()
		for {
			res, err := methods.WaitForUpdatesEx(ctx, c.Client, &req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Returnval == nil {
				return
			}
			req.Version = res.Returnval.Version
			if tr := res.Returnval.Truncated; tr == nil || !*tr {
				return
			}
		}
	}
	poll() // the load, in pages

	finder := find.NewFinder(c.Client, true)
	dc, err := finder.DefaultDatacenter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	finder.SetDatacenter(dc)
	vm := func(name string) *object.VirtualMachine {
		t.Helper()
		v, err := finder.VirtualMachine(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	waitTask := func(task *object.Task, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if err := task.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	waitTask(vm("web-01").Rename(ctx, "web-01-renamed & <co>"))
	poll()
	waitTask(vm("app-01").PowerOff(ctx))
	poll()
	waitTask(vm("app-02").Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: 6, MemoryMB: 12288}))
	poll()
	hosts, err := finder.HostSystemList(ctx, "*")
	if err != nil || len(hosts) == 0 {
		t.Fatal(hosts, err)
	}
	waitTask(hosts[len(hosts)-1].EnterMaintenanceMode(ctx, 0, false, nil))
	poll()
	off := vm("archive-01")
	if task, err := off.PowerOff(ctx); err == nil {
		_ = task.Wait(ctx)
	}
	waitTask(off.Destroy(ctx))
	poll()

	rec.mu.Lock()
	answers := rec.answers
	rec.mu.Unlock()
	if len(answers) < 6 {
		t.Fatalf("%d answers recorded", len(answers))
	}
	var objects int
	for i, body := range answers {
		fast, fastErr, slow, slowErr := backend.DecodeUpdateSetsForTest(body)
		if slowErr != nil || slow.Fault() != nil {
			t.Fatalf("answer %d: govmomi: %v %v", i, slowErr, slow.Fault())
		}
		if fastErr != nil {
			t.Errorf("answer %d left to govmomi: %v", i, fastErr)
			continue
		}
		if !reflect.DeepEqual(fast, slow.Res.Returnval) {
			t.Errorf("answer %d: the fast path read\n%#v\ngovmomi\n%#v", i, fast, slow.Res.Returnval)
		}
		if fast != nil {
			for _, fs := range fast.FilterSet {
				objects += len(fs.ObjectSet)
			}
		}
	}
	t.Logf("%d answers, %d object updates read both ways", len(answers), objects)
}
