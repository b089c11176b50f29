package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric"
	"github.com/vmcross/vmcross/themes"
)

// fabricScreens is the console at 160x48 (fabric column) and at 80x24 (strip) in one state.
func fabricScreens(t *testing.T, s model.State) (wide, narrow Model) {
	t.Helper()
	return newTestModel(t, newFakeEngine(s), 160, 48), newTestModel(t, newFakeEngine(s), 80, 24)
}

// paneLines is the fabric column, one string a line, borders stripped.
func paneLines(m Model) []string {
	lines := strings.Split(m.main.fabric.View(), "\n")
	for i, l := range lines {
		r := []rune(l)
		if len(r) >= 2 {
			lines[i] = strings.TrimRight(string(r[1:len(r)-1]), " ")
		}
	}
	return lines
}

func strip(m Model) string { return strings.TrimRight(m.main.fabric.StripView(m.common.Width), " ") }

func wantLines(t *testing.T, where string, lines []string, want ...string) {
	t.Helper()
	all := strings.Join(lines, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("%s lacks %q:\n%s", where, w, all)
		}
	}
}

func wantNot(t *testing.T, where string, lines []string, unwanted ...string) {
	t.Helper()
	all := strings.Join(lines, "\n")
	for _, w := range unwanted {
		if strings.Contains(all, w) {
			t.Errorf("%s has %q:\n%s", where, w, all)
		}
	}
}

// rowOf is the list row of the VM called name in site pane i, as drawn.
func rowOf(t *testing.T, m Model, i int, name string) string {
	t.Helper()
	for _, l := range strings.Split(m.main.sites[i].View(), "\n") {
		if strings.Contains(l, name+" ") {
			return l
		}
	}
	t.Fatalf("%s not on screen:\n%s", name, m.main.sites[i].View())
	return ""
}

// flagged reports whether a row carries the "!" mark right after the cursor column.
func flagged(row string) bool {
	r := []rune(row)
	return len(r) > 2 && r[2] == '!'
}

// filterTo shows only the VMs matching q in both panes.
func filterTo(t *testing.T, m Model, q string) Model {
	t.Helper()
	for i := 0; i < 2; i++ {
		m = pressAll(t, m, "/")
		m = typeText(t, m, q)
		m = pressAll(t, m, "enter", "tab")
	}
	return m
}

func TestFabricHealthy(t *testing.T) {
	wide, narrow := fabricScreens(t, testState())
	wantLines(t, "pane", paneLines(wide),
		"● DCI healthy            polled 2s ago",
		"RTT mia→atl 2.0 ms  budget 10 ms",
		"RTT atl→mia 2.1 ms  budget 10 ms",
		"SWITCHES                 4/4 answering",
		"● mia-dci-n7k-01                2s ago",
		"● atl-dist-c6k-01               2s ago",
		"DCI TRUNKS                      4/4 up",
		"● mia-dci-n7k-01 Po10           up 2/2",
		"  MTU 9216  allowed 100-150\n  forwarding 100-150",
		"● atl-dci-n7k-01 Po10           up 2/2",
		"VLANS IN USE               6/7 carried",
		"✓ 100 110 120 130 140 150",
		"? 131 141 210 220",
		"✗ 300 not allowed on mia-dci-n7k-01\n  port-channel10",
		"FINDINGS                          none",
	)
	if got, want := strip(narrow), " DCI ● healthy  RTT 2.1 ms  18.8 Gbps free  VLANs 6/7 carried ✗300"; got != want {
		t.Errorf("strip:\n got %q\nwant %q", got, want)
	}

	// VMs on VLAN 300 are marked; those on carried or unknown VLANs are not.
	m := filterTo(t, wide, "vdi")
	for _, name := range []string{"mia-vdi-pool-01", "atl-vdi-pool-11"} {
		site := 0
		if strings.HasPrefix(name, "atl") {
			site = 1
		}
		if row := rowOf(t, m, site, name); !flagged(row) || !strings.Contains(row, "✗300") {
			t.Errorf("VLAN 300 VM not marked: %q", row)
		}
	}
	m = pressAll(t, wide, "G")
	for _, name := range []string{"mia-prod-web-01", "mia-test-sql-01", "mia-tmpl-rhel9"} {
		if row := rowOf(t, m, 0, name); flagged(row) || strings.Contains(row, "✗") {
			t.Errorf("VM on carried or unknown VLANs marked: %q", row)
		}
	}
	for _, name := range []string{"atl-prod-app-01", "atl-k8s-worker-01", "atl-dev-app-01"} { // 120, 141 unknown, 210 unknown
		if row := rowOf(t, m, 1, name); flagged(row) || strings.Contains(row, "✗") {
			t.Errorf("VM on carried or unknown VLANs marked: %q", row)
		}
	}
}

func TestFabricVLANNotCarried(t *testing.T) {
	wide, narrow := fabricScreens(t, withFabric(vlan120Removed())())
	wantLines(t, "pane", paneLines(wide),
		"▲ 1 problem",
		"● mia-dci-n7k-01 Po10           up 2/2",
		"  MTU 9216  allowed 100-119,121-150\n  forwarding 100-119,121-150",
		"VLANS IN USE               5/7 carried",
		"✓ 100 110 130 140 150",
		"✗ 120 not allowed on mia-dci-n7k-01\n  port-channel10\n✗ 300 not allowed",
		"FINDINGS                           ✗ 1",
		"✗ VLAN 120 is not carried across the\n  DCI: not allowed on mia-dci-n7k-01\n  port-channel10",
	)
	if got, want := strip(narrow), " DCI ▲ VLAN 120 not carried (mia-dci-n7k-01 Po10)  RTT 2.1 ms  VLANs 5/7 carried"; got != want {
		t.Errorf("strip:\n got %q\nwant %q", got, want)
	}

	// VMs on VLAN 120 are marked, in both sites, at both sizes; the others are not.
	for _, m := range []Model{wide, narrow} {
		m = filterTo(t, m, "prod")
		for _, c := range []struct {
			site   int
			name   string
			marked bool
		}{
			{0, "mia-prod-app-01", true}, // 110,120
			{0, "mia-prod-mq-01", true},  // 120
			{1, "atl-prod-app-08", true},
			{0, "mia-prod-dc-01", false}, // 100
			{1, "atl-prod-dc-02", false},
		} {
			row := rowOf(t, m, c.site, c.name)
			if flagged(row) != c.marked || strings.Contains(row, "✗120") != c.marked {
				t.Errorf("%dx%d: %s marked=%v, want %v: %q", m.common.Width, m.common.Height, c.name, flagged(row), c.marked, row)
			}
		}
	}
	// At 80 columns the VLANS column is 7 cells: the VLAN not carried comes first, so the
	// cut never hides it; at 160 the VM's own order stays.
	if row := rowOf(t, filterTo(t, narrow, "prod"), 0, "mia-prod-app-01"); !strings.Contains(row, "✗120,1…") {
		t.Errorf("80x24: %q", row)
	}
	if row := rowOf(t, filterTo(t, wide, "prod"), 0, "mia-prod-app-01"); !strings.Contains(row, "110,✗120") {
		t.Errorf("160x48: %q", row)
	}
}

func TestFabricMemberDown(t *testing.T) {
	wide, narrow := fabricScreens(t, withFabric(memberDown())())
	wantLines(t, "pane", paneLines(wide),
		"▲ 2 problems",
		"DCI TRUNKS                      4/4 up",
		"▲ mia-dci-n7k-01 Po10           up 1/2",
		"  ✗ Eth3/2 down",
		"▲ atl-dci-n7k-01 Po10           up 2/2",
		"  ▲ Eth3/1 CRC rising (1204)",
		"FINDINGS                           ▲ 2",
		"▲ atl-dci-n7k-01 Ethernet3/1: CRC",
		"▲ mia-dci-n7k-01 Ethernet3/2 is down:",
	)
	if got, want := strip(narrow), " DCI ▲ atl-dci-n7k-01 Eth3/1 CRC rising +1 more  RTT 2.1 ms  VLANs 6/7 carried"; got != want {
		t.Errorf("strip:\n got %q\nwant %q", got, want)
	}
	// Only the VLAN 300 VMs are marked: a member down carries every VLAN still.
	m := pressAll(t, wide, "G")
	if row := rowOf(t, m, 0, "mia-prod-web-01"); flagged(row) {
		t.Errorf("marked: %q", row)
	}
	if row := rowOf(t, m, 0, "mia-vdi-pool-11"); !flagged(row) {
		t.Errorf("not marked: %q", row)
	}
}

func TestFabricSwitchUnreachable(t *testing.T) {
	wide, narrow := fabricScreens(t, withFabric(switchUnreachable())())
	lines := paneLines(wide)
	wantLines(t, "pane", lines,
		"▲ 2 problems             polled 2s ago",
		"RTT mia→atl 2.0 ms  budget 10 ms",
		"SWITCHES                 3/4 answering",
		"● mia-dci-n7k-01                2s ago",
		"✗ atl-dci-n7k-01             STALE 47s",
		"  ! dial tcp 10.2.255.1:22: connect: …",
		"DCI TRUNKS           3/4 up, 1 no data",
		"◌ atl-dci-n7k-01 Po10          no data\n  no fresh data from the switch",
		"VLANS IN USE               0/1 carried",
		"? 100 110 120 130-131 140-141 150 210",
		"✗ 300 not allowed on mia-dci-n7k-01",
		"✗ atl-dci-n7k-01 did not answer for",
		"▲ VLAN 120 cannot be checked:",
	)
	// Nothing says the switch's trunk is up, or that it is down.
	wantNot(t, "pane", lines, "RTT atl→mia", "● atl-dci-n7k-01 ", "DCI down", "✗ atl-dci-n7k-01 Po10")
	if got, want := strip(narrow), " DCI ▲ atl-dci-n7k-01 unreachable +1 more  RTT 2.0 ms  VLANs 0/1 carried ✗300"; got != want {
		t.Errorf("strip:\n got %q\nwant %q", got, want)
	}
	// Unknown VLANs mark nothing; VLAN 300 is still known not to be carried.
	m := pressAll(t, filterTo(t, wide, "prod"), "tab")
	if row := rowOf(t, m, 0, "mia-prod-app-01"); flagged(row) || strings.Contains(row, "✗") {
		t.Errorf("VM on an unknown VLAN marked: %q", row)
	}
	m = filterTo(t, wide, "vdi")
	if row := rowOf(t, m, 0, "mia-vdi-pool-01"); !flagged(row) {
		t.Errorf("VM on VLAN 300 not marked: %q", row)
	}
}

func TestFabricStale(t *testing.T) {
	wide, narrow := fabricScreens(t, withFabric(staleFabric())())
	lines := paneLines(wide)
	wantLines(t, "pane", lines,
		"◌ stale 23s             VLAN marks off",
		"RTT mia→atl 2.0 ms  23s old",
		"SWITCHES                 0/4 answering",
		"▲ mia-dci-n7k-01             STALE 23s",
		"DCI TRUNKS               as of 23s ago",
		"◌ mia-dci-n7k-01 Po10",
		"VLANS IN USE         not judged: stale",
		"? 100 110 120 130-131 140-141 150 210",
		"FINDINGS                 as of 23s ago",
	)
	// Nothing is judged carried or not with stale data.
	wantNot(t, "pane", lines, "DCI healthy", "budget 10 ms", "/7 carried", "✓", "✗ 120 not allowed", "● ")
	wantLines(t, "pane", lines, "◌ mia-dci-n7k-01 Po10       was up 2/2")
	if got, want := strip(narrow), " DCI ◌ stale 23s  VLAN marks off until the switches answer"; got != want {
		t.Errorf("strip:\n got %q\nwant %q", got, want)
	}
	for _, m := range []Model{wide, narrow} {
		m = filterTo(t, m, "prod")
		if row := rowOf(t, m, 0, "mia-prod-app-01"); flagged(row) || strings.Contains(row, "✗") {
			t.Errorf("stale data marked a row: %q", row)
		}
	}
}

// Fresh data goes stale as the clock runs, with no new State: the monitor has gone quiet.
// View reads the clock, so the marks go and the pane says so at the next tick.
func TestFabricGoesStaleWithoutNewState(t *testing.T) {
	now := testNow
	opts := testOptions()
	opts.Now = func() time.Time { return now }
	m := New(newFakeEngine(withFabric(vlan120Removed())()), opts)
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = filterTo(t, m, "prod")
	if row := rowOf(t, m, 0, "mia-prod-mq-01"); !flagged(row) {
		t.Fatalf("fresh: not marked: %q", row)
	}
	now = now.Add(13 * time.Second) // polled 15 s ago: exactly three intervals, still fresh
	if row := rowOf(t, m, 0, "mia-prod-mq-01"); !flagged(row) {
		t.Errorf("15s: not marked: %q", row)
	}
	now = now.Add(time.Second) // 16 s > 3 × 5 s
	m = update(t, m, tickMsg{})
	if row := rowOf(t, m, 0, "mia-prod-mq-01"); flagged(row) || strings.Contains(row, "✗") {
		t.Errorf("stale: still marked: %q", row)
	}
	if s := strip(m); !strings.HasPrefix(s, " DCI ◌ stale 16s") {
		t.Errorf("strip: %q", s)
	}
}

func TestFabricNotConfigured(t *testing.T) {
	wide, narrow := fabricScreens(t, withFabric(fabric.Health{})())
	wantLines(t, "pane", paneLines(wide), "! DCI not monitored", "no switches configured: add switches:", "to the config; see README")
	if got, want := strip(narrow), " DCI ! no switches configured: add switches: to the config; see README"; got != want {
		t.Errorf("strip:\n got %q\nwant %q", got, want)
	}
	m := filterTo(t, wide, "vdi")
	if row := rowOf(t, m, 0, "mia-vdi-pool-01"); flagged(row) || strings.Contains(row, "✗") {
		t.Errorf("marked without a monitor: %q", row)
	}
}

func TestFabricDown(t *testing.T) {
	wide, narrow := fabricScreens(t, withFabric(dciDown())())
	wantLines(t, "pane", paneLines(wide),
		"✗ DCI down",
		"RTT mia→atl no reply",
		"DCI TRUNKS                      2/4 up",
		"✗ mia-dci-n7k-01 Po10         down 0/2",
		"VLANS IN USE               0/7 carried",
	)
	if got, want := strip(narrow), " DCI ✗ down  RTT no reply  VLANs 0/7 carried ✗100,110,120,…"; got != want {
		t.Errorf("strip:\n got %q\nwant %q", got, want)
	}
	if got, want := strings.TrimRight(wide.main.fabric.StripView(110), " "), " DCI ✗ down: mia-dci-n7k-01 port-channel10 is down  RTT no reply  VLANs 0/7 carried ✗100,110,120,…"; got != want {
		t.Errorf("strip at 110:\n got %q\nwant %q", got, want)
	}
	m := filterTo(t, wide, "elk")
	if row := rowOf(t, m, 0, "mia-elk-01"); !flagged(row) {
		t.Errorf("VLAN 150 not carried with the DCI down, row not marked: %q", row)
	}
}

// When the pane is short, the verdict, RTT, VLANs not carried and findings stay; then come
// the carried VLANs, the trunks a line each, the switches, the trunks in full.
func TestFabricShortPaneKeepsWhatMatters(t *testing.T) {
	m := newTestModel(t, newFakeEngine(withFabric(vlan120AndMemberDown())()), 160, 20)
	lines := paneLines(m)
	wantLines(t, "pane", lines, "▲ 3 problems", "RTT mia→atl", "RTT atl→mia", "✗ 120 not allowed", "✗ 300 not allowed", "FINDINGS", "✗ VLAN 120 is not carried", "more")
	wantNot(t, "pane", lines, "forwarding", "SWITCHES")

	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 30})
	lines = paneLines(m)
	wantLines(t, "pane", lines, "DCI TRUNKS", "● atl-dist-c6k-01 Po1", "✓ 100 110", "✗ VLAN 120", "▲ atl-dci-n7k-01 Ethernet3/1", "… 1 more")
	wantNot(t, "pane", lines, "forwarding", "SWITCHES")

	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 60})
	wantLines(t, "pane", paneLines(m), "SWITCHES", "forwarding 100-119,121-150", "▲ mia-dci-n7k-01 Ethernet3/2 is down:")
	wantNot(t, "pane", paneLines(m), "more")
}

func TestFabricManyFindingsTruncated(t *testing.T) {
	m := newTestModel(t, newFakeEngine(hostileFabricState()), 200, 60)
	lines := paneLines(m)
	wantLines(t, "pane", lines, "… ", " more", "FINDINGS                                  ✗ 32", "over 150 ms limit", "STALE never polled", "MTU 1500 (<9000)")
	for _, l := range lines {
		if strings.ContainsAny(l, "\t\x1b") {
			t.Errorf("control character in %q", l)
		}
	}
}

// Without colour, VLANs not carried still show: "!" by the cursor marker and "✗120".
func TestFabricMarksWithoutColour(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	opts := testOptions()
	opts.Renderer = themes.Renderer(&strings.Builder{}, nil)
	m := New(newFakeEngine(withFabric(vlan120Removed())()), opts)
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = filterTo(t, m, "prod")
	view := m.View()
	if strings.Contains(view, "\x1b[") {
		t.Fatalf("NO_COLOR view has escape sequences")
	}
	if row := rowOf(t, m, 0, "mia-prod-mq-01"); !flagged(row) || !strings.Contains(row, "✗120") {
		t.Errorf("no mark without colour: %q", row)
	}
}

// The marks must show even when the VLANS column is dropped.
func TestFabricMarkWithoutVLANColumn(t *testing.T) {
	m := newTestModel(t, newFakeEngine(withFabric(vlan120Removed())()), 60, 20)
	m = filterTo(t, m, "mq")
	if strings.Contains(m.main.sites[0].View(), "VLANS") {
		t.Skip("VLANS column present at 60 columns")
	}
	if row := rowOf(t, m, 0, "mia-prod-mq-01"); !flagged(row) {
		t.Errorf("no mark without the VLANS column: %q", row)
	}
}

func TestWriteVLANs(t *testing.T) {
	marks := &vlanMarks{bad: map[int]struct{}{120: {}, 300: {}}}
	k := newInks(NewCommon(testOptions()).Styles).row
	for _, c := range []struct {
		vlans []int
		w     int
		want  string
	}{
		{[]int{110, 120}, 10, "110,✗120  "},
		{[]int{110, 120}, 8, "110,✗120"},
		{[]int{110, 120}, 7, "✗120,1…"},
		{[]int{120, 130, 131}, 7, "✗120,1…"},
		{[]int{130, 131, 120}, 9, "✗120,130…"},
		{[]int{300}, 7, "✗300   "},
		{[]int{100, 110, 130, 140, 300}, 7, "✗300,1…"},
	} {
		var b strings.Builder
		writeVLANs(&b, c.vlans, marks, c.w, k)
		if got := b.String(); got != c.want {
			t.Errorf("%v in %d: %q, want %q", c.vlans, c.w, got, c.want)
		}
	}
}

func TestVLANRanges(t *testing.T) {
	for _, c := range []struct {
		in   []int
		want string
	}{
		{nil, "none"},
		{[]int{100}, "100"},
		{vlanRange(100, 150), "100-150"},
		{without(vlanRange(100, 150), 120), "100-119,121-150"},
		{[]int{300, 100, 101, 101, 102, 5}, "5,100-102,300"},
		{[]int{140, 141}, "140-141"},
	} {
		if got := vlanRanges(c.in); got != c.want {
			t.Errorf("vlanRanges(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestShortNames(t *testing.T) {
	for in, want := range map[string]string{
		"port-channel10": "Po10", "Port-channel1": "Po1", "Ethernet3/1": "Eth3/1",
		"TenGigabitEthernet1/2": "Te1/2", "Overlay1": "Overlay1", "port-channel": "port-channel",
	} {
		if got := shortIf(in); got != want {
			t.Errorf("shortIf(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range [][4]string{
		{"mia-dci-n7k-01", "atl-dci-n7k-01", "mia", "atl"},
		{"dci-edge-a", "dci-edge-b", "a", "b"},
		{"edge1", "edge2", "edge1", "edge2"},
		{"10.1.255.1", "10.2.255.1", "10.1.255.1", "10.2.255.1"},
		{"same", "same", "same", "same"},
	} {
		if a, b := shortPair(c[0], c[1]); a != c[2] || b != c[3] {
			t.Errorf("shortPair(%q, %q) = %q, %q", c[0], c[1], a, b)
		}
	}
}

// A pane too short for one whole finding still shows the start of the worst one.
func TestFabricTinyPaneShowsAFinding(t *testing.T) {
	m := newTestModel(t, newFakeEngine(hostileFabricState()), 120, 15)
	lines := paneLines(m)
	wantLines(t, "pane", lines, "▲ 32 problems", "RTT mia→atl 180.0 ms", "✗ 2001 pruned on atl", "FINDINGS", "✗ VLAN 2000 is not carried", "… 31 more")
	if got := len(lines); got != m.main.fabric.height {
		t.Errorf("%d lines, want %d", got, m.main.fabric.height)
	}
}

// The lab's switches listen on 127.0.0.1: their SSH port is shown so a presenter knows where
// to connect; real switches' addresses are not.
func TestFabricShowsLabSwitchPorts(t *testing.T) {
	h := healthyFabric()
	h.Switches[0].Address = "127.0.0.1:2201"
	h.Switches[1].Address = "[::1]:2202"
	wide, _ := fabricScreens(t, withFabric(h)())
	lines := paneLines(wide)
	wantLines(t, "pane", lines, "● mia-dci-n7k-01 :2201", "● mia-dist-c6k-01 :2202")
	wantNot(t, "pane", lines, "atl-dci-n7k-01 :")
	if got := loopbackPort("10.1.0.1:22"); got != "" {
		t.Errorf("a real switch's port shown: %q", got)
	}
}

// A VLAN local to each site (no DCI trunk allows it, like the lab's DMZ) is listed and its
// VMs are marked, but it is not a DCI problem: the verdict stays healthy until something
// breaks.
func TestFabricLocalVLANIsNotAProblem(t *testing.T) {
	local := func(h fabric.Health) fabric.Health {
		for i := range h.VLANs {
			if h.VLANs[i].ID == 300 {
				h.VLANs[i].Local = true
			}
		}
		h.Findings = append(h.Findings, fabric.Finding{Code: fabric.CodeVLANNotExtended, Severity: fabric.SeverityBlock,
			Object: "vlan 300", VLAN: 300, Message: "VLAN 300 is local to each site (no DCI trunk allows it): its VMs cannot keep their addresses at the other site."})
		return h
	}
	wide, narrow := fabricScreens(t, withFabric(local(healthyFabric()))())
	wantLines(t, "pane", paneLines(wide), "● DCI healthy", "✗ 300 local to each site")
	if got := strip(narrow); !strings.Contains(got, "● healthy") || !strings.Contains(got, "6/7 carried") {
		t.Errorf("strip with only a local VLAN: %q", got)
	}
	m := filterTo(t, wide, "vdi")
	if row := rowOf(t, m, 0, "mia-vdi-pool-01"); !flagged(row) {
		t.Errorf("a VM on the local VLAN is not marked: %q", row)
	}

	// VLAN 120 broken as well: one problem, named first; the local VLAN's finding comes after.
	wide, narrow = fabricScreens(t, withFabric(local(vlan120Removed()))())
	wantLines(t, "pane", paneLines(wide), "▲ 1 problem")
	if got := strip(narrow); !strings.Contains(got, "VLAN 120 not carried") {
		t.Errorf("strip should name VLAN 120: %q", got)
	}
}

// measured is h with the figures the monitor reads from show interface on every trunk up:
// capacity Mbps (by trunk index) and the traffic used, judged again.
func measured(h fabric.Health, used int64, capacity ...int64) fabric.Health {
	h.Trunks = append([]fabric.Trunk(nil), h.Trunks...)
	for i := range h.Trunks {
		if h.Trunks[i].Up && i < len(capacity) {
			h.Trunks[i].CapacityMbps, h.Trunks[i].UsedMbps = capacity[i], used
		}
	}
	return fabric.Judge(h)
}

// The DCI's bandwidth, as fabric measured it, under the RTT; each trunk's in its details;
// the free part in the strip when it fits.
func TestFabricBandwidth(t *testing.T) {
	h := measured(healthyFabric(), 1200, 20000, 20000, 20000, 20000)
	wide, narrow := fabricScreens(t, withFabric(h)())
	wantLines(t, "pane", paneLines(wide),
		"RTT atl→mia 2.1 ms  budget 10 ms\nbandwidth 18.8 Gbps free of 20 Gbps\n",
		"  forwarding 100-150\n  20 Gbps  1.2 Gbps used\n● mia-dist-c6k-01 Po1",
	)
	if got, want := strip(narrow), " DCI ● healthy  RTT 2.1 ms  18.8 Gbps free  VLANs 6/7 carried ✗300"; got != want {
		t.Errorf("strip:\n got %q\nwant %q", got, want)
	}
	// Narrower, the words get shorter; the strip drops the bandwidth first.
	m := newTestModel(t, newFakeEngine(withFabric(h)()), 120, 30)
	wantLines(t, "pane at 120", paneLines(m), "BW 18.8 Gbps free of 20 Gbps")
	if got, want := strings.TrimRight(wide.main.fabric.StripView(60), " "), " DCI ● healthy  RTT 2.1 ms  VLANs 6/7 carried ✗300"; got != want {
		t.Errorf("strip at 60:\n got %q\nwant %q", got, want)
	}
	// Focused, the scrolled content has it under the trunks' heading.
	f := fabricFocused(t, withFabric(h)(), 160, 48)
	var full []string
	for _, l := range f.main.fabric.full.lines {
		full = append(full, l.at(testNow))
	}
	wantLines(t, "full content", full, "DCI TRUNKS                      4/4 up\nbandwidth 18.8 Gbps free of 20 Gbps\n● mia-dci-n7k-01 Po10")
}

// A member down halves the capacity: the pane says how many members are up, in words that
// fit its width, and in full where it scrolls.
func TestFabricBandwidthMemberDown(t *testing.T) {
	h := measured(memberDown(), 1200, 10000, 20000, 10000, 20000)
	if b := h.Bandwidth; b.CapacityMbps != 10000 || b.MembersUp != 1 || b.Members != 2 {
		t.Fatalf("fixture: %+v", b)
	}
	wide, _ := fabricScreens(t, withFabric(h)())
	wantLines(t, "pane at 160", paneLines(wide), "BW 8.8 Gbps free of 10 Gbps, 1/2 up", "  10 Gbps  1.2 Gbps used")
	m := newTestModel(t, newFakeEngine(withFabric(h)()), 120, 30)
	wantLines(t, "pane at 120", paneLines(m), "BW 8.8/10 Gbps free, 1/2 up")
	if got, want := strings.TrimRight(wide.main.fabric.StripView(120), " "),
		" DCI ▲ atl-dci-n7k-01 Eth3/1 CRC rising +1 more  RTT 2.1 ms  8.8/10 Gbps free  VLANs 6/7 carried ✗300"; got != want {
		t.Errorf("strip at 120:\n got %q\nwant %q", got, want)
	}
	// Focused, in full: broken between phrases, never inside "10 Gbps".
	for _, c := range []struct {
		w, h int
		want string
	}{
		{160, 48, "DCI TRUNKS                      4/4 up\nbandwidth 8.8 Gbps free of 10 Gbps\n    (1 of 2 members up)\n▲ mia"},
		{120, 30, "DCI TRUNKS                4/4 up\nbandwidth 8.8 Gbps free\n    of 10 Gbps\n    (1 of 2 members up)\n▲ mia"},
	} {
		f := fabricFocused(t, withFabric(h)(), c.w, c.h)
		var full []string
		for _, l := range f.main.fabric.full.lines {
			full = append(full, l.at(testNow))
		}
		wantLines(t, fmt.Sprintf("full content at %dx%d", c.w, c.h), full, c.want)
	}
}

// Not measured (a Health without the figures), down, stale: the pane says so, and the strip
// leaves it out.
func TestFabricBandwidthStates(t *testing.T) {
	wide, narrow := fabricScreens(t, withFabric(measured(healthyFabric(), 0, 0, 0, 0, 0))()) // no figures
	wantLines(t, "pane", paneLines(wide), "RTT atl→mia 2.1 ms  budget 10 ms\nbandwidth not measured\n")
	wantNot(t, "strip", []string{strip(narrow)}, "Gbps", "bandwidth")

	wide, narrow = fabricScreens(t, withFabric(measured(dciDown(), 0))())
	wantLines(t, "pane", paneLines(wide), "bandwidth none (0 of 2 members up)")
	wantNot(t, "strip", []string{strip(narrow)}, "Gbps", "bandwidth")

	stale := measured(staleFabric(), 1200, 20000, 20000, 20000, 20000)
	wide, narrow = fabricScreens(t, withFabric(stale)())
	wantLines(t, "pane", paneLines(wide), "RTT atl→mia 2.1 ms  23s old\nBW 18.8 Gbps free of 20 Gbps  23s old")
	wantNot(t, "strip", []string{strip(narrow)}, "Gbps")

	full := measured(healthyFabric(), 20000, 20000, 20000, 20000, 20000)
	wide, narrow = fabricScreens(t, withFabric(full)())
	wantLines(t, "pane", paneLines(wide), "bandwidth 0 Mbps free of 20 Gbps")
	if s := strip(narrow); !strings.Contains(s, "  no bandwidth free  ") {
		t.Errorf("strip: %q", s)
	}
}

func TestSlashMbps(t *testing.T) {
	for _, c := range []struct {
		part, whole int64
		want        string
	}{{8800, 10000, "8.8/10 Gbps"}, {950, 1000, "950 Mbps/1 Gbps"}, {0, 500, "0 Mbps/500 Mbps"}} {
		if got := slashMbps(c.part, c.whole); got != c.want {
			t.Errorf("slashMbps(%d, %d) = %q, want %q", c.part, c.whole, got, c.want)
		}
	}
}
