package sim

import (
	"regexp"
	"strconv"
	"strings"
)

// ifType is one kind of interface name a platform knows, e.g. NX-OS "Ethernet" (short "Eth").
type ifType struct {
	long  string         // canonical prefix: "Ethernet", "port-channel", "TenGigabitEthernet"
	short string         // abbreviation used in tables: "Eth", "Po", "Te"
	num   *regexp.Regexp // what follows the prefix: "3/1", "10"
}

var (
	slotPort = regexp.MustCompile(`^\d+/\d+$`)
	number   = regexp.MustCompile(`^\d+$`)
)

// ifTypes lists the interface kinds of a platform, in the order `show interface` prints them.
func ifTypes(p Platform) []ifType {
	if p == NXOS {
		return []ifType{
			{long: "Ethernet", short: "Eth", num: slotPort},
			{long: "port-channel", short: "Po", num: number},
			{long: "Overlay", short: "Overlay", num: number},
		}
	}
	return []ifType{
		{long: "TenGigabitEthernet", short: "Te", num: slotPort},
		{long: "GigabitEthernet", short: "Gi", num: slotPort},
		{long: "Port-channel", short: "Po", num: number},
	}
}

// parseIfName reads an interface name the way the CLI accepts it: a unique, case-insensitive
// prefix of the type followed by its number, in one token ("po10", "e3/1", "Te1/1") or two
// ("port-channel 10", "ethernet 3/1"). It returns the canonical name and how many tokens it
// used; ok is false when the words do not form an interface name of this platform.
func parseIfName(p Platform, tok, next string) (name string, used int, ok bool) {
	split := strings.IndexFunc(tok, func(r rune) bool { return r >= '0' && r <= '9' })
	prefix, rest := tok, ""
	used = 1
	if split >= 0 {
		prefix, rest = tok[:split], tok[split:]
	} else if next != "" && next[0] >= '0' && next[0] <= '9' {
		rest, used = next, 2
	}
	if prefix == "" || rest == "" {
		return "", 0, false
	}
	var match *ifType
	for _, t := range ifTypes(p) {
		if strings.HasPrefix(strings.ToLower(t.long), strings.ToLower(prefix)) {
			if match != nil {
				return "", 0, false // ambiguous prefix
			}
			match = &t
		}
	}
	if match == nil || !match.num.MatchString(rest) {
		return "", 0, false
	}
	return match.long + normalizeNumber(rest), used, true
}

// normalizeNumber drops leading zeros from each part of "03/01".
func normalizeNumber(s string) string {
	parts := strings.Split(s, "/")
	for i, part := range parts {
		if n, err := strconv.Atoi(part); err == nil {
			parts[i] = strconv.Itoa(n)
		}
	}
	return strings.Join(parts, "/")
}

// shortIfName abbreviates a canonical name the way tables print it: "Eth3/1", "Po10", "Te1/1".
func shortIfName(p Platform, name string) string {
	for _, t := range ifTypes(p) {
		if rest, ok := strings.CutPrefix(name, t.long); ok {
			return t.short + rest
		}
	}
	return name
}
