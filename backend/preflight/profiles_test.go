package preflight

import (
	"testing"
	"time"
)

func TestProfileFor(t *testing.T) {
	tests := []struct {
		a, b string
		want string
	}{
		{"4.1", "4.1", ProfileReference2009},
		{"4.0", "6.7", ProfileReference2009}, // the older vCenter decides
		{"5.5", "5.1", ProfileMetro},
		{"8.0.2.0", "5.0", ProfileMetro},
		{"6.0", "6.0", ProfileLongDistance},
		{"7.0.3", "8.0.2.0", ProfileLongDistance},
		{"10.0", "9.0", ProfileLongDistance},
		{"", "8.0", ProfileReference2009}, // unknown counts as the oldest
		{"x.y", "8.0", ProfileReference2009},
		{" 8.0 ", "8.0.1", ProfileLongDistance},
	}
	for _, tt := range tests {
		if got := ProfileFor(tt.a, tt.b).Name; got != tt.want {
			t.Errorf("ProfileFor(%q, %q) = %s, want %s", tt.a, tt.b, got, tt.want)
		}
		if got := ProfileFor(tt.b, tt.a).Name; got != tt.want {
			t.Errorf("ProfileFor(%q, %q) = %s, want %s (order must not matter)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestProfileValues(t *testing.T) {
	// DESIGN.md, "vMotion generations".
	want := map[string]Profile{
		ProfileReference2009: {RTTMax: 5 * time.Millisecond, MinBandwidthMbps: 622, NeedsVMotionVLAN: true},
		ProfileMetro:         {RTTMax: 10 * time.Millisecond, MinBandwidthMbps: 250, PerVMotion: true, NeedsVMotionVLAN: true},
		ProfileLongDistance:  {RTTMax: 150 * time.Millisecond, MinBandwidthMbps: 250, PerVMotion: true, StorageMayMove: true, CrossVCenter: true},
	}
	ps := Profiles()
	if len(ps) != len(want) {
		t.Fatalf("%d profiles, want %d", len(ps), len(want))
	}
	for _, p := range ps {
		w, ok := want[p.Name]
		if !ok {
			t.Fatalf("unexpected profile %s", p.Name)
		}
		if p.RTTMax != w.RTTMax || p.MinBandwidthMbps != w.MinBandwidthMbps || p.PerVMotion != w.PerVMotion ||
			p.StorageMayMove != w.StorageMayMove || p.NeedsVMotionVLAN != w.NeedsVMotionVLAN || p.CrossVCenter != w.CrossVCenter {
			t.Errorf("%s = %+v, want %+v", p.Name, p, w)
		}
		got, err := ProfileByName(p.Name)
		if err != nil || got != p {
			t.Errorf("ProfileByName(%s) = %+v, %v", p.Name, got, err)
		}
	}
	if _, err := ProfileByName("vsphere-3"); err == nil {
		t.Error("ProfileByName(vsphere-3): want an error")
	}
}
