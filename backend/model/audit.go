package model

import (
	"encoding/json"
	"fmt"
	"time"
)

// AuditTimeFormat is how an audit record writes its time: RFC 3339 in UTC with milliseconds,
// so lines sort as text and every record has the same width of time.
const AuditTimeFormat = "2006-01-02T15:04:05.000Z07:00"

// Audit actions besides the move event kinds ("move.queued" … "move.cancelled"), which are
// written as they are.
const (
	// AuditCommand is an operator command (Command says which) taken, done, failed or
	// refused: Result says which.
	AuditCommand = "command"
	// AuditGap says the audit writer fell so far behind the engine that events were dropped
	// before it could write them: the log misses some actions around this record.
	AuditGap = "gap"
)

// Audit results: how an action stood when it was recorded. A failed or refused one is
// written "failed: <error>" or "refused: <reason>" (see AuditFailed, AuditRefused).
const (
	AuditOK        = "ok"        // a command done, a move done (the VM runs at the target)
	AuditQueued    = "queued"    // a move accepted, waiting for its turn
	AuditStarted   = "started"   // a move's task runs; a command was taken
	AuditCancelled = "cancelled" // a move cancelled: the VM stays at the source
	AuditMissed    = "missed"    // a gap: Error says how many events were lost
)

// AuditFailed is the result of an action that failed with err ("failed" when err is empty).
func AuditFailed(err string) string {
	if err == "" {
		return "failed"
	}
	return "failed: " + err
}

// AuditRefused is the result of a command the engine refused for reason ("refused" when
// reason is empty).
func AuditRefused(reason string) string {
	if reason == "" {
		return "refused"
	}
	return "refused: " + reason
}

// AuditRecord is one line of the audit log: one action, who took it and how it stood. The
// JSON field names are a stable interface (scripts, `vmcross history --json`); empty fields
// are left out.
type AuditRecord struct {
	// Time is when it happened. JSON: "time", RFC 3339 in UTC with milliseconds
	// ("2025-03-01T02:14:07.031Z").
	Time time.Time `json:"-"`
	// Seq is the event's sequence number in the engine's stream: it restarts at 1 each time
	// an engine starts, so it orders records within one run.
	Seq uint64 `json:"seq"`
	// Operator is who acted: name, where from ("local terminal", "ssh SHA256:…") and role.
	Operator Operator `json:"operator"`
	// Action is what happened: a move event's kind ("move.queued", "move.started",
	// "move.done", "move.failed", "move.cancelled"), AuditCommand for any other operator
	// command, or AuditGap.
	Action string `json:"action"`
	// Command is the command's name ("reconnect-site", "migrate") for AuditCommand records.
	Command Command `json:"command,omitempty"`
	// Site and Object are what a command was about ("site-b"; "switches").
	Site   SiteID `json:"site,omitempty"`
	Object string `json:"object,omitempty"`
	// Move is the move's id ("mv-3") for move records.
	Move string `json:"move,omitempty"`
	// VM is the moved VM: name, instance UUID (the same at both sites) and its MoRef at the
	// source.
	VM *AuditVM `json:"vm,omitempty"`
	// From and To are the source and target sites of a move.
	From SiteID `json:"from,omitempty"`
	To   SiteID `json:"to,omitempty"`
	// Target is where at the target site the VM goes, by name.
	Target *AuditTarget `json:"target,omitempty"`
	// Acknowledged are the preflight warnings the operator acknowledged for this VM, each
	// "CODE object".
	Acknowledged []string `json:"acknowledged,omitempty"`
	// Task is the RelocateVM_Task's MoRef value at the source vCenter ("task-812"), once the
	// move started.
	Task string `json:"task,omitempty"`
	// Result is how the action stood: AuditOK, AuditQueued, AuditStarted, AuditCancelled,
	// "failed: <error>", "refused: <reason>" or, for a gap, AuditMissed.
	Result string `json:"result"`
	// Error is the error or refusal alone, for failed and refused actions (and a gap's count).
	Error string `json:"error,omitempty"`
	// Duration is how long a move ran, from its task's start to its end, on the records of
	// moves that ended after starting (zero otherwise). JSON: "duration", a Go duration
	// rounded to the millisecond ("2m3.456s").
	Duration time.Duration `json:"-"`
}

// AuditVM names a VM in the audit log.
type AuditVM struct {
	Name         string `json:"name"`
	InstanceUUID string `json:"instance_uuid,omitempty"`
	MoRef        string `json:"moref,omitempty"`
}

// AuditTarget is where a move sends its VM at the target site, by name.
type AuditTarget struct {
	Cluster   string `json:"cluster,omitempty"`
	Host      string `json:"host,omitempty"`
	Datastore string `json:"datastore,omitempty"`
}

// auditJSON is an AuditRecord as written: time first, the duration as text.
type auditJSON struct {
	Time string `json:"time"`
	*auditPlain
	Duration string `json:"duration,omitempty"`
}

// auditPlain is AuditRecord without its JSON methods.
type auditPlain AuditRecord

// MarshalJSON writes the record's line, time first.
func (r AuditRecord) MarshalJSON() ([]byte, error) {
	j := auditJSON{Time: r.Time.UTC().Format(AuditTimeFormat), auditPlain: (*auditPlain)(&r)}
	if r.Duration != 0 {
		j.Duration = r.Duration.Round(time.Millisecond).String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a line written by MarshalJSON.
func (r *AuditRecord) UnmarshalJSON(b []byte) error {
	var rec AuditRecord
	j := auditJSON{auditPlain: (*auditPlain)(&rec)}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, j.Time)
	if err != nil {
		return fmt.Errorf("audit record time %q: %w", j.Time, err)
	}
	rec.Time = t.UTC()
	if j.Duration != "" {
		if rec.Duration, err = time.ParseDuration(j.Duration); err != nil {
			return fmt.Errorf("audit record duration %q: %w", j.Duration, err)
		}
	}
	*r = rec
	return nil
}
