package sim

import (
	"slices"
	"time"
)

// portKind says what sort of interface a port is.
type portKind int

const (
	kindEthernet    portKind = iota // a physical port: Ethernet3/1, TenGigabitEthernet1/1
	kindPortChannel                 // a LACP port-channel: port-channel10, Port-channel1
	kindOverlay                     // the OTV overlay interface: Overlay1
)

// port is one interface of a switch: its configuration and its counters. Operational state
// (up, bundled, forwarding) is never stored: it is derived from the whole fabric on demand,
// so a change at one end shows at the other at once.
type port struct {
	name      string // canonical: "Ethernet3/1", "port-channel10", "Port-channel1"
	kind      portKind
	desc      string
	adminUp   bool
	mtu       int
	speedGbps int
	trunk     bool    // switchport mode trunk
	allowed   vlanSet // switchport trunk allowed vlan
	native    int
	group     int // channel-group of a member port; 0 otherwise
	mac       string

	// Counters. Traffic counters grow at the port's bit rates (bitRates: rxRate/txRate
	// packets a second, or a DCI member's share of the DCI's traffic) while the port is up;
	// crc and inErr are raised by fault injection, once or at crcRate a second.
	rxPkts, txPkts float64
	rxRate, txRate float64
	crc, inErr     float64
	crcRate        float64

	// Bookkeeping of settle: the operational state during the last interval, when it last
	// changed, and how often.
	wasUp    bool
	lastFlap time.Time
	resets   int
}

// overlay is a DCI edge's OTV overlay interface and its configuration.
type overlay struct {
	port     *port // Overlay1, for its admin state
	extend   vlanSet
	joinIf   string // the join interface, "Ethernet3/3"; the adjacency rides the DCI
	joinAddr string
	siteVLAN int
	siteID   string
	systemID string
}

// device is one simulated switch.
type device struct {
	name     string
	site     string
	role     Role
	platform Platform
	address  string // loopback
	serial   string
	macBase  string         // first 10 hex digits of every MAC of the switch, "0026.980c.5b"
	vlans    map[int]string // VLAN database: ID -> name
	ports    []*port
	byName   map[string]*port
	overlay  *overlay // DCI edges only

	// Fault injection that concerns the SSH server rather than the network.
	dropMidOutput bool // the next show command over SSH writes half its output, then hangs up
	unresponsive  bool // the CLI reads input and answers nothing

	srv      sshServer
	listenAt int
	sessions map[*sshSession]struct{}
}

func (d *device) addPort(p *port) *port {
	d.ports = append(d.ports, p)
	d.byName[p.name] = p
	return p
}

// channel returns the port-channel of a channel-group.
func (d *device) channel(group int) *port {
	for _, p := range d.ports {
		if p.kind == kindPortChannel && p.channelNumber() == group {
			return p
		}
	}
	return nil
}

// members returns the member ports of a port-channel, in order.
func (d *device) members(pc *port) []*port {
	var out []*port
	for _, p := range d.ports {
		if p.kind == kindEthernet && p.group != 0 && p.group == pc.channelNumber() {
			out = append(out, p)
		}
	}
	return out
}

// vlanDB returns the IDs in the VLAN database.
func (d *device) vlanDB() vlanSet {
	s := vlanSet{}
	for id := range d.vlans {
		s[id] = true
	}
	return s
}

func (d *device) vlanIDs() []int {
	ids := make([]int, 0, len(d.vlans))
	for id := range d.vlans {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (p *port) channelNumber() int {
	if p.kind != kindPortChannel {
		return 0
	}
	n := 0
	for _, r := range p.name {
		if r >= '0' && r <= '9' {
			n = n*10 + int(r-'0')
		}
	}
	return n
}

// end is one end of a cable.
type end struct {
	dev  *device
	port *port
}

// link is a cable between two physical ports. A cut link is down whatever its ends say.
type link struct {
	a, b end
	dci  bool
	cut  bool
}

func (l *link) other(p *port) end {
	if l.a.port == p {
		return l.b
	}
	return l.a
}

// ---- Derived state. Every method below expects f.mu to be held. ----

// effectiveAdmin is the admin state that drives the laser: a member port is down when its
// port-channel is shut, as NX-OS and IOS both do.
func (f *Fabric) effectiveAdmin(d *device, p *port) bool {
	if !p.adminUp {
		return false
	}
	if p.group != 0 {
		if pc := d.channel(p.group); pc != nil && !pc.adminUp {
			return false
		}
	}
	return true
}

// physUp says whether a physical port has link: both ends enabled and the cable whole.
func (f *Fabric) physUp(d *device, p *port) bool {
	l := f.linkOf[p]
	if l == nil || l.cut {
		return false
	}
	o := l.other(p)
	return f.effectiveAdmin(d, p) && f.effectiveAdmin(o.dev, o.port)
}

// suspended says whether a member's own trunk configuration disagrees with its port-channel's,
// which makes LACP suspend it. Only IOS lets the two differ; NX-OS refuses the command.
func (f *Fabric) suspended(d *device, p *port) bool {
	pc := d.channel(p.group)
	return pc != nil && (p.trunk != pc.trunk || !p.allowed.equal(pc.allowed))
}

// bundled says whether a member port forwards as part of its port-channel.
func (f *Fabric) bundled(d *device, p *port) bool {
	if p.group == 0 || !f.physUp(d, p) {
		return false
	}
	o := f.linkOf[p].other(p)
	return o.port.group != 0 && !f.suspended(d, p) && !f.suspended(o.dev, o.port)
}

// operUp is the operational state `show interface` reports.
func (f *Fabric) operUp(d *device, p *port) bool {
	switch p.kind {
	case kindEthernet:
		return f.physUp(d, p)
	case kindPortChannel:
		if !p.adminUp {
			return false
		}
		for _, m := range d.members(p) {
			if f.bundled(d, m) {
				return true
			}
		}
		return false
	default:
		return p.adminUp
	}
}

// peerOf returns the port at the far end: the cabled port of a physical port, the far
// port-channel of a port-channel.
func (f *Fabric) peerOf(d *device, p *port) (end, bool) {
	switch p.kind {
	case kindEthernet:
		if l := f.linkOf[p]; l != nil {
			return l.other(p), true
		}
	case kindPortChannel:
		for _, m := range d.members(p) {
			if l := f.linkOf[m]; l != nil {
				o := l.other(m)
				if pc := o.dev.channel(o.port.group); pc != nil {
					return end{o.dev, pc}, true
				}
			}
		}
	}
	return end{}, false
}

// carried is what one end of a trunk is willing to carry: its allowed VLANs that exist in its
// VLAN database.
func (f *Fabric) carried(d *device, p *port) vlanSet {
	return p.allowed.intersect(d.vlanDB())
}

// forwarding is the set of VLANs a trunk forwards: those both ends carry, and none when it is
// down. The far end matters because the DCI and site trunks are spanning-tree network ports
// with Bridge Assurance (the NX-OS default): a VLAN whose BPDUs stop arriving from the far end
// goes BA-inconsistent and blocks. So removing a VLAN at one end, or deleting it from one
// switch's database, stops it forwarding at both ends.
func (f *Fabric) forwarding(d *device, p *port) vlanSet {
	if !p.trunk || !f.operUp(d, p) {
		return vlanSet{}
	}
	peer, ok := f.peerOf(d, p)
	if !ok {
		return f.carried(d, p)
	}
	return f.carried(d, p).intersect(f.carried(peer.dev, peer.port))
}

// dciChannel returns a DCI edge's inter-site port-channel.
func (f *Fabric) dciChannel(d *device) *port {
	for _, l := range f.links {
		if !l.dci {
			continue
		}
		for _, e := range []end{l.a, l.b} {
			if e.dev == d {
				return d.channel(e.port.group)
			}
		}
	}
	return nil
}

// edges returns the two DCI edges.
func (f *Fabric) edges() []*device {
	var out []*device
	for _, d := range f.devs {
		if d.role == RoleDCIEdge {
			out = append(out, d)
		}
	}
	return out
}

// peerEdge returns the other site's DCI edge.
func (f *Fabric) peerEdge(d *device) *device {
	for _, e := range f.edges() {
		if e != d {
			return e
		}
	}
	return nil
}

// adjacencyUp says whether the OTV adjacency between the edges is up. The join interfaces
// reach each other only across the DCI, so the adjacency needs the DCI port-channel up at both
// ends, both overlays enabled, and no injected control-plane fault.
func (f *Fabric) adjacencyUp() bool {
	if f.otvDown {
		return false
	}
	for _, e := range f.edges() {
		if e.overlay == nil || !e.overlay.port.adminUp {
			return false
		}
		pc := f.dciChannel(e)
		if pc == nil || !f.operUp(e, pc) {
			return false
		}
	}
	return true
}

// otvVLANState is the state `show otv vlan` gives an extended VLAN on an edge:
//   - "inactive(OD)" (Overlay Down): the overlay is shut or has no adjacency;
//   - "inactive(VD)" (Vlan Disabled): the VLAN is not in this edge's VLAN database;
//   - "inactive(NFC)" (Not Forward Capable): the far edge does not extend it, or the DCI trunk
//     does not forward it end to end;
//   - "active" otherwise, with this edge the authoritative edge device.
func (f *Fabric) otvVLANState(d *device, vlan int) (state string, aed bool) {
	peer := f.peerEdge(d)
	switch {
	case !d.overlay.port.adminUp || !f.adjacencyUp():
		return "inactive(OD)", false
	case d.vlans[vlan] == "":
		return "inactive(VD)", false
	case peer == nil || !peer.overlay.extend[vlan] || peer.vlans[vlan] == "":
		return "inactive(NFC)", false
	case !f.forwarding(d, f.dciChannel(d))[vlan]:
		return "inactive(NFC)", false
	}
	return "active", true
}

// settle brings counters up to now and records operational changes (link flaps, adjacency
// changes) since the last call. Every command and every fault calls it first and last, so
// counters advance only while a port was up and flap times are exact.
func (f *Fabric) settle(now time.Time) {
	dt := now.Sub(f.lastSettle).Seconds()
	if dt < 0 {
		dt = 0
	}
	f.lastSettle = now
	for _, d := range f.devs {
		for _, p := range d.ports {
			if p.wasUp && p.kind == kindEthernet {
				rx, tx := f.bitRates(d, p)
				p.rxPkts += rx / bitsPerFrame * dt
				p.txPkts += tx / bitsPerFrame * dt
				n := p.crcRate * dt
				p.crc += n
				p.inErr += n
			}
			up := f.operUp(d, p)
			if up != p.wasUp {
				p.wasUp = up
				p.lastFlap = now
				p.resets++
			}
		}
	}
	if up := f.adjacencyUp(); up != f.adjWasUp {
		f.adjWasUp = up
		f.adjSince = now
	}
}

// counters sums a port's counters: a port-channel reports the sum of its members.
func (f *Fabric) counters(d *device, p *port) (rx, tx, crc, inErr float64) {
	if p.kind != kindPortChannel {
		return p.rxPkts, p.txPkts, p.crc, p.inErr
	}
	for _, m := range d.members(p) {
		rx += m.rxPkts
		tx += m.txPkts
		crc += m.crc
		inErr += m.inErr
	}
	return rx, tx, crc, inErr
}

// bitRates returns the traffic a port shows now, in bits a second: received and sent. A
// member of the DCI port-channel carries its share of the DCI's traffic (dciTraffic) while
// bundled, nothing otherwise; another physical port its own steady rates; a port-channel
// the sum of its members'.
func (f *Fabric) bitRates(d *device, p *port) (rx, tx float64) {
	if !f.operUp(d, p) {
		return 0, 0
	}
	switch p.kind {
	case kindEthernet:
		if l := f.linkOf[p]; l != nil && l.dci {
			if !f.bundled(d, p) {
				return 0, 0
			}
			in, out := f.dciTraffic(d)
			n := float64(f.bundledMembers(d, d.channel(p.group)))
			return in / n, out / n
		}
		return p.rxRate * bitsPerFrame, p.txRate * bitsPerFrame
	case kindPortChannel:
		for _, m := range d.members(p) {
			r, t := f.bitRates(d, m)
			rx += r
			tx += t
		}
	}
	return rx, tx
}

// dciTraffic is the traffic on a DCI edge's inter-site port-channel, in bits a second:
// arriving from the other site (in) and leaving for it (out). Each direction carries the
// background load and the traffic AddDCITraffic added, the background a little lighter
// from site B to site A, as real traffic is never quite symmetric; neither direction
// carries more than the port-channel's bandwidth.
func (f *Fabric) dciTraffic(d *device) (in, out float64) {
	pc := f.dciChannel(d)
	if pc == nil || !f.operUp(d, pc) {
		return 0, 0
	}
	capacity := float64(f.bandwidthKbit(d, pc)) * 1000
	aToB := min(float64(f.dciLoad+f.dciAdded)*1e6, capacity)
	bToA := min((float64(f.dciLoad)*dciReturnShare+float64(f.dciAdded))*1e6, capacity)
	if edges := f.edges(); len(edges) > 0 && edges[0] == d {
		return bToA, aToB
	}
	return aToB, bToA
}

// dciReturnShare is how much of the background load flows from site B to site A, against
// all of it from A to B.
const dciReturnShare = 0.96

// bundledMembers counts the members of a port-channel that are bundled.
func (f *Fabric) bundledMembers(d *device, pc *port) int {
	n := 0
	for _, m := range d.members(pc) {
		if f.bundled(d, m) {
			n++
		}
	}
	return n
}

// bandwidthKbit is the BW of a port: its speed, or the sum of the bundled members' speeds.
func (f *Fabric) bandwidthKbit(d *device, p *port) int {
	if p.kind != kindPortChannel {
		return p.speedGbps * 1_000_000
	}
	bw := 0
	for _, m := range d.members(p) {
		if f.bundled(d, m) {
			bw += m.speedGbps * 1_000_000
		}
	}
	if bw == 0 {
		if ms := d.members(p); len(ms) > 0 {
			bw = ms[0].speedGbps * 1_000_000
		}
	}
	return bw
}

// load is a port's txload and rxload, out of 255 of its bandwidth, as both CLIs report them.
func (f *Fabric) load(d *device, p *port) (tx, rx int) {
	rxBPS, txBPS := f.bitRates(d, p)
	bw := float64(f.bandwidthKbit(d, p)) * 1000
	if bw <= 0 {
		return 1, 1
	}
	scale := func(bps float64) int { return min(255, max(1, int(255*bps/bw+0.5))) }
	return scale(txBPS), scale(rxBPS)
}
