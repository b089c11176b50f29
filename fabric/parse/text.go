package parse

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// splitLines splits on \n, \r\n or a lone \r (some captures keep the terminal's CRs)
// and drops trailing blanks, so "Port   " and "Port" read alike. It also undoes what a
// terminal log adds to a device's output (see cleanTerminal) and removes the indentation
// every line shares, so a capture pasted with a uniform indent reads as the device
// printed it.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	out := strings.Split(text, "\n")
	dirty := strings.ContainsAny(text, "\b\x1b") || strings.Contains(text, "More-")
	for i, l := range out {
		if dirty {
			l = cleanTerminal(l)
		}
		out[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return dedent(out)
}

var (
	// ansiRe matches ANSI control sequences (colour, erase line) some terminals log.
	ansiRe = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)
	// pagerRe matches the pager prompt of a session without "terminal length 0":
	// " --More-- " (IOS, NX-OS) or " <--- More ---> " (IOS-XR).
	pagerRe = regexp.MustCompile(`\s*(?:--More--|<--- More --->)\s*`)
)

// cleanTerminal undoes, on one line, what a terminal session log adds to the output:
// ANSI escape sequences, backspaces (applied, as the terminal did: the pager erases its
// prompt with them) and a leftover pager prompt, after which the line's own text starts.
func cleanTerminal(l string) string {
	if strings.IndexByte(l, 0x1b) >= 0 {
		l = ansiRe.ReplaceAllString(l, "")
	}
	if strings.IndexByte(l, '\b') >= 0 {
		rs := make([]rune, 0, len(l))
		for _, r := range l {
			if r == '\b' {
				if len(rs) > 0 {
					rs = rs[:len(rs)-1]
				}
				continue
			}
			rs = append(rs, r)
		}
		l = string(rs)
	}
	if loc := pagerRe.FindStringIndex(l); loc != nil {
		// What follows the prompt is the next line of output, which the pager's blanking
		// pushed right: it starts at the left margin.
		l = l[:loc[0]] + l[loc[1]:]
		if loc[0] == 0 {
			l = strings.TrimLeftFunc(l, unicode.IsSpace)
		}
	}
	return l
}

// dedent removes the leading white space every non-blank line starts with.
func dedent(lines []string) []string {
	prefix, first := "", true
	for _, l := range lines {
		if l == "" {
			continue
		}
		lead := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			prefix, first = lead, false
		} else {
			for !strings.HasPrefix(lead, prefix) {
				prefix = prefix[:len(prefix)-1]
			}
		}
		if prefix == "" {
			return lines
		}
	}
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, prefix)
	}
	return lines
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

// nothingShown reports output with nothing to show: blank, rules, or only the prompt
// and the echoed command (kind is the command's kind, CmdTrunk...). NX-OS prints
// nothing for `show interface trunk` when no port trunks, and for `show port-channel
// summary` when no channel is configured.
func nothingShown(text, kind string) bool {
	for _, l := range splitLines(text) {
		t := strings.TrimSpace(l)
		if t == "" || isRule(l) {
			continue
		}
		f := strings.Fields(t)
		if p := f[0]; strings.HasSuffix(p, "#") || strings.HasSuffix(p, ">") {
			continue // "N9K-1#", or "N9K-1# show port-channel summary"
		}
		if k, _ := NormalizeCommand(t); k != kind {
			return false
		}
	}
	return true
}
