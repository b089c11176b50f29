package preflight

import "github.com/vmcross/vmcross/backend/model"

// Request asks for one preflight: which VMs (all at one site), to which site, under which
// profile, with the operator's choices of targets.
type Request struct {
	VMs []model.VMKey `json:"vms"`
	To  model.SiteID  `json:"to"`
	// Profile names the vMotion profile; "" is the configured one, else the one both
	// vCenters' API versions allow.
	Profile string `json:"profile,omitempty"`
	// Overrides are the operator's choices of target cluster, host, datastore and port
	// groups, per VM.
	Overrides map[model.VMKey]Override `json:"overrides,omitempty"`
}
