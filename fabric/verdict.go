package fabric

import (
	"slices"
	"sort"
	"time"
)

// The DCI's verdict: what the fabric's data means for vMotion, judged here once so the
// console, the CLI and preflight read the same judgement instead of each redoing it.

// Limits are the thresholds the DCI is judged against.
type Limits struct {
	// RTTBudget is the round trip long-distance vMotion is designed for: above it, moves
	// are slower (RTT.OverBudget, DCI_RTT_HIGH).
	RTTBudget time.Duration `json:"rtt_budget"`
	// RTTLimit is the round trip above which vSphere refuses vMotion (RTT.OverLimit,
	// DCI_RTT_OVER_LIMIT).
	RTTLimit time.Duration `json:"rtt_limit"`
	// MinMTU is the smallest MTU that carries vMotion's jumbo frames (Trunk.MTULow,
	// DCI_MTU_LOW).
	MinMTU int `json:"min_mtu"`
}

// DefaultLimits are VMware's long-distance vMotion requirements: RTTBudget, RTTLimit and
// MinMTU.
func DefaultLimits() Limits {
	return Limits{RTTBudget: RTTBudget, RTTLimit: RTTLimit, MinMTU: MinMTU}
}

// Verdict is the DCI judged as a whole.
type Verdict struct {
	// Down is true when nothing crosses the DCI: every DCI-edge trunk is down (every trunk,
	// if no switch has the edge role), or no edge got a reply across the DCI. A trunk the
	// monitor has no data on (Trunk.Unknown) is not down.
	Down bool `json:"down"`
	// Problems counts the findings of block or warn severity, leaving out those about a
	// VLAN local to each site (Finding.Local): a VLAN never stretched is not a DCI fault.
	// When Problems > 0, Health.Findings[0] is the worst of them.
	Problems int `json:"problems"`
	// Worst is the highest severity among the problems; empty when there are none.
	Worst Severity `json:"worst,omitempty"`
}

// TrunkRef names one DCI trunk: a switch and one of its interfaces.
type TrunkRef struct {
	Switch    string `json:"switch"`
	Interface string `json:"interface"` // as in Trunk.Interface: port-channel10
}

// Judge returns h with every judgement of the DCI filled in from the rest of it: the
// limits (DefaultLimits if h has none), each trunk's and member's MTULow, each RTT's
// OverBudget and OverLimit, where each VLAN not carried stops (VLANStatus.Where,
// Finding.Where), which findings are about a local VLAN (Finding.Local), the findings'
// order, the DCI's Bandwidth (from the trunks' CapacityMbps and UsedMbps, which are
// measurements, not judgements) and the Verdict. The monitor's Health is judged already;
// Judge is for a Health built some other way (a test's fixture, say). It is a pure
// function: h's slices are copied, not changed, and judging a judged Health changes
// nothing.
func Judge(h Health) Health {
	if h.Limits == (Limits{}) {
		h.Limits = DefaultLimits()
	}
	lim := h.Limits

	h.Trunks = slices.Clone(h.Trunks)
	for i, t := range h.Trunks {
		h.Trunks[i] = judgeTrunk(t, lim)
	}
	h.RTTs = slices.Clone(h.RTTs)
	for i, r := range h.RTTs {
		h.RTTs[i] = judgeRTT(r, lim)
	}
	h.VLANs = slices.Clone(h.VLANs)
	for i, v := range h.VLANs {
		h.VLANs[i].Where = TrunkRef{}
		if !v.Carried && !v.Unknown {
			h.VLANs[i].Where = notCarriedOn(h.Trunks, v.ID)
		}
	}
	h.Findings = slices.Clone(h.Findings)
	for i, f := range h.Findings {
		h.Findings[i].Local, h.Findings[i].Where = false, TrunkRef{}
		if f.Code != CodeVLANNotExtended || f.VLAN <= 0 {
			continue
		}
		st, ok := h.VLAN(f.VLAN)
		h.Findings[i].Local = ok && st.Local
		h.Findings[i].Where = notCarriedOn(h.Trunks, f.VLAN)
	}
	// Findings arrive sorted from the monitor; a stable sort keeps that order and only
	// puts a hand-built list right.
	sort.SliceStable(h.Findings, func(i, j int) bool { return findingBefore(h.Findings[i], h.Findings[j]) })
	h.Bandwidth = dciBandwidth(h)
	h.Verdict = judgeVerdict(h)
	return h
}

// judgeTrunk sets the MTULow of a trunk and of its members.
func judgeTrunk(t Trunk, lim Limits) Trunk {
	t.MTULow = mtuLow(t.MTU, lim)
	t.Members = slices.Clone(t.Members)
	for i, m := range t.Members {
		t.Members[i].MTULow = mtuLow(m.MTU, lim)
	}
	return t
}

// mtuLow reports whether a known MTU is too small for vMotion's jumbo frames.
func mtuLow(mtu int, lim Limits) bool { return mtu > 0 && mtu < lim.MinMTU }

// judgeRTT sets a round trip's OverBudget and OverLimit. A ping with no reply is neither:
// its round trip is unknown (RTT.OK).
func judgeRTT(r RTT, lim Limits) RTT {
	r.OverBudget = r.OK && r.Avg > lim.RTTBudget
	r.OverLimit = r.OK && r.Avg > lim.RTTLimit
	return r
}

// notCarriedOn is the first DCI trunk with data that does not allow VLAN id, or failing
// that the first that does not forward it; zero if every trunk carries it.
func notCarriedOn(trunks []Trunk, id int) TrunkRef {
	for _, list := range []func(Trunk) []int{
		func(t Trunk) []int { return t.Allowed },
		func(t Trunk) []int { return t.Forwarding },
	} {
		for _, t := range trunks {
			if !t.Unknown && !slices.Contains(list(t), id) {
				return TrunkRef{Switch: t.Switch, Interface: t.Interface}
			}
		}
	}
	return TrunkRef{}
}

// findingBefore orders findings for the operator: problems before findings about a VLAN
// local to each site, then by severity.
func findingBefore(a, b Finding) bool {
	if a.Local != b.Local {
		return !a.Local
	}
	return severityRank(a.Severity) < severityRank(b.Severity)
}

// judgeVerdict judges the DCI as a whole from h's judged trunks, RTTs and findings.
func judgeVerdict(h Health) Verdict {
	v := Verdict{Down: dciDown(h)}
	for _, f := range h.Findings {
		if f.Local || (f.Severity != SeverityBlock && f.Severity != SeverityWarn) {
			continue
		}
		if v.Problems == 0 || severityRank(f.Severity) < severityRank(v.Worst) {
			v.Worst = f.Severity
		}
		v.Problems++
	}
	return v
}

// dciTrunks are the trunks that carry the DCI and have data: the DCI edges' (every trunk,
// if no switch is an edge), leaving out those the monitor has no data on (Trunk.Unknown).
func dciTrunks(h Health) []Trunk {
	edge := map[string]bool{}
	for _, sw := range h.Switches {
		if sw.Role == RoleDCIEdge {
			edge[sw.Name] = true
		}
	}
	var out []Trunk
	for _, t := range h.Trunks {
		if !t.Unknown && (len(edge) == 0 || edge[t.Switch]) {
			out = append(out, t)
		}
	}
	return out
}

// dciBandwidth measures the DCI on its trunks with data, site by site: the narrowest
// site's capacity and members, the busiest site's traffic (DCIBandwidth). A trunk up with
// no capacity is not measured and left out.
func dciBandwidth(h Health) DCIBandwidth {
	type site struct {
		capacity, used int64
		up, members    int
	}
	var order []string
	sites := map[string]*site{}
	for _, t := range dciTrunks(h) {
		if t.Up && t.CapacityMbps <= 0 {
			continue // not measured: the switch printed no BW, or h was built by hand
		}
		s := sites[t.Site]
		if s == nil {
			s = &site{}
			sites[t.Site] = s
			order = append(order, t.Site)
		}
		if t.Up {
			s.capacity += t.CapacityMbps // a trunk down carries nothing, whatever it last said
			s.used += t.UsedMbps
		}
		s.up += t.MembersUp()
		s.members += len(t.Members)
	}
	var b DCIBandwidth
	for i, name := range order {
		s := sites[name]
		if i == 0 || s.capacity < b.CapacityMbps {
			b.CapacityMbps, b.MembersUp, b.Members = s.capacity, s.up, s.members
		}
		b.UsedMbps = max(b.UsedMbps, s.used)
		b.Known = true
	}
	return b
}

// dciDown reports whether nothing crosses the DCI: every DCI-edge trunk with data is down
// (every trunk, if no switch is an edge), or pings across it got no reply from any edge.
// No data is not "down".
func dciDown(h Health) bool {
	trunks, up := 0, 0
	for _, t := range dciTrunks(h) {
		trunks++
		if t.Up {
			up++
		}
	}
	if trunks > 0 && up == 0 {
		return true
	}
	for _, r := range h.RTTs {
		if r.OK {
			return false
		}
	}
	return len(h.RTTs) > 0
}
