package backend_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/audit"
	"github.com/vmcross/vmcross/backend/model"
)

// Join lists a session in the State and audits its start; leave (once, however often it is
// called) takes it out and audits its end.
func TestJoinAndLeave(t *testing.T) {
	e := backend.NewEngine(nil)
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := e.EnableAudit(path); err != nil {
		t.Fatal(err)
	}
	alice := model.Operator{Name: "alice", From: "ssh SHA256:abc", Role: model.RoleOperator}
	bob := model.Operator{Name: "bob", From: "ssh SHA256:def", Role: model.RoleViewer}
	leaveA := e.Join(alice, "192.0.2.1:5000")
	leaveB := e.Join(bob, "192.0.2.2:5000")
	ss := e.Snapshot().Sessions
	if len(ss) != 2 || ss[0].User != "alice" || ss[1].User != "bob" || ss[0].ID == ss[1].ID ||
		ss[0].Operator() != alice || ss[1].Addr != "192.0.2.2:5000" || ss[0].Since.IsZero() {
		t.Fatalf("sessions: %+v", ss)
	}
	before := e.Snapshot()
	leaveA()
	leaveA()
	if ss := e.Snapshot().Sessions; len(ss) != 1 || ss[0].User != "bob" {
		t.Fatalf("after alice left: %+v", ss)
	}
	if len(before.Sessions) != 2 {
		t.Error("leave changed a State already published")
	}
	leaveB()
	if ss := e.Snapshot().Sessions; len(ss) != 0 {
		t.Fatalf("after both left: %+v", ss)
	}
	defer e.Close()
	var recs []model.AuditRecord
	for deadline := time.Now().Add(5 * time.Second); len(recs) < 4 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var err error
		if recs, _, err = audit.Read(path); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Operator.Name+" "+string(r.Command)+" "+r.Object+" "+r.Result+" "+r.Operator.From)
	}
	want := []string{
		"alice session-start 192.0.2.1:5000 ok ssh SHA256:abc",
		"bob session-start 192.0.2.2:5000 ok ssh SHA256:def",
		"alice session-end 192.0.2.1:5000 ok ssh SHA256:abc",
		"bob session-end 192.0.2.2:5000 ok ssh SHA256:def",
	}
	if len(got) != len(want) {
		t.Fatalf("audit log:\n%q\nwant\n%q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d: %q, want %q", i, got[i], want[i])
		}
	}
}

// Read-only mode refuses every dangerous command to everyone, says why, and records the
// refusal; harmless commands still run.
func TestReadOnlyRefusesDangerousCommands(t *testing.T) {
	e := backend.NewEngine(nil)
	defer e.Close()
	admin := model.Operator{Name: "root", From: "cli", Role: model.RoleAdmin}
	ctx := context.Background()
	if err := e.ReconnectSite(ctx, admin, "nowhere"); !errors.Is(err, backend.ErrUnknownSite) {
		t.Fatalf("before read-only: %v", err)
	}
	events := e.Events(ctx, e.LastEvent())
	e.SetReadOnly(true)
	if !e.Snapshot().ReadOnly || !e.ReadOnly() {
		t.Fatal("State.ReadOnly not set")
	}
	err := e.ReconnectSite(ctx, admin, "nowhere")
	var re *model.RefusedError
	if !errors.As(err, &re) || !errors.Is(err, model.ErrNotAllowed) || re.Reason != "vmcross runs read-only" {
		t.Fatalf("a dangerous command in read-only mode: %v", err)
	}
	if err := e.CancelMove(ctx, admin, "mv-1"); !errors.As(err, &re) {
		t.Errorf("a cancel in read-only mode: %v", err)
	}
	if err := e.PollFabric(ctx, admin); !errors.Is(err, backend.ErrNoFabric) {
		t.Errorf("a harmless command in read-only mode: %v", err)
	}
	select {
	case ev := <-events:
		if ev.Kind != model.EventCommandRefused || ev.Command != model.CmdReconnectSite {
			t.Errorf("first event: %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Error("no refusal event")
	}
	e.SetReadOnly(false)
	if err := e.ReconnectSite(ctx, admin, "nowhere"); !errors.Is(err, backend.ErrUnknownSite) {
		t.Errorf("after read-only: %v", err)
	}
}

// WaitSessionsAudited returns once every session started since then has its end in the
// audit log, and not before.
func TestWaitSessionsAudited(t *testing.T) {
	e := backend.NewEngine(nil)
	defer e.Close()
	if err := e.EnableAudit(filepath.Join(t.TempDir(), "audit.log")); err != nil {
		t.Fatal(err)
	}
	since := time.Now()
	op := model.Operator{Name: "dora", From: "ssh SHA256:x", Role: model.RoleViewer}
	leave := e.Join(op, "192.0.2.9:22")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if recs, _ := e.History(context.Background()); len(recs) == 1 {
			break // the start is written
		}
		if time.Now().After(deadline) {
			t.Fatal("the session's start was not audited")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := e.WaitSessionsAudited(ctx, since); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with a session open: %v", err)
	}
	leave()
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.WaitSessionsAudited(ctx, since); err != nil {
		t.Fatalf("after it left: %v", err)
	}
}
