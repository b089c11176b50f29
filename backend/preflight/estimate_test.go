package preflight

import (
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

func TestEstimates(t *testing.T) {
	clean := cleanVM("vm-1", "web-01") // 4 GiB running, disk on the shared datastore
	local := cleanVM("vm-2", "web-02") // 4 GiB running, 40 GiB on a local datastore
	onLocalDatastore(&local)
	off := cleanVM("vm-3", "web-03") // powered off, no details
	off.VM.Power, off.Details = model.PoweredOff, nil
	blocked := cleanVM("vm-4", "web-04")
	blocked.Details.FaultTolerance = "primary"

	in := baseInput(clean, local, off, blocked)
	for i := range in.Fabric.Trunks {
		in.Fabric.Trunks[i].CapacityMbps, in.Fabric.Trunks[i].UsedMbps = 0, 0 // not measured
	}
	in = judged(in)
	targets := MapVMs(in.Source, in.Target, in.Mapping, []model.VM{clean.VM, local.VM, off.VM, blocked.VM}, nil)
	es, tot := Estimates(in, targets, Check(in))

	want := []struct {
		mem, disk int64
		known     bool
	}{{4 << 30, 0, true}, {4 << 30, 40 << 30, true}, {0, 0, false}, {4 << 30, 0, true}}
	for i, w := range want {
		if e := es[i]; e.MemoryB != w.mem || e.DiskB != w.disk || e.DiskKnown != w.known {
			t.Errorf("estimate %d = %+v, want memory %d disk %d known %v", i, e, w.mem, w.disk, w.known)
		}
	}
	// Not measured: the profile's 250 Mbps. 4 GiB = 34.36 Gbit: 137 s.
	if es[0].Duration != 137*time.Second {
		t.Errorf("4 GiB at 250 Mbps = %s, want 2m17s", es[0].Duration)
	}
	if tot.BandwidthMeasured || tot.BandwidthMbps != 250 {
		t.Errorf("bandwidth = %d measured %v, want the profile's 250, not measured", tot.BandwidthMbps, tot.BandwidthMeasured)
	}
	// The blocked VM (FT) is left out of what moves.
	if tot.VMs != 4 || tot.Blocked != 1 || tot.Movable != 3 || tot.MemoryB != 8<<30 || tot.DiskB != 40<<30 || tot.DiskUnknown != 1 {
		t.Errorf("totals = %+v", tot)
	}
	if got, want := tot.Duration, sendTime(48<<30, 250); got != want || got < 27*time.Minute {
		t.Errorf("total duration = %s, want %s", got, want)
	}
}

func TestEstimatesAtMeasuredBandwidth(t *testing.T) {
	in := judged(baseInput(cleanVM("vm-1", "web-01"))) // 18.8 Gbps free
	es, tot := Estimates(in, MapVMs(in.Source, in.Target, in.Mapping, []model.VM{in.VMs[0].VM}, nil), Check(in))
	if !tot.BandwidthMeasured || tot.BandwidthMbps != 18800 {
		t.Fatalf("bandwidth = %d measured %v, want 18800 measured", tot.BandwidthMbps, tot.BandwidthMeasured)
	}
	// 4 GiB = 34.36 Gbit at 18.8 Gbps: 1.83 s, to the second 2 s.
	if es[0].Duration != 2*time.Second || tot.Duration != 2*time.Second {
		t.Fatalf("duration %s / %s, want 2s", es[0].Duration, tot.Duration)
	}
}
