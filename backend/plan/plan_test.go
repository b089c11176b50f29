package plan

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

const gib = 1 << 30

// result is a preflight result of VMs at site-a, each with memory GiB and disk GiB to move.
func result(vms ...testVM) preflight.Result {
	res := preflight.Result{From: "site-a", To: "site-b"}
	for _, v := range vms {
		vm := model.VM{Key: model.VMKey{Site: "site-a", MoRef: "vm-" + v.name}, Name: v.name, Power: model.PoweredOn,
			MemoryMiB: int32(v.memGiB * 1024), InstanceUUID: "uuid-" + v.name, Host: "esx-1", Cluster: "A-01", Template: v.template}
		if v.off {
			vm.Power = model.PoweredOff
		}
		res.VMs = append(res.VMs, vm)
		res.Estimates = append(res.Estimates, preflight.Estimate{VM: vm.Key, MemoryB: int64(v.memGiB) * gib, DiskB: int64(v.diskGiB) * gib})
		res.Targets = append(res.Targets, preflight.Target{VM: vm.Key})
		for _, code := range v.blocks {
			res.Findings = append(res.Findings, preflight.Finding{Code: code, Severity: preflight.Block, VM: vm.Key, Object: v.name})
		}
		for _, code := range v.warns {
			res.Findings = append(res.Findings, preflight.Finding{Code: code, Severity: preflight.Warn, VM: vm.Key, Object: "thing of " + v.name})
		}
	}
	return res
}

type testVM struct {
	name            string
	memGiB, diskGiB int
	blocks, warns   []string
	off, template   bool
}

func key(name string) model.VMKey { return model.VMKey{Site: "site-a", MoRef: "vm-" + name} }

func wavesOf(p Plan) map[string]int {
	out := map[string]int{}
	for _, w := range p.Waves {
		for _, v := range w.VMs {
			out[v.Name] = w.Wave
		}
	}
	return out
}

func TestProposeOrdersPartnersAndSpread(t *testing.T) {
	res := result(
		testVM{name: "db-1", memGiB: 64, diskGiB: 500},
		testVM{name: "db-2", memGiB: 64, diskGiB: 500},
		testVM{name: "db-3", memGiB: 64, diskGiB: 500},
		testVM{name: "web-1", memGiB: 4}, testVM{name: "web-2", memGiB: 4}, testVM{name: "web-3", memGiB: 4},
		testVM{name: "web-4", memGiB: 4, warns: []string{"SNAPSHOTS"}},
		testVM{name: "dns-1", memGiB: 1}, testVM{name: "dns-2", memGiB: 1},
		testVM{name: "sql-1", memGiB: 32, blocks: []string{"RDM_BUS_SHARING"}},
		testVM{name: "sql-2", memGiB: 32},
		testVM{name: "fci-1", memGiB: 8}, testVM{name: "fci-2", memGiB: 8},
		testVM{name: "tmpl", memGiB: 2, template: true},
	)
	res.Findings = append(res.Findings, preflight.Finding{Code: "FABRIC_NOT_CONFIGURED", Severity: preflight.Warn, Object: "fabric"})
	in := Input{ID: "evac-t", Created: time.Date(2026, 12, 1, 13, 12, 5, 0, time.UTC), Result: res, WaveSize: 3,
		Orders: map[model.VMKey]int{key("dns-1"): 1, key("dns-2"): 1, key("fci-1"): 2},
		Groups: []Group{
			{Why: "shared LUN naa.1", VMs: []model.VMKey{key("sql-1"), key("sql-2")}},
			{Why: "anti-affinity rule fci", VMs: []model.VMKey{key("fci-1"), key("fci-2"), {Site: "site-a", MoRef: "vm-far"}}, Names: []string{"fci-1", "fci-2", "fci-3"}},
		}}
	p := Propose(in)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	w := wavesOf(p)
	// Order 1 first, alone in its wave; then order 2 (fci-1 with its untagged partner); then
	// the untagged VMs.
	if w["dns-1"] != 1 || w["dns-2"] != 1 || len(p.Waves[0].VMs) != 2 {
		t.Errorf("order 1: %v", p.Waves[0])
	}
	if w["fci-1"] != 2 || w["fci-2"] != 2 || len(p.Waves[1].VMs) != 2 {
		t.Errorf("order 2 and partners: %v", p.Waves[1])
	}
	if v := p.Waves[1].VMs[0]; !slices.Equal(v.Partners, []string{"fci-2"}) || v.Group != "anti-affinity rule fci" || v.Order == nil {
		t.Errorf("partner fields: %+v", v)
	}
	if !strings.Contains(strings.Join(p.Notes, "\n"), "fci-3") {
		t.Errorf("notes do not name the partner outside the selection: %q", p.Notes)
	}
	// The three databases in three different waves.
	if w["db-1"] == w["db-2"] || w["db-2"] == w["db-3"] || w["db-1"] == w["db-3"] {
		t.Errorf("databases in waves %d %d %d", w["db-1"], w["db-2"], w["db-3"])
	}
	for _, wv := range p.Waves {
		if len(wv.VMs) > 3 {
			t.Errorf("wave %d holds %d", wv.Wave, len(wv.VMs))
		}
		for i := 1; i < len(wv.VMs); i++ {
			if wv.VMs[i].Bytes() > wv.VMs[i-1].Bytes() {
				t.Errorf("wave %d not biggest first: %s before %s", wv.Wave, wv.VMs[i-1].Name, wv.VMs[i].Name)
			}
		}
	}
	skipped := map[string]string{}
	for _, s := range p.Skipped {
		skipped[s.Name] = s.Reason
	}
	if skipped["sql-1"] != "blocked: RDM_BUS_SHARING" || !strings.Contains(skipped["sql-2"], "partner of sql-1") || !strings.Contains(skipped["tmpl"], "template") {
		t.Errorf("skipped: %v", skipped)
	}
	for _, v := range p.VMs() {
		if !slices.Contains(v.Acknowledge, "FABRIC_NOT_CONFIGURED fabric") {
			t.Errorf("%s acknowledges %q", v.Name, v.Acknowledge)
		}
		if v.Name == "web-4" && !slices.Contains(v.Acknowledge, "SNAPSHOTS thing of web-4") {
			t.Errorf("web-4 acknowledges %q", v.Acknowledge)
		}
	}
	if p.Count()+len(p.Skipped) != len(res.VMs) {
		t.Errorf("%d planned + %d skipped of %d", p.Count(), len(p.Skipped), len(res.VMs))
	}
}

// A group bigger than a wave gets a wave of its own, said in the notes.
func TestProposeBigGroup(t *testing.T) {
	var vms []testVM
	var keys []model.VMKey
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		vms = append(vms, testVM{name: n, memGiB: 2})
		keys = append(keys, key(n))
	}
	vms = append(vms, testVM{name: "z", memGiB: 1})
	p := Propose(Input{ID: "evac-t", Result: result(vms...), WaveSize: 2, Groups: []Group{{Why: "DRS VM group g", VMs: keys}}})
	w := wavesOf(p)
	for _, n := range []string{"b", "c", "d", "e"} {
		if w[n] != w["a"] {
			t.Errorf("%s in wave %d, a in %d", n, w[n], w["a"])
		}
	}
	if w["z"] == w["a"] || len(p.Waves) != 2 || !strings.Contains(strings.Join(p.Notes, " "), "more than the wave size of 2") {
		t.Errorf("waves %v, notes %q", w, p.Notes)
	}
}

func TestMarshalParseRoundTrip(t *testing.T) {
	p := Propose(Input{ID: "evac-20261201-1312-site-a", Created: time.Date(2026, 12, 1, 13, 12, 0, 0, time.UTC), CreatedBy: "alice (cli)",
		Selection: "site site-a", Result: result(testVM{name: "web-1", memGiB: 4, warns: []string{"SNAPSHOTS"}}, testVM{name: "db-1", memGiB: 32, diskGiB: 100},
			testVM{name: "sql-1", memGiB: 8, blocks: []string{"FT_ENABLED"}}),
		Orders: map[model.VMKey]int{key("db-1"): 0}, WaveSize: 1})
	p.Waves[1].VMs[0].Target = &Target{Cluster: "B-01", Networks: map[string]string{"VLAN110-Web": "VLAN110-Web"}}
	data, err := Marshal(p, Annotations{Wave: map[int]string{1: "1 VM, 132 GiB to send"}, VM: map[string]string{"web-1": "→ B-01 / esx-b01-01"}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{"# vmcross evacuation plan.", "version: 1", "id: evac-20261201-1312-site-a", "- wave: 1 # 1 VM, 132 GiB to send",
		"- name: web-1 # → B-01 / esx-b01-01", "order: 0", "disk_mib: 102400", "acknowledge:", "- SNAPSHOTS thing of web-1",
		"# VMs of the selection left where they are", "reason: 'blocked: FT_ENABLED'"} {
		if !strings.Contains(s, want) {
			t.Errorf("the file lacks %q:\n%s", want, s)
		}
	}
	back, err := Parse(data, "plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, p) {
		t.Errorf("round trip:\n%+v\n%+v", back, p)
	}
	path := filepath.Join(t.TempDir(), "plan.yaml")
	if err := Write(path, p, Annotations{}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("plan file: %v %v", fi.Mode(), err)
	}
	if l, err := Load(path); err != nil || l.Count() != p.Count() {
		t.Errorf("load: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	head := "version: 1\nid: evac-x\nfrom: site-a\nto: site-b\n"
	for _, c := range []struct{ yaml, want string }{
		{"", "plan.yaml: empty: no plan in it"},
		{"version: 2\nid: x\nfrom: a\nto: b\n", "version 2"},
		{"version: 1\nid: Evac X\nfrom: a\nto: b\n", `id "Evac X"`},
		{"version: 1\nid: x\nfrom: a\nto: a\n", "from and to are both a"},
		{"version: 1\nid: x\nto: b\n", "from and to must name the sites"},
		{head + "waves:\n  - wave: 0\n    vms: []\n", "waves are numbered from 1"},
		{head + "waves:\n  - wave: 1\n  - wave: 1\n", "wave 1 is listed twice"},
		{head + "waves:\n  - wave: 1\n    vms:\n      - moref: vm-1\n", "a VM without a name"},
		{head + "waves:\n  - wave: 1\n    vms:\n      - name: a\n        instance_uuid: u1\n      - name: b\n        instance_uuid: U1\n", "plan.yaml:10: vm b is listed twice in wave 1"},
		{head + "waves:\n  - wave: 1\n    vms:\n      - name: a\nskipped:\n  - name: a\n    reason: x\n", "plan.yaml:10: vm a is in wave 1 and skipped"},
		{head + "waves:\n  - wave: 1\n    vms:\n      - name: a\n        partners: [b]\n  - wave: 2\n    vms:\n      - name: b\n", "plan.yaml:8: vm a (wave 1) and its partner b (wave 2) must move in the same wave: move"},
		{head + "waves:\n  - wave: 1\n    vms:\n      - name: a\n        memory: 4\n", "plan.yaml:9: field memory not found in a plan's VM"},
		{head + "wave_size: many\n", "plan.yaml:5: cannot unmarshal"},
	} {
		_, err := Parse([]byte(c.yaml), "plan.yaml")
		var pe *Error
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: want %q, got %v", c.yaml, c.want, err)
		}
	}
	// Waves come back in order of their numbers.
	p, err := Parse([]byte(head+"waves:\n  - wave: 5\n    vms: [{name: b}]\n  - wave: 2\n    vms: [{name: a}]\n"), "p")
	if err != nil || p.Waves[0].Wave != 2 || p.Waves[1].Wave != 5 {
		t.Errorf("%+v %v", p.Waves, err)
	}
}

func TestPredict(t *testing.T) {
	vm := func(name string, memGiB, diskGiB int64) VM {
		return VM{Name: name, MemoryMiB: memGiB << 10, DiskMiB: diskGiB << 10}
	}
	a := Assumptions{BandwidthMbps: 10_000, Measured: true, Concurrency: 2, DirtyShare: 0.01, Switchover: time.Second}
	one := Plan{Waves: []Wave{{Wave: 1, VMs: []VM{vm("a", 8, 0)}}}}
	p := Predict(one, a)
	// 8 GiB at 9.4 Gbps (the NIC caps it) with 1% dirtied a second: 8 GiB / (1.175 GB/s − 0.086 GB/s) + 1 s ≈ 8.9 s.
	if d := p.Alone["a"]; d < 8*time.Second || d > 10*time.Second || p.Total != p.Waves[0].Duration {
		t.Errorf("one VM: alone %v, total %v", d, p.Total)
	}
	// Two at once share 10 Gbps: about as long as one after the other on the DCI.
	two := Plan{Waves: []Wave{{Wave: 1, VMs: []VM{vm("a", 8, 0), vm("b", 8, 0)}}}}
	t2 := Predict(two, a).Total
	if t2 < 14*time.Second || t2 > 19*time.Second {
		t.Errorf("two VMs: %v", t2)
	}
	// Waves add up; a powered-off VM sends its disks only.
	off := vm("c", 64, 10)
	off.PoweredOff = true
	three := Plan{Waves: []Wave{two.Waves[0], {Wave: 2, VMs: []VM{off}}}}
	p3 := Predict(three, a)
	if p3.Total != p3.Waves[0].Duration+p3.Waves[1].Duration || p3.Waves[1].Duration > 11*time.Second || p3.Waves[1].Bytes != 10*gib {
		t.Errorf("waves %+v total %v", p3.Waves, p3.Total)
	}
	// A guest dirtying faster than its share is slowed (SDPS): finite, about twice.
	hot := Assumptions{BandwidthMbps: 1000, Concurrency: 1, DirtyShare: 0.5}
	if d := Predict(Plan{Waves: []Wave{{Wave: 1, VMs: []VM{vm("h", 1, 0)}}}}, hot).Total; d < 15*time.Second || d > 20*time.Second {
		t.Errorf("SDPS: %v", d)
	}
	// No bandwidth known: nothing predicted.
	if d := Predict(two, Assumptions{}).Total; d != 0 {
		t.Errorf("no bandwidth: %v", d)
	}
	if s := a.String(); !strings.Contains(s, "10.0 Gbps free on the DCI (measured)") || !strings.Contains(s, "up to 2 moves at once") {
		t.Errorf("assumptions: %s", s)
	}
}

func TestJournalSaveLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plans")
	p := Propose(Input{ID: "evac-j", Result: result(testVM{name: "a", memGiB: 1}, testVM{name: "b", memGiB: 1, blocks: []string{"FT_ENABLED"}})})
	who := model.Operator{Name: "alice", Role: model.RoleOperator}
	j := NewJournal(p, who, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if len(j.Entries) != 2 || j.Entries[0].State != model.PlanVMPending || j.Entries[1].State != model.PlanVMSkipped || j.Finished() {
		t.Fatalf("entries: %+v", j.Entries)
	}
	path := JournalPath(dir, p.ID)
	for i := range 3 {
		j.Entries[0].Progress = i * 10
		if err := j.Save(path); err != nil {
			t.Fatal(err)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("files left: %v", ents)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", fi.Mode())
	}
	back, err := LoadJournal(path)
	if err != nil || back.Entries[0].Progress != 20 || back.Plan.ID != "evac-j" || back.Operator != who {
		t.Fatalf("load: %+v %v", back, err)
	}
	st := back.Status(path)
	if st.ID != "evac-j" || st.State != model.PlanRunning || len(st.VMs) != 2 || st.Journal != path {
		t.Errorf("status %+v", st)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	js, paths, err := Journals(dir)
	if len(js) != 1 || paths[0] != path || err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Errorf("journals: %d %v %v", len(js), paths, err)
	}
	if js, _, err := Journals(filepath.Join(dir, "none")); js != nil || err != nil {
		t.Errorf("missing dir: %v %v", js, err)
	}
}

func TestReverse(t *testing.T) {
	p := Propose(Input{ID: "evac-r", Result: result(testVM{name: "a", memGiB: 4}, testVM{name: "b", memGiB: 8}, testVM{name: "c", memGiB: 2}), WaveSize: 2})
	j := NewJournal(p, model.Operator{Name: "alice"}, time.Now())
	if _, err := Reverse(j, time.Now(), "bob"); err == nil {
		t.Error("a running plan was reversed")
	}
	j.State = model.PlanDone
	for i := range j.Entries {
		e := &j.Entries[i]
		switch e.Name {
		case "a", "b":
			e.State, e.TargetVM = model.PlanVMDone, model.Ref{Type: "VirtualMachine", Value: "vm-b-" + e.Name}
			e.Record.Target = model.MoveTarget{ClusterName: "B-01", HostName: "esx-b-1"}
			e.Source = &Place{Site: "site-a", Host: "esx-a-" + e.Name, Cluster: "A-01", Datastores: []string{"ds-" + e.Name},
				Networks: map[string]string{"VLAN110-Web": "web-b"}}
		default:
			e.State, e.Why = model.PlanVMFailed, "boom"
		}
	}
	r, err := Reverse(j, time.Now(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "evac-r-back" || r.From != "site-b" || r.To != "site-a" || r.ReverseOf != "evac-r" || r.Count() != 2 {
		t.Fatalf("reverse: %+v", r)
	}
	w := wavesOf(r)
	orig := wavesOf(p)
	for _, v := range r.VMs() {
		if w[v.Name] != orig[v.Name] || v.MoRef != "vm-b-"+v.Name || v.Host != "esx-b-1" {
			t.Errorf("%s: wave %d (was %d), %+v", v.Name, w[v.Name], orig[v.Name], v)
		}
		if v.Target == nil || v.Target.Host != "esx-a-"+v.Name || v.Target.Cluster != "A-01" || v.Target.Datastore != "ds-"+v.Name ||
			v.Target.Networks["web-b"] != "VLAN110-Web" {
			t.Errorf("%s goes back to %+v", v.Name, v.Target)
		}
	}
	if err := r.Validate(); err != nil {
		t.Error(err)
	}
	for i := range j.Entries {
		j.Entries[i].State = model.PlanVMFailed
	}
	if _, err := Reverse(j, time.Now(), "bob"); err == nil || !strings.Contains(err.Error(), "nothing to bring back") {
		t.Errorf("nothing moved: %v", err)
	}
}

func TestJudge(t *testing.T) {
	p := Plan{Version: 1, ID: "x", From: "site-a", To: "site-b", Waves: []Wave{{Wave: 1, VMs: []VM{
		{Name: "a", MoRef: "old-a"}, {Name: "b", Partners: []string{"c"}}, {Name: "c", Partners: []string{"b"}}, {Name: "d"}}}}}
	res := result(testVM{name: "a", memGiB: 4, diskGiB: 1, warns: []string{"SNAPSHOTS"}}, testVM{name: "b", memGiB: 1}, testVM{name: "c", memGiB: 1, blocks: []string{"FT_ENABLED"}})
	j := Judge(p, res, map[string]model.VMKey{"a": key("a"), "b": key("b"), "c": key("c")}, map[string]string{"d": "already back at site-b"})
	if j.Count() != 1 || j.Waves[0].VMs[0].MoRef != "vm-a" || j.Waves[0].VMs[0].MemoryMiB != 4096 || j.Waves[0].VMs[0].DiskMiB != 1024 ||
		!slices.Equal(j.Waves[0].VMs[0].Acknowledge, []string{"SNAPSHOTS thing of a"}) {
		t.Errorf("judged: %+v", j.Waves)
	}
	reasons := map[string]string{}
	for _, s := range j.Skipped {
		reasons[s.Name] = s.Reason
	}
	if reasons["c"] != "blocked: FT_ENABLED" || !strings.Contains(reasons["b"], "partner of c") || reasons["d"] != "already back at site-b" {
		t.Errorf("skipped: %v", reasons)
	}
}

func TestLock(t *testing.T) {
	dir := t.TempDir()
	release, err := Lock(dir, "evac-l")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(dir, "evac-l"); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "process") {
		t.Errorf("second lock: %v", err)
	}
	release()
	again, err := Lock(dir, "evac-l")
	if err != nil {
		t.Errorf("after release: %v", err)
	} else {
		again()
	}
}

func TestIDsAndOrderRules(t *testing.T) {
	now := time.Date(2026, 12, 1, 13, 12, 0, 0, time.UTC)
	for scope, want := range map[string]string{
		"site-a":                     "evac-20261201-1312-site-a",
		"esx-a01-02.mia.example.net": "evac-20261201-1312-esx-a01-02",
		"A 01/x":                     "evac-20261201-1312-a-01-x",
		"":                           "evac-20261201-1312",
	} {
		if got := NewID(now, scope); got != want || !ValidID(got) {
			t.Errorf("NewID(%q) = %q, want %q", scope, got, want)
		}
	}
	if ReverseID("evac-x") != "evac-x-back" || len(ReverseID(strings.Repeat("a", 100))) != 100 {
		t.Error("ReverseID")
	}
	r, err := ParseOrderRule("DB-*=1")
	if err != nil || r.Glob != "DB-*" || r.Order != 1 {
		t.Errorf("%+v %v", r, err)
	}
	if o, ok := OrderFor([]OrderRule{r, {Glob: "*", Order: 9}}, "db-01"); !ok || o != 1 {
		t.Errorf("OrderFor: %d %v", o, ok)
	}
	for _, bad := range []string{"db-*", "=1", "db-*=x", "db-*=1.5", "[=1"} {
		if _, err := ParseOrderRule(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// What clears by itself (the DCI down, its bandwidth taken) does not keep a VM out of the
// plan: its wave waits for it when the plan runs. What is built in (an ISO) does.
func TestProposePassingFindings(t *testing.T) {
	res := result(testVM{name: "a", memGiB: 4}, testVM{name: "b", memGiB: 4, blocks: []string{preflight.CodeISOConnected}})
	res.Findings = append(res.Findings, preflight.Finding{Code: preflight.CodeDCIDown, Severity: preflight.Block, Object: "dci"})
	p := Propose(Input{ID: "evac-p", Result: res})
	if p.Count() != 1 || p.Waves[0].VMs[0].Name != "a" || len(p.Skipped) != 1 || p.Skipped[0].Reason != "blocked: ISO_CONNECTED, DCI_DOWN" {
		t.Errorf("plan: %+v skipped %+v", p.Waves, p.Skipped)
	}
	if !strings.Contains(strings.Join(p.Notes, " "), "DCI_DOWN") {
		t.Errorf("notes: %q", p.Notes)
	}
	if !Passing(preflight.CodeBandwidthLow) || Passing(preflight.CodeVLANNotExtended) {
		t.Error("Passing")
	}
}

// On a lab whose moves run faster than real time (--lab-speed), the prediction is in real
// time: every duration divided by the speed, and the assumptions say so.
func TestPredictTimeScale(t *testing.T) {
	vms := []VM{{Name: "a", MemoryMiB: 64 << 10}, {Name: "b", MemoryMiB: 32 << 10, DiskMiB: 100 << 10, PoweredOff: true}}
	pl := Plan{Waves: []Wave{{Wave: 1, VMs: vms[:1]}, {Wave: 2, VMs: vms[1:]}}}
	a := Assumptions{BandwidthMbps: 10_000, Measured: true, Concurrency: 2}
	base := Predict(pl, a)
	a.TimeScale = 50
	fast := Predict(pl, a)
	near := func(got, want time.Duration) bool { return (got - want).Abs() <= time.Second }
	if !near(fast.Total, base.Total/50) || fast.Total <= 0 {
		t.Errorf("total at 50×: %v, want about %v / 50", fast.Total, base.Total)
	}
	for i := range base.Waves {
		if !near(fast.Waves[i].Duration, base.Waves[i].Duration/50) {
			t.Errorf("wave %d at 50×: %v, want about %v / 50", i+1, fast.Waves[i].Duration, base.Waves[i].Duration)
		}
	}
	if !near(fast.Alone["a"], base.Alone["a"]/50) {
		t.Errorf("a alone at 50×: %v, want about %v / 50", fast.Alone["a"], base.Alone["a"])
	}
	if s := fast.Assumptions.String(); !strings.Contains(s, "50× faster than real time") {
		t.Errorf("assumptions at 50× do not say so: %s", s)
	}
	if s := base.Assumptions.String(); strings.Contains(s, "faster than real time") {
		t.Errorf("assumptions in real time speak of a speed: %s", s)
	}
}
