package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

type migrateFlags struct {
	preflightFlags
	yes bool
}

func newMigrateCmd() *cobra.Command {
	var src sourceFlags
	var f migrateFlags
	cmd := &cobra.Command{
		Use:   "migrate (--vm NAME... | --host HOST | --cluster CLUSTER) --to SITE --yes",
		Short: "Move VMs to the other site (cross-vCenter vMotion), following each move live",
		Long: `Move VMs to the other site. Preflight runs first: a VM something blocks stays where it
is. Without --yes, the plan is shown and nothing moves; --yes starts the moves (it
acknowledges the warnings shown) and follows them until each has ended, one line per
progress change (--json: one JSON object per line, then a summary object).

Stopping the command (Ctrl+C) stops following: the moves already started go on in vCenter.

Exit status: 0 every move done (or, without --yes, nothing blocks); 3 a VM was blocked or
left out; 1 a move failed or was cancelled, or the command could not run; 2 a mistake in the
command line or config.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
	return cmd
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
	s, err := src.open(ctx, status)
	if err != nil {
		return err
	}
	defer s.Close()
	eng := s.engine()
	if err := s.enableAudit(eng); err != nil {
		return err
	}
	eng.Start(ctx)
	defer closeWithin(eng, quitWithin)
	wctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	if err := eng.WaitLoaded(wctx); err != nil {
		return err
	}
	waitFabric(ctx, eng)

	st := eng.Snapshot()
	to := model.SiteID(f.to)
	if _, ok := st.Site(to); !ok {
		var ids []string
		for _, ss := range st.Sites {
			ids = append(ids, string(ss.Status.ID))
		}
		return &usageError{fmt.Sprintf("--to %s: no such site (sites: %s)", f.to, strings.Join(ids, ", "))}
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
		for _, fd := range res.Findings {
			if fd.Severity == preflight.Warn && (fd.VM == vm.Key || fd.VM == (model.VMKey{})) {
				acked[vm.Key] = append(acked[vm.Key], fd.Code+" "+fd.Object)
			}
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
	last := map[string]model.Move{}
	enc := json.NewEncoder(out)
	report := func(m model.Move) {
		prev, seen := last[m.ID]
		if seen && prev.State == m.State && prev.Phase == m.Phase && prev.Progress == m.Progress && prev.Why == m.Why {
			return
		}
		last[m.ID] = m
		if f.asJSON {
			l := migrateLine{Time: time.Now().UTC(), ID: m.ID, VM: m.VMName, From: m.From, To: m.To, State: m.State, Phase: m.Phase,
				Progress: m.Progress, RateMbps: m.RateMbps, Why: m.Why, Error: m.Err}
			if m.ETA > 0 {
				l.ETA = m.ETA.String()
			}
			_ = enc.Encode(l)
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
		fmt.Fprintln(out, line)
	}
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
		_ = enc.Encode(sum)
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
