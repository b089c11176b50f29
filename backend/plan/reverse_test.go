package plan

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

// reverseJournal is a finished plan of three VMs at site-a: "one" on one datastore, "two"
// on two that went to two datastores at site-b, "both" on two whose disks all went to one.
func reverseJournal(t *testing.T) Journal {
	t.Helper()
	p := Propose(Input{ID: "evac-ds", Result: result(testVM{name: "one", memGiB: 4}, testVM{name: "two", memGiB: 8}, testVM{name: "both", memGiB: 2})})
	j := NewJournal(p, model.Operator{Name: "alice"}, time.Now())
	j.State = model.PlanDone
	ds := func(v string) model.Ref { return model.Ref{Type: "Datastore", Value: v} }
	for i := range j.Entries {
		e := &j.Entries[i]
		e.State, e.TargetVM = model.PlanVMDone, model.Ref{Type: "VirtualMachine", Value: "vm-b-" + e.Name}
		e.Source = &Place{Site: "site-a", Host: "esx-a-1", Cluster: "A-01", Networks: map[string]string{"web": "web-b"}}
		e.Record.Target = model.MoveTarget{ClusterName: "B-01", HostName: "esx-b-1"}
		switch e.Name {
		case "one":
			e.Source.Datastores = []string{"nfs-metro"}
			e.Record.Target.Datastores = map[string]model.Ref{"datastore-1": ds("datastore-11")}
		case "two":
			e.Source.Datastores = []string{"vmfs-a01", "vmfs-a02"}
			e.Record.Target.Datastores = map[string]model.Ref{"datastore-2": ds("datastore-12"), "datastore-3": ds("datastore-13")}
		case "both":
			e.Source.Datastores = []string{"vmfs-a01", "vmfs-a02"}
			e.Record.Target.Datastores = map[string]model.Ref{"datastore-2": ds("datastore-12"), "datastore-3": ds("datastore-12")}
		}
	}
	return j
}

var reverseNames = DatastoreNames{
	"site-a": {"datastore-1": "nfs-metro", "datastore-2": "vmfs-a01", "datastore-3": "vmfs-a02"},
	"site-b": {"datastore-11": "nfs-metro", "datastore-12": "vmfs-b01", "datastore-13": "vmfs-b02"},
}

// The way back puts a VM that was on several datastores back on each of them, not all its
// disks on the first; what it cannot tell (disks of two datastores on one) it leaves where
// the source site mounts it, and says so.
func TestReverseKeepsEachDatastore(t *testing.T) {
	r, err := ReverseWith(reverseJournal(t), time.Now(), "bob", reverseNames)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]VM{}
	for _, v := range r.VMs() {
		byName[v.Name] = v
	}
	if tg := byName["one"].Target; tg == nil || tg.Datastore != "nfs-metro" || tg.Datastores != nil {
		t.Errorf("one datastore: %+v", tg)
	}
	tg := byName["two"].Target
	if want := map[string]string{"vmfs-b01": "vmfs-a01", "vmfs-b02": "vmfs-a02"}; tg == nil || tg.Datastore != "" || !maps.Equal(tg.Datastores, want) {
		t.Fatalf("two datastores: %+v, want each back %v", tg, want)
	}
	if o := tg.Override(); !maps.Equal(o.Datastores, tg.Datastores) || o.Datastore != "" {
		t.Errorf("override %+v", o)
	}
	if tg := byName["both"].Target; tg == nil || tg.Datastore != "" || len(tg.Datastores) != 0 || tg.Host != "esx-a-1" {
		t.Errorf("disks of two datastores on one: %+v", tg)
	}
	notes := strings.Join(r.Notes, "\n")
	if strings.Contains(notes, "two was") || !strings.Contains(notes, "both was on 2 datastores (vmfs-a01, vmfs-a02)") ||
		!strings.Contains(notes, "its disks on vmfs-b01 came from vmfs-a01 and vmfs-a02") || !strings.Contains(notes, "stay where site-a mounts") {
		t.Errorf("notes: %q", r.Notes)
	}
	// The plan file says it, and reads it back.
	data, err := Marshal(r, Annotations{})
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data, "back.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range back.VMs() {
		if v.Name == "two" && !maps.Equal(v.Target.Datastores, tg.Datastores) {
			t.Errorf("round trip: %+v\n%s", v.Target, data)
		}
	}
}

// Without the datastores' names, the way back does not send every disk to the first
// datastore: the storage stays where the source site mounts it, and a note says why.
func TestReverseWithoutNames(t *testing.T) {
	r, err := Reverse(reverseJournal(t), time.Now(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range r.VMs() {
		if v.Name == "one" && v.Target.Datastore != "nfs-metro" {
			t.Errorf("one: %+v", v.Target)
		}
		if v.Name == "two" && (v.Target.Datastore != "" || len(v.Target.Datastores) != 0) {
			t.Errorf("two comes back to %+v", v.Target)
		}
	}
	if notes := strings.Join(r.Notes, "\n"); !strings.Contains(notes, "two was on 2 datastores (vmfs-a01, vmfs-a02); where its disks on vmfs-a01, vmfs-a02 went is not known") {
		t.Errorf("notes: %q", r.Notes)
	}
}

// A journal written before per-datastore targets existed reads as before.
func TestOldJournalReads(t *testing.T) {
	const old = `{"version":1,"plan":{"version":1,"id":"evac-old","from":"site-a","to":"site-b","created":"2026-01-01T00:00:00Z",
"waves":[{"wave":1,"vms":[{"name":"x","target":{"datastore":"ds-1"}}]}]},"state":"done","operator":{"name":"a"},
"started":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z","wave":1,
"vms":[{"name":"x","wave":1,"state":"done","source":{"site":"site-a","host":"h","cluster":"c","datastores":["ds-1","ds-2"]}}]}`
	var j Journal
	if err := json.Unmarshal([]byte(old), &j); err != nil {
		t.Fatal(err)
	}
	if j.Plan.Waves[0].VMs[0].Target.Datastore != "ds-1" || len(j.Entries[0].Source.Datastores) != 2 {
		t.Fatalf("read %+v", j)
	}
	if _, err := ReverseWith(j, time.Now(), "bob", reverseNames); err != nil {
		t.Fatal(err)
	}
}
