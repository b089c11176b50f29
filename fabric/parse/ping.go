package parse

import (
	"regexp"
	"strconv"
)

// Ping is the summary of a `ping`.
type Ping struct {
	Target      string  `json:"target,omitempty"`
	Sent        int     `json:"sent"`
	Received    int     `json:"received"`
	LossPercent float64 `json:"loss_percent"`
	// RTT is nil when no reply came back (the switch prints no round-trip line).
	RTT *RTT `json:"rtt,omitempty"`
}

// RTT is a ping's round-trip times in milliseconds.
type RTT struct {
	MinMs float64 `json:"min_ms"`
	AvgMs float64 `json:"avg_ms"`
	MaxMs float64 `json:"max_ms"`
}

var (
	// NX-OS: "5 packets transmitted, 5 packets received, 0.00% packet loss"
	nxPingStatsRe = regexp.MustCompile(`(\d+) packets transmitted, (\d+) packets received, ([\d.]+)% packet loss`)
	// NX-OS: "round-trip min/avg/max = 1.974/2.003/2.031 ms"
	rttRe        = regexp.MustCompile(`round-trip min/avg/max = ([\d.]+)/([\d.]+)/([\d.]+) ms`)
	nxPingHostRe = regexp.MustCompile(`(?m)^\s*PING (\S+)`)
	// IOS: "Success rate is 100 percent (5/5), round-trip min/avg/max = 1/2/4 ms"
	iosPingStatsRe = regexp.MustCompile(`Success rate is (\d+) percent \((\d+)/(\d+)\)`)
	iosPingHostRe  = regexp.MustCompile(`Sending \d+, \d+-byte ICMP Echos to (\S+?),`)
)

// NXOSPing parses the output of NX-OS `ping <ip> [count N] [vrf V]`.
func NXOSPing(text string) (*Ping, error) { return ping(text) }

// IOSPing parses the output of IOS / IOS-XE `ping <ip> [repeat N]`.
func IOSPing(text string) (*Ping, error) { return ping(text) }

// ping reads either family's summary; a device can be asked either way from a
// terminal server, so both are accepted on both platforms.
func ping(text string) (*Ping, error) {
	if err := checkDeviceError(text); err != nil {
		return nil, err
	}
	p := &Ping{}
	switch m := nxPingStatsRe.FindStringSubmatch(text); {
	case m != nil:
		p.Sent, p.Received = atoi(m[1]), atoi(m[2])
		p.LossPercent, _ = strconv.ParseFloat(m[3], 64)
		if h := nxPingHostRe.FindStringSubmatch(text); h != nil {
			p.Target = h[1]
		}
	default:
		m := iosPingStatsRe.FindStringSubmatch(text)
		if m == nil {
			return nil, unrecognized("ping", `no "packets transmitted" or "Success rate" line`)
		}
		p.Received, p.Sent = atoi(m[2]), atoi(m[3])
		if p.Sent > 0 {
			p.LossPercent = float64(p.Sent-p.Received) * 100 / float64(p.Sent)
		}
		if h := iosPingHostRe.FindStringSubmatch(text); h != nil {
			p.Target = h[1]
		}
	}
	if m := rttRe.FindStringSubmatch(text); m != nil && p.Received > 0 {
		p.RTT = &RTT{}
		p.RTT.MinMs, _ = strconv.ParseFloat(m[1], 64)
		p.RTT.AvgMs, _ = strconv.ParseFloat(m[2], 64)
		p.RTT.MaxMs, _ = strconv.ParseFloat(m[3], 64)
	}
	return p, nil
}
