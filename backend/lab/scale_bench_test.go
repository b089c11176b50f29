package lab

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
)

// BenchmarkLabBuild measures a lab of N VMs in total from Start until it is ready: both
// vCenters answer a SOAP call (RetrieveServiceContent over TLS, the certificate pinned) and
// every simulated switch accepts a TCP connection. It reports the live heap after the build
// and, where it is known, the CPU time the process spent getting ready (which, unlike the
// time, does not depend on what else the machine runs).
//
//	go test ./backend/lab -run '^$' -bench LabBuild -benchtime 1x -count 5
func BenchmarkLabBuild(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("vms=%d", n), func(b *testing.B) {
			var heap uint64
			var cpu time.Duration
			for b.Loop() {
				before, _ := processCPU()
				l := startReady(b, n)
				b.StopTimer()
				after, ok := processCPU()
				if ok {
					cpu += after - before
				}
				heap = liveHeap()
				l.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
			if _, ok := processCPU(); ok {
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			}
		})
	}
}

// startReady starts a lab of n VMs in total and waits until it is ready (see
// BenchmarkLabBuild).
func startReady(tb testing.TB, n int) *Lab {
	tb.Helper()
	ctx := context.Background()
	l, err := Start(ctx, scaleOptions(n))
	if err != nil {
		tb.Fatal(err)
	}
	for _, ep := range l.Endpoints() {
		u, err := soap.ParseURL(ep.URL)
		if err != nil {
			l.Close()
			tb.Fatal(err)
		}
		sc := soap.NewClient(u, false)
		sc.SetThumbprint(u.Host, ep.Thumbprint)
		if _, err := vim25.NewClient(ctx, sc); err != nil {
			l.Close()
			tb.Fatalf("%s: %v", ep.ID, err)
		}
		sc.CloseIdleConnections()
	}
	for _, sw := range l.Fabric().Switches() {
		c, err := net.Dial("tcp", net.JoinHostPort(sw.Host, strconv.Itoa(sw.Port)))
		if err != nil {
			l.Close()
			tb.Fatalf("switch %s: %v", sw.Name, err)
		}
		_ = c.Close()
	}
	return l
}

// liveHeap is the heap in use after a collection: what the running lab holds.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// scaleOptions are the options of a lab of n VMs in total.
func scaleOptions(n int) Options { return Options{VMs: n} }
