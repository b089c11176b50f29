package main

import (
	"context"
	"encoding/json"
	"errors"
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
		Long: fmt.Sprintf(`Poll every configured switch once, the way the console does, and print each switch,
each DCI trunk, the RTT across the DCI, whether every VLAN in use by a VM is carried end to
end (and why not), and the findings preflight will use.

A switch that does not answer is given up on after the connect timeout (%v: TCP, SSH
handshake, login) or a command's timeout (%v); SIGINT or SIGTERM stops the command within
a second.

Exit status:
  0  healthy: every switch answered and the DCI has no problem
  3  problems found: the DCI is down, or has findings of warn or block severity
  1  could not poll: a switch did not answer (the verdict is "unreachable"), or none could
     be polled, or the command was interrupted
  2  a mistake in the command line or the config file (no switches configured, say)

With --json the output is one object: "verdict" (healthy, problems, down or unreachable),
"exit_code", "not_answering" (the switches that did not answer), then the health itself
("dci" is the DCI's verdict); durations are written as Go durations ("5s", "2.134ms").`, fabric.DefaultConnectTimeout, fabric.DefaultTimeout),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			h, err := fabricStatus(ctx, &src, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			v := judgeStatus(h)
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(newStatusJSON(h, v)); err != nil {
					return err
				}
			} else if err := writeHealth(cmd.OutOrStdout(), h, time.Now()); err != nil {
				return err
			}
			return v.err()
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
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	updates := eng.Subscribe(ctx)
	eng.Start(ctx)
	defer eng.Close()
	if err := eng.WaitLoaded(ctx); err != nil {
		// The switches can still be judged; only VLANs of VMs that did not load are missed.
		fmt.Fprintf(status, "vmcross: warning: %v\n", err)
	}
	var last fabric.Health
	for st := range updates {
		last = st.Fabric
		if polledAll(st.Fabric) && coversVMs(st) {
			return st.Fabric, nil
		}
	}
	if parent.Err() != nil {
		return fabric.Health{}, errors.New("interrupted")
	}
	return fabric.Health{}, fmt.Errorf("no complete poll of the switches within %v (still waiting on %s): %w",
		loadTimeout, strings.Join(pendingSwitches(last), ", "), ctx.Err())
}

// polledAll reports whether a poll round has ended and every switch has answered, or
// failed, at least once.
func polledAll(h fabric.Health) bool {
	return !h.PolledAt.IsZero() && len(pendingSwitches(h)) == 0
}

// pendingSwitches are the switches that have neither answered nor failed yet.
func pendingSwitches(h fabric.Health) []string {
	var out []string
	for _, sw := range h.Switches {
		if sw.Pending || (sw.LastPoll.IsZero() && sw.Err == "") {
			out = append(out, sw.Name)
		}
	}
	return out
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

// statusVerdict is what `fabric status` concludes from a Health: a word for scripts, the
// exit status, and the switches that did not answer.
type statusVerdict struct {
	word         string // healthy, problems, down, unreachable
	code         int    // 0, 3, 3, 1
	notAnswering []string
	dci          fabric.Verdict
}

// The verdicts of `fabric status`.
const (
	verdictHealthy     = "healthy"
	verdictProblems    = "problems"
	verdictDown        = "down"
	verdictUnreachable = "unreachable"
)

// judgeStatus reads fabric's verdict for the command. A switch that did not answer comes
// first: the picture is incomplete, whatever the rest says.
func judgeStatus(h fabric.Health) statusVerdict {
	v := statusVerdict{word: verdictHealthy, dci: h.Verdict}
	for _, sw := range h.Switches {
		if !sw.Reachable {
			v.notAnswering = append(v.notAnswering, sw.Name)
		}
	}
	switch {
	case len(v.notAnswering) > 0 || len(h.Switches) == 0:
		v.word, v.code = verdictUnreachable, 1
	case h.Verdict.Down:
		v.word, v.code = verdictDown, 3
	case h.Verdict.Problems > 0:
		v.word, v.code = verdictProblems, 3
	}
	return v
}

// err is the command's error for its exit status: nil when healthy.
func (v statusVerdict) err() error {
	switch v.word {
	case verdictUnreachable:
		what := "no switch could be polled"
		if n := len(v.notAnswering); n == 1 {
			what = v.notAnswering[0] + " is not answering"
		} else if n > 1 {
			what = strings.Join(v.notAnswering, ", ") + " are not answering"
		}
		return &exitError{code: v.code, msg: what + ": the DCI could not be fully checked (see above)"}
	case verdictHealthy:
		return nil
	}
	if v.word == verdictDown {
		return &exitError{code: v.code, msg: "the DCI is down: nothing crosses it (see the findings above)"}
	}
	return &exitError{code: v.code, msg: "the DCI has " + verdictWords(v.dci) + " (see the findings above)"}
}

// exitError is an outcome that is not a failure of the command but has its own exit
// status (ExitCode): `fabric status` found problems, say.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// ExitCode is the process's exit status for this outcome.
func (e *exitError) ExitCode() int { return e.code }

// statusJSON is `fabric status --json`: the verdict first, then the Health, with every
// duration written as a Go duration ("5s", "2.134ms") rather than nanoseconds. The fields
// declared here shadow the embedded Health's fields of the same JSON name (encoding/json
// picks the shallowest), so the Health's own verdict appears as "dci".
type statusJSON struct {
	Verdict      string   `json:"verdict"`
	ExitCode     int      `json:"exit_code"`
	NotAnswering []string `json:"not_answering,omitempty"`
	fabric.Health
	DCI      fabric.Verdict `json:"dci"`
	Interval string         `json:"poll_interval"`
	RTTs     []rttJSON      `json:"rtt,omitempty"`
	Limits   limitsJSON     `json:"limits"`
}

type rttJSON struct {
	fabric.RTT
	Avg string `json:"avg"`
	Max string `json:"max"`
}

type limitsJSON struct {
	fabric.Limits
	RTTBudget string `json:"rtt_budget"`
	RTTLimit  string `json:"rtt_limit"`
}

func newStatusJSON(h fabric.Health, v statusVerdict) statusJSON {
	out := statusJSON{Verdict: v.word, ExitCode: v.code, NotAnswering: v.notAnswering, Health: h, DCI: h.Verdict,
		Interval: h.Interval.String(),
		Limits:   limitsJSON{Limits: h.Limits, RTTBudget: h.Limits.RTTBudget.String(), RTTLimit: h.Limits.RTTLimit.String()}}
	for _, r := range h.RTTs {
		out.RTTs = append(out.RTTs, rttJSON{RTT: r, Avg: r.Avg.String(), Max: r.Max.String()})
	}
	return out
}

func writeHealth(w io.Writer, h fabric.Health, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	heading := verdictWords(h.Verdict)
	if v := judgeStatus(h); len(v.notAnswering) > 0 {
		heading = fmt.Sprintf("%d of %d switches NOT ANSWERING (%s); %s", len(v.notAnswering), len(h.Switches),
			strings.Join(v.notAnswering, ", "), heading)
	}
	fmt.Fprintf(tw, "DCI fabric, polled %s (every %v): %s\n\n", h.PolledAt.Format("15:04:05"), h.Interval, heading)

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
		if !sw.Reachable && !sw.Since.IsZero() {
			last += fmt.Sprintf(" (not answering for %s)", now.Sub(sw.Since).Round(time.Second))
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

	if b := h.Bandwidth; b.Known {
		fmt.Fprintf(tw, "\nBANDWIDTH\t%s free of %s (%s used; %d of %d DCI members up)\n",
			fabric.FormatMbps(b.FreeMbps()), fabric.FormatMbps(b.CapacityMbps), fabric.FormatMbps(b.UsedMbps), b.MembersUp, b.Members)
	} else {
		fmt.Fprintln(tw, "\nBANDWIDTH\tnot measured")
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
