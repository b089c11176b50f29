package sim

import (
	"fmt"
	"strings"
	"time"
)

// nxosFlapAge formats how long ago something happened as NX-OS "Last link flapped" does:
// "00:00:29", "3d04h", "5week(s) 2day(s)".
func nxosFlapAge(d time.Duration) string { return nxosAge(d, "%dweek(s) %dday(s)") }

// nxosUptime formats an adjacency's age as NX-OS tables do: "00:01:08", "1d02h", "5w2d".
func nxosUptime(d time.Duration) string { return nxosAge(d, "%dw%dd") }

// nxosAge is an NX-OS age: a clock under a day, days and hours under a week, then weeks and
// days in the given format (the two places NX-OS prints ages spell weeks differently).
func nxosAge(d time.Duration, weeks string) string {
	switch {
	case d < 24*time.Hour:
		return clock(d)
	case d < 7*24*time.Hour:
		return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
	}
	days := int(d.Hours()) / 24
	return fmt.Sprintf(weeks, days/7, days%7)
}

func clock(d time.Duration) string {
	s := int(d.Seconds())
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// iosUptime formats an uptime as IOS "show version" does: "17 weeks, 4 days, 3 hours, 12 minutes".
func iosUptime(d time.Duration) string {
	m := int(d.Minutes())
	parts := []struct {
		n    int
		unit string
	}{
		{m / (7 * 24 * 60), "week"},
		{m / (24 * 60) % 7, "day"},
		{m / 60 % 24, "hour"},
		{m % 60, "minute"},
	}
	var out []string
	for _, p := range parts {
		if len(out) == 0 && p.n == 0 && p.unit != "minute" {
			continue
		}
		unit := p.unit
		if p.n != 1 {
			unit += "s"
		}
		out = append(out, fmt.Sprintf("%d %s", p.n, unit))
	}
	return strings.Join(out, ", ")
}

// rateText formats a rate as NX-OS does in "input rate 6.35 Mbps, 2.35 Kpps".
func rateText(v float64, unit string) string {
	switch {
	case v < 1000:
		return fmt.Sprintf("%d %s", int64(v), unit)
	case v < 1e6:
		return fmt.Sprintf("%.2f K%s", v/1e3, unit)
	case v < 1e9:
		return fmt.Sprintf("%.2f M%s", v/1e6, unit)
	}
	return fmt.Sprintf("%.2f G%s", v/1e9, unit)
}

// wrapList joins items with ", " into lines of at most width characters, as the Ports column of
// `show vlan` does.
func wrapList(items []string, width int) []string {
	var lines []string
	cur := ""
	for _, it := range items {
		switch {
		case cur == "":
			cur = it
		case len(cur)+2+len(it) <= width:
			cur += ", " + it
		default:
			lines = append(lines, cur+",")
			cur = it
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// Traffic mix used to split packet counters.
const (
	avgFrame   = 780.0 // bytes
	shareMcast = 0.025
	shareBcast = 0.004
	shareJumbo = 0.31

	bitsPerFrame = avgFrame * 8
)

func u(v float64) uint64 { return uint64(v) }

func dashes(n int) string { return strings.Repeat("-", n) }
