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

	"github.com/vmcross/vmcross/backend/config"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric"
	"github.com/vmcross/vmcross/fabric/parse"
)

func newFabricStatusCmd() *cobra.Command {
	var src sourceFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Poll every switch once and print the DCI's health",
		Long: `Poll every configured switch once, the way the console does, and print each switch,
each DCI trunk, the RTT across the DCI, whether every VLAN in use by a VM is carried end to
end (and why not), and the findings preflight will use.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			h, err := fabricStatus(ctx, &src, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(h)
			}
			return writeHealth(cmd.OutOrStdout(), h, time.Now())
		},
	}
	src.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of text")
	return cmd
}

// fabricStatus starts the engine with its fabric monitor and returns the health of the
// first poll round that covers the VLANs of the loaded inventory.
func fabricStatus(ctx context.Context, src *sourceFlags, status io.Writer) (fabric.Health, error) {
	s, err := src.open(ctx, status)
	if err != nil {
		return fabric.Health{}, err
	}
	defer s.Close()
	if len(s.switches) == 0 {
		return fabric.Health{}, &config.Error{File: s.cfg.Path, Field: "switches", Msg: "none configured",
			Fix: "add a switches: section (see README.md), or try --lab"}
	}
	eng := s.engine()
	ctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	updates := eng.Subscribe(ctx)
	eng.Start(ctx)
	defer eng.Close()
	if err := eng.WaitLoaded(ctx); err != nil {
		// The switches can still be judged; only VLANs of VMs that did not load are missed.
		fmt.Fprintf(status, "vmcross: warning: %v\n", err)
	}
	for st := range updates {
		if polledAll(st.Fabric) && coversVMs(st) {
			return st.Fabric, nil
		}
	}
	return fabric.Health{}, fmt.Errorf("the switches did not all answer within %v: %w", loadTimeout, ctx.Err())
}

// polledAll reports whether every switch has been polled, or failed, at least once.
func polledAll(h fabric.Health) bool {
	if h.PolledAt.IsZero() {
		return false
	}
	for _, sw := range h.Switches {
		if sw.LastPoll.IsZero() && sw.Err == "" {
			return false
		}
	}
	return true
}

// coversVMs reports whether the health has an opinion on every VLAN a loaded VM uses.
func coversVMs(st model.State) bool {
	for _, ss := range st.Sites {
		for _, vm := range ss.VMs {
			for _, v := range vm.VLANs {
				if _, ok := st.Fabric.VLAN(v); !ok {
					return false
				}
			}
		}
	}
	return true
}

func writeHealth(w io.Writer, h fabric.Health, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "DCI fabric, polled %s (every %v): %s\n\n", h.PolledAt.Format("15:04:05"), h.Interval, verdictWords(h.Verdict))

	fmt.Fprintln(tw, "SWITCH\tSITE\tROLE\tPLATFORM\tADDRESS\tSTATE\tLAST POLL")
	for _, sw := range h.Switches {
		state := "reachable"
		if !sw.Reachable {
			state = "UNREACHABLE: " + sw.Err
		}
		last := "never"
		if !sw.LastPoll.IsZero() {
			last = now.Sub(sw.LastPoll).Round(time.Second).String() + " ago"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sw.Name, sw.Site, sw.Role, sw.Platform, sw.Address, state, last)
	}

	fmt.Fprintln(tw, "\nTRUNK\tSTATUS\tMEMBERS\tMTU\tALLOWED\tFORWARDING")
	for _, t := range h.Trunks {
		status := t.Status
		if t.Unknown {
			status = "no data"
		}
		var members []string
		for _, m := range t.Members {
			s := m.Name + " " + m.State
			if m.Rising {
				s += " (errors rising)"
			}
			members = append(members, s)
		}
		mtu := fmt.Sprint(t.MTU)
		if t.MTULow {
			mtu += fmt.Sprintf(" (<%d)", h.Limits.MinMTU)
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%d/%d\t%s\t%s\t%s\n", t.Switch, t.Interface, status, t.MembersUp(), len(t.Members),
			mtu, parse.FormatVLANList(t.Allowed), parse.FormatVLANList(t.Forwarding))
		if len(members) > 0 {
			fmt.Fprintf(tw, "  %s\t\t\t\t\t\n", strings.Join(members, ", "))
		}
	}

	if len(h.RTTs) > 0 {
		fmt.Fprintln(tw, "\nRTT\tAVG\tMAX\tLOSS")
		for _, r := range h.RTTs {
			if !r.OK {
				fmt.Fprintf(tw, "%s → %s\tno reply\t\t%.0f%%\n", r.From, r.To, r.Loss)
				continue
			}
			judged := ""
			switch {
			case r.OverLimit:
				judged = "  OVER the " + h.Limits.RTTLimit.String() + " limit"
			case r.OverBudget:
				judged = "  over the " + h.Limits.RTTBudget.String() + " budget"
			}
			fmt.Fprintf(tw, "%s → %s\t%s\t%s\t%.0f%%%s\n", r.From, r.To, ms(r.Avg), ms(r.Max), r.Loss, judged)
		}
	}

	fmt.Fprintln(tw, "\nVLAN\tCARRIED\tWHY NOT")
	for _, v := range h.VLANs {
		carried := "yes"
		switch {
		case v.Unknown:
			carried = "unknown"
		case v.Local:
			carried = "no (local)"
		case !v.Carried:
			carried = "NO"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", v.ID, carried, strings.Join(v.Reasons, "; "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nFINDINGS")
	if len(h.Findings) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, f := range h.Findings {
		fmt.Fprintf(w, "  %-5s %-22s %s\n", f.Severity, f.Code, f.Message)
	}
	return nil
}

// verdictWords is fabric's verdict on the DCI in a few words, for the heading.
func verdictWords(v fabric.Verdict) string {
	switch {
	case v.Down:
		return "DOWN"
	case v.Problems == 1:
		return fmt.Sprintf("1 problem (worst: %s)", v.Worst)
	case v.Problems > 1:
		return fmt.Sprintf("%d problems (worst: %s)", v.Problems, v.Worst)
	}
	return "healthy"
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
