package audit

import (
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

// Record is the audit record of an event, and whether the event is audited at all: every
// move event (queued, started, done, failed, cancelled), every operator command event
// (taken, done, failed, refused) and a gap in the stream are; site, switch and finding
// events are not (they are the --log file's business).
//
// A move record names the operator the event names; when that is nobody or the engine
// itself (the governor starting a queued move, vCenter's task ending), it names the
// operator who asked for the move, so that the log says who moved what. A cancelled move
// names whoever cancelled it.
func Record(ev model.Event) (model.AuditRecord, bool) {
	r := model.AuditRecord{
		Time:     ev.Time.Round(0).UTC().Truncate(time.Millisecond),
		Seq:      ev.Seq,
		Operator: ev.Operator,
	}
	switch ev.Kind {
	case model.EventCommand, model.EventCommandDone, model.EventCommandFailed, model.EventCommandRefused:
		r.Action, r.Command, r.Site, r.Object = model.AuditCommand, ev.Command, ev.Site, ev.Object
		switch ev.Kind {
		case model.EventCommand:
			r.Result = model.AuditStarted
		case model.EventCommandDone:
			r.Result = model.AuditOK
		case model.EventCommandFailed:
			r.Result, r.Error = model.AuditFailed(ev.Err), ev.Err
		case model.EventCommandRefused:
			r.Result, r.Error = model.AuditRefused(ev.Err), ev.Err
		}
	case model.EventMoveQueued, model.EventMoveStarted, model.EventMoveDone, model.EventMoveFailed, model.EventMoveCancelled:
		moveRecord(&r, ev)
	case model.EventGap:
		r.Action, r.Result, r.Error = model.AuditGap, model.AuditMissed, ev.Message
	default:
		return model.AuditRecord{}, false
	}
	return r, true
}

// moveRecord fills in a move event's record.
func moveRecord(r *model.AuditRecord, ev model.Event) {
	r.Action = string(ev.Kind)
	m := ev.Move
	if m == nil { // not expected; still say which VM the event named
		m = &model.Move{VMName: ev.Object, Err: ev.Err}
	}
	if m.Operator.Name != "" && (r.Operator.Name == "" ||
		(r.Operator == model.System && ev.Kind != model.EventMoveCancelled)) {
		r.Operator = m.Operator
	}
	r.Move = m.ID
	r.VM = &model.AuditVM{Name: m.VMName, InstanceUUID: m.InstanceUUID, MoRef: m.VM.MoRef}
	r.From, r.To = m.From, m.To
	if t := m.Target; t.ClusterName != "" || t.HostName != "" || t.DatastoreName != "" {
		r.Target = &model.AuditTarget{Cluster: t.ClusterName, Host: t.HostName, Datastore: t.DatastoreName}
	}
	r.Acknowledged = append([]string(nil), m.Acknowledged...)
	r.Task = m.Task.Value
	switch ev.Kind {
	case model.EventMoveQueued:
		r.Result = model.AuditQueued
	case model.EventMoveStarted:
		r.Result = model.AuditStarted
	case model.EventMoveDone:
		r.Result = model.AuditOK
	case model.EventMoveFailed:
		err := ev.Err
		if err == "" {
			err = m.Err
		}
		r.Result, r.Error = model.AuditFailed(err), err
	case model.EventMoveCancelled:
		r.Result = model.AuditCancelled
	}
	ended := ev.Kind == model.EventMoveDone || ev.Kind == model.EventMoveFailed || ev.Kind == model.EventMoveCancelled
	if ended && !m.Started.IsZero() {
		end := m.Ended
		if end.IsZero() {
			end = ev.Time
		}
		if d := end.Sub(m.Started); d > 0 {
			r.Duration = d.Round(time.Millisecond)
		}
	}
}
