package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/vmcross/vmcross/backend/model"
)

// insecureB is the test estate with site B's certificate not verified (insecure: true).
func insecureB() model.State {
	s := testState()
	s.Sites[1].Status.Insecure = true
	return s
}

// A site whose certificate is not verified says so in its pane's title: in full in a wide
// pane, shorter in an 80-column terminal's. `go test ./ui -update` rewrites
// testdata/TestInsecureGolden/*.golden.
func TestInsecureGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			out := screen(t, newFakeEngine(insecureB()), w, h, "Atlanta (site B) ⚠ TLS", nil)
			teatest.RequireEqualOutput(t, out)
		})
	}
}

func TestInsecureMarkerInTitle(t *testing.T) {
	c := NewCommon(testOptions())
	st := insecureB()
	st.ReadOnly = true // the first pane's note follows the marker
	st.Sites[0].Status.Insecure = true
	top := func(p SitePane) string { return strings.SplitN(p.View(), "\n", 2)[0] }
	for _, tc := range []struct {
		width int
		slot  int
		want  string
	}{
		{100, 0, "Miami (site A) ⚠ TLS unverified · READ-ONLY"},
		{100, 1, "Atlanta (site B) ⚠ TLS unverified "},
		{40, 0, "Miami (site A) ⚠ TLS · READ-ONLY"},
		{40, 1, "Atlanta (site B) ⚠ TLS "},
	} {
		p := NewSitePane(c, tc.slot)
		p.SetSize(tc.width, 8)
		p.SetState(st, nil)
		if got := top(p); !strings.Contains(got, tc.want) {
			t.Errorf("slot %d at %d columns: title %q, want %q in it", tc.slot, tc.width, got, tc.want)
		}
	}
	// A verified site has no marker.
	p := NewSitePane(c, 1)
	p.SetSize(100, 8)
	p.SetState(testState(), nil)
	if got := top(p); strings.Contains(got, "⚠") {
		t.Errorf("verified site's title: %q", got)
	}
}
