// Package fabric is the switch side of vmcross: it watches the VLAN trunks of the Data Centre
// Interconnect (Cisco NX-OS and IOS switches, through scrapligo over SSH) and reports their
// health next to the VMs. The monitor, parsers and simulated switches arrive with the fabric
// issue; until then the console shows the fabric pane as not configured.
package fabric
