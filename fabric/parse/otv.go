package parse

import (
	"cmp"
	"regexp"
	"slices"
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
		// From the System-ID on the columns are fixed; the hostname before it may hold
		// spaces, or be blank when the peer's name is not known.
		f := strings.Fields(t)
		i := slices.IndexFunc(f, systemIDRe.MatchString)
		if i < 0 || len(f) < i+4 {
			continue
		}
		a := OTVAdjacency{Overlay: overlay, Hostname: strings.Join(f[:i], " "), SystemID: f[i],
			DestAddr: f[i+1], UpTime: f[len(f)-2], State: f[len(f)-1]}
		if hasSite && len(f) >= i+5 && systemIDRe.MatchString(f[i+2]) {
			a.SiteID = f[i+2]
		}
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
		if v, ok := otvVLANRow(f, xe); ok {
			v.Overlay = cmp.Or(v.Overlay, overlay)
			out = append(out, v)
		}
	}
	if !header {
		return nil, unrecognized("show otv vlan", `no "VLAN Auth. Edge Device" header`)
	}
	if out == nil {
		out = []OTVVLAN{}
	}
	return out, nil
}

// otvStateRe matches the first word of a VLAN's state: "active", "inactive(NA)",
// "inactive(Non" (of "inactive(Non AED)").
var otvStateRe = regexp.MustCompile(`(?i)^(in)?active(\(|$)`)

// otvVLANRow reads one row of `show otv vlan`: NX-OS "VLAN[*] AED State Overlay",
// IOS-XE "Inst VLAN BD [*]AED State Site-If(s)". The state is found by its word
// (active or inactive...), so an AED name with spaces, or none at all (a VLAN whose
// overlay is down), does not shift the columns.
func otvVLANRow(f []string, xe bool) (OTVVLAN, bool) {
	var v OTVVLAN
	vlan, lead := 0, 1
	if xe {
		vlan, lead = 1, 3
		if len(f) < lead || !isDigits(f[0]) || !isDigits(f[2]) {
			return v, false
		}
		v.BridgeDomain = atoi(f[2])
	}
	id, star := strings.CutSuffix(f[vlan], "*")
	if !isDigits(id) || len(id) > 4 || atoi(id) < 1 || atoi(id) > MaxVLAN {
		return v, false
	}
	v.VLAN, v.AED = atoi(id), star
	rest := f[lead:]
	if len(rest) > 0 && rest[0] == "*" {
		v.AED, rest = true, rest[1:]
	}
	si := slices.IndexFunc(rest, otvStateRe.MatchString)
	if si < 0 {
		if xe || len(rest) < 3 {
			return v, false
		}
		// No state word: the NX-OS columns in order, the state in the middle.
		v.AuthEdgeDevice, v.Overlay = rest[0], rest[len(rest)-1]
		v.State = strings.Join(rest[1:len(rest)-1], " ")
	} else {
		v.AuthEdgeDevice = strings.Join(rest[:si], " ")
		after := rest[si:]
		end := len(after)
		if !xe {
			end = slices.IndexFunc(after, func(w string) bool { return strings.HasPrefix(strings.ToLower(w), "overlay") })
			if end < 0 {
				end = len(after)
			} else {
				v.Overlay = after[end]
			}
		} else {
			end = 1
			// "inactive(Non AED)" runs over two words.
			if len(after) > 1 && strings.HasSuffix(after[1], ")") && !strings.Contains(after[0], ")") {
				end = 2
			}
			v.SiteInterfaces = strings.Join(after[end:], " ")
		}
		v.State = strings.Join(after[:end], " ")
	}
	if strings.HasPrefix(v.AuthEdgeDevice, "*") {
		v.AED, v.AuthEdgeDevice = true, strings.TrimPrefix(v.AuthEdgeDevice, "*")
	}
	v.Active = strings.HasPrefix(strings.ToLower(v.State), "active")
	return v, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
