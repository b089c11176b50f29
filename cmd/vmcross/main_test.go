package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/vmcross/vmcross/backend/config"
	"github.com/vmcross/vmcross/fabric/parse"
)

// run executes the CLI in-process as a user would type it.
func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newCLI()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = cmd.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}

func TestInventoryJSONOnLab(t *testing.T) {
	out, _, err := run(t, "inventory", "--lab", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []inventoryRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	perSite := map[string]int{}
	byName := map[string]inventoryRow{}
	for _, r := range rows {
		perSite[string(r.Site)]++
		if r.Site == "site-a" {
			byName[r.Name] = r
		}
		if r.MoRef == "" || r.Host == "" || r.Cluster == "" || r.CPU <= 0 || r.MemoryMiB <= 0 || len(r.Datastores) == 0 {
			t.Errorf("incomplete row: %+v", r)
		}
	}
	for _, s := range []string{"site-a", "site-b"} {
		if perSite[s] < 60 || perSite[s] > 100 {
			t.Errorf("%s has %d VMs, want 60-100", s, perSite[s])
		}
	}
	for _, n := range []string{"sql-node-1", "sql-node-2", "iso-builder", "snap-heavy", "dmz-app-1", "archive-01", "big-db", "web-01"} {
		if _, ok := byName[n]; !ok {
			t.Errorf("site-a lacks %s", n)
		}
	}
	if byName["archive-01"].Power != "poweredOff" {
		t.Errorf("archive-01 power = %s", byName["archive-01"].Power)
	}
	if byName["big-db"].MemoryMiB != 65536 {
		t.Errorf("big-db memory = %d", byName["big-db"].MemoryMiB)
	}
	if v := byName["dmz-app-1"].VLANs; len(v) != 1 || v[0] != 300 {
		t.Errorf("dmz-app-1 VLANs = %v, want [300]", v)
	}
	if !strings.Contains(out, `"memory_mib"`) || !strings.Contains(out, `"moref"`) {
		t.Errorf("JSON field names changed")
	}
}

func TestInventoryTableOnLab(t *testing.T) {
	out, _, err := run(t, "inventory", "--lab")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], "SITE") || len(lines) < 121 {
		t.Fatalf("table: %d lines, header %q", len(lines), lines[0])
	}
	if !strings.Contains(out, "web-01") {
		t.Error("web-01 missing from the table")
	}
}

func TestConfigErrorsExitTwo(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("sites:\n  - id: site-a\n    url: https://127.0.0.1:1/sdk\n    username: u\n    password: p\n    insecure: true\n"), 0o600)
	_, _, err := run(t, "inventory", "--config", bad)
	if err == nil || exitCode(err) != 2 {
		t.Fatalf("want exit 2, got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, bad) || !strings.Contains(msg, "sites") || strings.Contains(msg, "\n") {
		t.Errorf("message should be one line naming file and field: %q", msg)
	}

	_, _, err = run(t, "inventory", "--config", filepath.Join(dir, "missing.yaml"))
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("missing config: %v", err)
	}

	_, _, err = run(t, "inventory", "--lab", "--config", bad)
	if err == nil || exitCode(err) != 2 {
		t.Fatalf("--lab with --config: %v", err)
	}

	keys := filepath.Join(dir, "keys.yaml")
	os.WriteFile(keys, []byte("up: k\nlaunch_missiles: x\n"), 0o600)
	_, _, err = run(t, "--keys", keys, "--lab")
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), keys+":2") {
		t.Fatalf("bad keys file: %v", err)
	}

	_, _, err = run(t, "--theme", "nope", "--lab")
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "dark") {
		t.Fatalf("bad theme: %v", err)
	}
}

func TestUnreachableVCenterIsClearError(t *testing.T) {
	// A port that accepts TCP and never answers, and a closed port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()

	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte(`sites:
  - id: site-a
    url: https://`+ln.Addr().String()+`/sdk
    username: u
    password: p
    insecure: true
  - id: site-b
    url: https://`+closedAddr+`/sdk
    username: u
    password: p
    insecure: true
`), 0o600)
	_, _, err = run(t, "inventory", "--config", cfg)
	if err == nil {
		t.Fatal("want an error for unreachable vCenters")
	}
	msg := err.Error()
	if !strings.Contains(msg, "site-a") || !strings.Contains(msg, "site-b") {
		t.Errorf("error should name both sites: %q", msg)
	}
	if exitCode(err) != 1 {
		t.Errorf("exit code %d, want 1", exitCode(err))
	}
}

func TestVersion(t *testing.T) {
	out, _, err := run(t, "version")
	if err != nil || !strings.HasPrefix(out, "vmcross dev") {
		t.Fatalf("%q %v", out, err)
	}
}

func TestFabricParse(t *testing.T) {
	capture := "../../fabric/parse/testdata/cisco_nxos/show_interface_trunk/bos_core_errdisabled_fabricpath.txt"
	out, _, err := run(t, "fabric", "parse", "--platform", "cisco_nxos", "--command", "sh int trunk", capture)
	if err != nil {
		t.Fatal(err)
	}
	var trunks []struct {
		Port    string `json:"port"`
		Allowed struct {
			IDs []int `json:"ids"`
		} `json:"allowed"`
	}
	if err := json.Unmarshal([]byte(out), &trunks); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(trunks) == 0 || trunks[0].Port != "Eth1/47" || len(trunks[0].Allowed.IDs) != 21 {
		t.Errorf("parsed %+v", trunks)
	}

	// From stdin.
	cmd := newRootCmd()
	var buf bytes.Buffer
	cmd.SetArgs([]string{"fabric", "parse", "--platform", "cisco_iosxe", "--command", "ping 10.0.0.2"})
	cmd.SetIn(strings.NewReader("Type escape sequence to abort.\nSending 5, 100-byte ICMP Echos to 10.0.0.2, timeout is 2 seconds:\n!!!!!\nSuccess rate is 100 percent (5/5), round-trip min/avg/max = 1/2/4 ms\n"))
	cmd.SetOut(&buf)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"received": 5`) {
		t.Errorf("ping from stdin: %s", buf.String())
	}

	for _, args := range [][]string{
		{"fabric", "parse", "--platform", "junos", "--command", "show vlan brief", capture},
		{"fabric", "parse", "--platform", "cisco_nxos", "--command", "show running-config", capture},
		{"fabric", "parse", "--command", "show vlan brief", capture},
		{"fabric", "parse", "--platform", "cisco_nxos", "--command", "show vlan brief", "/no/such/file"},
	} {
		if _, _, err := run(t, args...); err == nil || exitCode(err) != 2 {
			t.Errorf("%v: want exit 2, got %v", args, err)
		}
	}
}

// runStdin is run with stdin.
func runStdin(t *testing.T, stdin io.Reader, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newCLI()
	cmd.SetArgs(args)
	cmd.SetIn(stdin)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	err = cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// Mistakes on the command line exit 2 with one line that names the mistake and points
// at the command's --help; nothing starts.
func TestUsageErrorsExitTwo(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"frobnicate"}, []string{`unknown command "frobnicate"`, "`vmcross --help`"}},
		{[]string{"labb"}, []string{`unknown command "labb"`, "did you mean lab?"}},
		{[]string{"fabric", "frobnicate"}, []string{`unknown command "fabric frobnicate"`, "`vmcross fabric --help`"}},
		{[]string{"fabric", "stauts"}, []string{"did you mean fabric status?"}},
		{[]string{"--frob"}, []string{"unknown flag: --frob", "`vmcross --help`"}},
		{[]string{"inventory", "--frob"}, []string{"unknown flag: --frob", "`vmcross inventory --help`"}},
		{[]string{"lab", "--vms", "14"}, []string{"--vms 14 is out of range", "15 to 20000"}},
		{[]string{"lab", "--vms", "20001"}, []string{"--vms 20001 is out of range", "15 to 20000"}},
		{[]string{"lab", "--vms", "abc"}, []string{`--vms "abc" is not a whole number`, "`vmcross lab --help`"}},
		{[]string{"lab", "--vms", "99999999999999999999"}, []string{"--vms 99999999999999999999 is out of range"}},
		{[]string{"lab", "--vms"}, []string{"--vms"}},
		{[]string{"inventory", "--json=maybe"}, []string{`--json="maybe" is not true or false`}},
		{[]string{"version", "extra"}, []string{`version takes no arguments, got "extra"`}},
		{[]string{"lab", "extra"}, []string{`lab takes no arguments`}},
		{[]string{"fabric", "parse", "a", "b"}, []string{"fabric parse: accepts at most 1 arg(s), received 2"}},
	}
	for _, c := range cases {
		_, _, err := run(t, c.args...)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("%v: want exit 2, got %v", c.args, err)
			continue
		}
		msg := err.Error()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%v: %q lacks %q", c.args, msg, w)
			}
		}
		if strings.Contains(msg, "\n") || strings.Contains(msg, "strconv") {
			t.Errorf("%v: not one line in the operator's words: %q", c.args, msg)
		}
	}
}

// Input that holds none of the command's output is an error (exit 1), not an empty
// success; output with no rows is an empty list.
func TestFabricParseNoTable(t *testing.T) {
	trunk := []string{"fabric", "parse", "--platform", "cisco_nxos", "--command", "show interface trunk"}
	_, err := runStdin(t, strings.NewReader("hello\n"), trunk...)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "no 'show interface trunk' output found in the input") {
		t.Errorf("hello: %v", err)
	}
	_, err = runStdin(t, strings.NewReader(""), trunk...)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "the input is empty") {
		t.Errorf("empty: %v", err)
	}
	vlans := "../../fabric/parse/testdata/cisco_nxos/show_vlan_brief/n7k_many_ports.txt"
	_, _, err = run(t, append(trunk, vlans)...)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), vlans+": no 'show interface trunk' output") ||
		!strings.Contains(err.Error(), `try --command "show vlan brief"`) {
		t.Errorf("another command's output: %v", err)
	}
	if !errors.Is(err, parse.ErrNoTable) {
		t.Errorf("%v does not wrap parse.ErrNoTable", err)
	}
	for _, in := range []string{"sw1# show interface trunk\nsw1#\n",
		"Port          Native  Status        Port\n              Vlan                  Channel\n"} {
		out, err := runStdin(t, strings.NewReader(in), trunk...)
		if err != nil || strings.TrimSpace(out) != "[]" {
			t.Errorf("%q: %q, %v; want []", in, out, err)
		}
	}
}

// countingReader serves n bytes of text (lines of x) and counts what was read.
type countingReader struct{ n, read int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), r.n-r.read)
	for i := range p[:k] {
		p[i] = 'x'
		if (r.read+int64(i))%64 == 63 {
			p[i] = '\n'
		}
	}
	r.read += k
	return int(k), nil
}

// Input over 16 MiB is refused (exit 2) naming the limit and what was read, and no more
// than one byte past the limit is read, however much stdin holds.
func TestFabricParseSizeLimit(t *testing.T) {
	args := []string{"fabric", "parse", "--platform", "cisco_nxos", "--command", "show vlan brief"}
	in := &countingReader{n: 1 << 40}
	_, err := runStdin(t, in, args...)
	if err == nil || exitCode(err) != 2 {
		t.Fatalf("want exit 2, got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "16 MiB") || !strings.Contains(msg, "16777217 bytes") || strings.Contains(msg, "\n") {
		t.Errorf("message should name the limit and the size read: %q", msg)
	}
	if in.read != maxParseInput+1 {
		t.Errorf("read %d bytes of stdin, want the limit and one", in.read)
	}

	// A file just over the limit, too; one at the limit is read (and parsed: not a table).
	dir := t.TempDir()
	big := filepath.Join(dir, "big.txt")
	os.WriteFile(big, bytes.Repeat([]byte("x\n"), maxParseInput/2+1), 0o600)
	if _, _, err := run(t, append(args, big)...); err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), big+" is too large") {
		t.Errorf("big file: %v", err)
	}
	capture, err := os.ReadFile("../../fabric/parse/testdata/cisco_nxos/show_vlan_brief/n7k_many_ports.txt")
	if err != nil {
		t.Fatal(err)
	}
	atLimit := filepath.Join(dir, "at-limit.txt")
	os.WriteFile(atLimit, append(capture, bytes.Repeat([]byte(" "), maxParseInput-len(capture))...), 0o600)
	out, _, err := run(t, append(args, atLimit)...)
	if err != nil || !strings.Contains(out, `"id": 1`) {
		t.Errorf("a 16 MiB capture: %v", err)
	}
}

// blockCmd is a root command for execute's tests: it returns ret when its context ends,
// after hold.
func blockCmd(hold time.Duration, ret error) *cobra.Command {
	return &cobra.Command{Use: "vmcross", SilenceErrors: true, SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			<-cmd.Context().Done()
			time.Sleep(hold)
			return ret
		}}
}

func TestExecuteSignals(t *testing.T) {
	cases := []struct {
		name   string
		hold   time.Duration
		ret    error
		sigs   []os.Signal
		code   int
		say    string
		within time.Duration
	}{
		{"stops cleanly (the lab)", 0, nil, []os.Signal{syscall.SIGTERM}, 0, "", 200 * time.Millisecond},
		{"interrupted", 0, context.Canceled, []os.Signal{os.Interrupt}, 1, "vmcross: interrupted by SIGINT\n", 200 * time.Millisecond},
		{"shutdown too slow", time.Hour, nil, []os.Signal{syscall.SIGTERM}, 1, "took longer than 300ms", 600 * time.Millisecond},
		{"second signal", time.Hour, nil, []os.Signal{syscall.SIGTERM, os.Interrupt}, 1, "interrupted by SIGINT again", 200 * time.Millisecond},
		{"an outcome with its own status", 0, ownStatus(3), []os.Signal{syscall.SIGTERM}, 3, "vmcross: status 3\n", 200 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sigs := make(chan os.Signal, 2)
			var stderr bytes.Buffer
			codes := make(chan int, 1)
			go func() { codes <- execute(blockCmd(c.hold, c.ret), nil, sigs, 300*time.Millisecond, &stderr) }()
			time.Sleep(50 * time.Millisecond)
			sent := time.Now()
			for _, s := range c.sigs {
				sigs <- s
			}
			select {
			case code := <-codes:
				if took := time.Since(sent); took > c.within {
					t.Errorf("returned %v after the signal, want within %v", took, c.within)
				}
				if code != c.code || !strings.Contains(stderr.String(), c.say) {
					t.Errorf("exit %d, said %q; want %d and %q", code, stderr.String(), c.code, c.say)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("execute did not return")
			}
		})
	}
}

// ownStatus is an outcome with its own exit status, as `fabric status` has for problems.
type ownStatus int

func (s ownStatus) Error() string { return fmt.Sprintf("status %d", int(s)) }
func (s ownStatus) ExitCode() int { return int(s) }

func TestExitCodes(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("site-a: unreachable"), 1},
		{&usageError{"--vms"}, 2},
		{fmt.Errorf("load: %w", &config.Error{File: "c.yaml", Msg: "x"}), 2},
		{fmt.Errorf("fabric status: %w", ownStatus(3)), 3},
		{fmt.Errorf("ssh: %w", exec.Command("false").Run()), 1}, // a child's status is not ours
	}
	for _, c := range cases {
		if got := exitCode(c.err); got != c.want {
			t.Errorf("exitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}
