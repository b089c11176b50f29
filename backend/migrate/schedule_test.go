package migrate

import (
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

// The DCI's 18.8 Gbps for vmcross's moves carries 75 moves at 250 Mbps each, but two 10 GbE
// streams fill it: the governor runs three (one more covers a move's end and the next one's
// start), says why the fourth waits, and reports 3 as its limit and the DCI's.
func TestFullDCILimitsToWhatFillsIt(t *testing.T) {
	g := Gate{Limited: true, Limit: 75, Held: "the DCI carries 75 moves at 250 Mbps each now (18.8 Gbps available)",
		Note: "DCI 18.8 Gbps", AvailableMbps: 18_800, NeedMbps: 250, StreamMbps: 10_000}
	lim := Options{MaxConcurrent: 8}.withDefaults().limits()
	run := newTally()
	for range 3 {
		run.add(resources{})
	}
	want := "3 moves keep the DCI full (18.8 Gbps available, up to 10 Gbps a move): more would only slow each one"
	if why := waits(resources{}, run, lim, g, ""); why != want {
		t.Errorf("the fourth waits for %q, want %q", why, want)
	}
	two := newTally()
	two.add(resources{})
	two.add(resources{})
	if why := waits(resources{}, two, lim, g, ""); why != "" {
		t.Errorf("the third waits: %q", why)
	}
	gov := governorState(model.Governor{}, lim, g, 3, 1, time.Now())
	if gov.Limit != 3 || gov.DCILimit != 3 || gov.Cap != 8 || gov.Why != "≤ 3 at once (DCI 18.8 Gbps)" {
		t.Errorf("governor %+v", gov)
	}

	for _, tc := range []struct {
		name  string
		gate  Gate
		limit int
		held  string
	}{
		// Exactly 20 Gbps: two streams fill it, one more.
		{"20 Gbps", func() Gate { x := g; x.AvailableMbps = 20_000; return x }(), 3, "3 moves keep the DCI full (20 Gbps available"},
		// One 10 Gbps member of the DCI left, 8.8 Gbps: one stream does not fill it: two.
		{"8.8 Gbps", func() Gate { x := g; x.AvailableMbps = 8_800; x.Limit = 35; return x }(), 2, "2 moves keep the DCI full (8.8 Gbps"},
		// The need's limit is lower: it stays, with its own words.
		{"5 Gbps a move", func() Gate { x := g; x.Limit = 3; x.Held = "the DCI carries 3 moves"; return x }(), 3, "the DCI carries 3 moves"},
		{"none", func() Gate { x := g; x.Limit = 0; x.Held = "the DCI has 0 Mbps"; return x }(), 0, "the DCI has 0 Mbps"},
		// The line rate not known (a gate that does not say): the need's limit alone.
		{"line rate unknown", func() Gate { x := g; x.StreamMbps = 0; return x }(), 75, g.Held},
		// 1 GbE vMotion: 19 streams to fill the DCI, more than the need's limit of 10.
		{"1 GbE", func() Gate { x := g; x.StreamMbps = 1000; x.Limit = 10; x.Held = "ten"; return x }(), 10, "ten"},
		// No DCI limit (no fabric), or its bandwidth unknown: nothing to fill.
		{"no fabric", Gate{Note: "no fabric configured: no DCI limit", StreamMbps: 10_000}, 0, ""},
	} {
		got := fullDCI(tc.gate)
		if got.Limit != tc.limit || !strings.HasPrefix(got.Held, tc.held) {
			t.Errorf("%s: limit %d %q, want %d %q…", tc.name, got.Limit, got.Held, tc.limit, tc.held)
		}
	}

	// Paused, the limit still shows what the DCI would carry.
	paused := g
	paused.Paused = "the DCI's data is stale"
	if gov := governorState(model.Governor{}, lim, paused, 0, 4, time.Now()); gov.Limit != 3 || gov.Why != "paused: the DCI's data is stale" {
		t.Errorf("paused governor %+v", gov)
	}
}
