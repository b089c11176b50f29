package fabric

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Severity says how much a finding matters to a move.
type Severity string

// Severities, strongest first. Preflight blocks a move on SeverityBlock.
const (
	SeverityBlock Severity = "block"
	SeverityWarn  Severity = "warn"
	SeverityInfo  Severity = "info"
)

// Finding codes. They are stable: preflight rules and scripts match on them.
const (
	CodeVLANNotExtended   = "VLAN_NOT_EXTENDED"     // a VM's VLAN is not carried end to end
	CodeSwitchUnreachable = "SWITCH_UNREACHABLE"    // a switch could not be polled
	CodeFabricStale       = "FABRIC_STALE"          // the last good poll is too old to trust
	CodeTrunkDown         = "DCI_TRUNK_DOWN"        // a DCI trunk or port-channel is down
	CodeMemberDown        = "DCI_MEMBER_DOWN"       // a port-channel member is down or not bundled
	CodeMTULow            = "DCI_MTU_LOW"           // MTU below 9000 on the DCI path
	CodeCRCRising         = "DCI_CRC_RISING"        // CRC or input errors grew between polls
	CodeOTVAdjacencyDown  = "OTV_ADJACENCY_DOWN"    // the OTV overlay has no adjacency to the far edge
	CodeRTTHigh           = "DCI_RTT_HIGH"          // RTT above the 10 ms long-distance vMotion budget
	CodeRTTOverLimit      = "DCI_RTT_OVER_LIMIT"    // RTT above the 150 ms vSphere limit
	CodePingFailed        = "DCI_PING_FAILED"       // no reply across the DCI
	CodePacketLoss        = "DCI_PACKET_LOSS"       // some pings across the DCI were lost
	CodeVLANUnverified    = "VLAN_UNVERIFIED"       // a VM's VLAN cannot be checked: a switch on the path gave no data
	CodeCommandFailed     = "SWITCH_COMMAND_FAILED" // a switch rejected a show command or its output was not understood
)

// Finding is one problem on the fabric, for the console and for preflight.
type Finding struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"` // a sentence naming the object
	Object   string   `json:"object"`  // e.g. "vlan 120", "mia-dci-n7k-01 Ethernet3/1"
	Switch   string   `json:"switch,omitempty"`
	VLAN     int      `json:"vlan,omitempty"`
	// Local is true on a VLAN_NOT_EXTENDED finding whose VLAN is local to each site
	// (VLANStatus.Local): listed after the problems, and not counted as one.
	Local bool `json:"local,omitempty"`
	// Where is, on a VLAN_NOT_EXTENDED finding, the first DCI trunk that does not allow the
	// VLAN (or, if all allow it, does not forward it).
	Where TrunkRef `json:"where,omitzero"`
}

// SwitchStatus is one switch as the monitor last saw it.
type SwitchStatus struct {
	Name      string    `json:"name"`
	Site      string    `json:"site"`
	Role      string    `json:"role"`
	Platform  string    `json:"platform"`
	Address   string    `json:"address"` // host:port
	Reachable bool      `json:"reachable"`
	Err       string    `json:"error,omitempty"` // why the last poll failed, as a sentence naming the switch
	LastPoll  time.Time `json:"last_poll"`       // last successful poll; zero if never
	Version   string    `json:"version,omitempty"`
	// Since is when the switch's current state began: when it started answering (Reachable),
	// when it stopped (the start of its first failed poll since it last answered), or, if it
	// never answered, when polling started. The console ages it ("not answering for 12s").
	// Zero only before the monitor starts.
	Since time.Time `json:"since,omitzero"`
	// Pending is true until the switch's first poll ends: it has neither answered nor failed
	// yet (Reachable false, Err empty), and Since is when polling started.
	Pending bool `json:"pending,omitempty"`
}

// Member is one member link of a DCI port-channel.
type Member struct {
	Name   string `json:"name"`
	Up     bool   `json:"up"`    // bundled and forwarding
	State  string `json:"state"` // as the device says: bundled, down, suspended...
	MTU    int    `json:"mtu"`   // 0 if unknown
	CRC    int64  `json:"crc_errors"`
	InErrs int64  `json:"input_errors"`
	Rising bool   `json:"errors_rising"`     // CRC or input errors grew since the last poll
	MTULow bool   `json:"mtu_low,omitempty"` // MTU known and below Limits.MinMTU
}

// Trunk is one DCI trunk (usually a port-channel) on one switch.
type Trunk struct {
	Switch      string   `json:"switch"`
	Site        string   `json:"site"`
	Interface   string   `json:"interface"` // e.g. port-channel10
	Up          bool     `json:"up"`
	Status      string   `json:"status"` // trunking, down, err-disabled...
	MTU         int      `json:"mtu"`
	Members     []Member `json:"members"`
	Allowed     []int    `json:"allowed"`    // VLANs allowed on the trunk
	Forwarding  []int    `json:"forwarding"` // VLANs in STP forwarding state and not pruned
	ErrDisabled []int    `json:"err_disabled,omitempty"`
	// Unknown is true when the switch gave no fresh data about the trunk this round
	// (unreachable, or its trunk command failed): Up is then false and the lists empty.
	Unknown bool `json:"unknown,omitempty"`
	// MTULow is true when the trunk's own MTU is known and below Limits.MinMTU (a member's
	// is in Member.MTULow).
	MTULow bool `json:"mtu_low,omitempty"`
	// CapacityMbps is the trunk's bandwidth now: the sum of the BW of its members that are
	// up (the port-channel's own BW when its members' is unknown), 0 when the trunk is down
	// or Unknown. UsedMbps is the traffic on it: the higher of its input and output rates
	// (the busier direction) over the switch's first load interval (30 seconds on NX-OS);
	// 0 when the switch printed no rate.
	CapacityMbps int64 `json:"capacity_mbps"`
	UsedMbps     int64 `json:"used_mbps"`
}

// LowestMTU is the lowest MTU on the trunk that fabric judged low (MTULow), the trunk's own
// or a member's, or 0 when none is low.
func (t Trunk) LowestMTU() int {
	low := 0
	if t.MTULow {
		low = t.MTU
	}
	for _, m := range t.Members {
		if m.MTULow && (low == 0 || m.MTU < low) {
			low = m.MTU
		}
	}
	return low
}

// MembersUp counts the members that are up.
func (t Trunk) MembersUp() int {
	n := 0
	for _, m := range t.Members {
		if m.Up {
			n++
		}
	}
	return n
}

// DCIBandwidth is the bandwidth across the DCI, measured on the DCI edges' trunks (every
// trunk's, if no switch is an edge): what vMotion can use. A path is as wide as its
// narrowest end and as busy as its busiest: CapacityMbps is the smallest of the sites'
// capacities (a site's is the sum of its trunks' Trunk.CapacityMbps), UsedMbps the largest
// of the sites' traffic (the sum of their Trunk.UsedMbps). Trunks not measured are left
// out: those with no data (Trunk.Unknown) and those up with no capacity (no BW read, or a
// Health built by hand without the figures); a trunk down measures 0. Judge fills it from
// the trunks.
type DCIBandwidth struct {
	CapacityMbps int64 `json:"capacity_mbps"`
	UsedMbps     int64 `json:"used_mbps"`
	// MembersUp and Members count the member links of the narrowest site's trunks: the
	// members up, and all of them. A member down halves a two-member port-channel.
	MembersUp int `json:"members_up"`
	Members   int `json:"members"`
	// Known is false when no trunk was measured: before the first poll, with every DCI
	// edge silent, or in a Health without the figures. They are then 0 and mean nothing.
	Known bool `json:"known"`
}

// FreeMbps is the bandwidth left for vMotion: the capacity less the traffic, never below 0.
func (b DCIBandwidth) FreeMbps() int64 { return max(b.CapacityMbps-b.UsedMbps, 0) }

// FormatMbps words a bandwidth as the console and findings do: "950 Mbps", "1.2 Gbps",
// "18.8 Gbps", "20 Gbps" (Gbps to one decimal, a trailing ".0" dropped).
func FormatMbps(mbps int64) string {
	if mbps > -1000 && mbps < 1000 {
		return strconv.FormatInt(mbps, 10) + " Mbps"
	}
	g := strconv.FormatFloat(math.Round(float64(mbps)/100)/10, 'f', 1, 64)
	return strings.TrimSuffix(g, ".0") + " Gbps"
}

// VLANStatus says whether one VLAN is carried end to end across the DCI, and if not, why.
type VLANStatus struct {
	ID      int      `json:"id"`
	Carried bool     `json:"carried"`
	Reasons []string `json:"reasons,omitempty"` // e.g. "not allowed on mia-dci-n7k-01 port-channel10"
	// Unknown is true when nothing seen says the VLAN is broken but a switch on the path
	// gave no fresh data: Carried is then false (never healthy on missing data) and the
	// reasons start with "unknown: ".
	Unknown bool `json:"unknown,omitempty"`
	// Local is true when the VLAN is not carried because no DCI edge's trunk allows it at
	// all: it is local to each site by configuration (a DMZ, say), not a broken DCI. Its VMs
	// still cannot keep their addresses at the other site.
	Local bool `json:"local,omitempty"`
	// Where is, for a VLAN not carried and not unknown, the first DCI trunk that does not
	// allow it (or, if all allow it, does not forward it): what to look at first.
	Where TrunkRef `json:"where,omitzero"`
}

// RTT is the round trip across the DCI, from a DCI edge's ping of the far edge.
type RTT struct {
	From string        `json:"from"`
	To   string        `json:"to"`
	Avg  time.Duration `json:"avg"`
	Max  time.Duration `json:"max"`
	Loss float64       `json:"loss_percent"`
	OK   bool          `json:"ok"` // replies came back
	// OverBudget is true when replies came back slower on average than Limits.RTTBudget:
	// moves are slower. OverLimit: slower than Limits.RTTLimit, and vSphere refuses them.
	OverBudget bool `json:"over_budget,omitempty"`
	OverLimit  bool `json:"over_limit,omitempty"`
}

// Health is an immutable picture of the fabric: every switch, DCI trunk and watched VLAN,
// the findings derived from them, and the verdict on the DCI as a whole, judged against
// Limits (see Judge).
type Health struct {
	// Configured is false when no switches are configured: the console says so instead of
	// showing an empty, healthy-looking pane.
	Configured bool          `json:"configured"`
	Interval   time.Duration `json:"poll_interval"`
	PolledAt   time.Time     `json:"polled_at"` // end of the last poll round; zero before the first
	// Polling is true while a poll round runs (PollNow, or the interval's): the switches'
	// results replace the last round's one by one as they come.
	Polling bool `json:"polling,omitempty"`
	// PollStarted is when the latest round started: while Polling, the one running.
	PollStarted time.Time      `json:"poll_started,omitzero"`
	Switches    []SwitchStatus `json:"switches"`
	Trunks      []Trunk        `json:"trunks"`
	VLANs       []VLANStatus   `json:"vlans"` // sorted by ID
	RTTs        []RTT          `json:"rtt,omitempty"`
	// Bandwidth is the DCI's bandwidth, measured on its trunks (judged: see Judge).
	Bandwidth DCIBandwidth `json:"bandwidth"`
	// Findings are sorted: problems by severity, then findings about local VLANs.
	Findings []Finding `json:"findings"`
	Limits   Limits    `json:"limits"`
	Verdict  Verdict   `json:"verdict"`
}

// VLAN returns the status of one VLAN, and false if the monitor has no opinion on it
// (not watched, or no poll yet).
func (h Health) VLAN(id int) (VLANStatus, bool) {
	i := sort.Search(len(h.VLANs), func(i int) bool { return h.VLANs[i].ID >= id })
	if i < len(h.VLANs) && h.VLANs[i].ID == id {
		return h.VLANs[i], true
	}
	return VLANStatus{}, false
}

// Stale reports whether the data is too old to trust at now: no poll round completed within
// three intervals (a round hung on a silent switch, or no round yet). A round in which
// switches failed still completes: their failures show as unknown trunks and VLANs, not as
// staleness.
func (h Health) Stale(now time.Time) bool {
	if !h.Configured {
		return false
	}
	return h.PolledAt.IsZero() || now.Sub(h.PolledAt) > 3*h.Interval
}
