package backend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vmware/govmomi/vim25"
)

// ErrSiteUnavailable is wrapped by the *SiteError a call returns when the site had no live
// session within the wait: the vCenter is down, or still reconnecting.
var ErrSiteUnavailable = errors.New("no live vCenter session")

// defaultCallWait is how long a call waits for a site to (re)connect before it fails.
const defaultCallWait = 10 * time.Second

// liveSession is the client of a site's current session, and a channel closed when a
// session is there (replaced by an open one when it goes).
type liveSession struct {
	client *vim25.Client // nil while there is no session
	ready  chan struct{} // closed while client != nil
}

func newLiveSession() liveSession { return liveSession{ready: make(chan struct{})} }

// setLive makes c the site's live client (nil: the session is gone). Only Run's goroutine
// calls it.
func (s *Site) setLive(c *vim25.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case c != nil && s.live.client == nil:
		s.live.client = c
		close(s.live.ready)
	case c == nil && s.live.client != nil:
		s.live = newLiveSession()
	case c != nil:
		s.live.client = c
	}
}

// Call runs fn with the site's live vCenter client, waiting up to wait (0: 10 s) for a
// session when there is none. fn's context ends with ctx or after the call timeout. It
// fails with a *SiteError wrapping ErrSiteUnavailable when no session came in time, and
// wraps fn's error with the site's name and op otherwise; fn never sees a nil client.
//
// A Silent site (connected, but its vCenter not answering) still has its session, and Call
// tries it rather than failing at once: the vCenter may be only slow, and an answer clears
// the silence. Such a call is bounded by the call timeout (30 s) like any other, so a caller
// that must not wait that long should check the site's Status.Live first or pass a shorter
// ctx.
func (s *Site) Call(ctx context.Context, op string, wait time.Duration, fn func(context.Context, *vim25.Client) error) error {
	if wait <= 0 {
		wait = defaultCallWait
	}
	s.mu.Lock()
	live := s.live
	status := s.snap.Status
	s.mu.Unlock()
	if live.client == nil {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-live.ready:
		case <-t.C:
		case <-ctx.Done():
		}
		s.mu.Lock()
		live, status = s.live, s.snap.Status
		s.mu.Unlock()
		if live.client == nil {
			why := fmt.Sprintf("%s is %s", s.addr, status.State)
			if status.Err != "" {
				why += " (" + status.Err + ")"
			}
			if err := ctx.Err(); err != nil {
				why += ": " + err.Error()
			} else {
				why += fmt.Sprintf(": no session within %s; try again when the site shows connected", wait)
			}
			return &SiteError{Site: s.spec.ID, Op: op, Msg: why, Err: ErrSiteUnavailable}
		}
	}
	call, cancel := context.WithTimeout(ctx, s.opts.callTimeout)
	defer cancel()
	if err := fn(call, live.client); err != nil {
		return s.siteError(op, err)
	}
	return nil
}

// Reconnect drops the site's session and logs in again at once, without the backoff delay.
// It returns at once; the site's state shows the reconnection.
func (s *Site) Reconnect() {
	select {
	case s.kick <- struct{}{}:
	default: // one request pending is enough
	}
}
