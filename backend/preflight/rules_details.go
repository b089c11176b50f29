package preflight

import (
	"fmt"
	"strings"

	"github.com/vmcross/vmcross/backend/model"
)

// The rules here read the VM's details; without them they say nothing (DETAILS_MISSING
// says why).

func rdmBusSharing(r *run, v *vmRun) []Finding {
	if v.d == nil {
		return nil
	}
	var out []Finding
	for _, k := range v.d.Disks {
		c, ok := sharedController(v.d, k)
		if !k.RDM() || !ok {
			continue
		}
		out = append(out, Finding{Object: k.Label,
			Message: fmt.Sprintf("%s of %s is a raw device mapping%s on %s with %s bus sharing: VMware does not support vMotion of clustered VMs with shared RDMs.",
				k.Label, v.vm.Name, lun(k), c.Label, c.BusSharing),
			Remedy: "Keep this guest cluster at its site, or fail its roles over and move the nodes cold during a maintenance window."})
	}
	return out
}

// sharedController is the controller of a disk when its bus is shared.
func sharedController(d *model.VMDetails, k model.Disk) (model.SCSIController, bool) {
	for _, c := range d.Controllers {
		if c.Label == k.Controller {
			return c, c.Shared()
		}
	}
	return model.SCSIController{}, false
}

func lun(k model.Disk) string {
	if k.LUN == "" {
		return ""
	}
	return " (LUN " + k.LUN + ")"
}

func rdmPhysical(r *run, v *vmRun) []Finding {
	if v.d == nil {
		return nil
	}
	var out []Finding
	for _, k := range v.d.Disks {
		if k.Backing != model.BackingRDMPhys {
			continue
		}
		if _, shared := sharedController(v.d, k); shared {
			continue // RDM_BUS_SHARING blocks it already
		}
		out = append(out, Finding{Object: k.Label,
			Message: fmt.Sprintf("%s of %s is a physical-mode raw device mapping%s: the hosts of %s must see the same LUN, and vMotion cannot move its data.",
				k.Label, v.vm.Name, lun(k), siteName(r.in.Target)),
			Remedy: "Present the LUN to the target hosts (zoning and masking) before moving, or convert the disk to a VMDK."})
	}
	return out
}

func isoConnected(r *run, v *vmRun) []Finding {
	if v.d == nil {
		return nil
	}
	var out []Finding
	for _, cd := range v.d.CDROMs {
		if !cd.Connected || (cd.Backing != "iso" && cd.ISO == "") {
			continue
		}
		ds := isoDatastore(r, cd)
		where := siteName(r.in.Target)
		if v.t.Cluster.Found() {
			where = "cluster " + v.t.Cluster.Target
		}
		f := Finding{Object: cd.Label}
		if d, ok := r.mp.dst.dsByName[ds]; ok && ds != "" && d.Accessible && r.mp.dst.mountedBy(d, v.t.Cluster.TargetRef) {
			f.Severity = Warn
			f.Message = fmt.Sprintf("%s of %s has %s connected; datastore %s is mounted in %s, so the move can keep it.",
				cd.Label, v.vm.Name, cd.ISO, ds, where)
			f.Remedy = "Disconnect the ISO unless the VM needs it during the move."
		} else {
			f.Severity = Block
			f.Message = fmt.Sprintf("%s of %s has %s connected, on datastore %s, which no host of %s mounts: the move would fail.",
				cd.Label, v.vm.Name, cd.ISO, orUnknown(ds), where)
			f.Remedy = fmt.Sprintf("Disconnect %s (or point it at an ISO on a datastore both sites mount) before moving.", cd.Label)
		}
		out = append(out, f)
	}
	return out
}

// isoDatastore is the name of the datastore holding a CD drive's ISO: as the details name
// it, else the source datastore of its ref, else the "[ds]" of its path.
func isoDatastore(r *run, cd model.CDROM) string {
	if cd.Datastore != "" {
		return cd.Datastore
	}
	if d, ok := r.mp.src.dsByRef[cd.DatastoreRef.Value]; ok {
		return d.Name
	}
	if rest, ok := strings.CutPrefix(cd.ISO, "["); ok {
		if name, _, ok := strings.Cut(rest, "]"); ok {
			return name
		}
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

func ftEnabled(r *run, v *vmRun) []Finding {
	if v.d == nil || v.d.FaultTolerance == "" {
		return nil
	}
	return []Finding{{Object: "vm " + v.vm.Name,
		Message: fmt.Sprintf("%s is a fault tolerance %s: FT-protected VMs cannot move across vCenters.", v.vm.Name, v.d.FaultTolerance),
		Remedy:  "Turn fault tolerance off for the move, and on again at the target."}}
}

func snapshots(r *run, v *vmRun) []Finding {
	n := v.vm.Snapshots
	if v.d != nil {
		n = v.d.SnapshotCount
	}
	if n == 0 {
		return nil
	}
	what := fmt.Sprintf("%d snapshots: they move", n)
	if n == 1 {
		what = "1 snapshot: it moves"
	}
	return []Finding{{Object: "vm " + v.vm.Name,
		Message: fmt.Sprintf("%s has %s with it, and delta disks lengthen the move.", v.vm.Name, what),
		Remedy:  "Consolidate or delete the snapshots that are no longer needed before moving."}}
}
