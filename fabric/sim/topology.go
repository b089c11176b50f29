package sim

import (
	"fmt"
	"time"
)

// siteSpec is what differs between the two sites' switches.
type siteSpec struct {
	id       string // "site-a"
	prefix   string // hostname prefix, "mia"
	edgeAddr string // loopback of the DCI edge
	distAddr string // loopback of the distribution switch
	joinAddr string // OTV join interface address
	siteID   string // OTV site identifier
	edgeMAC  string // MAC base of the edge, 10 hex digits with dots
	distMAC  string
	edgeSN   string
	distSN   string
	flapAgo  time.Duration // how long ago the site's links last came up
}

// siteSpecs returns the two sites, A (Miami) first.
func siteSpecs() [2]siteSpec {
	return [2]siteSpec{
		{id: "site-a", prefix: "mia", edgeAddr: "10.1.255.1", distAddr: "10.1.255.2", joinAddr: "10.255.0.1",
			siteID: "0000.0000.0001", edgeMAC: "0026.980c.5b", distMAC: "0019.e8a1.2b",
			edgeSN: "JAF1708AAKL", distSN: "SAL1514KQ2M", flapAgo: 37*24*time.Hour + 5*time.Hour},
		{id: "site-b", prefix: "atl", edgeAddr: "10.2.255.1", distAddr: "10.2.255.2", joinAddr: "10.255.0.2",
			siteID: "0000.0000.0002", edgeMAC: "0026.980c.7c", distMAC: "0019.e8a1.4d",
			edgeSN: "JAF1709BBKM", distSN: "SAL1514KR7T", flapAgo: 37*24*time.Hour + 5*time.Hour},
	}
}

// The fabric's fixed numbering.
const (
	dciGroup    = 10 // port-channel10: the inter-site DCI on each edge
	edgeDown    = 20 // port-channel20: the edge's trunk to its distribution switch
	distUplink  = 1  // Port-channel1: the distribution switch's uplink to its edge
	otvSiteVLAN = 99
	bootAgo     = 123*24*time.Hour + 5*time.Hour + 15*time.Minute // uptime at start
)

func edgeName(s siteSpec) string { return s.prefix + "-dci-n7k-01" }
func distName(s siteSpec) string { return s.prefix + "-dist-c6k-01" }

// newFabric builds the two sites, their switches and the cables between them.
func newFabric(opts Options, now time.Time) *Fabric {
	f := &Fabric{
		opts:       opts,
		byName:     map[string]*device{},
		linkOf:     map[*port]*link{},
		latency:    opts.Latency,
		dciLoad:    max(opts.DCILoadMbps, 0),
		started:    now,
		booted:     now.Add(-bootAgo),
		lastSettle: now,
	}
	all := newVLANSet()
	extended := newVLANSet()
	for _, v := range opts.VLANs {
		all[v.ID] = true
		if v.Extended {
			extended[v.ID] = true
		}
	}

	sites := siteSpecs()
	var edges [2]*device
	for i, s := range sites {
		edge := f.addDevice(&device{name: edgeName(s), site: s.id, role: RoleDCIEdge, platform: NXOS,
			address: s.edgeAddr, serial: s.edgeSN, macBase: s.edgeMAC})
		dist := f.addDevice(&device{name: distName(s), site: s.id, role: RoleDistribution, platform: IOSXE,
			address: s.distAddr, serial: s.distSN, macBase: s.distMAC})
		peer := edgeName(sites[1-i])

		edge.vlans[1] = "default"
		edge.vlans[otvSiteVLAN] = "OTV-SITE"
		dist.vlans[1] = "default"
		for _, v := range opts.VLANs {
			edge.vlans[v.ID] = v.Name
			dist.vlans[v.ID] = v.Name
		}
		for id, name := range map[int]string{1002: "fddi-default", 1003: "token-ring-default",
			1004: "fddinet-default", 1005: "trnet-default"} {
			dist.vlans[id] = name
		}

		for m := 1; m <= 2; m++ {
			edge.addPort(trunkPort(edge, fmt.Sprintf("Ethernet3/%d", m), kindEthernet, dciGroup, extended,
				opts.BandwidthGbps, fmt.Sprintf("DCI to %s Eth3/%d", peer, m), 0, 0)) // traffic: dciTraffic
		}
		for m := 1; m <= 2; m++ {
			edge.addPort(trunkPort(edge, fmt.Sprintf("Ethernet4/%d", m), kindEthernet, edgeDown, all,
				10, fmt.Sprintf("to %s Te1/%d", dist.name, m), 96_000, 98_200))
		}
		edge.addPort(trunkPort(edge, fmt.Sprintf("port-channel%d", dciGroup), kindPortChannel, 0, extended,
			opts.BandwidthGbps, "DCI to "+peer, 0, 0))
		edge.addPort(trunkPort(edge, fmt.Sprintf("port-channel%d", edgeDown), kindPortChannel, 0, all,
			10, "to "+dist.name, 0, 0))
		ov := edge.addPort(&port{name: "Overlay1", kind: kindOverlay, adminUp: true, mtu: 1500,
			speedGbps: 1, desc: "OTV overlay to " + peer, mac: edge.mac(0x40)})
		edge.overlay = &overlay{port: ov, extend: extended.clone(), joinIf: "Ethernet3/3",
			joinAddr: s.joinAddr, siteVLAN: otvSiteVLAN, siteID: s.siteID, systemID: edge.mac(0x41)}

		for m := 1; m <= 2; m++ {
			dist.addPort(trunkPort(dist, fmt.Sprintf("TenGigabitEthernet1/%d", m), kindEthernet, distUplink, all,
				10, fmt.Sprintf("uplink to %s Eth4/%d", edge.name, m), 98_200, 96_000))
		}
		dist.addPort(trunkPort(dist, fmt.Sprintf("Port-channel%d", distUplink), kindPortChannel, 0, all,
			10, "uplink to "+edge.name, 0, 0))

		for m := 1; m <= 2; m++ {
			f.connect(edge, fmt.Sprintf("Ethernet4/%d", m), dist, fmt.Sprintf("TenGigabitEthernet1/%d", m), false)
		}
		edges[i] = edge
	}
	for m := 1; m <= 2; m++ {
		name := fmt.Sprintf("Ethernet3/%d", m)
		f.connect(edges[0], name, edges[1], name, true)
	}

	// Everything has been up since the last maintenance window, weeks ago.
	for i, d := range f.devs {
		ago := sites[i/2].flapAgo
		for j, p := range d.ports {
			p.wasUp = f.operUp(d, p)
			p.lastFlap = now.Add(-ago - time.Duration(j)*time.Minute)
			p.resets = 1
			// Counters start where weeks of traffic left them.
			rx, tx := f.bitRates(d, p)
			p.rxPkts = rx / bitsPerFrame * ago.Seconds()
			p.txPkts = tx / bitsPerFrame * ago.Seconds()
		}
	}
	f.adjWasUp = f.adjacencyUp()
	f.adjSince = now.Add(-sites[0].flapAgo + 3*time.Minute)
	return f
}

func (f *Fabric) addDevice(d *device) *device {
	d.vlans = map[int]string{}
	d.byName = map[string]*port{}
	d.sessions = map[*sshSession]struct{}{}
	f.devs = append(f.devs, d)
	f.byName[d.name] = d
	return d
}

func (f *Fabric) connect(a *device, aPort string, b *device, bPort string, dci bool) {
	l := &link{a: end{a, a.byName[aPort]}, b: end{b, b.byName[bPort]}, dci: dci}
	f.links = append(f.links, l)
	f.linkOf[l.a.port] = l
	f.linkOf[l.b.port] = l
}

// trunkPort builds an enabled 802.1Q trunk with jumbo frames, as DCI and vMotion paths run.
func trunkPort(d *device, name string, kind portKind, group int, allowed vlanSet, gbps int, desc string,
	rxPPS, txPPS float64) *port {
	return &port{
		name: name, kind: kind, desc: desc, adminUp: true, mtu: 9216, speedGbps: gbps,
		trunk: true, allowed: allowed.clone(), native: 1, group: group,
		mac:    d.mac(byte(len(d.ports) + 1)),
		rxRate: rxPPS, txRate: txPPS,
	}
}

// mac returns the switch's MAC address with the given last byte.
func (d *device) mac(last byte) string {
	return fmt.Sprintf("%s%02x", d.macBase, last)
}
