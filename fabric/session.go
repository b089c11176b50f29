package fabric

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/scrapli/scrapligo/driver/network"
	"github.com/scrapli/scrapligo/driver/opoptions"
	"github.com/scrapli/scrapligo/driver/options"
	"github.com/scrapli/scrapligo/platform"
	"github.com/scrapli/scrapligo/response"
	"github.com/scrapli/scrapligo/transport"
	"github.com/scrapli/scrapligo/util"
	gossh "golang.org/x/crypto/ssh"

	"github.com/vmcross/vmcross/fabric/parse"
)

// pingCount is how many echoes a DCI edge sends to the far edge each round.
const pingCount = 3

// pingAllowance is how much longer than other commands a ping may take: NX-OS and IOS wait
// 2 s for each lost echo, so a ping across a dead DCI must not look like a hung switch.
const pingAllowance = pingCount * 2 * time.Second

// The show commands of each platform.
func trunkCommand(platform string) string {
	if platform == NXOS {
		return "show interface trunk"
	}
	return "show interfaces trunk"
}

func channelCommand(platform string) string {
	if platform == NXOS {
		return "show port-channel summary"
	}
	return "show etherchannel summary"
}

func interfaceCommand(platform, name string) string {
	if platform == NXOS {
		return "show interface " + name
	}
	return "show interfaces " + name
}

func pingCommand(platform, target string) string {
	if platform == NXOS {
		return fmt.Sprintf("ping %s count %d", target, pingCount)
	}
	return fmt.Sprintf("ping %s repeat %d", target, pingCount)
}

// session is the monitor's connection to one switch: one scrapligo network driver, kept
// open between polls and reopened after a failure, with backoff when failures repeat.
//
// Only the goroutine that holds busy touches the fields below it.
type session struct {
	spec           SwitchSpec
	timeout        time.Duration // each command, and logging in
	connectTimeout time.Duration // TCP, SSH handshake, login and shell
	backoffMin     time.Duration
	backoffMax     time.Duration
	knownHosts     *knownHosts

	// What abort closes, from any goroutine: the standard transport being opened or in use,
	// or the system transport's ssh once it runs.
	liveMu  sync.Mutex
	live    *sshTransport
	livePID int

	busy atomic.Bool

	drv      *network.Driver
	version  string
	failures int       // consecutive failed polls
	retryAt  time.Time // no connection attempt before this
	lastErr  error
}

// acquire takes the session for one poll; false if a poll is still running on it.
func (s *session) acquire() bool { return s.busy.CompareAndSwap(false, true) }

func (s *session) release() { s.busy.Store(false) }

// poll reads everything the Health needs from the switch. The caller holds the session.
// A failure to connect, a lost connection or a timeout ends the poll with err set and the
// driver closed; a command the switch rejects or whose output does not parse is recorded
// in failed and the poll goes on. When ctx ends, the poll's connection is closed at once
// (abort): the poll then ends with "polling stopped".
func (s *session) poll(ctx context.Context, now func() time.Time) *switchPoll {
	p := &switchPoll{failed: map[string]error{}, started: now()}
	defer context.AfterFunc(ctx, s.abort)()
	fail := func(err error) *switchPoll {
		if ctx.Err() != nil {
			err = &switchError{sw: s.spec.Name, msg: "polling stopped", err: ctx.Err()}
		}
		s.failures++
		s.lastErr = err
		s.retryAt = now().Add(s.backoff())
		s.closeDriver(false)
		p.err, p.at = err, now()
		return p
	}
	if s.drv == nil {
		if t := now(); t.Before(s.retryAt) && s.lastErr != nil {
			p.err = fmt.Errorf("%s (next attempt in %s)", strings.TrimSuffix(s.lastErr.Error(), "."),
				roundDuration(s.retryAt.Sub(t)))
			p.at = t
			return p
		}
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
		if err := s.connect(ctx); err != nil {
			return fail(err)
		}
	}
	p.version = s.version
	err := collect(ctx, s.spec, s, p)
	if err != nil {
		return fail(err)
	}
	s.failures, s.lastErr = 0, nil
	p.at = now()
	return p
}

// commander runs one command on a switch: the SSH session, or in tests the simulator's
// Exec.
type commander interface {
	send(cmd string) (output, error)
}

// collect runs one round's commands on a switch and parses their output into p. It
// returns the first transport error (the switch is then unreachable for the round); a
// command the switch rejects, or whose output does not parse, is recorded in p.failed and
// the round goes on.
func collect(ctx context.Context, spec SwitchSpec, c commander, p *switchPoll) error {
	if p.failed == nil {
		p.failed = map[string]error{}
	}
	run := func(cmd string, parseFn func(string) error) error {
		if ctx.Err() != nil {
			return &switchError{sw: spec.Name, msg: "polling stopped", err: ctx.Err()}
		}
		p.commands = append(p.commands, cmd)
		out, err := c.send(cmd)
		if err != nil {
			return err
		}
		if out.failed != nil {
			p.failed[cmd] = out.failed
			return nil
		}
		if err := parseFn(out.text); err != nil {
			p.failed[cmd] = err
		}
		return nil
	}
	pl := spec.Platform
	nx := pl == NXOS
	err := run(trunkCommand(pl), func(t string) (err error) {
		p.trunks, err = pick(nx, parse.NXOSInterfaceTrunk, parse.IOSInterfacesTrunk)(t)
		return err
	})
	if err == nil {
		err = run(channelCommand(pl), func(t string) (err error) {
			p.channels, err = pick(nx, parse.NXOSPortChannelSummary, parse.IOSEtherChannelSummary)(t)
			return err
		})
	}
	for _, name := range interfacesToShow(spec, p.channels) {
		if err != nil {
			break
		}
		err = run(interfaceCommand(pl, name), func(t string) error {
			is, err := pick(nx, parse.NXOSInterfaces, parse.IOSInterfaces)(t)
			p.ifaces = append(p.ifaces, is...)
			return err
		})
	}
	if err == nil && spec.Role == RoleDCIEdge {
		p.otvAsked = true
		err = runOTV(p, run, nx)
	}
	if err == nil {
		err = run("show vlan brief", func(t string) (err error) {
			p.vlans, err = pick(nx, parse.NXOSVLANBrief, parse.IOSVLANBrief)(t)
			return err
		})
	}
	if err == nil && spec.PingTarget != "" {
		err = run(pingCommand(pl, spec.PingTarget), func(t string) (err error) {
			p.ping, err = pick(nx, parse.NXOSPing, parse.IOSPing)(t)
			return err
		})
	}
	return err
}

// runOTV asks an edge for its OTV adjacency and extended VLANs. An edge that rejects the
// first as an unknown command has no OTV: its DCI is the port-channel alone.
func runOTV(p *switchPoll, run func(string, func(string) error) error, nx bool) error {
	if err := run("show otv adjacency", func(t string) (err error) {
		p.otvAdj, err = pick(nx, parse.NXOSOTVAdjacency, parse.IOSOTVAdjacency)(t)
		return err
	}); err != nil {
		return err
	}
	var dev *deviceError
	if errors.As(p.failed["show otv adjacency"], &dev) {
		delete(p.failed, "show otv adjacency")
		p.otvAbsent = true
		return nil
	}
	return run("show otv vlan", func(t string) (err error) {
		p.otvVLANs, err = pick(nx, parse.NXOSOTVVLAN, parse.IOSOTVVLAN)(t)
		return err
	})
}

// interfacesToShow lists the DCI interfaces whose counters and MTU are read: every one in
// DCIInterfaces but overlays, and the members of the DCI port-channels.
func interfacesToShow(spec SwitchSpec, channels []parse.PortChannel) []string {
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if k := ifKey(n); !seen[k] && !isOverlay(k) {
			seen[k] = true
			out = append(out, n)
		}
	}
	listed := map[string]bool{}
	for _, n := range spec.DCIInterfaces {
		add(n)
		listed[ifKey(n)] = true
	}
	for _, c := range channels {
		if listed[ifKey(c.Name)] {
			for _, m := range c.Members {
				add(m.Port)
			}
		}
	}
	return out
}

// pick chooses the parser of the switch's platform.
func pick[T any](nx bool, nxos, ios func(string) (T, error)) func(string) (T, error) {
	if nx {
		return nxos
	}
	return ios
}

// output is what one command returned: its text, or the switch's refusal.
type output struct {
	text   string
	failed error // *deviceError
}

// deviceError is a command the switch refused ("% Invalid command at '^' marker.").
type deviceError struct{ line string }

func (e *deviceError) Error() string { return "the switch rejected it: " + e.line }

// send runs one command. A transport error (timeout, connection lost) is returned as err,
// as a sentence naming the switch; a device error is returned in output.failed, never
// parsed as output.
func (s *session) send(cmd string) (output, error) {
	var opts []util.Option
	if strings.HasPrefix(cmd, "ping ") {
		opts = append(opts, opoptions.WithTimeoutOps(s.timeout+pingAllowance))
	}
	r, err := s.drv.SendCommand(cmd, opts...)
	if err != nil {
		return output{}, s.describe(fmt.Sprintf("%q", cmd), err)
	}
	if r.Failed != nil {
		return output{failed: &deviceError{line: refusal(r)}}, nil
	}
	return output{text: r.Result}, nil
}

// refusal picks the device's own error line out of a failed response.
func refusal(r *response.Response) string {
	var oe *response.OperationError
	if errors.As(r.Failed, &oe) {
		for _, l := range strings.Split(r.Result, "\n") {
			if strings.Contains(l, oe.ErrorString) {
				return strings.TrimSpace(l)
			}
		}
		return strings.TrimSpace(oe.ErrorString)
	}
	return strings.TrimSpace(r.Failed.Error())
}

// connect opens a new driver and reads the switch's version. Opening the session is
// bounded by the connect timeout; ctx ending stops a dial in progress (and abort, called
// when it ends, closes the rest).
func (s *session) connect(ctx context.Context) error {
	if s.spec.Platform != NXOS && s.spec.Platform != IOSXE {
		// scrapligo would look for a definition file, or a URL, by that name.
		return &switchError{sw: s.spec.Name, msg: fmt.Sprintf("platform %q is not supported: use %s or %s",
			s.spec.Platform, NXOS, IOSXE)}
	}
	opts, tr, err := s.options(ctx)
	if err != nil {
		return err
	}
	s.setLive(tr, 0)
	// What the switch (or ssh) prints while we log in: with the system transport, ssh's
	// own message ("Host key verification failed.") is the only account of a failure, and
	// scrapligo may drop it when ssh exits at once.
	transcript := &loginTranscript{}
	opts = append(opts, options.WithChannelLog(transcript))
	pf, err := platform.NewPlatform(s.spec.Platform, s.spec.Host, opts...)
	if err != nil {
		return s.describeLogin(err, "")
	}
	d, err := pf.GetNetworkDriver()
	if err != nil {
		return s.describeLogin(err, "")
	}
	if err := d.Open(); err != nil {
		// Open closes the channel itself when login or on-open fails, but not when the
		// transport fails to open; closing again is harmless.
		_ = d.Driver.Close()
		s.setLive(nil, 0)
		reapSSH(sshPID(d))
		return s.describeLogin(err, transcript.String())
	}
	transcript.stop()
	s.setLive(tr, sshPID(d))
	s.drv = d
	s.version = ""
	r, err := d.SendCommand("show version")
	if err != nil {
		return s.describe(`"show version"`, err)
	}
	if r.Failed == nil {
		if v, err := pick(s.spec.Platform == NXOS, parse.NXOSVersion, parse.IOSVersion)(r.Result); err == nil {
			s.version = strings.TrimSpace(v.OS + " " + v.Version)
		}
	}
	return nil
}

// closeDriver closes the session's driver. graceful sends "exit" first (a healthy
// session at shutdown); otherwise the transport is just closed, which never waits on a
// dead or hung switch.
func (s *session) closeDriver(graceful bool) {
	if s.drv == nil {
		return
	}
	d := s.drv
	s.drv = nil
	s.setLive(nil, 0) // before the ssh process is reaped: abort must never kill a reused pid
	defer reapSSH(sshPID(d))
	if graceful {
		_ = d.Close() // may be io.EOF after "exit": the switch hung up first
		return
	}
	_ = d.Driver.Close()
}

// setLive records what abort closes.
func (s *session) setLive(tr *sshTransport, pid int) {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	s.live, s.livePID = tr, pid
}

// abort closes the session's connection from another goroutine, so that the poll using it
// fails at once: the standard transport's TCP connection (or dial), the system transport's
// ssh process. It does not touch the driver, which only the poll's goroutine uses.
func (s *session) abort() {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	if s.live != nil {
		s.live.abort()
	}
	if s.livePID > 0 {
		killSSH(s.livePID)
	}
}

// options builds the scrapligo options for the switch, and with the standard transport
// the transport itself (sshTransport), which bounds the SSH handshake.
func (s *session) options(ctx context.Context) ([]util.Option, *sshTransport, error) {
	port := s.spec.Port
	if port == 0 {
		port = 22
	}
	tt := transport.StandardTransport
	if s.spec.Transport == transport.SystemTransport {
		tt = transport.SystemTransport
	}
	connect := cmp.Or(s.connectTimeout, s.timeout)
	// The system transport hands ssh whole seconds (ConnectTimeout, ServerAliveInterval):
	// less than one would mean none.
	socket := max(connect, time.Second).Round(time.Second)
	opts := []util.Option{
		options.WithPort(port),
		options.WithAuthUsername(s.spec.Username),
		options.WithAuthPassword(s.spec.Password),
		options.WithTransportType(tt),
		options.WithTimeoutOps(s.timeout),
		options.WithTimeoutSocket(socket),
	}
	if tt == transport.StandardTransport {
		cb, algos, err := s.hostKeyCheck(port)
		if err != nil {
			return nil, nil, err
		}
		tr := newSSHTransport(ctx, connect, s.spec.Username, s.spec.Password, cb, algos)
		return append(opts, options.WithCustomTransport(tr)), tr, nil
	}
	switch {
	case s.spec.InsecureHostKey:
		opts = append(opts, options.WithAuthNoStrictKey())
	case s.spec.HostKey != "":
		path, _, err := s.knownHosts.pin(s.spec.Host, port, s.spec.HostKey)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: host key: %w", s.spec.Name, err)
		}
		opts = append(opts, options.WithSSHKnownHostsFile(path))
	case s.spec.KnownHostsFile != "":
		if err := s.checkKnownHostsFile(); err != nil {
			return nil, nil, err
		}
		opts = append(opts, options.WithSSHKnownHostsFile(s.spec.KnownHostsFile))
	default:
		opts = append(opts, options.WithSSHKnownHostsFileSystem())
	}
	return opts, nil, nil
}

// hostKeyCheck is how the standard transport checks the switch's host key: nil (any key)
// with insecure_host_key, else a known_hosts file (the pinned key's, the configured one,
// or the user's or the system's), and the host key algorithms to ask for.
func (s *session) hostKeyCheck(port int) (gossh.HostKeyCallback, []string, error) {
	var path string
	var algos []string
	switch {
	case s.spec.InsecureHostKey:
		return nil, nil, nil
	case s.spec.HostKey != "":
		var err error
		path, algos, err = s.knownHosts.pin(s.spec.Host, port, s.spec.HostKey)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: host key: %w", s.spec.Name, err)
		}
		// algos: ask for the pinned key's type, or Go's SSH client may negotiate another
		// type the switch also has and reject it as a mismatch.
	case s.spec.KnownHostsFile != "":
		if err := s.checkKnownHostsFile(); err != nil {
			return nil, nil, err
		}
		path = s.spec.KnownHostsFile
	default:
		for _, p := range []string{"~/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts"} {
			if resolved, err := util.ResolveFilePath(p); err == nil {
				path = resolved
				break
			}
		}
		if path == "" {
			return nil, nil, s.describeLogin(util.ErrFileNotFoundError, "")
		}
	}
	cb, err := knownHostsCallback(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: cannot read known_hosts file %s: %w", s.spec.Name, path, err)
	}
	return cb, algos, nil
}

func (s *session) checkKnownHostsFile() error {
	if _, err := os.Stat(s.spec.KnownHostsFile); err != nil {
		return fmt.Errorf("%s: cannot read known_hosts file %s: %w", s.spec.Name, s.spec.KnownHostsFile,
			errors.Unwrap(err))
	}
	return nil
}

// backoff is how long to wait before reconnecting after s.failures consecutive failures:
// the first failure is retried at the next poll, then min, 2×min... up to max.
func (s *session) backoff() time.Duration {
	if s.failures <= 1 {
		return 0
	}
	d := s.backoffMin
	for i := 2; i < s.failures && d < s.backoffMax; i++ {
		d *= 2
	}
	return min(d, s.backoffMax)
}

// describe turns a scrapligo or SSH error into a sentence an operator can act on. during
// names the command that was running.
func (s *session) describe(during string, err error) error { return s.explain(during, err, "") }

// describeLogin explains a failure to open a session; said is what the session printed
// before it failed (ssh's own messages, with the system transport).
func (s *session) describeLogin(err error, said string) error { return s.explain("", err, said) }

func (s *session) explain(during string, err error, said string) error {
	name := s.spec.Name
	addr := net.JoinHostPort(s.spec.Host, strconv.Itoa(cmpOr(s.spec.Port, 22)))
	msg := err.Error()
	if last := lastLine(said); last != "" {
		msg += " (" + last + ")"
	}
	low := strings.ToLower(err.Error() + "\n" + said)
	sshSaid := strings.ToLower(lastLine(said)) // the system transport's ssh
	connect := cmp.Or(s.connectTimeout, s.timeout)
	var ce *connectError
	var hke *hostKeyError
	var what string
	switch {
	case errors.Is(err, errAborted):
		what = "polling stopped"
	case errors.As(err, &ce):
		what = ce.Error()
	case during == "" && strings.Contains(sshSaid, "connect to host") && strings.Contains(sshSaid, "timed out"):
		what = (&connectError{addr: addr, timeout: connect, stage: "tcp"}).Error()
	case during == "" && strings.Contains(sshSaid, "timed out"):
		// "Connection timed out during banner exchange", "Connection to ... timed out"
		what = (&connectError{addr: addr, timeout: connect, stage: "ssh"}).Error()
	case errors.Is(err, util.ErrTimeoutError) && during != "":
		what = fmt.Sprintf("no answer to %s within %s; the session was closed and will be reopened", during, s.timeout)
	case errors.Is(err, util.ErrTimeoutError):
		what = fmt.Sprintf("no answer within %s of logging in to %s (no prompt)", s.timeout, addr)
	case errors.Is(err, util.ErrAuthError), strings.Contains(low, "unable to authenticate"),
		strings.Contains(low, "permission denied"):
		what = fmt.Sprintf("login refused for user %q: check the username and password", s.spec.Username)
	case errors.As(err, &hke):
		what = s.hostKeyRefused(addr, hke.Presented, hke.Expected)
	case strings.Contains(low, "knownhosts: key is unknown"),
		strings.Contains(low, "host key is known for") && strings.Contains(low, "strict checking"):
		what = s.hostKeyRefused(addr, presentedKey(said), nil)
	case strings.Contains(low, "key mismatch"), strings.Contains(low, "host key verification failed"),
		strings.Contains(low, "no matching host key"):
		what = s.hostKeyRefused(addr, presentedKey(said), s.expectedKeys())
	case errors.Is(err, util.ErrFileNotFoundError):
		what = "no known_hosts file to check its host key against: set host_key, known_hosts_file or insecure_host_key"
	case errors.Is(err, syscall.ECONNREFUSED), strings.Contains(low, "connection refused"):
		what = fmt.Sprintf("cannot connect to %s: connection refused", addr)
	case isTimeout(err):
		what = fmt.Sprintf("cannot connect to %s: no answer within %s", addr, connect)
	case during != "" && (errors.Is(err, util.ErrConnectionError) || errors.Is(err, io.EOF) ||
		strings.Contains(low, "input/output error") || errors.Is(err, net.ErrClosed)):
		what = fmt.Sprintf("connection lost during %s: the switch closed the session; reconnecting at the next poll", during)
	case during != "":
		what = fmt.Sprintf("connection lost during %s: %s", during, msg)
	case errors.Is(err, util.ErrConnectionError), errors.Is(err, io.EOF):
		what = fmt.Sprintf("%s closed the connection while logging in", addr)
		if last := lastLine(said); last != "" {
			what += ": " + last
		}
	default:
		what = fmt.Sprintf("cannot open a session on %s: %s", addr, msg)
	}
	return &switchError{sw: name, msg: what, err: err}
}

// hostKeyRefused says that the switch at addr presented a host key (its fingerprint;
// "" when not known) that the pinned key or the known_hosts file does not accept, what they
// expect (fingerprints; none when the switch is unknown to them), and how to fix it.
func (s *session) hostKeyRefused(addr, presented string, expected []string) string {
	where, fix := "the known_hosts file", "update its entry"
	switch {
	case s.spec.HostKey != "":
		where, fix = "host_key", "pin it in host_key"
	case s.spec.KnownHostsFile != "":
		where, fix = "known_hosts file "+s.spec.KnownHostsFile, "update its entry there"
	}
	if len(expected) == 0 {
		msg := fmt.Sprintf("the host key of %s is not in %s", addr, where)
		if presented != "" {
			msg += ": it presented " + presented
		}
		return msg + "; check it out of band (show ssh key on the switch), then add it, or pin it with host_key"
	}
	if presented == "" {
		presented = "another key"
	}
	return fmt.Sprintf("the host key of %s does not match the pinned or known one: it presented %s, %s expects %s; if the switch was replaced, check its new key out of band and %s",
		addr, presented, where, strings.Join(expected, " or "), fix)
}

// expectedKeys are the fingerprints of the host keys the switch is expected to present:
// the pinned one, or those of its known_hosts file (none when they cannot be told).
func (s *session) expectedKeys() []string {
	port := cmpOr(s.spec.Port, 22)
	if s.spec.HostKey != "" {
		if pub, _, _, _, err := gossh.ParseAuthorizedKey([]byte(s.spec.HostKey)); err == nil {
			return []string{fingerprint(pub)}
		}
		return nil
	}
	if s.spec.KnownHostsFile != "" {
		return knownKeys(s.spec.KnownHostsFile, s.spec.Host, port)
	}
	return nil
}

// sshFingerprint finds the fingerprint ssh prints of a changed host key: "The fingerprint
// for the ED25519 key sent by the remote host is\nSHA256:….".
var sshFingerprint = regexp.MustCompile(`(?i)the fingerprint for the (\S+) key sent by the remote host is\s+(SHA256:[A-Za-z0-9+/=]+)`)

// presentedKey is the host key fingerprint ssh printed (the system transport), or "".
func presentedKey(said string) string {
	m := sshFingerprint.FindStringSubmatch(said)
	if m == nil {
		return ""
	}
	kind := map[string]string{"ED25519": gossh.KeyAlgoED25519, "RSA": gossh.KeyAlgoRSA}[strings.ToUpper(m[1])]
	return cmp.Or(kind, m[1]) + " " + m[2] // as fingerprint writes them
}

// roundDuration rounds d for a person: 400ms, 3s, 1m0s.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// loginTranscript keeps the last lines a session printed until stop, for error messages.
// The channel's read goroutine writes it while connect reads it.
type loginTranscript struct {
	mu      sync.Mutex
	b       []byte
	stopped bool
}

const transcriptMax = 2048

func (l *loginTranscript) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.b = append(l.b, p...)
		if len(l.b) > transcriptMax {
			l.b = l.b[len(l.b)-transcriptMax:]
		}
	}
	return len(p), nil
}

func (l *loginTranscript) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped, l.b = true, nil
}

func (l *loginTranscript) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

// lastLine is the last non-empty line of s: what ssh said last.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// switchError is a failure to poll a switch, as a sentence that names it.
type switchError struct {
	sw  string
	msg string
	err error
}

func (e *switchError) Error() string { return e.sw + ": " + e.msg }
func (e *switchError) Unwrap() error { return e.err }

// knownHosts writes the private known_hosts files that pin switches' host keys. Both
// transports read them: Go's knownhosts for standard, ssh's UserKnownHostsFile for system.
type knownHosts struct {
	mu  sync.Mutex
	dir string
}

// pin writes a known_hosts file holding key for host:port and returns its path and the
// host key algorithms that key can sign with.
func (k *knownHosts) pin(host string, port int, key string) (string, []string, error) {
	pub, _, _, _, err := gossh.ParseAuthorizedKey([]byte(key))
	if err != nil {
		return "", nil, fmt.Errorf("cannot read the pinned host key: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dir == "" {
		dir, err := os.MkdirTemp("", "vmcross-known-hosts-")
		if err != nil {
			return "", nil, err
		}
		k.dir = dir
	}
	addr := host
	if port != 22 {
		addr = fmt.Sprintf("[%s]:%d", host, port)
	}
	line := addr + " " + strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub))) + "\n"
	name := strings.NewReplacer("/", "_", ":", "_", "[", "", "]", "").Replace(fmt.Sprintf("%s_%d", host, port))
	path := filepath.Join(k.dir, name)
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		return "", nil, err
	}
	return path, hostKeyAlgorithms(pub.Type()), nil
}

// remove deletes the files.
func (k *knownHosts) remove() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dir != "" {
		_ = os.RemoveAll(k.dir)
		k.dir = ""
	}
}

// hostKeyAlgorithms lists the signature algorithms of a key type: an RSA key signs with
// SHA-2 as well as SHA-1.
func hostKeyAlgorithms(keyType string) []string {
	if keyType == gossh.KeyAlgoRSA {
		return []string{gossh.KeyAlgoRSASHA512, gossh.KeyAlgoRSASHA256, gossh.KeyAlgoRSA}
	}
	return []string{keyType}
}
