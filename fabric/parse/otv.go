package parse

import (
	"regexp"
	"strings"
)

// OTVAdjacency is a remote OTV edge device this one has an adjacency with, from
// `show otv adjacency`.
type OTVAdjacency struct {
	Overlay  string `json:"overlay"` // "Overlay1"
	Hostname string `json:"hostname"`
	SystemID string `json:"system_id"`
	DestAddr string `json:"dest_addr"`
	SiteID   string `json:"site_id,omitempty"` // printed by later releases and IOS-XE
	UpTime   string `json:"up_time"`
	// State is "UP" or "DOWN" as printed.
	State string `json:"state"`
	Up    bool   `json:"up"`
}

// OTVVLAN is a VLAN extended by OTV, from `show otv vlan`.
type OTVVLAN struct {
	VLAN int `json:"vlan"`
	// AuthEdgeDevice is the authoritative edge device (AED) that forwards the VLAN;
	// AED is true when that is this switch (the "*").
	AuthEdgeDevice string `json:"auth_edge_device"`
	AED            bool   `json:"aed"`
	// State is as printed: "active", "inactive(NA)", "inactive(Non AED)"...
	State   string `json:"state"`
	Active  bool   `json:"active"`
	Overlay string `json:"overlay"`
	// BridgeDomain and SiteInterfaces are IOS-XE (ASR 1000) columns.
	BridgeDomain   int    `json:"bridge_domain,omitempty"`
	SiteInterfaces string `json:"site_interfaces,omitempty"`
}

var (
	otvOverlayRe  = regexp.MustCompile(`(?i)^\s*Overlay-Interface\s+(\S+?)\s*:?\s*$`)
	otvOverlayXE  = regexp.MustCompile(`(?i)^\s*Overlay(?: Adjacency Database for overlay)?\s*(\d+)\b`)
	systemIDRe    = regexp.MustCompile(`^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$`)
	otvVLANRowRe  = regexp.MustCompile(`^\s*(\d{1,4})(\*?)\s+(.+)$`)
	otvXERowRe    = regexp.MustCompile(`^\s*(\d+)\s+(\d{1,4})\s+(\d+)\s+(\*?)\s*(\S+)\s+(\S+)\s*(.*)$`)
	otvOverlayNum = regexp.MustCompile(`(?i)overlay\s*(\d+)`)
)

// NXOSOTVAdjacency parses NX-OS `show otv adjacency`.
func NXOSOTVAdjacency(text string) ([]OTVAdjacency, error) { return otvAdjacency(text) }

// IOSOTVAdjacency parses IOS-XE `show otv adjacency` (ASR 1000 OTV edges).
func IOSOTVAdjacency(text string) ([]OTVAdjacency, error) { return otvAdjacency(text) }

func otvAdjacency(text string) ([]OTVAdjacency, error) {
	if err := checkDeviceError(text); err != nil {
		return nil, err
	}
	var (
		out     []OTVAdjacency
		overlay string
		header  bool
		hasSite bool
	)
	for _, l := range splitLines(text) {
		t := strings.TrimSpace(l)
		if t == "" || isRule(l) {
			continue
		}
		if m := otvOverlayRe.FindStringSubmatch(l); m != nil {
			overlay = m[1]
			continue
		}
		if strings.HasPrefix(t, "Overlay Adjacency") {
			if m := otvOverlayNum.FindStringSubmatch(strings.TrimPrefix(t, "Overlay Adjacency")); m != nil {
				overlay = "Overlay" + m[1]
			}
			continue
		}
		if strings.HasPrefix(t, "Hostname") {
			header, hasSite = true, strings.Contains(t, "Site-ID")
			continue
		}
		if !header {
			continue
		}
		f := strings.Fields(t)
		n := 5
		if hasSite {
			n = 6
		}
		if len(f) < n {
			continue
		}
		a := OTVAdjacency{Overlay: overlay, State: f[len(f)-1], UpTime: f[len(f)-2]}
		i := len(f) - 3
		if hasSite {
			a.SiteID, i = f[i], i-1
		}
		a.DestAddr, a.SystemID = f[i], f[i-1]
		if !systemIDRe.MatchString(a.SystemID) {
			continue
		}
		a.Hostname = strings.Join(f[:i-1], " ")
		a.Up = strings.EqualFold(a.State, "UP")
		out = append(out, a)
	}
	if !header {
		return nil, unrecognized("show otv adjacency", `no "Hostname System-ID Dest Addr" header`)
	}
	if out == nil {
		out = []OTVAdjacency{}
	}
	return out, nil
}

// NXOSOTVVLAN parses NX-OS `show otv vlan`.
func NXOSOTVVLAN(text string) ([]OTVVLAN, error) { return otvVLANs(text) }

// IOSOTVVLAN parses IOS-XE `show otv vlan` (ASR 1000: Inst, VLAN, BD, Auth ED, State,
// Site If(s)).
func IOSOTVVLAN(text string) ([]OTVVLAN, error) { return otvVLANs(text) }

func otvVLANs(text string) ([]OTVVLAN, error) {
	if err := checkDeviceError(text); err != nil {
		return nil, err
	}
	var (
		out     []OTVVLAN
		header  bool
		xe      bool
		overlay string
	)
	for _, l := range splitLines(text) {
		t := strings.TrimSpace(l)
		if t == "" || isRule(l) {
			continue
		}
		f := strings.Fields(t)
		if !header {
			if m := otvOverlayXE.FindStringSubmatch(t); m != nil && strings.Contains(t, "VLAN") {
				overlay = "Overlay" + m[1] // "Overlay 99 VLAN Configuration Information"
			}
			switch {
			case f[0] == "Inst" && len(f) > 2 && f[1] == "VLAN":
				header, xe = true, true
			case f[0] == "VLAN" && strings.Contains(t, "Edge"):
				header = true
			}
			continue
		}
		if xe {
			m := otvXERowRe.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			v := OTVVLAN{VLAN: atoi(m[2]), BridgeDomain: atoi(m[3]), AED: m[4] == "*",
				AuthEdgeDevice: m[5], State: m[6], SiteInterfaces: strings.TrimSpace(m[7]), Overlay: overlay}
			if strings.HasPrefix(v.AuthEdgeDevice, "*") {
				v.AED, v.AuthEdgeDevice = true, strings.TrimPrefix(v.AuthEdgeDevice, "*")
			}
			v.Active = strings.HasPrefix(v.State, "active")
			out = append(out, v)
			continue
		}
		m := otvVLANRowRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		rest := strings.Fields(m[3])
		if len(rest) < 3 {
			continue
		}
		v := OTVVLAN{VLAN: atoi(m[1]), AED: m[2] == "*", AuthEdgeDevice: rest[0],
			Overlay: rest[len(rest)-1], State: strings.Join(rest[1:len(rest)-1], " ")}
		v.Active = strings.HasPrefix(v.State, "active")
		out = append(out, v)
	}
	if !header {
		return nil, unrecognized("show otv vlan", `no "VLAN Auth. Edge Device" header`)
	}
	if out == nil {
		out = []OTVVLAN{}
	}
	return out, nil
}
