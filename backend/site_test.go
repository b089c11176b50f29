package backend

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// withVLAN puts the model's distributed port group DC0_DVPG0 (where vcsim attaches every VM)
// on VLAN 120 and gives DC0_H0_VM0 a second NIC on "VM Network", so the load covers VLANs
// and multi-network VMs.
func withVLAN(t *testing.T, vc *vcenter) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := vc.other.Client
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"Network"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()
	var pgs []mo.DistributedVirtualPortgroup
	err = v.RetrieveWithFilter(ctx, []string{"DistributedVirtualPortgroup"}, []string{"name", "config"}, &pgs, property.Match{"name": "DC0_DVPG0"})
	if err != nil || len(pgs) != 1 {
		t.Fatalf("DC0_DVPG0: %d found (%v)", len(pgs), err)
	}
	pg := pgs[0]
	// vcsim's reconfigure copies every field of the spec, the name included.
	task, err := object.NewDistributedVirtualPortgroup(c, pg.Self).Reconfigure(ctx, types.DVPortgroupConfigSpec{
		Name:              pg.Name,
		ConfigVersion:     pg.Config.ConfigVersion,
		DefaultPortConfig: &types.VMwareDVSPortSetting{Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 120}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	nets, err := v.Find(ctx, []string{"Network"}, property.Match{"name": "VM Network"})
	if err != nil || len(nets) != 1 {
		t.Fatalf("VM Network: %d found (%v)", len(nets), err)
	}
	backing, err := object.NewNetwork(c, nets[0]).EthernetCardBackingInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nic, err := object.EthernetCardTypes().CreateEthernetCard("vmxnet3", backing)
	if err != nil {
		t.Fatal(err)
	}
	if err := vc.vm(t, "DC0_H0_VM0").AddDevice(ctx, nic); err != nil {
		t.Fatal(err)
	}
}

func TestSiteLoadsEveryVM(t *testing.T) {
	t.Parallel()
	vc := newVCenter(t, "site-a", nil)
	withVLAN(t, vc)
	want := vc.expectedVMs(t)

	site := NewSite(vc.spec, testOpts...)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = site.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })

	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	select {
	case <-site.Settled():
	case <-wctx.Done():
		t.Fatal("site did not load within 10 s")
	}
	if err := site.LoadErr(); err != nil {
		t.Fatal(err)
	}
	snap := site.Snapshot()
	if snap.Status.State != model.Connected || snap.Status.Err != "" {
		t.Fatalf("status = %+v, want connected with no error", snap.Status)
	}
	if len(snap.VMs) != len(want) || len(want) == 0 {
		t.Fatalf("loaded %d VMs, the other client sees %d", len(snap.VMs), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(snap.VMs[i], want[i]) {
			t.Errorf("VM %d:\n got %+v\nwant %+v", i, snap.VMs[i], want[i])
		}
	}
	// The fixture must really cover what it claims to.
	var vlans, multiNet, clustered, standalone bool
	for _, vm := range snap.VMs {
		vlans = vlans || reflect.DeepEqual(vm.VLANs, []int{120})
		multiNet = multiNet || len(vm.Networks) > 1
		clustered = clustered || vm.Cluster != ""
		standalone = standalone || (vm.Cluster == "" && vm.Host != "")
		if vm.Name == "" || vm.Power == "" || vm.Host == "" || vm.CPU == 0 || vm.MemoryMiB == 0 || len(vm.Datastores) == 0 {
			t.Errorf("VM %+v has empty fields", vm)
		}
	}
	if !vlans || !multiNet || !clustered || !standalone {
		t.Errorf("fixture coverage: vlan=%v multi-network=%v clustered=%v standalone=%v", vlans, multiNet, clustered, standalone)
	}
}

// startEngine starts an engine with the test options and closes it when the test ends.
func startEngine(t *testing.T, specs []SiteSpec) *Engine {
	t.Helper()
	e := NewEngine(specs, testOpts...)
	e.Start(context.Background())
	t.Cleanup(e.Close)
	return e
}

// TestAwaitMarksSilent times the watchdog with small settings: a connected site whose call
// has not answered by the poll wait plus the grace shows as Silent (and down) until the
// answer comes, and nothing outlives the call.
func TestAwaitMarksSilent(t *testing.T) {
	t.Parallel()
	s := NewSite(SiteSpec{ID: "site-x", URL: "https://vc.example:443/sdk"})
	s.opts.pollWait, s.opts.answerGrace = 100*time.Millisecond, 100*time.Millisecond
	type seen struct {
		at   time.Time
		snap model.SiteSnapshot
	}
	var mu sync.Mutex
	var log []seen
	s.onChange = func(snap model.SiteSnapshot) {
		mu.Lock()
		log = append(log, seen{time.Now(), snap})
		mu.Unlock()
	}
	published := func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), log...)
	}
	s.answered()
	s.setLoaded(siteInventory{})
	live := s.Snapshot().Status
	if !live.Live() || live.LastAnswer.IsZero() || !live.DownSince.IsZero() {
		t.Fatalf("loaded: %+v, want live with a last answer", live)
	}

	// On time: nothing to publish, and the new answer waits for the next change.
	n := len(published())
	if err := s.await(true, func() error { time.Sleep(120 * time.Millisecond); return nil }); err != nil {
		t.Fatal(err)
	}
	s.answered()
	if got := len(published()); got != n {
		t.Errorf("an answer on time published %d snapshots", got-n)
	}

	// Late: silent after 200 ms, live again with the answer.
	start := time.Now()
	err := s.await(true, func() error { time.Sleep(500 * time.Millisecond); return nil })
	if err != nil {
		t.Fatal(err)
	}
	s.answered()
	late := published()[n:]
	if len(late) != 2 {
		t.Fatalf("%d snapshots published for one late answer, want silent then live", len(late))
	}
	silent, back := late[0], late[1]
	if d := silent.at.Sub(start); !silent.snap.Status.Silent || d < 200*time.Millisecond || d > time.Second {
		t.Errorf("silent %v after %s, want silent after 200 ms", silent.snap.Status.Silent, d)
	}
	st := silent.snap.Status
	if st.State != model.Connected || st.Live() || !st.Since.Equal(live.Since) || st.LastAnswer.IsZero() || st.LastAnswer.After(start) {
		t.Errorf("silent status %+v: want connected, not live, Since kept, LastAnswer before the call", st)
	}
	if st.DownSince.Before(start.Add(200*time.Millisecond)) || !strings.Contains(st.Err, "not answering since") {
		t.Errorf("silent status %+v: want DownSince when it went silent and an error saying so", st)
	}
	st = back.snap.Status
	if !st.Live() || !st.DownSince.IsZero() || st.Err != "" || st.LastAnswer.Before(start.Add(500*time.Millisecond)) {
		t.Errorf("answered status %+v: want live, no DownSince, no error, the new LastAnswer", st)
	}

	// A site not yet connected (still loading) is never silent.
	s2 := NewSite(SiteSpec{ID: "site-y"})
	s2.opts.pollWait, s2.opts.answerGrace = 10*time.Millisecond, 10*time.Millisecond
	_ = s2.await(true, func() error { time.Sleep(100 * time.Millisecond); return nil })
	if st := s2.Snapshot().Status; st.Silent {
		t.Errorf("a connecting site went silent: %+v", st)
	}

	// await returns only once its call has: the call's goroutine cannot outlive a session.
	var returned atomic.Bool
	_ = s.await(true, func() error { time.Sleep(300 * time.Millisecond); returned.Store(true); return nil })
	if !returned.Load() {
		t.Error("await returned before its call")
	}
}

// TestDownSinceKeptThroughRetries points a site at a closed port: DownSince is its first
// failure and stays there through every retry, while Since follows each change of state.
func TestDownSinceKeptThroughRetries(t *testing.T) {
	t.Parallel()
	spec := SiteSpec{ID: "site-x", URL: "https://" + closedPort(t) + "/sdk", Username: "u", Password: "p", Insecure: true}
	e := NewEngine([]SiteSpec{spec}, testOpts...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub := e.Subscribe(ctx)
	first := <-sub
	if st := first.Sites[0].Status; st.State != model.Connecting || !st.DownSince.IsZero() {
		t.Fatalf("before the first attempt: %+v, want connecting and not down", st)
	}
	e.Start(ctx)
	t.Cleanup(e.Close)

	var down time.Time
	var since []time.Time // of each Disconnected state
	waitFor(t, ctx, sub, "three failed attempts", func(st model.State) bool {
		s := st.Sites[0].Status
		if s.State == model.Connected || s.Silent {
			t.Fatalf("a closed port answered: %+v", s)
		}
		if down.IsZero() {
			if s.State != model.Disconnected {
				t.Fatalf("%s before the first failure", s.State)
			}
			down = s.DownSince
			if !down.Equal(s.Since) {
				t.Errorf("DownSince %s, want the first failure's time %s", down, s.Since)
			}
		}
		if !s.DownSince.Equal(down) {
			t.Fatalf("DownSince moved from %s to %s on a retry (%s)", down, s.DownSince, s.State)
		}
		if s.State == model.Disconnected && (len(since) == 0 || !since[len(since)-1].Equal(s.Since)) {
			since = append(since, s.Since)
		}
		return len(since) >= 3
	})
	if !since[2].After(since[0]) {
		t.Errorf("Since did not move with the retries: %v", since)
	}
}

// TestDrainingTransportReusesConnections: a client that stops reading at the end of an XML
// envelope, as govmomi's decoder does, may close the body before the end of its chunked
// encoding; net/http then drops the connection and dials a new one (against the lab: a TLS
// handshake after every poll that carried changes).
func TestDrainingTransportReusesConnections(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "<answer>"+strings.Repeat("x", 64<<10)+"</answer>") // chunked
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond) // the end of the chunked body comes a little later
	}))
	t.Cleanup(srv.Close)
	reused := func(rt http.RoundTripper) bool {
		c := &http.Client{Transport: rt}
		var got bool
		for i := range 2 {
			ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
				GotConn: func(info httptrace.GotConnInfo) { got = info.Reused },
			})
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var v struct{}
			if err := xml.NewDecoder(res.Body).Decode(&v); err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if i == 0 {
				time.Sleep(20 * time.Millisecond) // let the connection go back to the pool
			}
		}
		return got
	}
	plain := srv.Client().Transport.(*http.Transport)
	if reused(plain.Clone()) {
		t.Log("net/http reused the connection without the drain: the drain may no longer be needed")
	}
	if !reused(drainingTransport{plain.Clone()}) {
		t.Error("the connection was not reused after a drained answer")
	}
}
