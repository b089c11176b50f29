package backend_test

import (
	"context"
	"slices"
	"testing"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/plan"
)

// The console's drafts follow the config's plan: section (Plans.SetOrders): the VMs its
// rules tag move first, in waves of its size.
func TestPlanDraftOrdersOnLab(t *testing.T) {
	r := startPlanRig(t, 20)
	ctx := context.Background()
	scope := model.PlanScope{VMs: r.keys(t, "app-02", "web-02", "dns-01", "web-03"), To: "site-b", Scope: "vms", Selection: "test"}
	r.plans.SetOrders([]plan.OrderRule{{Glob: "WEB-*", Order: 1}, {Glob: "dns-*", Order: 2}}, 1)
	d, err := r.plans.Draft(ctx, tester, scope)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, w := range d.Waves {
		got = append(got, w.VMs)
	}
	// One VM a wave: the two web servers (1), dns-01 (2), then app-02 (untagged).
	if len(got) != 4 || !slices.Contains([]string{"web-02", "web-03"}, got[0][0]) || !slices.Contains([]string{"web-02", "web-03"}, got[1][0]) ||
		got[2][0] != "dns-01" || got[3][0] != "app-02" {
		t.Fatalf("draft waves %v", got)
	}
	// Without the section: the vCenter attribute only (none here), 8 a wave.
	r.plans.SetOrders(nil, 0)
	if d, err = r.plans.Draft(ctx, tester, scope); err != nil || len(d.Waves) != 1 || len(d.Waves[0].VMs) != 4 {
		t.Fatalf("draft without orders: %v %+v", err, d.Waves)
	}
}
