package ui

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/vmcross/vmcross/backend"
)

// testNow is the fixed clock of every test: ages in goldens never change.
var testNow = time.Date(2025, 3, 14, 3, 0, 0, 0, time.UTC)

// fakeEngine is a stand-in for backend.Engine: the ui's seam is the Engine interface.
// Publish delivers a State to every subscriber, replacing one not yet read (coalescing,
// like the real engine).
type fakeEngine struct {
	mu    sync.Mutex
	state backend.State
	subs  map[chan backend.State]struct{}
}

func newFakeEngine(s backend.State) *fakeEngine {
	return &fakeEngine{state: s, subs: map[chan backend.State]struct{}{}}
}

func (f *fakeEngine) Snapshot() backend.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

func (f *fakeEngine) Subscribe(ctx context.Context) <-chan backend.State {
	ch := make(chan backend.State, 1)
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

func (f *fakeEngine) Publish(s backend.State) {
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
	power   func(i int) backend.PowerState
	tmpl    bool
}

func on(int) backend.PowerState  { return backend.PoweredOn }
func off(int) backend.PowerState { return backend.PoweredOff }

// everyNthOff powers off every nth VM of a group, and suspends the one after it.
func everyNthOff(n int) func(int) backend.PowerState {
	return func(i int) backend.PowerState {
		switch i % n {
		case n - 1:
			return backend.PoweredOff
		case n - 2:
			if n > 3 {
				return backend.Suspended
			}
		}
		return backend.PoweredOn
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
	id       backend.SiteID
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
func siteVMs(si siteInfo, repeat int) []backend.VM {
	var vms []backend.VM
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
				vms = append(vms, backend.VM{
					Key:       backend.VMKey{Site: si.id, MoRef: fmt.Sprintf("vm-%d", 1000+n)},
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
	backend.SortVMs(vms)
	return vms
}

func connected(si siteInfo, vms []backend.VM) backend.SiteSnapshot {
	return backend.SiteSnapshot{
		Status: backend.SiteStatus{ID: si.id, Name: si.name, Host: si.host, State: backend.Connected, Since: testNow.Add(-2 * time.Hour)},
		VMs:    vms,
	}
}

// testState is both sites, connected, 80 VMs each.
func testState() backend.State {
	return backend.State{Gen: 1, Sites: []backend.SiteSnapshot{
		connected(siteA, siteVMs(siteA, 1)),
		connected(siteB, siteVMs(siteB, 1)),
	}}
}

// bigState is both sites with about n VMs each.
func bigState(n int) backend.State {
	per := 0
	for _, g := range groups {
		per += g.count
	}
	rep := (n + per - 1) / per
	a, b := siteVMs(siteA, rep), siteVMs(siteB, rep)
	return backend.State{Gen: 1, Sites: []backend.SiteSnapshot{
		connected(siteA, a[:min(n, len(a))]),
		connected(siteB, b[:min(n, len(b))]),
	}}
}

// disconnectedB is testState with site B's vCenter unreachable for five minutes.
func disconnectedB() backend.State {
	s := testState()
	s.Gen = 2
	b := &s.Sites[1]
	b.Status.State = backend.Disconnected
	b.Status.Err = "dial tcp 10.20.0.5:443: connect: connection refused; retrying every 10s"
	b.Status.Since = testNow.Add(-5 * time.Minute)
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
