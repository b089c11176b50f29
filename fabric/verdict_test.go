package fabric

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// judgedDCI is a two-site DCI as a monitor would see it, before judgement: an edge and a
// distribution switch per site, every trunk up and carrying VLANs 100-150, RTT 2 ms.
func judgedDCI() Health {
	trunk := func(sw, site, ifname string) Trunk {
		vlans := []int{100, 110, 120, 130, 140, 150}
		return Trunk{Switch: sw, Site: site, Interface: ifname, Up: true, Status: "trunking", MTU: 9216,
			Members: []Member{{Name: "Ethernet3/1", Up: true, State: "bundled", MTU: 9216}},
			Allowed: vlans, Forwarding: slices.Clone(vlans)}
	}
	return Health{
		Configured: true, Interval: time.Second, PolledAt: time.Unix(1_700_000_000, 0),
		Switches: []SwitchStatus{
			{Name: miaEdge, Site: "a", Role: RoleDCIEdge, Reachable: true},
			{Name: miaDist, Site: "a", Role: RoleDistribution, Reachable: true},
			{Name: atlEdge, Site: "b", Role: RoleDCIEdge, Reachable: true},
			{Name: atlDist, Site: "b", Role: RoleDistribution, Reachable: true},
		},
		Trunks: []Trunk{
			trunk(miaEdge, "a", "port-channel10"),
			trunk(miaDist, "a", "Port-channel1"),
			trunk(atlEdge, "b", "port-channel10"),
			trunk(atlDist, "b", "Port-channel1"),
		},
		VLANs: []VLANStatus{{ID: 100, Carried: true}, {ID: 120, Carried: true}},
		RTTs: []RTT{
			{From: miaEdge, To: atlEdge, Avg: 2 * time.Millisecond, Max: 3 * time.Millisecond, OK: true},
			{From: atlEdge, To: miaEdge, Avg: 2 * time.Millisecond, Max: 3 * time.Millisecond, OK: true},
		},
	}
}

func TestJudgeHealthy(t *testing.T) {
	h := Judge(judgedDCI())
	if h.Verdict != (Verdict{}) {
		t.Errorf("verdict %+v, want healthy", h.Verdict)
	}
	if h.Limits != DefaultLimits() || h.Limits.MinMTU != 9000 || h.Limits.RTTBudget != 10*time.Millisecond ||
		h.Limits.RTTLimit != 150*time.Millisecond {
		t.Errorf("limits %+v", h.Limits)
	}
	for _, tr := range h.Trunks {
		if tr.MTULow || tr.Members[0].MTULow {
			t.Errorf("%s %s: MTU 9216 judged low", tr.Switch, tr.Interface)
		}
	}
	for _, r := range h.RTTs {
		if r.OverBudget || r.OverLimit {
			t.Errorf("RTT %+v judged over", r)
		}
	}
}

func TestJudgeDown(t *testing.T) {
	down := func(h *Health, sw string) {
		for i := range h.Trunks {
			if h.Trunks[i].Switch == sw {
				h.Trunks[i].Up, h.Trunks[i].Status = false, "down"
			}
		}
	}
	unknown := func(h *Health, sw string) {
		for i := range h.Trunks {
			if h.Trunks[i].Switch == sw {
				h.Trunks[i] = Trunk{Switch: sw, Interface: h.Trunks[i].Interface, Status: "unknown", Unknown: true}
			}
		}
	}
	noReply := func(h *Health, i int) { h.RTTs[i] = RTT{From: h.RTTs[i].From, To: h.RTTs[i].To, Loss: 100} }
	cases := []struct {
		name  string
		apply func(h *Health)
		want  bool
	}{
		{"both edge trunks down", func(h *Health) { down(h, miaEdge); down(h, atlEdge) }, true},
		{"one edge trunk down", func(h *Health) { down(h, miaEdge) }, false},
		{"both distribution trunks down, edges up", func(h *Health) { down(h, miaDist); down(h, atlDist) }, false},
		{"one edge down, the other edge no data", func(h *Health) { down(h, miaEdge); unknown(h, atlEdge) }, true},
		{"both edges no data", func(h *Health) { unknown(h, miaEdge); unknown(h, atlEdge) }, false},
		{"no edge role: every trunk down", func(h *Health) {
			for i := range h.Switches {
				h.Switches[i].Role = RoleDistribution
			}
			for _, sw := range []string{miaEdge, miaDist, atlEdge, atlDist} {
				down(h, sw)
			}
		}, true},
		{"no edge role: one trunk up", func(h *Health) {
			for i := range h.Switches {
				h.Switches[i].Role = RoleDistribution
			}
			for _, sw := range []string{miaEdge, miaDist, atlEdge} {
				down(h, sw)
			}
		}, false},
		{"no reply from either edge", func(h *Health) { noReply(h, 0); noReply(h, 1) }, true},
		{"no reply from one edge", func(h *Health) { noReply(h, 0) }, false},
		{"no RTT measured", func(h *Health) { h.RTTs = nil }, false},
	}
	for _, c := range cases {
		h := judgedDCI()
		c.apply(&h)
		if got := Judge(h).Verdict.Down; got != c.want {
			t.Errorf("%s: down %v, want %v", c.name, got, c.want)
		}
	}
}

func TestJudgeProblems(t *testing.T) {
	h := judgedDCI()
	h.VLANs = []VLANStatus{
		{ID: 120, Carried: true},
		{ID: 300, Reasons: []string{"not allowed on mia-dci-n7k-01 port-channel10"}, Local: true},
	}
	local := Finding{Code: CodeVLANNotExtended, Severity: SeverityBlock, Object: "vlan 300", VLAN: 300,
		Message: "VLAN 300 is local to each site"}
	h.Findings = []Finding{local, {Code: "X", Severity: SeverityInfo, Object: "x"}}

	// Only a local VLAN: not a problem.
	j := Judge(h)
	if j.Verdict != (Verdict{}) {
		t.Errorf("local VLAN only: verdict %+v, want no problems", j.Verdict)
	}
	if f := findingsOf(j, CodeVLANNotExtended); len(f) != 1 || !f[0].Local {
		t.Errorf("local VLAN finding not marked local: %+v", f)
	}

	// A warning: one problem, of severity warn, listed before the local VLAN.
	h.Findings = append(h.Findings, Finding{Code: CodeMemberDown, Severity: SeverityWarn, Object: "m"})
	j = Judge(h)
	if want := (Verdict{Problems: 1, Worst: SeverityWarn}); j.Verdict != want {
		t.Errorf("verdict %+v, want %+v", j.Verdict, want)
	}
	if j.Findings[0].Code != CodeMemberDown || !j.Findings[len(j.Findings)-1].Local {
		t.Errorf("order:%s", codes(j))
	}

	// VLAN 120 broken as well: two problems, the worst a block, named first.
	h.VLANs[0] = VLANStatus{ID: 120, Reasons: []string{"not allowed on atl-dci-n7k-01 port-channel10"}}
	h.Trunks[2].Allowed = []int{100, 110, 130, 140, 150}
	h.Findings = append(h.Findings, Finding{Code: CodeVLANNotExtended, Severity: SeverityBlock, Object: "vlan 120", VLAN: 120})
	j = Judge(h)
	if want := (Verdict{Problems: 2, Worst: SeverityBlock}); j.Verdict != want {
		t.Errorf("verdict %+v, want %+v", j.Verdict, want)
	}
	var order []string
	for _, f := range j.Findings {
		order = append(order, f.Object)
	}
	if want := []string{"vlan 120", "m", "x", "vlan 300"}; !slices.Equal(order, want) {
		t.Errorf("order %q, want %q", order, want)
	}
	if j.Findings[0].Local {
		t.Errorf("VLAN 120, broken on one edge, marked local")
	}
}

func TestJudgeRTT(t *testing.T) {
	cases := []struct {
		avg               time.Duration
		ok                bool
		budget, overLimit bool
	}{
		{9900 * time.Microsecond, true, false, false},
		{10 * time.Millisecond, true, false, false},
		{10500 * time.Microsecond, true, true, false},
		{150 * time.Millisecond, true, true, false},
		{151 * time.Millisecond, true, true, true},
		{0, false, false, false},
	}
	for _, c := range cases {
		h := judgedDCI()
		h.RTTs[0].Avg, h.RTTs[0].OK = c.avg, c.ok
		r := Judge(h).RTTs[0]
		if r.OverBudget != c.budget || r.OverLimit != c.overLimit {
			t.Errorf("avg %v ok %v: over budget %v, over limit %v; want %v, %v", c.avg, c.ok,
				r.OverBudget, r.OverLimit, c.budget, c.overLimit)
		}
	}

	// Limits a Health carries are the ones it is judged against.
	h := judgedDCI()
	h.Limits = Limits{RTTBudget: time.Millisecond, RTTLimit: 3 * time.Millisecond, MinMTU: 1500}
	h.RTTs[0].Avg = 4 * time.Millisecond
	j := Judge(h)
	if !j.RTTs[0].OverLimit || !j.RTTs[1].OverBudget || j.RTTs[1].OverLimit || j.Limits != h.Limits {
		t.Errorf("own limits not used: %+v, %+v", j.RTTs, j.Limits)
	}
}

func TestJudgeMTU(t *testing.T) {
	h := judgedDCI()
	h.Trunks[0].MTU = 1500
	h.Trunks[1].MTU = 9000
	h.Trunks[2].MTU = 0 // unknown
	h.Trunks[3].Members[0].MTU = 1500
	j := Judge(h)
	var got []bool
	for _, tr := range j.Trunks {
		got = append(got, tr.MTULow, tr.Members[0].MTULow)
	}
	if want := []bool{true, false, false, false, false, false, false, true}; !slices.Equal(got, want) {
		t.Errorf("MTU low (trunk, member): %v, want %v", got, want)
	}
}

func TestJudgeWhereNotCarried(t *testing.T) {
	h := judgedDCI()
	h.VLANs = []VLANStatus{{ID: 100, Carried: true}, {ID: 120}, {ID: 130}, {ID: 140, Unknown: true}}
	// VLAN 120: allowed everywhere, not forwarded by the mia distribution switch; not
	// allowed on the Atlanta edge. Not allowed comes first, whatever the trunk order.
	h.Trunks[1].Forwarding = []int{100}
	h.Trunks[2].Allowed = []int{100, 130}
	// VLAN 130: allowed everywhere, forwarded by neither distribution trunk: the first is named.
	h.Trunks[3].Forwarding = []int{100}
	// The mia edge gave no data: it is skipped, not blamed.
	h.Trunks[0] = Trunk{Switch: miaEdge, Interface: "port-channel10", Unknown: true}
	h.Findings = []Finding{{Code: CodeVLANNotExtended, Severity: SeverityBlock, Object: "vlan 120", VLAN: 120}}
	j := Judge(h)
	want := map[int]TrunkRef{
		100: {},
		120: {Switch: atlEdge, Interface: "port-channel10"},
		130: {Switch: miaDist, Interface: "Port-channel1"},
		140: {},
	}
	for id, w := range want {
		if v, _ := j.VLAN(id); v.Where != w {
			t.Errorf("VLAN %d: where %+v, want %+v", id, v.Where, w)
		}
	}
	if f := j.Findings[0]; f.Where != want[120] {
		t.Errorf("finding: where %+v, want %+v", f.Where, want[120])
	}
}

// Judge copies what it fills in: a Health shared between goroutines is never written.
func TestJudgeDoesNotChangeItsInput(t *testing.T) {
	h := judgedDCI()
	h.Trunks[0].MTU = 1500
	h.VLANs = []VLANStatus{{ID: 120}}
	h.Findings = []Finding{{Code: CodeVLANNotExtended, Severity: SeverityBlock, VLAN: 120}, {Code: "A", Severity: SeverityInfo}}
	h.Findings[0], h.Findings[1] = h.Findings[1], h.Findings[0]
	before := judgedDCI()
	before.Trunks[0].MTU = 1500
	before.VLANs = slices.Clone(h.VLANs)
	before.Findings = slices.Clone(h.Findings)

	j := Judge(h)
	if !reflect.DeepEqual(h, before) {
		t.Errorf("input changed:\n%+v\n%+v", h, before)
	}
	if again := Judge(j); !reflect.DeepEqual(again, j) {
		t.Errorf("judging twice differs:\n%+v\n%+v", again, j)
	}
}

// The verdict is in the JSON the CLI prints, with snake_case keys.
func TestJudgedHealthJSON(t *testing.T) {
	h := judgedDCI()
	h.Trunks[0].Up, h.Trunks[2].Up = false, false
	b, err := json.Marshal(Judge(h))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"verdict":{"down":true,"problems":0}`,
		`"limits":{"rtt_budget":10000000,"rtt_limit":150000000,"min_mtu":9000}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), `"where"`) {
		t.Errorf("an empty where is printed:\n%s", b)
	}
}
