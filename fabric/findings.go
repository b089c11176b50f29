package fabric

import (
	"sort"
	"strconv"
)

// findings collects findings and sorts them deterministically.
type findings []Finding

func (f *findings) add(x Finding) { *f = append(*f, x) }

// sorted orders the findings: problems before findings about a VLAN local to each site
// (Finding.Local), then by severity, code and object.
func (f findings) sorted() []Finding {
	out := append([]Finding{}, f...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if findingBefore(a, b) || findingBefore(b, a) {
			return findingBefore(a, b)
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if a.Object != b.Object {
			return objectLess(a.Object, b.Object)
		}
		return a.Message < b.Message
	})
	return out
}

func severityRank(s Severity) int {
	switch s {
	case SeverityBlock:
		return 0
	case SeverityWarn:
		return 1
	case SeverityInfo:
		return 2
	}
	return 3
}

// objectLess orders objects as text, except that numbers compare by value ("vlan 99"
// before "vlan 100").
func objectLess(a, b string) bool {
	na, ta := splitTrailingNumber(a)
	nb, tb := splitTrailingNumber(b)
	if ta != "" && ta == tb {
		return na < nb
	}
	return a < b
}

func splitTrailingNumber(s string) (int, string) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if i == len(s) || i == 0 {
		return 0, ""
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil {
		return 0, ""
	}
	return n, s[:i]
}
