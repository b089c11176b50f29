package sim

import (
	"fmt"
	"strings"
)

// The IOS renderings follow real Catalyst 6500 (12.2(33)SX) output: see testdata/SOURCES.md
// for the captures each one was compared with.

func (f *Fabric) iosVersion(d *device) string {
	up := iosUptime(f.lastSettle.Sub(f.booted))
	var b strings.Builder
	b.WriteString(`Cisco IOS Software, s72033_rp Software (s72033_rp-ADVIPSERVICESK9_WAN-M), Version 12.2(33)SXJ10, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2015 by Cisco Systems, Inc.
Compiled Fri 06-Nov-15 09:41 by prod_rel_team

ROM: System Bootstrap, Version 12.2(17r)SX7, RELEASE SOFTWARE (fc1)

`)
	fmt.Fprintf(&b, "%s uptime is %s\n", d.name, up)
	fmt.Fprintf(&b, "Uptime for this control processor is %s\n", up)
	fmt.Fprintf(&b, "Time since %s switched to active is %s\n", d.name, up)
	fmt.Fprintf(&b, "System returned to ROM by power cycle at %s\n", f.booted.UTC().Format("15:04:05 MST Mon Jan 2 2006"))
	b.WriteString(`System image file is "sup-bootdisk:s72033-advipservicesk9_wan-mz.122-33.SXJ10.bin"
Last reload reason: power-on



This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use. Delivery of Cisco cryptographic products does not imply
third-party authority to import, export, distribute or use encryption.
Importers, exporters, distributors and users are responsible for
compliance with U.S. and local country laws. By using this product you
agree to comply with applicable laws and regulations. If you are unable
to comply with U.S. and local laws, return this product immediately.

A summary of U.S. laws governing Cisco cryptographic products may be found at:
http://www.cisco.com/wwl/export/crypto/tool/stqrg.html

If you require further assistance please contact us by sending email to
export@cisco.com.

cisco WS-C6509-E (R7000) processor (revision 1.5) with 983008K/65536K bytes of memory.
`)
	fmt.Fprintf(&b, "Processor board ID %s\n", d.serial)
	b.WriteString(`SR71000 CPU at 600Mhz, Implementation 0x504, Rev 1.2, 512KB L2 Cache
Last reset from power-on
3 Virtual Ethernet interfaces
48 Gigabit Ethernet interfaces
16 Ten Gigabit Ethernet interfaces
1917K bytes of non-volatile configuration memory.
8192K bytes of packet buffer memory.

65536K bytes of Flash internal SIMM (Sector size 512K).
Configuration register is 0x2102

`)
	return b.String()
}

func (f *Fabric) iosVLANBrief(d *device) string {
	var b strings.Builder
	b.WriteString("VLAN Name                             Status    Ports\n")
	b.WriteString("---- -------------------------------- --------- -------------------------------\n")
	for _, id := range d.vlanIDs() {
		status := "active"
		if id >= 1002 && id <= 1005 {
			status = "act/unsup"
		}
		// IOS lists access ports here, never trunks; the fabric's ports are all trunks.
		b.WriteString(strings.TrimRight(fmt.Sprintf("%-4d %-32s %-9s", id, d.vlans[id], status), " ") + "\n")
	}
	return b.String()
}

func (f *Fabric) iosVLAN(d *device) string {
	var b strings.Builder
	b.WriteString(f.iosVLANBrief(d))
	b.WriteString("\nVLAN Type  SAID       MTU   Parent RingNo BridgeNo Stp  BrdgMode Trans1 Trans2\n")
	b.WriteString("---- ----- ---------- ----- ------ ------ -------- ---- -------- ------ ------\n")
	for _, id := range d.vlanIDs() {
		typ, stp, mode := "enet", "-", "-"
		switch id {
		case 1002:
			typ = "fddi"
		case 1003:
			typ, mode = "tr", "srb"
		case 1004:
			typ, stp = "fdnet", "ieee"
		case 1005:
			typ, stp = "trnet", "ibm"
		}
		fmt.Fprintf(&b, "%-4d %-5s %-10d %-5d %-6s %-6s %-8s %-4s %-8s %-6d %d   \n",
			id, typ, 100000+id, 1500, "-", "-", "-", stp, mode, 0, 0)
	}
	b.WriteString("\nRemote SPAN VLANs\n" + dashes(78) + "\n\n\n")
	b.WriteString("Primary Secondary Type              Ports\n")
	b.WriteString("------- --------- ----------------- ------------------------------------------\n")
	return b.String()
}

// iosInterfacesTrunk renders `show interfaces trunk`: only trunks that are up, in four sections.
// Bundled members are not listed; with no trunk up IOS prints nothing at all.
func (f *Fabric) iosInterfacesTrunk(d *device) string {
	var trunks []*port
	for _, p := range d.ports {
		if p.trunk && p.group == 0 && f.operUp(d, p) {
			trunks = append(trunks, p)
		}
	}
	if len(trunks) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nPort        Mode             Encapsulation  Status        Native vlan\n")
	for _, p := range trunks {
		fmt.Fprintf(&b, "%-12s%-17s%-15s%-14s%d\n", shortIfName(d.platform, p.name), "on", "802.1q", "trunking", p.native)
	}
	section := func(title string, list func(p *port) []int) {
		b.WriteString("\nPort        " + title + "\n")
		for _, p := range trunks {
			fmt.Fprintf(&b, "%-12s%s\n", shortIfName(d.platform, p.name), formatVLANList(list(p)))
		}
	}
	section("Vlans allowed on trunk", func(p *port) []int { return p.allowed.sorted() })
	section("Vlans allowed and active in management domain", func(p *port) []int { return f.carried(d, p).sorted() })
	section("Vlans in spanning tree forwarding state and not pruned", func(p *port) []int { return f.forwarding(d, p).sorted() })
	return b.String()
}

func (f *Fabric) iosEtherchannelSummary(d *device) string {
	var b strings.Builder
	b.WriteString(`Flags:  D - down        P - bundled in port-channel
        I - stand-alone s - suspended
        H - Hot-standby (LACP only)
        R - Layer3      S - Layer2
        U - in use      N - not in use, no aggregation
        f - failed to allocate aggregator

        M - not in use, no aggregation due to minimum links not met
        m - not in use, port not aggregated due to minimum links not met
        u - unsuitable for bundling
        d - default port

        w - waiting to be aggregated
`)
	var pcs []*port
	for _, p := range d.ports {
		if p.kind == kindPortChannel {
			pcs = append(pcs, p)
		}
	}
	fmt.Fprintf(&b, "Number of channel-groups in use: %d\nNumber of aggregators:           %d\n\n", len(pcs), len(pcs))
	b.WriteString("Group  Port-channel  Protocol    Ports\n")
	b.WriteString("------+-------------+-----------+-----------------------------------------------\n")
	for _, pc := range pcs {
		flag := "SD"
		if f.operUp(d, pc) {
			flag = "SU"
		}
		var members []string
		for _, m := range d.members(pc) {
			members = append(members, fmt.Sprintf("%-15s", shortIfName(d.platform, m.name)+"("+f.memberFlag(d, m)+")"))
		}
		head := fmt.Sprintf("%-7d%-16s%-10s", pc.channelNumber(), shortIfName(d.platform, pc.name)+"("+flag+")", "LACP")
		for i := 0; i < len(members) || i == 0; i += 3 {
			if i > 0 {
				head = strings.Repeat(" ", 33)
			}
			b.WriteString(head + strings.Join(members[i:min(i+3, len(members))], "") + "\n")
		}
	}
	return b.String()
}

func (f *Fabric) iosInterfaces(d *device) string {
	var b strings.Builder
	for _, p := range d.ports {
		b.WriteString(f.iosInterface(d, p))
	}
	return b.String()
}

// iosInterface renders `show interfaces <name>`.
func (f *Fabric) iosInterface(d *device, p *port) string {
	var b strings.Builder
	up := f.operUp(d, p)
	switch {
	case up:
		fmt.Fprintf(&b, "%s is up, line protocol is up (connected)\n", p.name)
	case !f.effectiveAdmin(d, p):
		fmt.Fprintf(&b, "%s is administratively down, line protocol is down (disabled)\n", p.name)
	case p.kind == kindEthernet && f.physUp(d, p):
		fmt.Fprintf(&b, "%s is up, line protocol is down (suspended)\n", p.name)
	default:
		fmt.Fprintf(&b, "%s is down, line protocol is down (notconnect)\n", p.name)
	}
	if p.kind == kindPortChannel {
		fmt.Fprintf(&b, "  Hardware is EtherChannel, address is %s (bia %s)\n", p.mac, p.mac)
	} else {
		fmt.Fprintf(&b, "  Hardware is C6k 10000Mb 802.3, address is %s (bia %s)\n", p.mac, p.mac)
	}
	if p.desc != "" {
		fmt.Fprintf(&b, "  Description: %s\n", p.desc)
	}
	fmt.Fprintf(&b, "  MTU %d bytes, BW %d Kbit/sec, DLY 10 usec, \n", p.mtu, f.bandwidthKbit(d, p))
	tl, rl := f.load(d, p)
	fmt.Fprintf(&b, "     reliability 255/255, txload %d/255, rxload %d/255\n", tl, rl)
	b.WriteString("  Encapsulation ARPA, loopback not set\n")
	b.WriteString("  Keepalive set (10 sec)\n")
	media := "10Gbase-SR"
	if p.kind == kindPortChannel {
		media = "unknown"
	}
	if up {
		fmt.Fprintf(&b, "  Full-duplex, %dGb/s, media type is %s\n", p.speedGbps, media)
	} else {
		fmt.Fprintf(&b, "  Auto-duplex, Auto-speed, media type is %s\n", media)
	}
	b.WriteString("  input flow-control is off, output flow-control is off \n")
	if p.kind == kindPortChannel {
		var ms []string
		for _, m := range d.members(p) {
			ms = append(ms, shortIfName(d.platform, m.name))
		}
		fmt.Fprintf(&b, "  Members in this channel: %s \n", strings.Join(ms, " "))
	} else {
		b.WriteString("  Clock mode is auto\n")
	}
	b.WriteString("  ARP type: ARPA, ARP Timeout 04:00:00\n")
	if up {
		b.WriteString("  Last input 00:00:00, output 00:00:00, output hang never\n")
	} else {
		b.WriteString("  Last input never, output never, output hang never\n")
	}
	b.WriteString("  Last clearing of \"show interface\" counters never\n")
	b.WriteString("  Input queue: 0/2000/0/0 (size/max/drops/flushes); Total output drops: 0\n")
	b.WriteString("  Queueing strategy: fifo\n")
	b.WriteString("  Output queue: 0/40 (size/max)\n")
	rxBPS, txBPS := f.bitRates(d, p)
	// IOS rounds the 5 minute bit rates to thousands.
	fmt.Fprintf(&b, "  5 minute input rate %d bits/sec, %d packets/sec\n", u(rxBPS/1000)*1000, u(rxBPS/bitsPerFrame))
	fmt.Fprintf(&b, "  5 minute output rate %d bits/sec, %d packets/sec\n", u(txBPS/1000)*1000, u(txBPS/bitsPerFrame))
	rx, tx, crc, inErr := f.counters(d, p)
	fmt.Fprintf(&b, "     %d packets input, %d bytes, 0 no buffer\n", u(rx), u(rx*avgFrame))
	fmt.Fprintf(&b, "     Received %d broadcasts (%d multicasts)\n", u(rx*(shareBcast+shareMcast)), u(rx*shareMcast))
	b.WriteString("     0 runts, 0 giants, 0 throttles \n")
	fmt.Fprintf(&b, "     %d input errors, %d CRC, 0 frame, 0 overrun, 0 ignored\n", u(inErr), u(crc))
	fmt.Fprintf(&b, "     0 watchdog, %d multicast, 0 pause input\n", u(rx*shareMcast))
	b.WriteString("     0 input packets with dribble condition detected\n")
	fmt.Fprintf(&b, "     %d packets output, %d bytes, 0 underruns\n", u(tx), u(tx*avgFrame))
	fmt.Fprintf(&b, "     0 output errors, 0 collisions, %d interface resets\n", p.resets)
	b.WriteString("     0 babbles, 0 late collision, 0 deferred\n")
	b.WriteString("     0 lost carrier, 0 no carrier, 0 PAUSE output\n")
	b.WriteString("     0 output buffer failures, 0 output buffers swapped out\n")
	return b.String()
}
