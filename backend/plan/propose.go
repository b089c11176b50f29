package plan

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// Group is a set of VMs that must move in the same wave, and why: the nodes of a guest
// cluster (a DRS affinity or anti-affinity rule, a DRS VM group, a shared RDM LUN).
type Group struct {
	Why string
	VMs []model.VMKey
	// Names are the VMs' names, in the order of VMs (those outside the selection are named
	// in the plan's notes).
	Names []string
}

// OrderRule gives the VMs whose name matches Glob (path.Match, case-insensitive) an order.
type OrderRule struct {
	Glob  string
	Order int
}

// ParseOrderRule reads "GLOB=N" (--order 'db-*=1').
func ParseOrderRule(s string) (OrderRule, error) {
	glob, num, ok := strings.Cut(s, "=")
	glob = strings.TrimSpace(glob)
	if !ok || glob == "" {
		return OrderRule{}, fmt.Errorf("%q: write NAME-GLOB=N, e.g. 'db-*=1'", s)
	}
	if _, err := path.Match(strings.ToLower(glob), ""); err != nil {
		return OrderRule{}, fmt.Errorf("%q: %s is not a valid name pattern", s, glob)
	}
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(num), "%d", &n); err != nil || fmt.Sprint(n) != strings.TrimSpace(num) {
		return OrderRule{}, fmt.Errorf("%q: %q is not a whole number", s, strings.TrimSpace(num))
	}
	return OrderRule{Glob: glob, Order: n}, nil
}

// OrderFor is the order of the first rule whose glob matches name.
func OrderFor(rules []OrderRule, name string) (int, bool) {
	for _, r := range rules {
		if ok, _ := path.Match(strings.ToLower(r.Glob), strings.ToLower(name)); ok {
			return r.Order, true
		}
	}
	return 0, false
}

// Input is what Propose plans from: the selection as preflight judged it, the VMs' order
// tags and guest-cluster groups.
type Input struct {
	ID        string
	Created   time.Time
	CreatedBy string
	Selection string
	// Result is preflight's judgement of the selected VMs (VMs, Targets, Findings,
	// Estimates), which also names the sites and the profile.
	Result preflight.Result
	// Profile is the profile to name in the plan ("": the configured one at run time).
	Profile string
	// Orders are the VMs' order tags: lower moves first; untagged VMs after every tagged one.
	Orders map[model.VMKey]int
	Groups []Group
	// WaveSize is how many VMs a wave holds (default DefaultWaveSize). A group larger
	// than that gets a wave of its own.
	WaveSize int
	// Waves, when set, fixes each VM's wave (the way back keeps the waves of the way out).
	Waves map[model.VMKey]int
	// Targets are targets to write into the plan (the way back: where each VM came from).
	Targets map[model.VMKey]Target
	Notes   []string
}

// candidate is one VM the plan may move.
type candidate struct {
	vm    model.VM
	bytes int64
	pv    VM
}

// Propose makes a plan of the selection: the VMs preflight blocks are skipped with the
// reason (and their partners with them: a guest cluster moves whole or not at all); the
// others go into waves: by order tag, lowest first, a wave never mixing two tags; a group of
// partners in one wave; within one tag the biggest movers spread over its waves (each VM,
// biggest first, into the wave with the fewest bytes that has room), and listed biggest
// first in their wave. Every warning preflight raised for a VM is listed to acknowledge.
func Propose(in Input) Plan {
	size := in.WaveSize
	if size <= 0 {
		size = DefaultWaveSize
	}
	res := in.Result
	p := Plan{Version: Version, ID: in.ID, From: res.From, To: res.To, Profile: in.Profile, Created: in.Created.UTC().Truncate(time.Second),
		CreatedBy: in.CreatedBy, Selection: in.Selection, WaveSize: size, Notes: slices.Clone(in.Notes)}

	idx := map[model.VMKey]int{}
	for i, vm := range res.VMs {
		idx[vm.Key] = i
	}
	// Partners: union of the groups, within the selection.
	uf := newUnion()
	whys := map[model.VMKey][]string{}
	for _, g := range in.Groups {
		var inSel []model.VMKey
		var outside []string
		for i, k := range g.VMs {
			if _, ok := idx[k]; ok {
				inSel = append(inSel, k)
				continue
			}
			name := k.MoRef
			if i < len(g.Names) && g.Names[i] != "" {
				name = g.Names[i]
			}
			outside = append(outside, name)
		}
		for _, k := range inSel {
			uf.join(inSel[0], k)
			if !slices.Contains(whys[k], g.Why) {
				whys[k] = append(whys[k], g.Why)
			}
		}
		if len(inSel) > 0 && len(outside) > 0 {
			p.Notes = append(p.Notes, fmt.Sprintf("%s: %d of its VMs are not in the selection (%s): they stay where they are",
				g.Why, len(outside), strings.Join(outside, ", ")))
		}
	}

	skip := map[model.VMKey]string{}
	waits := map[model.VMKey]bool{}
	for _, vm := range res.VMs {
		switch {
		case vm.Template:
			skip[vm.Key] = "a template: templates are not moved"
		case Blocked(res.Findings, vm.Key):
			skip[vm.Key] = "blocked: " + strings.Join(codes(res.Findings, vm.Key, preflight.Block), ", ")
		case preflight.Blocked(res.Findings, vm.Key):
			waits[vm.Key] = true
		}
	}
	if len(waits) > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("%s blocked now only by what clears by itself (%s): planned all the same; a wave waits for it to clear when the plan runs",
			plural(len(waits), "VM"), strings.Join(passingCodes(res.Findings), ", ")))
	}
	// A partner of a VM left out stays too.
	for _, vm := range res.VMs {
		if _, ok := skip[vm.Key]; ok {
			continue
		}
		for _, other := range res.VMs {
			if why, ok := skip[other.Key]; ok && other.Key != vm.Key && uf.same(vm.Key, other.Key) {
				skip[vm.Key] = fmt.Sprintf("partner of %s, which stays (%s): a guest cluster moves whole or not at all", other.Name, why)
				break
			}
		}
	}

	var cands []candidate
	for i, vm := range res.VMs {
		if why, ok := skip[vm.Key]; ok {
			p.Skipped = append(p.Skipped, Skipped{Name: vm.Name, MoRef: vm.Key.MoRef, InstanceUUID: vm.InstanceUUID, Reason: why})
			continue
		}
		pv := VM{Name: vm.Name, MoRef: vm.Key.MoRef, InstanceUUID: vm.InstanceUUID, MemoryMiB: int64(vm.MemoryMiB),
			PoweredOff: vm.Power != model.PoweredOn, Host: vm.Host, Cluster: vm.Cluster, Acknowledge: warnings(res.Findings, vm.Key)}
		if i < len(res.Estimates) {
			pv.DiskMiB = res.Estimates[i].DiskB >> 20
		}
		if o, ok := in.Orders[vm.Key]; ok {
			pv.Order = &o
		}
		if t, ok := in.Targets[vm.Key]; ok {
			t := t
			pv.Target = &t
		}
		if len(whys[vm.Key]) > 0 {
			pv.Group = strings.Join(whys[vm.Key], "; ")
			for _, other := range res.VMs {
				if other.Key != vm.Key && uf.same(vm.Key, other.Key) {
					pv.Partners = append(pv.Partners, other.Name)
				}
			}
			sort.Strings(pv.Partners)
		}
		cands = append(cands, candidate{vm: vm, bytes: pv.Bytes(), pv: pv})
	}

	if in.Waves != nil {
		p.Waves = fixedWaves(cands, in.Waves)
		return p
	}
	p.Waves = proposeWaves(cands, uf, size)
	for _, w := range p.Waves {
		if len(w.VMs) > size {
			p.Notes = append(p.Notes, fmt.Sprintf("wave %d holds %d VMs, more than the wave size of %d: the partners %s move together",
				w.Wave, len(w.VMs), size, strings.Join(names(w.VMs), ", ")))
		}
	}
	return p
}

// unit is VMs that move in one wave (a VM alone, or partners).
type unit struct {
	vms   []candidate
	order *int
	bytes int64
	name  string // the first member's: ties
}

// proposeWaves spreads the candidates over waves (see Propose).
func proposeWaves(cands []candidate, uf *union, size int) []Wave {
	byRoot := map[model.VMKey]*unit{}
	var units []*unit
	for _, c := range cands {
		r := uf.find(c.vm.Key)
		u := byRoot[r]
		if u == nil {
			u = &unit{name: c.vm.Name}
			byRoot[r] = u
			units = append(units, u)
		}
		u.vms = append(u.vms, c)
		u.bytes += c.bytes
		if c.pv.Order != nil && (u.order == nil || *c.pv.Order < *u.order) {
			o := *c.pv.Order
			u.order = &o
		}
	}
	// Every member of a unit moves under the unit's order.
	classes := map[string][]*unit{}
	var keys []*int
	for _, u := range units {
		k := "untagged"
		if u.order != nil {
			k = fmt.Sprint(*u.order)
		}
		if _, ok := classes[k]; !ok {
			keys = append(keys, u.order)
		}
		classes[k] = append(classes[k], u)
	}
	slices.SortFunc(keys, func(a, b *int) int {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return 1
		case b == nil:
			return -1
		}
		return cmp.Compare(*a, *b)
	})
	var waves []Wave
	for _, k := range keys {
		key := "untagged"
		if k != nil {
			key = fmt.Sprint(*k)
		}
		for _, bin := range spread(classes[key], size) {
			waves = append(waves, Wave{Wave: len(waves) + 1, VMs: bin})
		}
	}
	return waves
}

// bin is one wave being filled.
type bin struct {
	vms   []VM
	bytes int64
}

// spread puts the units of one order into waves: as many as their VMs need at size a wave,
// each unit, biggest first, into the wave with the fewest bytes that has room for it (a
// unit that fits nowhere opens a wave). So the biggest movers land in different waves.
func spread(units []*unit, size int) [][]VM {
	slices.SortStableFunc(units, func(a, b *unit) int {
		if c := cmp.Compare(b.bytes, a.bytes); c != 0 {
			return c
		}
		return model.CompareNames(a.name, b.name)
	})
	n := 0
	for _, u := range units {
		n += len(u.vms)
	}
	bins := make([]*bin, (n+size-1)/size)
	for i := range bins {
		bins[i] = &bin{}
	}
	for _, u := range units {
		var best *bin
		for _, b := range bins {
			if len(b.vms)+len(u.vms) > size {
				continue
			}
			if best == nil || b.bytes < best.bytes {
				best = b
			}
		}
		if best == nil {
			best = &bin{}
			bins = append(bins, best)
		}
		for _, c := range u.vms {
			best.vms = append(best.vms, c.pv)
		}
		best.bytes += u.bytes
	}
	var out [][]VM
	for _, b := range bins {
		if len(b.vms) == 0 {
			continue
		}
		sortBiggestFirst(b.vms)
		out = append(out, b.vms)
	}
	return out
}

// fixedWaves puts each candidate into the wave given for it (wave 1 when none is).
func fixedWaves(cands []candidate, fixed map[model.VMKey]int) []Wave {
	by := map[int][]VM{}
	for _, c := range cands {
		w := fixed[c.vm.Key]
		if w < 1 {
			w = 1
		}
		by[w] = append(by[w], c.pv)
	}
	var nums []int
	for w := range by {
		nums = append(nums, w)
	}
	sort.Ints(nums)
	var out []Wave
	for _, w := range nums {
		sortBiggestFirst(by[w])
		out = append(out, Wave{Wave: w, VMs: by[w]})
	}
	return out
}

// sortBiggestFirst orders a wave's VMs by what they send, most first (then by name): the
// longest moves start first, so the wave ends sooner.
func sortBiggestFirst(vms []VM) {
	slices.SortStableFunc(vms, func(a, b VM) int {
		if c := cmp.Compare(b.Bytes(), a.Bytes()); c != 0 {
			return c
		}
		return model.CompareNames(a.Name, b.Name)
	})
}

// passing are the codes of findings that say how the DCI or a site is doing now (its load,
// an outage, stale data), not how a VM or the estate is built: they clear by themselves. A
// VM only they block is planned, and its wave waits for them when it runs.
var passing = map[string]bool{
	preflight.CodeBandwidthLow: true, preflight.CodeDCIDown: true, preflight.CodeFabricStale: true,
	preflight.CodeOTVAdjacencyDown: true, preflight.CodeDCIErrorsRising: true, preflight.CodeRTTUnknown: true,
	preflight.CodeSiteUnreachable: true, preflight.CodeDetailsMissing: true, preflight.CodeDetailsStale: true,
}

// Passing reports whether a finding code clears by itself (see passing).
func Passing(code string) bool { return passing[code] }

// Blocked reports whether a finding that does not clear by itself blocks the VM.
func Blocked(fs []preflight.Finding, vm model.VMKey) bool {
	for _, f := range fs {
		if f.Severity == preflight.Block && (f.VM == vm || f.VM == (model.VMKey{})) && !passing[f.Code] {
			return true
		}
	}
	return false
}

// passingCodes are the passing codes among the blocking findings.
func passingCodes(fs []preflight.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Severity == preflight.Block && passing[f.Code] && !slices.Contains(out, f.Code) {
			out = append(out, f.Code)
		}
	}
	return out
}

// warnings are the warnings preflight raised for the VM (or for every VM), as "CODE object".
func warnings(fs []preflight.Finding, vm model.VMKey) []string {
	var out []string
	for _, f := range preflight.Warnings(fs, vm) {
		if a := f.Code + " " + f.Object; !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// codes are the codes of the findings of a severity about the VM (or every VM).
func codes(fs []preflight.Finding, vm model.VMKey, sev preflight.Severity) []string {
	var out []string
	for _, f := range fs {
		if f.Severity == sev && (f.VM == vm || f.VM == (model.VMKey{})) && !slices.Contains(out, f.Code) {
			out = append(out, f.Code)
		}
	}
	return out
}

func names(vms []VM) []string {
	out := make([]string, len(vms))
	for i, v := range vms {
		out[i] = v.Name
	}
	return out
}

// union is a union-find over VM keys.
type union struct{ parent map[model.VMKey]model.VMKey }

func newUnion() *union { return &union{parent: map[model.VMKey]model.VMKey{}} }

func (u *union) find(k model.VMKey) model.VMKey {
	p, ok := u.parent[k]
	if !ok || p == k {
		return k
	}
	r := u.find(p)
	u.parent[k] = r
	return r
}

func (u *union) join(a, b model.VMKey) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u.parent[rb] = ra
	}
}

func (u *union) same(a, b model.VMKey) bool { return u.find(a) == u.find(b) }
