package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	gossh "golang.org/x/crypto/ssh"
)

// openSSH returns an OpenSSH command line for a switch that feeds the password through
// SSH_ASKPASS, with the given authentication method preferred.
func openSSH(t *testing.T, e Endpoint, method string, args ...string) *exec.Cmd {
	t.Helper()
	ssh, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("no OpenSSH client")
	}
	askpass := filepath.Join(t.TempDir(), "askpass.sh")
	script := "#!/bin/sh\nprintf '%s\\n' '" + e.Password + "'\n"
	if err := os.WriteFile(askpass, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	base := []string{
		"-F", "/dev/null",
		"-p", strconv.Itoa(e.Port),
		"-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR",
		"-o", "PreferredAuthentications=" + method,
		"-o", "ConnectTimeout=5",
		e.Username + "@" + e.Host,
	}
	cmd := exec.Command(ssh, append(base[:len(base)-1], append(args, base[len(base)-1])...)...)
	cmd.Env = append(os.Environ(), "SSH_ASKPASS="+askpass, "SSH_ASKPASS_REQUIRE=force", "DISPLAY=:0")
	return cmd
}

func TestOpenSSHExec(t *testing.T) {
	f := startFabric(t, Options{})
	e, _ := f.Switch(miaEdge)
	for _, method := range []string{"password", "keyboard-interactive"} {
		cmd := openSSH(t, e, method)
		cmd.Args = append(cmd.Args, "show interface trunk")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v\n%s", method, err, out)
		}
		if got := trunkSection(string(out), "STP Forwarding")["Po10"]; got != planList(true) {
			t.Errorf("%s: Po10 forwarding %q:\n%s", method, got, out)
		}
	}

	// A wrong password is refused.
	bad := e
	bad.Password = "wrong"
	cmd := openSSH(t, bad, "password", "-o", "NumberOfPasswordPrompts=1")
	cmd.Args = append(cmd.Args, "show version")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("wrong password accepted:\n%s", out)
	}
}

// ptyReader collects what an interactive session prints.
type ptyReader struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (r *ptyReader) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

func (r *ptyReader) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

// expect waits until the output since mark contains want and returns the new mark.
func (r *ptyReader) expect(t *testing.T, mark int, want string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := r.String()
		if i := strings.Index(s[mark:], want); i >= 0 {
			return mark + i + len(want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %q; got:\n%q", want, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOpenSSHInteractive(t *testing.T) {
	f := startFabric(t, Options{})
	e, _ := f.Switch(miaEdge)
	cmd := openSSH(t, e, "keyboard-interactive", "-tt")
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	out := &ptyReader{}
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(out, tty); close(copied) }()
	send := func(s string) {
		if _, err := tty.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}

	prompt := "\r\nmia-dci-n7k-01# "
	mark := out.expect(t, 0, "Cisco Nexus Operating System (NX-OS) Software\r\n")
	mark = out.expect(t, mark, prompt)

	// Each character is echoed as typed; Enter (CR) runs the line.
	send("sh int tr\r")
	mark = out.expect(t, mark, "sh int tr\r\n\r\n"+strings.Repeat("-", 80)+"\r\nPort          Native  Status        Port\r\n")
	mark = out.expect(t, mark, "Po10          "+planList(true)+"\r\n")
	mark = out.expect(t, mark, prompt)

	// Backspace erases on screen and in the line; ctrl+u drops the line.
	send("show vlna\x7f\x7fan brief\r")
	mark = out.expect(t, mark, "show vlna\b \b\b \ban brief\r\n")
	mark = out.expect(t, mark, "120  App                              active    Po10, Po20\r\n")
	mark = out.expect(t, mark, prompt)
	send("garbage\x15show hostname\r")
	mark = out.expect(t, mark, "garbage"+strings.Repeat("\b \b", 7)+"show hostname\r\nmia-dci-n7k-01")
	mark = out.expect(t, mark, prompt)

	// Configuration mode, and an error with its caret under the bad word.
	send("conf t\r")
	mark = out.expect(t, mark, "Enter configuration commands, one per line. End with CNTL/Z.\r\nmia-dci-n7k-01(config)# ")
	send("int po10\r")
	mark = out.expect(t, mark, "mia-dci-n7k-01(config-if)# ")
	send("swtichport trunk allowed vlan remove 120\r")
	mark = out.expect(t, mark, "\r\n"+strings.Repeat(" ", 27+2)+"^\r\n% Invalid command at '^' marker.\r\nmia-dci-n7k-01(config-if)# ")
	send("switchport trunk allowed vlan remove 120\r")
	mark = out.expect(t, mark, "mia-dci-n7k-01(config-if)# ")
	send("\x03") // ctrl+c keeps the mode on NX-OS
	mark = out.expect(t, mark, "^C\r\nmia-dci-n7k-01(config-if)# ")
	send("end\r")
	mark = out.expect(t, mark, prompt)
	if got := forwardingOn(t, f, atlEdge, "Po10"); got != planList(true, 120) {
		t.Errorf("change made over SSH not seen at the far end: %q", got)
	}

	send("exit\r")
	select {
	case <-copied:
	case <-time.After(10 * time.Second):
		t.Fatalf("session did not end after exit")
	}
	_ = cmd.Wait()
	_ = mark
}

// dial opens an interactive session over x/crypto/ssh with a PTY, as scrapligo's standard
// transport does, and waits for the first prompt.
type client struct {
	conn *gossh.Client
	sess *gossh.Session
	in   io.WriteCloser
	out  *ptyReader
	done chan struct{}
	mark int
}

func dial(t *testing.T, e Endpoint) *client {
	t.Helper()
	conn, err := gossh.Dial("tcp", fmt.Sprintf("%s:%d", e.Host, e.Port), &gossh.ClientConfig{
		User:            e.Username,
		Auth:            []gossh.AuthMethod{gossh.Password(e.Password)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // the lab's own host key
		Timeout:         5 * time.Second,
	})
	if err != nil {
		t.Fatalf("dial %s: %v", e.Name, err)
	}
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := sess.StdinPipe()
	stdout, _ := sess.StdoutPipe()
	if err := sess.RequestPty("xterm", 24, 200, gossh.TerminalModes{gossh.ECHO: 1}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	c := &client{conn: conn, sess: sess, in: in, out: &ptyReader{}, done: make(chan struct{})}
	go func() { _, _ = io.Copy(c.out, stdout); close(c.done) }()
	t.Cleanup(func() { _ = conn.Close() })
	c.mark = c.out.expect(t, 0, "#")
	return c
}

// cmd runs one line and returns what it printed before the next prompt.
func (c *client) cmd(t *testing.T, line, prompt string) string {
	t.Helper()
	start := c.mark
	if _, err := c.in.Write([]byte(line + "\n")); err != nil {
		t.Fatalf("write %q: %v", line, err)
	}
	c.mark = c.out.expect(t, start, "\r\n"+prompt)
	return c.out.String()[start:c.mark]
}

func (c *client) closed(within time.Duration) bool {
	select {
	case <-c.done:
		return true
	case <-time.After(within):
		return false
	}
}

func TestDropMidOutput(t *testing.T) {
	f := startFabric(t, Options{})
	e, _ := f.Switch(atlEdge)
	c := dial(t, e)
	full := c.cmd(t, "show interface po10", "atl-dci-n7k-01# ")
	if !strings.Contains(full, "0 Tx pause") {
		t.Fatalf("whole output:\n%s", full)
	}

	if err := f.SetDropMidOutput(atlEdge, true); err != nil {
		t.Fatal(err)
	}
	// Commands that are not show commands are not cut.
	c.cmd(t, "terminal length 0", "atl-dci-n7k-01# ")
	start := c.mark
	if _, err := c.in.Write([]byte("show interface po10\n")); err != nil {
		t.Fatal(err)
	}
	if !c.closed(5 * time.Second) {
		t.Fatalf("connection still open after a cut show command")
	}
	got := c.out.String()[start:]
	if !strings.Contains(got, "port-channel10 is up") || strings.Contains(got, "Tx pause") {
		t.Errorf("want the first half of the output only:\n%s", got)
	}

	// The fault fires once.
	c = dial(t, e)
	if out := c.cmd(t, "show interface po10", "atl-dci-n7k-01# "); !strings.Contains(out, "0 Tx pause") {
		t.Errorf("second session cut too:\n%s", out)
	}
}

func TestDropMidOutputScrapli(t *testing.T) {
	f := startFabric(t, Options{})
	e, _ := f.Switch(miaDist)
	d := openScrapli(t, e, "standard")
	if err := f.SetDropMidOutput(miaDist, true); err != nil {
		t.Fatal(err)
	}
	r, err := d.SendCommand("show interfaces trunk")
	if err == nil {
		t.Errorf("scrapligo got no error from a cut session: %q", r.Result)
	}
}

func TestDropConnections(t *testing.T) {
	f := startFabric(t, Options{})
	e, _ := f.Switch(miaDist)
	a, b := dial(t, e), dial(t, e)
	other := dial(t, mustSwitch(t, f, miaEdge))
	if err := f.DropConnections(miaDist); err != nil {
		t.Fatal(err)
	}
	if !a.closed(5*time.Second) || !b.closed(5*time.Second) {
		t.Fatalf("sessions survived DropConnections")
	}
	if other.closed(100 * time.Millisecond) {
		t.Errorf("another switch's session was dropped")
	}
	// New logins work.
	c := dial(t, e)
	if out := c.cmd(t, "show etherchannel summary", "mia-dist-c6k-01#"); !strings.Contains(out, "Po1(SU)") {
		t.Errorf("after reconnecting:\n%s", out)
	}
}

func TestUnresponsive(t *testing.T) {
	f := startFabric(t, Options{})
	e, _ := f.Switch(atlDist)
	c := dial(t, e)
	if err := f.SetUnresponsive(atlDist, true); err != nil {
		t.Fatal(err)
	}
	start := len(c.out.String())
	_, _ = c.in.Write([]byte("show version\n"))
	time.Sleep(200 * time.Millisecond)
	if got := c.out.String()[start:]; got != "" {
		t.Errorf("an unresponsive switch answered %q", got)
	}
	if err := f.SetUnresponsive(atlDist, false); err != nil {
		t.Fatal(err)
	}
	c.mark = start
	if out := c.cmd(t, "show vlan brief", "atl-dist-c6k-01#"); !strings.Contains(out, "120  App") {
		t.Errorf("after recovering:\n%s", out)
	}
}

func mustSwitch(t *testing.T, f *Fabric, name string) Endpoint {
	t.Helper()
	e, err := f.Switch(name)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestConcurrentSessions runs several SSH sessions and the fault helpers at once; with -race it
// checks that all fabric state is guarded.
func TestConcurrentSessions(t *testing.T) {
	f := startFabric(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i, sw := range []string{miaEdge, atlEdge, miaDist, atlDist, miaEdge, atlEdge} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, _ := f.Switch(sw)
			conn, err := gossh.Dial("tcp", fmt.Sprintf("%s:%d", e.Host, e.Port), &gossh.ClientConfig{
				User: e.Username, Auth: []gossh.AuthMethod{gossh.Password(e.Password)},
				HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // the lab's own host key
			})
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			for j := range 5 {
				sess, err := conn.NewSession()
				if err != nil {
					errs <- err
					return
				}
				cmds := []string{"show interface trunk", "show version", "show vlan brief"}
				if strings.Contains(sw, "c6k") {
					cmds[0] = "show interfaces trunk"
				}
				out, err := sess.Output(cmds[(i+j)%len(cmds)])
				_ = sess.Close()
				if err != nil || len(out) == 0 {
					errs <- fmt.Errorf("%s %q: %v", sw, cmds[(i+j)%len(cmds)], err)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 20 {
			_ = f.AddCRCErrors(miaEdge, "e3/1", 1)
			f.SetOTVAdjacency(i%2 == 0)
			f.SetLatency(time.Duration(i) * time.Millisecond)
			_, _ = f.Exec(atlEdge, "conf t", "int po10", fmt.Sprintf("switchport trunk allowed vlan remove %d", 100+10*(i%6)), "end")
			_, _ = f.Exec(atlEdge, "conf t", "int po10", "switchport trunk allowed vlan add 100-150", "end")
			_ = f.Snapshot()
			_ = f.Switches()
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, io.EOF) {
			t.Error(err)
		}
	}
}

func TestIOSInteractive(t *testing.T) {
	f := startFabric(t, Options{})
	c := dial(t, mustSwitch(t, f, miaDist))
	if out := c.cmd(t, "conf t", "mia-dist-c6k-01(config)#"); !strings.Contains(out, "End with CNTL/Z.") {
		t.Errorf("conf t: %q", out)
	}
	c.cmd(t, "int po1", "mia-dist-c6k-01(config-if)#")
	start := c.mark
	_, _ = c.in.Write([]byte{0x1a}) // ctrl+z ends configuration
	c.mark = c.out.expect(t, start, "^Z\r\nmia-dist-c6k-01#")
	out := c.cmd(t, "ping 10.2.255.2 repeat 3", "mia-dist-c6k-01#")
	if !strings.Contains(out, "timeout is 2 seconds:\r\n!!!\r\nSuccess rate is 100 percent (3/3)") {
		t.Errorf("ping over SSH:\n%q", out)
	}
	// An exec request for a refused command exits non-zero.
	conn, err := gossh.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", mustSwitch(t, f, miaDist).Port), &gossh.ClientConfig{
		User: DefaultUsername, Auth: []gossh.AuthMethod{gossh.Password(DefaultPassword)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // the lab's own host key
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sess, _ := conn.NewSession()
	b, err := sess.Output("show bogus")
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 || !strings.Contains(string(b), "% Invalid input detected") {
		t.Errorf("exec of a bad command: %v %q", err, b)
	}
}
