package parse

import (
	"regexp"
	"strconv"
	"strings"
)

// PortChannel is one group of `show port-channel summary` (NX-OS) or
// `show etherchannel summary` (IOS).
type PortChannel struct {
	Group int    `json:"group"`
	Name  string `json:"name"` // "Po48"
	// Flags are the channel's letters as printed: "SU" (layer 2, up), "RU" (layer 3,
	// up), "SD" (down), "RD"...
	Flags string `json:"flags"`
	Up    bool   `json:"up"`
	// Type is the NX-OS "Type" column ("Eth"); IOS has none.
	Type string `json:"type,omitempty"`
	// Protocol is "LACP", "PAgP" or "none" (static, NX-OS "NONE", IOS "-"); empty when
	// the output has no Protocol column (IOS 12.1 "Group Port-channel  Ports").
	Protocol string   `json:"protocol"`
	Members  []Member `json:"members"`
}

// Member is a port in a channel with its flags: P (bndl) bundled, D down,
// s (susp) suspended, I individual, H (hot-sby) hot standby, r module removed,
// w waiting, u unsuitable, f failed to allocate, and on NX-OS 7 and later p (up in
// delay-LACP mode) and b (waiting for its BFD session).
type Member struct {
	Port  string `json:"port"`
	Flags string `json:"flags"`
	// State is Flags in words: "bundled", "down", "suspended", "individual",
	// "hot-standby", "module-removed", "waiting", "unsuitable", "failed",
	// "delay-lacp", "bfd-wait", "min-links" or "unknown".
	State string `json:"state"`
	// Bundled is true when the member carries the channel's traffic: "bundled", or
	// "delay-lacp" (the one member NX-OS brings up before LACP has converged).
	Bundled bool `json:"bundled"`
}

// BundledCount is how many members are bundled (carrying traffic).
func (p PortChannel) BundledCount() int {
	n := 0
	for _, m := range p.Members {
		if m.Bundled {
			n++
		}
	}
	return n
}

var flaggedRe = regexp.MustCompile(`^([^()\s]+)\(([^()\s]*)\)$`)

// NXOSPortChannelSummary parses NX-OS `show port-channel summary`.
func NXOSPortChannelSummary(text string) ([]PortChannel, error) {
	return channelSummary(text, "show port-channel summary")
}

// IOSEtherChannelSummary parses IOS / IOS-XE `show etherchannel summary`.
func IOSEtherChannelSummary(text string) ([]PortChannel, error) {
	return channelSummary(text, "show etherchannel summary")
}

func channelSummary(text, command string) ([]PortChannel, error) {
	if err := checkDeviceError(text); err != nil {
		return nil, err
	}
	var (
		out         []PortChannel
		inTable     bool
		hasType     bool
		hasProtocol bool
		cur         *PortChannel
	)
	for _, l := range splitLines(text) {
		t := strings.TrimSpace(l)
		if t == "" || isRule(l) {
			continue
		}
		f := strings.Fields(t)
		if !inTable {
			// NX-OS "Group Port-  Type  Protocol  Member Ports"; IOS "Group
			// Port-channel  Protocol  Ports", and IOS 12.1 "Group Port-channel  Ports".
			if f[0] == "Group" && len(f) >= 3 && (strings.Contains(t, "Protocol") || f[len(f)-1] == "Ports") {
				inTable, hasType, hasProtocol = true, strings.Contains(t, "Type"), strings.Contains(t, "Protocol")
			}
			continue
		}
		if indented(l) {
			if cur != nil {
				cur.Members = append(cur.Members, members(f)...)
			}
			continue
		}
		group, err := strconv.Atoi(f[0])
		if err != nil || len(f) < 2 {
			cur = nil // the legend IOS prints under the table ("RU - L3 port-channel UP State")
			continue
		}
		pc := PortChannel{Group: group, Members: []Member{}}
		if m := flaggedRe.FindStringSubmatch(f[1]); m != nil {
			pc.Name, pc.Flags = m[1], m[2]
		} else {
			pc.Name = f[1]
		}
		pc.Up = strings.Contains(pc.Flags, "U")
		rest := f[2:]
		if hasType && len(rest) > 0 && !flaggedRe.MatchString(rest[0]) {
			pc.Type, rest = rest[0], rest[1:]
		}
		switch {
		case !hasProtocol:
		case len(rest) == 0:
			pc.Protocol = "none"
		case flaggedRe.MatchString(rest[0]):
			// No protocol printed before the ports: not known, and not a port lost.
		default:
			pc.Protocol, rest = protocol(rest[0]), rest[1:]
		}
		pc.Members = members(rest)
		out = append(out, pc)
		cur = &out[len(out)-1]
	}
	if !inTable {
		if nothingShown(text, CmdChannels) {
			// NX-OS prints nothing at all when no port-channel is configured.
			return []PortChannel{}, nil
		}
		return nil, unrecognized(command, `no "Group Port-channel Protocol" header`)
	}
	if out == nil {
		out = []PortChannel{}
	}
	return out, nil
}

func protocol(s string) string {
	switch strings.ToLower(s) {
	case "-", "none", "--":
		return "none"
	case "lacp":
		return "LACP"
	case "pagp":
		return "PAgP"
	}
	return s
}

// members reads "Eth1/1(P)  Eth2/1(P)" cells; "--" (no members) and other words are
// skipped.
func members(fields []string) []Member {
	out := []Member{}
	for _, f := range fields {
		m := flaggedRe.FindStringSubmatch(f)
		if m == nil {
			continue
		}
		state := memberState(m[2])
		out = append(out, Member{Port: m[1], Flags: m[2], State: state, Bundled: state == "bundled" || state == "delay-lacp"})
	}
	return out
}

func memberState(flags string) string {
	switch strings.ToLower(flags) {
	case "bndl":
		return "bundled"
	case "hot-sby":
		return "hot-standby"
	case "susp":
		return "suspended"
	case "down":
		return "down"
	case "indep", "stand-alone":
		return "individual"
	}
	if flags == "" {
		return "unknown"
	}
	// Letters are case-sensitive: s is suspended where S would be "switched", p is
	// delay-LACP where P is bundled.
	for _, c := range []struct {
		flag  rune
		state string
	}{
		{'P', "bundled"}, {'D', "down"}, {'s', "suspended"}, {'I', "individual"},
		{'H', "hot-standby"}, {'r', "module-removed"}, {'p', "delay-lacp"}, {'b', "bfd-wait"},
		{'w', "waiting"}, {'u', "unsuitable"}, {'m', "min-links"}, {'f', "failed"},
	} {
		if strings.ContainsRune(flags, c.flag) {
			return c.state
		}
	}
	return "unknown"
}
