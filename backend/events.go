package backend

import (
	"context"
	"sync"
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

// maxEvents bounds the events kept in memory. The audit log on disk (to come) keeps them
// all; a reader that falls this far behind is told what it missed.
const maxEvents = 100_000

// eventLog is the engine's ordered, lossless event stream: Append numbers each event and
// wakes the readers; each reader gets every event after its cursor, in order, at its own
// pace, and never holds up the engine.
type eventLog struct {
	mu     sync.Mutex
	events []model.Event // Seq order; events[0].Seq == first
	next   uint64        // Seq of the next event
	wake   chan struct{} // closed and replaced by Append
	now    func() time.Time
}

func newEventLog() *eventLog {
	return &eventLog{next: 1, wake: make(chan struct{}), now: time.Now}
}

// Append records ev with the next sequence number and the current time (unless set) and
// returns it as recorded.
func (l *eventLog) Append(ev model.Event) model.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev.Seq = l.next
	l.next++
	if ev.Time.IsZero() {
		ev.Time = l.now()
	}
	if len(l.events) >= maxEvents {
		l.events = append(l.events[:0:0], l.events[maxEvents/2:]...)
	}
	l.events = append(l.events, ev)
	close(l.wake)
	l.wake = make(chan struct{})
	return ev
}

// since returns the events after seq (at most max), and a channel closed when more arrive.
// missed counts the events after seq that are no longer kept.
func (l *eventLog) since(seq uint64, maxN int) (evs []model.Event, missed uint64, wake <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) > 0 {
		first := l.events[0].Seq
		if seq+1 < first {
			missed = first - seq - 1
			seq = first - 1
		}
		i := int(seq + 1 - first)
		if i < len(l.events) {
			evs = append(evs, l.events[i:min(len(l.events), i+maxN)]...)
		}
	}
	return evs, missed, l.wake
}

// Last returns the sequence number of the newest event (0: none yet).
func (l *eventLog) Last() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next - 1
}

// drainGrace bounds how long, after the engine closed, a reader is given to take the events
// that were appended before the close.
const drainGrace = time.Second

// Subscribe delivers every event after seq `after`, in order, on the returned channel,
// which is closed when ctx ends, or once done is closed and the events appended before it
// are delivered (the audit log records a move that ended as the engine closed; a reader that
// takes none for drainGrace after the close is let go). A reader that fell behind by more
// than the log keeps first gets one event of kind EventGap saying how many it missed.
func (l *eventLog) Subscribe(ctx context.Context, after uint64, done <-chan struct{}) <-chan model.Event {
	ch := make(chan model.Event, 64)
	go func() {
		defer close(ch)
		var giveUp <-chan time.Time // set once done is closed
		closed := func() {
			done, giveUp = nil, time.After(drainGrace)
		}
		send := func(ev model.Event) bool {
			for {
				select {
				case ch <- ev:
					if giveUp != nil {
						giveUp = time.After(drainGrace) // the reader keeps up: it may go on
					}
					return true
				case <-ctx.Done():
					return false
				case <-done:
					closed()
				case <-giveUp:
					return false
				}
			}
		}
		cursor := after
		for {
			evs, missed, wake := l.since(cursor, 256)
			if missed > 0 {
				gap := model.Event{Seq: cursor + missed, Time: l.now(), Kind: model.EventGap,
					Operator: model.System, Message: "events were dropped: this reader fell too far behind"}
				if !send(gap) {
					return
				}
				cursor += missed
			}
			for _, ev := range evs {
				if !send(ev) {
					return
				}
				cursor = ev.Seq
			}
			if len(evs) > 0 || missed > 0 {
				continue
			}
			if giveUp != nil {
				return // closed, and every event before it delivered
			}
			select {
			case <-wake:
			case <-ctx.Done():
				return
			case <-done:
				closed() // deliver what was appended before the close, then end
			}
		}
	}()
	return ch
}
