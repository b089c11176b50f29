package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Read-only queries about the path between the sites, for whatever rides the fabric: the lab's
// vMotion model asks them on every tick of a migration, so they are cheap (no rendering, no
// snapshot of every interface) and they answer from the same derived state the show commands
// render.

// DCIPath is what the DCI offers traffic between the sites right now.
type DCIPath struct {
	// Up: the DCI port-channel is up at both edges.
	Up bool
	// Members is the number of bundled members of the DCI port-channel at the edge with
	// fewer (0 when the DCI is down).
	Members int
	// CapacityMbps is the DCI port-channel's bandwidth: its bundled members' speeds at the
	// narrower edge, 0 when it is down at either (Snapshot.DCICapacityMbps).
	CapacityMbps int
	// LoadMbps is the background traffic (Options.DCILoadMbps, SetDCILoad); AddedMbps is
	// what AddDCITraffic added and has not released.
	LoadMbps  int
	AddedMbps int
	// FreeMbps is the capacity that neither uses: CapacityMbps - LoadMbps - AddedMbps,
	// never below 0.
	FreeMbps int
	// Why says, when Up is false, where the DCI is broken:
	// "port-channel10 is down at mia-dci-n7k-01 (no member bundled)".
	Why string
}

// DCIPath returns the DCI's state, capacity and load now.
func (f *Fabric) DCIPath() DCIPath {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle(time.Now())
	return f.dciPath()
}

// DCIFreeMbps is the DCI's free capacity now, in Mbps: DCIPath().FreeMbps.
func (f *Fabric) DCIFreeMbps() int { return f.DCIPath().FreeMbps }

// dciPath computes DCIPath. Callers hold f.mu.
func (f *Fabric) dciPath() DCIPath {
	p := DCIPath{Up: true, LoadMbps: f.dciLoad, AddedMbps: f.dciAdded}
	edges := f.edges()
	if len(edges) != 2 {
		return DCIPath{LoadMbps: f.dciLoad, AddedMbps: f.dciAdded, Why: "the fabric has no pair of DCI edges"}
	}
	for i, e := range edges {
		pc := f.dciChannel(e)
		capacity, members := 0, 0
		switch {
		case pc == nil:
			p.Up = false
			p.Why = "no DCI port-channel at " + e.name
		case !pc.adminUp:
			p.Up = false
			p.Why = fmt.Sprintf("%s is shut down at %s", pc.name, e.name)
		case !f.operUp(e, pc):
			p.Up = false
			p.Why = f.downWhy(e, pc)
		default:
			capacity = f.bandwidthKbit(e, pc) / 1000
			members = f.bundledMembers(e, pc)
		}
		if !p.Up {
			break
		}
		if i == 0 || capacity < p.CapacityMbps {
			p.CapacityMbps = capacity
		}
		if i == 0 || members < p.Members {
			p.Members = members
		}
	}
	if !p.Up {
		p.CapacityMbps, p.Members = 0, 0
		// Name the edge where the members were shut, when it is the far one.
		for _, e := range edges {
			pc := f.dciChannel(e)
			if pc != nil && pc.adminUp && slices.ContainsFunc(e.ports, func(m *port) bool { return m.group == pc.channelNumber() && !m.adminUp }) {
				p.Why = f.downWhy(e, pc)
				break
			}
		}
	}
	p.FreeMbps = max(p.CapacityMbps-p.LoadMbps-p.AddedMbps, 0)
	return p
}

// downWhy says why a DCI port-channel that is not shut down is down: its members shut down
// here, or their links down (a cable cut, or shut at the far end).
func (f *Fabric) downWhy(d *device, pc *port) string {
	var shut, down []string
	for _, m := range d.members(pc) {
		switch {
		case !m.adminUp:
			shut = append(shut, m.name)
		case !f.bundled(d, m):
			down = append(down, m.name)
		}
	}
	var parts []string
	if len(shut) > 0 {
		parts = append(parts, strings.Join(shut, ", ")+" shut down")
	}
	if len(down) > 0 {
		parts = append(parts, strings.Join(down, ", ")+" without link")
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%s is down at %s", pc.name, d.name)
	}
	return fmt.Sprintf("%s is down at %s: %s", pc.name, d.name, strings.Join(parts, "; "))
}

// VLANCarried reports whether the fabric carries vlan end to end between the sites right now:
// the DCI port-channel is up and forwards it at both edges (allowed and in the VLAN database
// at both ends), both OTV overlays extend it and have it active (overlay enabled, adjacency
// up), and each site's trunk between its DCI edge and its distribution switch forwards it.
// When it does not, why names the first break found on that path, e.g. "VLAN 120 is not
// allowed on port-channel10 at mia-dci-n7k-01".
func (f *Fabric) VLANCarried(vlan int) (ok bool, why string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle(time.Now())
	return f.vlanCarried(vlan)
}

// vlanCarried computes VLANCarried. Callers hold f.mu.
func (f *Fabric) vlanCarried(vlan int) (bool, string) {
	if p := f.dciPath(); !p.Up {
		return false, "the DCI is down: " + p.Why
	}
	edges := f.edges()
	for _, e := range edges {
		if e.vlans[vlan] == "" {
			return false, fmt.Sprintf("VLAN %d is not in the VLAN database of %s", vlan, e.name)
		}
		pc := f.dciChannel(e)
		if !pc.allowed[vlan] {
			return false, fmt.Sprintf("VLAN %d is not allowed on %s at %s", vlan, pc.name, e.name)
		}
	}
	for _, e := range edges {
		if pc := f.dciChannel(e); !f.forwarding(e, pc)[vlan] {
			return false, fmt.Sprintf("VLAN %d is not forwarding on %s at %s", vlan, pc.name, e.name)
		}
	}
	for _, e := range edges {
		switch {
		case e.overlay == nil:
			return false, "no OTV overlay at " + e.name
		case !e.overlay.port.adminUp:
			return false, fmt.Sprintf("the OTV overlay %s is shut down at %s", e.overlay.port.name, e.name)
		}
	}
	if !f.adjacencyUp() {
		return false, "the OTV adjacency between the DCI edges is down"
	}
	for _, e := range edges {
		if !e.overlay.extend[vlan] {
			return false, fmt.Sprintf("VLAN %d is not extended by %s at %s", vlan, e.overlay.port.name, e.name)
		}
	}
	for _, e := range edges {
		if state, active := f.otvVLANState(e, vlan); !active {
			return false, fmt.Sprintf("VLAN %d is %s in the OTV overlay at %s", vlan, state, e.name)
		}
	}
	for _, e := range edges {
		for _, p := range e.ports {
			if p.kind != kindPortChannel || p == f.dciChannel(e) {
				continue
			}
			peer, ok := f.peerOf(e, p)
			if !ok || peer.dev.site != e.site || peer.dev.role != RoleDistribution {
				continue
			}
			if !f.forwarding(e, p)[vlan] {
				return false, fmt.Sprintf("VLAN %d is not forwarding on %s between %s and %s", vlan, p.name, e.name, peer.dev.name)
			}
		}
	}
	return true, ""
}
