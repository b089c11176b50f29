package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

// JournalVersion is the version of the journal format.
const JournalVersion = 1

// Journal is a running (or finished) plan's state, kept in its own file and written again,
// whole and atomically, on every change: the plan as it runs, who started it, and where each
// of its VMs stands, with what a restart needs to re-attach to its move (the vCenter task)
// and what the way back needs (where each VM came from).
type Journal struct {
	Version  int             `json:"version"`
	Plan     Plan            `json:"plan"`
	State    model.PlanState `json:"state"`
	Why      string          `json:"why,omitempty"`
	Operator model.Operator  `json:"operator"`
	Started  time.Time       `json:"started"`
	Updated  time.Time       `json:"updated"`
	Ended    time.Time       `json:"ended,omitzero"`
	// Predicted is the makespan predicted when the plan started.
	Predicted time.Duration `json:"predicted,omitempty"`
	// Wave is the number of the wave handed out last (0: none yet).
	Wave    int     `json:"wave"`
	Entries []Entry `json:"vms"`
}

// Entry is one VM of a running plan.
type Entry struct {
	model.PlanVM
	// Record is the VM's move as last seen (task, target, operator, times): what
	// Engine.AdoptMove takes after a restart. Zero before the VM is handed out.
	Record model.Move `json:"move_record,omitzero"`
	// Submitted is when the VM was handed to the engine: a relocate task of it that
	// vCenter started since then is this plan's.
	Submitted time.Time `json:"submitted,omitzero"`
	// Source is where the VM was when it was handed out, by name: the way back returns it
	// there.
	Source *Place `json:"source,omitempty"`
}

// Place is where a VM runs, by name.
type Place struct {
	Site       model.SiteID `json:"site"`
	Host       string       `json:"host"`
	Cluster    string       `json:"cluster"`
	Datastores []string     `json:"datastores,omitempty"`
	// Networks maps each network the VM was on to the port group it went to at the
	// target.
	Networks map[string]string `json:"networks,omitempty"`
}

// NewJournal starts the journal of a plan: every VM of its waves pending, every VM it skips
// skipped with its reason.
func NewJournal(p Plan, who model.Operator, now time.Time) Journal {
	j := Journal{Version: JournalVersion, Plan: p, State: model.PlanRunning, Operator: who, Started: now, Updated: now}
	for _, w := range p.Waves {
		for _, v := range w.VMs {
			j.Entries = append(j.Entries, Entry{PlanVM: model.PlanVM{Name: v.Name, InstanceUUID: v.InstanceUUID,
				VM: model.VMKey{Site: p.From, MoRef: v.MoRef}, Wave: w.Wave, State: model.PlanVMPending}})
		}
	}
	for _, s := range p.Skipped {
		j.Entries = append(j.Entries, Entry{PlanVM: model.PlanVM{Name: s.Name, InstanceUUID: s.InstanceUUID,
			VM: model.VMKey{Site: p.From, MoRef: s.MoRef}, State: model.PlanVMSkipped, Why: "in the plan's skipped list: " + s.Reason}})
	}
	return j
}

// Status is the journal as the console shows it.
func (j Journal) Status(path string) model.PlanStatus {
	st := model.PlanStatus{ID: j.Plan.ID, From: j.Plan.From, To: j.Plan.To, Operator: j.Operator, State: j.State, Why: j.Why,
		Wave: j.Wave, Waves: len(j.Plan.Waves), Predicted: j.Predicted, Started: j.Started, Ended: j.Ended, Journal: path}
	for i, w := range j.Plan.Waves {
		if w.Wave == j.Wave {
			st.WaveIndex = i + 1
		}
	}
	st.VMs = make([]model.PlanVM, len(j.Entries))
	for i, e := range j.Entries {
		st.VMs[i] = e.PlanVM
	}
	return st
}

// Finished reports whether every VM of the plan has ended.
func (j Journal) Finished() bool {
	for _, e := range j.Entries {
		if !e.State.Final() {
			return false
		}
	}
	return true
}

// DefaultDir is where journals live unless configured: $XDG_STATE_HOME/vmcross/plans, else
// ~/.local/state/vmcross/plans. It is "" when neither is known.
func DefaultDir() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(dir) { // the XDG spec: a relative path is invalid and ignored
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "vmcross", "plans")
}

// JournalPath is the file of plan id's journal in dir.
func JournalPath(dir, id string) string { return filepath.Join(dir, id+".json") }

// Save writes the journal to path atomically: a temporary file in the same directory,
// written and synced, renamed over the old one, and the directory synced, so that after a
// crash the file is the old journal or the new one, whole.
func (j Journal) Save(path string) error {
	j.Version = JournalVersion
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, append(data, '\n'), 0o600)
}

// LoadJournal reads a journal file.
func LoadJournal(path string) (Journal, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Journal{}, err
	}
	var j Journal
	if err := json.Unmarshal(data, &j); err != nil {
		return Journal{}, fmt.Errorf("journal %s: %w", path, err)
	}
	if j.Version != JournalVersion {
		return Journal{}, fmt.Errorf("journal %s: version %d: this vmcross reads version %d", path, j.Version, JournalVersion)
	}
	return j, nil
}

// Journals reads every journal in dir, oldest first. A file that cannot be read is named in
// the error, which is joined; the others are returned. A missing dir holds none.
func Journals(dir string) ([]Journal, []string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var out []Journal
	var paths []string
	var errs []error
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(dir, name)
		j, err := LoadJournal(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, j)
		paths = append(paths, p)
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return out[idx[a]].Started.Before(out[idx[b]].Started) })
	js, ps := make([]Journal, len(out)), make([]string, len(out))
	for i, k := range idx {
		js[i], ps[i] = out[k], paths[k]
	}
	return js, ps, errors.Join(errs...)
}

// writeAtomic replaces path with data: temporary file, fsync, rename, directory fsync. The
// directory is created (0700) when missing.
func writeAtomic(path string, data []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Windows cannot sync a directory (its renames are
// journaled by NTFS).
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
