package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
	"github.com/vmcross/vmcross/fabric"
)

// testNow is the fixed clock of every test: ages in goldens never change.
var testNow = time.Date(2025, 3, 14, 3, 0, 0, 0, time.UTC)

// fakeEngine is a stand-in for backend.Engine: the ui's seam is the Engine interface.
// Publish delivers a State to every subscriber, replacing one not yet read (coalescing,
// like the real engine).
type fakeEngine struct {
	mu        sync.Mutex
	state     model.State
	subs      map[chan model.State]struct{}
	refreshes int
	calls     []fakeCall
	details   map[model.VMKey]model.VMDetails
	err       error // what commands fail with

	// Preflight answers with pre (its VMs filled in from the State when empty) or preErr,
	// after waiting on preGate when it is set; preflights counts the calls.
	pre        preflight.Result
	preErr     error
	preGate    chan struct{}
	preflights int
	requests   []preflight.Request

	// Migrate records each request with its acknowledgements, and answers with migrated
	// (its moves numbered on from the State's when they have no ids) or migrateErr. With
	// publishMoves, it also publishes a State holding the queued moves, as the engine does.
	migrations   []fakeMigration
	migrated     model.MigrateResult
	migrateErr   error
	publishMoves bool
	// CancelMove records the ids it is asked to cancel, and fails with cancelErr.
	cancels   []string
	cancelErr error
	// History answers with history or historyErr, after waiting on historyGate when set.
	history      []model.AuditRecord
	historyErr   error
	historyGate  chan struct{}
	historyCalls int
}

// fakeMigration is one Migrate call.
type fakeMigration struct {
	who   model.Operator
	req   preflight.Request
	acked map[model.VMKey][]string
}

// Migrate records the request and answers with the configured result.
func (f *fakeEngine) Migrate(_ context.Context, who model.Operator, req preflight.Request, acked map[model.VMKey][]string) (model.MigrateResult, error) {
	f.mu.Lock()
	f.calls = append(f.calls, fakeCall{cmd: model.CmdMigrate, who: who, site: req.To})
	f.migrations = append(f.migrations, fakeMigration{who: who, req: req, acked: acked})
	if f.migrateErr != nil {
		f.mu.Unlock()
		return model.MigrateResult{}, f.migrateErr
	}
	res := model.MigrateResult{Skipped: f.migrated.Skipped}
	n := len(f.state.Moves)
	for _, mv := range f.migrated.Moves {
		if mv.ID == "" {
			n++
			mv.ID = fmt.Sprintf("mv-%d", n)
		}
		res.Moves = append(res.Moves, mv)
	}
	publish := f.publishMoves && len(res.Moves) > 0
	f.mu.Unlock()
	if publish {
		f.PublishMoves(append(f.Snapshot().Moves, res.Moves...)...)
	}
	return res, nil
}

// CancelMove records the id.
func (f *fakeEngine) CancelMove(_ context.Context, who model.Operator, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fakeCall{cmd: model.CmdCancelMove, who: who})
	f.cancels = append(f.cancels, id)
	return f.cancelErr
}

// History answers with the configured records.
func (f *fakeEngine) History(context.Context) ([]model.AuditRecord, error) {
	f.mu.Lock()
	gate := f.historyGate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.historyCalls++
	return append([]model.AuditRecord(nil), f.history...), f.historyErr
}

// PublishMoves publishes the current State with these moves, a generation on.
func (f *fakeEngine) PublishMoves(moves ...model.Move) {
	s := f.Snapshot()
	s.Gen++
	s.MovesGen++
	s.Moves = moves
	f.Publish(s)
}

// Preflight answers with the configured result, as the real engine would after judging.
func (f *fakeEngine) Preflight(_ context.Context, who model.Operator, req preflight.Request) (preflight.Result, error) {
	keys, to := req.VMs, req.To
	f.mu.Lock()
	gate := f.preGate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.preflights++
	f.requests = append(f.requests, req)
	f.calls = append(f.calls, fakeCall{cmd: "preflight", who: who, site: to})
	if f.preErr != nil {
		return preflight.Result{}, f.preErr
	}
	res := f.pre
	res.To = to
	if len(keys) > 0 {
		res.From = keys[0].Site
	}
	if res.VMs == nil {
		for _, k := range keys {
			if site, ok := f.state.Site(k.Site); ok {
				if vm, ok := site.VM(k.MoRef); ok {
					res.VMs = append(res.VMs, vm)
				}
			}
		}
	}
	return res, nil
}

func (f *fakeEngine) PollFabric(_ context.Context, who model.Operator) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshes++
	f.calls = append(f.calls, fakeCall{cmd: model.CmdPollFabric, who: who})
	return nil
}

func (f *fakeEngine) ReconnectSite(_ context.Context, who model.Operator, site model.SiteID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fakeCall{cmd: model.CmdReconnectSite, who: who, site: site})
	return f.err
}

// Details answers from f.details, as the real engine would from a vCenter.
func (f *fakeEngine) Details(_ context.Context, who model.Operator, key model.VMKey) (model.VMDetails, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fakeCall{cmd: "details", who: who, site: key.Site})
	d, ok := f.details[key]
	if !ok {
		return model.VMDetails{}, fmt.Errorf("VM %s no longer exists at %s", key.MoRef, key.Site)
	}
	return d, f.err
}

// fakeCall is one command the fake engine took.
type fakeCall struct {
	cmd  model.Command
	who  model.Operator
	site model.SiteID
}

func newFakeEngine(s model.State) *fakeEngine {
	return &fakeEngine{state: s, subs: map[chan model.State]struct{}{}}
}

func (f *fakeEngine) Snapshot() model.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

func (f *fakeEngine) Subscribe(ctx context.Context) <-chan model.State {
	ch := make(chan model.State, 1)
	f.mu.Lock()
	f.subs[ch] = struct{}{}
	f.mu.Unlock()
	go func() {
		<-ctx.Done()
		f.mu.Lock()
		delete(f.subs, ch)
		close(ch)
		f.mu.Unlock()
	}()
	return ch
}

func (f *fakeEngine) Publish(s model.State) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state = s
	for ch := range f.subs {
		select {
		case <-ch: // drop the unread older State
		default:
		}
		ch <- s
	}
}

func (f *fakeEngine) subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// asciiRenderer renders without colour, for goldens that read as plain text.
func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

// colourRenderer renders in true colour, to check that styling never changes widths.
func colourRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	return r
}

func testOptions() Options {
	return Options{Renderer: asciiRenderer(), Now: func() time.Time { return testNow }}
}

// vmGroup is a run of similar VMs, as an estate has them: prod-web-01..08 and so on.
type vmGroup struct {
	prefix  string
	count   int
	cpu     int32
	memMiB  int32
	vlans   []int
	cluster int // index into the site's clusters
	power   func(i int) model.PowerState
	tmpl    bool
}

func on(int) model.PowerState  { return model.PoweredOn }
func off(int) model.PowerState { return model.PoweredOff }

// everyNthOff powers off every nth VM of a group, and suspends the one after it.
func everyNthOff(n int) func(int) model.PowerState {
	return func(i int) model.PowerState {
		switch i % n {
		case n - 1:
			return model.PoweredOff
		case n - 2:
			if n > 3 {
				return model.Suspended
			}
		}
		return model.PoweredOn
	}
}

// groups is a two-site estate's worth of VM roles; 80 VMs per site. Only the SQL roles
// have s, q and l in their names, in that order.
var groups = []vmGroup{
	{"prod-web", 8, 2, 4096, []int{110}, 0, on, false},
	{"prod-app", 8, 4, 8192, []int{110, 120}, 0, everyNthOff(5), false},
	{"prod-sql", 4, 8, 65536, []int{120, 130}, 1, on, false},
	{"prod-sql-clu-n", 2, 16, 131072, []int{120, 130, 131}, 1, on, false},
	{"prod-dc", 2, 2, 4096, []int{100}, 0, on, false},
	{"prod-mq", 3, 4, 16384, []int{120}, 0, on, false},
	{"prod-redis", 3, 2, 12288, []int{120}, 0, everyNthOff(3), false},
	{"k8s-master", 3, 4, 16384, []int{140}, 1, on, false},
	{"k8s-worker", 12, 8, 32768, []int{140, 141}, 1, everyNthOff(6), false},
	{"dev-web", 4, 1, 2048, []int{210}, 2, everyNthOff(2), false},
	{"dev-app", 4, 2, 3072, []int{210, 220}, 2, everyNthOff(4), false},
	{"test-sql", 2, 4, 16384, []int{220}, 2, off, false},
	{"jump", 2, 2, 4096, []int{100}, 0, on, false},
	{"backup-proxy", 2, 4, 8192, []int{100, 150}, 0, on, false},
	{"elk", 5, 8, 32768, []int{150}, 1, on, false},
	{"monitor", 2, 2, 6144, []int{100}, 0, on, false},
	{"vdi-pool", 11, 2, 3584, []int{300}, 2, everyNthOff(4), false},
	{"tmpl-rhel9", 1, 2, 4096, nil, 2, off, true},
	{"tmpl-win2022", 1, 2, 8192, nil, 2, off, true},
	{"license-srv", 1, 1, 1024, []int{100}, 0, on, false},
}

// siteInfo is one site of the test estate.
type siteInfo struct {
	id       model.SiteID
	name     string
	host     string
	domain   string
	clusters []string
}

var (
	siteA = siteInfo{"site-a", "Miami (site A)", "vcsa-mia.example.net", "mia", []string{"A-01", "A-02", "A-DEV"}}
	siteB = siteInfo{"site-b", "Atlanta (site B)", "vcsa-atl.example.net", "atl", []string{"B-01", "B-02", "B-DEV"}}
)

// siteVMs builds the VMs of one site from groups, repeated times.
func siteVMs(si siteInfo, repeat int) []model.VM {
	var vms []model.VM
	n := 0
	for r := 0; r < repeat; r++ {
		for _, g := range groups {
			for i := 0; i < g.count; i++ {
				n++
				name := fmt.Sprintf("%s-%02d", g.prefix, i+1)
				if g.tmpl {
					name = g.prefix
				}
				if repeat > 1 {
					name = fmt.Sprintf("%s-r%03d", name, r)
				}
				cluster := si.clusters[g.cluster]
				vms = append(vms, model.VM{
					Key:       model.VMKey{Site: si.id, MoRef: fmt.Sprintf("vm-%d", 1000+n)},
					Name:      si.domain + "-" + name,
					Power:     g.power(i),
					Host:      fmt.Sprintf("esx%02d.%s.corp", 1+(n%4)+4*g.cluster, si.domain),
					Cluster:   cluster,
					CPU:       g.cpu,
					MemoryMiB: g.memMiB,
					VLANs:     g.vlans,
					Template:  g.tmpl,
				})
			}
		}
	}
	model.SortVMs(vms)
	return vms
}

func connected(si siteInfo, vms []model.VM) model.SiteSnapshot {
	return model.SiteSnapshot{
		Status: model.SiteStatus{ID: si.id, Name: si.name, Host: si.host, State: model.Connected, Since: testNow.Add(-2 * time.Hour)},
		VMs:    vms,
	}
}

// testState is both sites, connected, 80 VMs each, and a healthy DCI.
func testState() model.State {
	return model.State{Gen: 1, Sites: []model.SiteSnapshot{
		connected(siteA, siteVMs(siteA, 1)),
		connected(siteB, siteVMs(siteB, 1)),
	}, Fabric: healthyFabric()}
}

// withFabric is testState with another fabric picture, judged by fabric as the monitor
// judges its own (a test may have changed a fixture after it was judged).
func withFabric(h fabric.Health) func() model.State {
	h = fabric.Judge(h)
	return func() model.State {
		s := testState()
		s.Gen = 2
		s.Fabric = h
		return s
	}
}

// The DCI of the test estate, as the monitor would report it: an NX-OS DCI edge and a
// Catalyst distribution switch per site; port-channel10 between the edges on Ethernet3/1-2,
// Port-channel1 from each distribution switch up to its edge. VLANs 100-150 are extended;
// the VDI VLAN 300 is allowed on the Atlanta side only. Each fixture is judged by
// fabric.Judge, as the monitor's Health is: the verdict is never written by hand.

const fabricInterval = 5 * time.Second

// healthyFabric is the DCI with nothing wrong: polled 2 s ago, RTT 2 ms, VLANs 100, 110, 120,
// 130, 140 and 150 carried, 300 not (it never was: the VDI pools are local to each site).
func healthyFabric() fabric.Health {
	polled := testNow.Add(-2 * time.Second)
	sw := func(name, site, role, platform, addr, version string) fabric.SwitchStatus {
		return fabric.SwitchStatus{Name: name, Site: site, Role: role, Platform: platform, Address: addr,
			Reachable: true, LastPoll: polled, Version: version}
	}
	members := func(names ...string) []fabric.Member {
		var ms []fabric.Member
		for _, n := range names {
			ms = append(ms, fabric.Member{Name: n, Up: true, State: "bundled", MTU: 9216})
		}
		return ms
	}
	trunk := func(sw, site, ifname string, allowed []int, ms []fabric.Member) fabric.Trunk {
		return fabric.Trunk{Switch: sw, Site: site, Interface: ifname, Up: true, Status: "trunking", MTU: 9216,
			Members: ms, Allowed: allowed, Forwarding: append([]int(nil), allowed...),
			CapacityMbps: 20000, UsedMbps: 1200}
	}
	dci := vlanRange(100, 150)
	withVDI := append(vlanRange(100, 150), 300)
	vlans := []fabric.VLANStatus{}
	for _, id := range []int{100, 110, 120, 130, 140, 150} {
		vlans = append(vlans, fabric.VLANStatus{ID: id, Carried: true})
	}
	vlans = append(vlans, fabric.VLANStatus{ID: 300, Carried: false, Reasons: []string{"not allowed on mia-dci-n7k-01 port-channel10"}})
	return fabric.Judge(fabric.Health{
		Configured: true,
		Interval:   fabricInterval,
		PolledAt:   polled,
		Switches: []fabric.SwitchStatus{
			sw("mia-dci-n7k-01", "site-a", fabric.RoleDCIEdge, fabric.NXOS, "10.1.255.1:22", "8.4(7)"),
			sw("mia-dist-c6k-01", "site-a", fabric.RoleDistribution, fabric.IOSXE, "10.1.255.2:22", "15.5(1)SY4"),
			sw("atl-dci-n7k-01", "site-b", fabric.RoleDCIEdge, fabric.NXOS, "10.2.255.1:22", "8.4(7)"),
			sw("atl-dist-c6k-01", "site-b", fabric.RoleDistribution, fabric.IOSXE, "10.2.255.2:22", "15.5(1)SY4"),
		},
		Trunks: []fabric.Trunk{
			trunk("mia-dci-n7k-01", "site-a", "port-channel10", dci, members("Ethernet3/1", "Ethernet3/2")),
			trunk("mia-dist-c6k-01", "site-a", "Port-channel1", withVDI, members("TenGigabitEthernet1/1", "TenGigabitEthernet1/2")),
			trunk("atl-dci-n7k-01", "site-b", "port-channel10", withVDI, members("Ethernet3/1", "Ethernet3/2")),
			trunk("atl-dist-c6k-01", "site-b", "Port-channel1", withVDI, members("TenGigabitEthernet1/1", "TenGigabitEthernet1/2")),
		},
		VLANs: vlans,
		RTTs: []fabric.RTT{
			{From: "mia-dci-n7k-01", To: "atl-dci-n7k-01", Avg: 2 * time.Millisecond, Max: 2400 * time.Microsecond, OK: true},
			{From: "atl-dci-n7k-01", To: "mia-dci-n7k-01", Avg: 2100 * time.Microsecond, Max: 2600 * time.Microsecond, OK: true},
		},
	})
}

func vlanRange(from, to int) []int {
	var v []int
	for id := from; id <= to; id++ {
		v = append(v, id)
	}
	return v
}

func without(v []int, id int) []int {
	var out []int
	for _, x := range v {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// vlan120Removed is the live demo: someone ran "switchport trunk allowed vlan remove 120" on
// mia-dci-n7k-01 port-channel10.
func vlan120Removed() fabric.Health {
	h := healthyFabric()
	t := &h.Trunks[0]
	t.Allowed = without(t.Allowed, 120)
	t.Forwarding = without(t.Forwarding, 120)
	for i := range h.VLANs {
		if h.VLANs[i].ID == 120 {
			h.VLANs[i] = fabric.VLANStatus{ID: 120, Carried: false, Reasons: []string{"not allowed on mia-dci-n7k-01 port-channel10"}}
		}
	}
	h.Findings = []fabric.Finding{{
		Code: fabric.CodeVLANNotExtended, Severity: fabric.SeverityBlock,
		Message: "VLAN 120 is not carried across the DCI: not allowed on mia-dci-n7k-01 port-channel10",
		Object:  "vlan 120", Switch: "mia-dci-n7k-01", VLAN: 120,
	}}
	return fabric.Judge(h)
}

// memberDown has Ethernet3/2 of mia-dci-n7k-01 port-channel10 down, and CRC errors growing
// on the far end's Ethernet3/1.
func memberDown() fabric.Health {
	h := healthyFabric()
	mia := &h.Trunks[0]
	mia.Members = append([]fabric.Member(nil), mia.Members...)
	mia.Members[1].Up, mia.Members[1].State = false, "down"
	mia.CapacityMbps = 10000
	atl := &h.Trunks[2]
	atl.Members = append([]fabric.Member(nil), atl.Members...)
	atl.Members[0].CRC, atl.Members[0].InErrs, atl.Members[0].Rising = 1204, 1311, true
	h.Findings = []fabric.Finding{
		{Code: fabric.CodeCRCRising, Severity: fabric.SeverityWarn,
			Message: "atl-dci-n7k-01 Ethernet3/1: CRC errors rising (1204, +37 since the last poll)",
			Object:  "atl-dci-n7k-01 Ethernet3/1", Switch: "atl-dci-n7k-01"},
		{Code: fabric.CodeMemberDown, Severity: fabric.SeverityWarn,
			Message: "mia-dci-n7k-01 Ethernet3/2 is down: port-channel10 runs on 1 of 2 members",
			Object:  "mia-dci-n7k-01 Ethernet3/2", Switch: "mia-dci-n7k-01"},
	}
	return fabric.Judge(h)
}

// vlan120AndMemberDown is both at once: three findings, more than the fabric column shows
// unfocused at 120x30 ("… 1 more").
func vlan120AndMemberDown() fabric.Health {
	h := vlan120Removed()
	h.Findings = append(h.Findings, memberDown().Findings...)
	return fabric.Judge(h)
}

// switchUnreachable has atl-dci-n7k-01 refusing SSH for 47 s; the monitor still polls the
// others, so the picture as a whole is fresh. It knows nothing new of the Atlanta edge's
// trunk, so the VLANs it would carry are unknown; VLAN 300, which Miami does not allow, is
// still known not to be carried.
func switchUnreachable() fabric.Health {
	h := healthyFabric()
	atl := &h.Switches[2]
	atl.Reachable = false
	atl.Err = "dial tcp 10.2.255.1:22: connect: connection refused"
	atl.LastPoll = testNow.Add(-47 * time.Second)
	h.Trunks[2] = fabric.Trunk{Switch: "atl-dci-n7k-01", Site: "site-b", Interface: "port-channel10", Unknown: true}
	h.RTTs = h.RTTs[:1]
	for i := range h.VLANs {
		if h.VLANs[i].Carried {
			h.VLANs[i] = fabric.VLANStatus{ID: h.VLANs[i].ID, Unknown: true, Reasons: []string{"unknown: atl-dci-n7k-01 gave no data"}}
		}
	}
	h.Findings = []fabric.Finding{
		{Code: fabric.CodeVLANUnverified, Severity: fabric.SeverityWarn,
			Message: "VLAN 120 cannot be checked: atl-dci-n7k-01 gave no data", Object: "vlan 120", VLAN: 120},
		{Code: fabric.CodeSwitchUnreachable, Severity: fabric.SeverityBlock,
			Message: "atl-dci-n7k-01 did not answer for 47s: dial tcp 10.2.255.1:22: connect: connection refused",
			Object:  "atl-dci-n7k-01", Switch: "atl-dci-n7k-01"},
	}
	return fabric.Judge(h)
}

// staleFabric is vlan120Removed as last polled 23 s ago: the monitor has gone quiet, so
// nothing it said can be trusted.
func staleFabric() fabric.Health {
	h := vlan120Removed()
	h.PolledAt = testNow.Add(-23 * time.Second)
	for i := range h.Switches {
		h.Switches[i].LastPoll = h.PolledAt
	}
	return fabric.Judge(h)
}

// dciDown has both edges' port-channel10 down and no reply across the DCI.
func dciDown() fabric.Health {
	h := healthyFabric()
	for _, i := range []int{0, 2} {
		t := &h.Trunks[i]
		t.Up, t.Status, t.Forwarding = false, "down", nil
		t.Members = []fabric.Member{{Name: "Ethernet3/1", State: "down"}, {Name: "Ethernet3/2", State: "down"}}
	}
	for i := range h.RTTs {
		h.RTTs[i] = fabric.RTT{From: h.RTTs[i].From, To: h.RTTs[i].To, Loss: 100}
	}
	for i := range h.VLANs {
		h.VLANs[i] = fabric.VLANStatus{ID: h.VLANs[i].ID, Reasons: []string{"DCI trunk down on mia-dci-n7k-01 port-channel10"}}
	}
	h.Findings = []fabric.Finding{
		{Code: fabric.CodeTrunkDown, Severity: fabric.SeverityBlock, Message: "mia-dci-n7k-01 port-channel10 is down", Object: "mia-dci-n7k-01 port-channel10", Switch: "mia-dci-n7k-01"},
		{Code: fabric.CodeTrunkDown, Severity: fabric.SeverityBlock, Message: "atl-dci-n7k-01 port-channel10 is down", Object: "atl-dci-n7k-01 port-channel10", Switch: "atl-dci-n7k-01"},
		{Code: fabric.CodePingFailed, Severity: fabric.SeverityBlock, Message: "no reply from atl-dci-n7k-01 across the DCI (100% loss)", Object: "atl-dci-n7k-01"},
	}
	return fabric.Judge(h)
}

// hostileFabric would break a naive pane: long names, control characters, a high RTT, many
// findings and many VLANs.
func hostileFabric() fabric.Health {
	h := memberDown()
	h.Switches[1].Name = "mia-dist-c6k-01.with.a.very.long.domain.example.internal\x1b[31m"
	h.Switches[3].Reachable = false
	h.Switches[3].Err = "ssh: handshake failed:\nread tcp 10.0.0.1:50422->10.2.255.2:22: read: connection reset by peer " + strings.Repeat("x", 80)
	h.Switches[3].LastPoll = time.Time{}
	h.Trunks[1].MTU = 1500
	h.Trunks[1].Allowed = []int{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35, 2000, 2001, 2002, 4094}
	h.RTTs[0].Avg = 180 * time.Millisecond
	h.RTTs[1].Avg = 12 * time.Millisecond
	h.RTTs[1].Loss = 20
	for i := 0; i < 30; i++ {
		h.Findings = append(h.Findings, fabric.Finding{Code: fabric.CodeVLANNotExtended, Severity: fabric.SeverityBlock,
			Message: fmt.Sprintf("VLAN %d is not carried:\tpruned on atl-dist-c6k-01 Port-channel1 %s", 2000+i, strings.Repeat("and more ", 10)), VLAN: 2000 + i})
	}
	h.VLANs = nil
	for i := 0; i < 60; i++ {
		h.VLANs = append(h.VLANs, fabric.VLANStatus{ID: 2000 + i, Carried: i%2 == 0, Reasons: []string{"pruned\non atl"}})
	}
	return fabric.Judge(h)
}

// hostileFabricState puts many VLANs on the VMs too.
func hostileFabricState() model.State {
	s := hostileState()
	s.Fabric = hostileFabric()
	a := &s.Sites[0]
	for i := range a.VMs {
		a.VMs[i].VLANs = append([]int{2000 + i%60, 2001 + i%60}, a.VMs[i].VLANs...)
	}
	return s
}

// bigState is both sites with about n VMs each.
func bigState(n int) model.State {
	per := 0
	for _, g := range groups {
		per += g.count
	}
	rep := (n + per - 1) / per
	a, b := siteVMs(siteA, rep), siteVMs(siteB, rep)
	return model.State{Gen: 1, Sites: []model.SiteSnapshot{
		connected(siteA, a[:min(n, len(a))]),
		connected(siteB, b[:min(n, len(b))]),
	}, Fabric: vlan120Removed()}
}

// disconnectedB is testState with site B's vCenter unreachable for five minutes.
func disconnectedB() model.State {
	s := testState()
	s.Gen = 2
	b := &s.Sites[1]
	b.Status.State = model.Disconnected
	b.Status.Err = "dial tcp 10.20.0.5:443: connect: connection refused; retrying every 10s"
	b.Status.Since = testNow.Add(-10 * time.Second) // the last retry
	b.Status.DownSince = testNow.Add(-5 * time.Minute)
	b.Status.LastAnswer = testNow.Add(-5*time.Minute - 3*time.Second)
	return s
}

// silentB is testState with site B's vCenter frozen for 35 s: still connected, not answering.
func silentB() model.State {
	s := testState()
	s.Gen = 2
	b := &s.Sites[1]
	b.Status.Silent = true
	b.Status.Err = "not answering since 02:59:25"
	b.Status.DownSince = testNow.Add(-35 * time.Second)
	b.Status.LastAnswer = testNow.Add(-35 * time.Second)
	return s
}

// Test helpers that drive a Model by hand.

func newTestModel(t testing.TB, e Engine, w, h int) Model {
	t.Helper()
	m := New(e, testOptions())
	return update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
}

func update(t testing.TB, m Model, msg tea.Msg) Model {
	t.Helper()
	next, _ := m.Update(msg)
	return next.(Model)
}

// press sends one key, spelled as bubbletea spells it ("down", "ctrl+c", "q").
func press(t testing.TB, m Model, k string) (Model, tea.Cmd) {
	t.Helper()
	next, cmd := m.Update(keyMsg(k))
	return next.(Model), cmd
}

func pressAll(t testing.TB, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		m, _ = press(t, m, k)
	}
	return m
}

func typeText(t testing.TB, m Model, s string) Model {
	t.Helper()
	for _, r := range s {
		m, _ = press(t, m, string(r))
	}
	return m
}

var namedKeyTypes = map[string]tea.KeyType{
	"up": tea.KeyUp, "down": tea.KeyDown, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
	"home": tea.KeyHome, "end": tea.KeyEnd, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
	"enter": tea.KeyEnter, "esc": tea.KeyEsc, "ctrl+c": tea.KeyCtrlC, "backspace": tea.KeyBackspace,
}

func keyMsg(k string) tea.KeyMsg {
	if t, ok := namedKeyTypes[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// isQuit reports whether cmd, run, quits the program.
func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}
