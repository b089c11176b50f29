package backend

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

// A slow reader still gets every event, in order, each once; a reader that subscribes
// after seq n starts at n+1.
func TestEventLogLossless(t *testing.T) {
	l := newEventLog()
	done := make(chan struct{})
	defer close(done)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	slow := l.Subscribe(ctx, 0, done)
	const n = 2000
	go func() {
		for i := 0; i < n; i++ {
			l.Append(model.Event{Kind: model.EventCommand, Object: fmt.Sprint(i)})
		}
	}()
	for i := 0; i < n; i++ {
		if i%500 == 0 {
			time.Sleep(20 * time.Millisecond) // fall behind the writer
		}
		select {
		case ev := <-slow:
			if ev.Seq != uint64(i+1) || ev.Object != fmt.Sprint(i) {
				t.Fatalf("event %d: got seq %d object %q", i, ev.Seq, ev.Object)
			}
		case <-ctx.Done():
			t.Fatalf("only %d of %d events arrived", i, n)
		}
	}
	late := l.Subscribe(ctx, n-2, done)
	for _, want := range []uint64{n - 1, n} {
		if ev := <-late; ev.Seq != want {
			t.Fatalf("late reader: seq %d, want %d", ev.Seq, want)
		}
	}
	if l.Last() != n {
		t.Errorf("Last() = %d, want %d", l.Last(), n)
	}
}

// A reader whose cursor fell off the kept events is told how many it missed.
func TestEventLogGap(t *testing.T) {
	l := newEventLog()
	for i := 0; i < maxEvents+10; i++ {
		l.Append(model.Event{Kind: model.EventCommand})
	}
	done := make(chan struct{})
	defer close(done)
	ch := l.Subscribe(context.Background(), 0, done)
	gap := <-ch
	if gap.Kind != model.EventGap {
		t.Fatalf("first event %+v, want a gap", gap)
	}
	next := <-ch
	if next.Seq != gap.Seq+1 {
		t.Errorf("after the gap (seq %d) came seq %d", gap.Seq, next.Seq)
	}
}

// Subscriptions end when the engine closes (done) or the reader's context ends.
func TestEventLogSubscriptionEnds(t *testing.T) {
	l := newEventLog()
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	a := l.Subscribe(ctx, 0, done)
	b := l.Subscribe(context.Background(), 0, done)
	cancel()
	close(done)
	for _, ch := range []<-chan model.Event{a, b} {
		select {
		case _, ok := <-ch:
			if ok {
				t.Fatal("got an event, want the channel closed")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("channel not closed")
		}
	}
}

// Events appended just before the engine closes still reach a reader that keeps reading
// (the audit log), in order; one that stops reading is let go after drainGrace.
func TestEventLogDeliversWhatCameBeforeTheClose(t *testing.T) {
	l := newEventLog()
	done := make(chan struct{})
	reader := l.Subscribe(context.Background(), 0, done)
	idle := l.Subscribe(context.Background(), 0, done)
	const n = 500 // more than the channel holds: the subscription must go on after the close
	for i := range n {
		l.Append(model.Event{Kind: model.EventMoveDone, Message: fmt.Sprint(i)})
	}
	close(done)
	got := 0
	for ev := range reader {
		got++
		if ev.Seq != uint64(got) {
			t.Fatalf("event %d has seq %d", got, ev.Seq)
		}
	}
	if got != n {
		t.Errorf("the reader got %d of the %d events appended before the close", got, n)
	}
	// The idle reader took nothing: after drainGrace its subscription ends by itself, with
	// no more than its channel held.
	time.Sleep(drainGrace + drainGrace/2)
	left := 0
	for {
		select {
		case _, ok := <-idle:
			if !ok {
				if left >= n {
					t.Errorf("the idle reader still got all %d events", left)
				}
				return
			}
			left++
		case <-time.After(5 * time.Second):
			t.Fatal("the subscription of a reader that stopped reading never ended")
		}
	}
}

// A site's outage is one site.disconnected event, not one per failed retry; silence and its
// end are events too.
func TestSiteEventsOnePerOutage(t *testing.T) {
	e := NewEngine(nil)
	down := time.Now().Add(-time.Minute)
	steps := []model.SiteStatus{
		{ID: "site-a", State: model.Connected},
		{ID: "site-a", State: model.Connected, Silent: true, DownSince: down},
		{ID: "site-a", State: model.Disconnected, DownSince: down},
		{ID: "site-a", State: model.Connecting, DownSince: down},
		{ID: "site-a", State: model.Disconnected, DownSince: down},
		{ID: "site-a", State: model.Connecting, DownSince: down},
		{ID: "site-a", State: model.Disconnected, DownSince: down},
		{ID: "site-a", State: model.Connecting, DownSince: down},
		{ID: "site-a", State: model.Connected},
	}
	for i := 1; i < len(steps); i++ {
		e.siteEvent(steps[i-1], steps[i])
	}
	var kinds []model.EventKind
	evs, _, _ := e.events.since(0, 100)
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
	}
	want := []model.EventKind{model.EventSiteSilent, model.EventSiteDown, model.EventSiteConnected}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", kinds, want)
	}
}
