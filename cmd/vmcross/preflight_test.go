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
