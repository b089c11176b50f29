package sim

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmcross/vmcross/fabric/parse"
)

// dciRates reads an interface of a DCI edge as a monitor does: `show interface` through
// fabric/parse, its BW in Mbps and its first load interval's rates in Mbps.
func dciRates(t *testing.T, f *Fabric, sw, iface string) (bwMbps, inMbps, outMbps int64) {
	t.Helper()
	is, err := parse.NXOSInterfaces(run(t, f, sw, "show interface "+iface))
	if err != nil || len(is) != 1 {
		t.Fatalf("%s %s: %v %+v", sw, iface, err, is)
	}
	i := is[0]
	if !i.HasRates || i.RateSeconds != 30 {
		t.Fatalf("%s %s: no 30-second rates: %+v", sw, iface, i)
	}
	return i.BandwidthKbit / 1000, i.InputBps / 1_000_000, i.OutputBps / 1_000_000
}

type rateRow struct{ bw, in, out int64 }

func rowOf(t *testing.T, f *Fabric, sw, iface string) rateRow {
	t.Helper()
	bw, in, out := dciRates(t, f, sw, iface)
	return rateRow{bw, in, out}
}

// The DCI's background load shows in the DCI port-channel's rates at both edges (what one
// sends, the other receives), split evenly over the bundled members.
func TestDCILoadDefault(t *testing.T) {
	f := startFabric(t, Options{})
	load := int64(DefaultDCILoadMbps)
	back := int64(float64(load) * dciReturnShare)
	want := map[string]rateRow{
		miaEdge + " po10":   {20000, back, load},
		miaEdge + " e3/1":   {10000, back / 2, load / 2},
		miaEdge + " e3/2":   {10000, back / 2, load / 2},
		atlEdge + " po10":   {20000, load, back},
		atlEdge + " eth3/2": {10000, load / 2, back / 2},
	}
	for k, w := range want {
		sw, iface, _ := strings.Cut(k, " ")
		if got := rowOf(t, f, sw, iface); got != w {
			t.Errorf("%s: BW/in/out %+v Mbps, want %+v", k, got, w)
		}
	}
	if s := f.Snapshot(); s.DCICapacityMbps != 20000 || s.DCILoadMbps != DefaultDCILoadMbps {
		t.Errorf("snapshot: capacity %d, load %d", s.DCICapacityMbps, s.DCILoadMbps)
	}
	// The site trunks keep their own traffic.
	if _, in, _ := dciRates(t, f, miaEdge, "po20"); in == 0 || in == load {
		t.Errorf("Po20 input %d Mbps", in)
	}

	idle := startFabric(t, Options{DCILoadMbps: -1})
	if got := rowOf(t, idle, atlEdge, "po10"); got != (rateRow{20000, 0, 0}) {
		t.Errorf("idle DCI: %+v", got)
	}
}

// SetDCILoad and AddDCITraffic change the rates from the next command; a member shut
// carries nothing and takes its BW out of the port-channel's, which then carries no more
// than its one member can.
func TestDCILoadChanges(t *testing.T) {
	f := startFabric(t, Options{})
	f.SetDCILoad(5000)
	if got := rowOf(t, f, miaEdge, "po10"); got.out != 5000 || got.in != 4800 {
		t.Errorf("after SetDCILoad(5000): %+v", got)
	}
	release := f.AddDCITraffic(3000)
	if got := rowOf(t, f, atlEdge, "po10"); got.in != 8000 || got.out != 7800 {
		t.Errorf("with 3000 Mbps added: %+v", got)
	}
	if s := f.Snapshot(); s.DCILoadMbps != 8000 {
		t.Errorf("snapshot load %d", s.DCILoadMbps)
	}

	run(t, f, miaEdge, "conf t", "interface Ethernet3/1", "shutdown", "end")
	for _, sw := range []string{miaEdge, atlEdge} {
		if got := rowOf(t, f, sw, "e3/1"); got != (rateRow{10000, 0, 0}) {
			t.Errorf("%s shut member: %+v", sw, got)
		}
		po := rowOf(t, f, sw, "po10")
		if po.bw != 10000 || max(po.in, po.out) != 8000 {
			t.Errorf("%s Po10 on one member: %+v", sw, po)
		}
		if m := rowOf(t, f, sw, "e3/2"); m.in != po.in || m.out != po.out {
			t.Errorf("%s the member up carries it all: %+v, Po10 %+v", sw, m, po)
		}
	}
	f.SetDCILoad(9000) // 12 Gbps offered to 10 Gbps
	if got := rowOf(t, f, miaEdge, "po10"); got.out != 10000 || got.in != 10000 {
		t.Errorf("congested: %+v", got)
	}
	if s := f.Snapshot(); s.DCICapacityMbps != 10000 || s.DCILoadMbps != 12000 {
		t.Errorf("snapshot: capacity %d, load %d", s.DCICapacityMbps, s.DCILoadMbps)
	}

	var wg sync.WaitGroup
	for range 3 {
		wg.Go(release) // only the first call counts
	}
	wg.Wait()
	run(t, f, miaEdge, "conf t", "interface Ethernet3/1", "no shutdown", "end")
	if got := rowOf(t, f, miaEdge, "po10"); got != (rateRow{20000, 8640, 9000}) {
		t.Errorf("released, member back: %+v", got)
	}
	run(t, f, atlEdge, "conf t", "int po10", "shutdown", "end")
	if got := rowOf(t, f, miaEdge, "po10"); got.in != 0 || got.out != 0 {
		t.Errorf("DCI down still carries %+v", got)
	}
	if s := f.Snapshot(); s.DCICapacityMbps != 0 {
		t.Errorf("snapshot capacity with the DCI down: %d", s.DCICapacityMbps)
	}
}

// The load moves the traffic counters: the DCI member's input packets grow with it.
func TestDCILoadCounters(t *testing.T) {
	f := startFabric(t, Options{DCILoadMbps: 100_000}) // capped at 20 Gbps
	before := packetsIn(t, f)
	waitFor(t, "input packets to grow", func() bool { return packetsIn(t, f) > before })
}

func packetsIn(t *testing.T, f *Fabric) float64 {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle(time.Now())
	return f.byName[atlEdge].byName["Ethernet3/1"].rxPkts
}
