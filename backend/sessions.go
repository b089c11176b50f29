package backend

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vmcross/vmcross/backend/audit"
	"github.com/vmcross/vmcross/backend/model"
)

// Join records that op started a session from addr (the client's network address): the
// session is listed in State.Sessions and its start is recorded in the event stream and the
// audit log. leave ends it, once (later calls do nothing), with the same records for its
// end. The session's operator is recorded as given: whoever builds it (the SSH server)
// answers for its name, its From (the key's fingerprint) and its role.
func (e *Engine) Join(op model.Operator, addr string) (leave func()) {
	start := e.events.Append(model.Event{Kind: model.EventCommandDone, Command: model.CmdSessionStart, Operator: op,
		Object: addr, Message: op.Name + " connected from " + addr})
	s := model.Session{ID: start.Seq, User: op.Name, From: op.From, Addr: addr, Role: op.Role, Since: start.Time}
	e.publish(func(st *model.State) {
		st.Sessions = append(slices.Clip(st.Sessions), s)
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			e.publish(func(st *model.State) {
				st.Sessions = slices.DeleteFunc(slices.Clone(st.Sessions), func(x model.Session) bool { return x.ID == s.ID })
			})
			e.events.Append(model.Event{Kind: model.EventCommandDone, Command: model.CmdSessionEnd, Operator: op,
				Object: addr, Message: op.Name + " disconnected after " + time.Since(s.Since).Round(time.Second).String()})
		})
	}
}

// LoginRefused records that the SSH server turned away a client from addr that asked to
// log in as user with the keys (SHA256 fingerprints) it offered, none of them authorized:
// one command.refused event (audited as refused) a connection. The operator is who the
// client claimed to be, with no role: nothing proves it.
func (e *Engine) LoginRefused(user, addr string, keys []string) {
	from := "ssh"
	if len(keys) > 0 {
		from += " " + strings.Join(keys, " ")
	}
	why := "no key offered is authorized"
	if len(keys) == 0 {
		why = "no key offered"
	}
	e.events.Append(model.Event{Kind: model.EventCommandRefused, Command: model.CmdLogin,
		Operator: model.Operator{Name: printable(user), From: from}, Object: addr,
		Err: "login refused: " + why, Message: fmt.Sprintf("login as %q from %s refused: %s", user, addr, why)})
}

// printable is s cut to 64 bytes with anything but printable ASCII shown as "?": a name a
// client chose, kept readable in the history table.
func printable(s string) string {
	b := []byte(s[:min(len(s), 64)])
	for i, c := range b {
		if c < ' ' || c > '~' {
			b[i] = '?'
		}
	}
	return string(b)
}

// Sessions are the sessions joined and not yet left, oldest first.
func (e *Engine) Sessions() []model.Session { return e.Snapshot().Sessions }

// SetReadOnly turns read-only mode on or off. While on, the engine refuses every dangerous
// command (moves, cancels, plans, reconnects) to everyone, whatever their role, and
// State.ReadOnly says so, for the consoles to show.
func (e *Engine) SetReadOnly(on bool) {
	e.publish(func(st *model.State) { st.ReadOnly = on })
}

// ReadOnly reports whether read-only mode is on.
func (e *Engine) ReadOnly() bool { return e.Snapshot().ReadOnly }

// readOnlyRefusal is why who may not run c now: the engine is read-only and c is
// dangerous. nil when it may.
func (e *Engine) readOnlyRefusal(who model.Operator, c model.Command) error {
	if !c.Dangerous() || !e.Snapshot().ReadOnly {
		return nil
	}
	return &model.RefusedError{Command: c, Operator: who, Reason: "vmcross runs read-only"}
}

// WaitSessionsAudited waits until the audit log holds the end of every session whose start
// it holds from since on, or ctx ends (its error then). Call it between hanging up the last
// sessions and closing the engine: the audit writer follows the event stream, and an event
// appended just before the engine closes may not be delivered to it.
func (e *Engine) WaitSessionsAudited(ctx context.Context, since time.Time) error {
	path := e.AuditPath()
	if path == "" {
		return nil
	}
	since = since.UTC().Truncate(time.Millisecond) // as records keep their times
	for {
		if sessionsBalanced(path, since) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// auditTail is how much of the audit log's end sessionsBalanced reads: the records of the
// sessions that just ended are the newest.
const auditTail = 1 << 20

// sessionsBalanced reports whether every session start recorded from since on has its end
// recorded too.
func sessionsBalanced(path string, since time.Time) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > auditTail {
		_, _ = f.Seek(fi.Size()-auditTail, io.SeekStart) // the torn first line is skipped
	}
	recs, _, err := audit.Decode(f)
	if err != nil {
		return false
	}
	open := map[string]int{}
	for _, r := range recs {
		if r.Time.Before(since) || r.Action != model.AuditCommand {
			continue
		}
		key := r.Operator.Name + "|" + r.Operator.From + "|" + r.Object
		switch r.Command {
		case model.CmdSessionStart:
			open[key]++
		case model.CmdSessionEnd:
			open[key]--
		}
	}
	for _, n := range open {
		if n > 0 {
			return false
		}
	}
	return true
}
