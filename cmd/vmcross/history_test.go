package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/audit"
	"github.com/vmcross/vmcross/backend/model"
)

// historyLog writes an audit log as the engine would: a command, a move of sql-01 from
// queued to done, a refused migrate, and a failed move of web-01.
func historyLog(t *testing.T) (path string, recs []model.AuditRecord) {
	t.Helper()
	alice := model.Operator{Name: "alice", From: "ssh SHA256:Zm9v", Role: model.RoleOperator}
	bob := model.Operator{Name: "bob", From: "local terminal", Role: model.RoleViewer}
	t0 := time.Date(2025, 3, 1, 2, 12, 0, 0, time.UTC)
	sql := &model.AuditVM{Name: "sql-01", InstanceUUID: "50123456-89ab-cdef-0123-456789abcdef", MoRef: "vm-42"}
	web := &model.AuditVM{Name: "web-01", InstanceUUID: "50aa", MoRef: "vm-7"}
	move := func(r model.AuditRecord, vm *model.AuditVM, id string) model.AuditRecord {
		r.Operator, r.VM, r.Move, r.From, r.To = alice, vm, id, "site-a", "site-b"
		r.Target = &model.AuditTarget{Cluster: "B-01", Host: "esx-b-01.example", Datastore: "vsan-b"}
		return r
	}
	recs = []model.AuditRecord{
		{Time: t0, Seq: 1, Operator: alice, Action: model.AuditCommand, Command: model.CmdReconnectSite, Site: "site-b", Object: "site-b", Result: "ok"},
		move(model.AuditRecord{Time: t0.Add(time.Second), Seq: 2, Action: "move.queued", Result: "queued",
			Acknowledged: []string{"SNAPSHOTS sql-01"}}, sql, "mv-1"),
		move(model.AuditRecord{Time: t0.Add(2 * time.Second), Seq: 3, Action: "move.started", Result: "started", Task: "task-812"}, sql, "mv-1"),
		{Time: t0.Add(3 * time.Second), Seq: 4, Operator: bob, Action: model.AuditCommand, Command: model.CmdMigrate,
			Result: "refused: bob: viewer may not migrate: needs the operator role", Error: "bob: viewer may not migrate: needs the operator role"},
		move(model.AuditRecord{Time: t0.Add(2*time.Minute + 5*time.Second), Seq: 5, Action: "move.done", Result: "ok", Task: "task-812",
			Duration: 2*time.Minute + 3457*time.Millisecond}, sql, "mv-1"),
		move(model.AuditRecord{Time: t0.Add(3 * time.Minute), Seq: 7, Action: "move.failed", Result: "failed: MigrationFault: VLAN 120 is not carried",
			Error: "MigrationFault: VLAN 120 is not carried", Task: "task-815", Duration: 450 * time.Millisecond}, web, "mv-2"),
	}
	path = filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return path, recs
}

func TestHistoryTable(t *testing.T) {
	path, recs := historyLog(t)
	var b strings.Builder
	if err := writeHistoryTable(&b, recs, time.UTC); err != nil {
		t.Fatal(err)
	}
	want := `TIME                 OPERATOR  ACTION          VM      FROM → TO        DURATION  RESULT
2025-03-01 02:12:00  alice     reconnect-site  site-b  -                -         ok
2025-03-01 02:12:01  alice     move.queued     sql-01  site-a → site-b  -         queued
2025-03-01 02:12:02  alice     move.started    sql-01  site-a → site-b  -         started
2025-03-01 02:12:03  bob       migrate         -       -                -         refused: bob: viewer may not migrate: needs the operator role
2025-03-01 02:14:05  alice     move.done       sql-01  site-a → site-b  2m3s      ok
2025-03-01 02:15:00  alice     move.failed     web-01  site-a → site-b  450ms     failed: MigrationFault: VLAN 120 is not carried
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}

	// The command: the same table in local time, newest last.
	out, stderr, err := run(t, "history", "--file", path)
	if err != nil || stderr != "" {
		t.Fatalf("history: %v %q", err, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 7 || !strings.HasPrefix(lines[6], recs[5].Time.Local().Format(time.DateTime)) ||
		!strings.Contains(lines[6], "web-01") {
		t.Errorf("history table:\n%s", out)
	}

	// --vm and --limit: the newest records of one VM.
	out, _, err = run(t, "history", "--file", path, "--vm", "SQL-01", "--limit", "2")
	if err != nil {
		t.Fatal(err)
	}
	lines = strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "move.started") || !strings.Contains(lines[2], "move.done") {
		t.Errorf("--vm SQL-01 --limit 2:\n%s", out)
	}
	out, _, err = run(t, "history", "--file", path, "--vm", "nosuch")
	if err != nil || out != `No records of VM "nosuch" in `+path+".\n" {
		t.Errorf("--vm nosuch: %q %v", out, err)
	}
}

// --json prints the log's own lines, filtered: each one is a record as written.
func TestHistoryJSON(t *testing.T) {
	path, recs := historyLog(t)
	out, _, err := run(t, "history", "--file", path, "--json")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(data) {
		t.Errorf("--json is not the log's lines:\n%s\nwant\n%s", out, data)
	}
	out, _, err = run(t, "history", "--file", path, "--json", "--vm", "50aa")
	if err != nil {
		t.Fatal(err)
	}
	var r model.AuditRecord
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Seq != recs[5].Seq || r.Duration != 450*time.Millisecond {
		t.Errorf("--json --vm 50aa: %q: %+v %v", out, r, err)
	}
	if !strings.HasPrefix(out, `{"time":"2025-03-01T02:15:00.000Z","seq":7,"operator":{"name":"alice"`) ||
		!strings.HasSuffix(out, `"task":"task-815","result":"failed: MigrationFault: VLAN 120 is not carried","error":"MigrationFault: VLAN 120 is not carried","duration":"450ms"}`+"\n") {
		t.Errorf("--json line: %s", out)
	}
}

// No log yet is not a failure: one friendly line, exit 0; with --json, stdout stays empty.
func TestHistoryNoLogYet(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	want := "No history yet: moves and commands are recorded in " + filepath.Join(state, "vmcross", "audit.log") +
		" once the console or serve runs them.\n"
	out, stderr, err := run(t, "history")
	if err != nil || out != want || stderr != "" {
		t.Errorf("history: %q %q %v", out, stderr, err)
	}
	out, stderr, err = run(t, "history", "--json")
	if err != nil || out != "" || stderr != want {
		t.Errorf("history --json: %q %q %v", out, stderr, err)
	}
}

// A damaged line is skipped with a warning; a file that cannot be read, or a --file that
// does not exist, exits 1 with the reason; bad flags exit 2.
func TestHistoryErrors(t *testing.T) {
	path, _ := historyLog(t)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"time":"2025-03-01T02:16:00.000Z","seq":8,"oper`)
	f.Close()
	out, stderr, err := run(t, "history", "--file", path)
	if err != nil || strings.Count(out, "\n") != 7 || !strings.Contains(stderr, "skipped 1 damaged line(s) in "+path) {
		t.Errorf("torn line: %v %q\n%s", err, stderr, out)
	}

	missing := filepath.Join(t.TempDir(), "none.log")
	_, _, err = run(t, "history", "--file", missing)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), missing+": no such file") {
		t.Errorf("missing --file: %v", err)
	}
	_, _, err = run(t, "history", "--file", t.TempDir())
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "cannot read the audit log") {
		t.Errorf("a directory: %v", err)
	}
	if runtime.GOOS != "windows" && os.Geteuid() != 0 {
		os.Chmod(path, 0)
		_, _, err = run(t, "history", "--file", path)
		if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("unreadable: %v", err)
		}
	}

	for _, args := range [][]string{{"history", "--limit", "-1"}, {"history", "--limit", "x"}, {"history", "extra"}, {"history", "--frob"}} {
		_, _, err := run(t, args...)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("%v: want exit 2, got %v", args, err)
		}
	}
}
