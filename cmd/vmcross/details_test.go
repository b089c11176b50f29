package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vmcross/vmcross/backend/model"
)

// inventory --json --details carries what the console's detail view shows: the lab's
// clustered SQL node with physical RDMs on a shared bus, the ISO builder's ISO, the VM with
// three snapshots.
func TestInventoryDetailsOnLab(t *testing.T) {
	out, _, err := run(t, "inventory", "--lab", "--json", "--details")
	if err != nil {
		t.Fatal(err)
	}
	var rows []inventoryRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	byName := map[string]*model.VMDetails{}
	for _, r := range rows {
		if r.Details == nil {
			t.Fatalf("%s at %s has no details", r.Name, r.Site)
		}
		if r.Site == "site-a" {
			byName[r.Name] = r.Details
		}
	}
	sql := byName["sql-node-1"]
	shared := map[string]bool{}
	for _, c := range sql.Controllers {
		shared[c.Label] = c.Shared()
	}
	rdmOnShared := 0
	for _, d := range sql.Disks {
		if d.Backing == model.BackingRDMPhys && shared[d.Controller] {
			rdmOnShared++
		}
	}
	if rdmOnShared == 0 {
		t.Errorf("sql-node-1: no physical RDM on a shared bus: %+v %+v", sql.Disks, sql.Controllers)
	}
	iso := byName["iso-builder"]
	if len(iso.CDROMs) != 1 || !iso.CDROMs[0].Connected || !strings.HasSuffix(iso.CDROMs[0].ISO, ".iso") {
		t.Errorf("iso-builder CD-ROMs: %+v", iso.CDROMs)
	}
	if n := byName["snap-heavy"].SnapshotCount; n != 3 {
		t.Errorf("snap-heavy has %d snapshots, want 3", n)
	}
	if !strings.Contains(out, `"disks": [`) || strings.Contains(out, `"cdroms": null`) {
		t.Error("empty device lists should be [] for scripts")
	}
}

// --details without --json is a usage error (exit 2), not an empty success.
func TestInventoryDetailsNeedsJSON(t *testing.T) {
	_, _, err := run(t, "inventory", "--lab", "--details")
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "--json") {
		t.Fatalf("got %v, want a usage error naming --json", err)
	}
}
