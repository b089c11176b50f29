package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// preflight on the lab: the clustered SQL node is blocked by its RDMs on a shared bus
// (exit 3, named in the JSON); mistakes are usage errors (exit 2).
func TestPreflightOnLab(t *testing.T) {
	out, _, err := run(t, "preflight", "--lab", "--vm", "sql-node-1", "--to", "site-b", "--json")
	if err == nil || exitCode(err) != 3 {
		t.Fatalf("want exit 3, got %v", err)
	}
	var j preflightJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	codes := map[string]bool{}
	for _, f := range j.Findings {
		codes[f.Code] = true
		if f.Remedy == "" || f.Message == "" {
			t.Errorf("finding without message or remedy: %+v", f)
		}
	}
	if !codes["RDM_BUS_SHARING"] || len(j.Blocked) != 1 || j.Blocked[0] != "sql-node-1" || j.From != "site-a" || j.To != "site-b" {
		t.Errorf("preflight of sql-node-1: %+v", j)
	}
	for _, args := range [][]string{
		{"preflight", "--lab", "--vm", "sql-node-1"},
		{"preflight", "--lab", "--to", "site-b"},
		{"preflight", "--lab", "--vm", "no-such-vm", "--to", "site-b"},
		{"preflight", "--lab", "--vm", "sql-node-1", "--to", "site-z"},
		{"preflight", "--lab", "--vm", "sql-node-1", "--to", "site-b", "--profile", "warp"},
	} {
		_, _, err := run(t, args...)
		if err == nil || exitCode(err) != 2 || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: want a one-line usage error (exit 2), got %v", args[1:], err)
		}
	}
}

// A clean VM exits 0 with its target, an estimate and vCenter's check in the notes; the
// reference-2009 profile blocks a VM whose disks sit on a site-local datastore.
func TestPreflightCleanAndProfile(t *testing.T) {
	out, _, err := run(t, "preflight", "--lab", "--vm", "web-01", "--to", "site-b", "--json")
	if err != nil {
		t.Fatalf("web-01: want exit 0, got %v\n%s", err, out)
	}
	var j preflightJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(j.Findings) != 0 || len(j.Blocked) != 0 {
		t.Errorf("web-01 should be clean: %+v", j.Findings)
	}
	if len(j.Targets) != 1 || !j.Targets[0].Host.Found() || len(j.Targets[0].Datastores) != 1 || !j.Targets[0].Datastores[0].Shared {
		t.Errorf("web-01's target: %+v", j.Targets)
	}
	if j.Totals.Movable != 1 || j.Totals.MemoryB != 4<<30 || j.Totals.DiskB != 0 || !j.Totals.BandwidthMeasured || j.Totals.Duration <= 0 {
		t.Errorf("web-01's totals: %+v", j.Totals)
	}
	if !strings.Contains(strings.Join(j.Notes, "\n"), "CheckRelocate") {
		t.Errorf("notes do not say vCenter's check was asked: %q", j.Notes)
	}

	out, _, err = run(t, "preflight", "--lab", "--vm", "big-db", "--to", "site-b", "--profile", "reference-2009", "--json")
	if exitCode(err) != 3 {
		t.Fatalf("big-db under reference-2009: want exit 3, got %v", err)
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	found := false
	for _, f := range j.Findings {
		found = found || (f.Code == "DATASTORE_NOT_SHARED" && f.Severity == "block")
	}
	if !found || j.Profile != "reference-2009" {
		t.Errorf("big-db under reference-2009: %+v", j.Findings)
	}
}

func TestPreflightRules(t *testing.T) {
	out, _, err := run(t, "preflight", "--rules")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"RDM_BUS_SHARING", "VMOTION_VLAN_NOT_EXTENDED", "BANDWIDTH_LOW", "HW_VERSION_UNSUPPORTED", "VCENTER_CHECK"} {
		if !strings.Contains(out, code) {
			t.Errorf("--rules lacks %s:\n%s", code, out)
		}
	}
}
