package model

import "time"

// PlanState is where an evacuation plan stands as a whole.
type PlanState string

// Plan states. Running and Paused are active: the plan's journal says to carry on after a
// restart (`vmcross migrate --resume`). Done and Stopped have ended.
const (
	PlanRunning PlanState = "running" // its waves are handed out in order
	PlanPaused  PlanState = "paused"  // nothing more is handed out; its queued moves are taken back, the running ones go on
	PlanDone    PlanState = "done"    // every VM of the plan has ended: done, failed, cancelled or skipped
	// PlanStopped: the engine refused to go on (the audit log cannot be written, the operator
	// may not move VMs): Why says why. Its journal can be resumed once that is fixed.
	PlanStopped PlanState = "stopped"
)

// Active reports whether the plan has not ended.
func (s PlanState) Active() bool { return s == PlanRunning || s == PlanPaused }

// PlanVMState is where one VM of a plan stands.
type PlanVMState string

// A plan VM's states. Pending and Submitted, Moving are not final: a VM is never left in
// them when its plan is done.
const (
	PlanVMPending PlanVMState = "pending" // its wave has not been handed out
	// PlanVMSubmitted: handed to the engine (its move is queued or its task about to start);
	// the journal records it before the engine is asked, so a restart looks for its task.
	PlanVMSubmitted PlanVMState = "submitted"
	PlanVMMoving    PlanVMState = "moving"    // its vCenter task runs (Move names the move)
	PlanVMDone      PlanVMState = "done"      // it runs at the target site
	PlanVMFailed    PlanVMState = "failed"    // its move failed, or it could not be started: Why
	PlanVMCancelled PlanVMState = "cancelled" // its move was cancelled: it stays at its source
	PlanVMSkipped   PlanVMState = "skipped"   // left out: blocked, a warning not acknowledged, not found (Why)
)

// Final reports whether the VM's part of the plan has ended.
func (s PlanVMState) Final() bool {
	switch s {
	case PlanVMDone, PlanVMFailed, PlanVMCancelled, PlanVMSkipped:
		return true
	}
	return false
}

// PlanVM is one VM of a running plan, as the console lists it.
type PlanVM struct {
	Name         string `json:"name"`
	InstanceUUID string `json:"instance_uuid,omitempty"`
	// VM is the VM at the plan's source site (its MoRef there).
	VM    VMKey       `json:"vm"`
	Wave  int         `json:"wave"`
	State PlanVMState `json:"state"`
	// Move is the id of its move in this engine ("" before it is handed out, or for a VM
	// settled without one: found at the target, skipped).
	Move string `json:"move,omitempty"`
	// Why says why it was skipped or failed, or how it was settled ("found at site-b").
	Why string `json:"why,omitempty"`
	// Progress is its move's progress, 0 to 100.
	Progress int `json:"progress"`
	// TargetVM is its MoRef at the target site once done.
	TargetVM Ref `json:"target_vm_ref"`
}

// PlanStatus is what the console shows of one plan: the engine's Plans publishes one per
// plan it runs or ran.
type PlanStatus struct {
	ID       string    `json:"id"`
	From     SiteID    `json:"from"`
	To       SiteID    `json:"to"`
	Operator Operator  `json:"operator"` // who started it
	State    PlanState `json:"state"`
	// Why says what the plan waits for, or why it stopped.
	Why string `json:"why,omitempty"`
	// Wave is the number (as the plan file has it) of the wave running, or last run; 0
	// before the first. WaveIndex is its position (1-based) among the plan's Waves.
	Wave      int `json:"wave"`
	WaveIndex int `json:"wave_index"`
	Waves     int `json:"waves"`
	// Adopted is true for a plan re-attached after a restart of vmcross.
	Adopted bool `json:"adopted,omitempty"`
	// Predicted is the plan's makespan as predicted when it started (0: not predicted).
	Predicted time.Duration `json:"predicted,omitempty"`
	Started   time.Time     `json:"started"`
	Ended     time.Time     `json:"ended,omitzero"`
	// Journal is the file the plan's state is kept in.
	Journal string   `json:"journal"`
	VMs     []PlanVM `json:"vms"`
}

// Count is the number of the plan's VMs in state s.
func (s PlanStatus) Count(st PlanVMState) int {
	n := 0
	for _, v := range s.VMs {
		if v.State == st {
			n++
		}
	}
	return n
}
