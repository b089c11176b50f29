package parse

import (
	"strings"
)

// Trunk is one port of `show interface trunk` (NX-OS) or `show interfaces trunk`
// (IOS), with every section of the output merged. A VLANList whose Raw is empty had
// no row for the port: the section is not printed by that platform (NX-OS has no
// "allowed and active" section, IOS no "err-disabled" one) or was printed empty. A
// list the switch printed as empty reads "none".
type Trunk struct {
	Port string `json:"port"`
	// Mode and Encapsulation are IOS only: "on", "auto", "desirable"; "802.1q", "n-isl".
	Mode          string `json:"mode,omitempty"`
	Encapsulation string `json:"encapsulation,omitempty"`
	// Status is "trunking", "trnk-bndl" (an NX-OS member of a trunking port-channel),
	// "not-trunking"...
	Status     string `json:"status"`
	NativeVLAN int    `json:"native_vlan"`
	// PortChannel is the NX-OS port-channel this port belongs to ("Po48"), if any.
	PortChannel string `json:"port_channel,omitempty"`
	// Allowed: "Vlans Allowed on Trunk".
	Allowed VLANList `json:"allowed"`
	// ErrDisabled: NX-OS "Vlans Err-disabled on Trunk" (for instance a vPC type-1
	// inconsistency or a native VLAN mismatch).
	ErrDisabled VLANList `json:"err_disabled"`
	// Active: IOS "Vlans allowed and active in management domain".
	Active VLANList `json:"active"`
	// STPForwarding: NX-OS "STP Forwarding".
	STPForwarding VLANList `json:"stp_forwarding"`
	// ForwardingNotPruned: "Vlans in spanning tree forwarding state and not pruned".
	ForwardingNotPruned VLANList `json:"forwarding_not_pruned"`
}

// Carries reports whether the trunk is trunking and forwards VLAN id: allowed, not
// err-disabled, and forwarding in spanning tree where the output says so.
func (t Trunk) Carries(id int) bool {
	if t.Status != "trunking" && t.Status != "trnk-bndl" {
		return false
	}
	if !t.Allowed.Contains(id) || t.ErrDisabled.Contains(id) {
		return false
	}
	if t.STPForwarding.Raw != "" && !t.STPForwarding.Contains(id) {
		return false
	}
	if t.ForwardingNotPruned.Raw != "" && !t.ForwardingNotPruned.Contains(id) {
		return false
	}
	return true
}

type trunkSection int

const (
	secNone trunkSection = iota
	secStatus
	secAllowed
	secErrDisabled
	secActive
	secSTPForwarding
	secNotPruned
	secIgnored // FabricPath, VTP pruning and any section this package does not read
)

// portSection names one port's row in one section.
type portSection struct {
	port string
	sec  trunkSection
}

// NXOSInterfaceTrunk parses NX-OS `show interface trunk`. No ntc-templates template
// covers it; its sections are read here by their header words, which vary by release.
func NXOSInterfaceTrunk(text string) ([]Trunk, error) { return trunks(text) }

// IOSInterfacesTrunk parses IOS / IOS-XE `show interfaces trunk`.
func IOSInterfacesTrunk(text string) ([]Trunk, error) { return trunks(text) }

func trunks(text string) ([]Trunk, error) {
	if err := checkDeviceError(text); err != nil {
		return nil, err
	}
	var (
		order   []string
		byPort  = map[string]*Trunk{}
		raw     = map[string]map[trunkSection]*listText{}
		noted   = map[portSection]bool{} // a row that was a remark, not a list
		sec     = secNone
		iosCols bool // the status section has IOS's Mode and Encapsulation columns
		last    string
		headers int
	)
	get := func(port string) *Trunk {
		t, ok := byPort[port]
		if !ok {
			t = &Trunk{Port: port}
			byPort[port] = t
			raw[port] = map[trunkSection]*listText{}
			order = append(order, port)
		}
		return t
	}
	list := func(port string) *listText {
		if raw[port][sec] == nil {
			raw[port][sec] = &listText{}
		}
		return raw[port][sec]
	}
	for _, l := range splitLines(text) {
		t := strings.TrimSpace(l)
		if t == "" || isRule(l) {
			continue
		}
		if f := strings.Fields(t); f[0] == "Port" && len(f) > 1 && !indented(l) {
			sec, iosCols = classifyTrunkHeader(strings.ToLower(strings.Join(f[1:], " ")))
			headers++
			last = ""
			continue
		}
		if sec == secNone || sec == secIgnored {
			continue
		}
		listLine := sec != secStatus && last != "" && isVLANListText(t) && !noted[portSection{last, sec}]
		if indented(l) {
			// The second line of a two-line header ("Vlan   Channel") or a list the
			// switch wrapped itself: indented to the list's column, broken after a comma.
			if listLine {
				list(last).add(t)
			}
			continue
		}
		f := strings.Fields(t)
		if !looksLikeInterface(f[0]) {
			// A list that runs on at the left margin was cut by the terminal at its
			// width, wherever that fell (in a number too): the pieces join as they are.
			if listLine {
				list(last).addCut(t)
			}
			continue
		}
		tr := get(f[0])
		last = f[0]
		if sec == secStatus {
			readTrunkStatus(tr, f[1:], iosCols)
			continue
		}
		rest := strings.Join(f[1:], " ")
		if !isVLANListText(rest) {
			// A remark in place of the list: NX-OS prints "Feature VTP is not enabled"
			// under "not pruned" when VTP is off. The port has no such list, and what
			// the switch prints under the remark is not one either.
			noted[portSection{f[0], sec}] = true
			continue
		}
		list(f[0]).add(rest)
	}
	if headers == 0 {
		if nothingShown(text, CmdTrunk) {
			return []Trunk{}, nil
		}
		return nil, unrecognized("show interface trunk", `no "Port ..." section header`)
	}
	out := make([]Trunk, 0, len(order))
	for _, p := range order {
		tr := byPort[p]
		for s, r := range raw[p] {
			list, err := ParseVLANList(r.String())
			if err != nil {
				return nil, unrecognized("show interface trunk", p+": "+err.Error())
			}
			switch s {
			case secAllowed:
				tr.Allowed = list
			case secErrDisabled:
				tr.ErrDisabled = list
			case secActive:
				tr.Active = list
			case secSTPForwarding:
				tr.STPForwarding = list
			case secNotPruned:
				tr.ForwardingNotPruned = list
			}
		}
		out = append(out, *tr)
	}
	return out, nil
}

// classifyTrunkHeader names the section a "Port ..." header opens, from the words after
// "Port" (lower case).
func classifyTrunkHeader(h string) (trunkSection, bool) {
	switch {
	case strings.Contains(h, "native"):
		return secStatus, strings.Contains(h, "mode") || strings.Contains(h, "encapsulation")
	case strings.Contains(h, "err-disabled") || strings.Contains(h, "err disabled"):
		return secErrDisabled, false
	case strings.Contains(h, "allowed and active"):
		return secActive, false
	case strings.Contains(h, "not pruned"):
		return secNotPruned, false
	case strings.Contains(h, "stp forwarding"):
		return secSTPForwarding, false
	case strings.Contains(h, "allowed"):
		return secAllowed, false
	}
	return secIgnored, false
}

// readTrunkStatus fills a row of the first section:
// NX-OS "Port Native-Vlan Status Port-Channel", IOS "Port Mode Encapsulation Status
// Native-vlan".
func readTrunkStatus(tr *Trunk, f []string, ios bool) {
	if ios {
		if len(f) >= 4 {
			tr.Mode, tr.Encapsulation, tr.Status, tr.NativeVLAN = f[0], f[1], f[2], atoi(f[3])
		}
		return
	}
	if len(f) >= 2 {
		tr.NativeVLAN, tr.Status = atoi(f[0]), f[1]
	}
	if len(f) >= 3 && f[2] != "--" {
		tr.PortChannel = f[2]
	}
}

// listText gathers a VLAN list printed over several lines. Lines are joined as
// joinWrapped says, without copying what came before (a list can wrap many times).
type listText struct {
	b    strings.Builder
	last string
}

func (l *listText) add(piece string) {
	piece = l.start(piece)
	if piece == "" {
		return
	}
	joined := joinWrapped(l.last, piece)
	// joined is l.last, then maybe a comma, then piece: write only what is new.
	l.b.WriteString(joined[len(l.last):])
	l.last = piece
}

// addCut appends a piece of a line the terminal cut at its width: nothing was lost
// or added at the cut, so the pieces join as they are.
func (l *listText) addCut(piece string) {
	if piece = l.start(piece); piece != "" {
		l.b.WriteString(piece)
		l.last = piece
	}
}

// start prepares a piece: spaces dropped, and "none" kept only while the list is empty
// (a list that says "none" and then goes on is the list that goes on).
func (l *listText) start(piece string) string {
	piece = strings.Join(strings.Fields(piece), "")
	switch {
	case piece == "":
	case strings.EqualFold(piece, "none"):
		if l.b.Len() > 0 {
			return ""
		}
	case strings.EqualFold(l.b.String(), "none"):
		l.b.Reset()
		l.last = ""
	}
	return piece
}

func (l *listText) String() string { return l.b.String() }

// isVLANListText reports whether a continuation line is a piece of a VLAN list.
func isVLANListText(t string) bool {
	if strings.EqualFold(t, "none") {
		return true
	}
	for _, r := range t {
		if !(r >= '0' && r <= '9' || r == ',' || r == '-' || r == ' ') {
			return false
		}
	}
	return true
}
