package parse

import "testing"

func TestOTVAdjacencyASR(t *testing.T) {
	// ASR 1000 OTV edges (IOS-XE 16.6): "Overlay Adjacency Database for overlay 99" and a
	// Site-ID column.
	as := run(t, IOSOTVAdjacency, capture(t, IOSXE, "show_otv_adjacency", "asr1k_overlay99"))
	eq(t, "count", len(as), 3)
	eq(t, "first", as[0], OTVAdjacency{Overlay: "Overlay99", Hostname: "PR-TRNG1-L1T2-OTV-FCT02",
		SystemID: "0000.0000.0004", DestAddr: "100.0.0.4", SiteID: "0000.0000.0091", UpTime: "9w0d", State: "UP", Up: true})
	eq(t, "third site", as[2].SiteID, "0000.0000.0099")
	eq(t, "third uptime", as[2].UpTime, "28w3d")
}

func TestOTVVLANASR(t *testing.T) {
	vs := run(t, IOSOTVVLAN, capture(t, IOSXE, "show_otv_vlan", "asr1k_overlay99_excerpt"))
	eq(t, "count", len(vs), 27)
	eq(t, "VLAN 3", vs[0], OTVVLAN{VLAN: 3, AuthEdgeDevice: "PR-ACH3-L1T2-OTV-FC", State: "inactive(NA)",
		Overlay: "Overlay99", BridgeDomain: 3, SiteInterfaces: "Po11:SI3"})
	eq(t, "VLAN 4", vs[1], OTVVLAN{VLAN: 4, AuthEdgeDevice: "PR-ACH2-L1T2-OTV-FC", AED: true, State: "active", Active: true,
		Overlay: "Overlay99", BridgeDomain: 4, SiteInterfaces: "Po11:SI4"})
	last := vs[len(vs)-1]
	eq(t, "VLAN 4085", []any{last.VLAN, last.AED, last.State}, []any{4085, false, "inactive(NA)"})
	aed := 0
	for _, v := range vs {
		if v.AED != v.Active {
			t.Errorf("VLAN %d: AED %v but active %v (this edge forwards exactly its AED VLANs)", v.VLAN, v.AED, v.Active)
		}
		if v.AED {
			aed++
		}
	}
	eq(t, "AED VLANs", aed, 11) // grep -c "\*PR" on the capture
}

// No public capture of NX-OS `show otv adjacency` or `show otv vlan` was found (see
// SOURCES.md). These follow the layout in Cisco's Nexus 7000 OTV configuration guide
// (7.x/8.x); they are not device captures.
func TestOTVNXOSLayout(t *testing.T) {
	adj := `Overlay Adjacency database

Overlay-Interface Overlay1  :
Hostname                         System-ID      Dest Addr       Up Time   State
dc2-n7k-otv1                     0026.980c.5b42 10.1.1.2        3d04h     UP
dc2-n7k-otv2                     0026.980c.5b43 10.1.1.6        00:00:12  DOWN
`
	as := run(t, NXOSOTVAdjacency, adj)
	eq(t, "adjacencies", as, []OTVAdjacency{
		{Overlay: "Overlay1", Hostname: "dc2-n7k-otv1", SystemID: "0026.980c.5b42", DestAddr: "10.1.1.2", UpTime: "3d04h", State: "UP", Up: true},
		{Overlay: "Overlay1", Hostname: "dc2-n7k-otv2", SystemID: "0026.980c.5b43", DestAddr: "10.1.1.6", UpTime: "00:00:12", State: "DOWN"},
	})

	vlan := `OTV Extended VLANs and Edge Device State Information (* - AED)

Legend:
(NA) - Non AED, (VD) - Vlan Disabled, (OU) - Overlay Down
(DH) - Delete Holddown, (HW) - HW: State Down
(NFC) - Not Forward Capable

VLAN   Auth. Edge Device                     Vlan State                 Overlay
----   -----------------------------------   ----------------------     -------
 110*  dc1-n7k-otv1                          active                     Overlay1
 120   dc1-n7k-otv2                          inactive(NA)               Overlay1
 130   dc1-n7k-otv2                          inactive(Non AED)          Overlay1
`
	vs := run(t, NXOSOTVVLAN, vlan)
	eq(t, "vlans", vs, []OTVVLAN{
		{VLAN: 110, AuthEdgeDevice: "dc1-n7k-otv1", AED: true, State: "active", Active: true, Overlay: "Overlay1"},
		{VLAN: 120, AuthEdgeDevice: "dc1-n7k-otv2", State: "inactive(NA)", Overlay: "Overlay1"},
		{VLAN: 130, AuthEdgeDevice: "dc1-n7k-otv2", State: "inactive(Non AED)", Overlay: "Overlay1"},
	})
}

func TestOTVRejectsOtherOutput(t *testing.T) {
	if _, err := NXOSOTVAdjacency(capture(t, NXOS, "show_version", "n3k_3048_6.0")); err == nil {
		t.Error("adjacency accepted show version output")
	}
	if _, err := NXOSOTVVLAN(capture(t, NXOS, "show_vlan_brief", "n7k_many_ports")); err == nil {
		t.Error("otv vlan accepted show vlan output")
	}
}

// Rows the NX-OS layout allows but TestOTVNXOSLayout does not show: a VLAN whose overlay
// is down has no authoritative edge device, a peer whose name is not known has a blank
// hostname, and a Site-ID column (NX-OS 6.2 and later). Not device captures.
func TestOTVNXOSBlankCells(t *testing.T) {
	vlan := `VLAN   Auth. Edge Device                     Vlan State                 Overlay
----   -----------------------------------   ----------------------     -------
 100                                         inactive(OU)               Overlay1
 101*  dc1-n7k-otv1                          active                     Overlay1
 102   dc1-n7k-otv2                          inactive(NFC)              Overlay1
 103   dc1-n7k-otv2                          inactive(Non AED)          Overlay2
`
	vs := run(t, NXOSOTVVLAN, vlan)
	eq(t, "vlans", vs, []OTVVLAN{
		{VLAN: 100, State: "inactive(OU)", Overlay: "Overlay1"},
		{VLAN: 101, AuthEdgeDevice: "dc1-n7k-otv1", AED: true, State: "active", Active: true, Overlay: "Overlay1"},
		{VLAN: 102, AuthEdgeDevice: "dc1-n7k-otv2", State: "inactive(NFC)", Overlay: "Overlay1"},
		{VLAN: 103, AuthEdgeDevice: "dc1-n7k-otv2", State: "inactive(Non AED)", Overlay: "Overlay2"},
	})

	adj := `Overlay Adjacency database
Overlay-Interface Overlay1  :
Hostname                         System-ID      Dest Addr       Site-ID        Up Time   State
dc2-n7k-otv1                     0026.980c.5b42 10.1.1.2        0000.0000.0002 1w2d      UP
                                 0026.980c.5b43 10.1.1.6        0000.0000.0002 00:00:12  DOWN
`
	as := run(t, NXOSOTVAdjacency, adj)
	eq(t, "adjacencies", as, []OTVAdjacency{
		{Overlay: "Overlay1", Hostname: "dc2-n7k-otv1", SystemID: "0026.980c.5b42", DestAddr: "10.1.1.2", SiteID: "0000.0000.0002",
			UpTime: "1w2d", State: "UP", Up: true},
		{Overlay: "Overlay1", SystemID: "0026.980c.5b43", DestAddr: "10.1.1.6", SiteID: "0000.0000.0002", UpTime: "00:00:12", State: "DOWN"},
	})
}

// The ASR 1000 rows with an empty AED cell and a two-word state. Not device captures:
// the columns are asr1k_overlay99_excerpt's.
func TestOTVASRBlankAED(t *testing.T) {
	text := `Overlay 99 VLAN Configuration Information
 Inst VLAN BD   Auth ED              State                Site If(s)
 0    3    3                         inactive(OU)        Po11:SI3
 0    4    4    *PR-ACH2-L1T2-OTV-FC active              Po11:SI4
`
	vs := run(t, IOSOTVVLAN, text)
	eq(t, "vlans", vs, []OTVVLAN{
		{VLAN: 3, BridgeDomain: 3, State: "inactive(OU)", SiteInterfaces: "Po11:SI3", Overlay: "Overlay99"},
		{VLAN: 4, BridgeDomain: 4, AuthEdgeDevice: "PR-ACH2-L1T2-OTV-FC", AED: true, State: "active", Active: true,
			SiteInterfaces: "Po11:SI4", Overlay: "Overlay99"},
	})
}
