package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/lab"
)

// lockedBuffer is a bytes.Buffer a child process writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// hungVCenter accepts TCP connections and never answers: a vCenter gone silent.
func hungVCenter(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// frozenAfterLogin starts a lab whose vCenters stop answering (lab.Freeze) just after the
// first login to each, and returns a config pointing at it and a channel closed once both
// are frozen: a command holding sessions on them cannot log out.
func frozenAfterLogin(t *testing.T) (string, <-chan struct{}) {
	t.Helper()
	l, err := lab.Start(context.Background(), lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	frozen := make(chan struct{})
	var mu sync.Mutex
	left := 2
	for _, ep := range l.Endpoints() {
		var once sync.Once
		id := ep.ID
		l.SetHandler(id, func(_ *simulator.Context, m *simulator.Method) (mo.Reference, types.BaseMethodFault) {
			if m.Name == "Login" {
				once.Do(func() {
					go func() {
						time.Sleep(100 * time.Millisecond) // the answer to Login goes first
						l.Freeze(id)
						mu.Lock()
						defer mu.Unlock()
						if left--; left == 0 {
							close(frozen)
						}
					}()
				})
			}
			return nil, nil
		})
	}
	path := filepath.Join(t.TempDir(), "frozen.yaml")
	if err := l.Config().Write(path); err != nil {
		t.Fatal(err)
	}
	return path, frozen
}

// Every headless command stops within a second of SIGINT or SIGTERM, even with its
// stdin a pipe left open: the lab (exit 0: a signal is how it stops), the inventory
// while the lab starts, while it loads, and while a vCenter does not answer, and
// fabric parse waiting on stdin (exit 1, "interrupted").
func TestHeadlessCommandsStopOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts labs")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "vmcross")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	hung := hungVCenter(t)
	hungConfig := filepath.Join(t.TempDir(), "hung.yaml")
	site := "  - id: ID\n    url: https://" + hung + "/sdk\n    username: u\n    password: p\n    insecure: true\n"
	if err := os.WriteFile(hungConfig, []byte("sites:\n"+strings.Replace(site, "ID", "site-a", 1)+strings.Replace(site, "ID", "site-b", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	frozenConfig, frozen := frozenAfterLogin(t)
	parse := []string{"fabric", "parse", "--platform", "cisco_nxos", "--command", "show vlan brief"}
	cases := []struct {
		name    string
		args    []string
		sig     syscall.Signal
		ready   string          // printed once the command is under way ("" for none)
		readyCh <-chan struct{} // or closed then
		after   time.Duration   // then wait this long before the signal
		exit    int
	}{
		{"lab SIGTERM", []string{"lab"}, syscall.SIGTERM, "Lab running", nil, 0, 0},
		{"lab SIGINT", []string{"lab"}, syscall.SIGINT, "Lab running", nil, 0, 0},
		{"inventory details SIGTERM while the lab starts", []string{"inventory", "--lab", "--json", "--details"}, syscall.SIGTERM, "starting the built-in", nil, 0, 1},
		// 2,000 VMs: the default lab's 160 load with their details in about as long as the
		// wait (under -race too), and the command would end before the signal.
		{"inventory details SIGINT while loading", []string{"inventory", "--lab-vms", "2000", "--json", "--details"}, syscall.SIGINT, "starting the built-in", nil, 300 * time.Millisecond, 1},
		{"inventory SIGTERM while the vCenters do not answer", []string{"inventory", "--config", hungConfig, "--json", "--details"}, syscall.SIGTERM, "", nil, 700 * time.Millisecond, 1},
		{"inventory SIGTERM with sessions that cannot log out", []string{"inventory", "--config", frozenConfig, "--json", "--details"}, syscall.SIGTERM, "", frozen, 300 * time.Millisecond, 1},
		{"fabric parse SIGTERM on open stdin", parse, syscall.SIGTERM, "", nil, 300 * time.Millisecond, 1},
		{"fabric parse SIGINT on open stdin", parse, syscall.SIGINT, "", nil, 300 * time.Millisecond, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr lockedBuffer
			cmd := exec.Command(bin, c.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir())
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close() // left open until the command has gone
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			started := time.Now()
			for c.ready != "" && !strings.Contains(stdout.String()+stderr.String(), c.ready) {
				select {
				case err := <-done:
					t.Fatalf("exited before %q: %v\n%s%s", c.ready, err, stdout.String(), stderr.String())
				case <-time.After(10 * time.Millisecond):
				}
				if time.Since(started) > 60*time.Second {
					_ = cmd.Process.Kill()
					t.Fatalf("no %q within a minute\n%s", c.ready, stderr.String())
				}
			}
			if c.readyCh != nil {
				select {
				case <-c.readyCh:
				case err := <-done:
					t.Fatalf("exited before it was ready: %v\n%s", err, stderr.String())
				case <-time.After(60 * time.Second):
					_ = cmd.Process.Kill()
					t.Fatal("not ready within a minute")
				}
			}
			select {
			case err := <-done:
				t.Fatalf("exited before the signal: %v\n%s", err, stderr.String())
			case <-time.After(c.after):
			}
			if c.exit != 0 && stdout.String() != "" {
				t.Fatalf("the command had printed its output before the signal: the case no longer interrupts it\n%.200s", stdout.String())
			}
			sent := time.Now()
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				took := time.Since(sent)
				msg := strings.TrimSpace(stderr.String())
				t.Logf("%s sent %v after start; exited %v later: %v; stderr ends %q", signalName(c.sig),
					sent.Sub(started).Round(time.Millisecond), took.Round(time.Millisecond), err, lastLine(msg))
				code := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				if code != c.exit {
					t.Errorf("exit status %d, want %d (-1: killed by the signal, not handled)", code, c.exit)
				}
				if c.exit != 0 && !strings.HasSuffix(msg, "vmcross: interrupted by "+signalName(c.sig)) {
					t.Errorf("stderr should end with one line saying it was interrupted: %q", msg)
				}
				if took > 1500*time.Millisecond {
					t.Errorf("exited %v after %v, want within a second", took, c.sig)
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("still running 10s after %v\n%s", c.sig, stderr.String())
			}
		})
	}
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
