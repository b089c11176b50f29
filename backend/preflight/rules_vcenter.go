package preflight

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vmcross/vmcross/backend/model"
)

// maxVMotionsPerHost is vSphere's limit of concurrent vMotions per host (host cost 8,
// vMotion cost 1).
const maxVMotionsPerHost = 8

func siteUnreachable(r *run) []Finding {
	var out []Finding
	for _, s := range []model.SiteSnapshot{r.in.Source, r.in.Target} {
		st := s.Status
		if st.Live() {
			continue
		}
		state := st.State.String()
		if st.State == model.Connected && st.Silent {
			state = "not answering"
		}
		msg := fmt.Sprintf("Site %s, vCenter %s, is %s", siteName(s), st.Host, state)
		if !st.DownSince.IsZero() {
			msg += fmt.Sprintf(" since %s", st.DownSince.Format("15:04:05"))
		}
		if st.Err != "" {
			msg += ": " + strings.TrimSuffix(st.Err, ".")
		}
		out = append(out, Finding{Object: "site " + string(st.ID),
			Message: msg + ". A move needs both vCenters to start and to be followed.",
			Remedy:  "vMotion is disaster avoidance, not recovery: wait until both vCenters answer (or fix the connection) and preflight again."})
	}
	return out
}

func targetCapacity(r *run) []Finding {
	type need struct {
		cluster model.Ref
		name    string
		mib     int64
		vms     int
	}
	byCluster := map[string]*need{}
	var order []string
	for i := range r.in.VMs {
		vm := &r.in.VMs[i].VM
		if vm.Power != model.PoweredOn {
			continue
		}
		t, ok := r.in.Targets[vm.Key]
		if !ok {
			t = Target{Cluster: r.mp.cluster(*vm)}
		}
		if !t.Cluster.Found() {
			continue
		}
		n := byCluster[t.Cluster.TargetRef.Value]
		if n == nil {
			n = &need{cluster: t.Cluster.TargetRef, name: t.Cluster.Target}
			byCluster[t.Cluster.TargetRef.Value] = n
			order = append(order, t.Cluster.TargetRef.Value)
		}
		n.mib += int64(vm.MemoryMiB)
		n.vms++
	}
	sort.Strings(order)
	var out []Finding
	for _, ref := range order {
		n := byCluster[ref]
		c, ok := r.mp.dst.clusterByRef[ref]
		if !ok || c.MemoryMiB <= 0 {
			continue
		}
		free := max(c.MemoryMiB-c.MemoryUsedMiB, 0)
		if n.mib <= free {
			continue
		}
		out = append(out, Finding{Object: "cluster " + n.name,
			Message: fmt.Sprintf("The %d selected running VMs need %s of memory in cluster %s, which has %s free of %s.",
				n.vms, gib(n.mib<<20), n.name, gib(free<<20), gib(c.MemoryMiB<<20)),
			Remedy: fmt.Sprintf("Move fewer VMs at once, free memory in %s, or choose another target cluster.", n.name)})
	}
	return out
}

func hostConcurrency(r *run) []Finding {
	count := map[string]int{}
	name := map[string]string{}
	for i := range r.in.VMs {
		vm := &r.in.VMs[i].VM
		if vm.Power != model.PoweredOn {
			continue
		}
		count[vm.HostRef.Value]++
		name[vm.HostRef.Value] = vm.Host
	}
	var out []Finding
	for ref, n := range count {
		if n <= maxVMotionsPerHost {
			continue
		}
		h := name[ref]
		if h == "" {
			h = ref
		}
		out = append(out, Finding{Object: "host " + h,
			Message: fmt.Sprintf("%d selected VMs run on host %s, which moves at most %d at a time: the rest will queue.", n, h, maxVMotionsPerHost),
			Remedy:  "Nothing to do: the moves queue by themselves; expect the selection to take longer."})
	}
	return out
}

func detailsMissing(r *run, v *vmRun) []Finding {
	if v.d != nil {
		return nil
	}
	return []Finding{{Object: "vm " + v.vm.Name,
		Message: fmt.Sprintf("The details of %s were not fetched: its disks, CD drives, snapshots and fault tolerance are not checked.", v.vm.Name),
		Remedy:  "Preflight again once its details are fetched (open the VM's details to fetch them now)."}}
}

func detailsStale(r *run, v *vmRun) []Finding {
	if v.d == nil || v.d.ChangeVersion == "" || v.vm.ChangeVersion == "" || v.d.ChangeVersion == v.vm.ChangeVersion {
		return nil
	}
	return []Finding{{Object: "vm " + v.vm.Name,
		Message: fmt.Sprintf("The details of %s were fetched before its configuration last changed: what they say may be out of date.", v.vm.Name),
		Remedy:  "Preflight again once its details are fetched anew."}}
}

func nameConflict(r *run, v *vmRun) []Finding {
	if !r.targetVMs[v.vm.Name] {
		return nil
	}
	t := siteName(r.in.Target)
	return []Finding{{Object: "vm " + v.vm.Name,
		Message: fmt.Sprintf("%s already has a VM named %s.", t, v.vm.Name),
		Remedy:  fmt.Sprintf("Rename one of the two VMs (or remove the stale copy at %s) before moving.", t)}}
}

func clusterMissing(r *run, v *vmRun) []Finding {
	c := v.t.Cluster
	if c.Found() {
		return nil
	}
	src := c.Source
	if src == "" {
		src = "(standalone host " + v.vm.Host + ")"
	}
	return []Finding{{Object: "cluster " + src,
		Message: fmt.Sprintf("No target cluster for %s: %s.", v.vm.Name, c.Why),
		Remedy:  fmt.Sprintf("Map cluster %s to a cluster of %s in the config, or choose the target cluster in the review.", src, siteName(r.in.Target))}}
}

// usableHost reports whether a host can take a VM: connected and not in maintenance, and
// vMotion-enabled when the VM runs.
func usableHost(h *model.Host, running bool) bool {
	return h.Connection == "connected" && !h.Maintenance && (h.VMotion || !running)
}

func vmotionDisabled(r *run, v *vmRun) []Finding {
	running := v.vm.Power == model.PoweredOn
	var out []Finding
	if h, ok := r.mp.src.hostByRef[v.vm.HostRef.Value]; ok && running && !h.VMotion {
		out = append(out, Finding{Object: "host " + h.Name,
			Message: fmt.Sprintf("%s runs on %s, which has no vMotion-enabled VMkernel adapter.", v.vm.Name, h.Name),
			Remedy:  fmt.Sprintf("Enable vMotion on a VMkernel adapter of %s (on the vMotion VLAN), or move the VM to a host that has one.", h.Name)})
	}
	if !v.t.Cluster.Found() {
		return out // CLUSTER_MISSING
	}
	for _, h := range r.mp.dst.clusterHosts[v.t.Cluster.TargetRef.Value] {
		if usableHost(h, running) {
			return out
		}
	}
	what := "connected host out of maintenance mode"
	if running {
		what = "connected, vMotion-enabled host out of maintenance mode"
	}
	return append(out, Finding{Object: "cluster " + v.t.Cluster.Target,
		Message: fmt.Sprintf("Cluster %s at %s has no %s to take %s.", v.t.Cluster.Target, siteName(r.in.Target), what, v.vm.Name),
		Remedy:  fmt.Sprintf("Take a host of %s out of maintenance mode, reconnect it, or enable vMotion on its VMkernel adapter.", v.t.Cluster.Target)})
}

// EVC baselines by vendor, oldest first (vSphere's EVC mode keys).
func evcModes() map[string][]string {
	return map[string][]string{
		"intel": {"intel-merom", "intel-penryn", "intel-nehalem", "intel-westmere", "intel-sandybridge",
			"intel-ivybridge", "intel-haswell", "intel-broadwell", "intel-skylake", "intel-cascadelake",
			"intel-icelake", "intel-sapphirerapids"},
		"amd": {"amd-rev-e", "amd-rev-f", "amd-greyhound-no3dnow", "amd-greyhound", "amd-bulldozer",
			"amd-piledriver", "amd-steamroller", "amd-zen", "amd-zen2", "amd-zen3", "amd-zen4"},
	}
}

// cpuLevel is what a VM sees of the CPU, or what a cluster offers: a vendor and an EVC
// baseline (mode, and its rank among the vendor's; -1 when unknown).
type cpuLevel struct {
	vendor string
	mode   string
	rank   int
}

func levelOf(vendor, mode string) cpuLevel {
	l := cpuLevel{vendor: strings.ToLower(vendor), mode: mode, rank: -1}
	if v, _, ok := strings.Cut(mode, "-"); ok && (v == "intel" || v == "amd") {
		l.vendor = v
	}
	for i, m := range evcModes()[l.vendor] {
		if m == mode {
			l.rank = i
		}
	}
	return l
}

// sourceLevel is the CPU the VM sees: the baseline it was powered on with
// (runtime.minRequiredEVCModeKey) when vCenter says, else its cluster's EVC baseline, else
// its host's full feature set (its highest EVC mode).
func (r *run) sourceLevel(vm *model.VM) cpuLevel {
	h, hok := r.mp.src.hostByRef[vm.HostRef.Value]
	if vm.MinEVCMode != "" {
		l := levelOf("", vm.MinEVCMode)
		if l.vendor == "" && hok {
			l.vendor = strings.ToLower(h.CPUVendor)
		}
		return l
	}
	if c, ok := r.mp.src.clusterByRef[vm.ClusterRef.Value]; ok && c.EVCMode != "" {
		l := levelOf("", c.EVCMode)
		if l.vendor == "" && hok {
			l.vendor = strings.ToLower(h.CPUVendor)
		}
		return l
	}
	if !hok {
		return cpuLevel{rank: -1}
	}
	return levelOf(h.CPUVendor, h.MaxEVCMode)
}

// targetLevel is the CPU a target cluster guarantees: its EVC baseline, else the lowest of
// its connected hosts' highest EVC modes.
func (r *run) targetLevel(ref model.Ref) cpuLevel {
	hosts := r.mp.dst.clusterHosts[ref.Value]
	vendor := ""
	for _, h := range hosts {
		if h.CPUVendor != "" {
			vendor = h.CPUVendor
			break
		}
	}
	if c, ok := r.mp.dst.clusterByRef[ref.Value]; ok && c.EVCMode != "" {
		return levelOf(vendor, c.EVCMode)
	}
	low := cpuLevel{vendor: strings.ToLower(vendor), rank: -1}
	for _, h := range hosts {
		if h.Connection != "connected" {
			continue
		}
		if l := levelOf(h.CPUVendor, h.MaxEVCMode); l.rank >= 0 && (low.rank < 0 || l.rank < low.rank) {
			low = l
		}
	}
	return low
}

func cpuMismatch(r *run, v *vmRun) []Finding {
	if v.vm.Power != model.PoweredOn || !v.t.Cluster.Found() {
		return nil // a cold migration restarts the VM on the target's CPU
	}
	src, dst := r.sourceLevel(v.vm), r.targetLevel(v.t.Cluster.TargetRef)
	name := v.t.Cluster.Target
	switch {
	case src.vendor != "" && dst.vendor != "" && src.vendor != dst.vendor:
		return []Finding{{Object: "cluster " + name,
			Message: fmt.Sprintf("%s runs on %s CPUs and cluster %s has %s CPUs: a running VM cannot move between CPU vendors.",
				v.vm.Name, vendorName(src.vendor), name, vendorName(dst.vendor)),
			Remedy: fmt.Sprintf("Choose a target cluster with %s CPUs, or power the VM off and migrate it cold.", vendorName(src.vendor))}}
	case src.rank >= 0 && dst.rank >= 0 && dst.rank < src.rank:
		return []Finding{{Object: "cluster " + name,
			Message: fmt.Sprintf("%s sees CPU baseline %s, and cluster %s guarantees only %s: the VM could lose CPU features it uses.",
				v.vm.Name, src.mode, name, dst.mode),
			Remedy: fmt.Sprintf("Raise the EVC mode of %s to %s or higher, lower the source cluster's EVC mode (the VM must power-cycle), or migrate it cold.",
				name, src.mode)}}
	}
	return nil
}

func vendorName(v string) string {
	switch v {
	case "intel":
		return "Intel"
	case "amd":
		return "AMD"
	}
	return v
}

func portGroupMissing(r *run, v *vmRun) []Finding {
	var out []Finding
	for _, c := range v.t.Networks {
		if c.Found() {
			continue
		}
		out = append(out, Finding{Object: "network " + c.Source,
			Message: fmt.Sprintf("No port group at %s for network %s of %s: %s.", siteName(r.in.Target), c.Source, v.vm.Name, c.Why),
			Remedy:  fmt.Sprintf("Create the port group at %s, map %s to one in the config, or choose one in the review.", siteName(r.in.Target), c.Source)})
	}
	return out
}

func datastoreNotShared(r *run, v *vmRun) []Finding {
	var out []Finding
	p := r.in.Profile
	for _, c := range v.t.Datastores {
		if c.Shared {
			continue
		}
		obj := "datastore " + c.Source
		if !c.Found() {
			out = append(out, Finding{Object: obj, Severity: Block,
				Message: fmt.Sprintf("No datastore at %s for datastore %s of %s: %s.", siteName(r.in.Target), c.Source, v.vm.Name, c.Why),
				Remedy:  "Mount a datastore on the target cluster's hosts, or map one in the config."})
			continue
		}
		if isoOnly(v.d, c) {
			continue // only an ISO is there: ISO_CONNECTED says what matters
		}
		size, known := diskBytesOn(v.d, c)
		if !p.StorageMayMove {
			out = append(out, Finding{Object: obj, Severity: Block,
				Message: fmt.Sprintf("Datastore %s of %s is not mounted by the target hosts, and the %s profile cannot move storage.",
					c.Source, v.vm.Name, p.Name),
				Remedy: "Storage vMotion the VM at its site to a datastore both sites mount first, or use a profile that may move storage."})
			continue
		}
		what := "an unknown amount of data (details not fetched)"
		if known {
			what = gib(size)
			if d := copyTime(size, p.MinBandwidthMbps); d > 0 {
				what += fmt.Sprintf(", about %s more at %d Mbps", minutes(d), p.MinBandwidthMbps)
			}
		}
		out = append(out, Finding{Object: obj, Severity: Warn,
			Message: fmt.Sprintf("Datastore %s of %s is not mounted by the target hosts: the storage moves to %s with the VM (%s).",
				c.Source, v.vm.Name, c.Target, what),
			Remedy: "Accept the longer move, or Storage vMotion the VM at its site to a datastore both sites mount first."})
	}
	return out
}

// isoOnly reports whether, by the VM's details, the choice's source datastore holds an ISO
// of a CD drive and none of the VM's disks (nor, as its first datastore, its home).
func isoOnly(d *model.VMDetails, c Choice) bool {
	if d == nil {
		return false
	}
	on := func(ref model.Ref, name string) bool {
		return (!c.SourceRef.IsZero() && ref == c.SourceRef) || (ref.IsZero() && name == c.Source)
	}
	for _, k := range d.Disks {
		if on(k.DatastoreRef, k.Datastore) {
			return false
		}
	}
	for _, cd := range d.CDROMs {
		if cd.ISO != "" && on(cd.DatastoreRef, cd.Datastore) {
			return true
		}
	}
	return false
}

// diskBytesOn is the size of the VM's disks on the choice's source datastore (RDMs left out:
// their data stays on the LUN), and false without details.
func diskBytesOn(d *model.VMDetails, c Choice) (int64, bool) {
	if d == nil {
		return 0, false
	}
	var n int64
	for _, k := range d.Disks {
		if k.RDM() {
			continue
		}
		if (!c.SourceRef.IsZero() && k.DatastoreRef == c.SourceRef) || (k.DatastoreRef.IsZero() && k.Datastore == c.Source) {
			n += k.CapacityB
		}
	}
	return n, true
}

func poweredOff(r *run, v *vmRun) []Finding {
	if v.vm.Power == model.PoweredOn {
		return nil
	}
	state := "powered off"
	if v.vm.Power == model.Suspended {
		state = "suspended"
	}
	return []Finding{{Object: "vm " + v.vm.Name,
		Message: fmt.Sprintf("%s is %s: it moves as a cold migration, without vMotion.", v.vm.Name, state),
		Remedy:  "Nothing to do; power it on at the target when needed."}}
}
