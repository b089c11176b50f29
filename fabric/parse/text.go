package parse

import (
	"strconv"
	"strings"
	"unicode"
)

// splitLines splits on \n, \r\n or a lone \r (some captures keep the terminal's CRs)
// and drops trailing blanks, so "Port   " and "Port" read alike.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	out := strings.Split(text, "\n")
	for i, l := range out {
		out[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return out
}

// indented reports whether a line starts with white space: the continuation lines of
// a wrapped cell do, table rows do not.
func indented(l string) bool {
	return l != "" && (l[0] == ' ' || l[0] == '\t')
}

// isRule reports whether a line is only a table rule: dashes, with the "+" IOS puts at
// column joints ("------+------").
func isRule(l string) bool {
	t := strings.TrimSpace(l)
	if t == "" {
		return false
	}
	for _, r := range t {
		if r != '-' && r != '+' && r != ' ' {
			return false
		}
	}
	return strings.Contains(t, "--")
}

// looksLikeInterface reports whether s reads as an interface name ("Eth1/47", "Po48",
// "Gi1/0/1", "port-channel1", "mgmt0"): letters then something with a digit, and not a
// prompt ("N7K-1#").
func looksLikeInterface(s string) bool {
	if s == "" || !unicode.IsLetter(rune(s[0])) {
		return false
	}
	if strings.ContainsAny(s, "#>%(),") {
		return false
	}
	return strings.ContainsAny(s, "0123456789")
}

// atoi is strconv.Atoi that ignores failures: counters a device prints are digits; a
// malformed one reads as zero rather than failing a whole table.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
