package sim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// Switch names of the fabric, as tests use them.
const (
	miaEdge = "mia-dci-n7k-01"
	miaDist = "mia-dist-c6k-01"
	atlEdge = "atl-dci-n7k-01"
	atlDist = "atl-dist-c6k-01"
)

func startFabric(t *testing.T, opts Options) *Fabric {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := Start(ctx, opts)
	if err != nil {
		cancel()
		t.Fatalf("start fabric: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := f.Close(); err != nil {
			t.Errorf("close fabric: %v", err)
		}
	})
	return f
}

// run executes lines on a switch and fails the test if the switch refuses one.
func run(t *testing.T, f *Fabric, sw string, lines ...string) string {
	t.Helper()
	out, err := f.Exec(sw, lines...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", sw, err, out)
	}
	return out
}

// section returns the rows of a `show interface trunk` section whose header line contains
// title, keyed by port.
func trunkSection(out, title string) map[string]string {
	rows := map[string]string{}
	lines := strings.Split(out, "\n")
	in := false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "Port ") && strings.Contains(l, title):
			in = true
		case strings.HasPrefix(l, "Port "), strings.HasPrefix(l, "-----") && in && len(rows) > 0:
			in = false
		case in && l != "" && !strings.HasPrefix(l, "---") && !strings.HasPrefix(l, "      "):
			f := strings.Fields(l)
			if len(f) >= 2 {
				rows[f[0]] = f[1]
			}
		}
	}
	return rows
}

// line returns the first line of out that starts with prefix (after trimming spaces), or "".
func line(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return l
		}
	}
	return ""
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fmtSscanf(s, format string, a ...any) (int, error) { return fmt.Sscanf(s, format, a...) }

// planList is a trunk's VLAN list as the switches print it, derived from the default plan
// (DefaultVLANs): the VLANs the DCI extends (dci), or all of them (a site trunk), without
// those in except.
func planList(dci bool, except ...int) string {
	var ids []int
	for _, v := range DefaultVLANs() {
		if (v.Extended || !dci) && !slices.Contains(except, v.ID) {
			ids = append(ids, v.ID)
		}
	}
	return formatVLANList(ids)
}
