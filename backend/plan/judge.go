package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// Judge brings a plan up to date with preflight's judgement of its VMs (the way back is
// made without one): each VM found (resolved: plan VM name → its key at the plan's source
// now) takes its current MoRef, its sizes and the warnings to acknowledge; a VM preflight
// blocks (but for findings that clear by themselves: see Passing), or one not found
// (missing: name → why), moves to Skipped with the reason, and its partners with it.
func Judge(p Plan, res preflight.Result, resolved map[string]model.VMKey, missing map[string]string) Plan {
	byKey := map[model.VMKey]int{}
	for i, vm := range res.VMs {
		byKey[vm.Key] = i
	}
	skip := map[string]string{}
	for name, why := range missing {
		skip[name] = why
	}
	for _, v := range p.VMs() {
		k, ok := resolved[v.Name]
		if !ok {
			if _, miss := skip[v.Name]; !miss {
				skip[v.Name] = "not found at " + string(p.From)
			}
			continue
		}
		if i, ok := byKey[k]; ok && Blocked(res.Findings, res.VMs[i].Key) {
			skip[v.Name] = "blocked: " + strings.Join(codes(res.Findings, k, preflight.Block), ", ")
		}
	}
	// Partners stay with a partner that stays.
	for changed := true; changed; {
		changed = false
		for _, v := range p.VMs() {
			if _, ok := skip[v.Name]; ok {
				continue
			}
			for _, partner := range v.Partners {
				if why, ok := skip[partner]; ok {
					skip[v.Name] = fmt.Sprintf("partner of %s, which stays (%s): a guest cluster moves whole or not at all", partner, why)
					changed = true
					break
				}
			}
		}
	}
	out := p
	out.Waves = nil
	out.Skipped = slices.Clone(p.Skipped)
	for _, w := range p.Waves {
		nw := Wave{Wave: w.Wave}
		for _, v := range w.VMs {
			if why, ok := skip[v.Name]; ok {
				out.Skipped = append(out.Skipped, Skipped{Name: v.Name, MoRef: v.MoRef, InstanceUUID: v.InstanceUUID, Reason: why})
				continue
			}
			k := resolved[v.Name]
			v.MoRef = k.MoRef
			if i, ok := byKey[k]; ok {
				vm := res.VMs[i]
				if vm.InstanceUUID != "" {
					v.InstanceUUID = vm.InstanceUUID
				}
				v.MemoryMiB, v.PoweredOff = int64(vm.MemoryMiB), vm.Power != model.PoweredOn
				v.Host, v.Cluster = vm.Host, vm.Cluster
				if i < len(res.Estimates) {
					v.DiskMiB = res.Estimates[i].DiskB >> 20
				}
				v.Acknowledge = warnings(res.Findings, k)
			}
			nw.VMs = append(nw.VMs, v)
		}
		if len(nw.VMs) > 0 {
			sortBiggestFirst(nw.VMs)
			out.Waves = append(out.Waves, nw)
		}
	}
	return out
}
