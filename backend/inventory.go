package backend

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// The inventory is fetched through one ContainerView with these types and these narrow
// properties; everything else about a VM is fetched when it is selected. Paths go no deeper
// than their declared types allow (vCenter checks paths against the declared type, so a
// cluster's EVC mode comes with its whole, small, summary).
var (
	viewTypes = []string{
		"VirtualMachine", "HostSystem", "ClusterComputeResource",
		"Network", "DistributedVirtualPortgroup", "DistributedVirtualSwitch", "Datastore",
	}
	propSpecs = []types.PropertySpec{
		{Type: "VirtualMachine", PathSet: []string{
			"name", "runtime.powerState", "runtime.host", "summary.config.numCpu",
			"summary.config.memorySizeMB", "summary.config.template", "network", "datastore",
			"config.changeVersion", "config.instanceUuid", "config.version",
			"resourcePool", "parent", "rootSnapshot", "runtime.minRequiredEVCModeKey",
		}},
		{Type: "HostSystem", PathSet: []string{
			"name", "parent", "runtime.connectionState", "runtime.inMaintenanceMode",
			"summary.config.vmotionEnabled", "summary.currentEVCModeKey", "summary.maxEVCModeKey",
			"summary.hardware.cpuModel", "summary.hardware.cpuMhz", "summary.hardware.numCpuCores",
			"summary.hardware.memorySize",
			"summary.quickStats.overallCpuUsage", "summary.quickStats.overallMemoryUsage",
			// The ESXi version, and the vMotion VMkernel adapter: which adapters carry vMotion,
			// and each adapter's port group.
			"config.product.version", "config.virtualNicManagerInfo.netConfig", "config.network.vnic",
		}},
		{Type: "ClusterComputeResource", PathSet: []string{"name", "summary"}},
		{Type: "Network", PathSet: []string{"name"}},
		{Type: "DistributedVirtualPortgroup", PathSet: []string{"name", "config.defaultPortConfig", "config.distributedVirtualSwitch"}},
		{Type: "DistributedVirtualSwitch", PathSet: []string{"name"}},
		{Type: "Datastore", PathSet: []string{
			"name", "summary.type", "summary.capacity", "summary.freeSpace", "summary.accessible", "host",
			"summary.url",
		}},
	}

	// listSpecs are what a listing of the VMs shows (`vmcross inventory`): each VM's name,
	// power state, host and its cluster, vCPUs, memory, networks with their VLANs, and
	// datastores; the same VM properties as `govc object.collect -type m` for those columns.
	// The console, preflight and moves read propSpecs; reading half as many properties, a
	// listing asks a vCenter to read and send about half as much (WithListProperties).
	listSpecs = []types.PropertySpec{
		{Type: "VirtualMachine", PathSet: []string{
			"name", "runtime.powerState", "runtime.host", "summary.config.numCpu",
			"summary.config.memorySizeMB", "network", "datastore",
		}},
		{Type: "HostSystem", PathSet: []string{"name", "parent"}},
		{Type: "ClusterComputeResource", PathSet: []string{"name"}},
		{Type: "Network", PathSet: []string{"name"}},
		{Type: "DistributedVirtualPortgroup", PathSet: []string{"name", "config.defaultPortConfig"}},
		{Type: "Datastore", PathSet: []string{"name"}},
	}
)

type rawVM struct {
	name          string
	power         model.PowerState
	host          string // MoRef value
	cpu           int32
	memMiB        int32
	template      bool
	networks      []types.ManagedObjectReference
	datastores    []types.ManagedObjectReference
	changeVersion string
	instanceUUID  string
	hwVersion     string
	pool          types.ManagedObjectReference
	folder        types.ManagedObjectReference
	rootSnapshots int
	minEVC        string
}

type rawHost struct {
	name        string
	parent      types.ManagedObjectReference
	connection  string
	maintenance bool
	vmotion     bool
	evc         string
	maxEVC      string
	cpuModel    string
	cpuMhz      int32 // per core
	cores       int16
	memBytes    int64
	cpuUsedMhz  int32
	memUsedMiB  int32
	esxi        string    // config.product.version
	vmotionNICs []hostNIC // the adapters selected for vMotion, as netConfig describes them
	nics        []hostNIC // config.network.vnic
}

// hostNIC is what the inventory keeps of a VMkernel adapter.
type hostNIC struct {
	device      string // "vmk1"
	dvPortgroup string // the distributed port group's key (its MoRef value), or ""
	portgroup   string // the standard port group's name, or ""
	netStack    string // the TCP/IP stack: "defaultTcpipStack", "vmotion", ...
}

type rawCluster struct {
	name string
	evc  string
}

type rawNetwork struct {
	kind string // its MoRef type: Network, DistributedVirtualPortgroup, OpaqueNetwork
	name string
	vlan int // 0: none known (standard port group, untagged, trunk or private VLAN)
	dvs  types.ManagedObjectReference
}

type rawDatastore struct {
	name       string
	kind       string
	capacity   int64
	free       int64
	accessible bool
	hosts      []model.Ref // mounted and accessible, sorted by value
	url        string
}

// siteInventory is one published picture of a site's inventory. Its slices and their
// elements are never modified after snapshot returns them.
type siteInventory struct {
	VMs        []model.VM
	Hosts      []model.Host
	Clusters   []model.Cluster
	Datastores []model.Datastore
	PortGroups []model.PortGroup
}

// fill puts the inventory into a site snapshot.
func (si siteInventory) fill(snap *model.SiteSnapshot) {
	snap.VMs = si.VMs
	snap.Hosts = si.Hosts
	snap.Clusters = si.Clusters
	snap.Datastores = si.Datastores
	snap.PortGroups = si.PortGroups
}

// inventory is one session's picture of a vCenter, built from property collector updates.
// MoRef values are unique within one vCenter, so they key every map. It is used by one
// goroutine only.
type inventory struct {
	site       model.SiteID
	vms        map[string]*rawVM
	hosts      map[string]*rawHost
	clusters   map[string]*rawCluster
	networks   map[string]*rawNetwork
	switches   map[string]string // distributed switch names
	datastores map[string]*rawDatastore

	resolved map[string]model.VM // VMs as last published
	dirty    map[string]bool     // VMs whose own properties changed since then
	// allDirty: what a VM row shows of another object changed (a host's name or cluster, a
	// cluster's, network's or datastore's name, a VLAN), or such an object came or went,
	// so every VM is resolved again. Host load or datastore space does not set it.
	allDirty bool
	vmGone   bool // a VM left since the last snapshot
	// at is each VM's index in view.VMs (by MoRef), as last sorted: a snapshot whose
	// changed VMs kept their names keeps the order (reorder).
	at map[string]int

	// What changed since the last snapshot, besides VMs.
	hostsDirty, clustersDirty, networksDirty, datastoresDirty bool

	view siteInventory // the last published inventory

	// vcsim quirk: when a ContainerView's membership changes, its filter forgets which
	// objects it has sent, drops the next Leave updates and re-sends every object as Enter.
	// An Enter for an object already known marks such a resync; objects it does not
	// re-send are gone. vCenter never re-enters a known object, so this never fires there.
	entered map[string]bool // objects entered in the current batch
	resync  bool            // the current batch re-entered a known object

	// VMs reconfigured in the current batch (config.changeVersion moved). vcsim's ReconfigVM
	// changes the name, vCPUs and memory without announcing them, only the change version;
	// the watcher re-reads these VMs (on vCenter the re-read finds what was announced).
	reconfigured []types.ManagedObjectReference
}

func newInventory(site model.SiteID) *inventory {
	return &inventory{
		site:       site,
		vms:        map[string]*rawVM{},
		hosts:      map[string]*rawHost{},
		clusters:   map[string]*rawCluster{},
		networks:   map[string]*rawNetwork{},
		switches:   map[string]string{},
		datastores: map[string]*rawDatastore{},
		resolved:   map[string]model.VM{},
		dirty:      map[string]bool{},
		entered:    map[string]bool{},
	}
}

// vmPaths are the VM properties the inventory reads: those of specs (propSpecs or listSpecs).
func vmPaths(specs []types.PropertySpec) []string { return specs[0].PathSet }

// takeReconfigured returns the VMs reconfigured since the last call, and forgets them.
func (inv *inventory) takeReconfigured() []types.ManagedObjectReference {
	refs := inv.reconfigured
	inv.reconfigured = nil
	return refs
}

// applyContents folds freshly read VM properties (all of paths) into the inventory, as
// modifications. A property the read left out is unset, as vCenter omits unset properties.
func (inv *inventory) applyContents(ocs []types.ObjectContent, paths []string) {
	updates := make([]types.ObjectUpdate, 0, len(ocs))
	for _, oc := range ocs {
		u := types.ObjectUpdate{Kind: types.ObjectUpdateKindModify, Obj: oc.Obj}
		got := map[string]bool{}
		for _, p := range oc.PropSet {
			got[p.Name] = true
			if p.Name == "config.changeVersion" {
				continue // already applied; re-applying would ask for another re-read
			}
			u.ChangeSet = append(u.ChangeSet, types.PropertyChange{Name: p.Name, Op: types.PropertyChangeOpAssign, Val: p.Val})
		}
		for _, m := range oc.MissingSet {
			got[m.Path] = true // not readable: keep what is known
		}
		for _, path := range paths {
			if !got[path] && path != "config.changeVersion" {
				u.ChangeSet = append(u.ChangeSet, types.PropertyChange{Name: path, Op: types.PropertyChangeOpAssign})
			}
		}
		updates = append(updates, u)
	}
	inv.apply(updates)
}

// apply folds one batch of object updates into the inventory.
func (inv *inventory) apply(updates []types.ObjectUpdate) {
	for _, u := range updates {
		ref := u.Obj.Value
		switch u.Kind {
		case types.ObjectUpdateKindLeave:
			inv.remove(u.Obj)
			continue
		case types.ObjectUpdateKindEnter:
			if inv.known(u.Obj) {
				inv.resync = true
			}
			inv.entered[ref] = true
		}
		// An object coming in may be one VMs already refer to.
		entering := u.Kind == types.ObjectUpdateKindEnter
		switch u.Obj.Type {
		case "VirtualMachine":
			vm := entry(inv.vms, ref, func() *rawVM { return &rawVM{} })
			for _, c := range u.ChangeSet {
				vm.set(c)
				if c.Name == "config.changeVersion" && u.Kind == types.ObjectUpdateKindModify {
					inv.reconfigured = append(inv.reconfigured, u.Obj)
				}
			}
			inv.dirty[ref] = true
		case "HostSystem":
			h := entry(inv.hosts, ref, func() *rawHost { return &rawHost{} })
			for _, c := range u.ChangeSet {
				if h.set(c) {
					inv.allDirty = true
				}
			}
			inv.hostsDirty = true
			inv.allDirty = inv.allDirty || entering
		case "ClusterComputeResource":
			cl := entry(inv.clusters, ref, func() *rawCluster { return &rawCluster{} })
			for _, c := range u.ChangeSet {
				switch c.Name {
				case "name":
					if name := str(c); name != cl.name {
						cl.name = name
						inv.allDirty = true
					}
				case "summary":
					cl.evc = clusterEVC(c.Val)
				}
			}
			inv.clustersDirty = true
			inv.allDirty = inv.allDirty || entering
		case "Network", "DistributedVirtualPortgroup", "OpaqueNetwork":
			n := entry(inv.networks, ref, func() *rawNetwork { return &rawNetwork{kind: u.Obj.Type} })
			for _, c := range u.ChangeSet {
				switch c.Name {
				case "name":
					if name := str(c); name != n.name {
						n.name = name
						inv.allDirty = true
					}
				case "config.defaultPortConfig":
					if vlan := portVLAN(c.Val); vlan != n.vlan {
						n.vlan = vlan
						inv.allDirty = true
					}
				case "config.distributedVirtualSwitch":
					n.dvs = moref(c)
				}
			}
			inv.networksDirty = true
			inv.allDirty = inv.allDirty || entering
		case "DistributedVirtualSwitch", "VmwareDistributedVirtualSwitch":
			for _, c := range u.ChangeSet {
				if c.Name == "name" {
					inv.switches[ref] = str(c)
				}
			}
			if _, ok := inv.switches[ref]; !ok {
				inv.switches[ref] = ""
			}
			inv.networksDirty = true
		case "Datastore":
			ds := entry(inv.datastores, ref, func() *rawDatastore { return &rawDatastore{} })
			for _, c := range u.ChangeSet {
				if ds.set(c) {
					inv.allDirty = true
				}
			}
			inv.datastoresDirty = true
			inv.allDirty = inv.allDirty || entering
		}
	}
}

// entry returns m[ref], adding a new one first if there is none.
func entry[T any](m map[string]*T, ref string, create func() *T) *T {
	e := m[ref]
	if e == nil {
		e = create()
		m[ref] = e
	}
	return e
}

func (inv *inventory) known(obj types.ManagedObjectReference) bool {
	var ok bool
	switch obj.Type {
	case "VirtualMachine":
		_, ok = inv.vms[obj.Value]
	case "HostSystem":
		_, ok = inv.hosts[obj.Value]
	case "ClusterComputeResource":
		_, ok = inv.clusters[obj.Value]
	case "Datastore":
		_, ok = inv.datastores[obj.Value]
	case "DistributedVirtualSwitch", "VmwareDistributedVirtualSwitch":
		_, ok = inv.switches[obj.Value]
	default:
		_, ok = inv.networks[obj.Value]
	}
	return ok
}

// endBatch drops, after a resync, every object the resync did not re-send.
func (inv *inventory) endBatch() {
	if inv.resync {
		gone := func(kind string, refs []string) {
			for _, ref := range refs {
				if !inv.entered[ref] {
					inv.remove(types.ManagedObjectReference{Type: kind, Value: ref})
				}
			}
		}
		gone("VirtualMachine", mapKeys(inv.vms))
		gone("HostSystem", mapKeys(inv.hosts))
		gone("ClusterComputeResource", mapKeys(inv.clusters))
		gone("Datastore", mapKeys(inv.datastores))
		gone("DistributedVirtualSwitch", mapKeys(inv.switches))
		gone("Network", mapKeys(inv.networks))
		inv.resync = false
	}
	clear(inv.entered)
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func (inv *inventory) remove(obj types.ManagedObjectReference) {
	ref := obj.Value
	switch obj.Type {
	case "VirtualMachine":
		if _, ok := inv.vms[ref]; ok {
			inv.vmGone = true
		}
		delete(inv.vms, ref)
		delete(inv.resolved, ref)
		delete(inv.dirty, ref)
		return
	case "HostSystem":
		delete(inv.hosts, ref)
		inv.hostsDirty = true
	case "ClusterComputeResource":
		delete(inv.clusters, ref)
		inv.clustersDirty = true
	case "Datastore":
		delete(inv.datastores, ref)
		inv.datastoresDirty = true
	case "DistributedVirtualSwitch", "VmwareDistributedVirtualSwitch":
		delete(inv.switches, ref)
		inv.networksDirty = true
		return // VMs show no switch
	default:
		delete(inv.networks, ref)
		inv.networksDirty = true
	}
	inv.allDirty = true
}

func (vm *rawVM) set(c types.PropertyChange) {
	switch c.Name {
	case "name":
		vm.name = str(c)
	case "runtime.powerState":
		if p, ok := c.Val.(types.VirtualMachinePowerState); ok {
			vm.power = model.PowerState(p)
		} else {
			vm.power = ""
		}
	case "runtime.host":
		vm.host = moref(c).Value
	case "summary.config.numCpu":
		vm.cpu = int32Val(c)
	case "summary.config.memorySizeMB":
		vm.memMiB = int32Val(c)
	case "summary.config.template":
		vm.template = boolVal(c)
	case "network":
		vm.networks = morefs(c)
	case "datastore":
		vm.datastores = morefs(c)
	case "config.changeVersion":
		vm.changeVersion = str(c)
	case "config.instanceUuid":
		vm.instanceUUID = str(c)
	case "config.version":
		vm.hwVersion = str(c)
	case "resourcePool":
		vm.pool = moref(c)
	case "parent":
		vm.folder = moref(c)
	case "rootSnapshot":
		vm.rootSnapshots = len(morefs(c))
	case "runtime.minRequiredEVCModeKey":
		vm.minEVC = str(c)
	}
}

// set applies one host property and reports whether VMs show the change (name, cluster).
func (h *rawHost) set(c types.PropertyChange) (shown bool) {
	switch c.Name {
	case "name":
		name := str(c)
		shown, h.name = name != h.name, name
	case "parent":
		p := moref(c)
		shown, h.parent = p != h.parent, p
	case "runtime.connectionState":
		if s, ok := c.Val.(types.HostSystemConnectionState); ok {
			h.connection = string(s)
		} else {
			h.connection = str(c)
		}
	case "runtime.inMaintenanceMode":
		h.maintenance = boolVal(c)
	case "summary.config.vmotionEnabled":
		h.vmotion = boolVal(c)
	case "summary.currentEVCModeKey":
		h.evc = str(c)
	case "summary.maxEVCModeKey":
		h.maxEVC = str(c)
	case "summary.hardware.cpuModel":
		h.cpuModel = str(c)
	case "summary.hardware.cpuMhz":
		h.cpuMhz = int32Val(c)
	case "summary.hardware.numCpuCores":
		h.cores = int16(int64Val(c))
	case "summary.hardware.memorySize":
		h.memBytes = int64Val(c)
	case "summary.quickStats.overallCpuUsage":
		h.cpuUsedMhz = int32Val(c)
	case "summary.quickStats.overallMemoryUsage":
		h.memUsedMiB = int32Val(c)
	case "config.product.version":
		h.esxi = str(c)
	case "config.virtualNicManagerInfo.netConfig":
		h.vmotionNICs = vmotionNICs(c.Val)
	case "config.network.vnic":
		h.nics = hostNICs(c.Val)
	}
	return shown
}

// set applies one datastore property and reports whether VMs show the change (the name).
func (ds *rawDatastore) set(c types.PropertyChange) (shown bool) {
	switch c.Name {
	case "name":
		name := str(c)
		shown, ds.name = name != ds.name, name
	case "summary.type":
		ds.kind = str(c)
	case "summary.capacity":
		ds.capacity = int64Val(c)
	case "summary.freeSpace":
		ds.free = int64Val(c)
	case "summary.accessible":
		ds.accessible = boolVal(c)
	case "host":
		ds.hosts = mountedHosts(c.Val)
	case "summary.url":
		ds.url = str(c)
	}
	return shown
}

// sortedVMs is the resolved VMs in the order of model.SortVMs. When only VMs already listed
// changed, none of them renamed, the last order holds: their new values take their places
// (sorting a site of 5,000 VMs again costs milliseconds, at every change during a move).
func (inv *inventory) sortedVMs() []model.VM {
	if !inv.allDirty && !inv.vmGone && inv.at != nil {
		out := slices.Clone(inv.view.VMs)
		kept := true
		for ref := range inv.dirty {
			i, listed := inv.at[ref]
			vm, ok := inv.resolved[ref]
			if !listed || !ok || out[i].Name != vm.Name {
				kept = false
				break
			}
			out[i] = vm
		}
		if kept {
			return out
		}
	}
	out := make([]model.VM, 0, len(inv.resolved))
	for _, vm := range inv.resolved {
		out = append(out, vm)
	}
	model.SortVMs(out)
	inv.at = make(map[string]int, len(out))
	for i, vm := range out {
		inv.at[vm.Key.MoRef] = i
	}
	return out
}

// snapshot ends an update batch and returns the inventory, each list sorted by name, or
// false when nothing changed since the last call. Only dirty VMs are resolved again, unless
// something every VM may show changed; lists whose objects did not change are the same
// slices as before. The returned slices and their elements are never modified afterwards.
func (inv *inventory) snapshot() (siteInventory, bool) {
	inv.endBatch()
	vmsChanged := inv.allDirty || inv.vmGone || len(inv.dirty) > 0
	if !vmsChanged && !inv.hostsDirty && !inv.clustersDirty && !inv.networksDirty && !inv.datastoresDirty {
		return inv.view, false
	}
	if vmsChanged {
		if inv.allDirty {
			for ref, raw := range inv.vms {
				inv.resolved[ref] = inv.resolve(ref, raw)
			}
		} else {
			for ref := range inv.dirty {
				if raw, ok := inv.vms[ref]; ok {
					inv.resolved[ref] = inv.resolve(ref, raw)
				}
			}
		}
		inv.view.VMs = inv.sortedVMs()
	}
	// A host shows its vMotion port group's name and VLAN: a port group's change (or its
	// arrival after the host's) builds the host list again, not the VMs.
	if inv.hostsDirty || inv.networksDirty && inv.hostsShowNetworks() {
		inv.view.Hosts = inv.hostList()
	}
	if inv.hostsDirty || inv.clustersDirty {
		inv.view.Clusters = inv.clusterList()
	}
	if inv.networksDirty {
		inv.view.PortGroups = inv.portGroupList()
	}
	if inv.datastoresDirty {
		inv.view.Datastores = inv.datastoreList()
	}
	inv.allDirty, inv.vmGone = false, false
	inv.hostsDirty, inv.clustersDirty, inv.networksDirty, inv.datastoresDirty = false, false, false, false
	clear(inv.dirty)
	return inv.view, true
}

// resolve turns MoRefs into the names an operator knows, and keeps the references. It
// allocates fresh slices, since the VM will be shared by immutable snapshots.
func (inv *inventory) resolve(ref string, raw *rawVM) model.VM {
	vm := model.VM{
		Key:           model.VMKey{Site: inv.site, MoRef: ref},
		Name:          raw.name,
		Power:         raw.power,
		CPU:           raw.cpu,
		MemoryMiB:     raw.memMiB,
		Template:      raw.template,
		InstanceUUID:  raw.instanceUUID,
		HWVersion:     raw.hwVersion,
		ChangeVersion: raw.changeVersion,
		Snapshots:     raw.rootSnapshots,
		MinEVCMode:    raw.minEVC,
		PoolRef:       toRef(raw.pool),
		FolderRef:     toRef(raw.folder),
	}
	if raw.host != "" {
		vm.HostRef = model.Ref{Type: "HostSystem", Value: raw.host}
	}
	if h := inv.hosts[raw.host]; h != nil {
		vm.Host = h.name
		if h.parent.Type == "ClusterComputeResource" {
			vm.ClusterRef = toRef(h.parent)
			if cl := inv.clusters[h.parent.Value]; cl != nil {
				vm.Cluster = cl.name
			}
		}
	}
	// vCenter lists each network once; vcsim may repeat one (a second NIC on it).
	seenNet, seenVLAN := map[string]bool{}, map[int]bool{}
	for _, n := range raw.networks {
		if seenNet[n.Value] {
			continue
		}
		seenNet[n.Value] = true
		vm.NetworkRefs = append(vm.NetworkRefs, toRef(n))
		nw := inv.networks[n.Value]
		if nw == nil {
			continue
		}
		vm.Networks = append(vm.Networks, nw.name)
		if nw.vlan > 0 && !seenVLAN[nw.vlan] {
			seenVLAN[nw.vlan] = true
			vm.VLANs = append(vm.VLANs, nw.vlan)
		}
	}
	sort.Strings(vm.Networks)
	sort.Ints(vm.VLANs)
	seenDS := map[string]bool{}
	for _, d := range raw.datastores {
		if seenDS[d.Value] {
			continue
		}
		seenDS[d.Value] = true
		vm.DatastoreRefs = append(vm.DatastoreRefs, toRef(d))
		if ds := inv.datastores[d.Value]; ds != nil {
			vm.Datastores = append(vm.Datastores, ds.name)
		}
	}
	sort.Strings(vm.Datastores)
	return vm
}

func (inv *inventory) hostList() []model.Host {
	out := make([]model.Host, 0, len(inv.hosts))
	for ref, h := range inv.hosts {
		host := model.Host{
			Ref:           model.Ref{Type: "HostSystem", Value: ref},
			Name:          h.name,
			Connection:    h.connection,
			Maintenance:   h.maintenance,
			VMotion:       h.vmotion,
			CPUVendor:     cpuVendor(h.cpuModel, h.maxEVC),
			CPUModel:      h.cpuModel,
			EVCMode:       h.evc,
			MaxEVCMode:    h.maxEVC,
			CPUMhz:        int64(h.cpuMhz) * int64(h.cores),
			MemoryMiB:     h.memBytes >> 20,
			CPUUsedMhz:    int64(h.cpuUsedMhz),
			MemoryUsedMiB: int64(h.memUsedMiB),
			ESXiVersion:   h.esxi,
			MaxHWVersion:  maxHWVersion(h.esxi),
		}
		host.VMotionNetwork, host.VMotionVLAN = inv.vmotionNetwork(h)
		if h.parent.Type == "ClusterComputeResource" {
			host.ClusterRef = toRef(h.parent)
		}
		out = append(out, host)
	}
	slices.SortFunc(out, func(a, b model.Host) int {
		return cmp.Or(model.CompareNames(a.Name, b.Name), cmp.Compare(a.Ref.Value, b.Ref.Value))
	})
	return out
}

// clusterList totals each cluster's hosts, from the host list just built.
func (inv *inventory) clusterList() []model.Cluster {
	byRef := make(map[string]*model.Cluster, len(inv.clusters))
	out := make([]model.Cluster, 0, len(inv.clusters))
	for ref, cl := range inv.clusters {
		out = append(out, model.Cluster{Ref: model.Ref{Type: "ClusterComputeResource", Value: ref}, Name: cl.name, EVCMode: cl.evc})
	}
	for i := range out {
		byRef[out[i].Ref.Value] = &out[i]
	}
	for _, h := range inv.view.Hosts {
		if c := byRef[h.ClusterRef.Value]; c != nil && !h.ClusterRef.IsZero() {
			c.Hosts++
			c.CPUMhz += h.CPUMhz
			c.MemoryMiB += h.MemoryMiB
			c.CPUUsedMhz += h.CPUUsedMhz
			c.MemoryUsedMiB += h.MemoryUsedMiB
		}
	}
	slices.SortFunc(out, func(a, b model.Cluster) int {
		return cmp.Or(model.CompareNames(a.Name, b.Name), cmp.Compare(a.Ref.Value, b.Ref.Value))
	})
	return out
}

func (inv *inventory) portGroupList() []model.PortGroup {
	out := make([]model.PortGroup, 0, len(inv.networks))
	for ref, n := range inv.networks {
		pg := model.PortGroup{Ref: model.Ref{Type: n.kind, Value: ref}, Name: n.name, VLAN: n.vlan}
		if n.dvs.Value != "" {
			pg.SwitchRef = toRef(n.dvs)
			pg.Switch = inv.switches[n.dvs.Value]
		}
		out = append(out, pg)
	}
	slices.SortFunc(out, func(a, b model.PortGroup) int {
		return cmp.Or(model.CompareNames(a.Name, b.Name), cmp.Compare(a.Ref.Value, b.Ref.Value))
	})
	return out
}

func (inv *inventory) datastoreList() []model.Datastore {
	out := make([]model.Datastore, 0, len(inv.datastores))
	for ref, ds := range inv.datastores {
		out = append(out, model.Datastore{
			Ref:        model.Ref{Type: "Datastore", Value: ref},
			Name:       ds.name,
			Type:       ds.kind,
			CapacityB:  ds.capacity,
			FreeB:      ds.free,
			Accessible: ds.accessible,
			Hosts:      ds.hosts, // replaced, never modified, when the mounts change
			URL:        ds.url,
		})
	}
	slices.SortFunc(out, func(a, b model.Datastore) int {
		return cmp.Or(model.CompareNames(a.Name, b.Name), cmp.Compare(a.Ref.Value, b.Ref.Value))
	})
	return out
}

// hostsShowNetworks says whether some host's vMotion adapter is on a port group.
func (inv *inventory) hostsShowNetworks() bool {
	for _, h := range inv.hosts {
		if len(h.vmotionNICs) > 0 || len(h.nics) > 0 {
			return true
		}
	}
	return false
}

// vmotionNetwork names the port group of the host's vMotion VMkernel adapter and its VLAN
// (0: unknown, a standard port group, or no adapter). The adapter is the first, by device,
// that netConfig selects for vMotion, else the first on the vMotion TCP/IP stack (which
// carries vMotion without being selected). Its port group comes from config.network.vnic,
// else from the netConfig's own copy of the adapter. A distributed port group's key is its
// MoRef value, so it resolves against the port groups the inventory reads.
func (inv *inventory) vmotionNetwork(h *rawHost) (string, int) {
	var nic *hostNIC
	for i := range h.vmotionNICs {
		c := &h.vmotionNICs[i]
		if nic == nil || c.device < nic.device {
			nic = c
		}
	}
	if nic != nil {
		for i := range h.nics {
			if h.nics[i].device == nic.device {
				nic = &h.nics[i]
				break
			}
		}
	} else {
		for i := range h.nics {
			if c := &h.nics[i]; c.netStack == "vmotion" && (nic == nil || c.device < nic.device) {
				nic = c
			}
		}
	}
	switch {
	case nic == nil:
		return "", 0
	case nic.dvPortgroup != "":
		if n := inv.networks[nic.dvPortgroup]; n != nil {
			return n.name, n.vlan
		}
		return "", 0 // not (yet) known
	default:
		return nic.portgroup, 0 // a standard port group's VLAN is the host's to say
	}
}

// maxHWVersion is the newest virtual hardware version an ESXi version runs (21 for 8.0.2),
// or 0 when it is unknown. A release govmomi does not know ("8.0.3", "4.1") runs at least
// what the newest known older release of its major version does.
func maxHWVersion(version string) int {
	major, minor, patch, ok := splitVersion(version)
	if !ok {
		return 0
	}
	for m := minor; m >= 0; m-- {
		for p := patch; p >= 0; p-- {
			if v, err := types.ParseESXiVersion(fmt.Sprintf("%d.%d.%d", major, m, p)); err == nil {
				return int(v.HardwareVersion())
			}
		}
		patch = 9
	}
	return 0
}

// splitVersion reads "8.0.2" (or "8.0", "8") as numbers.
func splitVersion(s string) (major, minor, patch int, ok bool) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) == 0 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 99 {
			return 0, 0, 0, false
		}
		n[i] = v
	}
	return n[0], n[1], n[2], true
}

// vmotionNICs lists the adapters a host's netConfig selects for vMotion. Values decoded
// from SOAP arrive as ArrayOf... structs, values built in process as slices: accept both.
func vmotionNICs(v any) []hostNIC {
	var configs []types.VirtualNicManagerNetConfig
	switch c := v.(type) {
	case types.ArrayOfVirtualNicManagerNetConfig:
		configs = c.VirtualNicManagerNetConfig
	case []types.VirtualNicManagerNetConfig:
		configs = c
	}
	var out []hostNIC
	for _, c := range configs {
		if c.NicType != string(types.HostVirtualNicManagerNicTypeVmotion) {
			continue
		}
		for _, key := range c.SelectedVnic {
			i := slices.IndexFunc(c.CandidateVnic, func(n types.HostVirtualNic) bool { return n.Key == key })
			if i >= 0 {
				out = append(out, nicOf(c.CandidateVnic[i]))
				continue
			}
			// Only the key: "vmotion.key-vim.host.VirtualNic-vmk1".
			if _, dev, ok := strings.Cut(key, "VirtualNic-"); ok && dev != "" {
				out = append(out, hostNIC{device: dev})
			}
		}
	}
	return out
}

// hostNICs reads config.network.vnic.
func hostNICs(v any) []hostNIC {
	var nics []types.HostVirtualNic
	switch n := v.(type) {
	case types.ArrayOfHostVirtualNic:
		nics = n.HostVirtualNic
	case []types.HostVirtualNic:
		nics = n
	}
	var out []hostNIC
	for _, n := range nics {
		out = append(out, nicOf(n))
	}
	return out
}

func nicOf(n types.HostVirtualNic) hostNIC {
	nic := hostNIC{device: n.Device, portgroup: cmp.Or(n.Spec.Portgroup, n.Portgroup), netStack: n.Spec.NetStackInstanceKey}
	if p := n.Spec.DistributedVirtualPort; p != nil && p.PortgroupKey != "" {
		nic.dvPortgroup, nic.portgroup = p.PortgroupKey, ""
	}
	return nic
}

// cpuVendor names the CPU vendor ("intel", "amd") from the CPU model, or else from the EVC
// mode key ("intel-icelake").
func cpuVendor(cpuModel, evc string) string {
	m := strings.ToLower(cpuModel)
	switch {
	case strings.Contains(m, "intel"):
		return "intel"
	case strings.Contains(m, "amd"):
		return "amd"
	}
	if vendor, _, ok := strings.Cut(evc, "-"); ok {
		return vendor
	}
	return ""
}

// clusterEVC reads the EVC mode key of a cluster's summary.
func clusterEVC(v any) string {
	switch s := v.(type) {
	case types.ClusterComputeResourceSummary:
		return s.CurrentEVCModeKey
	case *types.ClusterComputeResourceSummary:
		if s != nil {
			return s.CurrentEVCModeKey
		}
	}
	return ""
}

// mountedHosts lists the hosts that mount a datastore and can reach it, sorted by value.
func mountedHosts(v any) []model.Ref {
	var mounts []types.DatastoreHostMount
	switch m := v.(type) {
	case types.ArrayOfDatastoreHostMount:
		mounts = m.DatastoreHostMount
	case []types.DatastoreHostMount:
		mounts = m
	}
	var out []model.Ref
	for _, m := range mounts {
		if m.MountInfo.Mounted != nil && !*m.MountInfo.Mounted {
			continue
		}
		if m.MountInfo.Accessible != nil && !*m.MountInfo.Accessible {
			continue
		}
		out = append(out, toRef(m.Key))
	}
	slices.SortFunc(out, func(a, b model.Ref) int { return cmp.Compare(a.Value, b.Value) })
	return slices.CompactFunc(out, func(a, b model.Ref) bool { return a == b })
}

// portVLAN reads the VLAN id of a port group's default port setting: a single VLAN id only.
// Trunk and private VLAN port groups report 0, as does VLAN 0 (untagged). Values decoded
// from SOAP arrive as structs, values built in process as pointers: accept both.
func portVLAN(v any) int {
	var vlan types.BaseVmwareDistributedVirtualSwitchVlanSpec
	switch s := v.(type) {
	case types.VMwareDVSPortSetting:
		vlan = s.Vlan
	case *types.VMwareDVSPortSetting:
		if s != nil {
			vlan = s.Vlan
		}
	}
	if id, ok := vlan.(*types.VmwareDistributedVirtualSwitchVlanIdSpec); ok && id != nil {
		return int(id.VlanId)
	}
	return 0
}

func toRef(r types.ManagedObjectReference) model.Ref {
	if r.Value == "" {
		return model.Ref{}
	}
	return model.Ref{Type: r.Type, Value: r.Value}
}

func str(c types.PropertyChange) string {
	s, _ := c.Val.(string)
	return s
}

func boolVal(c types.PropertyChange) bool {
	switch v := c.Val.(type) {
	case bool:
		return v
	case *bool:
		return v != nil && *v
	}
	return false
}

func int32Val(c types.PropertyChange) int32 {
	return int32(int64Val(c))
}

func int64Val(c types.PropertyChange) int64 {
	switch v := c.Val.(type) {
	case int64:
		return v
	case int32:
		return int64(v)
	case int16:
		return int64(v)
	case int:
		return int64(v)
	}
	return 0
}

func moref(c types.PropertyChange) types.ManagedObjectReference {
	switch v := c.Val.(type) {
	case types.ManagedObjectReference:
		return v
	case *types.ManagedObjectReference:
		if v != nil {
			return *v
		}
	}
	return types.ManagedObjectReference{}
}

func morefs(c types.PropertyChange) []types.ManagedObjectReference {
	switch v := c.Val.(type) {
	case types.ArrayOfManagedObjectReference:
		return v.ManagedObjectReference
	case []types.ManagedObjectReference:
		return v
	}
	return nil
}
