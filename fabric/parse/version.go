package parse

import (
	"regexp"
	"strings"
)

// Version is what `show version` says about a switch.
type Version struct {
	Hostname string `json:"hostname"`
	// OS is "NX-OS", "IOS-XE" or "IOS".
	OS      string `json:"os"`
	Version string `json:"version"`
	// Platform is the chassis or model: "Nexus7000 C7009 (9 Slot) Chassis",
	// "WS-C6503-E", "C9500-40X".
	Platform string `json:"platform"`
	// Uptime is as printed ("10 weeks, 5 days, 5 hours, 16 minutes");
	// UptimeSeconds is the same span in seconds (a year counted as 365 days).
	Uptime        string `json:"uptime"`
	UptimeSeconds int64  `json:"uptime_seconds"`
	Image         string `json:"image,omitempty"`
}

var (
	nxVersionRe   = regexp.MustCompile(`^\s*(NXOS|system|kickstart)\s*:\s+version\s+(\S+)`)
	nxDeviceRe    = regexp.MustCompile(`^\s*Device name:\s*(\S+)`)
	nxChassisRe   = regexp.MustCompile(`^\s*cisco\s+(.+?)\s*(\("[^"]*"\))?\s*$`)
	nxUptimeRe    = regexp.MustCompile(`^\s*Kernel uptime is\s+(.+?)\s*$`)
	nxImageRe     = regexp.MustCompile(`^\s*(?:NXOS|system) image file is:\s*(\S+)`)
	iosVersionRe  = regexp.MustCompile(`\bVersion\s+([^\s,]+)`)
	iosUptimeRe   = regexp.MustCompile(`^(\S+)\s+uptime is\s+(.+?)\s*$`)
	iosModelRe    = regexp.MustCompile(`(?i)^\s*Model number\s*:\s*(\S+)`)
	iosProcRe     = regexp.MustCompile(`(?i)^cisco\s+(\S+)\s+(?:\([^)]*\)\s+)?processor`)
	iosImageRe    = regexp.MustCompile(`^System image file is "([^"]+)"`)
	uptimeFieldRe = regexp.MustCompile(`(\d+)\s*(year|week|day|hour|minute|second)`)
)

// NXOSVersion parses NX-OS `show version`.
func NXOSVersion(text string) (*Version, error) {
	if err := checkDeviceError(text); err != nil {
		return nil, err
	}
	v := &Version{OS: "NX-OS"}
	rank := map[string]int{"NXOS": 3, "system": 2, "kickstart": 1}
	best, inHardware := 0, false
	for _, l := range splitLines(text) {
		if m := nxVersionRe.FindStringSubmatch(l); m != nil && rank[m[1]] > best {
			best, v.Version = rank[m[1]], m[2]
			continue
		}
		if strings.TrimSpace(l) == "Hardware" {
			inHardware = true
			continue
		}
		if m := nxChassisRe.FindStringSubmatch(l); m != nil && v.Platform == "" &&
			(inHardware || strings.Contains(l, "Nexus")) {
			v.Platform = m[1]
			continue
		}
		if m := nxDeviceRe.FindStringSubmatch(l); m != nil && v.Hostname == "" {
			v.Hostname = m[1]
			continue
		}
		if m := nxUptimeRe.FindStringSubmatch(l); m != nil && v.Uptime == "" {
			v.Uptime = m[1]
			continue
		}
		if m := nxImageRe.FindStringSubmatch(l); m != nil && v.Image == "" {
			v.Image = m[1]
		}
	}
	if v.Version == "" {
		return nil, unrecognized("show version", `no "NXOS: version" or "system: version" line`)
	}
	v.UptimeSeconds = uptimeSeconds(v.Uptime)
	return v, nil
}

// IOSVersion parses IOS and IOS-XE `show version` (Catalyst 6500, 4500, 3850, 9000...).
func IOSVersion(text string) (*Version, error) {
	if err := checkDeviceError(text); err != nil {
		return nil, err
	}
	v := &Version{OS: "IOS"}
	model := false
	for _, l := range splitLines(text) {
		if strings.Contains(l, "IOS XE Software") || strings.Contains(l, "IOS-XE Software") {
			v.OS = "IOS-XE"
		}
		if v.Version == "" && strings.Contains(strings.ToUpper(l), "IOS") && strings.Contains(l, "Software") {
			if m := iosVersionRe.FindStringSubmatch(l); m != nil {
				v.Version = m[1]
				continue
			}
		}
		if m := iosUptimeRe.FindStringSubmatch(l); m != nil && v.Hostname == "" {
			v.Hostname, v.Uptime = m[1], m[2]
			continue
		}
		if m := iosModelRe.FindStringSubmatch(l); m != nil && !model {
			v.Platform, model = m[1], true // the first model number beats the processor line
			continue
		}
		if m := iosProcRe.FindStringSubmatch(l); m != nil && v.Platform == "" {
			v.Platform = m[1]
			continue
		}
		if m := iosImageRe.FindStringSubmatch(l); m != nil && v.Image == "" {
			v.Image = m[1]
		}
	}
	if v.Version == "" {
		return nil, unrecognized("show version", `no "Cisco IOS ... Version" line`)
	}
	v.UptimeSeconds = uptimeSeconds(v.Uptime)
	return v, nil
}

// uptimeSeconds adds up "2 years, 31 weeks, 6 days, 9 hours, 55 minutes" or
// "749 day(s), 15 hour(s), 17 minute(s), 48 second(s)".
func uptimeSeconds(s string) int64 {
	unit := map[string]int64{"year": 365 * 86400, "week": 7 * 86400, "day": 86400,
		"hour": 3600, "minute": 60, "second": 1}
	var total int64
	for _, m := range uptimeFieldRe.FindAllStringSubmatch(s, -1) {
		n := atoi64(m[1])
		if n > 1e9 {
			continue // not a real uptime; keep the sum from overflowing
		}
		total += n * unit[m[2]]
	}
	return total
}
