package model

import "time"

// MoveState is where one move (a cross-vCenter vMotion of one VM) stands.
type MoveState string

// Move states. Queued, Running and Switchover are active: the VM may not be started again
// until the move ends in Done, Failed or Cancelled.
const (
	MoveQueued     MoveState = "queued"     // accepted, waiting for its turn (Move.Why says why)
	MoveRunning    MoveState = "running"    // vCenter's task runs: Phase says which pass
	MoveSwitchover MoveState = "switchover" // the last pass: the VM is stunned and switched over
	MoveCancelling MoveState = "cancelling" // CancelTask sent; vCenter has not ended the task yet
	MoveDone       MoveState = "done"       // the VM runs at the target
	MoveFailed     MoveState = "failed"     // the task failed: Err says why; the VM stays at the source
	MoveCancelled  MoveState = "cancelled"  // cancelled by an operator: the VM stays at the source
)

// Active reports whether the move has not ended.
func (s MoveState) Active() bool {
	switch s {
	case MoveQueued, MoveRunning, MoveSwitchover, MoveCancelling:
		return true
	}
	return false
}

// MoveTarget is where a move sends its VM, by MoRef and name at the target site.
type MoveTarget struct {
	Cluster     Ref    `json:"cluster_ref"`
	ClusterName string `json:"cluster"`
	Host        Ref    `json:"host_ref"`
	HostName    string `json:"host"`
	// Pool and Folder are read at the target when the move starts (zero until then).
	Pool   Ref `json:"resource_pool_ref"`
	Folder Ref `json:"folder_ref"`
	// Datastore receives the VM's files; Datastores maps each source datastore MoRef value to
	// the target datastore for the disks on it.
	Datastore     Ref            `json:"datastore_ref"`
	DatastoreName string         `json:"datastore"`
	Datastores    map[string]Ref `json:"datastores,omitempty"`
	// Networks maps each source network MoRef value to the target port group, and
	// SwitchUUIDs each target port group's MoRef value to its distributed switch's UUID
	// (what a NIC's new backing names).
	Networks    map[string]Ref    `json:"networks,omitempty"`
	SwitchUUIDs map[string]string `json:"switch_uuids,omitempty"`
}

// Move is one VM's move across the DCI, as the engine tracks it.
type Move struct {
	ID           string     `json:"id"` // "mv-3": unique within the engine
	VM           VMKey      `json:"vm"`
	VMName       string     `json:"vm_name"`
	InstanceUUID string     `json:"instance_uuid"`
	From         SiteID     `json:"from"`
	To           SiteID     `json:"to"`
	Target       MoveTarget `json:"target"`
	Operator     Operator   `json:"operator"`
	// Acknowledged are the warnings the operator acknowledged for this VM ("CODE object").
	Acknowledged []string `json:"acknowledged,omitempty"`
	// Plan and Wave name the evacuation plan and its wave the move belongs to ("" and 0
	// for a move asked for on its own).
	Plan string `json:"plan,omitempty"`
	Wave int    `json:"wave,omitempty"`
	// Adopted is true for a move whose task was started by an earlier run of vmcross and
	// re-attached after a restart (its Queued and Started come from the journal).
	Adopted bool `json:"adopted,omitempty"`

	State MoveState `json:"state"`
	// Why says, while queued, what it waits for.
	Why string `json:"why,omitempty"`
	// Phase is vCenter's description of what the task does now ("pre-copy pass 2").
	Phase string `json:"phase,omitempty"`
	// Progress is the task's progress, 0 to 100; it never goes down.
	Progress int `json:"progress"`
	// Bytes is what the move sends (memory, and disks that move): the base of Rate and ETA.
	Bytes int64 `json:"bytes"`
	// RateMbps and ETA are derived from the progress over time (0 until two readings).
	RateMbps int64         `json:"rate_mbps,omitempty"`
	ETA      time.Duration `json:"eta,omitempty"`
	// Task is the RelocateVM_Task at the source vCenter (zero while queued).
	Task Ref    `json:"task_ref"`
	Err  string `json:"error,omitempty"`
	// TargetVM is the VM's MoRef at the target once done.
	TargetVM Ref `json:"target_vm_ref"`

	Queued  time.Time `json:"queued"`
	Started time.Time `json:"started,omitzero"`
	Ended   time.Time `json:"ended,omitzero"`
}

// Duration is how long the move ran (or has run, at now).
func (m Move) Duration(now time.Time) time.Duration {
	if m.Started.IsZero() {
		return 0
	}
	if !m.Ended.IsZero() {
		return m.Ended.Sub(m.Started)
	}
	return now.Sub(m.Started)
}

// MoveSkipped is a VM asked to move that was not queued, and why ("blocked: FT_ENABLED").
type MoveSkipped struct {
	VM     VMKey  `json:"vm"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// MigrateResult is what a migrate request queued and what it left out.
type MigrateResult struct {
	Moves   []Move        `json:"moves"`
	Skipped []MoveSkipped `json:"skipped"`
}
