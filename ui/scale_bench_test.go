package ui

import (
	"slices"
	"strconv"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// The console at 10,000 VMs (5,000 a site): what one key costs, Update and View together, as
// bubbletea runs them for each message. Target (issue 12): ≤ 16 ms at the 99th percentile,
// a frame at 60 Hz. cmd/vmcross's BenchmarkConsoleKeys does the same on a real lab's
// inventory loaded through the engine; scripts/bench runs both.
//
//	go test ./ui -run '^$' -bench 'Keys10k' -count 5

// filterKeys open the filter, type a query and take it back letter by letter, twice (with a
// name, then a VLAN), and drop it: the list is filtered again at every key but / and esc.
var filterKeys = slices.Concat([]string{"/"}, split("prod-sql"), repeat("backspace", 8),
	split("vlan120"), repeat("backspace", 7), []string{"esc"})

// cursorKeys move the cursor over the whole list: rows, pages, the ends.
var cursorKeys = slices.Concat(repeat("down", 40), repeat("pgdown", 5), repeat("up", 40), repeat("pgup", 5),
	[]string{"end", "up", "home"})

// paneKeys switch panes round: site A, site B, the fabric, site A.
var paneKeys = []string{"tab", "tab", "tab", "shift+tab", "shift+tab", "shift+tab"}

func split(s string) []string {
	out := make([]string, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

func repeat(k string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = k
	}
	return out
}

// keyTimes presses keys over and over (until at least atLeast keys) on m and returns how
// long each Update plus View took.
func keyTimes(m Model, keys []string, atLeast int) []time.Duration {
	out := make([]time.Duration, 0, atLeast+len(keys))
	for len(out) < atLeast {
		for _, k := range keys {
			start := time.Now()
			next, _ := m.Update(keyMsg(k))
			m = next.(Model)
			_ = m.View()
			out = append(out, time.Since(start))
		}
	}
	return out
}

// percentile is the p-th percentile (0 < p ≤ 100) of ds, by the nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// reportKeys reports the 50th and 99th percentiles and the worst of ds, in milliseconds.
func reportKeys(b *testing.B, ds []time.Duration) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(percentile(ds, 50)), "p50_ms")
	b.ReportMetric(ms(percentile(ds, 99)), "p99_ms")
	b.ReportMetric(ms(percentile(ds, 100)), "max_ms")
}

// BenchmarkKeys10k is a keystroke in the filter, a cursor move and a pane switch, each
// Update plus View, with 5,000 VMs a site in colour at 200x50. The percentiles are over
// every key of the run (at least 500).
func BenchmarkKeys10k(b *testing.B) {
	for _, c := range []struct {
		name string
		keys []string
	}{{"filter", filterKeys}, {"cursor", cursorKeys}, {"panes", paneKeys}} {
		b.Run(c.name, func(b *testing.B) {
			m := viewModel(b, 5000, true)
			m = update(b, m, tea.WindowSizeMsg{Width: 200, Height: 50})
			if n := len(m.main.sites[0].site.VMs) + len(m.main.sites[1].site.VMs); n != 10000 {
				b.Fatalf("%d VMs, want 10,000", n)
			}
			b.ResetTimer()
			ds := keyTimes(m, c.keys, max(b.N, 500))
			b.StopTimer()
			reportKeys(b, ds)
		})
	}
}

// TestMeasureFastPaths checks the shortcuts of measure against the widths they stand for.
func TestMeasureFastPaths(t *testing.T) {
	for _, s := range []string{"", "web-01", "A-01/esx03.mia.corp", "tab\there", "esc\x1b[31mred", "café", "日本-01", "\x7f"} {
		if got, want := textWidth(s), ansi.StringWidth(s); got != want {
			t.Errorf("textWidth(%q) = %d, want %d", s, got, want)
		}
		want := 0
		for _, r := range s {
			want += runeWidth(r)
		}
		if got := nameWidth(s); got != want {
			t.Errorf("nameWidth(%q) = %d, want %d", s, got, want)
		}
	}
	for _, id := range []int{0, 7, 10, 99, 100, 4094, -1, -120} {
		if got, want := digits(id), len(strconv.Itoa(id)); got != want {
			t.Errorf("digits(%d) = %d, want %d", id, got, want)
		}
	}
}

// TestRefineMatchesFilter types queries letter by letter over 5,000 VMs: each step's rows,
// refined from the step before, are the rows filtering from scratch gives, highlights and all.
func TestRefineMatchesFilter(t *testing.T) {
	st := bigState(5000)
	vms := st.Sites[0].VMs
	for _, query := range []string{"prod-sql", "vlan120", "mia-k8s-worker-03-r002", "A-01", "esx03", "  web 1", "Prod-SQL", "vlan1", "xyz", "r00"} {
		var prev []row
		prevQuery := ""
		for i := 1; i <= len(query); i++ {
			q := query[:i]
			got := refineVMs(vms, q, prev, prevQuery)
			want := filterVMs(vms, q)
			if len(got) != len(want) {
				t.Fatalf("%q after %q: %d rows, from scratch %d", q, prevQuery, len(got), len(want))
			}
			for j := range got {
				if got[j].vm != want[j].vm || !slices.Equal(got[j].matched, want[j].matched) {
					t.Fatalf("%q after %q: row %d is %+v, from scratch %+v", q, prevQuery, j, got[j], want[j])
				}
			}
			prev, prevQuery = got, q
		}
	}
}

// TestFilterBackspace types a query and takes it back: each shorter query finds the rows it
// had (the pane remembers them), and they are those filtering from scratch gives.
func TestFilterBackspace(t *testing.T) {
	m := newTestModel(t, newFakeEngine(bigState(2000)), 160, 48)
	m = pressAll(t, m, "/")
	m = typeText(t, m, "prod-sql")
	for i := len("prod-sql") - 1; i >= 1; i-- {
		m, _ = press(t, m, "backspace")
		p := m.main.sites[0]
		want := filterVMs(p.site.VMs, p.query)
		if p.query != "prod-sql"[:i] || len(p.rows) != len(want) {
			t.Fatalf("after a backspace: query %q, %d rows, from scratch %d", p.query, len(p.rows), len(want))
		}
	}
}
