package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
	"github.com/vmcross/vmcross/backend/preflight"
)

// planFlags choose what `vmcross plan` plans.
type planFlags struct {
	preflightFlags
	site        string
	out         string
	waveSize    int
	waveSet     bool // --wave-size was given: it overrides the config's plan: wave_size
	orders      []string
	id          string
	concurrency int
}

func newPlanCmd() *cobra.Command {
	var src sourceFlags
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan (--site SITE | --host HOST | --cluster CLUSTER | --vm NAME...) --to SITE [-o FILE]",
		Short: "Propose an evacuation plan in waves, as a YAML file to review and edit",
		Long: `Propose an evacuation plan: the selected VMs in waves, ordered by their order tag (the
vCenter custom attribute vmcross.order, or --order NAME-GLOB=N, else the config's plan:
orders: lower first; untagged VMs last; a wave holds one order only), the nodes of a
guest cluster (a DRS rule or VM group, a shared RDM LUN) in one wave, the biggest movers
spread over the waves (--wave-size, else the config's plan: wave_size, else 8 a wave).
Preflight judges every VM: one it blocks is listed as skipped, with why; the warnings of
the others are listed, and running the plan acknowledges them.

The plan is written as YAML (-o FILE, else to standard output) for the operator to review
and edit; then ` + "`vmcross migrate --plan FILE --dry-run`" + ` shows what would happen and the
predicted time, and ` + "`vmcross migrate --plan FILE --yes`" + ` runs it.

Exit status: 0 the plan was written; 1 it could not be made (a site down); 2 a mistake in
the command line or config.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.to == "" {
				return &usageError{"--to SITE is required (the site to move the VMs to)"}
			}
			if len(f.vms)+len(f.hosts)+len(f.clusters) == 0 && f.site == "" {
				return &usageError{"choose VMs with --site SITE, --host HOST, --cluster CLUSTER or --vm NAME"}
			}
			if f.site != "" && len(f.vms)+len(f.hosts)+len(f.clusters) > 0 {
				return &usageError{"--site takes every VM of the site: drop --host, --cluster and --vm, or drop --site"}
			}
			if f.profile != "" {
				if _, err := preflight.ProfileByName(f.profile); err != nil {
					return &usageError{"--profile: " + err.Error()}
				}
			}
			if err := intRange("wave-size", f.waveSize, 1, 1000, ""); err != nil {
				return err
			}
			f.waveSet = cmd.Flags().Changed("wave-size")
			if err := intRange("concurrency", f.concurrency, 0, 128, "moves at once, for the prediction; 0: the governor's limit"); err != nil {
				return err
			}
			if f.id != "" && !plan.ValidID(f.id) {
				return &usageError{fmt.Sprintf("--id %q: use lower-case letters, digits, '.', '_' and '-' (up to 100)", f.id)}
			}
			var rules []plan.OrderRule
			for _, o := range f.orders {
				r, err := plan.ParseOrderRule(o)
				if err != nil {
					return &usageError{"--order " + err.Error()}
				}
				rules = append(rules, r)
			}
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			return runPlan(ctx, &src, &f, rules, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	src.register(cmd)
	cmd.Flags().StringVar(&f.site, "site", "", "every VM of this `SITE` (evacuate it)")
	cmd.Flags().StringSliceVar(&f.hosts, "host", nil, "every VM on this host")
	cmd.Flags().StringSliceVar(&f.clusters, "cluster", nil, "every VM in this cluster")
	cmd.Flags().StringSliceVar(&f.vms, "vm", nil, "a VM, by name (repeat, or NAME,NAME)")
	cmd.Flags().StringVar(&f.to, "to", "", "the site to move them to (its id, e.g. site-b)")
	cmd.Flags().StringVarP(&f.out, "output", "o", "", "write the plan to `FILE` (default: standard output)")
	cmd.Flags().IntVar(&f.waveSize, "wave-size", plan.DefaultWaveSize, "VMs a wave holds (partners may make one bigger; default: the config's plan: wave_size, else 8)")
	cmd.Flags().StringArrayVar(&f.orders, "order", nil, "order VMs by name: `NAME-GLOB=N`, lower first (repeat; the first match wins; before the custom attribute vmcross.order; default: the config's plan: orders)")
	cmd.Flags().StringVar(&f.id, "id", "", "the plan's id (default evac-YYYYMMDD-HHMM-SCOPE)")
	cmd.Flags().StringVar(&f.profile, "profile", "", "vMotion profile: reference-2009, metro or long-distance (default: the config's, else from the vCenters' versions)")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 0, "moves running at once, for the predicted time (default: what the governor allows now)")
	return cmd
}

func runPlan(ctx context.Context, src *sourceFlags, f *planFlags, rules []plan.OrderRule, out, status io.Writer) error {
	s, eng, stop, err := startEngine(ctx, src, status, false)
	if err != nil {
		return err
	}
	defer stop()

	st := eng.Snapshot()
	to := model.SiteID(f.to)
	if err := knownSite(st, "--to", to); err != nil {
		return err
	}
	var keys []model.VMKey
	scope, selection := "", ""
	if f.site != "" {
		from := model.SiteID(f.site)
		if err := knownSite(st, "--site", from); err != nil {
			return err
		}
		if from == to {
			return &usageError{fmt.Sprintf("--site and --to are both %s: the VMs move to the other site", from)}
		}
		ss, _ := st.Site(from)
		for _, vm := range ss.VMs {
			keys = append(keys, vm.Key)
		}
		if len(keys) == 0 {
			return &usageError{fmt.Sprintf("%s has no VMs", from)}
		}
		scope, selection = f.site, "site "+f.site
	} else {
		if keys, err = selectVMs(st, to, &f.preflightFlags); err != nil {
			return err
		}
		switch {
		case len(f.hosts) > 0:
			scope, selection = f.hosts[0], "host "+strings.Join(f.hosts, ", ")
		case len(f.clusters) > 0:
			scope, selection = f.clusters[0], "cluster "+strings.Join(f.clusters, ", ")
		default:
			scope, selection = "vms", "VMs "+strings.Join(f.vms, ", ")
		}
		if len(f.hosts)+len(f.clusters) > 0 && len(f.vms) > 0 {
			selection += " and VMs " + strings.Join(f.vms, ", ")
		}
	}
	plans := newPlans(eng, s)
	defer plans.Close()
	// The flags override the config's plan: section.
	cfgOrders, cfgWaves := planConfig(s)
	if len(rules) == 0 {
		rules = cfgOrders
	}
	waveSize := f.waveSize
	if !f.waveSet && cfgWaves > 0 {
		waveSize = cfgWaves
	}
	prop, err := plans.Propose(ctx, model.LocalOperator("cli"), backend.ProposeRequest{VMs: keys, To: to, Profile: f.profile,
		WaveSize: waveSize, Orders: rules, ID: f.id, Scope: scope, Selection: selection, Concurrency: f.concurrency})
	if err != nil {
		return err
	}
	pl := prop.Plan
	if f.out != "" {
		if err := plan.Write(f.out, pl, prop.Annotations); err != nil {
			return fmt.Errorf("write the plan: %w", err)
		}
	} else {
		data, err := plan.Marshal(pl, prop.Annotations)
		if err != nil {
			return err
		}
		if _, err := out.Write(data); err != nil {
			return err
		}
	}
	where := "above"
	file := "FILE"
	if f.out != "" {
		where, file = "in "+f.out, f.out
	}
	fmt.Fprintf(status, "vmcross: plan %s %s: %d VMs from %s to %s in %d waves, %d skipped; predicted ≈ %s (%s).\n",
		pl.ID, where, pl.Count(), pl.From, pl.To, len(pl.Waves), len(pl.Skipped), plan.Human(prop.Prediction.Total), bandwidthNote(prop.Prediction.Assumptions))
	fmt.Fprintf(status, "vmcross: review and edit it, then `vmcross migrate --plan %s --dry-run`, and --yes to run it.\n", file)
	return nil
}

// bandwidthNote says what bandwidth a prediction assumed, briefly.
func bandwidthNote(a plan.Assumptions) string {
	if a.Measured {
		return humanMbps(a.BandwidthMbps) + " free on the DCI"
	}
	return humanMbps(a.BandwidthMbps) + ", the profile's minimum: the DCI is not measured"
}

// knownSite is a usage error for a site the engine does not have.
func knownSite(st model.State, flag string, id model.SiteID) error {
	if _, ok := st.Site(id); ok {
		return nil
	}
	var ids []string
	for _, ss := range st.Sites {
		ids = append(ids, string(ss.Status.ID))
	}
	return &usageError{fmt.Sprintf("%s %s: no such site (sites: %s)", flag, id, strings.Join(ids, ", "))}
}

// newPlans is the plans of eng for this source: journaled in planDir, proposed in the
// console with the config's plan: section.
func newPlans(eng *backend.Engine, s *source) *backend.Plans {
	plans := backend.NewPlans(eng, planDir(s))
	plans.SetOrders(planConfig(s))
	return plans
}

// planConfig is the config's plan: section: its order rules and wave size (0: default).
func planConfig(s *source) ([]plan.OrderRule, int) {
	if s.cfg == nil {
		return nil, 0
	}
	return s.cfg.PlanOrders(), s.cfg.Plan.WaveSize
}

// planDir is where plans' journals go: next to the configured audit log, else the default.
func planDir(s *source) string {
	if s.cfg != nil && s.cfg.AuditLog != "" {
		return filepath.Join(filepath.Dir(s.cfg.AuditLog), "plans")
	}
	return plan.DefaultDir()
}

// planJSON is `migrate --plan FILE --dry-run --json`.
type planJSON struct {
	Plan       plan.Plan           `json:"plan"`
	VMs        []planVMJSON        `json:"vms"`
	Findings   []preflight.Finding `json:"findings"`
	Notes      []string            `json:"notes,omitempty"`
	Totals     preflight.Totals    `json:"totals"`
	Prediction plan.Prediction     `json:"prediction"`
	// Assumptions says what the prediction rests on, in words.
	Assumptions string `json:"assumptions"`
	Blocked     int    `json:"blocked"`
	Moves       int    `json:"moves"`
	// Waits counts the VMs kept back now by what clears by itself (the DCI's load, an
	// outage): their wave would wait for it.
	Waits int `json:"waits"`
}

// planVMJSON is one VM's verdict in a dry run.
type planVMJSON struct {
	Wave  int    `json:"wave"`
	Name  string `json:"name"`
	MoRef string `json:"moref,omitempty"`
	Moves bool   `json:"moves"`
	Waits bool   `json:"waits,omitempty"`
	Why   string `json:"why,omitempty"`
}

// writePlanReview prints a dry run: the waves, each VM's verdict and target, what the plan
// skips, the findings, and the predicted makespan with its assumptions.
func writePlanReview(w io.Writer, rv backend.PlanReview, asJSON bool) error {
	pl := rv.Plan
	moves, blocked, waits := 0, 0, 0
	for _, v := range rv.Verdicts {
		switch {
		case v.Moves:
			moves++
		case v.Waits:
			waits++
		case strings.HasPrefix(v.Why, "blocked"):
			blocked++
		}
	}
	if asJSON {
		j := planJSON{Plan: pl, Findings: rv.Result.Findings, Notes: rv.Result.Notes, Totals: rv.Result.Totals, Prediction: rv.Prediction,
			Assumptions: rv.Prediction.Assumptions.String(), Blocked: blocked, Moves: moves, Waits: waits}
		if j.Findings == nil {
			j.Findings = []preflight.Finding{}
		}
		for _, v := range rv.Verdicts {
			j.VMs = append(j.VMs, planVMJSON{Wave: v.Wave, Name: v.Name, MoRef: v.VM.MoRef, Moves: v.Moves, Waits: v.Waits, Why: v.Why})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	}
	fmt.Fprintf(w, "Plan %s: %s → %s, %d VMs in %d waves, %d skipped by the plan", pl.ID, pl.From, pl.To, pl.Count(), len(pl.Waves), len(pl.Skipped))
	if rv.Result.Profile.Name != "" {
		fmt.Fprintf(w, " (profile %s)", rv.Result.Profile.Name)
	}
	fmt.Fprintln(w)
	if pl.ReverseOf != "" {
		fmt.Fprintf(w, "The way back of plan %s: each VM returns to the host, datastore and port groups it left.\n", pl.ReverseOf)
	}
	fmt.Fprintf(w, "Now: %d would move, %d blocked, %d would wait (for what clears by itself), %d left out for other reasons.\n\n",
		moves, blocked, waits, len(rv.Verdicts)-moves-blocked-waits)

	targets := map[model.VMKey]preflight.Target{}
	for i, vm := range rv.Result.VMs {
		if i < len(rv.Result.Targets) {
			targets[vm.Key] = rv.Result.Targets[i]
		}
	}
	waveTime := map[int]plan.WavePrediction{}
	for _, wp := range rv.Prediction.Waves {
		waveTime[wp.Wave] = wp
	}
	byName := map[string]plan.VM{}
	for _, v := range pl.VMs() {
		byName[v.Name] = v
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	wave := -1
	for _, v := range rv.Verdicts {
		if v.Wave != wave {
			wave = v.Wave
			wp := waveTime[wave]
			n := fmt.Sprintf("%d VMs move", wp.VMs)
			if wp.VMs == 1 {
				n = "1 VM moves"
			}
			fmt.Fprintf(tw, "Wave %d\t%s\t%s\t≈ %s\t\n", wave, n, plan.GiB(wp.Bytes), plan.Human(wp.Duration))
		}
		if v.Waits {
			fmt.Fprintf(tw, "  … %s\twaits: %s\t\t\t\n", v.Name, v.Why)
			continue
		}
		if !v.Moves {
			fmt.Fprintf(tw, "  ✗ %s\tstays: %s\t\t\t\n", v.Name, v.Why)
			continue
		}
		pv := byName[v.Name]
		fmt.Fprintf(tw, "  ✓ %s\t%s\t%s\t≈ %s alone\t\n", v.Name, plan.GiB(pv.Bytes()), plan.TargetLine(targets[v.VM]), plan.Human(rv.Prediction.Alone[v.Name]))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(pl.Skipped) > 0 {
		fmt.Fprintln(w, "\nSkipped by the plan:")
		for _, s := range pl.Skipped {
			fmt.Fprintf(w, "  %s: %s\n", s.Name, s.Reason)
		}
	}
	for _, n := range pl.Notes {
		fmt.Fprintln(w, "\nplan note:", n)
	}
	if len(rv.Result.VMs) > 0 {
		fmt.Fprintln(w)
		if err := writePreflightTable(w, rv.Result); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nPredicted makespan: ≈ %s for %d VMs in %d waves.\n", plan.Human(rv.Prediction.Total), moves, countWaves(rv.Prediction))
	fmt.Fprintf(w, "Assumptions: %s.\n", rv.Prediction.Assumptions)
	return nil
}

func countWaves(p plan.Prediction) int {
	n := 0
	for _, w := range p.Waves {
		if w.VMs > 0 {
			n++
		}
	}
	return n
}

// loadPlanFile reads a plan file; its mistakes are usage errors (exit 2) naming the line.
func loadPlanFile(path string) (plan.Plan, error) {
	pl, err := plan.Load(path)
	var pe *plan.Error
	if errors.As(err, &pe) {
		return plan.Plan{}, &usageError{pe.Error()}
	}
	return pl, err
}
