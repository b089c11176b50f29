package sim

import (
	"fmt"
	"strings"
)

// The NX-OS renderings follow real Nexus 7000 output: see testdata/SOURCES.md for the captures
// each one was compared with.

func (f *Fabric) nxosHostname(d *device) string { return d.name + "\n" }

func (f *Fabric) nxosVersion(d *device) string {
	up := f.lastSettle.Sub(f.booted)
	days := int(up.Hours()) / 24
	var b strings.Builder
	b.WriteString(`
Cisco Nexus Operating System (NX-OS) Software
TAC support: http://www.cisco.com/tac
Documents: http://www.cisco.com/en/US/products/ps9372/tsd_products_support_series_home.html
Copyright (c) 2002-2016, Cisco Systems, Inc. All rights reserved.
The copyrights to certain works contained in this software are
owned by other third parties and used and distributed under
license. Certain components of this software are licensed under
the GNU General Public License (GPL) version 2.0 or the GNU
Lesser General Public License (LGPL) Version 2.1. A copy of each
such license is available at
http://www.opensource.org/licenses/gpl-2.0.php and
http://www.opensource.org/licenses/lgpl-2.1.php

Software
  BIOS:      version 2.12.0
  kickstart: version 6.2(16)
  system:    version 6.2(16)
  BIOS compile time:       05/29/2013
  kickstart image file is: bootflash:///n7000-s2-kickstart.6.2.16.bin
  kickstart compile time:  1/27/2016 9:00:00 [04/06/2016 05:13:37]
  system image file is:    bootflash:///n7000-s2-dk9.6.2.16.bin
  system compile time:     1/27/2016 9:00:00 [04/06/2016 06:16:06]


Hardware
  cisco Nexus7000 C7009 (9 Slot) Chassis ("Supervisor Module-2")
  Intel(R) Xeon(R) CPU         with 32938744 kB of memory.
`)
	fmt.Fprintf(&b, "  Processor Board ID %s\n\n", d.serial)
	fmt.Fprintf(&b, "  Device name: %s\n", d.name)
	b.WriteString("  bootflash:    2007040 kB\n  slot0:        7989768 kB (expansion flash)\n\n")
	fmt.Fprintf(&b, "Kernel uptime is %d day(s), %d hour(s), %d minute(s), %d second(s)\n\n",
		days, int(up.Hours())%24, int(up.Minutes())%60, int(up.Seconds())%60)
	fmt.Fprintf(&b, "Last reset at 885982 usecs after  %s\n\n", f.booted.UTC().Format("Mon Jan _2 15:04:05 2006"))
	b.WriteString(`  Reason: Reset Requested by CLI command reload
  System version: 6.2(16)
  Service: 

plugin
  Core Plugin, Ethernet Plugin

Active Package(s)

`)
	return b.String()
}

func (f *Fabric) nxosVLANBrief(d *device) string {
	var b strings.Builder
	b.WriteString("\nVLAN Name                             Status    Ports\n")
	b.WriteString("---- -------------------------------- --------- -------------------------------\n")
	for _, id := range d.vlanIDs() {
		var ports []string
		for _, p := range d.ports {
			if p.trunk && p.group == 0 && f.forwarding(d, p)[id] {
				ports = append(ports, shortIfName(d.platform, p.name))
			}
		}
		lines := wrapList(ports, 31)
		first := ""
		if len(lines) > 0 {
			first = lines[0]
		}
		b.WriteString(strings.TrimRight(fmt.Sprintf("%-4d %-32s %-9s %s", id, d.vlans[id], "active", first), " ") + "\n")
		for _, l := range lines[min(1, len(lines)):] {
			b.WriteString(strings.Repeat(" ", 48) + l + "\n")
		}
	}
	return b.String()
}

func (f *Fabric) nxosVLAN(d *device) string {
	var b strings.Builder
	b.WriteString(f.nxosVLANBrief(d))
	b.WriteString("\nVLAN Type         Vlan-mode\n---- -----        ----------\n")
	for _, id := range d.vlanIDs() {
		fmt.Fprintf(&b, "%-4d %-12s %s\n", id, "enet", "CE")
	}
	b.WriteString("\nRemote SPAN VLANs\n" + dashes(79) + "\n\n")
	b.WriteString("Primary  Secondary  Type             Ports\n")
	b.WriteString("-------  ---------  ---------------  -------------------------------------------\n\n\n")
	return b.String()
}

// nxosInterfaceTrunk renders `show interface trunk`: members first, then port-channels, in six
// sections, each framed by 80 dashes.
func (f *Fabric) nxosInterfaceTrunk(d *device) string {
	var trunks []*port
	for _, p := range d.ports {
		if p.trunk {
			trunks = append(trunks, p)
		}
	}
	rule := dashes(80) + "\n"
	var b strings.Builder
	b.WriteString("\n" + rule + "Port          Native  Status        Port\n              Vlan                  Channel\n" + rule)
	for _, p := range trunks {
		status, channel := "trunking", "--"
		if p.group != 0 {
			channel = shortIfName(d.platform, d.channel(p.group).name)
			status = "trnk-bndl"
			if !f.bundled(d, p) {
				status = "not-trunking"
			}
		} else if !f.operUp(d, p) {
			status = "not-trunking"
		}
		fmt.Fprintf(&b, "%-14s%-8d%-14s%s\n", shortIfName(d.platform, p.name), p.native, status, channel)
	}
	section := func(title string, list func(p *port) string) {
		b.WriteString(rule + "Port          " + title + "\n" + rule)
		if list == nil {
			return
		}
		for _, p := range trunks {
			fmt.Fprintf(&b, "%-14s%s\n", shortIfName(d.platform, p.name), list(p))
		}
	}
	section("Vlans Allowed on Trunk", func(p *port) string { return formatVLANList(p.allowed.sorted()) })
	section("Vlans Err-disabled on Trunk", func(*port) string { return "none" })
	section("STP Forwarding", func(p *port) string {
		if p.group != 0 {
			return "none" // members forward as their port-channel
		}
		return formatVLANList(f.forwarding(d, p).sorted())
	})
	section("Vlans in spanning tree forwarding state and not pruned", nil)
	section("Vlans Forwarding on FabricPath", func(*port) string { return "none" })
	return b.String()
}

func (f *Fabric) nxosPortChannelSummary(d *device) string {
	var b strings.Builder
	b.WriteString(`Flags:  D - Down        P - Up in port-channel (members)
        I - Individual  H - Hot-standby (LACP only)
        s - Suspended   r - Module-removed
        S - Switched    R - Routed
        U - Up (port-channel)
        M - Not in use. Min-links not met
--------------------------------------------------------------------------------
Group Port-       Type     Protocol  Member Ports
      Channel
--------------------------------------------------------------------------------
`)
	for _, pc := range d.ports {
		if pc.kind != kindPortChannel {
			continue
		}
		flag := "SD"
		if f.operUp(d, pc) {
			flag = "SU"
		}
		var members []string
		for _, m := range d.members(pc) {
			members = append(members, fmt.Sprintf("%-13s", shortIfName(d.platform, m.name)+"("+f.memberFlag(d, m)+")"))
		}
		head := fmt.Sprintf("%-6d%-12s%-9s%-10s", pc.channelNumber(), shortIfName(d.platform, pc.name)+"("+flag+")", "Eth", "LACP")
		for i := 0; i < len(members) || i == 0; i += 3 {
			if i > 0 {
				head = strings.Repeat(" ", 37)
			}
			row := members[i:min(i+3, len(members))]
			if len(row) == 0 {
				row = []string{"--"}
			}
			b.WriteString(strings.TrimRight(head+strings.Join(row, ""), " ") + "\n")
		}
	}
	return b.String()
}

// memberFlag is a member port's flag in the port-channel summaries: P bundled, s suspended,
// D down.
func (f *Fabric) memberFlag(d *device, m *port) string {
	switch {
	case f.bundled(d, m):
		return "P"
	case f.physUp(d, m):
		return "s"
	}
	return "D"
}

func (f *Fabric) nxosInterfaces(d *device) string {
	var parts []string
	for _, p := range d.ports {
		parts = append(parts, f.nxosInterface(d, p))
	}
	return strings.Join(parts, "\n")
}

// nxosInterface renders `show interface <name>`.
func (f *Fabric) nxosInterface(d *device, p *port) string {
	var b strings.Builder
	up := f.operUp(d, p)
	now := f.lastSettle
	if p.kind == kindOverlay {
		if up {
			fmt.Fprintf(&b, "%s is up\n", p.name)
		} else {
			fmt.Fprintf(&b, "%s is down (Administratively down)\n", p.name)
		}
		if p.desc != "" {
			fmt.Fprintf(&b, "  Description: %s\n", p.desc)
		}
		b.WriteString("  BW 1000000 Kbit\n  Last clearing of \"show interface\" counters never\n")
		return b.String()
	}

	state := "up"
	if !up {
		state = "down (" + f.nxosDownReason(d, p) + ")"
	}
	admin := "up"
	if !p.adminUp {
		admin = "down"
	}
	fmt.Fprintf(&b, "%s is %s\n", p.name, state)
	if p.kind == kindPortChannel {
		fmt.Fprintf(&b, "admin state is %s\n", admin)
		fmt.Fprintf(&b, "  Hardware: Port-Channel, address: %s (bia %s)\n", p.mac, p.mac)
	} else {
		fmt.Fprintf(&b, "admin state is %s, Dedicated Interface\n", admin)
		if p.group != 0 {
			fmt.Fprintf(&b, "  Belongs to %s\n", shortIfName(d.platform, d.channel(p.group).name))
		}
		fmt.Fprintf(&b, "  Hardware: 1000/10000 Ethernet, address: %s (bia %s)\n", p.mac, p.mac)
	}
	if p.desc != "" {
		fmt.Fprintf(&b, "  Description: %s\n", p.desc)
	}
	fmt.Fprintf(&b, "  MTU %d bytes, BW %d Kbit, DLY 10 usec\n", p.mtu, f.bandwidthKbit(d, p))
	tl, rl := f.load(d, p)
	fmt.Fprintf(&b, "  reliability 255/255, txload %d/255, rxload %d/255\n", tl, rl)
	b.WriteString("  Encapsulation ARPA, medium is broadcast\n")
	b.WriteString("  Port mode is trunk\n")
	speed := fmt.Sprintf("%d Gb/s", p.speedGbps)
	if p.kind == kindPortChannel {
		if up {
			fmt.Fprintf(&b, "  full-duplex, %s\n", speed)
		} else {
			b.WriteString("  auto-duplex, auto-speed\n")
		}
		b.WriteString("  Input flow-control is off, output flow-control is off\n")
		b.WriteString("  Auto-mdix is turned off\n  Switchport monitor is off\n  EtherType is 0x8100\n")
		var ms []string
		for _, m := range d.members(p) {
			ms = append(ms, shortIfName(d.platform, m.name))
		}
		fmt.Fprintf(&b, "  Members in this channel: %s\n", strings.Join(ms, ", "))
	} else {
		if up {
			fmt.Fprintf(&b, "  full-duplex, %s, media type is %dG\n", speed, p.speedGbps)
		} else {
			b.WriteString("  auto-duplex, auto-speed\n")
		}
		b.WriteString("  Beacon is turned off\n  Auto-Negotiation is turned off\n")
		b.WriteString("  Input flow-control is off, output flow-control is off\n")
		b.WriteString("  Auto-mdix is turned off\n  Rate mode is dedicated\n  Switchport monitor is off\n")
		b.WriteString("  EtherType is 0x8100\n  EEE (efficient-ethernet) : n/a\n")
		fmt.Fprintf(&b, "  Last link flapped %s\n", nxosFlapAge(now.Sub(p.lastFlap)))
	}
	b.WriteString("  Last clearing of \"show interface\" counters never\n")
	fmt.Fprintf(&b, "  %d interface resets\n", p.resets)

	rxBPS, txBPS := f.bitRates(d, p)
	rxPPS, txPPS := rxBPS/bitsPerFrame, txBPS/bitsPerFrame
	b.WriteString("  Load-Interval #1: 30 seconds\n")
	fmt.Fprintf(&b, "    30 seconds input rate %d bits/sec, %d packets/sec\n", u(rxBPS), u(rxPPS))
	fmt.Fprintf(&b, "    30 seconds output rate %d bits/sec, %d packets/sec\n", u(txBPS), u(txPPS))
	fmt.Fprintf(&b, "    input rate %s, %s; output rate %s, %s\n",
		rateText(rxBPS, "bps"), rateText(rxPPS, "pps"), rateText(txBPS, "bps"), rateText(txPPS, "pps"))
	b.WriteString("  Load-Interval #2: 5 minute (300 seconds)\n")
	fmt.Fprintf(&b, "    300 seconds input rate %d bits/sec, %d packets/sec\n", u(rxBPS*0.97), u(rxPPS*0.97))
	fmt.Fprintf(&b, "    300 seconds output rate %d bits/sec, %d packets/sec\n", u(txBPS*0.97), u(txPPS*0.97))
	fmt.Fprintf(&b, "    input rate %s, %s; output rate %s, %s\n",
		rateText(rxBPS*0.97, "bps"), rateText(rxPPS*0.97, "pps"), rateText(txBPS*0.97, "bps"), rateText(txPPS*0.97, "pps"))

	rx, tx, crc, inErr := f.counters(d, p)
	b.WriteString("  RX\n")
	fmt.Fprintf(&b, "    %d unicast packets  %d multicast packets  %d broadcast packets\n",
		u(rx*(1-shareMcast-shareBcast)), u(rx*shareMcast), u(rx*shareBcast))
	fmt.Fprintf(&b, "    %d input packets  %d bytes\n", u(rx), u(rx*avgFrame))
	fmt.Fprintf(&b, "    %d jumbo packets  0 storm suppression packets\n", u(rx*shareJumbo))
	fmt.Fprintf(&b, "    0 runts  0 giants  %d CRC/FCS  0 no buffer\n", u(crc))
	fmt.Fprintf(&b, "    %d input error  0 short frame  0 overrun   0 underrun  0 ignored\n", u(inErr))
	b.WriteString("    0 watchdog  0 bad etype drop  0 bad proto drop  0 if down drop\n")
	b.WriteString("    0 input with dribble  0 input discard\n")
	b.WriteString("    0 Rx pause\n")
	b.WriteString("  TX\n")
	fmt.Fprintf(&b, "    %d unicast packets  %d multicast packets  %d broadcast packets\n",
		u(tx*(1-shareMcast-shareBcast)), u(tx*shareMcast), u(tx*shareBcast))
	fmt.Fprintf(&b, "    %d output packets  %d bytes\n", u(tx), u(tx*avgFrame))
	fmt.Fprintf(&b, "    %d jumbo packets\n", u(tx*shareJumbo))
	b.WriteString("    0 output error  0 collision  0 deferred  0 late collision\n")
	b.WriteString("    0 lost carrier  0 no carrier  0 babble  0 output discard\n")
	b.WriteString("    0 Tx pause\n")
	return b.String()
}

// nxosDownReason is the reason NX-OS gives in "Ethernet3/1 is down (...)".
func (f *Fabric) nxosDownReason(d *device, p *port) string {
	switch {
	case !p.adminUp:
		return "Administratively down"
	case p.kind == kindPortChannel:
		return "No operational members"
	case p.group != 0 && !f.effectiveAdmin(d, p):
		return "Channel admin down"
	case f.physUp(d, p):
		return "suspended(no LACP PDUs)"
	}
	return "Link not connected"
}

func (f *Fabric) nxosOTVAdjacency(d *device) string {
	var b strings.Builder
	b.WriteString("Overlay Adjacency database\n\n")
	if d.overlay == nil {
		return b.String()
	}
	fmt.Fprintf(&b, "Overlay-Interface %s  :\n", d.overlay.port.name)
	b.WriteString("Hostname                         System-ID      Dest Addr       Up Time   State\n")
	if peer := f.peerEdge(d); peer != nil && f.adjacencyUp() {
		fmt.Fprintf(&b, "%-33s%-15s%-16s%-10s%s\n", peer.name, peer.overlay.systemID, peer.overlay.joinAddr,
			nxosUptime(f.lastSettle.Sub(f.adjSince)), "UP")
	}
	b.WriteString("\n")
	return b.String()
}

func (f *Fabric) nxosOTVVLAN(d *device) string {
	var b strings.Builder
	b.WriteString(`
OTV Extended VLANs and Edge Device State Information (* - AED)

Legend:
(NA) - Non AED, (VD) - Vlan Disabled, (OD) - Overlay Down
(DH) - Delete Holddown, (HW) - HW: State Down
(NFC) - Not Forward Capable

VLAN   Auth. Edge Device                     Vlan State                 Overlay
----   -----------------------------------   ----------------------     -------
`)
	if d.overlay == nil {
		return b.String()
	}
	for _, id := range d.overlay.extend.sorted() {
		state, aed := f.otvVLANState(d, id)
		vlan := fmt.Sprint(id)
		if aed {
			vlan += "*"
		}
		fmt.Fprintf(&b, " %-6s%-38s%-27s%s\n", vlan, d.name, state, d.overlay.port.name)
	}
	return b.String()
}
