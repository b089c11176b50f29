package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// ApprovedMove is the move the operator approved in the review: the VMs that would move,
// each with where it goes and the warnings the operator acknowledged for it. The move
// request to the engine (ReviewView.start) is built from it.
type ApprovedMove struct {
	// Result is the judgement the approval rests on.
	Result preflight.Result
	// VMs would move: nothing blocks them, and their warnings, if any, are acknowledged.
	// In the review's order.
	VMs []ApprovedVM
}

// ApprovedVM is one VM of an approved move.
type ApprovedVM struct {
	VM       model.VM
	Target   preflight.Target
	Estimate preflight.Estimate
	// Acknowledged are the warnings the operator acknowledged for this VM (each names its
	// Code and Object), those about the whole selection included; empty for a clear VM.
	Acknowledged []preflight.Finding
}

// Approved is the move the review would start: the VMs nothing blocks whose warnings are
// acknowledged, with their targets. It is an error, saying why, while the review has no
// current judgement (not judged yet, being judged again, or the last judgement failed) or
// when nothing would move.
func (r *ReviewView) Approved() (ApprovedMove, error) {
	switch {
	case !r.have && r.err == nil:
		return ApprovedMove{}, errors.New("not judged yet")
	case r.loading:
		return ApprovedMove{}, errors.New("the review is being judged again: confirm once it is done")
	case r.err != nil:
		return ApprovedMove{}, fmt.Errorf("the last judgement failed: %w", r.err)
	}
	move := ApprovedMove{Result: r.res}
	for _, vm := range r.res.VMs {
		if !r.wouldMove(vm.Key) {
			continue
		}
		move.VMs = append(move.VMs, ApprovedVM{VM: vm, Target: r.targetOf(vm.Key), Estimate: r.estimateOf(vm.Key),
			Acknowledged: r.warnings(vm.Key)})
	}
	if len(move.VMs) == 0 {
		return move, errors.New(r.plan().nothing(r.common))
	}
	return move, nil
}

// findingKey is what an acknowledgement remembers of a warning: its code and object.
type findingKey struct{ code, object string }

func keyOf(f preflight.Finding) findingKey { return findingKey{f.Code, f.Object} }

// warnings are the warnings that apply to a VM: its own and those about the whole
// selection.
func (r *ReviewView) warnings(vm model.VMKey) []preflight.Finding {
	return preflight.Warnings(r.res.Findings, vm)
}

// acked reports whether the operator acknowledged the VM's warnings.
func (r *ReviewView) acked(vm model.VMKey) bool { return r.acks[vm] != nil }

// wouldMove reports whether confirming would move the VM: nothing blocks it, and it has no
// warnings or they are acknowledged.
func (r *ReviewView) wouldMove(vm model.VMKey) bool {
	return !preflight.Blocked(r.res.Findings, vm) && (r.acked(vm) || len(r.warnings(vm)) == 0)
}

// reconcileAcks withdraws the acknowledgement of every VM a new answer brings a warning the
// acknowledgement did not cover, and says so in a sentence ("" when none was withdrawn).
func (r *ReviewView) reconcileAcks() string {
	var names []string
	var first []preflight.Finding
	for _, vm := range r.res.VMs {
		seen := r.acks[vm.Key]
		ws := r.warnings(vm.Key)
		if seen == nil {
			if len(ws) == 0 {
				delete(r.lapsed, vm.Key) // nothing left to acknowledge
			}
			continue
		}
		var fresh []preflight.Finding
		for _, f := range ws {
			if !seen[keyOf(f)] {
				fresh = append(fresh, f)
			}
		}
		if len(fresh) == 0 {
			continue
		}
		delete(r.acks, vm.Key)
		r.lapsed[vm.Key] = fresh
		names = append(names, clean(vm.Name))
		if first == nil {
			first = fresh
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("acknowledgement withdrawn: %s has a new warning (%s)", names[0], findingNames(first))
	}
	return fmt.Sprintf("acknowledgements withdrawn: %s have new warnings", strings.Join(names, ", "))
}

// findingNames names findings by code and object: "SNAPSHOTS 3 snapshots, RTT_UNKNOWN dci".
func findingNames(fs []preflight.Finding) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = strings.TrimSpace(clean(f.Code + " " + f.Object))
	}
	return strings.Join(parts, ", ")
}

// planCounts is what confirming would do with the judged VMs.
type planCounts struct {
	would   int // nothing blocks them and their warnings are acknowledged (or they have none)
	blocked int
	unacked int // not blocked, with warnings not acknowledged
}

func (r *ReviewView) plan() planCounts {
	var p planCounts
	if !r.have {
		return p
	}
	for _, vm := range r.res.VMs {
		switch {
		case preflight.Blocked(r.res.Findings, vm.Key):
			p.blocked++
		case r.wouldMove(vm.Key):
			p.would++
		default:
			p.unacked++
		}
	}
	return p
}

// sentence says what confirming would move and what stays: "3 VMs would move; 1 blocked
// stays; 2 with warnings not acknowledged stay (a acknowledges)".
func (p planCounts) sentence(c Common) string {
	parts := []string{plural(p.would, "VM") + " would move"}
	if p.blocked > 0 {
		parts = append(parts, fmt.Sprintf("%d blocked %s", p.blocked, verb(p.blocked, "stays", "stay")))
	}
	if p.unacked > 0 {
		parts = append(parts, fmt.Sprintf("%d with warnings not acknowledged %s (%s acknowledges)",
			p.unacked, verb(p.unacked, "stays", "stay"), c.KeyMap.Acknowledge.Help().Key))
	}
	return strings.Join(parts, "; ")
}

// nothing says why nothing would move.
func (p planCounts) nothing(c Common) string {
	if p.unacked == 0 {
		return "nothing can move: every VM is blocked (a block cannot be overridden)"
	}
	s := fmt.Sprintf("nothing would move: %d with warnings not acknowledged (%s acknowledges)",
		p.unacked, c.KeyMap.Acknowledge.Help().Key)
	if p.blocked > 0 {
		s += fmt.Sprintf("; %d blocked", p.blocked)
	}
	return s
}

// verb is one for n == 1, else many.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// indexAnswer finds each VM's target and estimate in a new answer.
func (r *ReviewView) indexAnswer() {
	r.targetAt = make(map[model.VMKey]int, len(r.res.Targets))
	for i, t := range r.res.Targets {
		r.targetAt[t.VM] = i
	}
	r.estimateAt = make(map[model.VMKey]int, len(r.res.Estimates))
	for i, e := range r.res.Estimates {
		r.estimateAt[e.VM] = i
	}
}

// targetOf is where the answer sends a VM; zero when it does not say.
func (r *ReviewView) targetOf(vm model.VMKey) preflight.Target {
	if i, ok := r.targetAt[vm]; ok {
		return r.res.Targets[i]
	}
	return preflight.Target{}
}

// estimateOf is what moving a VM sends across the DCI; zero when the answer does not say.
func (r *ReviewView) estimateOf(vm model.VMKey) preflight.Estimate {
	if i, ok := r.estimateAt[vm]; ok {
		return r.res.Estimates[i]
	}
	return preflight.Estimate{}
}
