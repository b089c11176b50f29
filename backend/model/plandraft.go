package model

import "time"

// PlanScope is what an operator selected to evacuate in the console: VMs of one site (a
// host's, a cluster's, a whole site's, or picked one by one), to the other site.
type PlanScope struct {
	VMs []VMKey
	To  SiteID
	// Scope names the selection briefly, for the plan's id ("esx-a01-02", "A-01", "site-a").
	Scope string
	// Selection says how the VMs were chosen, for the plan ("host esx-a01-02.mia.example.net").
	Selection string
}

// PlanDraft is a proposed plan as the console shows it before it starts: its waves, what it
// leaves out and why, and the predicted makespan. Nothing has moved. The engine keeps the
// plan behind it (by ID) until it is started or replaced, and writes it as YAML to File so
// the operator can read or edit it (and run the edited file with `vmcross migrate --plan`).
type PlanDraft struct {
	ID        string          `json:"id"`
	From      SiteID          `json:"from"`
	To        SiteID          `json:"to"`
	Selection string          `json:"selection"`
	Waves     []PlanDraftWave `json:"waves"`
	Skipped   []PlanDraftSkip `json:"skipped,omitempty"`
	// Warnings is how many warnings ("CODE object") starting the plan acknowledges.
	Warnings int `json:"warnings"`
	// Predicted is the makespan predicted under Assumptions ("8 at once, 18.8 Gbps free on
	// the DCI").
	Predicted   time.Duration `json:"predicted"`
	Assumptions string        `json:"assumptions"`
	Notes       []string      `json:"notes,omitempty"`
	// File is where the plan's YAML was written ("" when it could not be: Notes says why).
	File string `json:"file,omitempty"`
}

// Count is the number of VMs the draft's waves move.
func (d PlanDraft) Count() int {
	n := 0
	for _, w := range d.Waves {
		n += len(w.VMs)
	}
	return n
}

// PlanDraftWave is one wave of a draft.
type PlanDraftWave struct {
	Wave int `json:"wave"`
	// VMs are the names of the wave's VMs, in the plan's order.
	VMs []string `json:"vms"`
	// Bytes is what the wave sends across the DCI: memory, and disks that move.
	Bytes int64 `json:"bytes"`
	// Predicted is the wave's predicted time.
	Predicted time.Duration `json:"predicted"`
}

// PlanDraftSkip is a selected VM the draft leaves where it is, and why.
type PlanDraftSkip struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}
