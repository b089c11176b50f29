package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/vmcross/vmcross/fabric"
	"github.com/vmcross/vmcross/themes"
	"github.com/vmcross/vmcross/ui"
)

// TestConsoleOnLab runs the console the way `vmcross` does, on the built-in lab: real
// vCenters, real SSH switches, a real tea.Program. The presenter's demo: VLAN 120 is removed
// from the DCI on the NX-OS edge, the console flags the VMs on it; it is added back, and the
// flags go.
func TestConsoleOnLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	src := &sourceFlags{forceLab: true}
	s, err := src.open(ctx, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.cfg.PollInterval = "500ms" // a quick test; the console's default is 5s
	eng := s.engine()
	eng.Start(ctx)
	defer eng.Close()

	r := themes.Renderer(&bytes.Buffer{}, func(string) string { return "" })
	r.SetColorProfile(termenv.Ascii)
	tm := teatest.NewTestModel(t, ui.New(eng, ui.Options{Context: ctx, Renderer: r}), teatest.WithInitialTermSize(160, 48))
	wait := func(what string, ok func(string) bool) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return ok(string(b)) },
			teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(50*time.Millisecond))
	}
	wait("both sites loaded and the DCI judged", func(out string) bool {
		return strings.Count(out, "80 VMs") >= 2 && strings.Contains(out, "✗300")
	})
	if _, err := s.lab.Fabric().Exec("mia-dci-n7k-01", "configure terminal", "interface port-channel10",
		"switchport trunk allowed vlan remove 120", "end"); err != nil {
		t.Fatal(err)
	}
	wait("VLAN 120 flagged", func(out string) bool { return strings.Contains(out, "✗120") })
	if _, err := s.lab.Fabric().Exec("mia-dci-n7k-01", "configure terminal", "interface port-channel10",
		"switchport trunk allowed vlan add 120", "end"); err != nil {
		t.Fatal(err)
	}
	// The frame after recovery: app-01 (VLAN 120) is no longer marked.
	wait("VLAN 120 carried again", func(out string) bool {
		i := strings.LastIndex(out, "app-01")
		return i >= 0 && strings.Contains(out[i:], "120 ") && !strings.Contains(out[i:min(len(out), i+40)], "✗120")
	})
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(ui.Model).View()
	if !strings.Contains(final, "app-01") || strings.Contains(final, "✗120") {
		t.Errorf("final frame still flags VLAN 120:\n%s", final)
	}
}

func TestFabricStatusJSONOnLab(t *testing.T) {
	out, _, err := run(t, "fabric", "status", "--lab", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	h := st.Health
	if st.Verdict != verdictHealthy || st.ExitCode != 0 || len(st.NotAnswering) != 0 {
		t.Errorf("verdict %q, exit code %d, not answering %q", st.Verdict, st.ExitCode, st.NotAnswering)
	}
	if !h.Configured || len(h.Switches) != 4 || len(h.Trunks) != 4 || len(st.RTTs) != 2 {
		t.Fatalf("health: %d switches, %d trunks, %d RTTs", len(h.Switches), len(h.Trunks), len(st.RTTs))
	}
	if d, err := time.ParseDuration(st.Interval); err != nil || d <= 0 {
		t.Errorf("poll_interval %q", st.Interval)
	}
	for _, sw := range h.Switches {
		if !sw.Reachable || sw.Since.IsZero() {
			t.Errorf("%s unreachable: %s (since %v)", sw.Name, sw.Err, sw.Since)
		}
	}
	for _, r := range st.RTTs {
		avg, err := time.ParseDuration(r.Avg)
		if !r.OK || err != nil || avg < time.Millisecond || avg > 5*time.Millisecond {
			t.Errorf("RTT %s→%s = %q, want about the lab's 2 ms", r.From, r.To, r.Avg)
		}
	}
	for _, id := range []int{100, 110, 120, 130, 140, 150} {
		if v, ok := h.VLAN(id); !ok || !v.Carried {
			t.Errorf("VLAN %d: %+v", id, v)
		}
	}
	if v, ok := h.VLAN(300); !ok || v.Carried || len(v.Reasons) == 0 || !v.Local {
		t.Errorf("VLAN 300 (DMZ) should be not carried, local, with a reason: %+v", v)
	}
	// fabric's verdict is in the JSON: the DMZ, local to each site, is no problem.
	if st.DCI != (fabric.Verdict{}) || st.Limits.RTTBudget != fabric.RTTBudget.String() || st.Limits.RTTLimit != fabric.RTTLimit.String() {
		t.Errorf("verdict %+v, limits %+v: want healthy, the default limits", st.DCI, st.Limits)
	}

	text, _, err := run(t, "fabric", "status", "--lab")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"): healthy", "mia-dci-n7k-01 port-channel10", "VLAN_NOT_EXTENDED", "mia-dci-n7k-01 → atl-dci-n7k-01"} {
		if !strings.Contains(text, want) {
			t.Errorf("text status lacks %q:\n%s", want, text)
		}
	}
}

// The text status prints fabric's judgement, not its own: the verdict, a low MTU, an RTT
// over the budget.
func TestWriteHealthShowsTheVerdict(t *testing.T) {
	now := time.Date(2025, 3, 14, 3, 0, 0, 0, time.UTC)
	h := fabric.Judge(fabric.Health{
		Configured: true, Interval: 5 * time.Second, PolledAt: now,
		Switches: []fabric.SwitchStatus{{Name: "mia-dci-n7k-01", Role: fabric.RoleDCIEdge, Reachable: true, LastPoll: now}},
		Trunks: []fabric.Trunk{{Switch: "mia-dci-n7k-01", Interface: "port-channel10", Up: true, Status: "trunking",
			MTU: 1500, Allowed: []int{120}, Forwarding: []int{120}}},
		RTTs: []fabric.RTT{{From: "mia-dci-n7k-01", To: "atl-dci-n7k-01", Avg: 12 * time.Millisecond, Max: 13 * time.Millisecond, OK: true}},
		Findings: []fabric.Finding{
			{Code: fabric.CodeMTULow, Severity: fabric.SeverityWarn, Object: "mia-dci-n7k-01 port-channel10", Message: "MTU low."},
			{Code: fabric.CodeRTTHigh, Severity: fabric.SeverityWarn, Object: "mia-dci-n7k-01 -> atl-dci-n7k-01", Message: "RTT high."},
		},
	})
	var b strings.Builder
	if err := writeHealth(&b, h, now); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"(every 5s): 2 problems (worst: warn)", "1500 (<9000)", "12.0 ms  13.0 ms  0%  over the 10ms budget"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text status lacks %q:\n%s", want, b.String())
		}
	}
}
