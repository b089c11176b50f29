package audit

import (
	"context"
	"fmt"

	"github.com/vmcross/vmcross/backend/model"
)

// Source is the engine's event stream as Follow reads it; *backend.Engine is one.
type Source interface {
	// Events delivers every event after sequence number after (0: from the first one
	// kept), in order, until ctx ends or the source closes.
	Events(ctx context.Context, after uint64) <-chan model.Event
}

// Follow appends the record of every audited event of src to log, in order, from the first
// event on, until the stream ends: when ctx ends or the source closes (the engine closed).
// It returns nil then, or the first error appending a record, after which it stops reading.
//
// Events appended by the engine just before the stream ends (a move cancelled on the way
// out) are written only if the stream delivers them: to keep them, give Follow a context
// that outlives the engine and let the engine's Close end the stream.
func Follow(ctx context.Context, src Source, log *Log) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // on a write error, stop the stream's reader too
	var last uint64
	for ev := range src.Events(ctx, 0) {
		rec, ok := Record(ev)
		if ev.Kind == model.EventGap && ev.Seq > last+1 {
			rec.Error = fmt.Sprintf("events %d to %d were dropped before they were written: %s", last+1, ev.Seq, ev.Message)
		}
		last = ev.Seq
		if !ok {
			continue
		}
		if err := log.Append(rec); err != nil {
			return err
		}
	}
	return nil
}
