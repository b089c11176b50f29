package backend

import (
	"sort"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// The inventory is fetched through one ContainerView with these types and these narrow
// properties; everything else about a VM is fetched when it is selected.
var (
	viewTypes = []string{
		"VirtualMachine", "HostSystem", "ClusterComputeResource",
		"Network", "DistributedVirtualPortgroup", "Datastore",
	}
	propSpecs = []types.PropertySpec{
		{Type: "VirtualMachine", PathSet: []string{
			"name", "runtime.powerState", "runtime.host", "summary.config.numCpu",
			"summary.config.memorySizeMB", "summary.config.template", "network", "datastore",
			"config.changeVersion",
		}},
		{Type: "HostSystem", PathSet: []string{"name", "parent"}},
		{Type: "ClusterComputeResource", PathSet: []string{"name"}},
		{Type: "Network", PathSet: []string{"name"}},
		{Type: "DistributedVirtualPortgroup", PathSet: []string{"name", "config.defaultPortConfig"}},
		{Type: "Datastore", PathSet: []string{"name"}},
	}
)

type rawVM struct {
	name       string
	power      model.PowerState
	host       string // MoRef value
	cpu        int32
	memMiB     int32
	template   bool
	networks   []string // MoRef values
	datastores []string // MoRef values
}

type rawHost struct {
	name   string
	parent types.ManagedObjectReference
}

type rawNetwork struct {
	name string
	vlan int // 0: none known (standard port group, untagged, trunk or private VLAN)
}

// inventory is one session's picture of a vCenter, built from property collector updates.
// MoRef values are unique within one vCenter, so they key every map. It is used by one
// goroutine only.
type inventory struct {
	site       model.SiteID
	vms        map[string]*rawVM
	hosts      map[string]*rawHost
	clusters   map[string]string
	networks   map[string]*rawNetwork
	datastores map[string]string

	resolved map[string]model.VM // VMs as last published
	dirty    map[string]bool     // VMs whose own properties changed since then
	allDirty bool                // a host, cluster, network or datastore changed
	vmCache  []model.VM          // the last published, sorted list
	changed  bool                // anything changed since the last snapshot

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
		clusters:   map[string]string{},
		networks:   map[string]*rawNetwork{},
		datastores: map[string]string{},
		resolved:   map[string]model.VM{},
		dirty:      map[string]bool{},
		entered:    map[string]bool{},
	}
}

// vmPaths are the VM properties the inventory reads.
func vmPaths() []string { return propSpecs[0].PathSet }

// takeReconfigured returns the VMs reconfigured since the last call, and forgets them.
func (inv *inventory) takeReconfigured() []types.ManagedObjectReference {
	refs := inv.reconfigured
	inv.reconfigured = nil
	return refs
}

// applyContents folds freshly read VM properties into the inventory, as modifications.
func (inv *inventory) applyContents(ocs []types.ObjectContent) {
	updates := make([]types.ObjectUpdate, 0, len(ocs))
	for _, oc := range ocs {
		u := types.ObjectUpdate{Kind: types.ObjectUpdateKindModify, Obj: oc.Obj}
		for _, p := range oc.PropSet {
			if p.Name == "config.changeVersion" {
				continue // already applied; re-applying would ask for another re-read
			}
			u.ChangeSet = append(u.ChangeSet, types.PropertyChange{Name: p.Name, Op: types.PropertyChangeOpAssign, Val: p.Val})
		}
		updates = append(updates, u)
	}
	inv.apply(updates)
}

// apply folds one batch of object updates into the inventory.
func (inv *inventory) apply(updates []types.ObjectUpdate) {
	for _, u := range updates {
		inv.changed = true
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
		switch u.Obj.Type {
		case "VirtualMachine":
			vm := inv.vms[ref]
			if vm == nil {
				vm = &rawVM{}
				inv.vms[ref] = vm
			}
			for _, c := range u.ChangeSet {
				vm.set(c)
				if c.Name == "config.changeVersion" && u.Kind == types.ObjectUpdateKindModify {
					inv.reconfigured = append(inv.reconfigured, u.Obj)
				}
			}
			inv.dirty[ref] = true
		case "HostSystem":
			h := inv.hosts[ref]
			if h == nil {
				h = &rawHost{}
				inv.hosts[ref] = h
			}
			for _, c := range u.ChangeSet {
				switch c.Name {
				case "name":
					h.name = str(c)
				case "parent":
					h.parent = moref(c)
				}
			}
			inv.allDirty = true
		case "ClusterComputeResource":
			for _, c := range u.ChangeSet {
				if c.Name == "name" {
					inv.clusters[ref] = str(c)
				}
			}
			inv.allDirty = true
		case "Network", "DistributedVirtualPortgroup", "OpaqueNetwork":
			n := inv.networks[ref]
			if n == nil {
				n = &rawNetwork{}
				inv.networks[ref] = n
			}
			for _, c := range u.ChangeSet {
				switch c.Name {
				case "name":
					n.name = str(c)
				case "config.defaultPortConfig":
					n.vlan = portVLAN(c.Val)
				}
			}
			inv.allDirty = true
		case "Datastore":
			for _, c := range u.ChangeSet {
				if c.Name == "name" {
					inv.datastores[ref] = str(c)
				}
			}
			inv.allDirty = true
		}
	}
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
	default:
		_, ok = inv.networks[obj.Value]
	}
	return ok
}

// endBatch drops, after a resync, every object the resync did not re-send.
func (inv *inventory) endBatch() {
	if inv.resync {
		for ref := range inv.vms {
			if !inv.entered[ref] {
				inv.remove(types.ManagedObjectReference{Type: "VirtualMachine", Value: ref})
			}
		}
		for _, m := range []map[string]string{inv.clusters, inv.datastores} {
			for ref := range m {
				if !inv.entered[ref] {
					delete(m, ref)
					inv.allDirty = true
				}
			}
		}
		for ref := range inv.hosts {
			if !inv.entered[ref] {
				delete(inv.hosts, ref)
				inv.allDirty = true
			}
		}
		for ref := range inv.networks {
			if !inv.entered[ref] {
				delete(inv.networks, ref)
				inv.allDirty = true
			}
		}
		inv.resync = false
	}
	clear(inv.entered)
}

func (inv *inventory) remove(obj types.ManagedObjectReference) {
	ref := obj.Value
	switch obj.Type {
	case "VirtualMachine":
		delete(inv.vms, ref)
		delete(inv.resolved, ref)
		delete(inv.dirty, ref)
		return
	case "HostSystem":
		delete(inv.hosts, ref)
	case "ClusterComputeResource":
		delete(inv.clusters, ref)
	case "Datastore":
		delete(inv.datastores, ref)
	default:
		delete(inv.networks, ref)
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
		b, _ := c.Val.(bool)
		vm.template = b
	case "network":
		vm.networks = morefValues(c)
	case "datastore":
		vm.datastores = morefValues(c)
	}
}

// snapshot ends an update batch and returns the VMs sorted by name, or false when nothing
// changed since the last call.
// The returned slice and the VMs in it are never modified afterwards.
func (inv *inventory) snapshot() ([]model.VM, bool) {
	inv.endBatch()
	if !inv.changed {
		return inv.vmCache, false
	}
	inv.changed = false
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
	inv.allDirty = false
	clear(inv.dirty)
	out := make([]model.VM, 0, len(inv.resolved))
	for _, vm := range inv.resolved {
		out = append(out, vm)
	}
	model.SortVMs(out)
	inv.vmCache = out
	return out, true
}

// resolve turns MoRefs into the names an operator knows. It allocates fresh slices, since
// the VM will be shared by immutable snapshots.
func (inv *inventory) resolve(ref string, raw *rawVM) model.VM {
	vm := model.VM{
		Key:       model.VMKey{Site: inv.site, MoRef: ref},
		Name:      raw.name,
		Power:     raw.power,
		CPU:       raw.cpu,
		MemoryMiB: raw.memMiB,
		Template:  raw.template,
	}
	if h := inv.hosts[raw.host]; h != nil {
		vm.Host = h.name
		if h.parent.Type == "ClusterComputeResource" {
			vm.Cluster = inv.clusters[h.parent.Value]
		}
	}
	// vCenter lists each network once; vcsim may repeat one (a second NIC on it).
	seenNet, seenVLAN := map[string]bool{}, map[int]bool{}
	for _, n := range raw.networks {
		nw := inv.networks[n]
		if nw == nil || seenNet[n] {
			continue
		}
		seenNet[n] = true
		vm.Networks = append(vm.Networks, nw.name)
		if nw.vlan > 0 && !seenVLAN[nw.vlan] {
			seenVLAN[nw.vlan] = true
			vm.VLANs = append(vm.VLANs, nw.vlan)
		}
	}
	sort.Strings(vm.Networks)
	sort.Ints(vm.VLANs)
	for _, d := range raw.datastores {
		if name, ok := inv.datastores[d]; ok {
			vm.Datastores = append(vm.Datastores, name)
		}
	}
	sort.Strings(vm.Datastores)
	return vm
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

func str(c types.PropertyChange) string {
	s, _ := c.Val.(string)
	return s
}

func int32Val(c types.PropertyChange) int32 {
	switch v := c.Val.(type) {
	case int32:
		return v
	case int64:
		return int32(v)
	case int:
		return int32(v)
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

func morefValues(c types.PropertyChange) []string {
	var refs []types.ManagedObjectReference
	switch v := c.Val.(type) {
	case types.ArrayOfManagedObjectReference:
		refs = v.ManagedObjectReference
	case []types.ManagedObjectReference:
		refs = v
	}
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Value
	}
	return out
}
