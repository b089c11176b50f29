package fabric

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/fabric/sim"
)

// Switch names of the simulated fabric.
const (
	miaEdge = "mia-dci-n7k-01"
	miaDist = "mia-dist-c6k-01"
	atlEdge = "atl-dci-n7k-01"
	atlDist = "atl-dist-c6k-01"
)

// planVLANs are the VLANs the simulated switches' plan (sim.DefaultVLANs, the lab's)
// extends across the DCI; watchedAll are all of its VLANs, the local ones (the DMZ, 300)
// too.
var planVLANs, watchedAll = func() (extended, all []int) {
	for _, v := range sim.DefaultVLANs() {
		all = append(all, v.ID)
		if v.Extended {
			extended = append(extended, v.ID)
		}
	}
	return extended, all
}()

func startSim(t testing.TB, opts sim.Options) *sim.Fabric {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := sim.Start(ctx, opts)
	if err != nil {
		cancel()
		t.Fatalf("start simulated fabric: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = f.Close()
	})
	return f
}

// specsFor describes the simulated switches as the lab's config does: pinned host keys,
// each DCI edge pinging the far edge.
func specsFor(f *sim.Fabric, transport string) []SwitchSpec {
	sws := f.Switches()
	var specs []SwitchSpec
	for _, e := range sws {
		s := SwitchSpec{Name: e.Name, Site: e.Site, Role: string(e.Role), Host: e.Host, Port: e.Port,
			Platform: string(e.Platform), Transport: transport, Username: e.Username, Password: e.Password,
			HostKey: e.HostKey, DCIInterfaces: e.DCIInterfaces}
		if e.Role == sim.RoleDCIEdge {
			for _, o := range sws {
				if o.Role == sim.RoleDCIEdge && o.Site != e.Site {
					s.PingTarget = o.Address
				}
			}
		}
		specs = append(specs, s)
	}
	return specs
}

// execCommander runs commands through the simulator's Exec: the switches' real output,
// without SSH, for tests of the Health computation.
type execCommander struct {
	f  *sim.Fabric
	sw string
}

func (c execCommander) send(cmd string) (output, error) {
	out, err := c.f.Exec(c.sw, cmd)
	var ce *sim.CommandError
	switch {
	case errors.As(err, &ce):
		line := strings.TrimSpace(ce.Output)
		if i := strings.LastIndex(line, "\n"); i >= 0 {
			line = strings.TrimSpace(line[i+1:])
		}
		return output{failed: &deviceError{line: line}}, nil
	case err != nil:
		return output{}, err
	}
	return output{text: out}, nil
}

// execPolls reads every switch through Exec, as one poll round would.
func execPolls(t *testing.T, f *sim.Fabric, specs []SwitchSpec) []*switchPoll {
	t.Helper()
	var polls []*switchPoll
	for _, s := range specs {
		p := &switchPoll{version: "test"}
		if err := collect(context.Background(), s, execCommander{f, s.Name}, p); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		p.at = time.Now()
		polls = append(polls, p)
	}
	return polls
}

// exec runs CLI lines on a simulated switch and fails the test if it refuses one.
func exec(t testing.TB, f *sim.Fabric, sw string, lines ...string) {
	t.Helper()
	if out, err := f.Exec(sw, lines...); err != nil {
		t.Fatalf("%s: %v\n%s", sw, err, out)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// findingsOf returns the findings with the given code.
func findingsOf(h Health, code string) []Finding {
	var out []Finding
	for _, f := range h.Findings {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

// hasFinding reports whether h has a finding of code whose object contains object.
func hasFinding(h Health, code, object string) bool {
	for _, f := range findingsOf(h, code) {
		if strings.Contains(f.Object, object) {
			return true
		}
	}
	return false
}

func trunkOf(h Health, sw string) (Trunk, bool) {
	for _, t := range h.Trunks {
		if t.Switch == sw {
			return t, true
		}
	}
	return Trunk{}, false
}

func switchOf(h Health, sw string) SwitchStatus {
	for _, s := range h.Switches {
		if s.Name == sw {
			return s
		}
	}
	return SwitchStatus{}
}

func rttOf(h Health, from string) (RTT, bool) {
	for _, r := range h.RTTs {
		if r.From == from {
			return r, true
		}
	}
	return RTT{}, false
}

// hasReason reports whether VLAN id is reported not carried with a reason containing s.
func hasReason(h Health, id int, s string) bool {
	v, ok := h.VLAN(id)
	if !ok || v.Carried {
		return false
	}
	for _, r := range v.Reasons {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

// allCarried reports whether every plan VLAN is carried.
func allCarried(h Health) bool {
	for _, id := range planVLANs {
		if v, ok := h.VLAN(id); !ok || !v.Carried {
			return false
		}
	}
	return true
}

// codes lists the findings' codes, for failure messages.
func codes(h Health) string {
	var b strings.Builder
	for _, f := range h.Findings {
		b.WriteString("\n  " + string(f.Severity) + " " + f.Code + " " + f.Object + ": " + f.Message)
	}
	return b.String()
}
