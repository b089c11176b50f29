package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/vmcross/vmcross/backend/config"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/themes"
	"github.com/vmcross/vmcross/ui"
)

// leakScan collects what vmcross printed and wrote, and finds a password in any of it.
type leakScan struct {
	secrets []string
	outputs map[string]string // what a command printed, by "command: stream"
	files   []string          // files and directories to read at the end, whole
}

func (l *leakScan) add(name, text string) { l.outputs[name] += text }

// find returns where each secret appears: "the secret's first letters… in WHERE".
func (l *leakScan) find(t *testing.T) []string {
	t.Helper()
	texts := map[string]string{}
	for k, v := range l.outputs {
		texts[k] = v
	}
	for _, root := range l.files {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			texts["file "+p] = string(b)
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	var found []string
	for where, text := range texts {
		for _, s := range l.secrets {
			if strings.Contains(text, s) {
				found = append(found, s[:3]+"… in "+where)
			}
		}
	}
	return found
}

// No password ever shows: the lab's vCenter and switch passwords, and a wrong one, are
// looked for in everything the main commands print (stdout, stderr, errors), the --log file,
// the audit log, the plan journals, every file under the state directory and the console's
// first frame. The lab's config is written as `vmcross lab --write-config` writes it.
func TestPasswordsNeverLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every main command on the lab")
	}
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	prevLog := slog.Default()
	t.Cleanup(func() { // --log makes its file the process's default logger
		slog.SetDefault(prevLog)
		log.SetOutput(io.Discard)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	l, err := lab.Start(ctx, lab.Options{Speed: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)

	const wrong = "Wr0ng-pa55word!"
	scan := &leakScan{outputs: map[string]string{}, secrets: []string{wrong}}
	for _, ep := range l.Endpoints() {
		scan.secrets = append(scan.secrets, ep.Password)
	}
	for _, sw := range l.Fabric().Switches() {
		scan.secrets = append(scan.secrets, sw.Password)
	}
	slices.Sort(scan.secrets)
	scan.secrets = slices.Compact(scan.secrets) // the lab's sites share one, its switches another
	for _, s := range scan.secrets {
		if len(s) < 6 {
			t.Fatalf("a lab password too short to look for: %q", s)
		}
	}

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "lab.yaml")
	if _, err := writeLabConfig(l, cfgPath); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "vmcross.log")
	scan.files = []string{state, logPath, cfgPath}

	// The scan finds what it looks for: a file holding a password is caught.
	decoy := filepath.Join(t.TempDir(), "decoy")
	if err := os.WriteFile(decoy, []byte("x"+l.Endpoints()[0].Password+"y"), 0o600); err != nil {
		t.Fatal(err)
	}
	scan.files = append(scan.files, decoy)
	if got := scan.find(t); len(got) != 1 || !strings.Contains(got[0], decoy) {
		t.Fatalf("the scan does not find a planted password: %q", got)
	}
	scan.files = scan.files[:len(scan.files)-1]

	vmcross := func(wantErr bool, args ...string) string {
		t.Helper()
		args = append(args, "--log", logPath)
		out, errOut, err := run(t, args...)
		name := strings.Join(args[:min(len(args), 3)], " ")
		scan.add(name+": stdout", out)
		scan.add(name+": stderr", errOut)
		if err != nil {
			scan.add(name+": error", err.Error())
		}
		if (err != nil) != wantErr {
			t.Errorf("%s: error %v\nstdout: %.600s\nstderr: %.600s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	vmcross(false, "inventory", "--config", cfgPath, "--json")
	vmcross(false, "inventory", "--config", cfgPath, "--details", "--json")
	vmcross(false, "fabric", "status", "--config", cfgPath, "--json")
	vmcross(false, "fabric", "status", "--config", cfgPath)
	vmcross(false, "preflight", "--config", cfgPath, "--vm", "web-05", "--to", "site-b", "--json")
	if out := vmcross(false, "migrate", "--config", cfgPath, "--vm", "web-05", "--to", "site-b", "--yes", "--json"); !strings.Contains(out, "web-05") {
		t.Errorf("migrate did not report web-05:\n%s", out)
	}
	vmcross(false, "plan", "--config", cfgPath, "--vm", "web-06", "--to", "site-b", "-o", filepath.Join(dir, "plan.yaml"))
	vmcross(false, "history", "--json")
	vmcross(false, "history")

	// A wrong password: the login error says so without saying it.
	bad := filepath.Join(dir, "bad.yaml")
	badPW := filepath.Join(dir, "bad.password")
	if err := os.WriteFile(badPW, []byte(wrong+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	c.Sites[0].PasswordFile = badPW
	if err := c.Write(bad); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := run(t, "inventory", "--config", bad, "--json", "--log", logPath)
	scan.add("inventory with a wrong password: stdout", out)
	scan.add("inventory with a wrong password: stderr", errOut)
	if err == nil || !strings.Contains(err.Error(), "incorrect user name or password") {
		t.Errorf("a wrong password: %v", err)
	}
	if err != nil {
		scan.add("inventory with a wrong password: error", err.Error())
	}
	// Mistakes in the config: the errors name fields, files and variables only.
	for name, edit := range map[string]func(*config.Config){
		"a password in the file for a remote vCenter": func(c *config.Config) {
			c.Sites[1].URL, c.Sites[1].Password, c.Sites[1].PasswordFile = "https://vc-b.example.net/sdk", l.Endpoints()[1].Password, ""
		},
		"a password in the URL": func(c *config.Config) {
			c.Sites[1].URL = "https://admin:" + l.Endpoints()[1].Password + "@127.0.0.1/sdk"
		},
	} {
		c, err := config.Load(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		edit(c)
		if err := c.Write(bad); err != nil {
			t.Fatal(err)
		}
		out, errOut, err := run(t, "inventory", "--config", bad)
		scan.add(name+": stdout", out)
		scan.add(name+": stderr", errOut)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		scan.add(name+": error", err.Error())
	}
	_ = os.Remove(bad)

	// The console's first frame, and its event log (--log) meanwhile.
	scan.add("console: first frame", consoleFirstFrame(t, ctx, cfgPath, logPath, scan))

	// serve's status --json over SSH, and what serve prints.
	if _, err := exec.LookPath("ssh"); err == nil {
		out, said := serveStatus(t, cfgPath)
		scan.add("serve: status --json", out)
		scan.add("serve: stderr", said)
	} else {
		t.Log("no ssh client: serve's status not checked")
	}

	if b, err := os.ReadFile(logPath); err != nil || len(b) == 0 {
		t.Errorf("the --log file is empty (%v): the scan would prove nothing", err)
	}
	if _, err := os.Stat(filepath.Join(state, "vmcross", "audit.log")); err != nil {
		t.Errorf("no audit log: %v", err)
	}
	if found := scan.find(t); len(found) > 0 {
		t.Errorf("passwords leaked:\n  %s", strings.Join(found, "\n  "))
	}
}

// consoleFirstFrame runs the console's engine on cfgPath as the console does (audit log,
// --log events) and returns its first frame with both sites.
func consoleFirstFrame(t *testing.T, ctx context.Context, cfgPath, logPath string, scan *leakScan) string {
	t.Helper()
	var status bytes.Buffer
	src := &sourceFlags{configPath: cfgPath}
	s, err := src.open(ctx, &status)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	eng := s.engine()
	if err := s.enableAudit(eng); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	go logEvents(lctx, eng, slog.NewTextHandler(f, nil))
	eng.Start(ctx)
	defer eng.Close()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := eng.WaitLoaded(wctx); err != nil {
		t.Fatal(err)
	}
	r := themes.Renderer(io.Discard, func(string) string { return "" })
	r.SetColorProfile(termenv.Ascii)
	var m tea.Model = ui.New(eng, ui.Options{Context: ctx, Renderer: r, Operator: consoleOperator(eng)})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	frame := m.View()
	if strings.Count(frame, " VMs") < 2 || !strings.Contains(frame, "Miami") {
		t.Errorf("first frame lacks both sites:\n%s", frame)
	}
	// Commands from the console, for the event log and the audit log: a poll of the
	// switches, a site's reconnect (a new login).
	op := consoleOperator(eng)
	if err := eng.PollFabric(ctx, op); err != nil {
		t.Error(err)
	}
	if err := eng.ReconnectSite(ctx, op, "site-b"); err != nil {
		t.Error(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(logPath)
		if bytes.Contains(b, []byte("event=switch.answering")) && bytes.Count(b, []byte("event=site.connected")) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the event log lacks the switches and site B's reconnect:\n%s", b)
			break
		}
	}
	scan.add("console: status", status.String())
	return frame
}

// serveStatus runs `vmcross serve --config cfgPath` and asks it for status --json over
// SSH; it returns the answer and what serve printed.
func serveStatus(t *testing.T, cfgPath string) (status, said string) {
	t.Helper()
	keyFile, line := sshKeyFile(t, "role=viewer user=vic")
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
		exited <- execute(root, []string{"serve", "--config", cfgPath, "--listen", "127.0.0.1:0", "--authorized-keys", keys}, sigs, 5*time.Second, &stderr)
	}()
	defer func() {
		sigs <- os.Interrupt
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop on SIGINT")
		}
	}()
	addrRe := regexp.MustCompile(`serving the console over SSH on 127\.0\.0\.1:(\d+);`)
	var port string
	for deadline := time.Now().Add(50 * time.Second); port == ""; time.Sleep(50 * time.Millisecond) {
		if m := addrRe.FindStringSubmatch(stderr.String()); m != nil {
			port = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not say where it listens:\n%s", stderr.String())
		}
	}
	out, err := exec.Command("ssh", "-F", "/dev/null", "-p", port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", keyFile, "vic@127.0.0.1", "status", "--json").Output()
	if err != nil || !strings.Contains(string(out), `"sites"`) {
		t.Errorf("status --json: %v\n%s", err, out)
	}
	return string(out), stderr.String()
}
