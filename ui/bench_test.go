package ui

import (
	"fmt"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
)

// viewModel is a console at 160x48 with about n VMs per site, the cursor mid-list.
func viewModel(tb testing.TB, n int, colour bool) Model {
	opts := testOptions()
	if colour {
		opts.Renderer = colourRenderer()
	}
	m := New(newFakeEngine(bigState(n)), opts)
	m = update(tb, m, tea.WindowSizeMsg{Width: 160, Height: 48})
	for i := 0; i < 3; i++ {
		m = pressAll(tb, m, "pgdown")
	}
	return m
}

// BenchmarkView shows that drawing a frame costs the same for 100 VMs a site as for 10,000:
// only the rows on screen are rendered.
//
//	go test ./ui -run '^$' -bench View -benchmem
func BenchmarkView(b *testing.B) {
	for _, colour := range []bool{false, true} {
		for _, n := range []int{100, 10000} {
			m := viewModel(b, n, colour)
			profile := "ascii"
			if colour {
				profile = "truecolor"
			}
			b.Run(fmt.Sprintf("%s/vms=%d", profile, len(m.main.sites[0].site.VMs)), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					_ = m.View()
				}
			})
		}
	}
}

// BenchmarkState measures what a new State costs in Update (filtering and keeping the
// cursor is linear in the inventory, and happens here rather than in View).
func BenchmarkState(b *testing.B) {
	for _, n := range []int{100, 10000} {
		m := viewModel(b, n, false)
		st := bigState(n)
		b.Run(fmt.Sprintf("vms=%d", len(m.main.sites[0].site.VMs)), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				st.Gen++
				m, _ = m.applyStateCopy(stateMsg{st})
			}
		})
	}
}

// applyStateCopy is Update(stateMsg) without the re-armed command.
func (m Model) applyStateCopy(s stateMsg) (Model, tea.Cmd) {
	next, cmd := m.Update(s)
	return next.(Model), cmd
}

// TestViewCostIndependentOfInventory is the benchmark's claim as a test: the allocations
// of one View (a stable stand-in for its cost) are the same for 100 VMs as for 10,000.
func TestViewCostIndependentOfInventory(t *testing.T) {
	small, big := viewModel(t, 100, true), viewModel(t, 10000, true)
	if n := len(big.main.sites[0].site.VMs); n < 10000 {
		t.Fatalf("big inventory has %d VMs", n)
	}
	a := testing.AllocsPerRun(20, func() { _ = small.View() })
	b := testing.AllocsPerRun(20, func() { _ = big.View() })
	if b > a*1.05+5 {
		t.Errorf("View allocates %.0f times with 10,000 VMs a site, %.0f with 100", b, a)
	}
}

// BenchmarkOtherSiteChange measures what a change at site B costs the console, split by pane:
// with per-site updates the site A pane must do nothing measurable.
//
//	go test ./ui -run '^$' -bench OtherSiteChange -benchmem -count 5
func BenchmarkOtherSiteChange(b *testing.B) {
	m := viewModel(b, 10000, false)
	st := bigState(10000)
	st.Gen = m.gen + 1
	// Versioned, as the engine publishes States.
	st.Sites[0].Gen, st.Sites[1].Gen = 1, 1
	st.FabricGen, st.VLANsInUse = 1, model.VLANsInUse(st.Sites)
	m, _ = m.applyStateCopy(stateMsg{st})
	// Each round: site B gets a new snapshot (one VM renamed), site A's stays the same.
	next := func(i int) stateMsg {
		s := st
		s.Gen = st.Gen + uint64(i) + 1
		s.Sites = append(s.Sites[:0:0], st.Sites...)
		b := s.Sites[1]
		vms := append(b.VMs[:0:0], b.VMs...)
		vms[0].Name = fmt.Sprintf("renamed-%d", i)
		b.VMs = vms
		b.Gen = uint64(i) + 2
		s.Sites[1] = b
		return stateMsg{s}
	}
	// Two site B snapshots, alternated: building one per iteration would cost more than
	// what is measured.
	msgs := [2]stateMsg{next(0), next(1)}
	gen := st.Gen + 10
	b.Run("siteA", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			msg := msgs[i%2]
			gen++
			msg.state.Gen = gen
			m.main.sites[0].SetState(msg.state, m.main.fabric.marks())
		}
	})
	// With every VM of both sites selected: site A still does nothing; site B, whose
	// snapshot changed, checks its selection against the new inventory (linear, and no
	// allocation when no selected VM left).
	m.main.sites[0].selectShown()
	m.main.sites[1].selectShown()
	b.Run("siteA_selected", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			msg := msgs[i%2]
			gen++
			msg.state.Gen = gen
			m.main.sites[0].SetState(msg.state, m.main.fabric.marks())
		}
	})
	b.Run("siteB_selected", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			msg := msgs[i%2]
			gen++
			msg.state.Gen = gen
			m.main.sites[1].SetState(msg.state, m.main.fabric.marks())
		}
	})
	m.main.sites[0].clearSelection()
	m.main.sites[1].clearSelection()
	b.Run("console", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			msg := msgs[i%2]
			gen++
			msg.state.Gen = gen
			m, _ = m.applyStateCopy(msg)
		}
	})
}
