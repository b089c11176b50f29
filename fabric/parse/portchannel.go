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
	// Protocol is "LACP", "PAgP" or "none" (static, NX-OS "NONE", IOS "-").
	Protocol string   `json:"protocol"`
	Members  []Member `json:"members"`
}

// Member is a port in a channel with its flags: P (bndl) bundled, D down,
// s (susp) suspended, I individual, H (hot-sby) hot standby, r module removed,
// w waiting, u unsuitable, f failed to allocate.
type Member struct {
	Port  string `json:"port"`
	Flags string `json:"flags"`
	// State is Flags in words: "bundled", "down", "suspended", "individual",
	// "hot-standby", "module-removed", "waiting", "unsuitable", "failed" or "unknown".
	State   string `json:"state"`
	Bundled bool   `json:"bundled"`
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
		out     []PortChannel
		inTable bool
		hasType bool
		cur     *PortChannel
	)
	for _, l := range splitLines(text) {
		t := strings.TrimSpace(l)
		if t == "" || isRule(l) {
			continue
		}
		f := strings.Fields(t)
		if !inTable {
			// NX-OS "Group Port-  Type  Protocol  Member Ports"; IOS "Group
			// Port-channel  Protocol  Ports".
			if f[0] == "Group" && len(f) >= 3 && strings.Contains(t, "Protocol") {
				inTable, hasType = true, strings.Contains(t, "Type")
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
		if hasType && len(rest) > 0 {
			pc.Type, rest = rest[0], rest[1:]
		}
		if len(rest) > 0 {
			pc.Protocol, rest = protocol(rest[0]), rest[1:]
		} else {
			pc.Protocol = "none"
		}
		pc.Members = members(rest)
		out = append(out, pc)
		cur = &out[len(out)-1]
	}
	if !inTable {
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
		out = append(out, Member{Port: m[1], Flags: m[2], State: state, Bundled: state == "bundled"})
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
	// Letters are case-sensitive: s is suspended where S would be "switched".
	switch {
	case strings.ContainsRune(flags, 'P'):
		return "bundled"
	case strings.ContainsRune(flags, 'D'):
		return "down"
	case strings.ContainsRune(flags, 's'):
		return "suspended"
	case strings.ContainsRune(flags, 'I'):
		return "individual"
	case strings.ContainsRune(flags, 'H'):
		return "hot-standby"
	case strings.ContainsRune(flags, 'r'):
		return "module-removed"
	case strings.ContainsRune(flags, 'w'):
		return "waiting"
	case strings.ContainsRune(flags, 'u'):
		return "unsuitable"
	case strings.ContainsRune(flags, 'f'):
		return "failed"
	}
	return "unknown"
}
