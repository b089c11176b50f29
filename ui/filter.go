package ui

import (
	"strconv"
	"strings"

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

// containsFold reports whether lowerSub occurs in s, ignoring case (ASCII fast path).
func containsFold(s, lowerSub string) bool {
	if len(lowerSub) > len(s) {
		return false
	}
	return strings.Contains(strings.ToLower(s), lowerSub)
}

func hasVLAN(vlans []int, id int) bool {
	for _, v := range vlans {
		if v == id {
			return true
		}
	}
	return false
}
