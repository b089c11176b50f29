package latest

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// recv reads one value from ch, failing after 2 s.
func recv[T any](t *testing.T, ch <-chan T) (T, bool) {
	t.Helper()
	select {
	case v, ok := <-ch:
		return v, ok
	case <-time.After(2 * time.Second):
		t.Fatal("nothing received within 2s")
		var zero T
		return zero, false
	}
}

// closedWithin reports whether ch is closed within 2 s, allowing for one value that may
// have been in flight.
func closedWithin(t *testing.T, ch <-chan int) bool {
	t.Helper()
	for range 2 {
		select {
		case _, ok := <-ch:
			if !ok {
				return true
			}
		case <-time.After(2 * time.Second):
			return false
		}
	}
	return false
}

// closedNow reports whether ch is closed already, without waiting.
func closedNow(ch <-chan int) bool {
	select {
	case _, ok := <-ch:
		return !ok
	default:
		return false
	}
}

// subscribers counts the goroutines that serve subscriptions.
func subscribers() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "latest.(*Value[...]).Subscribe.func") {
			n++
		}
	}
	return n
}

// noSubscribers fails unless every subscription goroutine has ended, waiting up to 2 s.
func noSubscribers(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); ; {
		n := subscribers()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d subscription goroutines still running", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestGetSetUpdate(t *testing.T) {
	l := New("a")
	defer l.Close()
	if got := l.Get(); got != "a" {
		t.Fatalf("Get = %q, want a", got)
	}
	l.Set("b")
	if got := l.Update(func(s string) string { return s + "c" }); got != "bc" {
		t.Errorf("Update returned %q, want bc", got)
	}
	if got := l.Get(); got != "bc" {
		t.Errorf("Get = %q, want bc", got)
	}
}

func TestUpdateIsAtomic(t *testing.T) {
	l := New(0)
	defer l.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				l.Update(func(n int) int { return n + 1 })
			}
		})
	}
	wg.Wait()
	if got := l.Get(); got != 4000 {
		t.Errorf("after 4,000 concurrent increments: %d", got)
	}
}

func TestSubscribeCoalesces(t *testing.T) {
	l := New(0) // not closed by defer: an Update stuck on the reader would hang it
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := l.Subscribe(ctx)
	if v, _ := recv(t, sub); v != 0 {
		t.Fatalf("first value = %d, want the current 0", v)
	}

	// 1,000 updates while the reader does not read: none waits for it.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 1000 {
			l.Update(func(n int) int { return n + 1 })
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Update blocked on a subscriber that does not read")
	}

	// The reader gets the latest within two reads (one may be the value it was offered
	// before it fell behind), never the 998 in between.
	var got []int
	for len(got) == 0 || got[len(got)-1] != 1000 {
		v, _ := recv(t, sub)
		got = append(got, v)
	}
	if len(got) > 2 {
		t.Errorf("reader got %d values %v, want the latest at once", len(got), got)
	}
	// Nothing more until the next change, and then exactly that.
	select {
	case v := <-sub:
		t.Fatalf("got %d with no change", v)
	case <-time.After(50 * time.Millisecond):
	}
	l.Set(1001)
	if v, _ := recv(t, sub); v != 1001 {
		t.Errorf("after Set(1001): %d", v)
	}
	l.Close()
}

func TestSubscribeEveryValueToAFastReader(t *testing.T) {
	l := New(0)
	defer l.Close()
	sub := l.Subscribe(context.Background())
	for i := range 100 {
		if v, _ := recv(t, sub); v != i {
			t.Fatalf("got %d, want %d", v, i)
		}
		l.Set(i + 1)
	}
}

func TestSubscribeEndsWithContext(t *testing.T) {
	l := New(0)
	defer l.Close()

	// A reader that is up to date: its goroutine waits for a change.
	idleCtx, cancelIdle := context.WithCancel(context.Background())
	idle := l.Subscribe(idleCtx)
	recv(t, idle)
	// A reader that fell behind: its goroutine is offering a value nobody takes.
	behindCtx, cancelBehind := context.WithCancel(context.Background())
	behind := l.Subscribe(behindCtx)
	recv(t, behind)
	l.Set(1)
	recv(t, idle)

	cancelIdle()
	if !closedWithin(t, idle) {
		t.Error("idle subscription not closed after ctx was cancelled")
	}
	cancelBehind()
	noSubscribers(t) // without a read: the goroutine gives up its offer
	if !closedNow(behind) {
		t.Error("lagging subscription not closed after ctx was cancelled")
	}
	l.Set(2) // nobody left to wake; must not block
	if l.Get() != 2 {
		t.Error("Set after the subscriptions ended did not take")
	}

	// A subscription whose ctx already ended is closed too.
	if !closedWithin(t, l.Subscribe(idleCtx)) {
		t.Error("subscription with a cancelled ctx is open")
	}
	noSubscribers(t)
}

func TestCloseClosesAndWaits(t *testing.T) {
	l := New(0)
	// One reader up to date, one offered a value it never reads, one never read at all.
	read := l.Subscribe(context.Background())
	recv(t, read)
	pending := l.Subscribe(context.Background())
	recv(t, pending)
	l.Set(1)
	unread := l.Subscribe(context.Background())
	if n := subscribers(); n != 3 {
		t.Fatalf("%d subscription goroutines, want 3", n)
	}

	l.Close()
	// Close waited: every channel is closed now, not eventually. (A goroutine may still
	// be returning, past its last deferred call.)
	for i, sub := range []<-chan int{read, pending, unread} {
		if !closedNow(sub) {
			t.Errorf("subscription %d not closed when Close returned", i)
		}
	}
	noSubscribers(t)

	// Later subscriptions come back closed; the value itself still works.
	if _, open := <-l.Subscribe(context.Background()); open {
		t.Error("subscription after Close is open")
	}
	l.Set(2)
	if got := l.Update(func(n int) int { return n + 1 }); got != 3 || l.Get() != 3 {
		t.Errorf("after Close: Update = %d, Get = %d, want 3", got, l.Get())
	}
	l.Close() // again: no panic
	noSubscribers(t)
}

func TestConcurrentUse(t *testing.T) {
	l := New(0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				l.Update(func(n int) int { return n + 1 })
			}
		})
	}
	for i := range 8 {
		wg.Go(func() {
			sub := l.Subscribe(ctx)
			prev := -1
			for v := range sub {
				if v <= prev {
					t.Errorf("subscriber %d: %d after %d", i, v, prev)
					return
				}
				prev = v
				if v == 4000 {
					return
				}
				if i%2 == 0 {
					time.Sleep(time.Millisecond) // a slow reader
				}
			}
		})
	}
	wg.Wait()
	cancel()
	l.Close()
	noSubscribers(t)
}

func TestSubscribeRacingClose(t *testing.T) {
	for range 100 {
		l := New(0)
		var wg sync.WaitGroup
		subs := make(chan (<-chan int), 4)
		for range 4 {
			wg.Go(func() { subs <- l.Subscribe(context.Background()) })
		}
		wg.Go(l.Close)
		wg.Wait()
		l.Close() // every call waits, so no goroutine outlives this
		close(subs)
		for sub := range subs {
			if !closedNow(sub) {
				t.Fatal("subscription not closed when Close returned")
			}
		}
	}
	noSubscribers(t)
}
