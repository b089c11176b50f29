package preflight

import "github.com/vmcross/vmcross/backend/model"

// Result is what preflight judged for a selection: the profile it judged with, where each
// VM would go, and the findings. The engine builds it (Engine.Preflight); the console's
// review and the CLI show it.
type Result struct {
	From, To model.SiteID
	Profile  Profile
	VMs      []model.VM
	Targets  []Target
	Findings []Finding
	// Estimates are, per VM in the order of VMs, what its move sends across the DCI and how
	// long that takes; Totals sum them up over the VMs nothing blocks.
	Estimates []Estimate
	Totals    Totals
	// Overrides are the operator's choices the targets were chosen with.
	Overrides map[model.VMKey]Override
	// Notes say what preflight could not ask: vcsim has no CheckRelocate_Task or
	// QueryVMotionCompatibility_Task, which a real vCenter's answers would add to.
	Notes []string
}
