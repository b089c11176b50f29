package backend

import (
	"context"
	"fmt"
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
	backoffMin     time.Duration
	backoffMax     time.Duration
	logoutTimeout  time.Duration
}

func defaultSiteOptions() siteOptions {
	return siteOptions{
		connectTimeout: 10 * time.Second,
		callTimeout:    30 * time.Second,
		// A session ended by an administrator is only noticed when the long poll returns
		// (vcsim, and some vCenters, keep the wait open): a short wait bounds how long a
		// dead session shows as connected, for one small round trip every few seconds.
		pollWait:      5 * time.Second,
		backoffMin:    500 * time.Millisecond,
		backoffMax:    10 * time.Second,
		logoutTimeout: 2 * time.Second,
	}
}

// WithConnectTimeout bounds the TCP connect, TLS handshake and login (default 10 s): an
// unreachable vCenter fails within it instead of hanging.
func WithConnectTimeout(d time.Duration) SiteOption {
	return func(o *siteOptions) { o.connectTimeout = d }
}

// WithPollWait sets how long one WaitForUpdatesEx may wait for a change (whole seconds, at
// least 1; default 30 s). A lost session is noticed at the latest when a poll ends.
func WithPollWait(d time.Duration) SiteOption {
	return func(o *siteOptions) { o.pollWait = max(d.Truncate(time.Second), time.Second) }
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
// operator's Reconnect. Reconnect ends the current session (or the wait) at once. Run may
// be called once.
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
			PropSet: propSpecs,
		},
	})
	if err != nil {
		return false, s.siteError("load", err)
	}
	cancel()

	inv := newInventory(s.spec.ID)
	wait := int32(s.opts.pollWait / time.Second)
	req := types.WaitForUpdatesEx{This: pc.Reference(), Options: &types.WaitOptions{MaxWaitSeconds: &wait}}
	for {
		// The server answers within pollWait; the extra time catches a vCenter that vanished
		// without closing the connection.
		call, cancel := context.WithTimeout(ctx, s.opts.pollWait+s.opts.callTimeout)
		res, err := methods.WaitForUpdatesEx(call, c, &req)
		cancel()
		if err != nil {
			op := "watch"
			if !loaded {
				op = "load"
			}
			return loaded, s.siteError(op, err)
		}
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
			if err := s.reread(ctx, c, refs, inv); err != nil {
				return loaded, s.siteError("watch", err)
			}
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

// reread reads the inventory properties of reconfigured VMs again, in one call.
func (s *Site) reread(ctx context.Context, c *vim25.Client, refs []types.ManagedObjectReference, inv *inventory) error {
	call, cancel := context.WithTimeout(ctx, s.opts.callTimeout)
	defer cancel()
	spec := types.PropertyFilterSpec{PropSet: []types.PropertySpec{{Type: "VirtualMachine", PathSet: vmPaths()}}}
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
	inv.applyContents(res.Returnval)
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
// changes in order.
func (s *Site) update(f func(*model.SiteSnapshot)) {
	s.mu.Lock()
	f(&s.snap)
	s.snap.Gen++
	snap, notify := s.snap, s.onChange
	s.mu.Unlock()
	if notify != nil {
		notify(snap)
	}
}
