package backend

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"testing"
	"time"
)

// addVMs creates n more VMs in parallel: vcsim's stock Model.Create builds them one task
// at a time (each task wait costs at least one 20 ms collector tick).
func addVMs(b *testing.B, vc *vcenter, n int) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	create := vc.vmCreator(b)
	jobs := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := create(ctx, fmt.Sprintf("bench-%05d", i)); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// benchVMs is how many VMs BenchmarkLoad adds to the VPX model's four. Building them costs
// about 15 ms a VM in vcsim, so the default keeps the benchmark quick.
var benchVMs = flag.Int("bench-vms", 500, "VMs BenchmarkLoad adds to the simulator")

// BenchmarkLoad measures connect, login and the initial load of about 2,000 VMs through
// one ContainerView over TLS.
func BenchmarkLoad(b *testing.B) {
	vc := newVCenter(b, "site-a", nil)
	start := time.Now()
	addVMs(b, vc, *benchVMs)
	b.Logf("built %d VMs in %s", *benchVMs, time.Since(start).Round(time.Millisecond))
	var vms int
	b.ResetTimer()
	for b.Loop() {
		site := NewSite(vc.spec, testOpts...)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = site.Run(ctx) }()
		<-site.Settled()
		if err := site.LoadErr(); err != nil {
			b.Fatal(err)
		}
		vms = len(site.Snapshot().VMs)
		cancel()
		<-done
	}
	b.ReportMetric(float64(vms), "VMs")
}
