package backend_test

// Benchmarks at the scale of issue 12: a lab of 10,000 VMs (5,000 a site) loaded through real
// vCenter sessions, as `vmcross` loads them. scripts/bench runs them several times and prints
// the medians against their targets.
//
// The lab runs in a process of its own (this test binary, started again with
// VMCROSS_BENCH_LAB set; see TestMain), as a vCenter would: the benchmark's process then holds
// the engine only, so its CPU time is the engine's, and the lab's is read from /proc.

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/migrate"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// scaleVMs is the size of the lab of these benchmarks: VMs of both sites together.
const scaleVMs = 10_000

// benchLabEnv, set to a number of VMs, makes the test binary a lab server (TestMain).
const benchLabEnv = "VMCROSS_BENCH_LAB"

// TestMain runs the tests, unless the binary was started as a lab server for a benchmark.
// Benchmarks run without the simulator's standard-logger chatter, which would cut their
// result lines.
func TestMain(m *testing.M) {
	if v := os.Getenv(benchLabEnv); v != "" {
		serveBenchLab(v)
		return
	}
	flag.Parse()
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		log.SetOutput(io.Discard)
	}
	os.Exit(m.Run())
}

// benchLabInfo is what a lab server prints, one JSON line, once it is ready.
type benchLabInfo struct {
	Specs   []backend.SiteSpec
	Mapping preflight.Mapping
	Profile string
	Ready   time.Duration
}

// serveBenchLab starts a lab of vms VMs, prints its benchLabInfo and serves until its stdin
// closes (the benchmark ended or died) or a signal comes.
func serveBenchLab(vms string) {
	log.SetOutput(io.Discard) // the simulator's chatter
	n, err := strconv.Atoi(vms)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	start := time.Now()
	l, err := lab.Start(context.Background(), lab.Options{VMs: n})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer l.Close()
	cfg := l.Config()
	specs, err := cfg.Specs()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	info := benchLabInfo{Specs: specs, Profile: cfg.Profile, Ready: time.Since(start),
		Mapping: preflight.Mapping{Clusters: cfg.Mapping.Clusters, Datastores: cfg.Mapping.Datastores, PortGroups: cfg.Mapping.PortGroups}}
	if err := json.NewEncoder(os.Stdout).Encode(info); err != nil {
		os.Exit(1)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	eof := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(eof) }()
	select {
	case <-stop:
	case <-eof:
	}
}

// benchLab is a lab server process.
type benchLab struct {
	benchLabInfo
	cmd *exec.Cmd
}

// startBenchLab starts a lab of vms VMs in a process of its own; it stops with the benchmark.
func startBenchLab(tb testing.TB, vms int) *benchLab {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", benchLabEnv, vms))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		tb.Fatalf("the lab server did not start: %v", err)
	}
	b := &benchLab{cmd: cmd}
	if err := json.Unmarshal(line, &b.benchLabInfo); err != nil {
		tb.Fatalf("the lab server said %q: %v", line, err)
	}
	return b
}

// cpu is the CPU time (user and system) the lab's process has used so far.
func (b *benchLab) cpu(tb testing.TB) time.Duration {
	tb.Helper()
	return processCPU(tb, b.cmd.Process.Pid)
}

// processCPU reads a process's CPU time (user and system) from /proc/PID/stat.
func processCPU(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Skipf("no /proc here: %v", err)
	}
	// The command name may hold spaces: the fields we want follow its closing parenthesis.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

// selfCPU is the CPU time this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEngineLoad10k measures what the console waits for at start on a 10,000-VM estate:
// a new engine logs into both vCenters (TLS verified), loads every VM, host, cluster,
// datastore and port group of each through one ContainerView and WaitForUpdatesEx, and
// publishes the first State with both sites. Target: ≤ 1 s. It reports the wall time
// (load_s), the engine's CPU time (this process: decoding the answers and building the
// inventory) and the lab's (the simulated vCenters: reading and encoding the properties).
//
//	go test ./backend -run '^$' -bench EngineLoad10k -count 5
func BenchmarkEngineLoad10k(b *testing.B) {
	l := startBenchLab(b, scaleVMs)
	var vms int
	var wall, engine, simulator time.Duration
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cpu0, lab0 := selfCPU(), l.cpu(b)
		start := time.Now()
		e := backend.NewEngine(l.Specs)
		e.Start(ctx)
		if err := e.WaitLoaded(ctx); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		engine += selfCPU() - cpu0
		simulator += l.cpu(b) - lab0
		b.StopTimer()
		vms = 0
		for _, s := range e.Snapshot().Sites {
			vms += len(s.VMs)
		}
		e.Close()
		cancel()
		b.StartTimer()
	}
	if vms < scaleVMs {
		b.Fatalf("loaded %d VMs, want %d", vms, scaleVMs)
	}
	n := float64(b.N)
	b.ReportMetric(wall.Seconds()/n, "load_s")
	b.ReportMetric(engine.Seconds()/n, "engine_cpu_s")
	b.ReportMetric(simulator.Seconds()/n, "lab_cpu_s")
	b.ReportMetric(float64(vms), "VMs")
}

// BenchmarkPreflight1000 judges moving 1,000 VMs of site A (of the 10,000-VM lab) to site B,
// details included, each run with the engine's details cache emptied: every VM's devices,
// disks and snapshots are read from the vCenter. Target: ≤ 1 s.
//
//	go test ./backend -run '^$' -bench Preflight1000 -count 5
func BenchmarkPreflight1000(b *testing.B) {
	l := startBenchLab(b, scaleVMs)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	e := backend.NewEngine(l.Specs)
	e.SetMapping(l.Mapping)
	e.SetProfile(l.Profile)
	e.SetSimulated(true)
	e.Start(ctx)
	defer e.Close()
	if err := e.WaitLoaded(ctx); err != nil {
		b.Fatal(err)
	}
	keys, _ := siteVMs(b, e, "site-a", 1000)
	if len(keys) != 1000 {
		b.Fatalf("%d VMs at site-a, want 1,000", len(keys))
	}
	var findings int
	var engine, simulator time.Duration
	b.ResetTimer()
	for b.Loop() {
		e.ForgetDetailsForTest()
		cpu0, lab0 := selfCPU(), l.cpu(b)
		res, err := e.Preflight(ctx, tester, preflight.Request{VMs: keys, To: "site-b"})
		engine += selfCPU() - cpu0
		simulator += l.cpu(b) - lab0
		if err != nil {
			b.Fatal(err)
		}
		findings = len(res.Findings)
		for _, f := range res.Findings {
			if f.Code == preflight.CodeDetailsMissing {
				b.Fatalf("details missing: %+v", f)
			}
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(b.Elapsed().Seconds()/n, "preflight_s")
	b.ReportMetric(engine.Seconds()/n, "engine_cpu_s")
	b.ReportMetric(simulator.Seconds()/n, "lab_cpu_s")
	b.ReportMetric(float64(findings), "findings")
}

// BenchmarkEvacuation200 evacuates 200 VMs of site A to site B through the governor with its
// defaults (a cap of 8 at once, 250 Mbps of DCI a move, 8 a host, and no more moves than keep
// the DCI full at the hosts' 10 GbE line rate: 3 on the lab's idle 2×10 Gbps DCI) on a lab
// whose every move takes the same simulated time (lab.Options.MoveSeconds, 20 s; the lab at
// 10× real time, so the lab's and the engine's real-time costs count ten times over). The
// ideal for the governor's limits is then arithmetic: ⌈200/limit⌉ rounds of 20 s at the
// highest limit the governor set, or the busiest host's rounds under 8 a host
// (lab.EvacuationBoundFixed), a lower bound no schedule under that limit beats. Target:
// makespan ≤ 1.15 × the ideal. It fails when more moves run than the governor allows. It
// also reports the real time lost between moves (medians): from the governor's start to
// vCenter's task, from the task's end to the engine's, and from one move's end to the start
// of the next.
//
//	go test ./backend -run '^$' -bench Evacuation200 -count 3
func BenchmarkEvacuation200(b *testing.B) {
	const (
		n        = 200
		speed    = 10.0
		moveTime = 20.0 // simulated seconds
	)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := startGovRig(b, lab.Options{Speed: speed, VMsPerSite: 400, MoveSeconds: moveTime}, backend.GovernorSettings{}, time.Second)
		st := r.e.Snapshot()
		gov := st.Governor
		hard := min(gov.Cap, int(gov.AvailableMbps/gov.NeedMbps))
		keys, acked := movable(b, r.e, n)
		picked := map[model.VMKey]model.VM{}
		a, _ := st.Site(siteA)
		for _, vm := range a.VMs {
			picked[vm.Key] = vm
		}

		// The most moves running at once, in every State the engine publishes.
		ctx, cancel := context.WithCancel(context.Background())
		maxRunning, highest := 0, 0
		watched := make(chan struct{})
		var ids map[string]bool
		idsReady := make(chan struct{})
		go func() {
			defer close(watched)
			<-idsReady
			for st := range r.e.Subscribe(ctx) {
				running := 0
				for _, m := range st.Moves {
					if ids[m.ID] && m.State == model.MoveRunning {
						running++
					}
				}
				maxRunning, highest = max(maxRunning, running), max(highest, st.Governor.Limit)
			}
		}()

		b.StartTimer()
		req := preflight.Request{VMs: keys, To: siteB}
		out, err := r.e.Migrate(ctx, tester, req, acked)
		if err != nil || len(out.Moves) != n {
			b.Fatalf("migrate: %v; %d moves, skipped %+v", err, len(out.Moves), out.Skipped)
		}
		ids = map[string]bool{}
		for _, m := range out.Moves {
			ids[m.ID] = true
		}
		close(idsReady)
		st = r.await(b, "the evacuation ends", 15*time.Minute, func(st model.State) bool {
			running, queued, _, _ := tally(movesOf(st, moveIDs(out.Moves)))
			return running == 0 && queued == 0
		})
		b.StopTimer()
		cancel()
		<-watched

		var first, last time.Time
		var vms []lab.PredictVM
		for _, m := range movesOf(st, moveIDs(out.Moves)) {
			if m.State != model.MoveDone {
				b.Fatalf("%s %s: %s %q", m.ID, m.VMName, m.State, m.Err)
			}
			if first.IsZero() || m.Started.Before(first) {
				first = m.Started
			}
			last = maxTime(last, m.Ended)
			vm := picked[m.VM]
			vms = append(vms, lab.PredictVM{Name: m.VMName,
				Hosts: []string{string(siteA) + "/" + vm.HostRef.Value, string(siteB) + "/" + m.Target.Host.Value}})
		}
		makespan := last.Sub(first).Seconds() * speed
		limit := min(max(highest, 1), hard)
		bound := lab.EvacuationBoundFixed(vms, lab.BoundLimits{Concurrent: limit, PerHost: migrate.HostLimit10GbE}, moveTime)
		ratio := makespan / bound.Seconds
		lags := moveLags(b, r.l, movesOf(st, moveIDs(out.Moves)))
		b.ReportMetric(makespan, "makespan_s")
		b.ReportMetric(bound.Seconds, "ideal_s")
		b.ReportMetric(ratio, "ratio")
		b.ReportMetric(float64(maxRunning), "max_concurrent")
		b.ReportMetric(float64(limit), "limit")
		b.ReportMetric(lags.start.Seconds()*1000, "start_lag_ms")
		b.ReportMetric(lags.end.Seconds()*1000, "end_lag_ms")
		b.ReportMetric(lags.handoff.Seconds()*1000, "handoff_ms")
		b.Logf("%d moves of %.0f s each: makespan %.1f s simulated (%.1f s real), ideal %.1f s (%s bound, %d at once; the "+
			"cap and the DCI's 250 Mbps a move allow %d): %.3f×; at most %d running; real time between moves (medians): %v "+
			"from the governor's start to vCenter's task, %v from the task's end to the engine's, %v from one move's end to "+
			"the next one's start", n, moveTime, makespan, makespan/speed, bound.Seconds, bound.Binding, limit, hard, ratio,
			maxRunning, lags.start, lags.end, lags.handoff)
		if maxRunning > limit {
			b.Fatalf("%d moves ran at once, over the governor's limit of %d", maxRunning, limit)
		}
		if ratio < 1 {
			b.Errorf("makespan %.1f s is below the ideal %.1f s: the ideal is not a lower bound", makespan, bound.Seconds)
		}
		if ratio > 1.15 {
			b.Errorf("makespan %.1f s is %.3f× the ideal %.1f s (over 1.15×)", makespan, ratio, bound.Seconds)
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// movable picks n VMs of site A that preflight does not block from moving to site B, and
// the warnings to acknowledge for each.
func movable(tb testing.TB, e *backend.Engine, n int) ([]model.VMKey, map[model.VMKey][]string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	all, _ := siteVMs(tb, e, siteA, 0)
	res, err := e.Preflight(ctx, tester, preflight.Request{VMs: all, To: siteB})
	if err != nil {
		tb.Fatal(err)
	}
	blocked := map[model.VMKey]bool{}
	warned := map[model.VMKey][]string{}
	var everyone []string
	for _, f := range res.Findings {
		switch {
		case f.Severity == preflight.Block && f.VM == (model.VMKey{}):
			tb.Fatalf("preflight blocks every VM: %s", f.Message)
		case f.Severity == preflight.Block:
			blocked[f.VM] = true
		case f.Severity == preflight.Warn && f.VM == (model.VMKey{}):
			everyone = append(everyone, f.Code)
		case f.Severity == preflight.Warn:
			warned[f.VM] = append(warned[f.VM], f.Code)
		}
	}
	var keys []model.VMKey
	acked := map[model.VMKey][]string{}
	for _, vm := range res.VMs {
		if len(keys) == n {
			break
		}
		if blocked[vm.Key] || vm.Template {
			continue
		}
		keys = append(keys, vm.Key)
		acked[vm.Key] = append(append([]string(nil), everyone...), warned[vm.Key]...)
	}
	if len(keys) < n {
		tb.Fatalf("only %d of site A's %d VMs may move", len(keys), len(all))
	}
	return keys, acked
}
