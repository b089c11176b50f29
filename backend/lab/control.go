package lab

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// Knobs for demos and tests: they change what a lab host reports the way its vCenter would
// see it change, and announce the change to every property collector watching it (as
// hostStateAnnouncer does for the simulator's host tasks), so that a client following the
// inventory sees it within one poll. vcsim has no API of its own for either: on a real
// vCenter they follow from enabling vMotion on a VMkernel adapter, and from the guests'
// memory demand.

// SetHostVMotion sets whether the named host of a site reports vMotion enabled
// (summary.config.vmotionEnabled): false is a host whose VMkernel adapters carry no vMotion,
// which can neither send nor receive a running VM. Only that flag changes: the adapter the
// lab built for vMotion (vmk1, in config.virtualNicManagerInfo) stays, so the host still
// shows its vMotion network and VLAN.
func (l *Lab) SetHostVMotion(id model.SiteID, host string, enabled bool) error {
	return l.updateHost(id, host, func(h *simulator.HostSystem) []types.PropertyChange {
		return []types.PropertyChange{{Name: "summary.config.vmotionEnabled", Val: enabled}}
	})
}

// SetHostMemoryUsage sets the memory the named host of a site reports in use, in MiB
// (summary.quickStats.overallMemoryUsage), and returns what it reported before. The lab's
// hosts have 1 TiB (1,048,576 MiB); a host near that leaves its cluster no headroom.
func (l *Lab) SetHostMemoryUsage(id model.SiteID, host string, usedMiB int32) (before int32, err error) {
	err = l.updateHost(id, host, func(h *simulator.HostSystem) []types.PropertyChange {
		before = h.Summary.QuickStats.OverallMemoryUsage
		return []types.PropertyChange{{Name: "summary.quickStats.overallMemoryUsage", Val: usedMiB}}
	})
	return before, err
}

// updateHost applies the changes change returns to the named host, under the host's lock,
// through the registry (which both sets them and tells the property collectors).
func (l *Lab) updateHost(id model.SiteID, name string, change func(*simulator.HostSystem) []types.PropertyChange) error {
	s := l.siteByID(id)
	if s == nil {
		return fmt.Errorf("lab: no site %q", id)
	}
	reg := s.model.Map()
	var host *simulator.HostSystem
	for _, ref := range reg.AllReference("HostSystem") {
		if h, ok := reg.Get(ref.Reference()).(*simulator.HostSystem); ok && h.Name == name {
			host = h
			break
		}
	}
	if host == nil {
		return fmt.Errorf("lab: %s has no host %q", id, name)
	}
	ctx := s.controlContext()
	reg.WithLock(ctx, host, func() {
		reg.Update(ctx, host, change(host))
	})
	return nil
}

// controlCalls numbers the sessions of the knobs' simulator contexts.
var controlCalls atomic.Int64

// controlContext returns a fresh simulator context with its own session, as the builder's are:
// a context is never shared between goroutines (the simulator's locks are re-entrant per
// context).
func (s *site) controlContext() *simulator.Context {
	c := *s.model.Service.Context
	c.Context = context.Background()
	c.Session = &simulator.Session{
		UserSession: types.UserSession{
			Key:      fmt.Sprintf("vmcross-lab-%s-control-%d", s.ep.ID, controlCalls.Add(1)),
			UserName: "VSPHERE.LOCAL\\Administrator",
		},
		Registry: simulator.NewRegistry(),
		Map:      c.Map,
	}
	return &c
}
