// Package server serves the vmcross console over SSH (`vmcross serve`): every session gets
// its own console, sized and coloured for the client's terminal, over one shared engine, so
// operators on call see the same sites, fabric and moves, and the engine checks each one's
// role on every dangerous command. Who a session is (name, key fingerprint, role) is settled
// from the public key before the console exists. Without a terminal a session may run one
// command: `status`.
package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	gossh "golang.org/x/crypto/ssh"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/keymap"
	"github.com/vmcross/vmcross/themes"
	"github.com/vmcross/vmcross/ui"
)

// Engine is what the server needs of the back end: what a console needs, and a record of
// who is connected. *backend.Engine satisfies it.
type Engine interface {
	ui.Engine
	// Join lists op's session (from the client address addr) in State.Sessions and records
	// its start in the audit log; leave ends it and records its end.
	Join(op model.Operator, addr string) (leave func())
	// LoginRefused records a connection from addr refused for want of an authorized key: the
	// login name it gave and the keys (fingerprints) it offered.
	LoginRefused(user, addr string, keys []string)
}

// Defaults of Options.
const (
	DefaultIdleTimeout = 15 * time.Minute
	DefaultMaxSessions = 32
	defaultFPS         = 20
)

// handshakeTimeout bounds how long a connection may take to authenticate and open its
// session: a client that connects and says nothing (or garbage) is not kept.
const handshakeTimeout = 30 * time.Second

// closeWait bounds how long Close waits for the sessions to end.
const closeWait = 3 * time.Second

// serverVersion is the SSH identification the server sends.
const serverVersion = "vmcross"

// Options configure a Server. The zero value of each field is its default.
type Options struct {
	// HostKeyPath is the host's private key file; one is made (ed25519, mode 0600) when it
	// does not exist. "" means DefaultHostKeyPath().
	HostKeyPath string
	// AuthorizedKeys is an authorized_keys file of the operators allowed in (see
	// readAuthorizedKeys for the role= and user= words of a line's comment); "" for none.
	AuthorizedKeys string
	// Users are more operators allowed in, from the config.
	Users []User
	// IdleTimeout closes a console that had no key from its operator for that long (0:
	// DefaultIdleTimeout), saying why. A connection silent both ways is dropped a little
	// later (connIdle): a console showing nothing new writes nothing, and the connection's
	// own deadline must not close it first, without a word.
	IdleTimeout time.Duration
	// MaxSessions is how many sessions (consoles and commands) may be open at once (0:
	// DefaultMaxSessions); the one over it is told so and closed.
	MaxSessions int
	// Theme, KeyMap and Plans are every console's, as for the local one (ui.Options).
	Theme  themes.Theme
	KeyMap *keymap.KeyMap
	Plans  ui.Planner
	// FPS caps how often a console redraws (0: 20).
	FPS int
	// Log gets a line for each connection refused, session started and ended; nil: none.
	Log *slog.Logger

	handshake time.Duration // handshakeTimeout unless set (by tests)
}

// Server is the SSH server. Build it with New, run it with Serve, stop it with Close.
type Server struct {
	eng     Engine
	opts    Options
	keys    *keyring
	hostKey gossh.Signer
	created bool
	srv     *ssh.Server
	log     *slog.Logger

	mu        sync.Mutex
	sessions  int  // open now
	closing   bool // Close was called: no new session starts
	listeners []net.Listener
	wg        sync.WaitGroup
	done      chan struct{} // closed by Close

	conns sync.Map // client address → *connState, of the connections not yet ended
}

// New checks the options and reads the host key (making it if needed) and the keys. It
// listens on nothing yet.
func New(eng Engine, opts Options) (*Server, error) {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.handshake <= 0 {
		opts.handshake = handshakeTimeout
	}
	if opts.FPS <= 0 {
		opts.FPS = defaultFPS
	}
	if opts.HostKeyPath == "" {
		opts.HostKeyPath = DefaultHostKeyPath()
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	keys, err := newKeyring(opts.Users, opts.AuthorizedKeys, log)
	if err != nil {
		return nil, err
	}
	hk, created, err := loadHostKey(opts.HostKeyPath)
	if err != nil {
		return nil, err
	}
	s := &Server{eng: eng, opts: opts, keys: keys, hostKey: hk, created: created, log: log, done: make(chan struct{})}
	// Public keys only: with no password or keyboard-interactive handler the SSH library
	// offers neither method, so a client cannot even try them.
	s.srv, err = wish.NewServer(
		func(srv *ssh.Server) error { srv.AddHostKey(hk); return nil },
		wish.WithVersion(serverVersion),
		wish.WithPublicKeyAuth(s.allowKey),
		wish.WithIdleTimeout(connIdle(opts.IdleTimeout)),
		ssh.WrapConn(s.wrapConn),
		func(srv *ssh.Server) error {
			srv.Handler = s.handle
			srv.ConnectionFailedCallback = s.connectionFailed
			return nil
		},
	)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// HostKey is the server's public host key (its fingerprint is what clients are asked to
// accept), and whether New made it.
func (s *Server) HostKey() (gossh.PublicKey, bool) { return s.hostKey.PublicKey(), s.created }

// Serve accepts connections on ln until Close. It returns nil after Close, else the
// listener's error.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = ln.Close()
		return nil
	}
	s.listeners = append(s.listeners, ln)
	s.mu.Unlock()
	err := s.srv.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	select {
	case <-s.done:
		return nil
	default:
	}
	return err
}

// Close stops listening, hangs up every connection and waits (a few seconds at most) for
// the sessions to end, so that each one's end is in the audit log before the engine
// closes.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	close(s.done)
	lns := s.listeners
	s.mu.Unlock()
	err := s.srv.Close()
	for _, ln := range lns { // one whose Serve had not begun when the server closed
		_ = ln.Close()
	}
	ended := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(ended)
	}()
	select {
	case <-ended:
	case <-time.After(closeWait):
		s.log.Warn("ssh: gave up waiting for sessions to end", "after", closeWait)
	}
	return err
}

// Sessions is the number of sessions open now.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// allowKey lets a connection in when its key is known. It is only the door: the session
// looks the key it finally authenticated with up again (handle), since a client may ask
// about several keys before signing with one.
func (s *Server) allowKey(ctx ssh.Context, pk ssh.PublicKey) bool {
	if _, ok := s.keys.lookup(pk); ok {
		return true
	}
	fp := gossh.FingerprintSHA256(pk)
	s.log.Info("ssh: key refused", "user", ctx.User(), "from", ctx.RemoteAddr().String(), "key", fp)
	if st, ok := ctx.Value(connStateKey{}).(*connState); ok {
		st.refuse(ctx.User(), fp)
	}
	return false
}

// connectionFailed is told of each connection that ended before a session: one that asked
// to log in and was refused every key is in the audit log (LoginRefused); garbage, scanners
// and clients that gave up before authenticating are only logged.
func (s *Server) connectionFailed(c net.Conn, err error) {
	addr := c.RemoteAddr().String()
	s.log.Info("ssh: connection failed", "from", addr, "err", err)
	v, ok := s.conns.LoadAndDelete(addr)
	if !ok {
		return
	}
	// A key was refused and the connection never authenticated (a client that logs in with a
	// later key does not fail here), whether the server gave up or the client did.
	if user, keys, tried := v.(*connState).attempt(); tried {
		s.eng.LoginRefused(user, addr, keys)
	}
}

// connState follows one connection from accept to its first session: whether one started,
// and the login name and keys refused on the way.
type connState struct {
	started atomic.Bool

	mu      sync.Mutex
	user    string
	refused []string // key fingerprints, in the order offered
	tried   bool
}

func (st *connState) refuse(user, key string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.user, st.tried = user, true
	if !slices.Contains(st.refused, key) {
		st.refused = append(st.refused, key)
	}
}

func (st *connState) attempt() (user string, keys []string, tried bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.user, slices.Clone(st.refused), st.tried
}

type connStateKey struct{}

// wrapConn hangs up a connection that has not started a session within handshakeTimeout:
// garbage, a port scanner, a client stuck before authenticating.
func (s *Server) wrapConn(ctx ssh.Context, c net.Conn) net.Conn {
	st := &connState{}
	ctx.SetValue(connStateKey{}, st)
	addr := c.RemoteAddr().String()
	s.conns.Store(addr, st) // for connectionFailed, which is given the connection only
	t := time.AfterFunc(s.opts.handshake, func() {
		if !st.started.Load() {
			_ = c.Close()
		}
	})
	go func() {
		<-ctx.Done()
		t.Stop()
		// connectionFailed runs as the connection closes, which ends ctx: the entry stays a
		// moment for it.
		time.AfterFunc(time.Second, func() { s.conns.CompareAndDelete(addr, st) })
	}()
	return c
}

// errTooMany is a session over Options.MaxSessions.
var errTooMany = errors.New("too many sessions")

// enter counts a session in, unless the server closes or is full.
func (s *Server) enter() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return errors.New("the server is shutting down")
	case s.sessions >= s.opts.MaxSessions:
		return fmt.Errorf("%w (%d)", errTooMany, s.opts.MaxSessions)
	}
	s.sessions++
	s.wg.Add(1)
	return nil
}

func (s *Server) exit() {
	s.mu.Lock()
	s.sessions--
	s.mu.Unlock()
	s.wg.Done()
}

// handle runs one session: the console when the client has a terminal and runs no command,
// else the command.
func (s *Server) handle(sess ssh.Session) {
	if st, ok := sess.Context().Value(connStateKey{}).(*connState); ok {
		st.started.Store(true)
	}
	addr := sess.RemoteAddr().String()
	if err := s.enter(); err != nil {
		s.log.Warn("ssh: session refused", "user", sess.User(), "from", addr, "err", err)
		fail(sess, 1, "vmcross: %v; try again later", err)
		return
	}
	defer s.exit()
	op, err := s.operator(sess)
	if err != nil {
		s.log.Warn("ssh: session refused", "user", sess.User(), "from", addr, "err", err)
		fail(sess, 1, "vmcross: %v", err)
		return
	}
	_, _, hasPty := sess.Pty()
	switch {
	case len(sess.Command()) > 0 || sess.RawCommand() != "":
		s.command(sess, op)
	case !hasPty:
		fail(sess, exitUsage, "vmcross: no terminal: connect with `ssh -t`, or run a command\n%s", usage)
	default:
		s.console(sess, op, addr)
	}
}

// operator is who the session is: the identity its key is given (looked up again: the key
// the client finally signed with), as a viewer whatever that says when the engine is
// read-only. A key with no user= goes by the SSH login name.
func (s *Server) operator(sess ssh.Session) (model.Operator, error) {
	pk := sess.PublicKey()
	id, ok := s.keys.lookup(pk)
	if !ok {
		return model.Operator{}, errors.New("this key is not authorized")
	}
	name := id.name
	if name == "" {
		name = sess.User()
		if err := model.CheckOperatorName(name); err != nil {
			return model.Operator{}, fmt.Errorf("login name: %w; or give the key a user= in authorized_keys", err)
		}
	}
	role := id.role
	if s.eng.Snapshot().ReadOnly {
		role = model.RoleViewer
	}
	return model.Operator{Name: name, From: "ssh " + gossh.FingerprintSHA256(pk), Role: role}, nil
}

// exitUsage is the exit status of a command line the server does not take.
const exitUsage = 2

// fail writes a line to the session's stderr and ends it with status code.
func fail(sess ssh.Session, code int, format string, args ...any) {
	fmt.Fprintf(sess.Stderr(), format+"\n", args...)
	_ = sess.Exit(code)
}

// connIdle is how long a connection may be silent both ways before the SSH server drops it:
// the console's idle timeout and a margin, so that the console closes first and says why.
func connIdle(console time.Duration) time.Duration {
	return console + max(console/4, 5*time.Second)
}
