package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// Annotate describes the plan for its file's comments: each wave's size and predicted time,
// and each VM's target as preflight chose it (res judged the VMs; resolved maps plan VM
// names to their keys in it) with its time alone on the DCI.
func Annotate(p Plan, res preflight.Result, resolved map[string]model.VMKey, pred Prediction) Annotations {
	a := Annotations{Wave: map[int]string{}, VM: map[string]string{}}
	for _, w := range pred.Waves {
		s := fmt.Sprintf("%s, %s to send", plural(w.VMs, "VM"), GiB(w.Bytes))
		if w.Duration > 0 {
			s += ", ≈ " + Human(w.Duration)
		}
		a.Wave[w.Wave] = s
	}
	targets := map[model.VMKey]preflight.Target{}
	for i, vm := range res.VMs {
		if i < len(res.Targets) {
			targets[vm.Key] = res.Targets[i]
		}
	}
	for _, v := range p.VMs() {
		var parts []string
		if t, ok := targets[resolved[v.Name]]; ok {
			parts = append(parts, TargetLine(t))
		}
		if d := pred.Alone[v.Name]; d > 0 {
			parts = append(parts, "≈ "+Human(d)+" alone")
		}
		if len(parts) > 0 {
			a.VM[v.Name] = strings.Join(parts, ", ")
		}
	}
	return a
}

// TargetLine says where preflight sends a VM: "→ B-01 / esx-b01-02, storage stays on
// nfs-metro-01".
func TargetLine(t preflight.Target) string {
	name := func(c preflight.Choice) string {
		if c.Found() {
			return c.Target
		}
		return "?"
	}
	s := "→ " + name(t.Cluster) + " / " + name(t.Host)
	var stays, moves []string
	for _, d := range t.Datastores {
		switch {
		case !d.Found():
			moves = append(moves, "? ("+d.Source+")")
		case d.Shared:
			stays = append(stays, d.Target)
		default:
			moves = append(moves, d.Target)
		}
	}
	if len(stays) > 0 {
		s += ", storage stays on " + strings.Join(stays, ", ")
	}
	if len(moves) > 0 {
		s += ", storage moves to " + strings.Join(moves, ", ")
	}
	return s
}

// GiB writes bytes as GiB: "4.0 GiB", "104 GiB".
func GiB(b int64) string {
	g := float64(b) / (1 << 30)
	if g < 10 {
		return fmt.Sprintf("%.1f GiB", g)
	}
	return fmt.Sprintf("%.0f GiB", g)
}

// Human says a predicted time as precisely as is worth saying: "42s", "4m36s", "55m",
// "18h26m".
func Human(d time.Duration) string {
	if d < 10*time.Minute {
		return d.Round(time.Second).String()
	}
	s := d.Round(time.Minute).String()
	return strings.TrimSuffix(s, "0s")
}

// plural says "1 VM", "3 VMs".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
