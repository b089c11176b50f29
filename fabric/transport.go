package fabric

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scrapli/scrapligo/transport"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshTransport is scrapligo's standard transport (Go's x/crypto/ssh) with every step of
// opening a session bounded: scrapligo's own dials with ssh.Dial, whose ClientConfig.Timeout
// bounds the TCP connection only, so a switch that accepts TCP and never speaks SSH would
// hold the poll forever. Here the TCP dial, the SSH handshake, the login, the session, the
// PTY and the shell all share one deadline on the connection, which is lifted once the
// shell runs (scrapligo then bounds each command itself). abort closes the connection at any
// time, from any goroutine: a poll in progress then fails at once.
type sshTransport struct {
	connectTimeout time.Duration
	user, password string
	// hostKey checks the switch's key; algorithms, when set, are the host key algorithms
	// to ask for (the pinned key's).
	hostKey    gossh.HostKeyCallback
	algorithms []string

	ctx    context.Context // ends on abort: stops a dial in progress
	cancel context.CancelFunc

	mu      sync.Mutex
	conn    net.Conn
	aborted bool
	client  *gossh.Client
	session *gossh.Session
	writer  io.WriteCloser
	reader  io.Reader
}

var _ transport.Implementation = (*sshTransport)(nil)

// newSSHTransport returns a transport that opens sessions within connectTimeout; ctx
// ending stops a dial in progress. hostKey is nil to accept any key.
func newSSHTransport(ctx context.Context, connectTimeout time.Duration, user, password string,
	hostKey gossh.HostKeyCallback, algorithms []string) *sshTransport {
	if hostKey == nil {
		hostKey = gossh.InsecureIgnoreHostKey() //nolint:gosec // the switch's insecure_host_key: the operator's choice
	}
	ctx, cancel := context.WithCancel(ctx)
	return &sshTransport{connectTimeout: connectTimeout, user: user, password: password, hostKey: hostKey,
		algorithms: algorithms, ctx: ctx, cancel: cancel}
}

// knownHostsCallback reads a known_hosts file for the transport. A key it does not accept
// fails as a *hostKeyError, which names the presented and the expected fingerprints.
func knownHostsCallback(path string) (gossh.HostKeyCallback, error) {
	cb, err := knownhosts.New(path)
	if err != nil {
		return nil, err
	}
	return func(host string, remote net.Addr, key gossh.PublicKey) error {
		err := cb(host, remote, key)
		var ke *knownhosts.KeyError
		if !errors.As(err, &ke) {
			return err
		}
		he := &hostKeyError{Presented: fingerprint(key), err: err}
		for _, k := range ke.Want {
			he.Expected = append(he.Expected, fingerprint(k.Key))
		}
		return he
	}, nil
}

// hostKeyError is a switch's host key that the pinned key or the known_hosts file does not
// accept: the fingerprints an operator compares with the switch's own (`show ssh key`).
type hostKeyError struct {
	Presented string   // the key the switch presented: "ssh-ed25519 SHA256:…"
	Expected  []string // the keys known for the switch, the same way; none: it is unknown
	err       error
}

func (e *hostKeyError) Error() string {
	if len(e.Expected) == 0 {
		return "host key " + e.Presented + " is unknown"
	}
	return "host key mismatch: presented " + e.Presented + ", expected " + strings.Join(e.Expected, " or ")
}

func (e *hostKeyError) Unwrap() error { return e.err }

// fingerprint is a key's type and SHA-256 fingerprint, as ssh-keygen -l prints them.
func fingerprint(key gossh.PublicKey) string {
	return key.Type() + " " + gossh.FingerprintSHA256(key)
}

// knownKeys are the fingerprints of the keys a known_hosts file holds for host:port (none
// when it cannot be read or has none).
func knownKeys(path, host string, port int) []string {
	cb, err := knownhosts.New(path)
	if err != nil {
		return nil
	}
	// The file is asked about a key it cannot hold: its answer lists the ones it has.
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil
	}
	probe, err := gossh.NewPublicKey(pub)
	if err != nil {
		return nil
	}
	remote := &net.TCPAddr{IP: net.ParseIP(host), Port: port}
	var ke *knownhosts.KeyError
	if err := cb(net.JoinHostPort(host, strconv.Itoa(port)), remote, probe); !errors.As(err, &ke) {
		return nil
	}
	var out []string
	for _, k := range ke.Want {
		out = append(out, fingerprint(k.Key))
	}
	return out
}

// connectError is a session that could not be opened within the connect timeout.
type connectError struct {
	addr    string
	timeout time.Duration
	// stage is what did not happen in time: "tcp" (no TCP connection), "ssh" (connected,
	// but no SSH handshake, login or shell).
	stage string
	err   error
}

func (e *connectError) Error() string {
	if e.stage == "tcp" {
		return fmt.Sprintf("cannot connect to %s: no answer within %s", e.addr, e.timeout)
	}
	return fmt.Sprintf("%s accepted the connection but gave no SSH answer within %s", e.addr, e.timeout)
}

func (e *connectError) Unwrap() error { return e.err }

// errAborted is a session closed by abort: the monitor is stopping.
var errAborted = errors.New("the monitor stopped polling")

// Open connects, logs in and starts a shell on a PTY, all within the connect timeout.
func (t *sshTransport) Open(a *transport.Args) error {
	addr := net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
	deadline := time.Now().Add(t.connectTimeout)
	d := net.Dialer{Deadline: deadline}
	conn, err := d.DialContext(t.ctx, "tcp", addr)
	if err != nil {
		switch {
		case t.ctx.Err() != nil:
			return errAborted
		case isTimeout(err):
			return &connectError{addr: addr, timeout: t.connectTimeout, stage: "tcp", err: err}
		}
		return err
	}
	t.mu.Lock()
	if t.aborted {
		t.mu.Unlock()
		_ = conn.Close()
		return errAborted
	}
	t.conn = conn
	t.mu.Unlock()
	if err := conn.SetDeadline(deadline); err != nil {
		_ = conn.Close()
		return err
	}
	err = t.open(conn, addr, a)
	if err == nil {
		err = conn.SetDeadline(time.Time{})
	}
	if err != nil {
		_ = t.Close()
		_ = conn.Close()
		switch {
		case t.isAborted():
			return errAborted
		case isTimeout(err):
			return &connectError{addr: addr, timeout: t.connectTimeout, stage: "ssh", err: err}
		}
		return err
	}
	return nil
}

// open runs the SSH protocol on conn, as scrapligo's standard transport does: handshake and
// login (password, then keyboard-interactive with the same password), a session, an xterm
// PTY with echo, a shell.
func (t *sshTransport) open(conn net.Conn, addr string, a *transport.Args) error {
	var auth []gossh.AuthMethod
	if t.password != "" {
		auth = append(auth, gossh.Password(t.password),
			gossh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = t.password
				}
				return answers, nil
			}))
	}
	// No ClientConfig.Timeout: it bounds only ssh.Dial's TCP connection; the deadline on conn
	// bounds all of this.
	cfg := &gossh.ClientConfig{User: t.user, Auth: auth, HostKeyCallback: t.hostKey, HostKeyAlgorithms: t.algorithms}
	c, chans, reqs, err := gossh.NewClientConn(conn, addr, cfg)
	if err != nil {
		return err
	}
	client := gossh.NewClient(c, chans, reqs)
	t.mu.Lock()
	t.client = client
	t.mu.Unlock()
	session, err := client.NewSession()
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.session = session
	t.mu.Unlock()
	if t.writer, err = session.StdinPipe(); err != nil {
		return err
	}
	if t.reader, err = session.StdoutPipe(); err != nil {
		return err
	}
	modes := gossh.TerminalModes{gossh.ECHO: 1, gossh.TTY_OP_ISPEED: 115200, gossh.TTY_OP_OSPEED: 115200}
	if err := session.RequestPty("xterm", a.TermHeight, a.TermWidth, modes); err != nil {
		return err
	}
	return session.Shell()
}

// abort closes the connection now, or the one being dialled as soon as it exists. Safe
// from any goroutine, at any time, more than once.
func (t *sshTransport) abort() {
	t.cancel()
	t.mu.Lock()
	t.aborted = true
	conn := t.conn
	t.mu.Unlock()
	if conn != nil {
		_ = conn.Close()
	}
}

func (t *sshTransport) isAborted() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.aborted
}

// Close closes the session and the connection.
func (t *sshTransport) Close() error {
	t.mu.Lock()
	session, client, conn := t.session, t.client, t.conn
	t.session, t.client = nil, nil
	t.mu.Unlock()
	t.cancel()
	if session != nil {
		_ = session.Close()
	}
	var err error
	if client != nil {
		err = client.Close()
	} else if conn != nil {
		err = conn.Close()
	}
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// IsAlive reports whether a session is open.
func (t *sshTransport) IsAlive() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.session != nil
}

// Read reads at most n bytes from the shell.
func (t *sshTransport) Read(n int) ([]byte, error) {
	b := make([]byte, n)
	n, err := t.reader.Read(b)
	if err != nil {
		return nil, err
	}
	return b[:n], nil
}

// Write writes b to the shell.
func (t *sshTransport) Write(b []byte) error {
	_, err := t.writer.Write(b)
	return err
}
