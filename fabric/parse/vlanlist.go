package parse

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// MaxVLAN is the highest 802.1Q VLAN ID a list may name.
const MaxVLAN = 4095

// VLANList is a VLAN list as the switch printed it ("1-4,10,100-199", wrapped lines
// joined, spaces dropped) and expanded into sorted, unique IDs. An empty Raw means the
// output had no such list; "none" means the switch said the list is empty.
type VLANList struct {
	Raw string `json:"raw"`
	IDs []int  `json:"ids"`
}

// Contains reports whether id is in the list.
func (l VLANList) Contains(id int) bool {
	i := sort.SearchInts(l.IDs, id)
	return i < len(l.IDs) && l.IDs[i] == id
}

// ParseVLANList expands a VLAN list such as "1-4,10, 100-199" or "none" into a
// VLANList. Spaces are ignored (IOS prints "200-211, 300-302"); an ID outside 1..4095,
// a reversed range or a word is an error.
func ParseVLANList(s string) (VLANList, error) {
	raw := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	l := VLANList{Raw: raw, IDs: []int{}}
	if raw == "" || strings.EqualFold(raw, "none") {
		return l, nil
	}
	// Count range starts and ends rather than walk each range, so a list of many
	// "1-4094" costs no more than its length.
	var edge [MaxVLAN + 2]int
	for _, tok := range strings.Split(raw, ",") {
		if tok == "" {
			continue // ",," where a wrapped line was joined
		}
		lo, hi, err := vlanRange(tok)
		if err != nil {
			return VLANList{Raw: raw}, fmt.Errorf("VLAN list %q: %w", raw, err)
		}
		edge[lo]++
		edge[hi+1]--
	}
	open := 0
	for v := 1; v <= MaxVLAN; v++ {
		if open += edge[v]; open > 0 {
			l.IDs = append(l.IDs, v)
		}
	}
	return l, nil
}

func vlanRange(tok string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(tok, "-")
	if lo, err = vlanID(a); err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, lo, nil
	}
	if hi, err = vlanID(b); err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("range %q runs backwards", tok)
	}
	return lo, hi, nil
}

func vlanID(s string) (int, error) {
	if s == "" || len(s) > 4 {
		return 0, fmt.Errorf("%q is not a VLAN ID", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxVLAN || s[0] == '+' {
		return 0, fmt.Errorf("%q is not a VLAN ID", s)
	}
	return n, nil
}

// joinWrapped appends a continuation line of a wrapped VLAN list to what came before.
// Switches break long lists after a comma; when a break falls elsewhere the comma is
// put back.
func joinWrapped(prev, next string) string {
	next = strings.Join(strings.Fields(next), "")
	switch {
	case prev == "":
		return next
	case next == "":
		return prev
	case strings.HasSuffix(prev, ",") || strings.HasPrefix(next, ","),
		strings.HasSuffix(prev, "-") || strings.HasPrefix(next, "-"):
		return prev + next
	}
	return prev + "," + next
}

// VLANRanges is ids sorted and deduplicated, with runs of consecutive IDs folded into
// "a-b": the items of a VLAN list as NX-OS and IOS print it.
func VLANRanges(ids []int) []string {
	v := slices.Clone(ids)
	slices.Sort(v)
	v = slices.Compact(v)
	var items []string
	for i := 0; i < len(v); {
		j := i
		for j+1 < len(v) && v[j+1] == v[j]+1 {
			j++
		}
		if j == i {
			items = append(items, strconv.Itoa(v[i]))
		} else {
			items = append(items, strconv.Itoa(v[i])+"-"+strconv.Itoa(v[j]))
		}
		i = j + 1
	}
	return items
}

// FormatVLANList renders ids the way switches print trunk VLAN lists ("100-119,121-150");
// an empty list is "none". ParseVLANList reads it back.
func FormatVLANList(ids []int) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(VLANRanges(ids), ",")
}
