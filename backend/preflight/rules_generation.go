package preflight

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric"
)

// The rules here depend on what a vMotion generation needs: the vMotion network on one
// stretched VLAN, the DCI's bandwidth, the hosts' virtual hardware.

// oldestRunnableHW is the oldest virtual hardware version ESXi 5.0 and later run: version 3
// (ESX 2.x) VMs must be upgraded first.
const oldestRunnableHW = 4

// hwVersion is the number in "vmx-19", and 0 when it does not parse.
func hwVersion(s string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "vmx-"))
	if err != nil || !strings.HasPrefix(s, "vmx-") {
		return 0
	}
	return n
}

func hwVersionUnsupported(r *run, v *vmRun) []Finding {
	n := hwVersion(v.vm.HWVersion)
	if n <= 0 {
		return nil
	}
	if n < oldestRunnableHW {
		return []Finding{{Object: "vm " + v.vm.Name,
			Message: fmt.Sprintf("%s has virtual hardware version %d (%s): ESXi 5.0 and later do not run it, so the target hosts cannot take it.",
				v.vm.Name, n, v.vm.HWVersion),
			Remedy: fmt.Sprintf("Power %s off and upgrade its compatibility (Upgrade VM Compatibility) to version %d or later at its site first.",
				v.vm.Name, oldestRunnableHW)}}
	}
	if !v.t.Cluster.Found() {
		return nil
	}
	// The newest version some usable target host runs; the target host itself when chosen.
	hosts := r.mp.dst.clusterHosts[v.t.Cluster.TargetRef.Value]
	if h, ok := r.mp.dst.hostByRef[v.t.Host.TargetRef.Value]; ok && v.t.Host.Found() {
		hosts = []*model.Host{h}
	}
	best, known := 0, false
	var name string
	for _, h := range hosts {
		if h.MaxHWVersion <= 0 {
			continue
		}
		known = true
		if h.MaxHWVersion > best {
			best, name = h.MaxHWVersion, h.Name
		}
	}
	if !known || best >= n {
		return nil
	}
	where := "cluster " + v.t.Cluster.Target
	if len(hosts) == 1 {
		where = "host " + name
	}
	return []Finding{{Object: where,
		Message: fmt.Sprintf("%s has virtual hardware version %d and %s runs at most version %d (ESXi %s): it could not power on there.",
			v.vm.Name, n, where, best, hostVersion(hosts, name)),
		Remedy: fmt.Sprintf("Upgrade the ESXi hosts of %s, or choose a target whose hosts run hardware version %d.", v.t.Cluster.Target, n)}}
}

func hostVersion(hosts []*model.Host, name string) string {
	for _, h := range hosts {
		if h.Name == name && h.ESXiVersion != "" {
			return h.ESXiVersion
		}
	}
	return "unknown"
}

// vmotionVLANNotExtended checks, for profiles that need it, that the source hosts' and the
// target hosts' vMotion VMkernel networks are one VLAN and that the DCI carries it.
func vmotionVLANNotExtended(r *run) []Finding {
	if !r.in.Profile.NeedsVMotionVLAN {
		return nil
	}
	srcHosts := map[string]*model.Host{}
	dstHosts := map[string]*model.Host{}
	for _, v := range r.vms {
		if v.vm.Power != model.PoweredOn {
			continue // a cold migration does not use the vMotion network
		}
		if h, ok := r.mp.src.hostByRef[v.vm.HostRef.Value]; ok {
			srcHosts[h.Name] = h
		}
		if h, ok := r.mp.dst.hostByRef[v.t.Host.TargetRef.Value]; ok && v.t.Host.Found() {
			dstHosts[h.Name] = h
		}
	}
	var out []Finding
	// One VLAN across both sites.
	vlans := map[int][]string{} // vMotion VLAN → hosts on it
	for _, set := range []map[string]*model.Host{srcHosts, dstHosts} {
		for _, h := range set {
			if h.VMotionVLAN > 0 {
				vlans[h.VMotionVLAN] = append(vlans[h.VMotionVLAN], h.Name)
			}
		}
	}
	ids := make([]int, 0, len(vlans))
	for id := range vlans {
		sort.Strings(vlans[id])
		ids = append(ids, id)
	}
	sort.Ints(ids)
	if len(ids) > 1 {
		var parts []string
		for _, id := range ids {
			parts = append(parts, fmt.Sprintf("VLAN %d (%s)", id, strings.Join(vlans[id], ", ")))
		}
		out = append(out, Finding{Object: "vmotion network",
			Message: fmt.Sprintf("The hosts' vMotion networks are on different VLANs: %s. The %s profile needs one vMotion VLAN stretched across the DCI.",
				strings.Join(parts, "; "), r.in.Profile.Name),
			Remedy: "Put every vMotion VMkernel adapter of both sites on one VLAN and extend it across the DCI (routed vMotion needs vSphere 6 and the long-distance profile)."})
	}
	h := r.in.Fabric
	if !h.Configured {
		return out
	}
	for _, id := range ids {
		st, ok := h.VLAN(id)
		if !ok || st.Unknown || st.Carried {
			continue
		}
		why := strings.Join(st.Reasons, "; ")
		if st.Local {
			why = "no DCI trunk allows it"
		}
		remedy := fmt.Sprintf("Allow and forward VLAN %d on every DCI trunk", id)
		if st.Where.Switch != "" {
			remedy += fmt.Sprintf(", starting with %s %s", st.Where.Switch, st.Where.Interface)
		}
		out = append(out, Finding{Object: fmt.Sprintf("vlan %d", id),
			Message: fmt.Sprintf("The vMotion VLAN %d is not carried across the DCI (%s): no running VM can move.", id, why),
			Remedy:  remedy + "."})
	}
	return out
}

// bandwidthLow compares what the DCI has for moves with what the profile needs: at least
// one vMotion's worth (block), and enough for the moves to run side by side (info: they
// queue). What the DCI has is the governor's view when known (its capacity less the traffic
// that is not vmcross's moves': moves of vmcross already running do not block the next
// ones, which the governor queues behind them), else its free bandwidth.
func bandwidthLow(r *run) []Finding {
	capacity, used, free, ok := dciBandwidth(r.in.Fabric)
	if !ok || r.in.Fabric.Verdict.Down {
		return nil
	}
	p := r.in.Profile
	need := int64(p.MinBandwidthMbps)
	if need <= 0 {
		return nil
	}
	running := 0
	for _, v := range r.vms {
		if v.vm.Power == model.PoweredOn {
			running++
		}
	}
	if running == 0 {
		return nil
	}
	per := ""
	if p.PerVMotion {
		per = " per concurrent vMotion"
	}
	have, what := free, "free"
	state := fmt.Sprintf("%s free (%s used of %s)", mbps(free), mbps(used), mbps(capacity))
	if r.in.DCIAvailableKnown {
		have, what = max(r.in.DCIAvailableMbps, 0), "for moves"
		state = fmt.Sprintf("%s for moves (%s of other traffic on %s; vmcross's own moves not counted)",
			mbps(have), mbps(max(capacity-have, 0)), mbps(capacity))
	}
	if have < need {
		return []Finding{{Object: "dci", Severity: Block,
			Message: fmt.Sprintf("The DCI has %s: the %s profile needs %s%s.", state, p.Name, mbps(need), per),
			Remedy:  "Wait for the DCI traffic to drop, bring its down member links back, or move fewer VMs at a quieter time."}}
	}
	if !p.PerVMotion || running <= 1 {
		return nil
	}
	at := have / need
	if int64(running) <= at {
		return nil
	}
	return []Finding{{Object: "dci", Severity: Info,
		Message: fmt.Sprintf("The DCI has %s %s: at %s%s it carries %d vMotions at once, and %d running VMs are selected: the rest will queue.",
			mbps(have), what, mbps(need), per, at, running),
		Remedy: "Nothing to do: the moves queue by themselves; expect the selection to take longer."}}
}

// mbps prints a bandwidth as the console does: "622 Mbps", "18.8 Gbps".
func mbps(n int64) string { return fabric.FormatMbps(n) }
