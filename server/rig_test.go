package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"
	gossh "golang.org/x/crypto/ssh"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/audit"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
	"github.com/vmcross/vmcross/fabric"
)

// The lab and the engine on it are shared by every test of the package (starting them
// takes seconds): each test serves its own Server, with its own keys, over that engine, and
// moves VMs no other test moves.
var shared struct {
	once  sync.Once
	rig   *rig
	err   error
	state string // XDG_STATE_HOME of the whole run, for what a test does not point elsewhere
}

// rig is the lab, the engine on it (with the fabric monitor and an audit log) and its plans.
type rig struct {
	lab   *lab.Lab
	eng   *backend.Engine
	plans *backend.Plans
	audit string
	stop  context.CancelFunc

	mu    sync.Mutex
	taken map[string]bool // VMs a test moves
}

func TestMain(m *testing.M) {
	log.SetOutput(io.Discard) // the simulator's chatter
	state, err := os.MkdirTemp("", "vmcross-server-test-")
	if err != nil {
		panic(err)
	}
	shared.state = state
	os.Setenv("XDG_STATE_HOME", state)
	code := m.Run()
	if shared.rig != nil {
		shared.rig.close()
	}
	os.RemoveAll(state)
	os.Exit(code)
}

// labRig returns the shared rig, starting it on first use.
func labRig(t *testing.T) *rig {
	t.Helper()
	shared.once.Do(func() { shared.rig, shared.err = startRig() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.rig
}

func startRig() (*rig, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Half real time: a VM of 4 GiB takes about 8 s to cross, long enough to watch.
	l, err := lab.Start(ctx, lab.Options{Speed: 0.5})
	if err != nil {
		return nil, err
	}
	cfg := l.Config()
	specs, err := cfg.Specs()
	if err != nil {
		l.Close()
		return nil, err
	}
	switches, err := cfg.SwitchSpecs()
	if err != nil {
		l.Close()
		return nil, err
	}
	// Under -race on two busy cores the simulator answers late: a generous grace keeps the
	// sites from showing as silent (and their VMs from being blocked) for it.
	eng := backend.NewEngine(specs, backend.WithPollWait(time.Second), backend.WithAnswerGrace(time.Minute),
		backend.WithBackoff(100*time.Millisecond, 400*time.Millisecond))
	m := cfg.Mapping
	eng.SetMapping(preflight.Mapping{Clusters: m.Clusters, Datastores: m.Datastores, PortGroups: m.PortGroups})
	eng.SetSimulated(true)
	eng.SetFabric(fabric.NewMonitor(switches, fabric.WithInterval(2*time.Second)))
	r := &rig{lab: l, eng: eng, audit: filepath.Join(shared.state, "rig", "audit.log"), taken: map[string]bool{}}
	if err := eng.EnableAudit(r.audit); err != nil {
		l.Close()
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.Background())
	r.stop = stop
	eng.Start(runCtx)
	r.plans = backend.NewPlans(eng, filepath.Join(shared.state, "rig", "plans"))
	if err := eng.WaitLoaded(ctx); err != nil {
		r.close()
		return nil, err
	}
	for st := range eng.Subscribe(ctx) {
		if !st.Fabric.PolledAt.IsZero() {
			break
		}
	}
	if ctx.Err() != nil {
		r.close()
		return nil, errors.New("the lab's switches were not polled in time")
	}
	return r, nil
}

func (r *rig) close() {
	r.plans.Close()
	r.stop()
	r.eng.Close()
	r.lab.Close()
}

// movable picks n VMs of site-a that nothing blocks from moving to site-b and no other test
// took, and the acknowledgements of their warnings.
func (r *rig) movable(t *testing.T, n int) ([]model.VMKey, map[model.VMKey][]string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	ss, _ := r.eng.Snapshot().Site("site-a")
	var cands []model.VMKey
	for _, vm := range ss.VMs {
		if strings.HasPrefix(vm.Name, "web-") && vm.Power == model.PoweredOn && !r.taken[vm.Name] {
			cands = append(cands, vm.Key)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := r.eng.Preflight(ctx, admin, preflight.Request{VMs: cands, To: "site-b"})
	if err != nil {
		t.Fatal(err)
	}
	var keys []model.VMKey
	acked := map[model.VMKey][]string{}
	for _, vm := range res.VMs {
		if len(keys) == n {
			break
		}
		if preflight.Blocked(res.Findings, vm.Key) {
			continue
		}
		for _, f := range preflight.Warnings(res.Findings, vm.Key) {
			acked[vm.Key] = append(acked[vm.Key], f.Code)
		}
		// Under -race a poll round can come late: the fabric's data may be stale by the
		// time the move is asked for.
		acked[vm.Key] = append(acked[vm.Key], preflight.CodeFabricStale)
		keys = append(keys, vm.Key)
		r.taken[vm.Name] = true
	}
	if len(keys) < n {
		t.Fatalf("only %d VMs of site-a can move, want %d", len(keys), n)
	}
	return keys, acked
}

// migrate moves the VMs as who and returns the moves' ids.
func (r *rig) migrate(t *testing.T, who model.Operator, keys []model.VMKey, acked map[model.VMKey][]string) ([]string, error) {
	t.Helper()
	res, err := r.eng.Migrate(context.Background(), who, preflight.Request{VMs: keys, To: "site-b"}, acked)
	if err != nil {
		return nil, err
	}
	if len(res.Moves) != len(keys) {
		t.Fatalf("moved %d of %d VMs: skipped %+v", len(res.Moves), len(keys), res.Skipped)
	}
	var ids []string
	for _, m := range res.Moves {
		ids = append(ids, m.ID)
	}
	return ids, nil
}

// waitMoves waits until every move with those ids ended, and returns them.
func (r *rig) waitMoves(t *testing.T, ids []string, within time.Duration) []model.Move {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for st := range r.eng.Subscribe(ctx) {
		var out []model.Move
		for _, m := range st.Moves {
			for _, id := range ids {
				if m.ID == id && !m.State.Active() {
					out = append(out, m)
				}
			}
		}
		if len(out) == len(ids) {
			return out
		}
	}
	t.Fatalf("moves %v did not end within %v", ids, within)
	return nil
}

// waitFor waits until ok holds of the engine's State.
func (r *rig) waitFor(t *testing.T, what string, within time.Duration, ok func(model.State) bool) model.State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for st := range r.eng.Subscribe(ctx) {
		if ok(st) {
			return st
		}
	}
	t.Fatalf("not within %v: %s", within, what)
	return model.State{}
}

// records are the audit log's records that keep says to.
func (r *rig) records(t *testing.T, keep func(model.AuditRecord) bool) []model.AuditRecord {
	t.Helper()
	recs, _, err := audit.Read(r.audit)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(recs, func(rec model.AuditRecord) bool { return !keep(rec) })
}

// sessionRecords counts the audit log's session-start and session-end records of user.
func (r *rig) sessionRecords(t *testing.T, user string) (starts, ends int) {
	t.Helper()
	recs, _, err := audit.Read(r.audit)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if rec.Operator.Name != user || rec.Action != model.AuditCommand {
			continue
		}
		switch rec.Command {
		case model.CmdSessionStart:
			starts++
		case model.CmdSessionEnd:
			ends++
		}
	}
	return starts, ends
}

var admin = model.Operator{Name: "test", From: "go test", Role: model.RoleAdmin}

// operatorKey is a key pair for a test operator: its signer, its authorized_keys line
// (with comment), and its private key file for the ssh command.
type operatorKey struct {
	signer gossh.Signer
	line   string
	file   string
}

func newKey(t *testing.T, comment string) operatorKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, comment)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sp))) + " " + comment
	return operatorKey{signer: signer, line: line, file: file}
}

// served is a Server of the rig's engine listening on 127.0.0.1 (a free port), with its
// own state directory, stopped with the test.
type served struct {
	srv  *Server
	addr string
	port string
	keys string // the authorized_keys file
}

// serve starts a server allowing the given authorized_keys lines; adjust changes the
// options first.
func serve(t *testing.T, r *rig, lines []string, adjust func(*Options)) *served {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	keys := filepath.Join(t.TempDir(), "authorized_keys")
	if err := os.WriteFile(keys, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := Options{AuthorizedKeys: keys, Plans: r.plans}
	if adjust != nil {
		adjust(&opts)
	}
	srv, err := New(r.eng, opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return &served{srv: srv, addr: ln.Addr().String(), port: port, keys: keys}
}

// dial connects with the x/crypto client as user, with key.
func (s *served) dial(t *testing.T, user string, key gossh.Signer) (*gossh.Client, error) {
	t.Helper()
	return gossh.Dial("tcp", s.addr, &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
}

// run runs a command over a new connection and returns its stdout, stderr and exit status.
func (s *served) run(t *testing.T, user string, key gossh.Signer, command string) (stdout, stderr string, code int) {
	t.Helper()
	c, err := s.dial(t, user, key)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errb
	err = sess.Run(command)
	var ee *gossh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitStatus()
	default:
		t.Fatalf("%s: %v", command, err)
	}
	return out.String(), errb.String(), code
}

// screen is a console seen from the client side: everything the server sent, with
// the terminal's answers to its queries (background colour, device attributes) sent back
// as a terminal does.
type screen struct {
	w io.Writer

	mu   sync.Mutex
	raw  bytes.Buffer
	done chan struct{} // closed when the output ends
}

func newScreen(r io.Reader, w io.Writer) *screen {
	sc := &screen{w: w, done: make(chan struct{})}
	go func() {
		defer close(sc.done)
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				chunk := buf[:n]
				sc.mu.Lock()
				sc.raw.Write(chunk)
				sc.mu.Unlock()
				if bytes.Contains(chunk, []byte("\x1b]11;?")) {
					fmt.Fprint(w, "\x1b]11;rgb:0000/0000/0000\x1b\\")
				}
				if bytes.Contains(chunk, []byte("\x1b[c")) {
					fmt.Fprint(w, "\x1b[?62;22c")
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return sc
}

// text is everything shown so far, without the escape sequences.
func (sc *screen) text() string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return ansi.Strip(sc.raw.String())
}

// wait waits until ok holds of the text.
func (sc *screen) wait(t *testing.T, what string, within time.Duration, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		txt := sc.text()
		if ok(txt) {
			return txt
		}
		select {
		case <-sc.done:
			if txt := sc.text(); ok(txt) {
				return txt
			}
			t.Fatalf("the session ended before %s; it showed:\n%s", what, tail(sc.text(), 2000))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s; the session showed:\n%s", within, what, tail(sc.text(), 2000))
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// console is an x/crypto client's console session: a PTY of w x h and a shell.
type console struct {
	*screen
	client *gossh.Client
	sess   *gossh.Session
	in     io.WriteCloser
}

func (s *served) console(t *testing.T, user string, key gossh.Signer, w, h int, env map[string]string) *console {
	t.Helper()
	c, err := s.dial(t, user, key)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range env {
		if err := sess.Setenv(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	con := &console{screen: newScreen(out, in), client: c, sess: sess, in: in}
	t.Cleanup(func() { c.Close() })
	return con
}

// sshCommand is the system's ssh client, run in a PTY of w x h: user@127.0.0.1 on the
// server's port with key, and args after the destination.
type sshCommand struct {
	*screen
	cmd  *exec.Cmd
	ptmx *os.File
}

// sshArgs are the options every test's ssh runs with: no config, no agent, no known hosts.
func (s *served) sshArgs(keyFile string) []string {
	args := []string{"-F", "/dev/null", "-p", s.port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"}
	if keyFile != "" {
		args = append(args, "-o", "IdentitiesOnly=yes", "-i", keyFile)
	}
	return args
}

func (s *served) sshInPTY(t *testing.T, keyFile, user string, w, h int, extra ...string) *sshCommand {
	t.Helper()
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no ssh client")
	}
	args := append(s.sshArgs(keyFile), "-tt")
	args = append(args, extra...)
	args = append(args, user+"@127.0.0.1")
	cmd := exec.Command("ssh", args...)
	cmd.Env = append(os.Environ(), "SSH_AUTH_SOCK=", "TERM=xterm-256color")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(w), Rows: uint16(h)})
	if err != nil {
		t.Fatal(err)
	}
	c := &sshCommand{screen: newScreen(ptmx, ptmx), cmd: cmd, ptmx: ptmx}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		ptmx.Close()
	})
	return c
}

// sshRun runs the system's ssh without a terminal and returns its output and exit status.
func (s *served) sshRun(t *testing.T, keyFile, user string, extra []string, command ...string) (stdout, stderr string, code int) {
	t.Helper()
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no ssh client")
	}
	args := append(s.sshArgs(keyFile), extra...)
	args = append(args, user+"@127.0.0.1")
	args = append(args, command...)
	cmd := exec.Command("ssh", args...)
	cmd.Env = append(os.Environ(), "SSH_AUTH_SOCK=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}
