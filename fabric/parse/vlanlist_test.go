package parse

import "testing"

func TestParseVLANList(t *testing.T) {
	cases := []struct {
		in   string
		raw  string
		want []int
	}{
		{"1-4,10,100-103", "1-4,10,100-103", []int{1, 2, 3, 4, 10, 100, 101, 102, 103}},
		{"200-211, 300-302", "200-211,300-302", cat(seq(200, 211), seq(300, 302))},
		{"none", "none", []int{}},
		{"", "", []int{}},
		{"10,5,7-8,5", "10,5,7-8,5", []int{5, 7, 8, 10}},
		{"1-3967,4048-4093", "1-3967,4048-4093", cat(seq(1, 3967), seq(4048, 4093))},
		{"1,,2", "1,,2", []int{1, 2}},
	}
	for _, c := range cases {
		l, err := ParseVLANList(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		eq(t, c.in+" raw", l.Raw, c.raw)
		eq(t, c.in+" ids", l.IDs, c.want)
	}
	for _, bad := range []string{"0", "4096", "10-5", "a", "1-", "-3", "1-2-3", "+5", "99999"} {
		if _, err := ParseVLANList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	l, _ := ParseVLANList("1-4,10")
	if !l.Contains(3) || l.Contains(5) || !l.Contains(10) || l.Contains(11) {
		t.Error("Contains is wrong")
	}
}

func TestJoinWrapped(t *testing.T) {
	cases := [][3]string{
		{"1,2,", "3", "1,2,3"},
		{"1,2", ",3", "1,2,3"},
		{"1,2", "3,4", "1,2,3,4"},
		{"1-", "9", "1-9"},
		{"", "5", "5"},
		{"5", "", "5"},
	}
	for _, c := range cases {
		eq(t, c[0]+"+"+c[1], joinWrapped(c[0], c[1]), c[2])
	}
}

func TestFormatVLANListRoundTrip(t *testing.T) {
	cases := map[string][]int{
		"none":            nil,
		"120":             {120},
		"100-119,121-150": append(seq(100, 119), seq(121, 150)...),
		"1,3,5-7,4094":    {7, 5, 6, 3, 1, 4094, 5},
	}
	for want, ids := range cases {
		got := FormatVLANList(ids)
		if got != want {
			t.Errorf("FormatVLANList(%v) = %q, want %q", ids, got, want)
		}
		back, err := ParseVLANList(got)
		if err != nil {
			t.Fatal(err)
		}
		if FormatVLANList(back.IDs) != want {
			t.Errorf("round trip of %q gave %v", want, back.IDs)
		}
	}
}
