package migrate

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// begin starts one move's task at the source vCenter: it re-reads the VM (still there, same
// instance UUID, no relocate of it running already, by anyone), builds the relocate spec and
// calls RelocateVM_Task; the site's watcher follows the task from there.
func (m *Manager) begin(ctx context.Context, mv *move) {
	m.mu.Lock()
	req := mv.m
	m.mu.Unlock()

	var task types.ManagedObjectReference
	err := m.call(ctx, req.From, "relocate "+req.VMName, 10*time.Second, func(ctx context.Context, c *vim25.Client) error {
		vmRef := types.ManagedObjectReference{Type: "VirtualMachine", Value: req.VM.MoRef}
		var vm mo.VirtualMachine
		pc := property.DefaultCollector(c)
		if err := pc.RetrieveOne(ctx, vmRef, []string{"name", "config.instanceUuid", "config.hardware.device", "recentTask"}, &vm); err != nil {
			return fmt.Errorf("reading %s at the source: %w", req.VMName, err)
		}
		if vm.Config == nil {
			return fmt.Errorf("%s has no configuration at the source", req.VMName)
		}
		if req.InstanceUUID != "" && vm.Config.InstanceUuid != req.InstanceUUID {
			return fmt.Errorf("%s at the source is another VM now (instance UUID %s, expected %s): nothing was started", req.VMName, vm.Config.InstanceUuid, req.InstanceUUID)
		}
		if busy, err := runningRelocate(ctx, pc, vm.RecentTask); err != nil {
			return err
		} else if busy != "" {
			return fmt.Errorf("vCenter already runs %s on %s: nothing was started", busy, req.VMName)
		}
		loc, err := m.locate(ctx, req.To)
		if err != nil {
			return fmt.Errorf("the target vCenter's service locator: %w", err)
		}
		spec := relocateSpec(req.Target, loc, vm.Config.Hardware.Device)
		t, err := object.NewVirtualMachine(c, vmRef).Relocate(ctx, spec, types.VirtualMachineMovePriorityHighPriority)
		if err != nil {
			return err
		}
		task = t.Reference()
		return nil
	})
	if err != nil {
		m.end(mv, model.MoveFailed, err.Error())
		return
	}

	m.mu.Lock()
	mv.task = task
	mv.m.Task = model.Ref{Type: task.Type, Value: task.Value}
	mv.m.Phase = "task started"
	mv.sample, mv.lastProg = m.opts.Now(), 0
	cancel := mv.cancel
	started := mv.m
	list := m.snap()
	m.mu.Unlock()
	m.send(list)
	m.event(model.EventMoveStarted, started)
	m.follow(req.From, task)
	if cancel {
		_ = m.call(ctx, req.From, "cancel move", 5*time.Second, func(ctx context.Context, c *vim25.Client) error {
			return cancelTask(ctx, c, task)
		})
	}
}

// runningRelocate names a relocate (or migrate) task running on the VM, from its recent
// tasks: "task-12 (VirtualMachine.relocate)"; "" when none runs.
func runningRelocate(ctx context.Context, pc *property.Collector, tasks []types.ManagedObjectReference) (string, error) {
	if len(tasks) == 0 {
		return "", nil
	}
	var infos []mo.Task
	if err := pc.Retrieve(ctx, tasks, []string{"info"}, &infos); err != nil {
		return "", fmt.Errorf("reading the VM's recent tasks: %w", err)
	}
	for _, t := range infos {
		id := t.Info.DescriptionId
		running := t.Info.State == types.TaskInfoStateRunning || t.Info.State == types.TaskInfoStateQueued
		if running && (strings.Contains(id, "relocate") || strings.Contains(id, "migrate")) {
			return fmt.Sprintf("%s (%s)", t.Self.Value, id), nil
		}
	}
	return "", nil
}

// relocateSpec is the cross-vCenter relocate: the target vCenter's locator, host, pool,
// folder and datastore, each disk's target datastore when its storage moves, and each NIC's
// backing moved to its target port group.
func relocateSpec(t model.MoveTarget, loc *types.ServiceLocator, devices []types.BaseVirtualDevice) types.VirtualMachineRelocateSpec {
	ref := func(r model.Ref) *types.ManagedObjectReference {
		if r.IsZero() {
			return nil
		}
		return &types.ManagedObjectReference{Type: r.Type, Value: r.Value}
	}
	spec := types.VirtualMachineRelocateSpec{Service: loc, Host: ref(t.Host), Pool: ref(t.Pool), Folder: ref(t.Folder), Datastore: ref(t.Datastore)}
	for _, d := range devices {
		switch dev := d.(type) {
		case *types.VirtualDisk:
			fb, ok := dev.Backing.(types.BaseVirtualDeviceFileBackingInfo)
			if !ok {
				continue
			}
			src := fb.GetVirtualDeviceFileBackingInfo().Datastore
			if src == nil {
				continue
			}
			if dst, ok := t.Datastores[src.Value]; ok && !dst.IsZero() {
				spec.Disk = append(spec.Disk, types.VirtualMachineRelocateSpecDiskLocator{
					DiskId: dev.Key, Datastore: *ref(dst)})
			}
		case types.BaseVirtualEthernetCard:
			card := dev.GetVirtualEthernetCard()
			src := nicNetwork(card)
			dst, ok := t.Networks[src]
			if !ok || dst.IsZero() {
				continue
			}
			edited := d
			card.Backing = &types.VirtualEthernetCardDistributedVirtualPortBackingInfo{
				Port: types.DistributedVirtualSwitchPortConnection{SwitchUuid: t.SwitchUUIDs[dst.Value], PortgroupKey: dst.Value},
			}
			spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: edited})
		}
	}
	return spec
}

// nicNetwork is the MoRef value of the network a NIC is on: its distributed port group's
// key, or its standard network's MoRef.
func nicNetwork(card *types.VirtualEthernetCard) string {
	switch b := card.Backing.(type) {
	case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
		return b.Port.PortgroupKey
	case *types.VirtualEthernetCardNetworkBackingInfo:
		if b.Network != nil {
			return b.Network.Value
		}
	case *types.VirtualEthernetCardOpaqueNetworkBackingInfo:
		return b.OpaqueNetworkId
	}
	return ""
}

func cancelTask(ctx context.Context, c *vim25.Client, task types.ManagedObjectReference) error {
	return object.NewTask(c, task).Cancel(ctx)
}
