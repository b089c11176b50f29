package backend

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
	"github.com/vmcross/vmcross/backend/preflight"
)

// What a plan's waves are drafted from, read from vCenter: the VMs' order tags and the
// groups (DRS rules, VM groups, shared RDM LUNs) whose members move together.

// planOrders reads the custom attribute vmcross.order of the VMs at their site: VMs
// without it, or with a value that is not a whole number (said in the notes), have none.
func (e *Engine) planOrders(ctx context.Context, site model.SiteID, vms []model.VM) (map[model.VMKey]int, []string) {
	out := map[model.VMKey]int{}
	var notes []string
	if len(vms) == 0 {
		return out, nil
	}
	err := e.Call(ctx, site, "plan: order attribute", 10*time.Second, func(ctx context.Context, c *vim25.Client) error {
		cfm, err := object.GetCustomFieldsManager(c)
		if err != nil {
			return nil // no custom attributes here
		}
		defs, err := cfm.Field(ctx)
		if err != nil {
			return err
		}
		key := int32(-1)
		for _, d := range defs {
			if d.Name == OrderAttribute && (d.ManagedObjectType == "" || d.ManagedObjectType == "VirtualMachine") {
				key = d.Key
			}
		}
		if key < 0 {
			return nil
		}
		refs := make([]types.ManagedObjectReference, len(vms))
		for i, vm := range vms {
			refs[i] = types.ManagedObjectReference{Type: "VirtualMachine", Value: vm.Key.MoRef}
		}
		var got []mo.VirtualMachine
		if err := property.DefaultCollector(c).Retrieve(ctx, refs, []string{"name", "customValue"}, &got); err != nil {
			return err
		}
		for _, v := range got {
			for _, cv := range v.CustomValue {
				sv, ok := cv.(*types.CustomFieldStringValue)
				if !ok || sv.Key != key || strings.TrimSpace(sv.Value) == "" {
					continue
				}
				n, err := strconv.Atoi(strings.TrimSpace(sv.Value))
				if err != nil {
					notes = append(notes, fmt.Sprintf("%s: %s %q is not a whole number: no order", v.Name, OrderAttribute, sv.Value))
					continue
				}
				out[model.VMKey{Site: site, MoRef: v.Self.Value}] = n
			}
		}
		return nil
	})
	if err != nil {
		notes = append(notes, fmt.Sprintf("the custom attribute %s could not be read at %s (%v): no VM has an order from it", OrderAttribute, site, err))
	}
	return out, notes
}

// planGroups finds the selection's partners: the VMs of each DRS affinity or anti-affinity
// rule and DRS VM group of their clusters (read at the source vCenter), and the VMs of the
// selection that share an RDM LUN (from their details).
func (e *Engine) planGroups(ctx context.Context, who model.Operator, res preflight.Result) ([]plan.Group, []string) {
	var groups []plan.Group
	var notes []string
	src, _ := e.Snapshot().Site(res.From)
	nameOf := func(ref string) string {
		if vm, ok := src.VM(ref); ok {
			return vm.Name
		}
		return ref
	}
	add := func(why string, refs []types.ManagedObjectReference) {
		if len(refs) < 2 {
			return
		}
		g := plan.Group{Why: why}
		for _, r := range refs {
			g.VMs = append(g.VMs, model.VMKey{Site: res.From, MoRef: r.Value})
			g.Names = append(g.Names, nameOf(r.Value))
		}
		groups = append(groups, g)
	}
	var clusters []types.ManagedObjectReference
	seen := map[string]bool{}
	for _, vm := range res.VMs {
		if !vm.ClusterRef.IsZero() && !seen[vm.ClusterRef.Value] {
			seen[vm.ClusterRef.Value] = true
			clusters = append(clusters, types.ManagedObjectReference{Type: "ClusterComputeResource", Value: vm.ClusterRef.Value})
		}
	}
	if len(clusters) > 0 {
		err := e.Call(ctx, res.From, "plan: cluster rules", 10*time.Second, func(ctx context.Context, c *vim25.Client) error {
			var ccrs []mo.ClusterComputeResource
			if err := property.DefaultCollector(c).Retrieve(ctx, clusters, []string{"name", "configurationEx"}, &ccrs); err != nil {
				return err
			}
			for _, cc := range ccrs {
				cfg, ok := cc.ConfigurationEx.(*types.ClusterConfigInfoEx)
				if !ok {
					continue
				}
				for _, r := range cfg.Rule {
					info := r.GetClusterRuleInfo()
					if info.Enabled != nil && !*info.Enabled {
						continue
					}
					switch rr := r.(type) {
					case *types.ClusterAntiAffinityRuleSpec:
						add(fmt.Sprintf("anti-affinity rule %s (cluster %s)", info.Name, cc.Name), rr.Vm)
					case *types.ClusterAffinityRuleSpec:
						add(fmt.Sprintf("affinity rule %s (cluster %s)", info.Name, cc.Name), rr.Vm)
					}
				}
				for _, g := range cfg.Group {
					if vg, ok := g.(*types.ClusterVmGroup); ok {
						add(fmt.Sprintf("DRS VM group %s (cluster %s)", vg.Name, cc.Name), vg.Vm)
					}
				}
			}
			return nil
		})
		if err != nil {
			notes = append(notes, fmt.Sprintf("the DRS rules of %s's clusters could not be read (%v): partners are known by shared LUNs only", res.From, err))
		}
	}
	keys := make([]model.VMKey, len(res.VMs))
	for i, vm := range res.VMs {
		keys[i] = vm.Key
	}
	details, _ := e.DetailsMany(ctx, who, keys)
	byLUN := map[string][]types.ManagedObjectReference{}
	var luns []string
	for _, vm := range res.VMs {
		d, ok := details[vm.Key]
		if !ok {
			continue
		}
		mine := map[string]bool{}
		for _, disk := range d.Disks {
			if disk.LUN == "" || mine[disk.LUN] {
				continue
			}
			mine[disk.LUN] = true
			if _, ok := byLUN[disk.LUN]; !ok {
				luns = append(luns, disk.LUN)
			}
			byLUN[disk.LUN] = append(byLUN[disk.LUN], types.ManagedObjectReference{Type: "VirtualMachine", Value: vm.Key.MoRef})
		}
	}
	for _, lun := range luns {
		add("shared LUN "+lun, byLUN[lun])
	}
	return groups, notes
}
