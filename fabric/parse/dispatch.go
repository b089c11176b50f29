package parse

import (
	"errors"
	"fmt"
	"reflect"
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
// *DeviceError; text that holds none of the command's output (nothing at all, or not
// one of its header or summary lines) is a *NoTableError.
//
// Parse is for a capture an operator hands over, so it is stricter than the parsers
// the monitor calls: they read an empty answer from `show interface trunk` or `show
// port-channel summary` as "none configured" (what a switch with none prints), while
// Parse refuses empty text, which is more often a failed capture. A capture that shows
// the prompt and the command with nothing after it still parses as none.
func Parse(platform, command, text string) (any, error) {
	p, kind, err := resolve(platform, command)
	if err != nil {
		return nil, err
	}
	lines := splitLines(text)
	if blank(lines) {
		return nil, &NoTableError{Command: CommandName(p, kind), Empty: true}
	}
	v, err := parseKind(p, kind, text)
	var de *DeviceError
	switch {
	case errors.As(err, &de), hasHeader(kind, lines):
		// The switch refused the command, or its output is there (if perhaps with no
		// rows, or broken): the parser's word stands.
		return v, err
	case err == nil && !emptyResult(v):
		return v, nil
	case err != nil && !errors.Is(err, ErrUnrecognized):
		return nil, err
	case echoesOnly(kind, lines):
		// The prompt and the command, then nothing: what a switch prints for `show
		// interface trunk` with no trunk. The parser says what nothing means.
		if v, err := parseKind(p, kind, ""); err == nil {
			return v, nil
		}
	}
	return nil, &NoTableError{Command: CommandName(p, kind), LooksLike: looksLike(p, kind, text, lines)}
}

// emptyResult reports whether v is a list with no row in it.
func emptyResult(v any) bool {
	rv := reflect.ValueOf(v)
	return v == nil || rv.Kind() == reflect.Slice && rv.Len() == 0
}

// promptRe matches a line a terminal capture starts with: the prompt ("N9K-1#",
// "Switch>", "nexus_E(config-if)#") and the command typed after it, if any.
var promptRe = regexp.MustCompile(`^\s*[A-Za-z0-9][\w.\-/:()]*[#>]\s*(.*)$`)

// echoesOnly reports whether the lines are nothing but prompts, one of them followed by
// a command of this kind.
func echoesOnly(kind string, lines []string) bool {
	echoed := false
	for _, l := range lines {
		if strings.TrimSpace(l) == "" || isRule(l) {
			continue
		}
		m := promptRe.FindStringSubmatch(l)
		if m == nil {
			return false
		}
		if m[1] == "" {
			continue
		}
		if k, _ := NormalizeCommand(m[1]); k != kind {
			return false
		}
		echoed = true
	}
	return echoed
}

// Check returns the *UnsupportedError Parse would return for platform and command, or
// nil: a caller can refuse a wrong command line before it reads any input.
func Check(platform, command string) error {
	_, _, err := resolve(platform, command)
	return err
}

// resolve normalises the platform and the command.
func resolve(platform, command string) (p, kind string, err error) {
	p, ok := NormalizePlatform(platform)
	if !ok {
		return "", "", &UnsupportedError{Platform: platform, Supported: Platforms()}
	}
	kind, ok = NormalizeCommand(command)
	if !ok {
		return "", "", &UnsupportedError{Platform: p, Command: command, Supported: commandNames[p]}
	}
	return p, kind, nil
}

// parseKind runs the parser of one command kind on text, as the monitor would.
func parseKind(p, kind, text string) (any, error) {
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
	return nil, &UnsupportedError{Platform: p, Command: kind, Supported: commandNames[p]}
}

// ErrNoTable is wrapped by the error Parse returns when the text holds none of the
// command's output: it is empty, or another command's output, a shell's error, the
// wrong file. It is a kind of ErrUnrecognized, and a *NoTableError says which command.
var ErrNoTable = errors.New("no output of the command found")

// NoTableError says the text holds no output of Command. It wraps ErrNoTable and
// ErrUnrecognized.
type NoTableError struct {
	// Command is the platform's name for it, e.g. "show interfaces trunk".
	Command string `json:"command"`
	// Empty is set when the text is nothing but blank lines.
	Empty bool `json:"empty,omitempty"`
	// LooksLike is the command whose output the text parses as instead, if one does.
	LooksLike string `json:"looks_like,omitempty"`
}

func (e *NoTableError) Error() string {
	if e.Empty {
		return fmt.Sprintf("the input is empty: no '%s' output found in it", e.Command)
	}
	s := fmt.Sprintf("no '%s' output found in the input", e.Command)
	if e.LooksLike != "" {
		s += fmt.Sprintf("; it looks like '%s' output", e.LooksLike)
	}
	return s
}

// Unwrap lets errors.Is find both ErrNoTable and ErrUnrecognized.
func (e *NoTableError) Unwrap() []error { return []error{ErrNoTable, ErrUnrecognized} }

// kinds is every command kind, in the order a "looks like" hint tries them.
var kinds = []string{CmdVersion, CmdVLANBrief, CmdChannels, CmdTrunk, CmdInterfaces, CmdOTVAdjacency, CmdOTVVLAN, CmdPing}

// CommandName is what the platform calls a command kind: on IOS, CmdTrunk is "show
// interfaces trunk" and CmdChannels "show etherchannel summary".
func CommandName(platform, kind string) string {
	if platform == IOSXE {
		switch kind {
		case CmdTrunk:
			return "show interfaces trunk"
		case CmdChannels:
			return "show etherchannel summary"
		case CmdInterfaces:
			return "show interfaces"
		}
	}
	return kind
}

// blank reports whether the lines hold nothing but white space (and terminal noise).
func blank(lines []string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return true
}

// headers tell, loosely and cheaply, the lines each command's output cannot lack: a
// table's header, or the version or summary line. A parser that fails on text holding
// one met output it could not read (a broken list, a cut table), which is not "no
// output". They are plain string tests first: the text may be megabytes.
var headers = map[string]func(l string) bool{
	CmdVersion: func(l string) bool {
		return strings.Contains(l, "version") && (strings.Contains(l, "NXOS") || strings.Contains(l, "system") || strings.Contains(l, "kickstart")) ||
			strings.Contains(l, "IOS") && strings.Contains(l, "Software")
	},
	CmdVLANBrief: func(l string) bool {
		f := strings.Fields(l)
		return len(f) >= 3 && strings.EqualFold(f[0], "VLAN") && strings.EqualFold(f[1], "Name") && strings.EqualFold(f[2], "Status")
	},
	CmdTrunk: func(l string) bool {
		f := strings.Fields(l)
		return !indented(l) && len(f) > 1 && f[0] == "Port"
	},
	CmdChannels: func(l string) bool {
		f := strings.Fields(l)
		return len(f) > 1 && f[0] == "Group" && strings.HasPrefix(f[1], "Port")
	},
	CmdInterfaces: func(l string) bool { return strings.Contains(l, " is ") && ifHeaderRe.MatchString(l) },
	CmdOTVAdjacency: func(l string) bool {
		return strings.HasPrefix(strings.TrimSpace(l), "Hostname")
	},
	CmdOTVVLAN: func(l string) bool {
		f := strings.Fields(l)
		return len(f) > 1 && (f[0] == "Inst" && f[1] == "VLAN" || f[0] == "VLAN" && strings.Contains(l, "Edge"))
	},
	CmdPing: func(l string) bool {
		return strings.Contains(l, "packets transmitted") || strings.Contains(l, "Success rate")
	},
}

// hasHeader reports whether one of the lines (from splitLines) looks like the header or
// summary line of kind's output.
func hasHeader(kind string, lines []string) bool {
	is := headers[kind]
	if is == nil {
		return false
	}
	for _, l := range lines {
		if is(l) {
			return true
		}
	}
	return false
}

// looksLike names the other command whose output text parses as, with something in it,
// or returns "". Only the commands whose header is there are tried: a parser reads all
// of the text, which may be megabytes.
func looksLike(p, kind, text string, lines []string) string {
	for _, k := range kinds {
		if k == kind || !hasHeader(k, lines) {
			continue
		}
		if v, err := parseKind(p, k, text); err == nil && !emptyResult(v) {
			return CommandName(p, k)
		}
	}
	return ""
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
