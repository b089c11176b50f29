package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/lab"
)

// A plan run by the real `vmcross migrate --plan` with the DCI's port-channel shut in the
// middle: the plan says it is paused and why, no move starts while the DCI is down, and
// `no shutdown` lets it go on by itself to the end, every VM at site-b once.
func TestPlanPausedByTheDCIAndResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds vmcross and runs a plan on the lab")
	}
	r := startPlanLab(t, 2)
	l, relocs, dir, vmcross := r.lab, r.relocs, r.dir, r.vmcross
	names := []string{"app-05", "app-06", "web-05", "web-06"}
	before := labVMs(t, l, "site-a")
	planPath := filepath.Join(dir, "plan.yaml")
	if out, err := vmcross("plan", "--vm", strings.Join(names, ","), "--to", "site-b", "--wave-size", "2", "--id", "evac-dci-test", "-o", planPath).CombinedOutput(); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}

	var out lockedBuffer
	run := vmcross("migrate", "--plan", planPath, "--yes")
	run.Stdout, run.Stderr = &out, &out
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- run.Wait() }()
	defer func() { _ = run.Process.Kill() }()
	waitFor := func(what string, within time.Duration, ok func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(within)
		for !ok(out.String()) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %v; output:\n%s", what, within, out.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	shut := func(down bool) {
		cmd := "shutdown"
		if !down {
			cmd = "no shutdown"
		}
		if _, err := l.Fabric().Exec("mia-dci-n7k-01", "configure terminal", "interface port-channel10", cmd, "end"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor("wave 1 copying", 30*time.Second, func(s string) bool { return strings.Contains(s, "pre-copy pass") })
	shut(true)
	t.Cleanup(func() { shut(false) })
	waitFor("the plan paused", 30*time.Second, func(s string) bool { return strings.Contains(s, "paused: the DCI is down") })
	started := relocs.total()
	time.Sleep(3 * time.Second) // three polls of the switches: nothing may start meanwhile
	if n := relocs.total(); n != started {
		t.Errorf("%d relocations started with the DCI down", n-started)
	}
	shut(false)
	waitFor("the plan going on", 30*time.Second, func(s string) bool { return strings.Contains(s, " go on: ") })
	select {
	case err := <-exited:
		// The moves running when the DCI went down failed at vCenter (the VMs stay at
		// site-a, exit 1); the rest moved once the DCI came back.
		t.Logf("migrate ended: %v\n%s", err, lastLines(out.String(), 6))
	case <-time.After(90 * time.Second):
		t.Fatalf("the plan did not end after the DCI came back; output:\n%s", out.String())
	}
	atA, atB := labVMs(t, l, "site-a"), labVMs(t, l, "site-b")
	moved := 0
	for _, n := range names {
		if atA[n].count+atB[n].count != 1 || (atB[n].count == 1 && atB[n].uuid != before[n].uuid) {
			t.Errorf("%s: %d at site-a, %d at site-b", n, atA[n].count, atB[n].count)
		}
		moved += atB[n].count
	}
	if moved < 2 || !strings.Contains(out.String(), "wave 2 (2 of 2)") || !strings.Contains(out.String(), "Plan evac-dci-test done:") {
		t.Errorf("%d of %d VMs moved; output:\n%s", moved, len(names), out.String())
	}
}

// planLab is a lab with the built vmcross pointed at it: its config in dir, its state in
// dir/state, the simulator's RelocateVM_Task calls counted.
type planLab struct {
	lab     *lab.Lab
	relocs  *relocations
	dir     string
	state   string
	vmcross func(args ...string) *exec.Cmd
}

// startPlanLab builds vmcross and starts a lab at that speed for a plan test.
func startPlanLab(t *testing.T, speed float64) planLab {
	t.Helper()
	bin := buildVMCross(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := lab.Start(ctx, lab.Options{Speed: speed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	r := planLab{lab: l, relocs: countRelocations(l), dir: t.TempDir()}
	cfgPath := filepath.Join(r.dir, "vmcross.yaml")
	if err := l.Config().Write(cfgPath); err != nil {
		t.Fatal(err)
	}
	r.state = filepath.Join(r.dir, "state")
	env := append(os.Environ(), "XDG_STATE_HOME="+r.state)
	r.vmcross = func(args ...string) *exec.Cmd {
		c := exec.Command(bin, append(args, "--config", cfgPath)...)
		c.Env = env
		return c
	}
	return r
}
