package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// preflightFlags select the VMs and the target.
type preflightFlags struct {
	vms      []string
	hosts    []string
	clusters []string
	to       string
	profile  string
	asJSON   bool
	rules    bool
}

// fabricWait bounds how long preflight waits for the switches' first round, so the DCI rules
// judge fresh data.
const fabricWait = 15 * time.Second

func newPreflightCmd() *cobra.Command {
	var src sourceFlags
	var f preflightFlags
	cmd := &cobra.Command{
		Use:   "preflight (--vm NAME... | --host HOST | --cluster CLUSTER) --to SITE",
		Short: "Judge moving VMs to the other site: what blocks, what warns (for scripts)",
		Long: `Judge moving VMs to the other site with the console's rules: the DCI (VLANs carried,
RTT, MTU, errors), vCenter (RDM on shared SCSI buses, ISOs, datastores, port groups, EVC,
vMotion, fault tolerance, snapshots, names, capacity) and the vMotion profile.

Exit status: 0 nothing blocks (warnings may remain), 3 something blocks, 1 it could not
judge (a site down), 2 a mistake in the command line or config.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.rules {
				return writeRules(cmd.OutOrStdout(), f.asJSON)
			}
			if f.to == "" {
				return &usageError{"--to SITE is required (the site to move the VMs to)"}
			}
			if len(f.vms)+len(f.hosts)+len(f.clusters) == 0 {
				return &usageError{"choose VMs with --vm NAME, --host HOST or --cluster CLUSTER"}
			}
			if f.profile != "" {
				if _, err := preflight.ProfileByName(f.profile); err != nil {
					return &usageError{"--profile: " + err.Error()}
				}
			}
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			return runPreflight(ctx, &src, &f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	src.register(cmd)
	cmd.Flags().StringSliceVar(&f.vms, "vm", nil, "a VM to move, by name (repeat, or NAME,NAME)")
	cmd.Flags().StringSliceVar(&f.hosts, "host", nil, "every VM on this host")
	cmd.Flags().StringSliceVar(&f.clusters, "cluster", nil, "every VM in this cluster")
	cmd.Flags().StringVar(&f.to, "to", "", "the site to move them to (its id, e.g. site-b)")
	cmd.Flags().StringVar(&f.profile, "profile", "", "vMotion profile: reference-2009, metro or long-distance (default: from the vCenters' versions)")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print JSON instead of a table")
	cmd.Flags().BoolVar(&f.rules, "rules", false, "list every rule (code, strongest severity, scope, what it checks) and exit")
	return cmd
}

// writeRules lists the rules preflight applies, and vCenter's own check.
func writeRules(w io.Writer, asJSON bool) error {
	rules := preflight.Rules()
	rules = append(rules, preflight.Rule{Code: preflight.CodeVCenterCheck, Severity: preflight.Block, Scope: preflight.ScopeVM,
		Summary: "what vCenter's own CheckRelocate_Task raises for the move (errors block, warnings warn)"})
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rules)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tSEVERITY\tSCOPE\tCHECKS")
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Code, r.Severity, r.Scope, r.Summary)
	}
	return tw.Flush()
}

func runPreflight(ctx context.Context, src *sourceFlags, f *preflightFlags, out, status io.Writer) error {
	_, eng, stop, err := startEngine(ctx, src, status, false)
	if err != nil {
		return err
	}
	defer stop()

	st := eng.Snapshot()
	to := model.SiteID(f.to)
	if err := knownSite(st, "--to", to); err != nil {
		return err
	}
	keys, err := selectVMs(st, to, f)
	if err != nil {
		return err
	}
	res, err := eng.Preflight(ctx, model.LocalOperator("cli"), preflight.Request{VMs: keys, To: to, Profile: f.profile})
	if err != nil {
		return err
	}
	if f.asJSON {
		err = writePreflightJSON(out, res)
	} else {
		err = writePreflightTable(out, res)
	}
	if err != nil {
		return err
	}
	if preflight.Worst(res.Findings) == preflight.Block {
		return &exitError{code: 3, msg: "something blocks the move (see the findings above)"}
	}
	return nil
}

// waitFabric waits, a bounded time, for the switches' first round when switches are
// configured.
func waitFabric(ctx context.Context, eng *backend.Engine) {
	if !eng.Snapshot().Fabric.Configured {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, fabricWait)
	defer cancel()
	for st := range eng.Subscribe(ctx) {
		if !st.Fabric.PolledAt.IsZero() {
			return
		}
	}
}

// selectVMs resolves the names to VMs at the site the VMs move from: the one that is not to.
func selectVMs(st model.State, to model.SiteID, f *preflightFlags) ([]model.VMKey, error) {
	var from model.SiteSnapshot
	for _, ss := range st.Sites {
		if ss.Status.ID != to {
			from = ss
		}
	}
	want := func(list []string, v string) bool {
		for _, x := range list {
			if strings.EqualFold(x, v) {
				return true
			}
		}
		return false
	}
	var keys []model.VMKey
	found := map[string]bool{}
	for _, vm := range from.VMs {
		if want(f.vms, vm.Name) || want(f.hosts, vm.Host) || want(f.clusters, vm.Cluster) {
			keys = append(keys, vm.Key)
			found[strings.ToLower(vm.Name)] = true
			found["host:"+strings.ToLower(vm.Host)] = true
			found["cluster:"+strings.ToLower(vm.Cluster)] = true
		}
	}
	for _, group := range []struct {
		prefix, what string
		names        []string
	}{{"", "VM", f.vms}, {"host:", "host with VMs", f.hosts}, {"cluster:", "cluster with VMs", f.clusters}} {
		for _, n := range group.names {
			if !found[group.prefix+strings.ToLower(n)] {
				return nil, &usageError{fmt.Sprintf("no %s named %q at %s (the VMs move from there to %s)", group.what, n, from.Status.ID, to)}
			}
		}
	}
	return keys, nil
}

// preflightJSON is `preflight --json`: stable field names for scripts.
type preflightJSON struct {
	From     model.SiteID        `json:"from"`
	To       model.SiteID        `json:"to"`
	Profile  string              `json:"profile"`
	Blocked  []string            `json:"blocked"` // names of the VMs something blocks
	VMs      []string            `json:"vms"`
	Findings []preflight.Finding `json:"findings"`
	Notes    []string            `json:"notes,omitempty"`
	// Targets say where each VM would go (cluster, host, datastores, port groups) and
	// Estimates what its move sends; Totals sum up what can move.
	Targets   []preflightTargetJSON `json:"targets"`
	Totals    preflight.Totals      `json:"totals"`
	Estimates []preflight.Estimate  `json:"estimates"`
}

// preflightTargetJSON is one VM's target, named.
type preflightTargetJSON struct {
	VM string `json:"vm"`
	preflight.Target
}

func writePreflightJSON(w io.Writer, res preflight.Result) error {
	j := preflightJSON{From: res.From, To: res.To, Profile: res.Profile.Name, Blocked: []string{}, VMs: []string{},
		Findings: res.Findings, Notes: res.Notes}
	if j.Findings == nil {
		j.Findings = []preflight.Finding{}
	}
	j.Totals, j.Estimates = res.Totals, res.Estimates
	if j.Estimates == nil {
		j.Estimates = []preflight.Estimate{}
	}
	j.Targets = []preflightTargetJSON{}
	for i, vm := range res.VMs {
		j.VMs = append(j.VMs, vm.Name)
		if preflight.Blocked(res.Findings, vm.Key) {
			j.Blocked = append(j.Blocked, vm.Name)
		}
		if i < len(res.Targets) {
			j.Targets = append(j.Targets, preflightTargetJSON{VM: vm.Name, Target: res.Targets[i]})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}

func writePreflightTable(w io.Writer, res preflight.Result) error {
	blocked := 0
	for _, vm := range res.VMs {
		if preflight.Blocked(res.Findings, vm.Key) {
			blocked++
		}
	}
	fmt.Fprintf(w, "Preflight: %d VMs from %s to %s, profile %s: %d blocked, %d can move\n",
		len(res.VMs), res.From, res.To, res.Profile.Name, blocked, len(res.VMs)-blocked)
	fmt.Fprintln(w, preflightTotalsLine(res.Totals))
	fmt.Fprintln(w)
	if len(res.Findings) == 0 {
		fmt.Fprintln(w, "No findings: nothing blocks, warns or needs noting.")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(res.Findings) > 0 {
		fmt.Fprintln(tw, "VM\tSEVERITY\tCODE\tMESSAGE\tREMEDY")
	}
	for _, f := range res.Findings {
		name := f.VMName
		if name == "" {
			name = "(all)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, f.Severity, f.Code, f.Message, f.Remedy)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range res.Notes {
		fmt.Fprintln(w, "\nnote:", n)
	}
	return nil
}

// preflightTotalsLine says what the movable VMs send across the DCI and about how long it
// takes: "To copy: 8.0 GiB memory, 40 GiB disk; at 18.8 Gbps free on the DCI: about 23s".
func preflightTotalsLine(t preflight.Totals) string {
	disk := humanBytes(t.DiskB) + " disk"
	if t.DiskUnknown > 0 {
		disk += fmt.Sprintf(" (+ %d VMs' disks unknown)", t.DiskUnknown)
	}
	bw := fmt.Sprintf("%s free on the DCI", humanMbps(t.BandwidthMbps))
	if !t.BandwidthMeasured {
		bw = fmt.Sprintf("%s (the profile's minimum; the DCI's bandwidth is not measured)", humanMbps(t.BandwidthMbps))
	}
	return fmt.Sprintf("To copy: %s memory, %s; at %s: about %s (first pre-copy pass; memory the guests dirty meanwhile adds to it)",
		humanBytes(t.MemoryB), disk, bw, t.Duration)
}

func humanBytes(b int64) string {
	g := float64(b) / (1 << 30)
	if g < 10 {
		return fmt.Sprintf("%.1f GiB", g)
	}
	return fmt.Sprintf("%.0f GiB", g)
}

func humanMbps(n int64) string {
	if n >= 1000 {
		return fmt.Sprintf("%.1f Gbps", float64(n)/1000)
	}
	return fmt.Sprintf("%d Mbps", n)
}
