package backend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vmcross/vmcross/backend/audit"
	"github.com/vmcross/vmcross/backend/model"
)

// ErrAuditLog is wrapped by the refusal of a dangerous command while the audit log cannot
// be written: nothing that moves VMs happens unrecorded.
var ErrAuditLog = errors.New("the audit log cannot be written")

// auditFlush bounds how long Close waits for the audit log's last records.
const auditFlush = time.Second

// EnableAudit makes the engine append every audited event (moves, operator commands) to the
// audit log at path, from its first event on, each line synced to disk, until it closes.
// Call it before Start. If a record cannot be written, the engine refuses dangerous commands
// from then on.
func (e *Engine) EnableAudit(path string) error {
	l, err := audit.Open(path)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	e.mu.Lock()
	e.auditPath, e.auditDone = path, done
	e.mu.Unlock()
	go func() {
		defer close(done)
		err := audit.Follow(context.Background(), e, l) // ends when the engine closes
		_ = l.Close()
		if err != nil {
			e.mu.Lock()
			e.auditErr = err
			e.mu.Unlock()
			e.events.Append(model.Event{Kind: model.EventCommandFailed, Operator: model.System, Object: path,
				Err: fmt.Sprintf("%v: %v; moves are refused until vmcross restarts with a writable log", ErrAuditLog, err)})
		}
	}()
	return nil
}

// auditRefusal is why a dangerous command may not run now: the audit log failed. nil when it
// may.
func (e *Engine) auditRefusal(c model.Command) error {
	if !c.Dangerous() {
		return nil
	}
	e.mu.RLock()
	err := e.auditErr
	e.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrAuditLog, err)
	}
	return nil
}

// History reads the audit log, oldest first. Without an audit log it returns nothing.
func (e *Engine) History(ctx context.Context) ([]model.AuditRecord, error) {
	e.mu.RLock()
	path := e.auditPath
	e.mu.RUnlock()
	if path == "" {
		return nil, nil
	}
	recs, _, err := audit.Read(path)
	return recs, err
}

// AuditPath is the audit log's file ("" when there is none).
func (e *Engine) AuditPath() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.auditPath
}
