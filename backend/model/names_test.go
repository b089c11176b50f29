package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCompareNamesOrder(t *testing.T) {
	want := []string{"", "ad-dc-1", "ad-dc-02", "ad-dc-2", "ad-dc-9", "ad-dc-10", "ad-dc-100", "ad-dc-100a",
		"ad-dc-101", "db", "db-1", "db-1-backup", "esx-a01-2", "esx-a01-10", "esx-a02-1", "web-9", "web-93",
		"web-930", "web-x"}
	for seed := range 20 {
		got := slices.Clone(want)
		r := rand.New(rand.NewPCG(uint64(seed), 12))
		r.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		slices.SortFunc(got, CompareNames)
		if !slices.Equal(got, want) {
			t.Fatalf("sorted\n%q\nwant\n%q", got, want)
		}
	}
}

func TestCompareNamesIsATotalOrder(t *testing.T) {
	names := []string{"a", "a0", "a00", "a000", "a01", "a1", "a10", "a010", "0", "00", "1", "9", "10", "a-1", "a1b", "a01b", "b"}
	for _, x := range names {
		if CompareNames(x, x) != 0 {
			t.Errorf("%q against itself: %d", x, CompareNames(x, x))
		}
		for _, y := range names {
			xy, yx := CompareNames(x, y), CompareNames(y, x)
			if xy != -yx {
				t.Errorf("%q,%q: %d but %q,%q: %d", x, y, xy, y, x, yx)
			}
			if x != y && xy == 0 {
				t.Errorf("%q and %q compare equal", x, y)
			}
			for _, z := range names {
				if xy < 0 && CompareNames(y, z) < 0 && CompareNames(x, z) >= 0 {
					t.Errorf("not transitive: %q < %q < %q but not %q < %q", x, y, z, x, z)
				}
			}
		}
	}
}

// BenchmarkSortVMs5000 sorts a site of 5,000 VMs in the order a map hands them out, as the
// inventory does for each snapshot whose VMs changed.
//
//	go test ./backend/model -run '^$' -bench SortVMs5000
func BenchmarkSortVMs5000(b *testing.B) {
	roles := []string{"web", "app", "db", "ad-dc", "sql-node", "file", "backup"}
	vms := make([]VM, 5000)
	for i := range vms {
		vms[i] = VM{Name: fmt.Sprintf("%s-%d", roles[i%len(roles)], i/len(roles)), Key: VMKey{MoRef: fmt.Sprintf("vm-%d", i)}}
	}
	r := rand.New(rand.NewPCG(1, 2))
	work := make([]VM, len(vms))
	for b.Loop() {
		copy(work, vms)
		r.Shuffle(len(work), func(i, j int) { work[i], work[j] = work[j], work[i] })
		SortVMs(work)
	}
}
