package model

import "time"

// VMDetails is what the console's detail view and preflight need to know about one VM beyond
// its row: devices, snapshots, fault tolerance, reservations. It is fetched in one call when
// a VM is selected and cached until the VM's ChangeVersion (or snapshot count) moves.
type VMDetails struct {
	Key           VMKey  `json:"key"`
	Name          string `json:"name"`
	ChangeVersion string `json:"change_version"`
	GuestOS       string `json:"guest_os,omitempty"`
	HWVersion     string `json:"hw_version,omitempty"`
	InstanceUUID  string `json:"instance_uuid,omitempty"`

	Disks       []Disk           `json:"disks"`
	Controllers []SCSIController `json:"scsi_controllers"`
	CDROMs      []CDROM          `json:"cdroms"`
	NICs        []NIC            `json:"nics"`
	Snapshots   []Snapshot       `json:"snapshots"` // the tree's roots; children nested
	// SnapshotCount is the number of snapshots in the whole tree.
	SnapshotCount int `json:"snapshot_count"`

	// FaultTolerance is the VM's FT role: "" (none), "primary" or "secondary".
	FaultTolerance string `json:"fault_tolerance,omitempty"`
	// MemoryReservationMiB is the memory reserved for the VM (0: none).
	MemoryReservationMiB int64 `json:"memory_reservation_mib"`
	MemoryMiB            int32 `json:"memory_mib"`
	CPU                  int32 `json:"vcpu"`

	FetchedAt time.Time `json:"fetched_at"`
}

// Disk backings, as an operator names them.
const (
	BackingFlat       = "flat"         // thick VMDK
	BackingThin       = "thin"         // thin-provisioned VMDK
	BackingRDMPhys    = "rdm-physical" // raw device mapping, physical compatibility
	BackingRDMVirtual = "rdm-virtual"  // raw device mapping, virtual compatibility
	BackingOther      = "other"        // sparse, SE sparse, vvol, ...
)

// Disk is one virtual disk.
type Disk struct {
	Label     string `json:"label"` // "Hard disk 1"
	CapacityB int64  `json:"capacity_bytes"`
	Datastore string `json:"datastore,omitempty"` // name
	// DatastoreRef is the datastore holding the disk (or, for an RDM, its mapping file).
	DatastoreRef Ref    `json:"datastore_ref"`
	File         string `json:"file,omitempty"` // "[ds] vm/vm.vmdk"
	Backing      string `json:"backing"`        // one of the Backing constants
	// LUN is the device an RDM maps ("" otherwise).
	LUN string `json:"lun,omitempty"`
	// Controller is the label of the controller the disk hangs on ("SCSI controller 1").
	Controller string `json:"controller,omitempty"`
	// Sharing is the disk's own sharing mode: "sharingNone" or "sharingMultiWriter".
	Sharing string `json:"sharing,omitempty"`
}

// RDM reports whether the disk is a raw device mapping.
func (d Disk) RDM() bool { return d.Backing == BackingRDMPhys || d.Backing == BackingRDMVirtual }

// SCSIController is one SCSI controller and its bus sharing.
type SCSIController struct {
	Label string `json:"label"` // "SCSI controller 1"
	Type  string `json:"type"`  // "LSI Logic SAS", "VMware Paravirtual", ...
	Bus   int32  `json:"bus"`
	// BusSharing is vSphere's sharedBus: "noSharing", "virtualSharing" or "physicalSharing".
	BusSharing string `json:"bus_sharing"`
}

// Shared reports whether the controller's bus is shared with other VMs (clustering).
func (c SCSIController) Shared() bool {
	return c.BusSharing != "" && c.BusSharing != "noSharing"
}

// CDROM is one CD/DVD drive.
type CDROM struct {
	Label     string `json:"label"`
	Connected bool   `json:"connected"`
	// ISO is the datastore path of an ISO backing ("[iso-local] images/x.iso"); "" otherwise.
	ISO          string `json:"iso,omitempty"`
	Datastore    string `json:"datastore,omitempty"`
	DatastoreRef Ref    `json:"datastore_ref"`
	// Backing is "iso", "host" (a host device), "client" (passthrough) or "none".
	Backing string `json:"backing"`
}

// NIC is one network adapter.
type NIC struct {
	Label      string `json:"label"` // "Network adapter 1"
	Type       string `json:"type"`  // "vmxnet3", "e1000e"
	MAC        string `json:"mac"`
	Connected  bool   `json:"connected"`
	PortGroup  string `json:"port_group,omitempty"`
	NetworkRef Ref    `json:"network_ref"`
	VLAN       int    `json:"vlan,omitempty"`
}

// Snapshot is one snapshot with its children.
type Snapshot struct {
	Name     string     `json:"name"`
	Created  time.Time  `json:"created"`
	Current  bool       `json:"current,omitempty"` // the VM runs from this one
	Children []Snapshot `json:"children,omitempty"`
}
