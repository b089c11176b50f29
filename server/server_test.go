package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/vmcross/vmcross/backend/model"
)

// An operator's key gets the console through the system's ssh in a terminal: the first
// frame has both sites, this operator's name is in the engine's sessions, and its start and
// end are audited once q quits.
func TestOperatorGetsTheConsole(t *testing.T) {
	r := labRig(t)
	alice := newKey(t, "alice@laptop role=operator user=alice-op")
	s := serve(t, r, []string{"# on call", alice.line}, nil)
	c := s.sshInPTY(t, alice.file, "whoever", 160, 48)
	c.wait(t, "both sites in the first frame", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "Miami") && strings.Contains(s, "Atlanta") && strings.Count(s, "VMs") >= 2
	})
	st := r.waitFor(t, "alice's session listed", 10*time.Second, func(st model.State) bool { return hasSession(st, "alice-op") })
	for _, x := range st.Sessions {
		if x.User == "alice-op" && (x.Role != model.RoleOperator || !strings.HasPrefix(x.From, "ssh SHA256:") || x.Addr == "") {
			t.Errorf("alice's session: %+v", x)
		}
	}
	fmt.Fprint(c.ptmx, "q")
	if err := waitExit(c.cmd, 10*time.Second); err != nil {
		t.Errorf("ssh after q: %v", err)
	}
	r.waitFor(t, "alice's session gone", 10*time.Second, func(st model.State) bool { return !hasSession(st, "alice-op") })
	waitAudit(t, r, "alice-op", 1)
}

// A key that is not authorized, a password and keyboard-interactive are all refused, with
// the system's ssh and with a Go client; the server names publickey as its only method.
func TestRefusedLogins(t *testing.T) {
	r := labRig(t)
	known := newKey(t, "role=operator user=known")
	stranger := newKey(t, "stranger")
	s := serve(t, r, []string{known.line}, nil)

	_, stderr, code := s.sshRun(t, stranger.file, "mallory", nil, "status")
	if code != 255 || !strings.Contains(stderr, "Permission denied (publickey)") {
		t.Errorf("unknown key: exit %d, %q", code, stderr)
	}
	for _, method := range []string{"password", "keyboard-interactive"} {
		_, stderr, code := s.sshRun(t, "", "known", []string{"-o", "PreferredAuthentications=" + method, "-o", "PubkeyAuthentication=no"}, "status")
		if code != 255 || !strings.Contains(stderr, "Permission denied (publickey)") {
			t.Errorf("%s: exit %d, %q", method, code, stderr)
		}
	}
	_, err := gossh.Dial("tcp", s.addr, &gossh.ClientConfig{User: "known", Auth: []gossh.AuthMethod{gossh.Password("secret"),
		gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return []string{"secret"}, nil })},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("Go client with a password: %v", err)
	}
	if _, err := s.dial(t, "mallory", stranger.signer); err == nil {
		t.Error("Go client with an unknown key got in")
	}
	// The known key works, so the refusals were the keys' and methods'.
	if out, _, code := s.run(t, "known", known.signer, "status"); code != 0 || !strings.Contains(out, "site-a") {
		t.Errorf("known key: exit %d, %q", code, out)
	}

	// Each connection refused for its key is one refused login in the audit log, naming the
	// login name given, the key offered and the client's address; the password attempts
	// offered no key and are in serve's log only.
	fp := gossh.FingerprintSHA256(stranger.signer.PublicKey())
	var logins []model.AuditRecord
	for deadline := time.Now().Add(10 * time.Second); len(logins) < 2 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		logins = r.records(t, func(rec model.AuditRecord) bool { return rec.Command == model.CmdLogin })
	}
	if len(logins) != 2 {
		t.Fatalf("refused logins in the audit log: %+v, want 2", logins)
	}
	for _, rec := range logins {
		if rec.Operator.Name != "mallory" || rec.Operator.From != "ssh "+fp || !strings.HasPrefix(rec.Object, "127.0.0.1:") ||
			rec.Result != model.AuditRefused("login refused: no key offered is authorized") {
			t.Errorf("refused login recorded as %+v", rec)
		}
	}
}

// A viewer's session offers no dangerous key, and the engine refuses a move asked as the
// session's operator; read-only mode makes an operator's session a viewer and refuses
// everyone.
func TestViewerAndReadOnly(t *testing.T) {
	r := labRig(t)
	viewer := newKey(t, "user=vic") // no role: viewer
	oper := newKey(t, "role=operator user=olga")
	s := serve(t, r, []string{viewer.line, oper.line}, nil)
	keys, acked := r.movable(t, 1)

	c := s.console(t, "vic", viewer.signer, 160, 48, nil)
	c.wait(t, "the first frame", 30*time.Second, func(s string) bool { return strings.Count(s, "VMs") >= 2 })
	fmt.Fprint(c.in, "?") // the full help
	c.wait(t, "the full help", 10*time.Second, func(s string) bool { return strings.Contains(s, "poll switches now") })
	if txt := c.text(); strings.Contains(txt, "reconnect site") {
		t.Error("a viewer's help offers reconnect site")
	}
	st := r.waitFor(t, "vic listed", 10*time.Second, func(st model.State) bool { return hasSession(st, "vic") })
	vic := sessionOf(st, "vic").Operator()
	if vic.Role != model.RoleViewer {
		t.Fatalf("vic's role: %s", vic.Role)
	}
	_, err := r.migrate(t, vic, keys, acked)
	var re *model.RefusedError
	if !errors.As(err, &re) || !errors.Is(err, model.ErrNotAllowed) {
		t.Fatalf("a viewer's move: %v", err)
	}

	r.eng.SetReadOnly(true)
	defer r.eng.SetReadOnly(false)
	o := s.console(t, "olga", oper.signer, 120, 40, nil)
	o.wait(t, "READ-ONLY in the header", 30*time.Second, func(s string) bool { return strings.Contains(s, "READ-ONLY") })
	st = r.waitFor(t, "olga listed", 10*time.Second, func(st model.State) bool { return hasSession(st, "olga") })
	if got := sessionOf(st, "olga").Role; got != model.RoleViewer {
		t.Errorf("olga's role in read-only mode: %s", got)
	}
	_, err = r.migrate(t, admin, keys, acked)
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("an admin's move in read-only mode: %v", err)
	}
	out, _, _ := s.run(t, "olga", oper.signer, "status")
	if !strings.Contains(out, "READ-ONLY") {
		t.Errorf("status in read-only mode:\n%s", out)
	}
}

// Two operators watch the same move progress, each told of the other; one of them drops
// the connection mid-move: the move carries on to the end, the other session still sees it,
// and a new session shows it done.
func TestSharedMoveAndDisconnect(t *testing.T) {
	r := labRig(t)
	ann := newKey(t, "role=operator user=ann")
	ben := newKey(t, "role=viewer user=ben")
	s := serve(t, r, []string{ann.line, ben.line}, nil)
	keys, acked := r.movable(t, 1)
	vm := vmName(r, keys[0])

	a := s.console(t, "ann", ann.signer, 160, 48, nil)
	b := s.console(t, "ben", ben.signer, 160, 48, nil)
	a.wait(t, "ben in ann's header", 30*time.Second, func(s string) bool { return strings.Contains(s, "+1 other: ben (viewer)") })
	b.wait(t, "ann in ben's header", 30*time.Second, func(s string) bool { return strings.Contains(s, "+1 other: ann") })

	st := r.waitFor(t, "ann listed", 10*time.Second, func(st model.State) bool { return hasSession(st, "ann") })
	ids, err := r.migrate(t, sessionOf(st, "ann").Operator(), keys, acked)
	if err != nil {
		t.Fatal(err)
	}
	progress := func(sc *screen) []string { return percents(sc.text(), vm) }
	for _, sc := range []*screen{a.screen, b.screen} {
		sc.wait(t, vm+" under way", 45*time.Second, func(string) bool {
			p := progress(sc)
			return len(p) > 0 && p[len(p)-1] != "0%" && p[len(p)-1] != "100%"
		})
	}
	// Ann's connection drops at once, without a goodbye.
	a.client.Close()
	moves := r.waitMoves(t, ids, 60*time.Second)
	if moves[0].State != model.MoveDone || moves[0].Operator.Name != "ann" {
		t.Fatalf("the move after ann left: %+v", moves[0])
	}
	b.wait(t, "the move done in ben's console", 20*time.Second, func(s string) bool { return lineWith(s, vm, "done") })
	if p := progress(b.screen); len(distinct(p)) < 2 {
		t.Errorf("ben saw %s at %v only", vm, p)
	}
	r.waitFor(t, "ann's session gone", 10*time.Second, func(st model.State) bool { return !hasSession(st, "ann") })
	again := s.console(t, "ann", ann.signer, 160, 48, nil)
	again.wait(t, "the move done after reconnecting", 30*time.Second, func(s string) bool { return lineWith(s, vm, "done") })
	again.client.Close()
	waitAudit(t, r, "ann", 2) // the dropped session and the new one
}

// Twenty consoles connect at once while a move runs; half quit, half drop. The server
// keeps serving, the move finishes, and the audit log has a start and an end for each.
func TestTwentySessionsAtOnce(t *testing.T) {
	r := labRig(t)
	const n = 20
	keys := make([]operatorKey, n)
	var lines []string
	for i := range keys {
		keys[i] = newKey(t, fmt.Sprintf("role=viewer user=crowd-%02d", i))
		lines = append(lines, keys[i].line)
	}
	s := serve(t, r, lines, nil)
	vms, acked := r.movable(t, 1)
	ids, err := r.migrate(t, admin, vms, acked)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- crowdMember(s, fmt.Sprintf("crowd-%02d", i), keys[i].signer, i%2 == 0)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if m := r.waitMoves(t, ids, 60*time.Second); m[0].State != model.MoveDone {
		t.Errorf("the move: %+v", m[0])
	}
	r.waitFor(t, "every crowd session gone", 20*time.Second, func(st model.State) bool {
		for _, x := range st.Sessions {
			if strings.HasPrefix(x.User, "crowd-") {
				return false
			}
		}
		return true
	})
	for i := range n {
		waitAudit(t, r, fmt.Sprintf("crowd-%02d", i), 1)
	}
	if out, _, code := s.run(t, "crowd-00", keys[0].signer, "status"); code != 0 || !strings.Contains(out, "site-a") {
		t.Errorf("status after the crowd: exit %d\n%s", code, out)
	}
	if got := s.srv.Sessions(); got != 0 {
		t.Errorf("%d sessions still counted", got)
	}
}

// crowdMember opens a console, waits for its first frame, then quits with q or drops.
func crowdMember(s *served, user string, key gossh.Signer, quit bool) error {
	c, err := gossh.Dial("tcp", s.addr, &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 20 * time.Second})
	if err != nil {
		return fmt.Errorf("%s: %w", user, err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		return fmt.Errorf("%s: %w", user, err)
	}
	if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
		return fmt.Errorf("%s: pty: %w", user, err)
	}
	in, _ := sess.StdinPipe()
	out, _ := sess.StdoutPipe()
	if err := sess.Shell(); err != nil {
		return fmt.Errorf("%s: shell: %w", user, err)
	}
	sc := newScreen(out, in)
	deadline := time.Now().Add(45 * time.Second)
	for !strings.Contains(sc.text(), "VMs") {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no first frame in 45s:\n%s", user, tail(sc.text(), 500))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !quit {
		return nil // the deferred Close drops the connection
	}
	fmt.Fprint(in, "q")
	select {
	case <-sc.done:
		return nil
	case <-time.After(20 * time.Second):
		return fmt.Errorf("%s: q did not end the session", user)
	}
}

// Garbage on the port, a connection that says nothing, and a client that hangs up in the
// middle of the handshake leave the server serving.
func TestGarbageAndSilence(t *testing.T) {
	r := labRig(t)
	k := newKey(t, "user=gus")
	s := serve(t, r, []string{k.line}, func(o *Options) { o.handshake = 500 * time.Millisecond })

	junk := make([]byte, 4096)
	rand.Read(junk)
	for _, payload := range [][]byte{junk, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), []byte("SSH-2.0-OpenSSH_9.2\r\n"), append([]byte("SSH-2.0-x\r\n"), junk...)} {
		conn, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = conn.Write(payload)
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 1024)
		for {
			if _, err := conn.Read(buf); err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Errorf("the server kept a connection that sent %q…", payload[:min(len(payload), 12)])
				}
				break
			}
		}
		conn.Close()
	}
	silent, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	_ = silent.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 256)
	for {
		if _, err := silent.Read(buf); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Error("a silent connection was kept past the handshake timeout")
			}
			break
		}
	}
	if out, _, code := s.run(t, "gus", k.signer, "status"); code != 0 || !strings.Contains(out, "site-a") {
		t.Errorf("status after the garbage: exit %d\n%s", code, out)
	}
}

// status and status --json without a terminal; anything else is a usage error (exit 2),
// a shell included.
func TestStatusCommand(t *testing.T) {
	r := labRig(t)
	k := newKey(t, "role=operator user=stan")
	s := serve(t, r, []string{k.line}, nil)

	out, _, code := s.sshRun(t, k.file, "stan", nil, "status")
	for _, want := range []string{"site-a", "site-b", "connected", "DCI: ", "switches answering", "MOVES:", "CONNECTED:"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("status: exit %d", code)
	}
	out, _, code = s.sshRun(t, k.file, "stan", nil, "status", "--json")
	var j statusJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != 0 {
		t.Fatalf("status --json: exit %d, %v:\n%s", code, err, out)
	}
	if len(j.Sites) != 2 || j.Sites[0].State != "connected" || j.Sites[0].VMs == 0 || !j.Fabric.Configured ||
		len(j.Fabric.Switches) == 0 || j.Fabric.Verdict == "" {
		t.Errorf("status --json: %+v", j)
	}
	for _, bad := range [][]string{{"bash"}, {"sh", "-c", "id"}, {"status", "--yaml"}, {"rm", "-rf", "/"}} {
		out, stderr, code := s.sshRun(t, k.file, "stan", nil, bad...)
		if code != 2 || out != "" || !strings.Contains(stderr, "usage: ") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", bad, code, out, stderr)
		}
	}
	// A shell without a terminal (ssh -T) is refused too.
	_, stderr, code := s.sshRun(t, k.file, "stan", []string{"-T"})
	if code != 2 || !strings.Contains(stderr, "no terminal") {
		t.Errorf("ssh -T: exit %d, %q", code, stderr)
	}
	_, _, code = s.sshRun(t, k.file, "stan", nil, "help")
	if code != 0 {
		t.Errorf("help: exit %d", code)
	}
}

// The session over the limit is told so and closed; the others are not disturbed.
func TestMaxSessions(t *testing.T) {
	r := labRig(t)
	k := newKey(t, "user=max")
	s := serve(t, r, []string{k.line}, func(o *Options) { o.MaxSessions = 2 })
	a := s.console(t, "max", k.signer, 80, 24, nil)
	b := s.console(t, "max", k.signer, 80, 24, nil)
	for _, c := range []*console{a, b} {
		c.wait(t, "a first frame", 30*time.Second, func(s string) bool { return strings.Contains(s, "VMs") })
	}
	_, stderr, code := s.run(t, "max", k.signer, "status")
	if code != 1 || !strings.Contains(stderr, "too many sessions (2)") {
		t.Errorf("the third session: exit %d, %q", code, stderr)
	}
	fmt.Fprint(a.in, "q")
	<-a.done
	waitSessions(t, s, 1)
	if _, _, code := s.run(t, "max", k.signer, "status"); code != 0 {
		t.Errorf("a session after one left: exit %d", code)
	}
}

// A console nobody types in is closed after the idle timeout, and says why; keys keep it
// open.
func TestIdleTimeout(t *testing.T) {
	r := labRig(t)
	k := newKey(t, "user=ida")
	s := serve(t, r, []string{k.line}, func(o *Options) { o.IdleTimeout = 2 * time.Second })
	c := s.console(t, "ida", k.signer, 80, 24, nil)
	c.wait(t, "a first frame", 30*time.Second, func(s string) bool { return strings.Contains(s, "VMs") })
	start := time.Now()
	for range 6 { // 3 s of typing: past the timeout, still open
		fmt.Fprint(c.in, "j")
		time.Sleep(500 * time.Millisecond)
	}
	select {
	case <-c.done:
		t.Fatalf("closed after %v although keys came", time.Since(start))
	default:
	}
	c.wait(t, "the idle message", 15*time.Second, func(s string) bool { return strings.Contains(s, "no key pressed for 2s: disconnected") })
	<-c.done
}

// NO_COLOR from the client turns colour off in its console only.
func TestColourFollowsTheClient(t *testing.T) {
	r := labRig(t)
	k := newKey(t, "user=nora")
	s := serve(t, r, []string{k.line}, nil)
	plain := s.console(t, "nora", k.signer, 120, 40, map[string]string{"NO_COLOR": "1"})
	colour := s.console(t, "nora", k.signer, 120, 40, map[string]string{"COLORTERM": "truecolor"})
	for _, c := range []*console{plain, colour} {
		c.wait(t, "a first frame", 30*time.Second, func(s string) bool { return strings.Count(s, "VMs") >= 2 })
	}
	time.Sleep(300 * time.Millisecond)
	sgr := regexp.MustCompile(`\x1b\[[0-9;]*3[0-9;]*m|\x1b\[38;`)
	plain.mu.Lock()
	p := sgr.FindString(plain.raw.String())
	plain.mu.Unlock()
	colour.mu.Lock()
	cc := sgr.FindString(colour.raw.String())
	colour.mu.Unlock()
	if p != "" {
		t.Errorf("NO_COLOR session got colour %q", p)
	}
	if cc == "" {
		t.Error("the colour session got no colour")
	}
}

// The server's own shutdown ends every session, each audited.
func TestCloseEndsSessions(t *testing.T) {
	r := labRig(t)
	k := newKey(t, "user=cleo")
	s := serve(t, r, []string{k.line}, nil)
	c := s.console(t, "cleo", k.signer, 80, 24, nil)
	c.wait(t, "a first frame", 30*time.Second, func(s string) bool { return strings.Contains(s, "VMs") })
	done := make(chan struct{})
	go func() { s.srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs")
	}
	<-c.done
	waitAudit(t, r, "cleo", 1)
	if hasSession(r.eng.Snapshot(), "cleo") {
		t.Error("cleo still listed after Close")
	}
}

func hasSession(st model.State, user string) bool {
	for _, x := range st.Sessions {
		if x.User == user {
			return true
		}
	}
	return false
}

func sessionOf(st model.State, user string) model.Session {
	for _, x := range st.Sessions {
		if x.User == user {
			return x
		}
	}
	return model.Session{}
}

func vmName(r *rig, k model.VMKey) string {
	ss, _ := r.eng.Snapshot().Site(k.Site)
	vm, _ := ss.VM(k.MoRef)
	return vm.Name
}

// percents are the progress figures shown on the lines naming vm, in order.
func percents(text, vm string) []string {
	var out []string
	re := regexp.MustCompile(`\b(\d{1,3})%`)
	for _, l := range strings.Split(text, "\n") {
		if i := strings.Index(l, vm); i >= 0 {
			if m := re.FindStringSubmatch(l[i:]); m != nil {
				out = append(out, m[0])
			}
		}
	}
	return out
}

func distinct(s []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range s {
		m[x] = true
	}
	return m
}

// lineWith reports whether a line of text has all of the words.
func lineWith(text string, words ...string) bool {
	for _, l := range strings.Split(text, "\n") {
		all := true
		for _, w := range words {
			all = all && strings.Contains(l, w)
		}
		if all {
			return true
		}
	}
	return false
}

// waitAudit waits until the audit log has at least n starts and n ends of user's sessions,
// as many ends as starts.
func waitAudit(t *testing.T, r *rig, user string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		starts, ends := r.sessionRecords(t, user)
		if starts >= n && ends == starts {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("audit log: %s has %d session starts and %d ends, want %d of each", user, starts, ends, n)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitSessions(t *testing.T, s *served, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.srv.Sessions() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions, want %d", s.srv.Sessions(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitExit waits for a command to end.
func waitExit(cmd interface{ Wait() error }, within time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(within):
		return context.DeadlineExceeded
	}
}
