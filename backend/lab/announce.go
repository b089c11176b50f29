package lab

import (
	"slices"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// hostStateAnnouncer makes the simulator announce what its host tasks change, as vCenter
// does: EnterMaintenanceMode, ExitMaintenanceMode, DisconnectHost and ReconnectHost set the
// host's runtime without telling property collectors, so a client watching
// runtime.inMaintenanceMode never saw a host go into maintenance. It is a registry handler:
// it sees each task finish and then announces the host's state.
type hostStateAnnouncer struct {
	reg     *simulator.Registry
	context func() *simulator.Context // a fresh context with its own session
}

func (a *hostStateAnnouncer) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "VmcrossLabHostStateAnnouncer", Value: "announcer-1"}
}

func (*hostStateAnnouncer) PutObject(*simulator.Context, mo.Reference) {}

func (*hostStateAnnouncer) RemoveObject(*simulator.Context, types.ManagedObjectReference) {}

// UpdateObject runs under the task's lock; the announcement takes the host's, so it runs on a
// goroutine of its own with its own context (contexts are never shared between goroutines).
func (a *hostStateAnnouncer) UpdateObject(_ *simulator.Context, obj mo.Reference, changes []types.PropertyChange) {
	task, ok := obj.(*mo.Task)
	if !ok || task.Info.Entity == nil || task.Info.Entity.Type != "HostSystem" {
		return
	}
	switch task.Info.DescriptionId {
	case "HostSystem.enterMaintenanceMode", "HostSystem.exitMaintenanceMode", "HostSystem.disconnectHost", "HostSystem.reconnectHost":
	default:
		return
	}
	if !slices.ContainsFunc(changes, func(c types.PropertyChange) bool {
		return c.Name == "info.state" && c.Val == types.TaskInfoStateSuccess
	}) {
		return
	}
	host, ok := a.reg.Get(*task.Info.Entity).(*simulator.HostSystem)
	if !ok {
		return
	}
	go func() {
		ctx := a.context()
		a.reg.WithLock(ctx, host, func() {
			a.reg.Update(ctx, host, []types.PropertyChange{
				{Name: "runtime.inMaintenanceMode", Val: host.Runtime.InMaintenanceMode},
				{Name: "runtime.connectionState", Val: host.Runtime.ConnectionState},
			})
		})
	}()
}
