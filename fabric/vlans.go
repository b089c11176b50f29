package fabric

import (
	"fmt"
	"sort"
	"strings"
)

// Judging VLANs end to end across the DCI, from the switches' views of one poll round.

// vlanStatuses judges every watched VLAN and every VLAN the DCI edges' trunks allow.
func vlanStatuses(views []*switchView, watched []int, f *findings) []VLANStatus {
	ids := map[int]bool{}
	for _, id := range watched {
		ids[id] = true
	}
	edges := false
	for _, v := range views {
		edges = edges || v.spec.Role == RoleDCIEdge
	}
	for _, v := range views {
		if edges && v.spec.Role != RoleDCIEdge {
			continue
		}
		// The last good data of an unreachable edge keeps its VLANs listed (as unknown).
		src := v.poll
		if !v.fresh {
			src = v.prev
		}
		if src == nil {
			continue
		}
		for _, row := range src.trunks {
			for _, name := range dciTrunkNames(v.spec, src.channels, src.ok(channelCommand(v.spec.Platform))) {
				if ifKey(row.Port) == ifKey(name) {
					for _, id := range row.Allowed.IDs {
						ids[id] = true
					}
				}
			}
		}
	}
	isWatched := map[int]bool{}
	for _, id := range watched {
		isWatched[id] = true
	}
	out := make([]VLANStatus, 0, len(ids))
	for _, id := range sortedInts(ids) {
		var rs []reason
		for _, v := range views {
			rs = append(rs, v.vlanReasons(id)...)
		}
		st := VLANStatus{ID: id, Carried: len(rs) == 0}
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].rank < rs[j].rank })
		for _, r := range rs {
			st.Reasons = append(st.Reasons, r.text)
		}
		st.Unknown = len(rs) > 0 && rs[0].rank == rankUnknown
		st.Local = !st.Carried && !st.Unknown && allowedOnNoEdge(views, id)
		out = append(out, st)
		if !isWatched[id] || st.Carried {
			continue
		}
		more := ""
		if n := len(rs) - 1; n > 0 {
			more = fmt.Sprintf(" (and %d more)", n)
		}
		if st.Unknown {
			f.add(Finding{Code: CodeVLANUnverified, Severity: SeverityWarn, Object: fmt.Sprintf("vlan %d", id),
				VLAN: id, Switch: rs[0].sw, Message: fmt.Sprintf("VLAN %d cannot be verified across the DCI: %s%s.",
					id, strings.TrimPrefix(rs[0].text, "unknown: "), more)})
			continue
		}
		msg := fmt.Sprintf("VLAN %d is not carried across the DCI: %s%s.", id, rs[0].text, more)
		if st.Local {
			msg = fmt.Sprintf("VLAN %d is local to each site (no DCI trunk allows it): its VMs cannot keep their addresses at the other site.", id)
		}
		f.add(Finding{Code: CodeVLANNotExtended, Severity: SeverityBlock, Object: fmt.Sprintf("vlan %d", id),
			VLAN: id, Switch: rs[0].sw, Message: msg, Local: st.Local})
	}
	return out
}

// allowedOnNoEdge reports whether every DCI edge answered and none of their DCI trunks
// allows VLAN id: the VLAN is local to each site by configuration, not broken.
func allowedOnNoEdge(views []*switchView, id int) bool {
	edges := 0
	for _, v := range views {
		if v.spec.Role != RoleDCIEdge {
			continue
		}
		if !v.fresh {
			return false
		}
		edges++
		for _, t := range v.trunks {
			if !t.known || t.allowed.Contains(id) {
				return false
			}
		}
	}
	return edges > 0
}

// vlanReasons says why this switch does not carry VLAN id across the DCI (none: it does).
func (v *switchView) vlanReasons(id int) []reason {
	name := v.spec.Name
	var rs []reason
	add := func(rank reasonRank, format string, a ...any) {
		rs = append(rs, reason{text: fmt.Sprintf(format, a...), sw: name, rank: rank})
	}
	for _, t := range v.trunks {
		switch {
		case !t.known:
			// Said once, in v.missing.
		case !t.Up:
			add(rankTrunkDown, "%s down on %s", t.Interface, name)
		case !t.allowed.Contains(id):
			add(rankNotAllowed, "not allowed on %s %s", name, t.Interface)
		case t.errDis.Contains(id):
			add(rankErrDisabled, "err-disabled on %s %s", name, t.Interface)
		case !t.forwardOK:
			add(rankUnknown, "unknown: %s %s prints no STP forwarding list", name, t.Interface)
		case !t.forwarding.Contains(id):
			add(rankNotForwarding, "not STP-forwarding on %s %s", name, t.Interface)
		}
	}
	if v.vlanDB != nil {
		vl, ok := v.vlanDB[id]
		switch {
		case !ok:
			add(rankVLANDB, "not in the VLAN database of %s", name)
		case !vl.Active:
			add(rankVLANDB, "not active on %s (%s)", name, vl.Status)
		}
	}
	if v.otv.present && v.otv.known {
		o, ok := v.otv.vlans[id]
		switch {
		case !v.otv.adjUp:
			add(rankOTVAdjacency, "OTV adjacency down on %s", name)
		case !ok:
			add(rankOTVVLAN, "not extended by OTV on %s", name)
		case !o.Active && !nonAED(o.State):
			add(rankOTVVLAN, "not extended by OTV on %s (%s)", name, o.State)
		}
	}
	return append(rs, v.missing...)
}

// nonAED reports an OTV VLAN state that says another edge device of the same site is the
// authoritative edge device for the VLAN ("inactive(NA)", "inactive(Non AED)"): in a
// multihomed site only one edge forwards each VLAN, and that is not a fault.
func nonAED(state string) bool {
	s := strings.ToLower(state)
	return strings.Contains(s, "(na)") || strings.Contains(s, "non aed") || strings.Contains(s, "non-aed")
}
