package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"
	gossh "golang.org/x/crypto/ssh"

	"github.com/vmcross/vmcross/backend/audit"
	"github.com/vmcross/vmcross/backend/model"
)

// sshKeyFile writes a new ed25519 key for the ssh command and returns its file and its
// authorized_keys line with comment.
func sshKeyFile(t *testing.T, comment string) (file, line string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, comment)
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, _ := gossh.NewPublicKey(pub)
	return file, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sp))) + " " + comment
}

// `vmcross serve --lab` as a user runs it: it says where it listens; an operator's key gets
// the console through the system's ssh in a terminal; status --json answers without one; a
// password is refused; SIGINT stops it, and the audit log has the session.
func TestServeOnLab(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no ssh client")
	}
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no config file: the lab
	keyFile, line := sshKeyFile(t, "role=operator user=alice")
	keys := filepath.Join(t.TempDir(), "authorized_keys")
	if err := os.WriteFile(keys, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	var stderr lockedBuffer
	root := newCLI()
	root.SetErr(&stderr)
	root.SetOut(&stderr)
	sigs := make(chan os.Signal, 1)
	exited := make(chan int, 1)
	go func() {
		exited <- execute(root, []string{"serve", "--lab", "--listen", "127.0.0.1:0", "--authorized-keys", keys}, sigs, 5*time.Second, &stderr)
	}()
	addrRe := regexp.MustCompile(`serving the console over SSH on 127\.0\.0\.1:(\d+);`)
	var port string
	for deadline := time.Now().Add(50 * time.Second); port == ""; time.Sleep(50 * time.Millisecond) {
		if m := addrRe.FindStringSubmatch(stderr.String()); m != nil {
			port = m[1]
		}
		select {
		case code := <-exited:
			t.Fatalf("serve exited %d:\n%s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not say where it listens:\n%s", stderr.String())
		}
	}
	hostKey := filepath.Join(state, "vmcross", "ssh_host_ed25519_key")
	if fi, err := os.Stat(hostKey); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("host key %s: %v", hostKey, err)
	}
	if !strings.Contains(stderr.String(), "host key SHA256:") {
		t.Errorf("no host key fingerprint announced:\n%s", stderr.String())
	}
	sshArgs := func(extra ...string) []string {
		return append([]string{"-F", "/dev/null", "-p", port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
			"-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", keyFile}, extra...)
	}

	// The console, in a terminal of 100x30.
	cmd := exec.Command("ssh", sshArgs("-tt", "alice@127.0.0.1")...)
	cmd.Env = append(os.Environ(), "SSH_AUTH_SOCK=", "TERM=xterm-256color")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 100, Rows: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); ptmx.Close() }()
	var screen lockedBuffer
	go func() {
		buf := make([]byte, 16<<10)
		for {
			n, err := ptmx.Read(buf)
			if n > 0 {
				screen.Write(buf[:n])
				// Answer the background colour and device attributes queries, as a terminal does.
				if bytes.Contains(buf[:n], []byte("\x1b[c")) {
					fmt.Fprint(ptmx, "\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[?62;22c")
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		txt := ansi.Strip(screen.String())
		if strings.Count(txt, "80 VMs") >= 2 && strings.Contains(txt, "Miami") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no first frame with both sites:\n%s\nserver:\n%s", txt, stderr.String())
		}
	}

	// status --json, without a terminal, lists alice's console.
	out, err := exec.Command("ssh", sshArgs("alice@127.0.0.1", "status", "--json")...).Output()
	var st struct {
		Sites    []struct{ ID, State string }
		Sessions []model.Session
	}
	if err != nil || json.Unmarshal(out, &st) != nil || len(st.Sites) != 2 || len(st.Sessions) != 1 || st.Sessions[0].User != "alice" {
		t.Errorf("status --json: %v\n%s", err, out)
	}
	// A password is not even offered.
	pw := exec.Command("ssh", append(sshArgs("-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no"), "alice@127.0.0.1", "status")...)
	var pwErr bytes.Buffer
	pw.Stderr = &pwErr
	var ee *exec.ExitError
	if err := pw.Run(); !errors.As(err, &ee) || ee.ExitCode() != 255 || !strings.Contains(pwErr.String(), "Permission denied (publickey)") {
		t.Errorf("a password login: %v, %q", err, pwErr.String())
	}

	sigs <- os.Interrupt
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("serve after SIGINT: exit %d:\n%s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop on SIGINT")
	}
	recs, _, err := audit.Read(filepath.Join(state, "vmcross", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		if r.Operator.Name == "alice" {
			got = append(got, string(r.Command))
		}
	}
	if strings.Join(got, " ") != "session-start session-end" {
		t.Errorf("alice's audit records: %v", got)
	}
}

// Mistakes in serve's flags are usage errors, found before the lab starts.
func TestServeUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--listen", "nowhere"}, `--listen "nowhere" is not host:port`},
		{[]string{"serve", "--max-sessions", "0"}, "--max-sessions 0 is out of range"},
		{[]string{"serve", "--idle-timeout", "10ms"}, "--idle-timeout 10ms is too short"},
		{[]string{"serve", "extra"}, "serve takes no arguments"},
	} {
		_, _, err := run(t, tc.args...)
		if exitCode(err) != exitUsage || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: exit %d, %v; want %q", tc.args, exitCode(err), err, tc.want)
		}
	}
}

// serve reads keys.yaml beside the config in use (--config FILE's directory, not only the
// default one), as the local console does: a mistake in it stops serve with the file and
// line, before any vCenter is asked.
func TestServeReadsKeysBesideTheConfig(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // the default config directory: empty
	dir := t.TempDir()
	cfg := filepath.Join(dir, "vmcross.yaml")
	if err := os.WriteFile(cfg, []byte("sites:\n"+
		"  - {id: site-a, url: \"https://127.0.0.1:1/sdk\", username: u, password: p, insecure: true}\n"+
		"  - {id: site-b, url: \"https://127.0.0.1:2/sdk\", username: u, password: p, insecure: true}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keys.yaml"), []byte("filter: f\nfliter: g\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	if exitCode(err) != exitUsage || err == nil || !strings.Contains(err.Error(), "keys.yaml:2") || !strings.Contains(err.Error(), "fliter") {
		t.Fatalf("serve with a typo in the keys.yaml beside its config: exit %d, %v", exitCode(err), err)
	}
}
