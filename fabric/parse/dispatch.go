package parse

import (
	"regexp"
	"strings"
)

// Platform names, as scrapligo names them.
const (
	NXOS  = "cisco_nxos"
	IOSXE = "cisco_iosxe"
)

// Command kinds Parse knows, in the operator's words.
const (
	CmdVersion      = "show version"
	CmdVLANBrief    = "show vlan brief"
	CmdTrunk        = "show interface trunk"
	CmdChannels     = "show port-channel summary"
	CmdInterfaces   = "show interface"
	CmdOTVAdjacency = "show otv adjacency"
	CmdOTVVLAN      = "show otv vlan"
	CmdPing         = "ping"
)

// commandNames is what each platform calls each kind, for help and error messages.
var commandNames = map[string][]string{
	NXOS: {"show version", "show vlan brief", "show interface trunk", "show port-channel summary",
		"show interface [NAME]", "show otv adjacency", "show otv vlan", "ping TARGET [count N] [vrf VRF]"},
	IOSXE: {"show version", "show vlan brief", "show interfaces trunk", "show etherchannel summary",
		"show interfaces [NAME]", "show otv adjacency", "show otv vlan", "ping TARGET [repeat N]"},
}

// Commands lists the supported commands, each prefixed by its platform:
// "cisco_nxos: show interface trunk". Abbreviations ("sh int tr") are accepted too.
func Commands() []string {
	var out []string
	for _, p := range []string{NXOS, IOSXE} {
		for _, c := range commandNames[p] {
			out = append(out, p+": "+c)
		}
	}
	return out
}

// Platforms lists the platform names Parse accepts.
func Platforms() []string { return []string{NXOS, IOSXE} }

// Parse parses text, the output of command on a switch of the given platform, and
// returns the typed result: *Version, []VLAN, []Trunk, []PortChannel, []Interface,
// []OTVAdjacency, []OTVVLAN or *Ping. The command is normalised first, so "sh int
// trunk", "show interfaces trunk" and "show int Ethernet1/1" all work. An unknown
// platform or command is an *UnsupportedError; a device error in text is a
// *DeviceError.
func Parse(platform, command, text string) (any, error) {
	p, ok := NormalizePlatform(platform)
	if !ok {
		return nil, &UnsupportedError{Platform: platform, Supported: Platforms()}
	}
	kind, ok := NormalizeCommand(command)
	if !ok {
		return nil, &UnsupportedError{Platform: p, Command: command, Supported: commandNames[p]}
	}
	nx := p == NXOS
	pick := func(a, b func(string) (any, error)) (any, error) {
		if nx {
			return a(text)
		}
		return b(text)
	}
	switch kind {
	case CmdVersion:
		return pick(wrap(NXOSVersion), wrap(IOSVersion))
	case CmdVLANBrief:
		return pick(wrap(NXOSVLANBrief), wrap(IOSVLANBrief))
	case CmdTrunk:
		return pick(wrap(NXOSInterfaceTrunk), wrap(IOSInterfacesTrunk))
	case CmdChannels:
		return pick(wrap(NXOSPortChannelSummary), wrap(IOSEtherChannelSummary))
	case CmdInterfaces:
		return pick(wrap(NXOSInterfaces), wrap(IOSInterfaces))
	case CmdOTVAdjacency:
		return pick(wrap(NXOSOTVAdjacency), wrap(IOSOTVAdjacency))
	case CmdOTVVLAN:
		return pick(wrap(NXOSOTVVLAN), wrap(IOSOTVVLAN))
	case CmdPing:
		return pick(wrap(NXOSPing), wrap(IOSPing))
	}
	return nil, &UnsupportedError{Platform: p, Command: command, Supported: commandNames[p]}
}

// wrap turns a typed parser into one returning any, keeping a nil result untyped so
// callers can test it against nil.
func wrap[T any](f func(string) (T, error)) func(string) (any, error) {
	return func(s string) (any, error) {
		v, err := f(s)
		if err != nil {
			return nil, err
		}
		return v, nil
	}
}

// NormalizePlatform maps the names people use ("nxos", "NX-OS", "ios", "iosxe",
// "cisco_ios", "cisco_xe") to NXOS or IOSXE.
func NormalizePlatform(p string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(p)) {
	case "cisco_nxos", "nxos", "nx-os", "nexus":
		return NXOS, true
	case "cisco_iosxe", "cisco_ios", "cisco_xe", "ios", "iosxe", "ios-xe", "ios_xe", "catalyst":
		return IOSXE, true
	}
	return "", false
}

// keyword is a CLI word and the shortest abbreviation taken for it.
type keyword struct {
	word string
	min  int
}

func (k keyword) match(tok string) bool {
	return len(tok) >= k.min && len(tok) <= len(k.word) && strings.HasPrefix(k.word, tok)
}

var (
	kwShow         = keyword{"show", 2}
	kwVersion      = keyword{"version", 3}
	kwVLAN         = keyword{"vlan", 2}
	kwBrief        = keyword{"brief", 2}
	kwInterfaces   = keyword{"interfaces", 3}
	kwTrunk        = keyword{"trunk", 2}
	kwPortChannel  = keyword{"port-channel", 4}
	kwEtherChannel = keyword{"etherchannel", 5}
	kwSummary      = keyword{"summary", 3}
	kwOTV          = keyword{"otv", 3}
	kwAdjacency    = keyword{"adjacency", 3}
	kwPing         = keyword{"ping", 4}
	// Other `show interface` views this package does not parse.
	otherInterfaceViews = []keyword{{"brief", 2}, {"status", 2}, {"description", 2},
		{"switchport", 2}, {"counters", 4}, {"transceiver", 3}, {"capabilities", 3},
		{"mac-address", 3}, {"snmp-ifindex", 2}, {"fec", 3}, {"priority-flow-control", 3}}
	ifaceNameRe = regexp.MustCompile(`^[a-z][a-z\-]*\d[\d/.:]*$`)
)

// NormalizeCommand maps a command as typed ("sh int trunk", "show interfaces
// Ethernet1/1", "sh etherchannel sum | no-more") to one of the Cmd kinds.
func NormalizeCommand(cmd string) (string, bool) {
	cmd, _, _ = strings.Cut(cmd, "|")
	tok := strings.Fields(strings.ToLower(cmd))
	if len(tok) == 0 {
		return "", false
	}
	if kwPing.match(tok[0]) {
		return CmdPing, len(tok) >= 2
	}
	if !kwShow.match(tok[0]) || len(tok) < 2 {
		return "", false
	}
	rest := tok[2:]
	switch w := tok[1]; {
	case kwVersion.match(w):
		return CmdVersion, len(rest) == 0
	case kwVLAN.match(w):
		return CmdVLANBrief, len(rest) == 0 || (len(rest) == 1 && kwBrief.match(rest[0]))
	case kwPortChannel.match(w), kwEtherChannel.match(w):
		return CmdChannels, len(rest) == 1 && kwSummary.match(rest[0])
	case kwOTV.match(w):
		if len(rest) == 1 && kwAdjacency.match(rest[0]) {
			return CmdOTVAdjacency, true
		}
		if len(rest) == 1 && kwVLAN.match(rest[0]) {
			return CmdOTVVLAN, true
		}
	case kwInterfaces.match(w):
		return interfaceCommand(rest)
	}
	return "", false
}

// interfaceCommand reads what follows "show interface": nothing (all interfaces), a
// name ("Ethernet1/1", "eth 1/1", "po48"), "trunk", or a name then "trunk".
func interfaceCommand(rest []string) (string, bool) {
	if len(rest) == 0 {
		return CmdInterfaces, true
	}
	if kwTrunk.match(rest[len(rest)-1]) {
		name := strings.Join(rest[:len(rest)-1], "")
		return CmdTrunk, name == "" || ifaceNameRe.MatchString(name)
	}
	for _, k := range otherInterfaceViews {
		if k.match(rest[0]) || k.match(rest[len(rest)-1]) {
			return "", false
		}
	}
	return CmdInterfaces, ifaceNameRe.MatchString(strings.Join(rest, ""))
}
