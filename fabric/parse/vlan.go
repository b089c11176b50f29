package parse

import (
	"regexp"
	"strings"
	"unicode"
)

// VLAN is one row of `show vlan brief` (or of the first table of `show vlan`).
type VLAN struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	// Status is as printed: "active", "suspended", "act/lshut", "sus/lshut",
	// "act/ishut", "act/unsup"...
	Status string `json:"status"`
	// Active is true when the VLAN forwards: status "active" (not shut, not suspended).
	Active bool     `json:"active"`
	Ports  []string `json:"ports"`
}

var (
	vlanStatusRe = regexp.MustCompile(`^(active|suspend|suspended|act/[a-z]+|sus/[a-z]+|[a-z]?shut|shutdown|unsup)$`)
	vlanRowRe    = regexp.MustCompile(`^\s*(\d{1,4})\s+(\S.*)$`)
)

// NXOSVLANBrief parses NX-OS `show vlan brief` (or `show vlan`).
func NXOSVLANBrief(text string) ([]VLAN, error) { return vlanBrief(text) }

// IOSVLANBrief parses IOS / IOS-XE `show vlan brief` (or `show vlan`).
func IOSVLANBrief(text string) ([]VLAN, error) { return vlanBrief(text) }

// vlanBrief reads the "VLAN Name Status Ports" table. Names may hold spaces, so the
// columns come from the rule under the header when there is one; port lists wrap onto
// indented lines; a name too long for its column pushes status and ports onto the
// next line (IOS).
func vlanBrief(text string) ([]VLAN, error) {
	if err := checkDeviceError(text); err != nil {
		return nil, err
	}
	var (
		vlans   []VLAN
		inTable bool
		cols    []int // start of the name, status and ports columns
		cur     *VLAN
	)
	for _, l := range splitLines(text) {
		t := strings.TrimSpace(l)
		if !inTable {
			f := strings.Fields(t)
			if len(f) >= 3 && f[0] == "VLAN" && f[1] == "Name" && f[2] == "Status" {
				inTable = true
			}
			continue
		}
		if t == "" {
			continue
		}
		if isRule(l) {
			if cols == nil {
				cols = ruleColumns(l)
			}
			continue
		}
		// The next table ("VLAN Type ...", "Remote SPAN VLANs", "Primary Secondary")
		// ends this one.
		if strings.HasPrefix(t, "VLAN ") || strings.HasPrefix(t, "Remote SPAN") || strings.HasPrefix(t, "Primary") {
			break
		}
		if m := vlanRowRe.FindStringSubmatch(l); m != nil && !indented(l) {
			id := atoi(m[1])
			if id < 1 || id > MaxVLAN {
				continue
			}
			v := VLAN{ID: id, Ports: []string{}}
			v.Name, v.Status, v.Ports = vlanRow(l, m[2], cols)
			if v.Ports == nil {
				v.Ports = []string{}
			}
			vlans = append(vlans, v)
			cur = &vlans[len(vlans)-1]
			continue
		}
		if cur == nil || !indented(l) {
			continue
		}
		f := strings.Fields(t)
		if cur.Status == "" && vlanStatusRe.MatchString(f[0]) {
			cur.Status = f[0] // the long-name case: status and ports on the next line
			t = strings.TrimSpace(strings.TrimPrefix(t, f[0]))
		}
		cur.Ports = append(cur.Ports, splitPorts(t)...)
	}
	if !inTable {
		return nil, unrecognized("show vlan brief", `no "VLAN Name Status Ports" header`)
	}
	for i := range vlans {
		vlans[i].Active = vlans[i].Status == "active"
	}
	if vlans == nil {
		vlans = []VLAN{}
	}
	return vlans, nil
}

// vlanRow splits what follows the VLAN ID into name, status and ports.
func vlanRow(line, rest string, cols []int) (name, status string, ports []string) {
	// By columns: exact for names with spaces or words like "active" in them.
	if len(cols) == 3 && len(line) > cols[1] && cols[1] > cols[0] {
		statusCell := strings.TrimSpace(line[cols[1]:min(len(line), cols[2])])
		before := line[cols[1]-1]
		if vlanStatusRe.MatchString(statusCell) && (before == ' ' || before == '\t') {
			name = strings.TrimSpace(line[cols[0]:cols[1]])
			if len(line) > cols[2] {
				ports = splitPorts(line[cols[2]:])
			}
			return name, statusCell, ports
		}
	}
	// By words: the first status word after the name.
	f := strings.Fields(rest)
	for i := 1; i < len(f); i++ {
		if vlanStatusRe.MatchString(f[i]) {
			return strings.Join(f[:i], " "), f[i], splitPorts(strings.Join(f[i+1:], " "))
		}
	}
	// No status on this line: a name too long for its column.
	return strings.TrimSpace(rest), "", nil
}

// ruleColumns finds where each dash group of a table rule starts.
func ruleColumns(rule string) []int {
	var starts []int
	for i := 0; i < len(rule); i++ {
		if rule[i] == '-' && (i == 0 || rule[i-1] == ' ') {
			starts = append(starts, i)
		}
	}
	if len(starts) < 4 {
		return nil
	}
	return starts[1:4]
}

// splitPorts splits "Eth1/2, Eth1/3, Eth1/4" (or a wrapped piece of it) into names.
func splitPorts(s string) []string {
	out := []string{}
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		out = append(out, p)
	}
	return out
}
