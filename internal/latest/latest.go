// Package latest holds a value that changes over time and hands it to any number of
// subscribers, coalesced: a slow reader skips to the newest value, and no reader ever
// holds up the writer. The Engine broadcasts its State with it and the fabric monitor its
// Health.
//
// It imports nothing of this module, so that package fabric may use it without importing
// package backend.
package latest

import (
	"context"
	"sync"
)

// Value is the latest value of a T, read with Get, changed with Set or Update, and
// followed with Subscribe. Its methods are safe for concurrent use. T should be treated as
// immutable once set: readers share it.
type Value[T any] struct {
	mu     sync.RWMutex
	v      T
	gen    uint64                     // grows with every Set or Update
	subs   map[chan struct{}]struct{} // each subscriber's wake-up, buffered by one
	closed bool                       // no new subscriptions
	done   chan struct{}              // closed by Close: subscriptions end
	wg     sync.WaitGroup             // subscriber goroutines
}

// New returns a Value holding v.
func New[T any](v T) *Value[T] {
	return &Value[T]{v: v, gen: 1, subs: map[chan struct{}]struct{}{}, done: make(chan struct{})}
}

// Get returns the current value.
func (l *Value[T]) Get() T {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.v
}

// Set makes v the current value and wakes every subscriber.
func (l *Value[T]) Set(v T) {
	l.Update(func(T) T { return v })
}

// Update makes f(current) the current value, atomically, wakes every subscriber and
// returns the new value. f runs under the Value's lock: it must not call l's methods.
// After Close the value still changes, with nobody left to tell.
func (l *Value[T]) Update(f func(T) T) T {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.v = f(l.v)
	l.gen++
	for wake := range l.subs {
		select {
		case wake <- struct{}{}:
		default: // already woken: it will read the latest value
		}
	}
	return l.v
}

// load returns the current value and its generation.
func (l *Value[T]) load() (T, uint64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.v, l.gen
}

// Subscribe returns a channel that first carries the current value and then each newer
// one. A slow reader misses intermediate values (it always gets the latest) and never
// blocks Set or Update. The channel is closed when ctx ends or on Close; after Close it
// comes back closed.
func (l *Value[T]) Subscribe(ctx context.Context) <-chan T {
	out := make(chan T)
	wake := make(chan struct{}, 1)
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		close(out)
		return out
	}
	l.subs[wake] = struct{}{}
	l.wg.Add(1) // under mu, so it cannot race with Close's Wait
	l.mu.Unlock()

	go func() {
		defer l.wg.Done()
		defer close(out)
		defer func() {
			l.mu.Lock()
			delete(l.subs, wake)
			l.mu.Unlock()
		}()
		var sent uint64 // generations start at 1
		for woken := true; ; {
			if !woken {
				select {
				case <-wake:
				case <-ctx.Done():
					return
				case <-l.done:
					return
				}
			}
			woken = false
			v, gen := l.load()
			if gen == sent {
				continue
			}
			select {
			case out <- v:
				sent = gen
			case <-wake:
				woken = true // a newer value exists: offer that one instead
			case <-ctx.Done():
				return
			case <-l.done:
				return
			}
		}
	}()
	return out
}

// Close closes every subscription and waits for their goroutines to end; later
// subscriptions come back closed. Get, Set and Update keep working. It is safe to call
// more than once, and every call waits.
func (l *Value[T]) Close() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.done)
	}
	l.mu.Unlock()
	l.wg.Wait()
}
