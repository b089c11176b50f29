package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vmcross/vmcross/backend/audit"
	"github.com/vmcross/vmcross/backend/model"
)

// historyOptions are `vmcross history`'s flags.
type historyOptions struct {
	asJSON bool
	path   string // --file; "" for the default path
	vm     string
	limit  int
	loc    *time.Location // the table's times are in this zone (the local one)
}

func newHistoryCmd() *cobra.Command {
	o := historyOptions{loc: time.Local}
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Print the audit log: who moved which VM where, when, and how it ended",
		Long: `Print the audit log, oldest first: every move (queued, started, done, failed,
cancelled) and every operator command (taken, done, failed, refused), with who asked.
A table in local time, or with --json the log's own JSON lines (one record a line, times
in UTC), filtered, for jq and scripts.
The log is ` + "`$XDG_STATE_HOME/vmcross/audit.log`" + ` (~/.local/state/vmcross/audit.log)
unless --file names another.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.limit < 0 {
				return &usageError{fmt.Sprintf("--limit %d is out of range: it takes a number of records, or 0 for all", o.limit)}
			}
			return runHistory(cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print the records as JSON lines, as the log holds them")
	cmd.Flags().StringVar(&o.path, "file", "", "the audit log to read (default $XDG_STATE_HOME/vmcross/audit.log)")
	cmd.Flags().StringVar(&o.vm, "vm", "", "only the records of this VM (its name or instance UUID)")
	cmd.Flags().IntVar(&o.limit, "limit", 0, "only the newest N records (after --vm); 0 for all")
	return cmd
}

func runHistory(stdout, stderr io.Writer, o historyOptions) error {
	path := o.path
	if path == "" {
		if path = audit.DefaultPath(); path == "" {
			return errors.New("no audit log path: neither XDG_STATE_HOME nor HOME is set; name the log with --file")
		}
	}
	recs, skipped, err := audit.Read(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && o.path == "":
		// Nothing recorded yet is not a failure. With --json, stdout stays empty for scripts.
		msg := stdout
		if o.asJSON {
			msg = stderr
		}
		fmt.Fprintf(msg, "No history yet: moves and commands are recorded in %s once the console or serve runs them.\n", path)
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("audit log %s: no such file; check the --file path", path)
	case err != nil:
		return fmt.Errorf("cannot read the audit log: %v; check the file and its permissions", err)
	}
	if skipped > 0 {
		fmt.Fprintf(stderr, "vmcross: skipped %d damaged line(s) in %s (a write cut short, by a crash?)\n", skipped, path)
	}
	recs = filterHistory(recs, o.vm, o.limit)
	if o.asJSON {
		return writeHistoryJSON(stdout, recs)
	}
	if len(recs) == 0 {
		if o.vm != "" {
			fmt.Fprintf(stdout, "No records of VM %q in %s.\n", o.vm, path)
		} else {
			fmt.Fprintf(stdout, "No records in %s yet.\n", path)
		}
		return nil
	}
	return writeHistoryTable(stdout, recs, o.loc)
}

// filterHistory keeps the records of vm (by name, case aside, or instance UUID; all when
// vm is ""), then the newest limit of them (all when limit is 0), oldest first.
func filterHistory(recs []model.AuditRecord, vm string, limit int) []model.AuditRecord {
	if vm != "" {
		var kept []model.AuditRecord
		for _, r := range recs {
			if r.VM != nil && (strings.EqualFold(r.VM.Name, vm) || (r.VM.InstanceUUID != "" && strings.EqualFold(r.VM.InstanceUUID, vm))) {
				kept = append(kept, r)
			}
		}
		recs = kept
	}
	if limit > 0 && len(recs) > limit {
		recs = recs[len(recs)-limit:]
	}
	return recs
}

// writeHistoryJSON prints one record a line, exactly as the audit log holds them: the
// output of a filter is itself an audit log, and `jq` reads it line by line.
func writeHistoryJSON(w io.Writer, recs []model.AuditRecord) error {
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
			return err
		}
	}
	return nil
}

// writeHistoryTable prints the records oldest first, times in loc. The result comes last:
// a failure's reason is the longest cell.
func writeHistoryTable(w io.Writer, recs []model.AuditRecord, loc *time.Location) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tOPERATOR\tACTION\tVM\tFROM → TO\tDURATION\tRESULT")
	for _, r := range recs {
		action, vm, route := r.Action, "", ""
		if r.Action == model.AuditCommand {
			// A command: its name, and what it was about where the VM goes.
			action, vm = string(r.Command), r.Object
			if vm == "" {
				vm = string(r.Site)
			}
		}
		if r.VM != nil {
			vm = r.VM.Name
		}
		if r.From != "" || r.To != "" {
			route = string(r.From) + " → " + string(r.To)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Time.In(loc).Format(time.DateTime), dash(r.Operator.Name),
			dash(action), dash(vm), dash(route), dash(historyDuration(r.Duration)), dash(oneLine(r.Result)))
	}
	return tw.Flush()
}

// historyDuration is a move's duration as a person reads it: whole seconds, or
// milliseconds under a second.
func historyDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
