package parse

import (
	"regexp"
	"strings"
)

// Interface is one interface of `show interface` (NX-OS) or `show interfaces` (IOS),
// for one interface or for all of them.
type Interface struct {
	Name string `json:"name"`
	// AdminState is "up" or "down" (shut down by an operator).
	AdminState string `json:"admin_state"`
	// OperState is the first state on the first line: "up", "down", and on IOS also
	// "reset" or "deleted".
	OperState string `json:"oper_state"`
	// LineProtocol is IOS's (and an NX-OS SVI's) "line protocol is up/down".
	LineProtocol string `json:"line_protocol,omitempty"`
	// Reason is the device's parenthesis: "err-disabled", "Link not connected",
	// "linkFlapErrDisabled, port: error", "notconnect", "suspended"...
	Reason      string `json:"reason,omitempty"`
	ErrDisabled bool   `json:"err_disabled"`
	Description string `json:"description,omitempty"`
	// MemberOf is the port-channel an NX-OS port "Belongs to".
	MemberOf      string `json:"member_of,omitempty"`
	MTU           int    `json:"mtu"`
	BandwidthKbit int64  `json:"bandwidth_kbit"`
	CRCErrors     int64  `json:"crc_errors"`
	InputErrors   int64  `json:"input_errors"`
	OutputErrors  int64  `json:"output_errors"`
	// InputBps and OutputBps are the traffic rates of the interface's first load interval,
	// in bits per second: NX-OS's Load-Interval #1 ("30 seconds input rate 8272
	// bits/sec", 30 s unless load-interval counter 1 says otherwise), IOS's one interval
	// ("5 minute input rate 1180000 bits/sec", or "30 second ..." under load-interval 30).
	// RateSeconds is that interval. HasRates is false when the output printed no rate
	// (an SVI, an overlay, a truncated capture): the rates are then unknown, not zero.
	InputBps    int64 `json:"input_bps,omitempty"`
	OutputBps   int64 `json:"output_bps,omitempty"`
	RateSeconds int   `json:"rate_seconds,omitempty"`
	HasRates    bool  `json:"has_rates,omitempty"`
}

var (
	ifHeaderRe   = regexp.MustCompile(`^\s*(\S+) is (administratively down|up|down|deleted|reset|testing|dormant)\b(.*)$`)
	ifParenRe    = regexp.MustCompile(`^\s*\(([^)]*)\)`)
	ifProtocolRe = regexp.MustCompile(`line protocol is (\w+)(?:\s*\(([^)]*)\))?`)
	ifAdminRe    = regexp.MustCompile(`^\s*admin state is (\w+)`)
	ifDescRe     = regexp.MustCompile(`^\s*Description:\s*(.*?)\s*$`)
	ifMTURe      = regexp.MustCompile(`\bMTU (\d+) bytes`)
	ifBWRe       = regexp.MustCompile(`\bBW (\d+) Kbit`)
	ifBelongsRe  = regexp.MustCompile(`^\s*Belongs to (\S+)`)
	ifCRCRe      = regexp.MustCompile(`\b(\d+) CRC\b`)
	ifInErrRe    = regexp.MustCompile(`\b(\d+) input errors?\b`)
	ifOutErrRe   = regexp.MustCompile(`\b(\d+) output errors?\b`)
	// ifRateRe reads "30 seconds input rate 8272 bits/sec, 2 packets/sec" (NX-OS),
	// "5 minute output rate 38000 bits/sec, 33 packets/sec" (IOS), "1 minute input rate..."
	// (an NX-OS mgmt0). The summary "input rate 8.27 Kbps, 2 pps; ..." has no interval and
	// does not match.
	ifRateRe = regexp.MustCompile(`^\s*(\d+) (second|minute)s? (input|output) rate (\d+) bits/sec`)
)

// NXOSInterfaces parses NX-OS `show interface [NAME]`.
func NXOSInterfaces(text string) ([]Interface, error) { return interfaces(text, "show interface") }

// IOSInterfaces parses IOS / IOS-XE `show interfaces [NAME]`.
func IOSInterfaces(text string) ([]Interface, error) { return interfaces(text, "show interfaces") }

func interfaces(text, command string) ([]Interface, error) {
	if err := checkDeviceError(text); err != nil {
		return nil, err
	}
	var (
		out  []Interface
		cur  *Interface
		seen map[string]bool // which counters this interface has had
	)
	for _, l := range splitLines(text) {
		// Cheap substring tests first: a full `show interface` is thousands of lines.
		if strings.Contains(l, " is ") {
			if m := ifHeaderRe.FindStringSubmatch(l); m != nil && looksLikeInterface(m[1]) {
				out = append(out, interfaceHeader(m[1], m[2], m[3]))
				cur, seen = &out[len(out)-1], map[string]bool{}
				continue
			}
		}
		if cur == nil {
			continue
		}
		switch {
		case strings.Contains(l, "admin state is"):
			if m := ifAdminRe.FindStringSubmatch(l); m != nil {
				cur.AdminState = strings.ToLower(m[1])
			}
		case strings.Contains(l, "Description:"):
			if m := ifDescRe.FindStringSubmatch(l); m != nil && !seen["desc"] {
				cur.Description, seen["desc"] = m[1], true
			}
		case strings.Contains(l, "Belongs to"):
			if m := ifBelongsRe.FindStringSubmatch(l); m != nil {
				cur.MemberOf = m[1]
			}
		case strings.Contains(l, "MTU "):
			if m := ifMTURe.FindStringSubmatch(l); m != nil && !seen["mtu"] {
				cur.MTU, seen["mtu"] = atoi(m[1]), true
			}
			if m := ifBWRe.FindStringSubmatch(l); m != nil && !seen["bw"] {
				cur.BandwidthKbit, seen["bw"] = atoi64(m[1]), true
			}
		case strings.Contains(l, "bits/sec"):
			// The first interval printed is the shortest: NX-OS's Load-Interval #1 comes
			// before #2 (300 seconds), and IOS prints one.
			if m := ifRateRe.FindStringSubmatch(l); m != nil && !seen[m[3]] {
				secs := atoi(m[1])
				if m[2] == "minute" {
					secs *= 60
				}
				if cur.HasRates && secs != cur.RateSeconds {
					continue // the other direction of another interval: not the pair read
				}
				seen[m[3]] = true
				cur.HasRates, cur.RateSeconds = true, secs
				if m[3] == "input" {
					cur.InputBps = atoi64(m[4])
				} else {
					cur.OutputBps = atoi64(m[4])
				}
			}
		case strings.Contains(l, "CRC") || strings.Contains(l, "error"):
			if m := ifCRCRe.FindStringSubmatch(l); m != nil && !seen["crc"] {
				cur.CRCErrors, seen["crc"] = atoi64(m[1]), true
			}
			if m := ifInErrRe.FindStringSubmatch(l); m != nil && !seen["in"] {
				cur.InputErrors, seen["in"] = atoi64(m[1]), true
			}
			if m := ifOutErrRe.FindStringSubmatch(l); m != nil && !seen["out"] {
				cur.OutputErrors, seen["out"] = atoi64(m[1]), true
			}
		}
	}
	if out == nil {
		return nil, unrecognized(command, `no "<interface> is up/down" line`)
	}
	return out, nil
}

// interfaceHeader reads "Ethernet1/3 is down (err-disabled)", "Vlan1 is down
// (Administratively down), line protocol is down, autostate enabled" or
// "GigabitEthernet1/0/1 is administratively down, line protocol is down (disabled)".
func interfaceHeader(name, state, rest string) Interface {
	i := Interface{Name: name, OperState: state, AdminState: "up"}
	if state == "administratively down" {
		i.OperState, i.AdminState = "down", "down"
	}
	if m := ifParenRe.FindStringSubmatch(rest); m != nil {
		i.Reason = strings.TrimSpace(m[1])
	}
	if m := ifProtocolRe.FindStringSubmatch(rest); m != nil {
		i.LineProtocol = strings.ToLower(m[1])
		if i.Reason == "" && m[2] != "" {
			i.Reason = strings.TrimSpace(m[2])
		}
	}
	r := strings.ToLower(i.Reason)
	if strings.Contains(r, "administratively down") {
		i.AdminState = "down"
	}
	i.ErrDisabled = strings.Contains(r, "err-disabled") || strings.Contains(r, "errdisabled") ||
		strings.Contains(r, "error disabled")
	return i
}
