package ui

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sahilm/fuzzy"

	"github.com/vmcross/vmcross/backend/model"
)

// row is one line of a site's list: a VM, and the characters of its name the filter matched.
type row struct {
	vm      int   // index into the site's VMs
	matched []int // byte offsets into the name; nil without a filter
}

// vmNames lets fuzzy read names without copying them.
type vmNames []model.VM

func (v vmNames) String(i int) string { return v[i].Name }
func (v vmNames) Len() int            { return len(v) }

// filterVMs returns the VMs that match query, in inventory (name) order: a fuzzy match on
// the name (those characters are highlighted), or the query found in the cluster or host
// name, or the query naming one of its VLANs ("120", "vlan120"). An empty query keeps all.
// The order stays the inventory's, not the fuzzy score's, so rows don't jump as you type.
func filterVMs(vms []model.VM, query string) []row {
	query = strings.TrimSpace(query)
	if query == "" {
		rows := make([]row, len(vms))
		for i := range rows {
			rows[i].vm = i
		}
		return rows
	}
	matches := fuzzy.FindFromNoSort(query, vmNames(vms)) // in source order
	q := strings.ToLower(query)
	vlan, vlanErr := strconv.Atoi(strings.TrimPrefix(q, "vlan"))
	rows := make([]row, 0, len(matches))
	k := 0
	for i := range vms {
		if k < len(matches) && matches[k].Index == i {
			rows = append(rows, row{vm: i, matched: matches[k].MatchedIndexes})
			k++
			continue
		}
		vm := &vms[i]
		if containsFold(vm.Cluster, q) || containsFold(vm.Host, q) || (vlanErr == nil && hasVLAN(vm.VLANs, vlan)) {
			rows = append(rows, row{vm: i})
		}
	}
	return rows
}

// filtered are the rows of the last queries filtered over the same VMs, newest last. Panes
// are copied by value: with never changes a filtered in place.
type filtered []filteredRows

type filteredRows struct {
	query string
	rows  []row
}

// maxFiltered is how many queries a pane remembers the rows of: one a letter typed.
const maxFiltered = 16

func (f filtered) find(query string) ([]row, bool) {
	for i := len(f) - 1; i >= 0; i-- {
		if f[i].query == query {
			return f[i].rows, true
		}
	}
	return nil, false
}

// with is f with query's rows last (and no older entry for it), at most maxFiltered.
func (f filtered) with(query string, rows []row) filtered {
	out := make(filtered, 0, min(len(f)+1, maxFiltered))
	for _, e := range f[max(len(f)+1-maxFiltered, 0):] {
		if e.query != query {
			out = append(out, e)
		}
	}
	return append(out, filteredRows{query, rows})
}

// sameVMs says whether a and b are the same slice (a snapshot's VMs are never modified).
func sameVMs(a, b []model.VM) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// rowNames lets fuzzy read the names of some rows only.
type rowNames struct {
	vms  []model.VM
	rows []row
}

func (r rowNames) String(i int) string { return r.vms[r.rows[i].vm].Name }
func (r rowNames) Len() int            { return len(r.rows) }

// refineVMs is filterVMs(vms, query) for a query typed on from prevQuery, whose rows of the
// same vms were prev: a VM that did not match prevQuery by its name, cluster or host cannot
// match a longer query that way (a fuzzy match of the longer query holds one of the shorter;
// a longer substring holds the shorter), so only prev's rows are matched again, and the
// other VMs only by VLAN ("vlan12" matched VLAN 12; "vlan120" matches VLAN 120). Typing into
// the filter then costs less with each letter. Any other query is filtered from scratch.
func refineVMs(vms []model.VM, query string, prev []row, prevQuery string) []row {
	q, pq := strings.TrimSpace(query), strings.TrimSpace(prevQuery)
	switch {
	case pq != "" && q == pq:
		return prev // a space typed at an end
	case pq == "" || len(q) < len(pq) || !strings.HasPrefix(q, pq):
		return filterVMs(vms, query)
	}
	matches := fuzzy.FindFromNoSort(q, rowNames{vms, prev}) // in row order
	lq := strings.ToLower(q)
	vlan, vlanErr := strconv.Atoi(strings.TrimPrefix(lq, "vlan"))
	rows := make([]row, 0, len(prev))
	k, p := 0, 0 // into matches, into prev
	for i := range vms {
		vm := &vms[i]
		wasRow := p < len(prev) && prev[p].vm == i
		switch {
		case wasRow && k < len(matches) && matches[k].Index == p:
			rows = append(rows, row{vm: i, matched: matches[k].MatchedIndexes})
			k++
		case wasRow && (containsFold(vm.Cluster, lq) || containsFold(vm.Host, lq)):
			rows = append(rows, row{vm: i})
		case vlanErr == nil && hasVLAN(vm.VLANs, vlan):
			rows = append(rows, row{vm: i})
		}
		if wasRow {
			p++
		}
	}
	return rows
}

// containsFold reports whether lowerSub occurs in s, ignoring case: for ASCII s without
// allocating (it runs for every VM's cluster and host at every key of the filter).
func containsFold(s, lowerSub string) bool {
	if len(lowerSub) > len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), lowerSub)
		}
	}
	n := len(lowerSub)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lowerSub[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

func hasVLAN(vlans []int, id int) bool {
	for _, v := range vlans {
		if v == id {
			return true
		}
	}
	return false
}
