// Package plan is the evacuation plan: which VMs move from one site to the other, in which
// waves, with which targets and acknowledged warnings. A plan is proposed from a selection
// (Propose: order tags, guest-cluster partners kept together, the biggest movers spread),
// written as a YAML file an operator edits (Marshal, Load), predicted (Predict), and run by
// the engine (backend.Plans), which keeps a journal of it (Journal) so that a restart of
// vmcross re-attaches to its running moves, and so that a finished plan produces its way
// back (Reverse).
//
// It is pure: model, preflight and files. It never calls a vCenter.
package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// Version is the version of the plan file format this package writes and reads.
const Version = 1

// DefaultWaveSize is how many VMs a proposed wave holds: vSphere's limit of vMotions a host
// runs at once (8 on 10 GbE), which bounds what the engine runs side by side anyway.
const DefaultWaveSize = 8

// Plan is an evacuation plan, as its YAML file has it.
type Plan struct {
	Version int          `yaml:"version" json:"version"`
	ID      string       `yaml:"id" json:"id"`
	From    model.SiteID `yaml:"from" json:"from"`
	To      model.SiteID `yaml:"to" json:"to"`
	// Profile is the vMotion profile preflight judges with ("": the configured one).
	Profile   string    `yaml:"profile,omitempty" json:"profile,omitempty"`
	Created   time.Time `yaml:"created" json:"created"`
	CreatedBy string    `yaml:"created_by,omitempty" json:"created_by,omitempty"`
	// Selection says what the VMs were chosen by ("host esx-a01-02.mia.example.net").
	Selection string `yaml:"selection,omitempty" json:"selection,omitempty"`
	WaveSize  int    `yaml:"wave_size,omitempty" json:"wave_size,omitempty"`
	// ReverseOf names the plan this one brings back.
	ReverseOf string    `yaml:"reverse_of,omitempty" json:"reverse_of,omitempty"`
	Waves     []Wave    `yaml:"waves" json:"waves"`
	Skipped   []Skipped `yaml:"skipped,omitempty" json:"skipped,omitempty"`
	Notes     []string  `yaml:"notes,omitempty" json:"notes,omitempty"`
}

// Wave is a set of VMs handed to the engine together. The next wave starts when every move
// of this one has ended.
type Wave struct {
	Wave int  `yaml:"wave" json:"wave"`
	VMs  []VM `yaml:"vms" json:"vms"`
}

// VM is one VM of a wave.
type VM struct {
	Name string `yaml:"name" json:"name"`
	// MoRef and InstanceUUID say which VM this is at the source site: the instance UUID
	// first (it survives moves), then the MoRef (with the name), then the name alone (a VM
	// an operator added by name).
	MoRef        string `yaml:"moref,omitempty" json:"moref,omitempty"`
	InstanceUUID string `yaml:"instance_uuid,omitempty" json:"instance_uuid,omitempty"`
	// Order is the VM's order tag (the vCenter custom attribute vmcross.order, or --order):
	// lower first. Nil: untagged, after every tagged VM.
	Order *int `yaml:"order,omitempty" json:"order,omitempty"`
	// MemoryMiB is the VM's memory and DiskMiB what of its disks moves with it (storage the
	// target does not mount): what the move sends, and the base of the prediction.
	MemoryMiB  int64 `yaml:"memory_mib,omitempty" json:"memory_mib,omitempty"`
	DiskMiB    int64 `yaml:"disk_mib,omitempty" json:"disk_mib,omitempty"`
	PoweredOff bool  `yaml:"powered_off,omitempty" json:"powered_off,omitempty"`
	// Host and Cluster are where it ran when the plan was made.
	Host    string `yaml:"host,omitempty" json:"host,omitempty"`
	Cluster string `yaml:"cluster,omitempty" json:"cluster,omitempty"`
	// Partners are the VMs that must move in the same wave (a guest cluster's nodes), and
	// Group says why ("anti-affinity rule sql-fci-separate-hosts", "shared LUN naa.6006...").
	Partners []string `yaml:"partners,omitempty" json:"partners,omitempty"`
	Group    string   `yaml:"group,omitempty" json:"group,omitempty"`
	// Target is the operator's choice of target cluster, host, datastore and port groups;
	// what it leaves out is chosen as preflight does.
	Target *Target `yaml:"target,omitempty" json:"target,omitempty"`
	// Acknowledge are the warnings ("CODE object") preflight raised for the VM when the
	// plan was made: running the plan acknowledges them. A warning not listed leaves the
	// VM where it is.
	Acknowledge []string `yaml:"acknowledge,omitempty" json:"acknowledge,omitempty"`
}

// Target is a VM's target at the other site, by name.
type Target struct {
	Cluster   string `yaml:"cluster,omitempty" json:"cluster,omitempty"`
	Host      string `yaml:"host,omitempty" json:"host,omitempty"`
	Datastore string `yaml:"datastore,omitempty" json:"datastore,omitempty"`
	// Datastores maps a datastore the VM is on (its name at the source) to the datastore
	// at the target that receives its disks there, before Datastore: the way back puts a
	// VM that was on several datastores back on each of them.
	Datastores map[string]string `yaml:"datastores,omitempty" json:"datastores,omitempty"`
	// Networks maps a network the VM is on (its name at the source) to a port group at
	// the target.
	Networks map[string]string `yaml:"networks,omitempty" json:"networks,omitempty"`
}

// Override is the target as preflight takes it.
func (t *Target) Override() preflight.Override {
	if t == nil {
		return preflight.Override{}
	}
	return preflight.Override{Cluster: t.Cluster, Host: t.Host, Datastore: t.Datastore, Datastores: t.Datastores, Networks: t.Networks}
}

// Skipped is a VM of the selection the plan leaves where it is, and why.
type Skipped struct {
	Name         string `yaml:"name" json:"name"`
	MoRef        string `yaml:"moref,omitempty" json:"moref,omitempty"`
	InstanceUUID string `yaml:"instance_uuid,omitempty" json:"instance_uuid,omitempty"`
	Reason       string `yaml:"reason" json:"reason"`
}

// Bytes is what moving the VM sends across the DCI: its memory when powered on, and its
// disks that move.
func (v VM) Bytes() int64 {
	b := v.DiskMiB << 20
	if !v.PoweredOff {
		b += v.MemoryMiB << 20
	}
	return b
}

// VMs is every VM of every wave, in wave order.
func (p Plan) VMs() []VM {
	var out []VM
	for _, w := range p.Waves {
		out = append(out, w.VMs...)
	}
	return out
}

// Count is the number of VMs in the plan's waves.
func (p Plan) Count() int {
	n := 0
	for _, w := range p.Waves {
		n += len(w.VMs)
	}
	return n
}

// idPattern is what a plan id may be: it names the journal's file.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,99}$`)

// ValidID reports whether id may name a plan (and its journal file).
func ValidID(id string) bool { return idPattern.MatchString(id) }

// NewID makes a plan id from the time and what was selected: "evac-20261201-1312-site-a".
func NewID(now time.Time, scope string) string {
	scope = strings.ToLower(scope)
	if i := strings.IndexByte(scope, '.'); i > 0 {
		scope = scope[:i] // a host's short name
	}
	scope = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '-'
	}, scope)
	scope = strings.Trim(scope, "-")
	id := "evac-" + now.UTC().Format("20060102-1504")
	if scope != "" {
		id += "-" + scope
	}
	if len(id) > 100 {
		id = id[:100]
	}
	return id
}

// Error is a mistake in a plan file: which file and line, and what is wrong. Its message is
// one line, fit to show an operator.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	loc := e.File
	if loc == "" {
		loc = "plan"
	}
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	return loc + ": " + e.Msg
}

// Load reads and checks a plan file.
func Load(path string) (Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Plan{}, &Error{File: path, Msg: "no such file (make one with `vmcross plan ... -o " + path + "`)"}
		}
		return Plan{}, &Error{File: path, Msg: err.Error()}
	}
	return Parse(data, path)
}

// yamlLine finds "line N: " in a yaml.v3 error.
var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// Parse reads a plan from YAML and checks it (Validate). name names it in errors.
func Parse(data []byte, name string) (Plan, error) {
	var p Plan
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
		msg = strings.TrimSpace(strings.SplitN(msg, "\n", 2)[0])
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			var line int
			fmt.Sscanf(m[1], "%d", &line)
			msg = strings.ReplaceAll(m[2], " in type plan.", " in a plan's ")
			return Plan{}, &Error{File: name, Line: line, Msg: msg}
		}
		if errors.Is(err, io.EOF) {
			msg = "empty: no plan in it"
		}
		return Plan{}, &Error{File: name, Msg: msg}
	}
	if err := p.Validate(); err != nil {
		var pe *Error
		if errors.As(err, &pe) && pe.File == "" {
			pe.File = name
			pe.Line = lineOf(data, pe)
		}
		return Plan{}, err
	}
	p.sortWaves()
	return p, nil
}

// lineOf finds the line a validation error is about: the line of the "name: X" of the VM
// it names (the last one for a VM listed twice), else 0.
func lineOf(data []byte, e *Error) int {
	const mark = "vm "
	i := strings.Index(e.Msg, mark)
	if i < 0 {
		return 0
	}
	name := strings.Fields(e.Msg[i+len(mark):])
	if len(name) == 0 {
		return 0
	}
	want := strings.Trim(name[0], ":,")
	// A VM listed twice: the second listing is the one to look at.
	last := strings.Contains(e.Msg, "listed twice") || strings.Contains(e.Msg, "and skipped")
	found := 0
	for n, line := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "-"))
		if v, ok := strings.CutPrefix(t, "name:"); ok {
			v = strings.TrimSpace(v)
			if c := strings.Index(v, " #"); c >= 0 {
				v = strings.TrimSpace(v[:c])
			}
			if strings.Trim(v, `"'`) == want {
				if !last {
					return n + 1
				}
				found = n + 1
			}
		}
	}
	return found
}

// Validate checks what running a plan relies on: the version, an id that names a file, two
// different sites, waves numbered once each, every VM named and listed once (in a wave or
// as skipped), and partners in the same wave.
func (p Plan) Validate() error {
	bad := func(format string, a ...any) error { return &Error{Msg: fmt.Sprintf(format, a...)} }
	switch {
	case p.Version != Version:
		return bad("version %d: this vmcross reads version %d plans", p.Version, Version)
	case !ValidID(p.ID):
		return bad("id %q: use lower-case letters, digits, '.', '_' and '-' (up to 100), e.g. evac-20261201-1312-site-a", p.ID)
	case p.From == "" || p.To == "":
		return bad("from and to must name the sites (e.g. from: site-a, to: site-b)")
	case p.From == p.To:
		return bad("from and to are both %s", p.From)
	case p.WaveSize < 0:
		return bad("wave_size %d: it takes 1 or more", p.WaveSize)
	}
	waves := map[int]bool{}
	seen := map[string]string{} // VM identity → where
	waveOf := map[string]int{}  // VM name → wave
	for _, w := range p.Waves {
		if w.Wave < 1 {
			return bad("wave %d: waves are numbered from 1", w.Wave)
		}
		if waves[w.Wave] {
			return bad("wave %d is listed twice: renumber one, or merge them", w.Wave)
		}
		waves[w.Wave] = true
		for _, v := range w.VMs {
			if strings.TrimSpace(v.Name) == "" {
				return bad("wave %d: a VM without a name", w.Wave)
			}
			where := fmt.Sprintf("wave %d", w.Wave)
			for _, k := range identities(v.Name, v.MoRef, v.InstanceUUID) {
				if prev, dup := seen[k]; dup {
					if prev == where {
						return bad("vm %s is listed twice in %s: keep one", v.Name, where)
					}
					return bad("vm %s is listed twice (%s and %s): keep one", v.Name, prev, where)
				}
				seen[k] = where
			}
			waveOf[v.Name] = w.Wave
		}
	}
	for _, s := range p.Skipped {
		for _, k := range identities(s.Name, s.MoRef, s.InstanceUUID) {
			if prev, dup := seen[k]; dup {
				return bad("vm %s is in %s and skipped: delete it from skipped to move it", s.Name, prev)
			}
		}
	}
	for _, w := range p.Waves {
		for _, v := range w.VMs {
			for _, partner := range v.Partners {
				if pw, ok := waveOf[partner]; ok && pw != w.Wave {
					why := ""
					if v.Group != "" {
						why = " (" + v.Group + ")"
					}
					return bad("vm %s (wave %d) and its partner %s (wave %d) must move in the same wave%s: move them together, or delete partners", v.Name, w.Wave, partner, pw, why)
				}
			}
		}
	}
	return nil
}

// identities are the keys a VM is known by: its instance UUID, its MoRef, its name.
func identities(name, moref, uuid string) []string {
	out := []string{"name:" + strings.ToLower(name)}
	if moref != "" {
		out = append(out, "moref:"+moref)
	}
	if uuid != "" {
		out = append(out, "uuid:"+strings.ToLower(uuid))
	}
	return out
}

// sortWaves orders the waves by number.
func (p *Plan) sortWaves() {
	sort.SliceStable(p.Waves, func(i, j int) bool { return p.Waves[i].Wave < p.Waves[j].Wave })
}

// header is the comment at the top of every plan file: what an operator may edit.
const header = `vmcross evacuation plan. Review it, edit it, then:
  vmcross migrate --plan FILE --dry-run    what would happen, the findings, the predicted time
  vmcross migrate --plan FILE --yes        run it (acknowledging the warnings it lists)

Waves run one after the other: a wave's VMs are handed to the engine together (it runs as
many at once as vSphere's limits allow) and the next wave starts when every move of this one
has ended; a failed move is reported and does not stop the plan.

You may: reorder waves (renumber them), move a VM to another wave (with its partners),
delete a VM or a wave (its VMs stay where they are), add a VM by name, set a VM's target
(cluster, host, datastore, datastores: {source datastore: target datastore}, networks:
{source port group: target port group}), remove a warning from acknowledge (the VM then
stays if preflight still warns).
Keep: id (the journal and --reverse name the plan by it: change it only to make a new plan),
moref and instance_uuid (they say which VM it is).

Fields of a VM: order (custom attribute vmcross.order or --order: lower moves first),
memory_mib and disk_mib (what its move sends: memory, and disks on storage the target does
not mount), host and cluster (where it runs now), partners and group (VMs of one guest
cluster: they move in the same wave), target, acknowledge (warnings "CODE object").
The comment after a VM's name is preflight's target and the time it takes alone on the DCI.`

// Annotations are the comments Marshal adds after a wave's number and a VM's name.
type Annotations struct {
	Wave map[int]string    // by wave number: "8 VMs, 104 GiB, ≈ 1m52s"
	VM   map[string]string // by VM name: "→ B-01 / esx-b01-02, storage stays (nfs-metro-01), ≈ 5s"
}

// Marshal writes the plan as YAML with the header that explains it and the annotations
// as line comments.
func Marshal(p Plan, a Annotations) ([]byte, error) {
	var n yaml.Node
	if err := n.Encode(p); err != nil {
		return nil, err
	}
	n.HeadComment = header
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			switch key.Value {
			case "waves":
				annotateWaves(val, a)
			case "skipped":
				key.HeadComment = "VMs of the selection left where they are: move one into a wave (and delete it here) once its reason is fixed."
			case "notes":
				key.HeadComment = "What the planner noticed."
			}
		}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func annotateWaves(seq *yaml.Node, a Annotations) {
	for _, w := range seq.Content {
		if w.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(w.Content); i += 2 {
			key, val := w.Content[i], w.Content[i+1]
			switch key.Value {
			case "wave":
				var num int
				fmt.Sscanf(val.Value, "%d", &num)
				if c := a.Wave[num]; c != "" {
					val.LineComment = c
				}
			case "vms":
				for _, vm := range val.Content {
					for j := 0; j+1 < len(vm.Content); j += 2 {
						if vm.Content[j].Value == "name" {
							if c := a.VM[vm.Content[j+1].Value]; c != "" {
								vm.Content[j+1].LineComment = c
							}
						}
					}
				}
			}
		}
	}
}

// Write writes the plan file (mode 0600: it names VMs and hosts), through a temporary file
// and a rename, so that a file being read is never half written.
func Write(path string, p Plan, a Annotations) error {
	data, err := Marshal(p, a)
	if err != nil {
		return err
	}
	return writeAtomic(path, data, 0o600)
}

// Acked is the plan's acknowledgements by VM name.
func (p Plan) Acked() map[string][]string {
	out := map[string][]string{}
	for _, w := range p.Waves {
		for _, v := range w.VMs {
			out[v.Name] = slices.Clone(v.Acknowledge)
		}
	}
	return out
}
