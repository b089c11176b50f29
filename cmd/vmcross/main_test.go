package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// run executes the CLI in-process as a user would type it.
func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newRootCmd()
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
