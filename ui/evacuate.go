package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/keymap"
)

// The evacuate question: E in the lists asks, in the flash line's place, what to evacuate
// to the other site: v the selected VMs of the focused site pane (else the VM under its
// cursor), h every VM of that VM's host, c of its cluster, s of the whole site. The answer
// drafts a plan (Planner.Draft); nothing moves until the draft is started in the plans view.

// evacuateChoice is one answer to the question: the scope it drafts, its key and how the
// question and the flash line name it.
type evacuateChoice struct {
	key   key.Binding
	label string // in the question: "web-01", "3 selected", "esx-a01-02 (9)"
	what  string // in the flash line: "host esx-a01-02.mia.example.net (9 VMs)"
	scope model.PlanScope
}

// evacuateQuestion is the question while it is asked: its prompt (the root's confirm, so
// that it is drawn over the help bar) and the answers it offers.
type evacuateQuestion struct {
	prompt  *confirmPrompt
	choices []evacuateChoice
}

// helpKeys are the answers, then esc, for the help bar.
func (q *evacuateQuestion) helpKeys(k *keymap.KeyMap) helpKeys {
	keys := make([]key.Binding, 0, len(q.choices)+1)
	for _, c := range q.choices {
		keys = append(keys, c.key)
	}
	keys = append(keys, withDesc(k.Back, "cancel"))
	return helpKeys{short: keys, full: [][]key.Binding{keys}}
}

// maxPickedNames bounds the names a selection of VMs lists.
const maxPickedNames = 4

// evacuateChoices are the answers the question offers for the site shown in a pane, the VM
// under its cursor (nil: none) and its selected VMs, to site to. An answer that would hold no
// VM is not offered.
func evacuateChoices(k *keymap.KeyMap, site model.SiteSnapshot, cursor *model.VM, selected []model.VM, to model.SiteID) []evacuateChoice {
	var out []evacuateChoice
	from := clean(string(site.Status.ID))
	keysOf := func(vms []model.VM) []model.VMKey {
		keys := make([]model.VMKey, len(vms))
		for i, vm := range vms {
			keys[i] = vm.Key
		}
		return keys
	}
	picked := selected
	if len(picked) == 0 && cursor != nil {
		picked = []model.VM{*cursor}
	}
	if len(picked) > 0 {
		c := evacuateChoice{key: withDesc(k.EvacuateVMs, "selected VMs"), scope: model.PlanScope{VMs: keysOf(picked), To: to}}
		if len(selected) == 0 {
			name := clean(picked[0].Name)
			c.key = withDesc(k.EvacuateVMs, "this VM")
			c.label, c.what = name, "VM "+name
			c.scope.Scope, c.scope.Selection = name, "VM "+name
		} else {
			names := make([]string, 0, maxPickedNames)
			for i, vm := range picked {
				if i == maxPickedNames {
					names = append(names, fmt.Sprintf("and %d more", len(picked)-i))
					break
				}
				names = append(names, clean(vm.Name))
			}
			c.label = fmt.Sprintf("%d selected", len(picked))
			c.what = fmt.Sprintf("the %s selected at %s", plural(len(picked), "VM"), from)
			c.scope.Scope = fmt.Sprintf("%s-%d-vms", from, len(picked))
			c.scope.Selection = fmt.Sprintf("%s picked at %s: %s", plural(len(picked), "VM"), from, strings.Join(names, ", "))
		}
		out = append(out, c)
	}
	if cursor != nil {
		same := func(ref func(*model.VM) string) []model.VM {
			want := ref(cursor)
			if want == "" {
				return nil
			}
			var vms []model.VM
			for i := range site.VMs {
				if ref(&site.VMs[i]) == want {
					vms = append(vms, site.VMs[i])
				}
			}
			return vms
		}
		// By reference where the inventory has it (two hosts may share a name in
		// different clusters), else by name.
		host := func(vm *model.VM) string {
			if !cursor.HostRef.IsZero() {
				return vm.HostRef.Value
			}
			return vm.Host
		}
		cluster := func(vm *model.VM) string {
			if !cursor.ClusterRef.IsZero() {
				return vm.ClusterRef.Value
			}
			return vm.Cluster
		}
		if vms := same(host); len(vms) > 0 {
			name := clean(cursor.Host)
			if name == "" {
				name = clean(cursor.HostRef.Value)
			}
			out = append(out, evacuateChoice{
				key: k.EvacuateHost, label: fmt.Sprintf("%s (%d)", shortHost(name), len(vms)),
				what:  fmt.Sprintf("host %s (%s)", name, plural(len(vms), "VM")),
				scope: model.PlanScope{VMs: keysOf(vms), To: to, Scope: name, Selection: "host " + name},
			})
		}
		if vms := same(cluster); len(vms) > 0 {
			name := clean(cursor.Cluster)
			if name == "" {
				name = clean(cursor.ClusterRef.Value)
			}
			out = append(out, evacuateChoice{
				key: k.EvacuateCluster, label: fmt.Sprintf("%s (%d)", name, len(vms)),
				what:  fmt.Sprintf("cluster %s (%s)", name, plural(len(vms), "VM")),
				scope: model.PlanScope{VMs: keysOf(vms), To: to, Scope: name, Selection: "cluster " + name + " at " + from},
			})
		}
	}
	if len(site.VMs) > 0 {
		out = append(out, evacuateChoice{
			key: k.EvacuateSite, label: fmt.Sprintf("%s (%d)", from, len(site.VMs)),
			what:  fmt.Sprintf("site %s (%s)", from, plural(len(site.VMs), "VM")),
			scope: model.PlanScope{VMs: keysOf(site.VMs), To: to, Scope: from, Selection: "site " + from},
		})
	}
	return out
}

// askEvacuate asks what to evacuate from the focused site pane's site to the other one.
func (m Model) askEvacuate() (tea.Model, tea.Cmd) {
	if m.plans.planner == nil {
		m.setFlash("evacuation plans are not available in this console", true)
		return m, nil
	}
	if m.plans.drafting != "" {
		m.setFlash("already planning the evacuation of "+m.plans.drafting+": its draft shows when it is ready", false)
		return m, nil
	}
	p := m.main.site()
	site, known := p.Site()
	to, toKnown := m.main.sites[1-m.main.lastSite].Site()
	if !known || !toKnown || site.Status.ID == "" || to.Status.ID == "" {
		m.setFlash("both sites must be loaded to plan an evacuation", true)
		return m, nil
	}
	var cursor *model.VM
	if vm, ok := p.Selected(); ok {
		cursor = &vm
	}
	choices := evacuateChoices(m.common.KeyMap, site, cursor, p.Selection(), to.Status.ID)
	if len(choices) == 0 {
		m.setFlash("nothing to evacuate: "+clean(string(site.Status.ID))+" has no VMs", true)
		return m, nil
	}
	parts := make([]string, len(choices))
	for i, c := range choices {
		parts[i] = c.key.Help().Key + " " + c.label
	}
	q := &evacuateQuestion{choices: choices, prompt: &confirmPrompt{
		question: fmt.Sprintf("Evacuate to %s? %s", clean(string(to.Status.ID)), strings.Join(parts, " · ")),
		yes:      func(*Model) tea.Cmd { return nil }, // the question is answered by onEvacuateKey
	}}
	m.plans.evac = q
	m.confirm = q.prompt
	m.relayout()
	return m, nil
}

// onEvacuateKey answers the evacuate question: an answer drafts its plan, esc drops the
// question; other keys are ignored, so that no stray key answers it.
func (m Model) onEvacuateKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	q := m.plans.evac
	if key.Matches(msg, m.common.KeyMap.Back) {
		m.plans.evac, m.confirm = nil, nil
		m.relayout()
		return m, nil
	}
	for _, c := range q.choices {
		if key.Matches(msg, c.key) {
			m.plans.evac, m.confirm = nil, nil
			return m.draft(c)
		}
	}
	return m, nil
}
