package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/config"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/fabric"
)

func TestJudgeStatus(t *testing.T) {
	up := fabric.SwitchStatus{Name: "a", Reachable: true}
	down := fabric.SwitchStatus{Name: "b", Err: "b: 127.0.0.1:22 accepted the connection but gave no SSH answer within 5s"}
	cases := []struct {
		name string
		h    fabric.Health
		word string
		code int
	}{
		{"healthy", fabric.Health{Switches: []fabric.SwitchStatus{up}}, verdictHealthy, 0},
		{"problems", fabric.Health{Switches: []fabric.SwitchStatus{up}, Verdict: fabric.Verdict{Problems: 2, Worst: fabric.SeverityWarn}},
			verdictProblems, 3},
		{"down", fabric.Health{Switches: []fabric.SwitchStatus{up}, Verdict: fabric.Verdict{Down: true, Problems: 1}},
			verdictDown, 3},
		// A switch not answering: the picture is incomplete, whatever else is known.
		{"a switch not answering", fabric.Health{Switches: []fabric.SwitchStatus{up, down},
			Verdict: fabric.Verdict{Down: true, Problems: 3}}, verdictUnreachable, 1},
		{"none answering", fabric.Health{Switches: []fabric.SwitchStatus{down}}, verdictUnreachable, 1},
		{"no switches", fabric.Health{}, verdictUnreachable, 1},
	}
	for _, c := range cases {
		v := judgeStatus(c.h)
		if v.word != c.word || v.code != c.code {
			t.Errorf("%s: got %s/%d, want %s/%d", c.name, v.word, v.code, c.word, c.code)
		}
		err := v.err()
		if got := exitStatusOf(err); got != c.code {
			t.Errorf("%s: error %v has exit status %d, want %d", c.name, err, got, c.code)
		}
		if c.word == verdictUnreachable && len(c.h.Switches) > 0 && !strings.Contains(err.Error(), "b is not answering") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// exitStatusOf is the exit status an error asks for (see exitError), as main gives it.
func exitStatusOf(err error) int {
	var xc interface{ ExitCode() int }
	switch {
	case err == nil:
		return 0
	case errors.As(err, &xc):
		return xc.ExitCode()
	}
	return exitCode(err)
}

// The JSON leads with the verdict and writes durations in units a person reads.
func TestFabricStatusJSONShape(t *testing.T) {
	h := fabric.Judge(fabric.Health{Configured: true, Interval: 5 * time.Second,
		Switches: []fabric.SwitchStatus{{Name: "a", Reachable: true}},
		RTTs:     []fabric.RTT{{From: "a", To: "b", Avg: 2134 * time.Microsecond, Max: 3 * time.Millisecond, OK: true}}})
	b, err := json.MarshalIndent(newStatusJSON(h, judgeStatus(h)), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, want := range []string{`{
  "verdict": "healthy",
  "exit_code": 0,`, `"poll_interval": "5s"`, `"avg": "2.134ms"`, `"max": "3ms"`, `"rtt_budget": "10ms"`,
		`"rtt_limit": "150ms"`, `"dci": {`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
	if strings.Count(out, `"verdict"`) != 1 {
		t.Errorf("the DCI's verdict shadows the command's, or the reverse:\n%s", out)
	}
}

// silentSwitch listens on 127.0.0.1, accepts TCP connections and never writes a byte: a
// switch whose SSH daemon hangs. accepted gets a value for each connection.
func silentSwitch(t *testing.T) (port int, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 100)
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
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port, ch
}

const silentSwitchName = "mia-silent-01"

// labConfig starts the lab in the test and writes a config file pointing at it, with a
// silent fifth switch when silentPort is not 0.
func labConfig(t *testing.T, silentPort int) (string, *lab.Lab) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	l, err := lab.Start(ctx, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	cfg := l.Config()
	if silentPort != 0 {
		cfg.Switches = append(cfg.Switches, config.Switch{Name: silentSwitchName, Site: cfg.Switches[0].Site,
			Role: fabric.RoleDistribution, Host: "127.0.0.1", Port: silentPort, Platform: fabric.IOSXE,
			Username: "admin", Password: "secret", InsecureHostKey: true, DCIInterfaces: []string{"Port-channel1"}})
	}
	path := filepath.Join(t.TempDir(), "vmcross.yaml")
	if err := cfg.Write(path); err != nil {
		t.Fatal(err)
	}
	return path, l
}

// buildVMCross builds the command into a temporary directory.
func buildVMCross(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "vmcross")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// `fabric status` with one switch that never speaks SSH: it answers in about the connect
// timeout, exits 1, and its JSON says unreachable and names the switch.
func TestFabricStatusSilentSwitch(t *testing.T) {
	bin := buildVMCross(t)
	port, _ := silentSwitch(t)
	path, _ := labConfig(t, port)
	cmd := exec.Command(bin, "fabric", "status", "--config", path, "--json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	took := time.Since(t0)
	t.Logf("fabric status with a silent switch: %s, %v; stderr: %s", took.Round(time.Millisecond), err,
		strings.TrimSpace(stderr.String()))
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1\nstderr: %s", err, stderr.String())
	}
	if took > fabric.DefaultConnectTimeout+10*time.Second {
		t.Errorf("took %s: far beyond the %s connect timeout", took, fabric.DefaultConnectTimeout)
	}
	if !strings.Contains(stderr.String(), silentSwitchName+" is not answering") {
		t.Errorf("stderr does not name the switch: %s", stderr.String())
	}
	var st statusJSON
	if err := json.Unmarshal(stdout.Bytes(), &st); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout.String())
	}
	if st.Verdict != verdictUnreachable || st.ExitCode != 1 || len(st.NotAnswering) != 1 ||
		st.NotAnswering[0] != silentSwitchName || len(st.Switches) != 5 {
		t.Fatalf("verdict %q exit %d not answering %q, %d switches", st.Verdict, st.ExitCode, st.NotAnswering, len(st.Switches))
	}
	for _, sw := range st.Switches {
		switch {
		case sw.Name == silentSwitchName:
			if sw.Reachable || sw.Since.IsZero() ||
				!strings.Contains(sw.Err, "accepted the connection but gave no SSH answer within "+fabric.DefaultConnectTimeout.String()) {
				t.Errorf("silent switch %+v", sw)
			}
		case !sw.Reachable:
			t.Errorf("%s unreachable: %s", sw.Name, sw.Err)
		}
	}
}

// `fabric status` stops within a second of SIGTERM or SIGINT, even while a switch stalls
// its SSH handshake.
func TestFabricStatusStopsOnSignal(t *testing.T) {
	bin := buildVMCross(t)
	port, accepted := silentSwitch(t)
	path, _ := labConfig(t, port)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "fabric", "status", "--config", path)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			t0 := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			// The signal comes while the silent switch holds the poll: after it accepted
			// the connection, and no sooner than half a second after the start.
			select {
			case <-accepted:
			case err := <-done:
				t.Fatalf("exited before polling the silent switch: %v\n%s", err, stderr.String())
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("the silent switch was never dialled")
			}
			time.Sleep(max(500*time.Millisecond-time.Since(t0), 0))
			sent := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				d := time.Since(sent)
				t.Logf("%s sent %s after start; exited %s later: %v, %s", sig, sent.Sub(t0).Round(time.Millisecond),
					d.Round(time.Millisecond), err, strings.TrimSpace(stderr.String()))
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "interrupted") {
					t.Errorf("exit %v, want status 1 and a word about the interruption", err)
				}
				if d > 1500*time.Millisecond {
					t.Errorf("exited %s after %s, want within a second", d, sig)
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("still running 10s after %s\n%s", sig, stderr.String())
			}
		})
	}
}

// A broken DCI is "problems", exit status 3: VLAN 120, in use by VMs, removed from the DCI
// trunk.
func TestFabricStatusProblems(t *testing.T) {
	path, l := labConfig(t, 0)
	if _, err := l.Fabric().Exec("mia-dci-n7k-01", "configure terminal", "interface port-channel10",
		"switchport trunk allowed vlan remove 120", "end"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "fabric", "status", "--config", path, "--json")
	if got := exitStatusOf(err); got != 3 {
		t.Fatalf("exit status %d (%v), want 3", got, err)
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if st.Verdict != verdictProblems || st.ExitCode != 3 || st.DCI.Problems == 0 || st.DCI.Worst != fabric.SeverityBlock {
		t.Errorf("verdict %q exit %d dci %+v", st.Verdict, st.ExitCode, st.DCI)
	}
	if !strings.Contains(err.Error(), "the DCI has") {
		t.Errorf("error %q", err)
	}
	_, _, err = run(t, "fabric", "status", "--config", path)
	if got := exitStatusOf(err); got != 3 {
		t.Errorf("text: exit status %d (%v), want 3", got, err)
	}
}
