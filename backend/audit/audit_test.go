package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

var alice = model.Operator{Name: "alice", From: "ssh SHA256:Zm9v", Role: model.RoleOperator}

// doneMove is the move of the golden record: queued by alice, run for 2m3.457s.
func doneMove() *model.Move {
	started := time.Date(2025, 3, 1, 2, 12, 4, 0, time.UTC)
	return &model.Move{
		ID: "mv-3", VM: model.VMKey{Site: "site-a", MoRef: "vm-42"}, VMName: "sql-01",
		InstanceUUID: "50123456-89ab-cdef-0123-456789abcdef", From: "site-a", To: "site-b",
		Target: model.MoveTarget{ClusterName: "B-01", HostName: "esx-b-01.example", DatastoreName: "vsan-b",
			Host: model.Ref{Type: "HostSystem", Value: "host-21"}},
		Operator:     alice,
		Acknowledged: []string{"SNAPSHOTS sql-01", "ISO_CONNECTED sql-01/cdrom-3000"},
		State:        model.MoveDone, Progress: 100, Bytes: 16 << 30,
		Task:    model.Ref{Type: "Task", Value: "task-812"},
		Queued:  started.Add(-5 * time.Second),
		Started: started,
		Ended:   started.Add(2*time.Minute + 3456700*time.Microsecond),
	}
}

func doneEvent() model.Event {
	// The engine's clock is local; the record is in UTC, to the millisecond.
	cet := time.FixedZone("CET", 3600)
	return model.Event{Seq: 42, Time: time.Date(2025, 3, 1, 3, 14, 7, 31_900_000, cet),
		Kind: model.EventMoveDone, Operator: model.System, Object: "sql-01", Move: doneMove()}
}

// The audit line of a finished move, byte for byte: its field names are an interface.
func TestRecordMoveDoneGolden(t *testing.T) {
	rec, ok := Record(doneEvent())
	if !ok {
		t.Fatal("move.done is not audited")
	}
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"time":"2025-03-01T02:14:07.031Z","seq":42,` +
		`"operator":{"name":"alice","from":"ssh SHA256:Zm9v","role":"operator"},` +
		`"action":"move.done","move":"mv-3",` +
		`"vm":{"name":"sql-01","instance_uuid":"50123456-89ab-cdef-0123-456789abcdef","moref":"vm-42"},` +
		`"from":"site-a","to":"site-b","target":{"cluster":"B-01","host":"esx-b-01.example","datastore":"vsan-b"},` +
		`"acknowledged":["SNAPSHOTS sql-01","ISO_CONNECTED sql-01/cdrom-3000"],` +
		`"task":"task-812","result":"ok","duration":"2m3.457s"}`
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
	var back model.AuditRecord
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, rec) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, rec)
	}
}

// Every audited kind gets its action and result; the rest are not audited.
func TestRecordKinds(t *testing.T) {
	bob := model.Operator{Name: "bob", From: "local terminal", Role: model.RoleViewer}
	running := doneMove()
	running.State, running.Ended = model.MoveRunning, time.Time{}
	queued := doneMove()
	queued.State, queued.Started, queued.Ended, queued.Task = model.MoveQueued, time.Time{}, time.Time{}, model.Ref{}
	failedMove := doneMove()
	failedMove.State, failedMove.Err = model.MoveFailed, "MigrationFault: the VLAN 120 is not carried"
	at := time.Date(2025, 3, 1, 2, 20, 0, 0, time.UTC)
	cases := []struct {
		ev                     model.Event
		action, result, errTxt string
		operator               string
		duration               time.Duration
	}{
		{model.Event{Kind: model.EventMoveQueued, Operator: alice, Move: queued}, "move.queued", "queued", "", "alice", 0},
		// The governor starts a queued move: the record names who asked for it.
		{model.Event{Kind: model.EventMoveStarted, Operator: model.System, Move: running}, "move.started", "started", "", "alice", 0},
		{model.Event{Kind: model.EventMoveDone, Move: doneMove()}, "move.done", "ok", "", "alice", 2*time.Minute + 3457*time.Millisecond},
		{model.Event{Kind: model.EventMoveFailed, Operator: model.System, Move: failedMove}, "move.failed",
			"failed: MigrationFault: the VLAN 120 is not carried", "MigrationFault: the VLAN 120 is not carried", "alice", 2*time.Minute + 3457*time.Millisecond},
		// Cancelled by someone else: the record names them; still running at the event: the
		// duration runs to the event's time.
		{model.Event{Kind: model.EventMoveCancelled, Time: at, Operator: bob, Move: running}, "move.cancelled", "cancelled", "", "bob", 7*time.Minute + 56*time.Second},
		// Cancelled while queued: it never ran, so no duration.
		{model.Event{Kind: model.EventMoveCancelled, Time: at, Operator: alice, Move: queued}, "move.cancelled", "cancelled", "", "alice", 0},
		{model.Event{Kind: model.EventCommand, Command: model.CmdReconnectSite, Operator: alice, Site: "site-b", Object: "site-b"}, "command", "started", "", "alice", 0},
		{model.Event{Kind: model.EventCommandDone, Command: model.CmdReconnectSite, Operator: alice, Site: "site-b", Object: "site-b"}, "command", "ok", "", "alice", 0},
		{model.Event{Kind: model.EventCommandFailed, Command: model.CmdPollFabric, Operator: alice, Object: "switches", Err: "no switches are configured"},
			"command", "failed: no switches are configured", "no switches are configured", "alice", 0},
		{model.Event{Kind: model.EventCommandRefused, Command: model.CmdMigrate, Operator: bob, Err: "bob: viewer may not migrate: needs the operator role"},
			"command", "refused: bob: viewer may not migrate: needs the operator role", "bob: viewer may not migrate: needs the operator role", "bob", 0},
		{model.Event{Kind: model.EventGap, Operator: model.System, Message: "events were dropped"}, "gap", "missed", "events were dropped", "vmcross", 0},
	}
	for _, c := range cases {
		rec, ok := Record(c.ev)
		if !ok {
			t.Errorf("%s: not audited", c.ev.Kind)
			continue
		}
		if rec.Action != c.action || rec.Result != c.result || rec.Error != c.errTxt || rec.Operator.Name != c.operator || rec.Duration != c.duration {
			t.Errorf("%s: got action %q result %q error %q operator %q duration %v, want %q %q %q %q %v", c.ev.Kind,
				rec.Action, rec.Result, rec.Error, rec.Operator.Name, rec.Duration, c.action, c.result, c.errTxt, c.operator, c.duration)
		}
		if c.ev.Command != "" && rec.Command != c.ev.Command {
			t.Errorf("%s: command %q, want %q", c.ev.Kind, rec.Command, c.ev.Command)
		}
		if c.ev.Move != nil && (rec.VM == nil || rec.VM.Name != "sql-01" || rec.Move != "mv-3" || rec.From != "site-a" || rec.To != "site-b") {
			t.Errorf("%s: move fields missing: %+v", c.ev.Kind, rec)
		}
	}
	for _, k := range []model.EventKind{model.EventSiteConnected, model.EventSiteDown, model.EventSiteSilent,
		model.EventSiteAnswering, model.EventSwitchUp, model.EventSwitchDown, model.EventFindingRaised,
		model.EventFindingCleared, "move.progress", ""} {
		if rec, ok := Record(model.Event{Kind: k, Operator: alice, Object: "x"}); ok {
			t.Errorf("%q is audited: %+v", k, rec)
		}
	}
	// A move event without its move still names the VM.
	if rec, ok := Record(model.Event{Kind: model.EventMoveFailed, Object: "web-01", Err: "boom"}); !ok || rec.VM.Name != "web-01" || rec.Result != "failed: boom" {
		t.Errorf("move event without a move: %+v", rec)
	}
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "vmcross")
	path := filepath.Join(dir, "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if runtime.GOOS == "windows" {
		return
	}
	for p, want := range map[string]fs.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", p, got, want)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no symbolic links or group bits to speak of")
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "real.log")
	if err := os.WriteFile(real, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.log")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	shared := func(mode fs.FileMode) string {
		p := filepath.Join(dir, fmt.Sprintf("shared-%o.log", mode))
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // not subject to the umask
			t.Fatal(err)
		}
		return p
	}
	cases := map[string]string{
		link:               "is a symbolic link",
		shared(0o620):      "writable by others (mode 0620)",
		shared(0o602):      "writable by others (mode 0602)",
		filepath.Join(dir): "not a regular file",
	}
	for p, want := range cases {
		l, err := Open(p)
		if err == nil {
			l.Close()
			t.Errorf("%s: opened", p)
			continue
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want it to name the file and say %q", p, err, want)
		}
	}
	// A private file that is only readable by others is accepted.
	if l, err := Open(shared(0o644)); err != nil {
		t.Errorf("0644: %v", err)
	} else {
		l.Close()
	}
}

func rec(seq uint64, vm string) model.AuditRecord {
	return model.AuditRecord{Time: time.Date(2025, 3, 1, 2, 0, 0, int(seq)*int(time.Millisecond), time.UTC), Seq: seq,
		Operator: alice, Action: string(model.EventMoveQueued), Move: fmt.Sprintf("mv-%d", seq),
		VM: &model.AuditVM{Name: vm}, From: "site-a", To: "site-b", Result: model.AuditQueued}
}

func TestAppendWritesOneLinePerRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.AuditRecord{rec(1, "web-01"), rec(2, "web-02"), rec(3, "db-01")}
	for _, r := range want {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) != 4 || lines[3] != "" {
		t.Fatalf("want 3 lines ending in a newline, got %q", data)
	}
	for i, line := range lines[:3] {
		b, _ := json.Marshal(want[i])
		if line != string(b)+"\n" {
			t.Errorf("line %d: %q, want %q", i+1, line, b)
		}
	}
	got, skipped, err := Read(path)
	if err != nil || skipped != 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("Read: %v, %d skipped, %v", got, skipped, err)
	}
	// Reopened, it appends.
	l, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(rec(4, "db-02")); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if got, _, _ := Read(path); len(got) != 4 || got[3].VM.Name != "db-02" {
		t.Errorf("after reopening: %+v", got)
	}
}

// fakeFile records the calls Append makes and fails them on demand.
type fakeFile struct {
	bytes.Buffer
	writes, syncs int
	writeErr      error
	short         int // write only this many bytes, with writeErr
	syncErr       error
}

func (f *fakeFile) Write(p []byte) (int, error) {
	f.writes++
	if f.writeErr != nil {
		n, _ := f.Buffer.Write(p[:min(f.short, len(p))])
		return n, f.writeErr
	}
	return f.Buffer.Write(p)
}
func (f *fakeFile) Sync() error  { f.syncs++; return f.syncErr }
func (f *fakeFile) Close() error { return nil }

// One write and one sync per record; a sync that fails is the caller's error.
func TestAppendSyncsEachRecord(t *testing.T) {
	f := &fakeFile{}
	l := &Log{path: "fake.log", f: f}
	for i := range 3 {
		if err := l.Append(rec(uint64(i+1), "web-01")); err != nil {
			t.Fatal(err)
		}
	}
	if f.writes != 3 || f.syncs != 3 {
		t.Errorf("%d writes and %d syncs for 3 records", f.writes, f.syncs)
	}
	f.syncErr = errors.New("input/output error")
	err := l.Append(rec(4, "web-01"))
	if err == nil || !errors.Is(err, f.syncErr) || !strings.Contains(err.Error(), "fake.log: sync to disk") {
		t.Errorf("failed sync: %v", err)
	}
}

// A write cut short is an error, and the next record starts on a line of its own.
func TestAppendShortWrite(t *testing.T) {
	f := &fakeFile{writeErr: errors.New("no space left on device"), short: 10}
	l := &Log{path: "fake.log", f: f}
	if err := l.Append(rec(1, "web-01")); err == nil || !errors.Is(err, f.writeErr) {
		t.Fatalf("short write: %v", err)
	}
	f.writeErr = nil
	if err := l.Append(rec(2, "web-02")); err != nil {
		t.Fatal(err)
	}
	got, skipped, err := Decode(&f.Buffer)
	if err != nil || skipped != 1 || len(got) != 1 || got[0].Seq != 2 {
		t.Errorf("after a torn record: %+v, %d skipped, %v", got, skipped, err)
	}
}

// Errors of the file reach the caller: one closed under the log, and the log closed.
func TestAppendReturnsWriteErrors(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	l.f.(*os.File).Close()
	if err := l.Append(rec(1, "web-01")); err == nil || !errors.Is(err, os.ErrClosed) {
		t.Errorf("file closed under the log: %v", err)
	}
	l.Close()
	if err := l.Append(rec(2, "web-01")); err == nil || !errors.Is(err, os.ErrClosed) {
		t.Errorf("log closed: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Many writers at once (run with -race): every line intact, none lost.
func TestConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				r := rec(uint64(w*each+i+1), strings.Repeat("v", 200+w)) // long lines, different lengths
				r.Acknowledged = []string{fmt.Sprintf("SNAPSHOTS writer-%d", w)}
				if err := l.Append(r); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	l.Close()
	got, skipped, err := Read(path)
	if err != nil || skipped != 0 || len(got) != writers*each {
		t.Fatalf("%d records, %d skipped, %v", len(got), skipped, err)
	}
	seen := map[uint64]bool{}
	for _, r := range got {
		w := int(r.Seq-1) / each
		if seen[r.Seq] || len(r.VM.Name) != 200+w || r.Acknowledged[0] != fmt.Sprintf("SNAPSHOTS writer-%d", w) {
			t.Errorf("record %d damaged or twice: %+v", r.Seq, r)
		}
		seen[r.Seq] = true
	}
}

// A crash mid-write leaves a torn last line: Read skips and counts it; the next Open ends
// it, so records appended afterwards are whole.
func TestReadToleratesTornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	var buf bytes.Buffer
	for _, r := range []model.AuditRecord{rec(1, "web-01"), rec(2, "web-02")} {
		b, _ := json.Marshal(r)
		buf.Write(append(b, '\n'))
	}
	b, _ := json.Marshal(rec(3, "web-03"))
	buf.Write(b[:len(b)/2])
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	got, skipped, err := Read(path)
	if err != nil || skipped != 1 || len(got) != 2 || got[1].Seq != 2 {
		t.Fatalf("torn last line: %+v, %d skipped, %v", got, skipped, err)
	}
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(rec(4, "web-04")); err != nil {
		t.Fatal(err)
	}
	l.Close()
	got, skipped, err = Read(path)
	if err != nil || skipped != 1 || len(got) != 3 || got[2].Seq != 4 {
		t.Errorf("appended after a torn line: %+v, %d skipped, %v", got, skipped, err)
	}
	if _, _, err := Read(filepath.Join(t.TempDir(), "none.log")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing log: %v", err)
	}
}

// fakeSource is an event stream: the given events, then closed (as when the engine closes).
type fakeSource struct {
	events []model.Event
	after  uint64
	ctx    context.Context
}

func (s *fakeSource) Events(ctx context.Context, after uint64) <-chan model.Event {
	s.after, s.ctx = after, ctx
	ch := make(chan model.Event)
	go func() {
		defer close(ch)
		for _, ev := range s.events {
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

func TestFollowAppendsInOrder(t *testing.T) {
	m := doneMove()
	src := &fakeSource{events: []model.Event{
		{Seq: 1, Kind: model.EventSiteConnected, Operator: model.System, Site: "site-a"},
		{Seq: 2, Kind: model.EventCommand, Command: model.CmdMigrate, Operator: alice, Object: "sql-01"},
		{Seq: 3, Kind: model.EventMoveQueued, Operator: alice, Move: m},
		{Seq: 4, Kind: model.EventFindingRaised, Operator: model.System, Code: "VLAN_NOT_EXTENDED"},
		{Seq: 5, Kind: model.EventCommandDone, Command: model.CmdMigrate, Operator: alice, Object: "sql-01"},
		{Seq: 6, Kind: model.EventMoveStarted, Operator: model.System, Move: m},
		{Seq: 9, Kind: model.EventGap, Operator: model.System, Message: "events were dropped: this reader fell too far behind"},
		{Seq: 10, Kind: model.EventMoveDone, Operator: model.System, Move: m},
	}}
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Follow(context.Background(), src, l); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if src.after != 0 {
		t.Errorf("Follow read after %d, want from the start", src.after)
	}
	got, skipped, err := Read(path)
	if err != nil || skipped != 0 {
		t.Fatal(skipped, err)
	}
	var trail []string
	for _, r := range got {
		trail = append(trail, fmt.Sprintf("%d %s %s", r.Seq, r.Action, r.Result))
	}
	want := []string{"2 command started", "3 move.queued queued", "5 command ok", "6 move.started started",
		"9 gap missed", "10 move.done ok"}
	if !reflect.DeepEqual(trail, want) {
		t.Errorf("got %q\nwant %q", trail, want)
	}
	if gap := got[4].Error; !strings.Contains(gap, "events 7 to 9 were dropped") {
		t.Errorf("gap: %q", gap)
	}
}

// The first write error stops Follow, which returns it and ends its reading of the stream.
func TestFollowReturnsWriteError(t *testing.T) {
	src := &fakeSource{events: []model.Event{
		{Seq: 1, Kind: model.EventCommand, Command: model.CmdPollFabric, Operator: alice},
		{Seq: 2, Kind: model.EventCommandDone, Command: model.CmdPollFabric, Operator: alice},
	}}
	l, err := Open(filepath.Join(t.TempDir(), "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if err := Follow(context.Background(), src, l); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Follow: %v", err)
	}
	select {
	case <-src.ctx.Done():
	case <-time.After(time.Second):
		t.Error("the stream's context was not cancelled")
	}
}

func TestDefaultPath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_STATE_HOME", "/var/lib/state")
	if got, want := DefaultPath(), filepath.Join("/var/lib/state", "vmcross", "audit.log"); runtime.GOOS != "windows" && got != want {
		t.Errorf("XDG_STATE_HOME: %q, want %q", got, want)
	}
	for _, xdg := range []string{"", "relative/state"} {
		t.Setenv("XDG_STATE_HOME", xdg)
		if got, want := DefaultPath(), filepath.Join(home, ".local", "state", "vmcross", "audit.log"); runtime.GOOS != "windows" && got != want {
			t.Errorf("XDG_STATE_HOME=%q: %q, want %q", xdg, got, want)
		}
	}
}
