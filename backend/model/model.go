// Package model holds the data every part of vmcross shares: site and VM keys, the inventory
// (VMs, hosts, clusters, datastores, port groups), site snapshots and the engine's State,
// VM details, operators and the engine's events. It imports nothing of vmcross but fabric's
// health types, so the engine, preflight, migration, the console and the CLI can all use it
// without import cycles.
package model

import (
	"cmp"
	"slices"
	"sort"
	"time"

	"github.com/vmcross/vmcross/fabric"
)

// SiteID names a site in configuration ("site-a", "site-b").
type SiteID string

// VMKey identifies a VM across both vCenters: two vCenters issue the same MoRefs, so a MoRef
// alone is never a key.
type VMKey struct {
	Site  SiteID `json:"site"`
	MoRef string `json:"moref"` // the managed object value, e.g. "vm-42"
}

func (k VMKey) String() string { return string(k.Site) + "/" + k.MoRef }

// Ref is a managed object reference within one vCenter: its type and value
// ("HostSystem", "host-21"). The site it belongs to is the one of the snapshot holding it.
type Ref struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// IsZero reports whether r names no object.
func (r Ref) IsZero() bool { return r.Value == "" }

// PowerState is a VM's runtime power state as vCenter reports it.
type PowerState string

// Power states, as vSphere spells them.
const (
	PoweredOn  PowerState = "poweredOn"
	PoweredOff PowerState = "poweredOff"
	Suspended  PowerState = "suspended"
)

// VM is the narrow, list-sized view of one virtual machine: what a row shows, plus the
// references preflight and migration need. Details (devices, snapshots) are fetched on
// selection (VMDetails), not here.
type VM struct {
	Key        VMKey      `json:"-"`
	Name       string     `json:"name"`
	Power      PowerState `json:"power"`
	Host       string     `json:"host"`
	Cluster    string     `json:"cluster"`
	CPU        int32      `json:"vcpu"`
	MemoryMiB  int32      `json:"memory_mib"`
	VLANs      []int      `json:"vlans"`
	Networks   []string   `json:"networks"`
	Datastores []string   `json:"datastores"`
	Template   bool       `json:"template,omitempty"`

	// InstanceUUID is vCenter's instance UUID of the VM (config.instanceUuid): it survives a
	// cross-vCenter move, unlike the MoRef.
	InstanceUUID string `json:"instance_uuid,omitempty"`
	// HWVersion is the virtual hardware version ("vmx-19").
	HWVersion string `json:"hw_version,omitempty"`
	// ChangeVersion is config.changeVersion: it moves whenever the VM's configuration does,
	// so cached details are stale once it differs.
	ChangeVersion string `json:"change_version,omitempty"`
	// Snapshots is the number of root snapshots (0: none); details give the whole tree.
	Snapshots int `json:"root_snapshots,omitempty"`
	// MinEVCMode is runtime.minRequiredEVCModeKey: the EVC baseline of the CPU features the
	// running VM was powered on with ("intel-icelake"). It moves with the VM and changes only
	// at a power cycle, so it, not the cluster's mode, says what a target must offer. "" when
	// vCenter does not say (powered off, or an old vCenter).
	MinEVCMode string `json:"min_evc_mode,omitempty"`

	HostRef       Ref   `json:"host_ref"`
	ClusterRef    Ref   `json:"cluster_ref"` // zero on a standalone host
	PoolRef       Ref   `json:"resource_pool_ref"`
	FolderRef     Ref   `json:"folder_ref"`
	DatastoreRefs []Ref `json:"datastore_refs"`
	NetworkRefs   []Ref `json:"network_refs"`
}

// Host is one ESXi host as vCenter reports it.
type Host struct {
	Ref        Ref    `json:"ref"`
	Name       string `json:"name"`
	ClusterRef Ref    `json:"cluster_ref"` // zero on a standalone host
	// Connection is "connected", "disconnected" or "notResponding".
	Connection    string `json:"connection"`
	Maintenance   bool   `json:"maintenance"`
	VMotion       bool   `json:"vmotion_enabled"`
	CPUVendor     string `json:"cpu_vendor,omitempty"` // "intel", "amd"
	CPUModel      string `json:"cpu_model,omitempty"`
	EVCMode       string `json:"evc_mode,omitempty"`     // the host's current EVC mode key
	MaxEVCMode    string `json:"max_evc_mode,omitempty"` // the highest EVC mode it supports
	CPUMhz        int64  `json:"cpu_mhz"`                // total
	MemoryMiB     int64  `json:"memory_mib"`             // total
	CPUUsedMhz    int64  `json:"cpu_used_mhz"`
	MemoryUsedMiB int64  `json:"memory_used_mib"`
	// ESXiVersion is config.product.version ("8.0.2"); MaxHWVersion the newest virtual
	// hardware version that ESXi runs (21 for vmx-21; 0 when unknown).
	ESXiVersion  string `json:"esxi_version,omitempty"`
	MaxHWVersion int    `json:"max_hw_version,omitempty"`
	// VMotionNetwork is the port group of the host's vMotion VMkernel adapter and
	// VMotionVLAN its VLAN (0: unknown, or no vMotion adapter).
	VMotionNetwork string `json:"vmotion_network,omitempty"`
	VMotionVLAN    int    `json:"vmotion_vlan,omitempty"`
}

// Cluster is one vSphere cluster.
type Cluster struct {
	Ref           Ref    `json:"ref"`
	Name          string `json:"name"`
	EVCMode       string `json:"evc_mode,omitempty"` // "" when EVC is off
	CPUMhz        int64  `json:"cpu_mhz"`            // total of its hosts
	MemoryMiB     int64  `json:"memory_mib"`
	CPUUsedMhz    int64  `json:"cpu_used_mhz"` // sum of its hosts' use
	MemoryUsedMiB int64  `json:"memory_used_mib"`
	Hosts         int    `json:"hosts"`
}

// Datastore is one datastore and the hosts that mount it.
type Datastore struct {
	Ref        Ref    `json:"ref"`
	Name       string `json:"name"`
	Type       string `json:"type"` // VMFS, NFS, NFS41, vsan, vvol
	CapacityB  int64  `json:"capacity_bytes"`
	FreeB      int64  `json:"free_bytes"`
	Accessible bool   `json:"accessible"`
	Hosts      []Ref  `json:"hosts"` // hosts that mount it, sorted by value
	// URL is summary.url ("ds:///vmfs/volumes/5f1e.../"): two vCenters' datastores with the
	// same URL are the same storage, mounted at both sites.
	URL string `json:"url,omitempty"`
}

// PortGroup is a network a VM can attach to: a distributed port group or a standard network.
type PortGroup struct {
	Ref    Ref    `json:"ref"`
	Name   string `json:"name"`
	VLAN   int    `json:"vlan,omitempty"`   // 0: none known (standard, untagged, trunk, PVLAN)
	Switch string `json:"switch,omitempty"` // the distributed switch's name, "" for a standard network
	// SwitchRef is the distributed switch; zero for a standard network.
	SwitchRef Ref `json:"switch_ref"`
}

// ConnState is the state of a site's vCenter session.
type ConnState int

// Connection states of a site.
const (
	Connecting ConnState = iota
	Connected
	Disconnected
)

func (c ConnState) String() string {
	switch c {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	case Disconnected:
		return "disconnected"
	}
	return "unknown"
}

// SiteStatus is what the console shows in a site pane's header.
type SiteStatus struct {
	ID    SiteID    `json:"id"`
	Name  string    `json:"name"`  // display name, e.g. "Miami (site A)"
	Host  string    `json:"host"`  // vCenter host[:port] as configured
	State ConnState `json:"state"` // connection state
	Err   string    `json:"error,omitempty"`
	Since time.Time `json:"since"` // when State last changed

	// LastAnswer is when the vCenter last answered (a poll for changes returned, or the
	// inventory loaded): the VM list is confirmed as of then. Zero before the first answer.
	// It is published with the site's other changes, not on every answer, so it may lag
	// while the site is live; while it is silent or down it is exact.
	LastAnswer time.Time `json:"last_answer"`
	// Silent is true while a connected site's vCenter has not answered for longer than it
	// should (a frozen process, a network black hole): the session is not known to be lost
	// yet, but the VM list is unconfirmed since LastAnswer.
	Silent bool `json:"silent,omitempty"`
	// DownSince is when the site stopped being live: it went silent, lost its session or
	// failed to connect. Zero while live. Retries and reconnect attempts do not move it, so
	// "down for 5m" counts from the outage, not from the last retry.
	DownSince time.Time `json:"down_since"`
	// Insecure is true when the vCenter's certificate is not verified (insecure: true in the
	// config, without a thumbprint or CA file; or a plain http:// URL): consoles mark it.
	Insecure bool `json:"insecure,omitempty"`
}

// Live reports whether the site's VM list is current: connected and answering.
func (s SiteStatus) Live() bool { return s.State == Connected && !s.Silent }

// SiteSnapshot is one site's status and inventory. It is never modified after it is
// published. Gen grows with every change of this site only, so a client can tell that the
// other site changed and this one did not.
type SiteSnapshot struct {
	Gen    uint64     `json:"gen"`
	Status SiteStatus `json:"status"`
	VMs    []VM       `json:"vms"` // sorted by name, then MoRef
	// The rest of the inventory, each sorted by name. They change far less often than VMs.
	Hosts      []Host      `json:"hosts"`
	Clusters   []Cluster   `json:"clusters"`
	Datastores []Datastore `json:"datastores"`
	PortGroups []PortGroup `json:"port_groups"`
}

// VM returns the VM with the given MoRef, or false.
func (s SiteSnapshot) VM(moref string) (VM, bool) {
	for _, vm := range s.VMs {
		if vm.Key.MoRef == moref {
			return vm, true
		}
	}
	return VM{}, false
}

// HostByRef returns the host with the given MoRef value, or false.
func (s SiteSnapshot) HostByRef(value string) (Host, bool) {
	for _, h := range s.Hosts {
		if h.Ref.Value == value {
			return h, true
		}
	}
	return Host{}, false
}

// State is an immutable picture of everything the engine knows. Gen grows with every change.
type State struct {
	Gen   uint64         `json:"gen"`
	Sites []SiteSnapshot `json:"sites"`
	// Fabric is the DCI's health; Fabric.Configured is false when no switches are configured.
	Fabric fabric.Health `json:"fabric"`
	// FabricGen grows with every new Fabric, so a client can tell it did not change.
	FabricGen uint64 `json:"fabric_gen"`
	// VLANsInUse is the sorted union of the VLANs of every VM of every site: what the fabric
	// monitor is told to watch.
	VLANsInUse []int `json:"vlans_in_use"`
	// Moves are the moves of this engine's life, in the order they were asked for: active
	// ones and ended ones (the audit log keeps them beyond). MovesGen grows with each change.
	Moves    []Move `json:"moves,omitempty"`
	MovesGen uint64 `json:"moves_gen"`
	// Governor is what the move governor allows now: paused and why, or how many moves may
	// run at once (NewEngine governs with the defaults; Engine.SetGovernor tunes it).
	Governor Governor `json:"governor"`
	// Sessions are the operators connected over SSH (`vmcross serve`), oldest first.
	Sessions []Session `json:"sessions,omitempty"`
	// ReadOnly is true when the engine refuses every dangerous command, to everyone.
	ReadOnly bool `json:"read_only,omitempty"`
}

// Site returns the snapshot of the site with the given id, or false.
func (s State) Site(id SiteID) (SiteSnapshot, bool) {
	for _, ss := range s.Sites {
		if ss.Status.ID == id {
			return ss, true
		}
	}
	return SiteSnapshot{}, false
}

// SortVMs orders VMs by name (web-9 before web-10: CompareNames), then MoRef, so every view
// lists them the same way.
func SortVMs(vms []VM) {
	slices.SortFunc(vms, func(a, b VM) int {
		return cmp.Or(CompareNames(a.Name, b.Name), cmp.Compare(a.Key.MoRef, b.Key.MoRef))
	})
}

// VLANsInUse is the sorted union of the VLANs of every VM of the given sites and of their
// hosts' vMotion networks.
func VLANsInUse(sites []SiteSnapshot) []int {
	var seen [4096]bool // VLAN IDs are 1-4094; anything else goes to the map
	var odd map[int]bool
	n := 0
	add := func(id int) {
		if id >= 0 && id < len(seen) {
			if !seen[id] {
				seen[id] = true
				n++
			}
			return
		}
		if odd == nil {
			odd = map[int]bool{}
		}
		odd[id] = true
	}
	for i := range sites {
		vms := sites[i].VMs
		for j := range vms {
			for _, id := range vms[j].VLANs {
				add(id)
			}
		}
		// The vMotion network crosses the DCI too.
		for _, h := range sites[i].Hosts {
			if h.VMotionVLAN > 0 {
				add(h.VMotionVLAN)
			}
		}
	}
	out := make([]int, 0, n+len(odd))
	for id, ok := range seen {
		if ok {
			out = append(out, id)
		}
	}
	for id := range odd {
		out = append(out, id)
	}
	sort.Ints(out)
	return out
}
