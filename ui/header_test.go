package ui

import (
	"strings"
	"testing"

	"github.com/vmcross/vmcross/backend/model"
)

var (
	hAlice = model.Operator{Name: "alice", From: "ssh SHA256:alice", Role: model.RoleOperator}
	hBob   = model.Operator{Name: "bob", From: "ssh SHA256:bob", Role: model.RoleViewer}
	hCarol = model.Operator{Name: "carol", From: "ssh SHA256:carol", Role: model.RoleOperator}
)

func sessionOf(id uint64, op model.Operator) model.Session {
	return model.Session{ID: id, User: op.Name, From: op.From, Role: op.Role, Since: testNow}
}

func TestHeaderNote(t *testing.T) {
	three := []model.Session{sessionOf(1, hAlice), sessionOf(2, hBob), sessionOf(3, hCarol)}
	for _, tc := range []struct {
		name string
		st   model.State
		want string
	}{
		{"alone", model.State{Sessions: []model.Session{sessionOf(1, hAlice)}}, ""},
		{"local console, nobody connected", model.State{}, ""},
		{"two others", model.State{Sessions: three}, "+2 others: bob (viewer), carol"},
		{"read-only", model.State{Sessions: three, ReadOnly: true}, "READ-ONLY · +2 others: bob (viewer), carol"},
		{"read-only alone", model.State{ReadOnly: true}, "READ-ONLY"},
		// Alice's second session is another one; hBob's two are named once.
		{"same names", model.State{Sessions: []model.Session{sessionOf(1, hAlice), sessionOf(2, hAlice), sessionOf(3, hBob), sessionOf(4, hBob)}},
			"+3 others: alice, bob (viewer)"},
		{"one other", model.State{Sessions: []model.Session{sessionOf(1, hBob), sessionOf(2, hAlice)}}, "+1 other: bob (viewer)"},
		{"control characters", model.State{Sessions: []model.Session{{ID: 1, User: "e\x1b[2Jvil", Role: model.RoleAdmin}}}, "+1 other: e [2Jvil (admin)"},
	} {
		if got := headerNote(tc.st, hAlice); got != tc.want {
			t.Errorf("%s: headerNote = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// The first pane's title carries the note after the site's name, cut to the border; the
// second pane's does not.
func TestHeaderInFirstPaneTitle(t *testing.T) {
	opts := testOptions()
	opts.Operator = hAlice
	c := NewCommon(opts)
	st := model.State{ReadOnly: true, Sessions: []model.Session{sessionOf(1, hAlice), sessionOf(2, hBob), sessionOf(3, hCarol)},
		Sites: []model.SiteSnapshot{
			{Gen: 1, Status: model.SiteStatus{ID: "site-a", Name: "Miami", State: model.Connected}},
			{Gen: 1, Status: model.SiteStatus{ID: "site-b", Name: "Dallas", State: model.Connected}},
		}}
	a, b := NewSitePane(c, 0), NewSitePane(c, 1)
	for _, p := range []*SitePane{&a, &b} {
		p.SetSize(80, 8)
		p.SetState(st, nil)
	}
	top := func(p SitePane) string { return strings.SplitN(p.View(), "\n", 2)[0] }
	if got := top(a); !strings.Contains(got, "Miami · READ-ONLY · +2 others: bob (viewer), carol") {
		t.Errorf("site A's title: %q", got)
	}
	if got := top(b); strings.Contains(got, "READ-ONLY") || strings.Contains(got, "other") {
		t.Errorf("site B's title has the note: %q", got)
	}
	// Bob leaves: the next State says so, even though the sites did not change.
	st.Sessions = st.Sessions[:1]
	st.ReadOnly = false
	a.SetState(st, nil)
	if got := top(a); strings.Contains(got, "·") {
		t.Errorf("site A's title after the others left: %q", got)
	}
	// A narrow pane keeps the site's name and cuts the note.
	st.Sessions = []model.Session{sessionOf(1, hAlice), sessionOf(2, hBob), sessionOf(3, hCarol)}
	a.SetState(st, nil)
	a.SetSize(40, 8)
	if got := top(a); !strings.Contains(got, "Miami · +2 others") || !strings.Contains(got, "…") {
		t.Errorf("site A's title at 40 columns: %q", got)
	}
}
