package backend

import (
	"testing"

	"github.com/vmcross/vmcross/backend/model"
)

// A move's stream runs at the slowest vMotion network the settings name: 10 GbE unless said.
func TestStreamMbps(t *testing.T) {
	for _, tc := range []struct {
		s    GovernorSettings
		want int64
	}{
		{GovernorSettings{}, 10_000},
		{GovernorSettings{VMotionGbps: 25}, 25_000},
		{GovernorSettings{VMotionGbps: 25, SiteVMotionGbps: map[model.SiteID]int{"site-b": 1}}, 1000},
		{GovernorSettings{SiteVMotionGbps: map[model.SiteID]int{"site-b": 40}}, 10_000},
	} {
		if got := streamMbps(tc.s); got != tc.want {
			t.Errorf("%+v: %d Mbps, want %d", tc.s, got, tc.want)
		}
	}
}
