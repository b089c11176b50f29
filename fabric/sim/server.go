package sim

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	gossh "golang.org/x/crypto/ssh"
)

// loopback is the only address the simulator ever listens on.
const loopback = "127.0.0.1"

// sshServer is one switch's SSH server.
type sshServer struct {
	srv *ssh.Server
	ln  net.Listener
}

// close stops the server. The listener is closed here too: Serve registers it with the server
// only once it runs, and Close may come first.
func (s sshServer) close() error {
	if s.srv == nil {
		return nil
	}
	err := s.srv.Close()
	if lnErr := s.ln.Close(); lnErr != nil && !isClosedErr(lnErr) && err == nil {
		err = lnErr
	}
	if isClosedErr(err) {
		return nil
	}
	return err
}

func newHostKey() (gossh.Signer, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return gossh.NewSignerFromKey(key)
}

// sshVersion is the identification string the switches send. NX-OS and IOS both run OpenSSH-
// or Cisco-branded servers; the exact string does not matter to clients.
const sshVersion = "Cisco-1.25"

// serve starts the SSH server of one switch on 127.0.0.1:listen (0: any free port).
func (f *Fabric) serve(d *device, hostKey gossh.Signer, listen int) error {
	user, pass := f.opts.Username, f.opts.Password
	srv, err := wish.NewServer(
		func(s *ssh.Server) error { s.AddHostKey(hostKey); return nil },
		wish.WithVersion(sshVersion),
		wish.WithPasswordAuth(func(ctx ssh.Context, password string) bool {
			return ctx.User() == user && password == pass
		}),
		wish.WithKeyboardInteractiveAuth(func(ctx ssh.Context, challenge gossh.KeyboardInteractiveChallenge) bool {
			answers, err := challenge("", "", []string{"Password: "}, []bool{false})
			return err == nil && len(answers) == 1 && ctx.User() == user && answers[0] == pass
		}),
		wish.WithMiddleware(func(ssh.Handler) ssh.Handler {
			return func(s ssh.Session) { f.handleSession(d, s) }
		}),
	)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(loopback, strconv.Itoa(listen)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	f.mu.Lock()
	d.srv = sshServer{srv: srv, ln: ln}
	d.listenAt = ln.Addr().(*net.TCPAddr).Port
	f.mu.Unlock()
	f.serveDone.Add(1)
	go func() {
		defer f.serveDone.Done()
		_ = srv.Serve(ln)
	}()
	return nil
}

func isClosedErr(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, ssh.ErrServerClosed)
}

// sshSession is one interactive SSH session on a switch.
type sshSession struct {
	s    ssh.Session
	conn *gossh.ServerConn
	pty  bool

	mu     sync.Mutex
	closed bool
}

// hangUp closes the connection under the session; its goroutines then end by themselves.
func (s *sshSession) hangUp() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	if s.conn != nil {
		_ = s.conn.Close()
	}
	_ = s.s.Close()
}

// write sends CLI text to the client, turning "\n" into "\r\n" on a terminal.
func (s *sshSession) write(text string) error {
	if text == "" {
		return nil
	}
	if s.pty {
		text = crlf(text)
	}
	_, err := s.s.Write([]byte(text))
	return err
}

func crlf(text string) string {
	b := make([]byte, 0, len(text)+len(text)/32)
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' && (i == 0 || text[i-1] != '\r') {
			b = append(b, '\r')
		}
		b = append(b, text[i])
	}
	return string(b)
}

// handleSession runs one SSH session: an interactive CLI for a shell, or one command for an exec
// request (`ssh switch show version`).
func (f *Fabric) handleSession(d *device, s ssh.Session) {
	sess := &sshSession{s: s}
	if c, ok := s.Context().Value(ssh.ContextKeyConn).(*gossh.ServerConn); ok {
		sess.conn = c
	}
	_, winCh, isPty := s.Pty()
	sess.pty = isPty
	go func() {
		for range winCh { //nolint:revive // window changes do not matter to a line-mode CLI
		}
	}()

	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	d.sessions[sess] = struct{}{}
	f.serveDone.Add(1)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(d.sessions, sess)
		f.mu.Unlock()
		f.serveDone.Done()
	}()

	c := newConsole(f, d)
	if cmd := s.RawCommand(); cmd != "" {
		for f.isUnresponsive(d) { // a hung switch answers nothing, exec requests included
			select {
			case <-s.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		r := c.execute(cmd)
		_ = sess.write(r.out)
		for _, ch := range r.chunks {
			time.Sleep(ch.delay)
			_ = sess.write(ch.text)
		}
		if r.failed {
			_ = s.Exit(1)
		}
		return
	}
	newTerminal(sess, c).run()
}
