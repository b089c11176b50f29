package preflight

import (
	"time"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric"
)

// Estimate is what moving one VM sends across the DCI and about how long it takes.
type Estimate struct {
	VM model.VMKey `json:"vm"`
	// MemoryB is the memory a vMotion pre-copies (a running VM's configured memory; 0 for a
	// cold migration).
	MemoryB int64 `json:"memory_bytes"`
	// DiskB is the storage that moves with the VM: its disks on datastores the target hosts
	// do not mount (RDMs stay on their LUN). DiskKnown is false without the VM's details.
	DiskB     int64 `json:"disk_bytes"`
	DiskKnown bool  `json:"disk_known"`
	// Duration is the time to send MemoryB and DiskB at Totals.BandwidthMbps, the VM alone
	// on the DCI: the first pre-copy pass. Memory the guest dirties meanwhile is sent again,
	// so a busy VM takes longer.
	Duration time.Duration `json:"duration"`
}

// Totals sum up a selection for the review.
type Totals struct {
	VMs     int `json:"vms"`
	Blocked int `json:"blocked"`
	// Movable counts the VMs nothing blocks.
	Movable int `json:"movable"`
	// MemoryB and DiskB are what the movable VMs send across the DCI; DiskUnknown counts
	// movable VMs whose disks are not known (no details).
	MemoryB     int64 `json:"memory_bytes"`
	DiskB       int64 `json:"disk_bytes"`
	DiskUnknown int   `json:"disk_unknown,omitempty"`
	// BandwidthMbps is the DCI bandwidth the estimate assumes: what the DCI has free now
	// (BandwidthMeasured), else the profile's minimum.
	BandwidthMbps     int64 `json:"bandwidth_mbps"`
	BandwidthMeasured bool  `json:"bandwidth_measured"`
	// Duration is the time to send all of it at BandwidthMbps: the moves share the DCI, so
	// running them side by side does not make the whole faster.
	Duration time.Duration `json:"duration"`
}

// Estimates returns, for each VM of the input in order, what its move sends and how long
// that takes, and the totals over the VMs the findings do not block. targets are the VMs'
// targets in the same order.
func Estimates(in Input, targets []Target, findings []Finding) ([]Estimate, Totals) {
	tot := Totals{VMs: len(in.VMs)}
	if free, ok := dciFreeMbps(in.Fabric); ok {
		tot.BandwidthMbps, tot.BandwidthMeasured = free, true
	} else {
		tot.BandwidthMbps = int64(in.Profile.MinBandwidthMbps)
	}
	out := make([]Estimate, len(in.VMs))
	for i := range in.VMs {
		s := &in.VMs[i]
		e := Estimate{VM: s.VM.Key}
		if s.VM.Power == model.PoweredOn {
			e.MemoryB = int64(s.VM.MemoryMiB) << 20
		}
		e.DiskKnown = s.Details != nil
		if i < len(targets) {
			for _, c := range targets[i].Datastores {
				if c.Shared || !c.Found() {
					continue
				}
				n, _ := diskBytesOn(s.Details, c)
				e.DiskB += n
			}
		}
		e.Duration = sendTime(e.MemoryB+e.DiskB, tot.BandwidthMbps)
		out[i] = e
		if Blocked(findings, s.VM.Key) {
			tot.Blocked++
			continue
		}
		tot.Movable++
		tot.MemoryB += e.MemoryB
		tot.DiskB += e.DiskB
		if !e.DiskKnown {
			tot.DiskUnknown++
		}
	}
	tot.Duration = sendTime(tot.MemoryB+tot.DiskB, tot.BandwidthMbps)
	return out, tot
}

// sendTime is how long b bytes take at mbps megabits a second, to the second (0 when
// nothing is sent or the bandwidth is unknown).
func sendTime(b, mbps int64) time.Duration {
	if b <= 0 || mbps <= 0 {
		return 0
	}
	s := float64(b) * 8 / (float64(mbps) * 1e6)
	return max(time.Duration(s*float64(time.Second)).Round(time.Second), time.Second)
}

// dciFreeMbps is the bandwidth the DCI has free now, as the switches report it, and false
// when it is not known.
func dciFreeMbps(h fabric.Health) (int64, bool) {
	_, _, free, ok := dciBandwidth(h)
	return free, ok
}

// dciBandwidth is the DCI's capacity, use and free bandwidth in Mbps as the switches report
// them, and false when they are not known.
func dciBandwidth(h fabric.Health) (capacity, used, free int64, ok bool) {
	b := h.Bandwidth
	if !h.Configured || !b.Known {
		return 0, 0, 0, false
	}
	return b.CapacityMbps, b.UsedMbps, b.FreeMbps(), true
}
