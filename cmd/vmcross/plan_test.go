package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
)

// `vmcross plan --site` on the lab: a YAML plan an operator can read back, every VM of the
// site in a wave or skipped with a reason, the guest cluster's nodes skipped together.
func TestPlanSiteOnLab(t *testing.T) {
	out, errOut, err := run(t, "plan", "--lab", "--site", "site-a", "--to", "site-b", "--wave-size", "6", "--order", "dns-*=1")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.HasPrefix(out, "# vmcross evacuation plan.") || !strings.Contains(errOut, "vmcross migrate --plan FILE --dry-run") {
		t.Errorf("output:\n%.400s\nstderr: %s", out, errOut)
	}
	pl, err := plan.Parse([]byte(out), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(pl.ID, "-site-a") || pl.From != "site-a" || pl.To != "site-b" || pl.WaveSize != 6 {
		t.Errorf("plan %s %s→%s size %d", pl.ID, pl.From, pl.To, pl.WaveSize)
	}
	if n := pl.Count() + len(pl.Skipped); n < 60 {
		t.Errorf("%d VMs planned or skipped", n)
	}
	skipped := map[string]string{}
	for _, s := range pl.Skipped {
		skipped[s.Name] = s.Reason
	}
	for _, n := range []string{"sql-node-1", "sql-node-2", "pay-gw-ft", "dmz-app-1", "iso-builder"} {
		if !strings.HasPrefix(skipped[n], "blocked: ") {
			t.Errorf("%s: %q", n, skipped[n])
		}
	}
	for _, v := range pl.Waves[0].VMs {
		if !strings.HasPrefix(v.Name, "dns-") || v.Order == nil || *v.Order != 1 {
			t.Errorf("wave 1 holds %s (order %v)", v.Name, v.Order)
		}
	}
	for _, w := range pl.Waves {
		if len(w.VMs) > 6 {
			t.Errorf("wave %d holds %d VMs", w.Wave, len(w.VMs))
		}
	}
}

// Mistakes on the command line and in plan files are usage errors (exit 2) in one line; a
// plan file's names the line.
func TestPlanUsageErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\nid: evac-x\nfrom: site-a\nto: site-b\nwaves:\n  - wave: 1\n    vms:\n      - name: web-01\n        colour: blue\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	twice := filepath.Join(t.TempDir(), "twice.yaml")
	if err := os.WriteFile(twice, []byte("version: 1\nid: evac-x\nfrom: site-a\nto: site-b\nwaves:\n  - wave: 1\n    vms:\n      - name: web-01\n  - wave: 2\n    vms:\n      - name: web-01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plan", "--lab", "--to", "site-b"}, "choose VMs"},
		{[]string{"plan", "--lab", "--site", "site-a"}, "--to SITE is required"},
		{[]string{"plan", "--lab", "--site", "site-a", "--host", "x", "--to", "site-b"}, "--site takes every VM"},
		{[]string{"plan", "--lab", "--site", "site-a", "--to", "site-b", "--wave-size", "0"}, "--wave-size 0 is out of range"},
		{[]string{"plan", "--lab", "--site", "site-a", "--to", "site-b", "--order", "db-*"}, "NAME-GLOB=N"},
		{[]string{"plan", "--lab", "--site", "site-a", "--to", "site-b", "--id", "Bad ID"}, "--id"},
		{[]string{"plan", "--lab", "--site", "site-z", "--to", "site-b"}, "no such site"},
		{[]string{"migrate", "--lab", "--plan", bad}, "bad.yaml:9: field colour not found"},
		{[]string{"migrate", "--lab", "--plan", twice}, "twice.yaml:11: vm web-01 is listed twice"},
		{[]string{"migrate", "--lab", "--plan", "/no/such/plan.yaml"}, "no such file"},
		{[]string{"migrate", "--lab", "--plan", bad, "--resume"}, "choose one"},
		{[]string{"migrate", "--lab", "--plan", bad, "--dry-run", "--yes"}, "choose one"},
		{[]string{"migrate", "--lab", "--plan", bad, "--to", "site-b"}, "a plan names its VMs"},
		{[]string{"migrate", "--lab", "--vm", "web-01", "--to", "site-b", "--dry-run"}, "--dry-run goes with --plan"},
		{[]string{"migrate", "--lab", "evac-x"}, "only with --resume"},
		{[]string{"migrate", "--lab", "--resume", "no-such-plan"}, "no journal of that plan"},
		{[]string{"migrate", "--lab", "--reverse", "no-such-plan"}, "no journal of that plan"},
	} {
		_, _, err := run(t, c.args...)
		if err == nil || exitCode(err) != 2 || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: want a one-line usage error (exit 2) saying %q, got %v", c.args[1:], c.want, err)
		}
	}
	// Nothing interrupted: --resume says so and exits 0.
	if _, errOut, err := run(t, "migrate", "--lab", "--resume"); err != nil || !strings.Contains(errOut, "nothing to resume") {
		t.Errorf("--resume with no journal: %v, %s", err, errOut)
	}
}

// A dry run of a plan on the lab prints each wave's VMs with their targets, what the plan
// skips, the findings and the predicted makespan with its assumptions, and moves nothing.
func TestPlanDryRunOnLab(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.yaml")
	if _, errOut, err := run(t, "plan", "--lab", "--vm", "web-01,app-02,sql-node-1,sql-node-2", "--to", "site-b", "-o", path); err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	out, _, err := run(t, "migrate", "--lab", "--plan", path, "--dry-run")
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	for _, want := range []string{"Wave 1", "✓ app-02", "→ B-0", "sql-node-1: blocked: RDM_BUS_SHARING", "Predicted makespan: ≈",
		"Assumptions:", "moves at once", "Nothing was moved (dry run)"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	out, _, err = run(t, "migrate", "--lab", "--plan", path, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var j planJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if j.Moves != 2 || j.Prediction.Total <= 0 || j.Assumptions == "" || len(j.VMs) != 2 {
		t.Errorf("dry run JSON: %d moves, %v, %+v", j.Moves, j.Prediction.Total, j.VMs)
	}
}

// The crash test: a real `vmcross migrate --plan` process is killed (SIGKILL) in the middle
// of its plan, its second wave moving; `vmcross migrate --resume` re-attaches and finishes
// the plan; every VM ends at site-b exactly once, with its instance UUID, relocated exactly
// once (counted at the lab's vCenter); then `vmcross migrate --reverse` brings them back to
// the hosts they left, each relocated once more.
func TestPlanKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds vmcross and runs plans on the lab")
	}
	t0 := time.Now()
	r := startPlanLab(t, 4)
	l, relocs, dir, state, vmcross := r.lab, r.relocs, r.dir, r.state, r.vmcross
	names := []string{"app-05", "app-06", "app-07", "web-05", "web-06", "web-07"}
	before := labVMs(t, l, "site-a")
	planPath := filepath.Join(dir, "plan.yaml")
	const id = "evac-kill-test"
	if out, err := vmcross("plan", "--vm", strings.Join(names, ","), "--to", "site-b", "--wave-size", "2", "--id", id, "-o", planPath).CombinedOutput(); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	pl, err := plan.Load(planPath)
	if err != nil || len(pl.Waves) != 3 || len(pl.Skipped) != 0 {
		t.Fatalf("plan: %v, %d waves, skipped %+v", err, len(pl.Waves), pl.Skipped)
	}
	t.Logf("plan made in %v (build included)", time.Since(t0).Round(time.Millisecond))

	// Run it, and kill it once wave 2 moves.
	var stdout lockedBuffer
	first := vmcross("migrate", "--plan", planPath, "--yes")
	first.Stdout, first.Stderr = &stdout, &stdout
	t1 := time.Now()
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	journal := plan.JournalPath(filepath.Join(state, "vmcross", "plans"), id)
	var atKill plan.Journal
	deadline := time.Now().Add(time.Minute)
	for {
		if time.Now().After(deadline) {
			_ = first.Process.Kill()
			t.Fatalf("wave 2 never moved; output:\n%s", stdout.String())
		}
		j, err := plan.LoadJournal(journal)
		if err == nil && j.Wave == pl.Waves[1].Wave && countIn(j, model.PlanVMMoving) > 0 {
			atKill = j
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	err = first.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != -1 {
		t.Fatalf("the first run was not killed: %v", err)
	}
	killedAt := time.Since(t1)
	t.Logf("killed after %v: %d done, %d moving, %d queued, %d pending", killedAt.Round(time.Millisecond), countIn(atKill, model.PlanVMDone),
		countIn(atKill, model.PlanVMMoving), countIn(atKill, model.PlanVMSubmitted), countIn(atKill, model.PlanVMPending))
	if countIn(atKill, model.PlanVMDone) < 2 || countIn(atKill, model.PlanVMPending) < 2 {
		t.Fatalf("not killed mid-plan: %+v", atKill.Status(journal).VMs)
	}

	// Resume.
	t2 := time.Now()
	out, err := vmcross("migrate", "--resume").CombinedOutput()
	t.Logf("resume ran %v:\n%s", time.Since(t2).Round(time.Millisecond), lastLines(string(out), 4))
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Plan "+id+" re-attached") || !strings.Contains(string(out), "Plan "+id+" done: 6 done") {
		t.Errorf("resume output:\n%s", out)
	}
	atB := labVMs(t, l, "site-b")
	atA := labVMs(t, l, "site-a")
	for _, n := range names {
		b, a := before[n], atB[n]
		if a.count != 1 || atA[n].count != 0 || a.uuid != b.uuid {
			t.Errorf("%s: %d at site-b, %d at site-a; uuid %s, was %s", n, a.count, atA[n].count, a.uuid, b.uuid)
		}
		if c := relocs.calls("site-a", b.moref); c != 1 {
			t.Errorf("%s: %d RelocateVM_Task calls at site-a, want 1", n, c)
		}
	}
	if out, err := vmcross("migrate", "--resume").CombinedOutput(); err != nil || !strings.Contains(string(out), "nothing to resume") {
		t.Errorf("a second --resume: %v\n%s", err, out)
	}

	// The way back.
	t3 := time.Now()
	out, err = vmcross("migrate", "--reverse", id, "--yes").CombinedOutput()
	t.Logf("reverse ran %v:\n%s", time.Since(t3).Round(time.Millisecond), lastLines(string(out), 2))
	if err != nil {
		t.Fatalf("reverse: %v\n%s", err, out)
	}
	home := labVMs(t, l, "site-a")
	gone := labVMs(t, l, "site-b")
	for _, n := range names {
		b, h := before[n], home[n]
		if h.count != 1 || gone[n].count != 0 || h.uuid != b.uuid || h.host != b.host {
			t.Errorf("%s back: %+v (was %+v), %d left at site-b", n, h, b, gone[n].count)
		}
		if c := relocs.calls("site-b", atB[n].moref); c != 1 {
			t.Errorf("%s: %d RelocateVM_Task calls at site-b, want 1", n, c)
		}
	}
	t.Logf("kill -9 and resume test: %v in all", time.Since(t0).Round(time.Millisecond))
}

func countIn(j plan.Journal, s model.PlanVMState) int {
	n := 0
	for _, e := range j.Entries {
		if e.State == s {
			n++
		}
	}
	return n
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// relocations counts the RelocateVM_Task calls each VM gets at each lab site.
type relocations struct {
	mu sync.Mutex
	n  map[string]int
}

func countRelocations(l *lab.Lab) *relocations {
	r := &relocations{n: map[string]int{}}
	for _, id := range []model.SiteID{"site-a", "site-b"} {
		l.SetHandler(id, func(_ *simulator.Context, m *simulator.Method) (mo.Reference, types.BaseMethodFault) {
			if m.Name == "RelocateVM_Task" {
				r.mu.Lock()
				r.n[string(id)+"/"+m.This.Value]++
				r.mu.Unlock()
			}
			return nil, nil
		})
	}
	return r
}

// total is how many RelocateVM_Task calls both vCenters have had.
func (r *relocations) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.n {
		n += c
	}
	return n
}

func (r *relocations) calls(site model.SiteID, moref string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[string(site)+"/"+moref]
}

// labVM is a VM as a lab vCenter has it, read by a client of the test's own.
type labVM struct {
	moref, uuid, host string
	count             int // VMs of that name at the site
}

func labVMs(t *testing.T, l *lab.Lab, site model.SiteID) map[string]labVM {
	t.Helper()
	ep, _ := l.Endpoint(site)
	u, err := soap.ParseURL(ep.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sc := soap.NewClient(u, false)
	sc.SetThumbprint(u.Host, ep.Thumbprint)
	vc, err := vim25.NewClient(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	c := &govmomi.Client{Client: vc, SessionManager: session.NewManager(vc)}
	if err := c.Login(ctx, url.UserPassword(ep.Username, ep.Password)); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Logout(ctx) }()
	v, err := view.NewManager(vc).CreateContainerView(ctx, vc.ServiceContent.RootFolder, []string{"VirtualMachine", "HostSystem"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()
	var vms []mo.VirtualMachine
	if err := v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "config.instanceUuid", "runtime.host"}, &vms); err != nil {
		t.Fatal(err)
	}
	var hosts []mo.HostSystem
	if err := v.Retrieve(ctx, []string{"HostSystem"}, []string{"name"}, &hosts); err != nil {
		t.Fatal(err)
	}
	hostName := map[string]string{}
	for _, h := range hosts {
		hostName[h.Self.Value] = h.Name
	}
	out := map[string]labVM{}
	for _, vm := range vms {
		x := out[vm.Name]
		x.count++
		x.moref = vm.Self.Value
		if vm.Config != nil {
			x.uuid = vm.Config.InstanceUuid
		}
		if vm.Runtime.Host != nil {
			x.host = hostName[vm.Runtime.Host.Value]
		}
		out[vm.Name] = x
	}
	return out
}
