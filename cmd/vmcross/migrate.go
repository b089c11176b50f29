package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
	"github.com/vmcross/vmcross/backend/preflight"
)

type migrateFlags struct {
	preflightFlags
	yes bool
	// Plans: run a plan file, re-attach to interrupted plans, or bring a plan's VMs back.
	planFile    string
	dryRun      bool
	resume      bool
	reverse     string
	concurrency int
}

// planMode says whether the command runs a plan (--plan, --resume or --reverse).
func (f *migrateFlags) planMode() bool { return f.planFile != "" || f.resume || f.reverse != "" }

func newMigrateCmd() *cobra.Command {
	var src sourceFlags
	var f migrateFlags
	cmd := &cobra.Command{
		Use:   "migrate ((--vm NAME... | --host HOST | --cluster CLUSTER) --to SITE | --plan FILE | --resume [PLAN_ID] | --reverse PLAN_ID) [--dry-run] [--yes]",
		Short: "Move VMs to the other site (cross-vCenter vMotion), or run an evacuation plan, following each move live",
		Long: `Move VMs to the other site. Preflight runs first: a VM something blocks stays where it
is. Without --yes, the plan is shown and nothing moves; --yes starts the moves (it
acknowledges the warnings shown) and follows them until each has ended, one line per
progress change (--json: one JSON object per line, then a summary object).

--plan FILE runs an evacuation plan (made by ` + "`vmcross plan`" + `, edited at will): its waves
one after the other, each VM with the plan's target, acknowledging the warnings the plan
lists (a VM with another warning, or blocked now, stays: it is reported). --dry-run (or no
--yes) prints the waves, each VM's verdict and target, the findings and the predicted time,
and moves nothing. The plan's state is kept in a journal ($XDG_STATE_HOME/vmcross/plans):
if vmcross stops (Ctrl+C, kill -9, a crash), --resume re-attaches to the plan's running
moves by their vCenter tasks, settles what ended meanwhile, and carries on; no VM is ever
started twice. --reverse PLAN_ID brings the VMs a finished plan moved back to the host,
datastore and port groups they left (--dry-run or no --yes: show it; --yes: run it).

Stopping the command (Ctrl+C) stops following: the moves already started go on in vCenter
(and a plan waits for --resume).

Exit status: 0 every move done (or, without --yes, nothing blocks); 3 a VM was blocked or
left out; 1 a move failed or was cancelled, or the command could not run; 2 a mistake in the
command line, config or plan file.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkMigrateFlags(&f, args); err != nil {
				return err
			}
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			if f.planMode() {
				return runPlanMigrate(ctx, &src, &f, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			return runMigrate(ctx, &src, &f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	src.register(cmd)
	cmd.Flags().StringSliceVar(&f.vms, "vm", nil, "a VM to move, by name (repeat, or NAME,NAME)")
	cmd.Flags().StringSliceVar(&f.hosts, "host", nil, "every VM on this host")
	cmd.Flags().StringSliceVar(&f.clusters, "cluster", nil, "every VM in this cluster")
	cmd.Flags().StringVar(&f.to, "to", "", "the site to move them to (its id, e.g. site-b)")
	cmd.Flags().StringVar(&f.profile, "profile", "", "vMotion profile: reference-2009, metro or long-distance (default: the config's, else from the vCenters' versions)")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print JSON lines instead of text")
	cmd.Flags().BoolVar(&f.yes, "yes", false, "start the moves (without it, show the plan and move nothing)")
	cmd.Flags().StringVar(&f.planFile, "plan", "", "run the evacuation plan in `FILE` (made by vmcross plan)")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "with --plan or --reverse: print what would happen and the predicted time, and move nothing")
	cmd.Flags().BoolVar(&f.resume, "resume", false, "re-attach to the plans an earlier vmcross left running (or only PLAN_ID) and carry them on")
	cmd.Flags().StringVar(&f.reverse, "reverse", "", "bring back the VMs the finished plan `PLAN_ID` moved, to where they were")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 0, "moves running at once, for the predicted time (default: what the governor allows now)")
	return cmd
}

// checkMigrateFlags refuses flags that do not go together.
func checkMigrateFlags(f *migrateFlags, args []string) error {
	modes := 0
	for _, on := range []bool{f.planFile != "", f.resume, f.reverse != ""} {
		if on {
			modes++
		}
	}
	selection := len(f.vms)+len(f.hosts)+len(f.clusters) > 0
	switch {
	case modes > 1:
		return &usageError{"--plan, --resume and --reverse go alone: choose one"}
	case len(args) > 0 && !f.resume:
		return &usageError{fmt.Sprintf("migrate takes an argument only with --resume (a plan id), got %q", args[0])}
	case f.dryRun && f.yes:
		return &usageError{"--dry-run moves nothing and --yes moves: choose one"}
	case f.dryRun && modes == 0:
		return &usageError{"--dry-run goes with --plan or --reverse (without --yes, migrate moves nothing anyway)"}
	case f.dryRun && f.resume:
		return &usageError{"--resume re-attaches to running moves: it has no dry run"}
	case modes == 1 && (selection || f.to != "" || f.profile != ""):
		return &usageError{"a plan names its VMs, its target site and its profile: drop --vm, --host, --cluster, --to and --profile (edit the plan file instead)"}
	case modes == 1:
		return intRange("concurrency", f.concurrency, 0, 128, "moves at once, for the prediction; 0: the governor's limit")
	case f.to == "":
		return &usageError{"--to SITE is required (the site to move the VMs to), or run a plan with --plan FILE"}
	case !selection:
		return &usageError{"choose VMs with --vm NAME, --host HOST or --cluster CLUSTER, or run a plan with --plan FILE"}
	}
	if f.profile != "" {
		if _, err := preflight.ProfileByName(f.profile); err != nil {
			return &usageError{"--profile: " + err.Error()}
		}
	}
	return nil
}

// migrateLine is one JSON line of `migrate --json`: a move as it stands after a change.
type migrateLine struct {
	Time     time.Time       `json:"time"`
	ID       string          `json:"id"`
	VM       string          `json:"vm"`
	From     model.SiteID    `json:"from"`
	To       model.SiteID    `json:"to"`
	State    model.MoveState `json:"state"`
	Phase    string          `json:"phase,omitempty"`
	Progress int             `json:"progress"`
	RateMbps int64           `json:"rate_mbps,omitempty"`
	ETA      string          `json:"eta,omitempty"`
	Why      string          `json:"why,omitempty"`
	Error    string          `json:"error,omitempty"`
	Plan     string          `json:"plan,omitempty"`
	Wave     int             `json:"wave,omitempty"`
}

// migrateSummary is the last JSON line of `migrate --json`.
type migrateSummary struct {
	Summary struct {
		Done      []string            `json:"done"`
		Failed    []string            `json:"failed"`
		Cancelled []string            `json:"cancelled"`
		Skipped   []model.MoveSkipped `json:"skipped"`
		Duration  string              `json:"duration"`
		ExitCode  int                 `json:"exit_code"`
	} `json:"summary"`
}

func runMigrate(ctx context.Context, src *sourceFlags, f *migrateFlags, out, status io.Writer) error {
	_, eng, stop, err := startEngine(ctx, src, status, true)
	if err != nil {
		return err
	}
	defer stop()

	st := eng.Snapshot()
	to := model.SiteID(f.to)
	if err := knownSite(st, "--to", to); err != nil {
		return err
	}
	keys, err := selectVMs(st, to, &f.preflightFlags)
	if err != nil {
		return err
	}
	who := model.LocalOperator("cli")
	req := preflight.Request{VMs: keys, To: to, Profile: f.profile}
	res, err := eng.Preflight(ctx, who, req)
	if err != nil {
		return err
	}
	if !f.yes {
		if f.asJSON {
			err = writePreflightJSON(out, res)
		} else {
			err = writePreflightTable(out, res)
			fmt.Fprintf(out, "\nNothing was moved: add --yes to move the %d VMs nothing blocks (acknowledging their warnings).\n", res.Totals.Movable)
		}
		if err != nil {
			return err
		}
		if res.Totals.Blocked > 0 {
			return &exitError{code: 3, msg: fmt.Sprintf("%d of %d VMs are blocked (see the findings above)", res.Totals.Blocked, len(res.VMs))}
		}
		return nil
	}

	// --yes acknowledges every warning preflight shows for the VMs it lets move.
	acked := map[model.VMKey][]string{}
	for _, vm := range res.VMs {
		for _, fd := range preflight.Warnings(res.Findings, vm.Key) {
			acked[vm.Key] = append(acked[vm.Key], fd.Code+" "+fd.Object)
		}
	}
	sub, stop := context.WithCancel(ctx)
	defer stop()
	states := eng.Subscribe(sub)
	mr, err := eng.Migrate(ctx, who, req, acked)
	if err != nil {
		return err
	}
	for _, sk := range mr.Skipped {
		if !f.asJSON {
			fmt.Fprintf(out, "%s stays: %s\n", sk.Name, sk.Reason)
		}
	}
	ids := map[string]bool{}
	for _, m := range mr.Moves {
		ids[m.ID] = true
	}
	started := time.Now()
	rep := newMoveReporter(out, f.asJSON)
	report := rep.report
	ended := func(st model.State) bool {
		done := 0
		for _, m := range st.Moves {
			if ids[m.ID] {
				report(m)
				if !m.State.Active() {
					done++
				}
			}
		}
		return done == len(ids)
	}
	finished := len(ids) == 0 || ended(eng.Snapshot())
	for !finished {
		st, ok := <-states
		if !ok {
			break
		}
		finished = ended(st)
	}
	if ctx.Err() != nil && !finished {
		return &exitError{code: 1, msg: "stopped following: the moves already started go on in vCenter"}
	}

	var sum migrateSummary
	sum.Summary.Skipped = mr.Skipped
	if sum.Summary.Skipped == nil {
		sum.Summary.Skipped = []model.MoveSkipped{}
	}
	sum.Summary.Done, sum.Summary.Failed, sum.Summary.Cancelled = []string{}, []string{}, []string{}
	for _, m := range eng.Snapshot().Moves {
		if !ids[m.ID] {
			continue
		}
		switch m.State {
		case model.MoveDone:
			sum.Summary.Done = append(sum.Summary.Done, m.VMName)
		case model.MoveCancelled:
			sum.Summary.Cancelled = append(sum.Summary.Cancelled, m.VMName)
		default:
			sum.Summary.Failed = append(sum.Summary.Failed, m.VMName)
		}
	}
	code := 0
	switch {
	case len(sum.Summary.Failed)+len(sum.Summary.Cancelled) > 0:
		code = 1
	case len(mr.Skipped) > 0:
		code = 3
	}
	sum.Summary.Duration = time.Since(started).Round(time.Millisecond).String()
	sum.Summary.ExitCode = code
	if f.asJSON {
		_ = rep.enc.Encode(sum)
	} else {
		fmt.Fprintf(out, "\n%d done, %d failed, %d cancelled, %d left out, in %s\n", len(sum.Summary.Done), len(sum.Summary.Failed),
			len(sum.Summary.Cancelled), len(mr.Skipped), sum.Summary.Duration)
	}
	switch code {
	case 1:
		return &exitError{code: 1, msg: "a move failed or was cancelled"}
	case 3:
		return &exitError{code: 3, msg: "a VM was blocked or left out"}
	}
	return nil
}

// moveReporter prints a move's line each time its state, phase, progress or reason
// changes: text, or JSON lines.
type moveReporter struct {
	out    io.Writer
	asJSON bool
	enc    *json.Encoder
	last   map[string]model.Move
}

func newMoveReporter(out io.Writer, asJSON bool) *moveReporter {
	return &moveReporter{out: out, asJSON: asJSON, enc: json.NewEncoder(out), last: map[string]model.Move{}}
}

func (r *moveReporter) report(m model.Move) {
	prev, seen := r.last[m.ID]
	if seen && prev.State == m.State && prev.Phase == m.Phase && prev.Progress == m.Progress && prev.Why == m.Why {
		return
	}
	r.last[m.ID] = m
	if r.asJSON {
		l := migrateLine{Time: time.Now().UTC(), ID: m.ID, VM: m.VMName, From: m.From, To: m.To, State: m.State, Phase: m.Phase,
			Progress: m.Progress, RateMbps: m.RateMbps, Why: m.Why, Error: m.Err, Plan: m.Plan, Wave: m.Wave}
		if m.ETA > 0 {
			l.ETA = m.ETA.String()
		}
		_ = r.enc.Encode(l)
		return
	}
	line := fmt.Sprintf("%s %-8s %-20s %-11s %3d%%", time.Now().Format("15:04:05"), m.ID, m.VMName, m.State, m.Progress)
	if m.RateMbps > 0 {
		line += "  " + humanMbps(m.RateMbps)
	}
	if m.ETA > 0 {
		line += "  ETA " + m.ETA.String()
	}
	if m.Phase != "" {
		line += "  " + m.Phase
	}
	if m.Why != "" {
		line += "  (" + m.Why + ")"
	}
	if m.Err != "" {
		line += "  " + m.Err
	}
	fmt.Fprintln(r.out, line)
}

// runPlanMigrate runs a plan file (--plan), re-attaches to interrupted plans (--resume), or
// brings a finished plan's VMs back (--reverse).
func runPlanMigrate(ctx context.Context, src *sourceFlags, f *migrateFlags, args []string, out, status io.Writer) error {
	var pl plan.Plan
	if f.planFile != "" {
		var err error
		if pl, err = loadPlanFile(f.planFile); err != nil {
			return err
		}
	}
	s, eng, stop, err := startEngine(ctx, src, status, true)
	if err != nil {
		return err
	}
	defer stop()
	plans := newPlans(eng, s)
	defer plans.Close()
	who := model.LocalOperator("cli")

	if f.resume {
		return resumePlans(ctx, eng, plans, who, f, args, out, status)
	}
	if f.reverse != "" {
		prop, err := plans.Reverse(ctx, who, f.reverse, f.concurrency)
		if errors.Is(err, backend.ErrUnknownPlan) {
			return &usageError{fmt.Sprintf("--reverse %s: no journal of that plan in %s", f.reverse, plans.Dir())}
		}
		if err != nil {
			return err
		}
		pl = prop.Plan
	}
	st := eng.Snapshot()
	for _, site := range []model.SiteID{pl.From, pl.To} {
		if err := knownSite(st, "the plan's site", site); err != nil {
			return err
		}
	}
	if !f.yes {
		rv, err := plans.Review(ctx, who, pl, f.concurrency)
		if err != nil {
			return err
		}
		if err := writePlanReview(out, rv, f.asJSON); err != nil {
			return err
		}
		blocked := 0
		for _, v := range rv.Verdicts {
			if !v.Moves && !v.Waits && strings.HasPrefix(v.Why, "blocked") {
				blocked++
			}
		}
		if !f.asJSON {
			run := "vmcross migrate --plan " + f.planFile + " --yes"
			if f.reverse != "" {
				run = "vmcross migrate --reverse " + f.reverse + " --yes"
			}
			fmt.Fprintf(out, "\nNothing was moved (dry run): `%s` runs the plan.\n", run)
		}
		if blocked > 0 {
			return &exitError{code: 3, msg: fmt.Sprintf("%d of the plan's VMs are blocked now (see above)", blocked)}
		}
		return nil
	}
	ps, err := plans.Start(ctx, who, pl, backend.StartOptions{Concurrency: f.concurrency})
	if err != nil {
		return err
	}
	if !f.asJSON {
		fmt.Fprintf(out, "Plan %s: %d VMs from %s to %s in %d waves (predicted ≈ %s); journal %s\n", pl.ID, pl.Count(), pl.From, pl.To,
			len(pl.Waves), plan.Human(ps.Predicted), ps.Journal)
	}
	return followPlans(ctx, eng, plans, []string{pl.ID}, f.asJSON, out)
}

// resumePlans re-attaches to the plans an earlier vmcross left running (or the one named),
// lets a paused one go on, and follows them to their end.
func resumePlans(ctx context.Context, eng *backend.Engine, plans *backend.Plans, who model.Operator, f *migrateFlags, args []string, out, status io.Writer) error {
	list, jerr := plans.Journals()
	if jerr != nil {
		fmt.Fprintf(status, "vmcross: %v\n", oneLine(jerr.Error()))
	}
	var ids []string
	for _, ps := range list {
		resumable := ps.State.Active() || ps.State == model.PlanStopped
		switch {
		case len(args) > 0 && ps.ID == args[0] && !resumable:
			return &exitError{code: 1, msg: fmt.Sprintf("plan %s has ended (%s: %s): nothing to resume", ps.ID, ps.State, ps.Why)}
		case resumable && (len(args) == 0 || ps.ID == args[0]):
			ids = append(ids, ps.ID)
		}
	}
	if len(ids) == 0 {
		if len(args) > 0 {
			return &usageError{fmt.Sprintf("--resume %s: no journal of that plan in %s", args[0], plans.Dir())}
		}
		fmt.Fprintf(status, "vmcross: no interrupted plan in %s: nothing to resume\n", plans.Dir())
		return nil
	}
	for _, id := range ids {
		ps, err := plans.Adopt(ctx, who, id)
		if err != nil {
			return fmt.Errorf("re-attach to plan %s: %w", id, err)
		}
		if ps.State == model.PlanPaused {
			if err := plans.Resume(ctx, who, id); err != nil {
				return err
			}
		}
		if !f.asJSON {
			fmt.Fprintf(out, "Plan %s re-attached: %d moving, %d queued, %d done, %d failed, %d skipped, %d to go (journal %s)\n", id,
				ps.Count(model.PlanVMMoving), ps.Count(model.PlanVMSubmitted), ps.Count(model.PlanVMDone), ps.Count(model.PlanVMFailed),
				ps.Count(model.PlanVMSkipped), ps.Count(model.PlanVMPending), ps.Journal)
		}
	}
	return followPlans(ctx, eng, plans, ids, f.asJSON, out)
}

// planSummary is the last JSON line of `migrate --plan --json`, one per plan.
type planSummary struct {
	Summary struct {
		Plan      string              `json:"plan"`
		State     model.PlanState     `json:"state"`
		Done      []string            `json:"done"`
		Failed    []string            `json:"failed"`
		Cancelled []string            `json:"cancelled"`
		Skipped   []model.MoveSkipped `json:"skipped"`
		Duration  string              `json:"duration"`
		Predicted string              `json:"predicted,omitempty"`
		ExitCode  int                 `json:"exit_code"`
	} `json:"summary"`
}

// followPlans prints the plans' moves and waves until every plan has ended, then a summary
// of each, and returns the exit status they call for.
func followPlans(ctx context.Context, eng *backend.Engine, plans *backend.Plans, ids []string, asJSON bool, out io.Writer) error {
	started := time.Now()
	rep := newMoveReporter(out, asJSON)
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	sub, stop := context.WithCancel(ctx)
	defer stop()
	states := eng.Subscribe(sub)
	updates := plans.Subscribe(sub)
	wave := map[string]int{}
	why := map[string]string{}
	final := map[string]model.PlanStatus{}
	held := "" // the governor's pause, as last printed
	moves := func(st model.State) {
		for _, m := range st.Moves {
			if want[m.Plan] {
				rep.report(m)
			}
		}
		// The governor holds every plan while the DCI is down, stale or blocked: say so, and
		// when it lets them go on.
		if g := st.Governor.Paused; g != held && !asJSON {
			switch {
			case g != "":
				fmt.Fprintf(out, "%s plans %s paused: %s (no move starts; the running ones go on)\n", time.Now().Format("15:04:05"), strings.Join(ids, ", "), g)
			default:
				fmt.Fprintf(out, "%s plans %s go on: %s\n", time.Now().Format("15:04:05"), strings.Join(ids, ", "), st.Governor.Why)
			}
			held = g
		}
	}
	ended := func(list []model.PlanStatus) bool {
		for _, ps := range list {
			if !want[ps.ID] {
				continue
			}
			if ps.Wave != wave[ps.ID] && ps.Wave > 0 {
				wave[ps.ID] = ps.Wave
				if !asJSON {
					var names []string
					for _, v := range ps.VMs {
						if v.Wave == ps.Wave && v.State != model.PlanVMSkipped {
							names = append(names, v.Name)
						}
					}
					fmt.Fprintf(out, "%s plan %s wave %d (%d of %d): %s\n", time.Now().Format("15:04:05"), ps.ID, ps.Wave, ps.WaveIndex, ps.Waves, strings.Join(names, ", "))
				}
			}
			if ps.State.Active() && ps.Why != why[ps.ID] {
				why[ps.ID] = ps.Why
				if ps.Why != "" && !asJSON {
					fmt.Fprintf(out, "%s plan %s %s\n", time.Now().Format("15:04:05"), ps.ID, ps.Why)
				}
			}
			if !ps.State.Active() {
				final[ps.ID] = ps
			}
		}
		return len(final) == len(ids)
	}
	done := ended(plans.List())
	for !done {
		select {
		case st, ok := <-states:
			if !ok {
				states = nil
				continue
			}
			moves(st)
		case list, ok := <-updates:
			if !ok {
				updates = nil
				continue
			}
			done = ended(list)
		case <-ctx.Done():
		}
		if ctx.Err() != nil || (states == nil && updates == nil) {
			break
		}
	}
	moves(eng.Snapshot())
	if !done {
		return &exitError{code: 1, msg: fmt.Sprintf("stopped following: the moves already started go on in vCenter; `vmcross migrate --resume` carries on with plan %s", strings.Join(ids, ", "))}
	}
	code := 0
	for _, id := range ids {
		ps := final[id]
		var sum planSummary
		s := &sum.Summary
		s.Plan, s.State = id, ps.State
		s.Done, s.Failed, s.Cancelled, s.Skipped = []string{}, []string{}, []string{}, []model.MoveSkipped{}
		for _, v := range ps.VMs {
			switch v.State {
			case model.PlanVMDone:
				s.Done = append(s.Done, v.Name)
			case model.PlanVMCancelled:
				s.Cancelled = append(s.Cancelled, v.Name)
			case model.PlanVMSkipped:
				s.Skipped = append(s.Skipped, model.MoveSkipped{VM: v.VM, Name: v.Name, Reason: v.Why})
			default:
				s.Failed = append(s.Failed, v.Name+": "+v.Why)
			}
		}
		c := 0
		switch {
		case ps.State == model.PlanStopped || len(s.Failed)+len(s.Cancelled) > 0:
			c = 1
		case len(s.Skipped) > 0:
			c = 3
		}
		if c == 1 || (c == 3 && code == 0) {
			code = c
		}
		s.Duration = time.Since(started).Round(time.Millisecond).String()
		if ps.Predicted > 0 {
			s.Predicted = plan.Human(ps.Predicted)
		}
		s.ExitCode = c
		if asJSON {
			_ = rep.enc.Encode(sum)
			continue
		}
		fmt.Fprintf(out, "\nPlan %s %s: %d done, %d failed, %d cancelled, %d skipped, in %s", id, ps.State, len(s.Done), len(s.Failed),
			len(s.Cancelled), len(s.Skipped), s.Duration)
		if s.Predicted != "" {
			fmt.Fprintf(out, " (predicted ≈ %s)", s.Predicted)
		}
		fmt.Fprintln(out)
		if ps.State == model.PlanStopped {
			fmt.Fprintf(out, "  %s\n", ps.Why)
		}
		for _, x := range s.Failed {
			fmt.Fprintf(out, "  failed: %s\n", x)
		}
		for _, x := range s.Cancelled {
			fmt.Fprintf(out, "  cancelled: %s\n", x)
		}
		for _, x := range s.Skipped {
			fmt.Fprintf(out, "  stays: %s: %s\n", x.Name, x.Reason)
		}
	}
	switch code {
	case 1:
		return &exitError{code: 1, msg: "a move failed or was cancelled, or a plan stopped"}
	case 3:
		return &exitError{code: 3, msg: "a VM was blocked or left out"}
	}
	return nil
}
