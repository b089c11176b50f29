package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vmcross/vmcross/fabric/parse"
)

// vlanSet is a set of VLAN IDs: a switch's VLAN database membership, a trunk's allowed list,
// an overlay's extended VLANs.
type vlanSet map[int]bool

func newVLANSet(ids ...int) vlanSet {
	s := vlanSet{}
	for _, id := range ids {
		s[id] = true
	}
	return s
}

// sorted returns the members in ascending order.
func (s vlanSet) sorted() []int {
	out := make([]int, 0, len(s))
	for id, ok := range s {
		if ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func (s vlanSet) clone() vlanSet {
	c := make(vlanSet, len(s))
	for id, ok := range s {
		if ok {
			c[id] = true
		}
	}
	return c
}

func (s vlanSet) equal(o vlanSet) bool {
	return slices.Equal(s.sorted(), o.sorted())
}

// intersect returns the VLANs present in s and in every other set.
func (s vlanSet) intersect(others ...vlanSet) vlanSet {
	out := vlanSet{}
	for id, ok := range s {
		if !ok {
			continue
		}
		in := true
		for _, o := range others {
			if !o[id] {
				in = false
				break
			}
		}
		if in {
			out[id] = true
		}
	}
	return out
}

// allVLANs is the set 1-4094, what a trunk allows when nothing restricts it.
func allVLANs() vlanSet {
	s := make(vlanSet, 4094)
	for id := 1; id <= 4094; id++ {
		s[id] = true
	}
	return s
}

// parseVLANList parses the Cisco list syntax "100,110-130" into IDs (1-4094).
func parseVLANList(text string) ([]int, error) {
	if text == "" {
		return nil, fmt.Errorf("empty VLAN list")
	}
	var out []int
	for _, part := range strings.Split(text, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bad VLAN %q", part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				return nil, fmt.Errorf("bad VLAN range %q", part)
			}
		}
		if a < 1 || b > 4094 || a > b {
			return nil, fmt.Errorf("VLAN %q out of range", part)
		}
		for id := a; id <= b; id++ {
			out = append(out, id)
		}
	}
	return out, nil
}

// formatVLANList renders IDs the way both NX-OS and IOS print trunk VLAN lists: ascending,
// consecutive IDs folded into ranges, commas without spaces, "none" for an empty list.
func formatVLANList(ids []int) string { return parse.FormatVLANList(ids) }
