// Package sim simulates the Cisco switches of the Data Centre Interconnect so that vmcross, a
// presenter or a test can watch and break the DCI without hardware.
//
// Start builds two sites joined by a DCI and serves each switch's CLI over real SSH on
// 127.0.0.1:
//
//	site-a (Miami)                                       site-b (Atlanta)
//	mia-dist-c6k-01  Po1 ==== Po20  mia-dci-n7k-01  Po10 ==== Po10  atl-dci-n7k-01  Po20 ==== Po1  atl-dist-c6k-01
//	  (IOS 12.2SX)   Te1/1-2  Eth4/1-2  (NX-OS 6.2)  Eth3/1-2   Eth3/1-2 (NX-OS)  Eth4/1-2  Te1/1-2   (IOS)
//	                                     Overlay1 ~~~~~~ OTV ~~~~~~ Overlay1
//
// The DCI port-channel (Po10, two members at Options.BandwidthGbps each) trunks the VLANs the
// plan marks Extended; the OTV overlay extends the same VLANs; the site trunks (edge Po20,
// distribution Po1) carry every VLAN of the plan. All trunks run MTU 9216.
//
// One state model lies behind every show command. Operational state is derived, never stored,
// so a change at one end shows at once at both:
//   - a member shut (or its fibre cut, SetLinkDown) takes the link down at both ends; the
//     port-channel stays up on the other member, at half the bandwidth;
//   - a port-channel shut takes its members down ("Channel admin down"), the far channel down
//     ("No operational members"), and for the DCI the OTV adjacency with it;
//   - a trunk forwards the VLANs that both of its ends allow and have in their VLAN database
//     (the ports are spanning-tree network ports with Bridge Assurance, so a VLAN the far end
//     stops sending BPDUs for blocks): removing VLAN 120 from the allowed list at one end, or
//     `no vlan 120` on one switch, stops 120 forwarding at both ends of the trunk;
//   - OTV marks an extended VLAN active only when the adjacency is up and the VLAN exists on
//     both edges and crosses the DCI trunk: otherwise inactive(OD), (VD) or (NFC);
//   - the DCI carries a background load (Options.DCILoadMbps, 1,200 Mbps by default;
//     SetDCILoad) and the traffic AddDCITraffic adds (the lab's vMotion model: a move in
//     progress). `show interface` renders it in the DCI port-channel's input and output
//     rates, at both edges, split evenly over the bundled members; a member that is down
//     carries nothing and its BW leaves the port-channel's, which never shows more traffic
//     than its BW. So a member shut halves the bandwidth a monitor measures, and a load
//     shows as bandwidth used. Rates are exact: the only randomness in the fabric is the
//     ping's jitter and loss.
//
// Fabric.Exec runs CLI lines without SSH; the fault helpers (SetLinkDown, AddCRCErrors,
// SetCRCErrorRate, SetOTVAdjacency, SetLatency, SetPacketLoss, SetDCILoad, AddDCITraffic,
// DropConnections, SetDropMidOutput, SetUnresponsive) inject what a demo or a monitor test
// needs; Snapshot returns the true state to compare a monitor's view with.
//
// Drive it with any SSH client, e.g. for the Miami edge:
//
//	ssh -p PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null admin@127.0.0.1
//	mia-dci-n7k-01# conf t
//	mia-dci-n7k-01(config)# int po10
//	mia-dci-n7k-01(config-if)# switchport trunk allowed vlan remove 120
//
// or with scrapligo's stock cisco_nxos and cisco_iosxe platforms, over its standard or system
// transport. The output formats follow real Nexus 7000 and Catalyst 6500 output (see
// testdata/SOURCES.md); fabric/parse is written against the same captures.
package sim
