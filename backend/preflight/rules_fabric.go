package preflight

import (
	"fmt"
	"strings"
	"time"

	"github.com/vmcross/vmcross/fabric"
)

// The DCI rules read the fabric's judged Health. They run on the last data known even when
// it is stale (FABRIC_STALE says so): a block seen last is not forgotten because a switch
// stopped answering.

func fabricNotConfigured(r *run) []Finding {
	if r.in.Fabric.Configured {
		return nil
	}
	return []Finding{{Object: "fabric",
		Message: "No DCI switches are configured: nothing vouches for the VLANs, the round trip or the MTU across the DCI.",
		Remedy:  "Add the DCI switches to the config, or check the DCI by hand before moving."}}
}

func fabricStale(r *run) []Finding {
	h := r.in.Fabric
	if !h.Stale(r.in.Now) {
		return nil
	}
	msg := "No poll of the DCI switches has completed: the DCI's state is unknown."
	if !h.PolledAt.IsZero() {
		msg = fmt.Sprintf("The DCI switches were last polled at %s, %s ago: what preflight says about the DCI may be out of date.",
			h.PolledAt.Format("15:04:05"), r.in.Now.Sub(h.PolledAt).Round(time.Second))
	}
	return []Finding{{Object: "fabric", Message: msg,
		Remedy: "Check in the fabric pane that the switches answer, and preflight again after a fresh poll."}}
}

func dciDown(r *run) []Finding {
	h := r.in.Fabric
	if !h.Configured || !h.Verdict.Down {
		return nil
	}
	return []Finding{{Object: "dci",
		Message: "Nothing crosses the DCI: every DCI trunk is down or no ping across it got a reply.",
		Remedy:  "Restore the DCI (see the fabric pane for which trunk or edge) before moving anything."}}
}

func otvDown(r *run) []Finding {
	var out []Finding
	for _, f := range r.in.Fabric.Findings {
		if f.Code == fabric.CodeOTVAdjacencyDown {
			out = append(out, Finding{Object: f.Object, Message: f.Message,
				Remedy: "Restore the OTV adjacency to the far edge (join interface, site VLAN, authentication) before moving: no VLAN is stretched without it."})
		}
	}
	return out
}

// worstRTT is the slowest round trip that got replies, and false when none did.
func worstRTT(h fabric.Health) (fabric.RTT, bool) {
	var w fabric.RTT
	ok := false
	for _, x := range h.RTTs {
		if x.OK && (!ok || x.Avg > w.Avg) {
			w, ok = x, true
		}
	}
	return w, ok
}

func rttOverBudget(r *run) []Finding {
	p := r.in.Profile
	w, ok := worstRTT(r.in.Fabric)
	if !ok || p.RTTMax <= 0 || w.Avg <= p.RTTMax {
		return nil
	}
	remedy := "Move over a shorter DCI path, or wait for the round trip to drop."
	if p.Name != ProfileLongDistance {
		remedy += " With vCenter 6.0 or later at both sites, the long-distance profile takes up to 150 ms."
	}
	return []Finding{{Object: w.From + " -> " + w.To,
		Message: fmt.Sprintf("The DCI round trip from %s to %s is %s, above the %s the %s profile supports.",
			w.From, w.To, ms(w.Avg), ms(p.RTTMax), p.Name),
		Remedy: remedy}}
}

func rttUnknown(r *run) []Finding {
	h := r.in.Fabric
	if !h.Configured || h.Verdict.Down {
		return nil // not configured or down: other rules say it louder
	}
	if _, ok := worstRTT(h); ok {
		return nil
	}
	return []Finding{{Object: "dci",
		Message: fmt.Sprintf("The DCI round trip is not measured: it cannot be checked against the %s of the %s profile.",
			ms(r.in.Profile.RTTMax), r.in.Profile.Name),
		Remedy: "Configure a ping target on the DCI edges, or measure the round trip by hand."}}
}

func mtuLow(r *run) []Finding {
	var out []Finding
	lim := r.in.Fabric.Limits.MinMTU
	for _, t := range r.in.Fabric.Trunks {
		if t.Unknown {
			continue
		}
		low := t.LowestMTU()
		if low == 0 {
			continue
		}
		out = append(out, Finding{Object: t.Switch + " " + t.Interface,
			Message: fmt.Sprintf("The MTU on %s %s is %d, below the %d jumbo vMotion frames need: they would be dropped or fragmented.",
				t.Switch, t.Interface, low, lim),
			Remedy: fmt.Sprintf("Raise the MTU of %s %s and its members to 9216 end to end, or run vMotion with a 1500-byte VMkernel MTU.",
				t.Switch, t.Interface)})
	}
	return out
}

func errorsRising(r *run) []Finding {
	var out []Finding
	for _, t := range r.in.Fabric.Trunks {
		if t.Unknown {
			continue
		}
		for _, m := range t.Members {
			if !m.Rising {
				continue
			}
			out = append(out, Finding{Object: t.Switch + " " + m.Name,
				Message: fmt.Sprintf("%s %s (in %s) is taking errors (CRC %d, input errors %d, rising): moves across it may slow down or fail.",
					t.Switch, m.Name, t.Interface, m.CRC, m.InErrs),
				Remedy: "Check the optic and the fibre of that link, or shut it so the port-channel uses its healthy members."})
		}
	}
	return out
}

func vlanNotExtended(r *run, v *vmRun) []Finding {
	h := r.in.Fabric
	if !h.Configured {
		return nil
	}
	var out []Finding
	for _, id := range uniqueVLANs(v.vm.VLANs) {
		st, ok := h.VLAN(id)
		if !ok || st.Unknown || st.Carried {
			continue
		}
		f := Finding{Object: fmt.Sprintf("vlan %d", id)}
		if st.Local {
			f.Message = fmt.Sprintf("VLAN %d of %s is local to each site: no DCI trunk allows it, so the VM would lose its network (or its address) at %s.",
				id, v.vm.Name, siteName(r.in.Target))
			f.Remedy = fmt.Sprintf("Extend VLAN %d across the DCI (allow it on the DCI trunks and the overlay), or plan a new address for the VM at %s.",
				id, siteName(r.in.Target))
		} else {
			why := strings.Join(st.Reasons, "; ")
			if why == "" && st.Where.Switch != "" {
				why = "not carried on " + st.Where.Switch + " " + st.Where.Interface
			}
			f.Message = fmt.Sprintf("VLAN %d of %s is not carried across the DCI (%s): the VM would be cut off at %s.",
				id, v.vm.Name, why, siteName(r.in.Target))
			f.Remedy = fmt.Sprintf("Allow and forward VLAN %d on every DCI trunk", id)
			if st.Where.Switch != "" {
				f.Remedy += fmt.Sprintf(", starting with %s %s", st.Where.Switch, st.Where.Interface)
			}
			f.Remedy += "; the fabric pane shows where it stops."
		}
		out = append(out, f)
	}
	return out
}

func vlanUnverified(r *run, v *vmRun) []Finding {
	h := r.in.Fabric
	if !h.Configured {
		return nil // FABRIC_NOT_CONFIGURED says it once for all
	}
	var out []Finding
	for _, id := range uniqueVLANs(v.vm.VLANs) {
		st, ok := h.VLAN(id)
		var why string
		switch {
		case !ok:
			why = "the fabric monitor does not watch it (yet)"
		case st.Unknown:
			why = strings.TrimPrefix(strings.Join(st.Reasons, "; "), "unknown: ")
			if why == "" {
				why = "a switch on the path gave no data"
			}
		default:
			continue
		}
		out = append(out, Finding{Object: fmt.Sprintf("vlan %d", id),
			Message: fmt.Sprintf("VLAN %d of %s cannot be checked on the DCI: %s.", id, v.vm.Name, why),
			Remedy:  "Wait for the fabric monitor's next poll, or check by hand that the VLAN is carried across the DCI."})
	}
	return out
}

// uniqueVLANs is ids without zeros (no VLAN known) and without repeats, in order.
func uniqueVLANs(ids []int) []int {
	var out []int
	for _, id := range ids {
		if id <= 0 {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o == id
		}
		if !dup {
			out = append(out, id)
		}
	}
	return out
}
