package preflight

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Profile names.
const (
	ProfileReference2009 = "reference-2009"
	ProfileMetro         = "metro"
	ProfileLongDistance  = "long-distance"
)

// Profile is what one vMotion generation can take (DESIGN.md, "vMotion generations").
type Profile struct {
	Name string `json:"name"`
	// VSphere is the generation it stands for, as an operator says it ("6.0+").
	VSphere string `json:"vsphere"`
	// RTTMax is the longest round trip across the DCI the generation supports.
	RTTMax time.Duration `json:"rtt_max"`
	// MinBandwidthMbps is the DCI bandwidth vMotion needs: in total, or per concurrent
	// vMotion when PerVMotion is set.
	MinBandwidthMbps int  `json:"min_bandwidth_mbps"`
	PerVMotion       bool `json:"per_vmotion"`
	// StorageMayMove is false when the storage must be reachable from the source and the
	// target hosts (no storage move).
	StorageMayMove bool `json:"storage_may_move"`
	// NeedsVMotionVLAN is true when the vMotion VMkernel network must be one VLAN stretched
	// across the DCI.
	NeedsVMotionVLAN bool `json:"needs_vmotion_vlan"`
	// CrossVCenter is true when a VM may move between two vCenters.
	CrossVCenter bool `json:"cross_vcenter"`
	// DistanceKm is the distance the generation was designed for, for the review.
	DistanceKm int `json:"distance_km"`
}

// Profiles returns the known profiles, oldest generation first.
func Profiles() []Profile {
	return []Profile{
		{Name: ProfileReference2009, VSphere: "4.x", RTTMax: 5 * time.Millisecond, MinBandwidthMbps: 622,
			NeedsVMotionVLAN: true, DistanceKm: 200},
		{Name: ProfileMetro, VSphere: "5.x", RTTMax: 10 * time.Millisecond, MinBandwidthMbps: 250, PerVMotion: true,
			NeedsVMotionVLAN: true, DistanceKm: 600},
		{Name: ProfileLongDistance, VSphere: "6.0+", RTTMax: 150 * time.Millisecond, MinBandwidthMbps: 250,
			PerVMotion: true, StorageMayMove: true, CrossVCenter: true, DistanceKm: 5000},
	}
}

// ProfileByName returns the profile with the given name (as a config names it).
func ProfileByName(name string) (Profile, error) {
	var names []string
	for _, p := range Profiles() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Profile{}, fmt.Errorf("unknown vMotion profile %q: use one of %s", name, strings.Join(names, ", "))
}

// ProfileFor chooses the profile from the two vCenters' API versions ("4.1", "5.5",
// "8.0.2.0"): 4.x is reference-2009, 5.x metro, 6.0 and later long-distance, and the older
// vCenter decides. A version that does not parse (empty, say) counts as the oldest
// generation: preflight never assumes more than it knows.
func ProfileFor(apiVersionA, apiVersionB string) Profile {
	ps := Profiles()
	i := min(generation(apiVersionA), generation(apiVersionB))
	return ps[i]
}

// generation is the index in Profiles of the generation an API version belongs to.
func generation(version string) int {
	major, _, _ := strings.Cut(strings.TrimSpace(version), ".")
	n, err := strconv.Atoi(major)
	switch {
	case err != nil || n <= 4:
		return 0
	case n == 5:
		return 1
	}
	return 2
}
