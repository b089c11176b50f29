package server

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/ssh"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric"
)

// usage is what a session without a terminal may ask for.
const usage = `usage: ssh -t HOST              the console (needs a terminal)
       ssh HOST status [--json] the sites, the DCI's health, the moves and who is connected`

// command runs a session's command line: status, or help. Anything else (a shell, scp, a
// typo) gets the usage on stderr and exit status 2.
func (s *Server) command(sess ssh.Session, op model.Operator) {
	if _, winCh, ok := sess.Pty(); ok {
		go func() {
			for range winCh { // a command's output does not depend on the window
			}
		}()
	}
	args := sess.Command()
	if len(args) == 0 {
		fail(sess, exitUsage, "vmcross: cannot read the command %q\n%s", sess.RawCommand(), usage)
		return
	}
	switch args[0] {
	case "status":
		asJSON := false
		for _, a := range args[1:] {
			switch a {
			case "--json", "-json":
				asJSON = true
			default:
				fail(sess, exitUsage, "vmcross: status: unknown argument %q\n%s", a, usage)
				return
			}
		}
		st := s.eng.Snapshot()
		var err error
		if asJSON {
			err = writeStatusJSON(sess, st, time.Now())
		} else {
			err = writeStatus(sess, st, time.Now())
		}
		if err != nil {
			s.log.Info("ssh: status not sent", "user", op.Name, "err", err)
			_ = sess.Exit(1)
			return
		}
		_ = sess.Exit(0)
	case "help", "--help", "-h":
		fmt.Fprintln(sess, usage)
		_ = sess.Exit(0)
	default:
		fail(sess, exitUsage, "vmcross: unknown command %q\n%s", args[0], usage)
	}
}

// statusJSON is `status --json`: one object, stable field names.
type statusJSON struct {
	Time     time.Time       `json:"time"`
	ReadOnly bool            `json:"read_only"`
	Sites    []siteJSON      `json:"sites"`
	Fabric   fabricJSON      `json:"fabric"`
	Governor model.Governor  `json:"governor"`
	Moves    []moveJSON      `json:"moves"`
	Sessions []model.Session `json:"sessions"`
}

type siteJSON struct {
	ID        model.SiteID `json:"id"`
	Name      string       `json:"name"`
	VCenter   string       `json:"vcenter"`
	State     string       `json:"state"` // connected, connecting, disconnected, silent
	Since     time.Time    `json:"since"`
	DownSince time.Time    `json:"down_since,omitzero"`
	Error     string       `json:"error,omitempty"`
	VMs       int          `json:"vms"`
	// TLSUnverified: the config says insecure: true, so the vCenter's certificate is not
	// checked.
	TLSUnverified bool `json:"tls_unverified,omitempty"`
}

type fabricJSON struct {
	Configured bool `json:"configured"`
	// Verdict is healthy, problems, down, stale or "not configured".
	Verdict   string          `json:"verdict"`
	PolledAt  time.Time       `json:"polled_at,omitzero"`
	RTT       string          `json:"rtt,omitempty"` // the worst average across the DCI, a Go duration
	Bandwidth string          `json:"free_bandwidth,omitempty"`
	Switches  []switchJSON    `json:"switches"`
	Findings  []fabricFinding `json:"findings"`
}

type switchJSON struct {
	Name      string `json:"name"`
	Site      string `json:"site"`
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
}

type fabricFinding struct {
	Code     string          `json:"code"`
	Severity fabric.Severity `json:"severity"`
	Message  string          `json:"message"`
}

// moveJSON is a move as status lists it: the active ones, and those that ended in the last
// hour.
type moveJSON struct {
	ID       string          `json:"id"`
	VM       string          `json:"vm"`
	From     model.SiteID    `json:"from"`
	To       model.SiteID    `json:"to"`
	State    model.MoveState `json:"state"`
	Progress int             `json:"progress"`
	ETA      string          `json:"eta,omitempty"`
	Operator string          `json:"operator"`
	Plan     string          `json:"plan,omitempty"`
	Error    string          `json:"error,omitempty"`
	Ended    time.Time       `json:"ended,omitzero"`
}

// recentMoves is how long status keeps listing a move that ended.
const recentMoves = time.Hour

func newStatusJSON(st model.State, now time.Time) statusJSON {
	out := statusJSON{Time: now.UTC(), ReadOnly: st.ReadOnly, Governor: st.Governor, Sessions: st.Sessions,
		Sites: []siteJSON{}, Moves: []moveJSON{}}
	if out.Sessions == nil {
		out.Sessions = []model.Session{}
	}
	for _, ss := range st.Sites {
		s := ss.Status
		out.Sites = append(out.Sites, siteJSON{ID: s.ID, Name: s.Name, VCenter: s.Host, State: siteState(s),
			Since: s.Since, DownSince: s.DownSince, Error: s.Err, VMs: len(ss.VMs), TLSUnverified: s.Insecure})
	}
	h := st.Fabric
	f := fabricJSON{Configured: h.Configured, Verdict: fabricVerdict(h, now), PolledAt: h.PolledAt,
		Switches: []switchJSON{}, Findings: []fabricFinding{}}
	if rtt, ok := worstRTT(h); ok {
		f.RTT = rtt.String()
	}
	if h.Bandwidth.Known {
		f.Bandwidth = fabric.FormatMbps(h.Bandwidth.FreeMbps())
	}
	for _, sw := range h.Switches {
		f.Switches = append(f.Switches, switchJSON{Name: sw.Name, Site: sw.Site, Reachable: sw.Reachable, Error: sw.Err})
	}
	for _, fi := range h.Findings {
		f.Findings = append(f.Findings, fabricFinding{Code: fi.Code, Severity: fi.Severity, Message: fi.Message})
	}
	out.Fabric = f
	for _, m := range shownMoves(st.Moves, now) {
		mj := moveJSON{ID: m.ID, VM: m.VMName, From: m.From, To: m.To, State: m.State, Progress: m.Progress,
			Operator: m.Operator.Name, Plan: m.Plan, Error: m.Err, Ended: m.Ended}
		if m.ETA > 0 && m.State.Active() {
			mj.ETA = m.ETA.Round(time.Second).String()
		}
		out.Moves = append(out.Moves, mj)
	}
	return out
}

func writeStatusJSON(w io.Writer, st model.State, now time.Time) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(newStatusJSON(st, now))
}

// writeStatus prints the status for a person: the sites, the DCI in a line and its
// findings, the moves, who is connected.
func writeStatus(w io.Writer, st model.State, now time.Time) error {
	j := newStatusJSON(st, now)
	ro := ""
	if j.ReadOnly {
		ro = " (READ-ONLY)"
	}
	fmt.Fprintf(w, "vmcross at %s%s\n\n", now.Format(time.DateTime), ro)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SITE\tNAME\tVCENTER\tSTATE\tVMS")
	for _, s := range j.Sites {
		state := s.State
		if !s.DownSince.IsZero() {
			state += " for " + now.Sub(s.DownSince).Round(time.Second).String()
		}
		if s.Error != "" {
			state += ": " + oneLine(s.Error)
		}
		if s.TLSUnverified {
			state += " (⚠ TLS unverified)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", s.ID, s.Name, s.VCenter, state, s.VMs)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	f := j.Fabric
	line := "DCI: " + f.Verdict
	if f.Configured {
		up := 0
		for _, sw := range f.Switches {
			if sw.Reachable {
				up++
			}
		}
		line += fmt.Sprintf("; %d of %d switches answering", up, len(f.Switches))
		if f.RTT != "" {
			line += "; RTT " + f.RTT
		}
		if f.Bandwidth != "" {
			line += "; " + f.Bandwidth + " free"
		}
		if !f.PolledAt.IsZero() {
			line += "; polled " + f.PolledAt.Format("15:04:05")
		}
	}
	fmt.Fprintf(w, "\n%s\n", line)
	for _, fi := range f.Findings {
		fmt.Fprintf(w, "  %-5s %-22s %s\n", fi.Severity, fi.Code, oneLine(fi.Message))
	}

	g := j.Governor
	fmt.Fprintf(w, "\nMOVES: %d running, %d queued", g.Running, g.Queued)
	if g.Why != "" {
		fmt.Fprintf(w, "; %s", g.Why)
	}
	fmt.Fprintln(w)
	if len(j.Moves) > 0 {
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tVM\tFROM → TO\tSTATE\tPROGRESS\tETA\tOPERATOR")
		for _, m := range j.Moves {
			state := string(m.State)
			if m.Error != "" {
				state += ": " + oneLine(m.Error)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s → %s\t%s\t%d%%\t%s\t%s\n", m.ID, m.VM, m.From, m.To, state, m.Progress, dash(m.ETA), m.Operator)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "\nCONNECTED: %d\n", len(j.Sessions))
	for _, s := range j.Sessions {
		fmt.Fprintf(w, "  %s (%s) %s from %s, for %s\n", s.User, s.Role, s.From, s.Addr, now.Sub(s.Since).Round(time.Second))
	}
	return nil
}

// siteState is a site's connection state in a word.
func siteState(s model.SiteStatus) string {
	if s.State == model.Connected && s.Silent {
		return "silent"
	}
	return s.State.String()
}

// fabricVerdict is the DCI's verdict in a word.
func fabricVerdict(h fabric.Health, now time.Time) string {
	switch {
	case !h.Configured:
		return "not configured"
	case h.PolledAt.IsZero():
		return "not polled yet"
	case h.Stale(now):
		return "stale"
	case h.Verdict.Down:
		return "down"
	case h.Verdict.Problems > 0:
		return fmt.Sprintf("problems (%d, worst %s)", h.Verdict.Problems, h.Verdict.Worst)
	}
	return "healthy"
}

// worstRTT is the highest average round trip across the DCI that got replies.
func worstRTT(h fabric.Health) (time.Duration, bool) {
	var worst time.Duration
	ok := false
	for _, r := range h.RTTs {
		if r.OK && (!ok || r.Avg > worst) {
			worst, ok = r.Avg, true
		}
	}
	return worst, ok
}

// shownMoves are the moves status lists: the active ones, and those that ended within
// recentMoves of now.
func shownMoves(ms []model.Move, now time.Time) []model.Move {
	var out []model.Move
	for _, m := range ms {
		if m.State.Active() || (!m.Ended.IsZero() && now.Sub(m.Ended) < recentMoves) {
			out = append(out, m)
		}
	}
	return out
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
