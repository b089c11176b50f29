package backend

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// SiteOption tunes a Site (and, through NewEngine, every site of an Engine).
type SiteOption func(*siteOptions)

type siteOptions struct {
	connectTimeout time.Duration
	callTimeout    time.Duration
	pollWait       time.Duration
	answerGrace    time.Duration
	silenceLimit   time.Duration
	backoffMin     time.Duration
	backoffMax     time.Duration
	logoutTimeout  time.Duration
	props          []types.PropertySpec // what the inventory reads of each type
}

func defaultSiteOptions() siteOptions {
	return siteOptions{
		connectTimeout: 10 * time.Second,
		callTimeout:    30 * time.Second,
		// A session ended by an administrator is only noticed when the long poll returns
		// (vcsim, and some vCenters, keep the wait open): a short wait bounds how long a
		// dead session shows as connected, for one small round trip every few seconds.
		pollWait: 5 * time.Second,
		// A poll is due within pollWait; past the grace the site shows as silent (within
		// 8 s of a freeze by default), and past the silence limit its session is dropped.
		answerGrace:   3 * time.Second,
		silenceLimit:  30 * time.Second,
		backoffMin:    500 * time.Millisecond,
		backoffMax:    10 * time.Second,
		logoutTimeout: 2 * time.Second,
		props:         propSpecs,
	}
}

// WithListProperties makes the site read only what a listing of its VMs shows (listSpecs):
// for `vmcross inventory`, which prints them and exits. Preflight, details and moves need
// the full inventory; an engine with this option is for listing only.
func WithListProperties() SiteOption {
	return func(o *siteOptions) { o.props = listSpecs }
}

// WithConnectTimeout bounds the TCP connect, TLS handshake and login (default 10 s): an
// unreachable vCenter fails within it instead of hanging.
func WithConnectTimeout(d time.Duration) SiteOption {
	return func(o *siteOptions) { o.connectTimeout = d }
}

// WithPollWait sets how long one WaitForUpdatesEx may wait for a change (whole seconds, at
// least 1; default 5 s). A lost session is noticed at the latest when a poll ends.
func WithPollWait(d time.Duration) SiteOption {
	return func(o *siteOptions) { o.pollWait = max(d.Truncate(time.Second), time.Second) }
}

// WithAnswerGrace sets how late a connected vCenter's answer may be before the site shows
// as Silent (default 3 s). A poll for changes is due within the poll wait, so a vCenter
// that froze or vanished behind a black hole shows as silent within poll wait plus grace
// (8 s by default); it is live again with its next answer.
func WithAnswerGrace(d time.Duration) SiteOption {
	return func(o *siteOptions) { o.answerGrace = max(d, 0) }
}

// WithSilenceLimit sets how long a poll may stay unanswered past its due time before the
// session is dropped and the site reconnects (default 30 s). Until then a silent site keeps
// its session, so a vCenter that resumes (a long garbage collection, a network blip) needs
// no new login.
func WithSilenceLimit(d time.Duration) SiteOption {
	return func(o *siteOptions) { o.silenceLimit = max(d, time.Second) }
}

// WithBackoff sets the delay before reconnecting: min, doubling up to max
// (default 0.5 s to 10 s).
func WithBackoff(minDelay, maxDelay time.Duration) SiteOption {
	return func(o *siteOptions) { o.backoffMin, o.backoffMax = minDelay, max(minDelay, maxDelay) }
}

// Site is one vCenter and its live VM inventory. Run keeps a session, loads every VM
// through one ContainerView and follows changes with WaitForUpdatesEx, reconnecting when
// the session is lost. Snapshot is safe to call from any goroutine.
type Site struct {
	spec SiteSpec
	opts siteOptions
	addr string // host:port, for messages

	running atomic.Bool

	mu       sync.Mutex
	snap     model.SiteSnapshot
	loaded   bool          // a full inventory has been loaded at least once
	firstErr *SiteError    // the outcome of the first attempt, when it failed
	settled  chan struct{} // closed when the first attempt loaded or failed
	onChange func(model.SiteSnapshot)
	live     liveSession // the current session's client, for Call
	// lastAnswer is when the vCenter last answered a poll (or the load). It moves with
	// every answer but is published (Status.LastAnswer) only with another change: a new
	// snapshot every few seconds for nothing would wake every console. So the published
	// value may lag while the site is live, and is exact while it is silent or down.
	lastAnswer time.Time

	kick chan struct{} // Reconnect's request to drop the session
}

// NewSite returns a site in state Connecting; call Run to connect it.
func NewSite(spec SiteSpec, opts ...SiteOption) *Site {
	o := defaultSiteOptions()
	for _, f := range opts {
		f(&o)
	}
	addr := spec.URL
	if u, err := url.Parse(spec.URL); err == nil && u.Host != "" {
		addr = u.Host
	}
	name := spec.Name
	if name == "" {
		name = string(spec.ID)
	}
	return &Site{
		spec:    spec,
		opts:    o,
		addr:    addr,
		settled: make(chan struct{}),
		live:    newLiveSession(),
		kick:    make(chan struct{}, 1),
		snap: model.SiteSnapshot{Gen: 1, Status: model.SiteStatus{
			ID: spec.ID, Name: name, Host: addr, State: model.Connecting, Since: time.Now(),
			Insecure: spec.TLSUnverified(),
		}},
	}
}

// ID returns the site's id.
func (s *Site) ID() model.SiteID { return s.spec.ID }

// Snapshot returns the site's latest status and VMs. It is never modified afterwards.
func (s *Site) Snapshot() model.SiteSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap
}

// Settled is closed once the site has loaded its inventory or failed its first attempt.
func (s *Site) Settled() <-chan struct{} { return s.settled }

// LoadErr returns nil once the site has loaded its inventory at least once; otherwise the
// error of its first attempt (nil while that attempt is still running).
func (s *Site) LoadErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded || s.firstErr == nil {
		return nil
	}
	return s.firstErr
}

// Run connects and keeps the inventory live until ctx ends, then logs out and returns nil.
// A failed connection or a lost session marks the site Disconnected and is retried with
// backoff, except for permanent failures (wrong password, bad settings), which wait for an
// operator's Reconnect. Reconnect ends the current session (or the wait) at once. A
// connected vCenter whose answer is late by more than the answer grace is shown as Silent
// until it answers; one silent for the silence limit loses its session. Run may be called
// once.
func (s *Site) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return fmt.Errorf("site %s: Run called twice", s.spec.ID)
	}
	delay := s.opts.backoffMin
	for {
		loaded, err, asked := s.sessionOrReconnect(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if asked {
			// An operator asked for a fresh session: no backoff, no failure to report.
			delay = s.opts.backoffMin
			s.setState(model.Connecting, "reconnecting: an operator asked for a new session")
			continue
		}
		se := s.siteError("", err)
		s.setFailed(se)
		if loaded {
			delay = s.opts.backoffMin
		}
		t := time.NewTimer(delay)
		wait := t.C
		if se.Permanent {
			wait = nil // retrying cannot help: wait for an operator's reconnect
		}
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-s.kick:
			delay = s.opts.backoffMin
		case <-wait:
			delay = min(delay*2, s.opts.backoffMax)
		}
		t.Stop()
		s.setState(model.Connecting, se.Error()) // keep saying why it is reconnecting
	}
}

// sessionOrReconnect runs one session, which ends early when an operator asks for a
// reconnect (asked is then true).
func (s *Site) sessionOrReconnect(ctx context.Context) (loaded bool, err error, asked bool) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var kicked atomic.Bool
	go func() {
		select {
		case <-s.kick:
			kicked.Store(true)
			cancel()
		case <-sctx.Done():
		}
	}()
	loaded, err = s.session(sctx)
	cancel()
	return loaded, err, kicked.Load() && ctx.Err() == nil
}

// session runs one vCenter session: connect, log in, load, follow updates. It returns when
// the session fails or ctx ends, and says whether the inventory was loaded.
func (s *Site) session(ctx context.Context) (loaded bool, err error) {
	c, err := s.connect(ctx)
	if err != nil {
		return false, err
	}
	defer s.disconnect(c)
	s.setLive(c)
	defer s.setLive(nil)

	call, cancel := context.WithTimeout(ctx, s.opts.callTimeout)
	defer cancel()
	cv, err := view.NewManager(c).CreateContainerView(call, c.ServiceContent.RootFolder, viewTypes, true)
	if err != nil {
		return false, s.siteError("load", err)
	}
	pc, err := property.DefaultCollector(c).Create(call)
	if err != nil {
		return false, s.siteError("load", err)
	}
	defer func() {
		if ctx.Err() != nil {
			// Shutting down: end the server's side of the long poll too, or a vCenter (and
			// vcsim) keeps it open until MaxWaitSeconds.
			cctx, cancel := context.WithTimeout(context.Background(), s.opts.logoutTimeout)
			_ = pc.CancelWaitForUpdates(cctx)
			cancel()
		}
	}()
	_, err = pc.CreateFilter(call, types.CreateFilter{
		Spec: types.PropertyFilterSpec{
			ObjectSet: []types.ObjectSpec{{
				Obj:       cv.Reference(),
				Skip:      types.NewBool(true),
				SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}},
			}},
			PropSet: s.opts.props,
		},
	})
	if err != nil {
		return false, s.siteError("load", err)
	}
	cancel()

	inv := newInventory(s.spec.ID)
	// The long poll's answers are read by the inventory's own decoder (updateset.go).
	var poll soap.RoundTripper = c
	if sc, ok := c.RoundTripper.(*soap.Client); ok {
		poll = newUpdatesClient(sc)
	}
	wait := int32(s.opts.pollWait / time.Second)
	req := types.WaitForUpdatesEx{This: pc.Reference(), Options: &types.WaitOptions{MaxWaitSeconds: &wait}}
	for {
		// The server answers within pollWait. Past that and the grace, a connected site is
		// shown as silent; past the silence limit the session is dropped, which catches a
		// vCenter that froze or vanished without closing the connection.
		call, cancel := context.WithTimeout(ctx, s.opts.pollWait+s.opts.silenceLimit)
		var res *types.WaitForUpdatesExResponse
		err := s.await(loaded, func() (err error) {
			res, err = methods.WaitForUpdatesEx(call, poll, &req)
			return err
		})
		timedOut := call.Err() == context.DeadlineExceeded && ctx.Err() == nil
		cancel()
		if err != nil {
			op := "watch"
			if !loaded {
				op = "load"
			}
			if timedOut {
				return loaded, s.silenceError(op, err)
			}
			return loaded, s.siteError(op, err)
		}
		s.answered()
		set := res.Returnval
		if set == nil {
			continue // the wait ended with no change
		}
		req.Version = set.Version
		for _, fs := range set.FilterSet {
			inv.apply(fs.ObjectSet)
		}
		if set.Truncated != nil && *set.Truncated {
			continue // more of this batch follows at once; publish it whole
		}
		if refs := inv.takeReconfigured(); len(refs) > 0 && loaded {
			if err := s.await(true, func() error { return s.reread(ctx, c, refs, inv) }); err != nil {
				return loaded, s.siteError("watch", err)
			}
			s.answered()
		}
		current, changed := inv.snapshot()
		if !loaded {
			loaded = true
			s.setLoaded(current)
		} else if changed {
			s.setInventory(current)
		}
	}
}

// await runs call, which the vCenter should answer within the poll wait, and returns its
// error. When watch is set (the site is connected) and no answer has come by the poll wait
// plus the answer grace, it marks the site Silent and goes on waiting: call ends only with
// its own context. The call runs on its own goroutine so that this one, Run's, stays the
// only one that publishes; await always waits for it, so nothing outlives the session.
func (s *Site) await(watch bool, call func() error) error {
	if !watch {
		return call()
	}
	done := make(chan error, 1)
	go func() { done <- call() }()
	t := time.NewTimer(s.opts.pollWait + s.opts.answerGrace)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
	}
	s.setSilent()
	return <-done
}

// answered records that the vCenter answered now. A silent site is live again: that is
// published at once; otherwise the new time waits for the next change (see lastAnswer).
func (s *Site) answered() {
	s.mu.Lock()
	s.lastAnswer = time.Now()
	silent := s.snap.Status.Silent
	s.mu.Unlock()
	if silent {
		s.update(func(snap *model.SiteSnapshot) {
			snap.Status.Silent = false
			snap.Status.Err = ""
		})
	}
}

// setSilent shows a connected site as not answering, since its last answer. State stays
// Connected: the session is not known to be lost yet.
func (s *Site) setSilent() {
	s.mu.Lock()
	st := s.snap.Status
	s.mu.Unlock()
	if st.State != model.Connected || st.Silent {
		return // only Run's goroutine changes the status: it is still so below
	}
	s.update(func(snap *model.SiteSnapshot) {
		snap.Status.Silent = true
		snap.Status.Err = fmt.Sprintf("%s: %s not answering since %s (check vCenter and the network path); a new session after %s of silence",
			s.spec.ID, s.addr, s.lastAnswer.Format("15:04:05"), (s.opts.pollWait + s.opts.silenceLimit).Round(time.Second))
	})
}

// silenceError is the failure of a poll that stayed unanswered for the silence limit.
func (s *Site) silenceError(op string, err error) *SiteError {
	s.mu.Lock()
	last := s.lastAnswer
	s.mu.Unlock()
	silent := s.opts.pollWait + s.opts.silenceLimit
	if !last.IsZero() {
		silent = time.Since(last)
	}
	return &SiteError{Site: s.spec.ID, Op: op, Err: err,
		Msg: fmt.Sprintf("no answer from %s for %s (a frozen vCenter or a network black hole?); reconnecting", s.addr, silent.Round(time.Second))}
}

// reread reads the inventory properties of reconfigured VMs again, in one call.
func (s *Site) reread(ctx context.Context, c *vim25.Client, refs []types.ManagedObjectReference, inv *inventory) error {
	call, cancel := context.WithTimeout(ctx, s.opts.callTimeout)
	defer cancel()
	spec := types.PropertyFilterSpec{PropSet: []types.PropertySpec{{Type: "VirtualMachine", PathSet: vmPaths(s.opts.props)}}}
	for _, ref := range refs {
		spec.ObjectSet = append(spec.ObjectSet, types.ObjectSpec{Obj: ref})
	}
	res, err := methods.RetrieveProperties(call, c, &types.RetrieveProperties{
		This: c.ServiceContent.PropertyCollector, SpecSet: []types.PropertyFilterSpec{spec}})
	if err != nil {
		if soap.IsSoapFault(err) {
			if _, gone := soap.ToSoapFault(err).VimFault().(types.ManagedObjectNotFound); gone {
				return nil // deleted meanwhile: its Leave update follows
			}
		}
		return err
	}
	inv.applyContents(res.Returnval, vmPaths(s.opts.props))
	return nil
}

// connect builds a client whose TLS is verified as the spec says, and logs in, all within
// the connect timeout. A fresh client per session: vcsim (like vCenter) refuses Login on a
// client whose session is still valid, and a fresh cookie jar avoids the question.
func (s *Site) connect(ctx context.Context) (*vim25.Client, error) {
	u, err := soap.ParseURL(s.spec.URL)
	if err != nil || u == nil {
		return nil, &SiteError{Site: s.spec.ID, Op: "connect", Msg: fmt.Sprintf("%q is not a vCenter URL (use https://host/sdk)", s.spec.URL), Err: err, Permanent: true}
	}
	cfg, err := tlsConfig(s.spec)
	if err != nil {
		return nil, &SiteError{Site: s.spec.ID, Op: "connect", Msg: err.Error(), Err: err, Permanent: true}
	}
	sc := soap.NewClient(u, cfg.InsecureSkipVerify && s.spec.Thumbprint == "")
	t := sc.DefaultTransport()
	t.TLSClientConfig = cfg // used when a proxy forces the transport to do TLS itself
	t.DialTLSContext = tlsDialer(cfg, s.opts.connectTimeout)
	t.TLSHandshakeTimeout = s.opts.connectTimeout
	sc.Client.Transport = drainingTransport{t}

	ctx, cancel := context.WithTimeout(ctx, s.opts.connectTimeout)
	defer cancel()
	c, err := vim25.NewClient(ctx, sc)
	if err != nil {
		t.CloseIdleConnections()
		return nil, s.siteError("connect", err)
	}
	if !c.IsVC() {
		t.CloseIdleConnections()
		return nil, &SiteError{Site: s.spec.ID, Op: "connect", Msg: fmt.Sprintf("%s is an ESXi host, not a vCenter", s.addr), Permanent: true}
	}
	if err := session.NewManager(c).Login(ctx, url.UserPassword(s.spec.Username, s.spec.Password)); err != nil {
		t.CloseIdleConnections()
		return nil, s.siteError("login", err)
	}
	return c, nil
}

// drainingTransport reads each answer's body to its end before closing it: govmomi's XML
// decoder stops at the end of the envelope, short of the end of a chunked body (any answer
// larger than a few KiB), and net/http drops a connection whose body is closed before its
// end. Without it every poll that carried changes cost a new TLS connection (measured
// against the lab), and the poll after it, if the vCenter froze meanwhile, failed at the
// connect timeout instead of being shown silent and dropped at the silence limit.
type drainingTransport struct{ *http.Transport }

func (t drainingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.Transport.RoundTrip(req)
	if err == nil {
		res.Body = drainOnClose{res.Body}
	}
	return res, err
}

// drainOnClose reads at most a little of what is left of a body before closing it: the
// end of a chunked encoding, which the server sends right after the answer. A body with
// more left over is closed as it is, and its connection dropped as before.
type drainOnClose struct{ io.ReadCloser }

func (b drainOnClose) Close() error {
	_, _ = io.CopyN(io.Discard, b.ReadCloser, 4<<10)
	return b.ReadCloser.Close()
}

// disconnect logs out (which also drops the session's view, collector and filter on the
// server) and closes idle connections. It is bounded, since the network may be gone.
func (s *Site) disconnect(c *vim25.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.logoutTimeout)
	defer cancel()
	_ = session.NewManager(c).Logout(ctx)
	if t, ok := c.RoundTripper.(*soap.Client); ok {
		t.DefaultTransport().CloseIdleConnections()
	} else if t, ok := c.Client.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}

// setState changes the connection state and error sentence, keeping the last VMs.
func (s *Site) setState(st model.ConnState, msg string) {
	s.update(func(snap *model.SiteSnapshot) {
		if snap.Status.State != st {
			snap.Status.Since = time.Now()
		}
		snap.Status.State = st
		snap.Status.Err = msg
	})
}

// setFailed marks the site Disconnected with an operator sentence. The last VMs stay, so
// the console can still show them (greyed out) while the site reconnects.
func (s *Site) setFailed(err *SiteError) {
	s.mu.Lock()
	first := !s.loaded && s.firstErr == nil
	if first {
		s.firstErr = err
	}
	s.mu.Unlock()
	s.setState(model.Disconnected, err.Error())
	if first {
		close(s.settled)
	}
}

func (s *Site) setLoaded(inv siteInventory) {
	s.mu.Lock()
	first := !s.loaded && s.firstErr == nil
	s.loaded = true
	s.mu.Unlock()
	s.update(func(snap *model.SiteSnapshot) {
		if snap.Status.State != model.Connected {
			snap.Status.Since = time.Now()
		}
		snap.Status.State = model.Connected
		snap.Status.Err = ""
		inv.fill(snap)
	})
	if first {
		close(s.settled)
	}
}

// setInventory publishes a changed inventory: VMs, hosts, clusters, datastores, port groups.
func (s *Site) setInventory(inv siteInventory) {
	s.update(inv.fill)
}

// update publishes a changed snapshot. Only Run's goroutine calls it, so observers see the
// changes in order. It keeps the status's derived fields true: LastAnswer is the latest
// answer, only a connected site is Silent, and DownSince is when the site stopped being live
// (the first failure of a site that never connected), kept through retries and cleared
// once it is live again.
func (s *Site) update(f func(*model.SiteSnapshot)) {
	s.mu.Lock()
	was := s.snap.Status
	f(&s.snap)
	st := &s.snap.Status
	if s.lastAnswer.After(st.LastAnswer) {
		st.LastAnswer = s.lastAnswer
	}
	if st.State != model.Connected {
		st.Silent = false
	}
	switch {
	case st.Live():
		st.DownSince = time.Time{}
	case st.DownSince.IsZero() && !st.Since.Equal(was.Since):
		st.DownSince = st.Since // it went down with this change of state
	case st.DownSince.IsZero():
		st.DownSince = time.Now()
	}
	s.snap.Gen++
	snap, notify := s.snap, s.onChange
	s.mu.Unlock()
	if notify != nil {
		notify(snap)
	}
}
