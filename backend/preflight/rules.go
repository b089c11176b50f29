package preflight

import (
	"sort"
	"time"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric"
)

// Severity says how much a finding matters; preflight shares the fabric's severities.
type Severity = fabric.Severity

// Severities, strongest first. A block cannot be overridden; a warning is acknowledged per
// VM; info is for the record.
const (
	Block = fabric.SeverityBlock
	Warn  = fabric.SeverityWarn
	Info  = fabric.SeverityInfo
)

// Finding codes. They are stable: the review, the CLI's JSON and scripts match on them.
const (
	// From the DCI.
	CodeFabricNotConfigured = "FABRIC_NOT_CONFIGURED"
	CodeFabricStale         = "FABRIC_STALE"
	CodeDCIDown             = "DCI_DOWN"
	CodeOTVAdjacencyDown    = "OTV_ADJACENCY_DOWN"
	CodeRTTOverBudget       = "RTT_OVER_BUDGET"
	CodeRTTUnknown          = "RTT_UNKNOWN"
	CodeMTULow              = "MTU_LOW"
	CodeDCIErrorsRising     = "DCI_ERRORS_RISING"
	CodeVLANNotExtended     = "VLAN_NOT_EXTENDED"
	CodeVLANUnverified      = "VLAN_UNVERIFIED"
	CodeVMotionVLAN         = "VMOTION_VLAN_NOT_EXTENDED"
	CodeBandwidthLow        = "BANDWIDTH_LOW"
	// From vCenter.
	CodeSiteUnreachable    = "SITE_UNREACHABLE"
	CodeDetailsMissing     = "DETAILS_MISSING"
	CodeDetailsStale       = "DETAILS_STALE"
	CodeNameConflict       = "NAME_CONFLICT"
	CodeClusterMissing     = "CLUSTER_MISSING"
	CodeVMotionDisabled    = "VMOTION_DISABLED"
	CodeCPUEVCMismatch     = "CPU_EVC_MISMATCH"
	CodePortGroupMissing   = "PORTGROUP_MISSING"
	CodeDatastoreNotShared = "DATASTORE_NOT_SHARED"
	CodeISOConnected       = "ISO_CONNECTED"
	CodeRDMBusSharing      = "RDM_BUS_SHARING"
	CodeRDMPhysical        = "RDM_PHYSICAL"
	CodeFTEnabled          = "FT_ENABLED"
	CodeSnapshots          = "SNAPSHOTS"
	CodeTargetCapacity     = "TARGET_CAPACITY"
	CodeHostConcurrency    = "HOST_CONCURRENCY"
	CodeHWVersion          = "HW_VERSION_UNSUPPORTED"
	// CodeVCenterCheck is what vCenter's own CheckRelocate_Task raised (an error blocks, a
	// warning warns); the engine asks it, not Check.
	CodeVCenterCheck = "VCENTER_CHECK"
	CodePoweredOff   = "POWERED_OFF"
)

// Finding is one thing preflight says about a move.
type Finding struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	// VM is the VM the finding is about; zero for a finding about the whole selection (a
	// site, the DCI, a target cluster), which applies to every selected VM.
	VM      model.VMKey `json:"vm,omitzero"`
	VMName  string      `json:"vm_name,omitempty"`
	Object  string      `json:"object"`  // what it names: "vlan 120", "Hard disk 2", "cluster sjc-prod"
	Message string      `json:"message"` // a sentence naming the object
	Remedy  string      `json:"remedy"`  // what to do about it
}

// Selected is one VM to move, with its details when they were fetched.
type Selected struct {
	VM      model.VM
	Details *model.VMDetails // nil: not fetched (DETAILS_MISSING)
}

// Input is everything the rules judge.
type Input struct {
	VMs    []Selected
	Source model.SiteSnapshot // where the VMs are
	Target model.SiteSnapshot // where they would go
	// Mapping is the configured mapping; Targets, the operator's choices in the review,
	// override it for the VMs they name. The rest are mapped with MapVM.
	Mapping Mapping
	Targets map[model.VMKey]Target
	Fabric  fabric.Health // judged (fabric.Judge), as the monitor publishes it
	// DCIAvailableMbps is, when DCIAvailableKnown, the DCI bandwidth vmcross's moves may
	// use as the governor judges it (model.Governor.AvailableMbps): the DCI's capacity less
	// the traffic that is not vmcross's own moves'. BANDWIDTH_LOW judges by it, so that
	// vmcross's own running moves do not hold up the next ones (the governor queues those);
	// without it, by the fabric's free bandwidth.
	DCIAvailableMbps  int64
	DCIAvailableKnown bool
	Profile           Profile
	Now               time.Time
}

// Scope says what a rule looks at.
type Scope string

// Scopes of rules.
const (
	ScopeSelection Scope = "selection" // the sites, the DCI, the selection as a whole
	ScopeVM        Scope = "vm"        // one VM at a time
)

// Rule describes one rule, for documentation and the CLI's --explain.
type Rule struct {
	Code string `json:"code"`
	// Severity is the strongest severity the rule gives (some give a weaker one in milder
	// cases: ISO_CONNECTED, DATASTORE_NOT_SHARED).
	Severity Severity `json:"severity"`
	Scope    Scope    `json:"scope"`
	Summary  string   `json:"summary"`
}

// rule is a row of the rule table: a code, its severity and the function that finds it.
// The function fills Object, Message and Remedy, and Severity when it differs from the row's;
// Check fills the rest.
type rule struct {
	Rule
	selection func(r *run) []Finding
	vm        func(r *run, v *vmRun) []Finding
}

// Rules lists every rule Check applies, in the order of the table.
func Rules() []Rule {
	t := table()
	out := make([]Rule, len(t))
	for i, r := range t {
		out[i] = r.Rule
	}
	return out
}

// table is the rule table. It is built on each call, never held in a package variable.
func table() []rule {
	sel := func(code string, sev Severity, summary string, f func(*run) []Finding) rule {
		return rule{Rule: Rule{Code: code, Severity: sev, Scope: ScopeSelection, Summary: summary}, selection: f}
	}
	vm := func(code string, sev Severity, summary string, f func(*run, *vmRun) []Finding) rule {
		return rule{Rule: Rule{Code: code, Severity: sev, Scope: ScopeVM, Summary: summary}, vm: f}
	}
	return []rule{
		sel(CodeSiteUnreachable, Block, "a site's vCenter is not connected and answering: vMotion is disaster avoidance, not recovery", siteUnreachable),
		sel(CodeDCIDown, Block, "nothing crosses the DCI", dciDown),
		sel(CodeOTVAdjacencyDown, Block, "an OTV edge has no adjacency: no VLAN is extended", otvDown),
		sel(CodeRTTOverBudget, Block, "the DCI round trip is above the profile's maximum", rttOverBudget),
		sel(CodeRTTUnknown, Warn, "the DCI round trip is not measured", rttUnknown),
		sel(CodeVMotionVLAN, Block, "the vMotion network is not one VLAN carried across the DCI (profiles that need it)", vmotionVLANNotExtended),
		sel(CodeBandwidthLow, Block, "the DCI has less bandwidth for moves than one vMotion needs (block), or than the selection's moves side by side (info); vmcross's own moves are not counted against it", bandwidthLow),
		sel(CodeMTULow, Warn, "a DCI trunk's MTU is below jumbo frames", mtuLow),
		sel(CodeDCIErrorsRising, Warn, "a DCI link is taking CRC or input errors", errorsRising),
		sel(CodeFabricNotConfigured, Warn, "no DCI switches are configured: nothing vouches for the DCI", fabricNotConfigured),
		sel(CodeFabricStale, Warn, "the DCI's data is too old to vouch for it", fabricStale),
		sel(CodeTargetCapacity, Warn, "a target cluster lacks memory headroom for the whole selection", targetCapacity),
		sel(CodeHostConcurrency, Info, "more VMs on one host than vSphere moves at once: moves will queue", hostConcurrency),

		vm(CodeDetailsMissing, Warn, "the VM's details were not fetched: disks, CD drives, snapshots and FT are unchecked", detailsMissing),
		vm(CodeDetailsStale, Warn, "the VM's details predate its configuration", detailsStale),
		vm(CodeNameConflict, Block, "a VM of the same name exists at the target", nameConflict),
		vm(CodeClusterMissing, Block, "no target cluster for the VM", clusterMissing),
		vm(CodeVMotionDisabled, Block, "no usable vMotion host at the source or in the target cluster", vmotionDisabled),
		vm(CodeCPUEVCMismatch, Block, "the target cluster's CPUs cannot run what the VM sees (vendor or EVC baseline)", cpuMismatch),
		vm(CodeHWVersion, Block, "the VM's virtual hardware version is too old for ESXi, or newer than the target hosts run", hwVersionUnsupported),
		vm(CodeVLANNotExtended, Block, "a VM's VLAN is not carried end to end (local VLANs included)", vlanNotExtended),
		vm(CodeVLANUnverified, Warn, "a VM's VLAN cannot be checked on the DCI", vlanUnverified),
		vm(CodePortGroupMissing, Block, "no target port group for a VM's network", portGroupMissing),
		vm(CodeDatastoreNotShared, Block, "a VM's datastore is not mounted at the target: block when storage may not move, else warn", datastoreNotShared),
		vm(CodeISOConnected, Block, "a connected ISO: block when the target hosts cannot reach its datastore, else warn", isoConnected),
		vm(CodeRDMBusSharing, Block, "an RDM disk on a bus-sharing controller (a guest cluster)", rdmBusSharing),
		vm(CodeRDMPhysical, Warn, "a physical-mode RDM: the target hosts must see the LUN", rdmPhysical),
		vm(CodeFTEnabled, Block, "fault tolerance is on", ftEnabled),
		vm(CodeSnapshots, Warn, "the VM has snapshots", snapshots),
		vm(CodePoweredOff, Info, "the VM is not running: a cold migration", poweredOff),
	}
}

// run is one Check: the input and its indexes.
type run struct {
	in        *Input
	vms       []vmRun // the selected VMs with their targets
	mp        *mapper
	targetVMs map[string]bool // names of the target site's VMs
}

// vmRun is one selected VM within a run.
type vmRun struct {
	vm *model.VM
	d  *model.VMDetails
	t  Target
}

// Check applies every rule to the input and returns the findings, sorted: blocks first,
// then warnings, then info; within a severity by VM name (selection-wide findings first),
// code and object.
func Check(in Input) []Finding {
	if len(in.VMs) == 0 {
		return nil
	}
	r := &run{in: &in, mp: newMapper(in.Source, in.Target, in.Mapping), targetVMs: make(map[string]bool, len(in.Target.VMs))}
	for _, vm := range in.Target.VMs {
		r.targetVMs[vm.Name] = true
	}
	vms := make([]vmRun, len(in.VMs))
	for i := range in.VMs {
		s := &in.VMs[i]
		t, ok := in.Targets[s.VM.Key]
		if !ok {
			t = r.mp.target(s.VM, Override{})
		}
		vms[i] = vmRun{vm: &s.VM, d: s.Details, t: t}
	}
	r.vms = vms
	var out []Finding
	for _, ru := range table() {
		fill := func(fs []Finding, v *vmRun) {
			for _, f := range fs {
				f.Code = ru.Code
				if f.Severity == "" {
					f.Severity = ru.Severity
				}
				if v != nil {
					f.VM, f.VMName = v.vm.Key, v.vm.Name
				}
				out = append(out, f)
			}
		}
		if ru.selection != nil {
			fill(ru.selection(r), nil)
			continue
		}
		for i := range vms {
			fill(ru.vm(r, &vms[i]), &vms[i])
		}
	}
	sortFindings(out)
	return out
}

// Merge adds findings from elsewhere (vCenter's own checks) to Check's, in Check's order.
func Merge(fs, more []Finding) []Finding {
	out := append(append(make([]Finding, 0, len(fs)+len(more)), fs...), more...)
	sortFindings(out)
	return out
}

// sortFindings orders findings for the operator.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if ra, rb := rank(a.Severity), rank(b.Severity); ra != rb {
			return ra < rb
		}
		if a.VMName != b.VMName {
			return a.VMName < b.VMName
		}
		if a.VM != b.VM {
			return a.VM.String() < b.VM.String()
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Object < b.Object
	})
}

func rank(s Severity) int {
	switch s {
	case Block:
		return 0
	case Warn:
		return 1
	case Info:
		return 2
	}
	return 3
}

// Blocked reports whether the VM may not move: a finding about it, or about the whole
// selection, blocks.
func Blocked(fs []Finding, vm model.VMKey) bool {
	for _, f := range fs {
		if f.Severity == Block && (f.VM == vm || f.VM == (model.VMKey{})) {
			return true
		}
	}
	return false
}

// Warnings are the warnings that apply to the VM: its own, and those about the whole
// selection (what acknowledging a VM's warnings covers).
func Warnings(fs []Finding, vm model.VMKey) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Severity == Warn && (f.VM == vm || f.VM == (model.VMKey{})) {
			out = append(out, f)
		}
	}
	return out
}

// Worst is the strongest severity among the findings; empty when there are none.
func Worst(fs []Finding) Severity {
	var w Severity
	for _, f := range fs {
		if w == "" || rank(f.Severity) < rank(w) {
			w = f.Severity
		}
	}
	return w
}
