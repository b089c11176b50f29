// Package fabric is the switch side of vmcross: it watches the VLAN trunks of the Data Centre
// Interconnect (Cisco NX-OS and IOS switches, through scrapligo over SSH) and reports their
// health next to the VMs.
//
// A Monitor keeps one scrapligo network driver per switch (cisco_nxos or cisco_iosxe; the
// standard Go SSH transport, or the system ssh binary when SwitchSpec.Transport is "system"),
// open between polls. Every interval it polls all switches at once and publishes each
// switch's result as it comes, so a switch that does not answer delays only itself. Opening
// a session (TCP, SSH handshake, login, shell) is bounded by the connect timeout (Go's SSH
// client bounds only the TCP connection: the monitor brings its own scrapligo transport);
// each command by the timeout. A failed session is closed and reopened at the next round,
// with backoff when failures repeat; stopping the monitor closes the connections of polls
// in progress. One round runs, per switch:
//
//	NX-OS                          IOS
//	show interface trunk           show interfaces trunk
//	show port-channel summary      show etherchannel summary
//	show interface <each DCI interface and port-channel member>
//	                               show interfaces <each ...>
//	show otv adjacency             (DCI edges only, either platform)
//	show otv vlan                  (an edge that rejects the first has no OTV)
//	show vlan brief                show vlan brief
//	ping <PingTarget> count 3      ping <PingTarget> repeat 3     (when PingTarget is set)
//
// and `show version` once per connection. The output goes through fabric/parse; a command
// the switch rejects or whose output does not parse is reported (SWITCH_COMMAND_FAILED) and
// never read as data.
//
// The Health is a pure function of the latest round, the last good poll of each switch
// before it, and the watched VLANs:
//   - a DCI trunk is each port-channel (or standalone interface) in DCIInterfaces; it is up
//     when its interface is up, its channel is up and it is trunking. Its forwarding VLANs
//     are NX-OS's "STP Forwarding" section (NX-OS prints "not pruned" empty) or IOS's
//     "forwarding state and not pruned"; IOS printing no trunk at all means every trunk
//     is down;
//   - a member is up when bundled and up; its errors are rising when its CRC or input
//     error counters grew since the last good poll;
//   - a DCI trunk that is up has the bandwidth of its up members' BW (its own BW when
//     theirs is unknown) and uses the busier direction of its rates over the switch's
//     first load interval (30 s on NX-OS); the DCI's Bandwidth, over the DCI edges'
//     trunks, is the narrowest site's capacity and the busiest site's traffic, so a
//     member down halves a two-member DCI;
//   - a VLAN (watched, or allowed on a DCI edge's trunk) is carried when, on every switch,
//     each DCI trunk is up, allows it, does not err-disable it and forwards it, the VLAN
//     database has it active, and on an OTV edge the adjacency is up and OTV extends it
//     (active). Otherwise its reasons say where, root causes first. A switch with no fresh
//     data makes the VLAN Unknown: never Carried;
//   - findings: VLAN_NOT_EXTENDED (block) for a watched VLAN not carried, VLAN_UNVERIFIED
//     (warn) for one unknown, DCI_TRUNK_DOWN (block), DCI_MEMBER_DOWN (warn, while the
//     trunk is up), DCI_MTU_LOW (warn, below 9000), DCI_CRC_RISING (warn),
//     OTV_ADJACENCY_DOWN (block), DCI_RTT_HIGH (warn, average above 10 ms),
//     DCI_RTT_OVER_LIMIT (block, above 150 ms), DCI_PING_FAILED (warn, no reply),
//     DCI_PACKET_LOSS (warn), SWITCH_UNREACHABLE (warn), SWITCH_COMMAND_FAILED (warn), and
//     FABRIC_STALE (warn) until the first round completes. They are sorted by severity,
//     code and object.
package fabric
