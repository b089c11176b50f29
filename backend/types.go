// Package backend is the vCenter side of vmcross: sites, their live VM inventory, and the
// Engine that every client (console, SSH sessions, headless commands) shares.
// It never imports bubbletea.
package backend

import (
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

// PowerState is a VM's runtime power state as vCenter reports it.
type PowerState string

// Power states, as vSphere spells them.
const (
	PoweredOn  PowerState = "poweredOn"
	PoweredOff PowerState = "poweredOff"
	Suspended  PowerState = "suspended"
)

// VM is the narrow, list-sized view of one virtual machine. Details (devices, snapshots) are
// fetched on selection, not here.
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
}

// SiteSnapshot is one site's status and VMs, sorted by name. It is never modified after it
// is published.
type SiteSnapshot struct {
	Status SiteStatus `json:"status"`
	VMs    []VM       `json:"vms"`
}

// State is an immutable picture of everything the engine knows. Gen grows with every change.
type State struct {
	Gen   uint64         `json:"gen"`
	Sites []SiteSnapshot `json:"sites"`
	// Fabric is the DCI's health; Fabric.Configured is false when no switches are configured.
	Fabric fabric.Health `json:"fabric"`
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

// SortVMs orders VMs by name, then MoRef, so every view lists them the same way.
func SortVMs(vms []VM) {
	sort.Slice(vms, func(i, j int) bool {
		if vms[i].Name != vms[j].Name {
			return vms[i].Name < vms[j].Name
		}
		return vms[i].Key.MoRef < vms[j].Key.MoRef
	})
}
