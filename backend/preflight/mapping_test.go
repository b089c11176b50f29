package preflight

import (
	"testing"

	"github.com/vmcross/vmcross/backend/model"
)

func TestMapVMClean(t *testing.T) {
	in := baseInput()
	vm := cleanVM("vm-1", "web-01").VM
	got := MapVM(in.Source, in.Target, in.Mapping, vm)
	if got.VM != vm.Key {
		t.Errorf("VM = %v", got.VM)
	}
	if c := got.Cluster; c.Target != "sjc-prod" || c.TargetRef.Value != "domain-c31" || c.How != ByConfig {
		t.Errorf("cluster = %+v, want sjc-prod by config", c)
	}
	if len(got.Datastores) != 1 {
		t.Fatalf("datastores = %+v", got.Datastores)
	}
	if d := got.Datastores[0]; d.Target != "shared-ds" || d.TargetRef.Value != "datastore-11" || d.How != ByName || !d.Shared {
		t.Errorf("datastore = %+v, want shared-ds by name, shared", d)
	}
	if n := got.Networks[0]; n.Target != "vm-120" || n.TargetRef.Value != "dvportgroup-11" || n.How != ByName || n.VLAN != 120 {
		t.Errorf("network = %+v, want vm-120 by name", n)
	}
}

func TestMapNetworkPrecedence(t *testing.T) {
	// app-130 (VLAN 130) at A: B has app-b on VLAN 130, and we add app-130 on VLAN 999 and
	// app-mapped; config beats name, name beats VLAN.
	in := baseInput()
	in.Target.PortGroups = append(in.Target.PortGroups, pg("dvportgroup-14", "app-130", 999), pg("dvportgroup-15", "app-mapped", 130))
	vm := cleanVM("vm-1", "web-01").VM
	vm.Networks = []string{"app-130"}
	vm.NetworkRefs = []model.Ref{ref("DistributedVirtualPortgroup", "dvportgroup-2")}

	tests := []struct {
		name    string
		mapping map[string]string
		drop    string // a target port group to remove
		want    string
		how     How
	}{
		{"config first", map[string]string{"app-130": "app-mapped"}, "", "app-mapped", ByConfig},
		{"then name", nil, "", "app-130", ByName},
		{"then VLAN (first by name)", nil, "app-130", "app-b", ByVLAN},
		{"config naming a missing port group is not second-guessed", map[string]string{"app-130": "nope"}, "", "", NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := in.Target
			dst.PortGroups = nil
			for _, p := range in.Target.PortGroups {
				if p.Name != tt.drop {
					dst.PortGroups = append(dst.PortGroups, p)
				}
			}
			m := in.Mapping
			m.PortGroups = tt.mapping
			n := MapVM(in.Source, dst, m, vm).Networks[0]
			if n.Target != tt.want || n.How != tt.how {
				t.Fatalf("got %q by %q (%s), want %q by %q", n.Target, n.How, n.Why, tt.want, tt.how)
			}
			if !n.Found() && n.Why == "" {
				t.Fatal("no target and no reason")
			}
		})
	}
	// Nothing on the name nor the VLAN.
	dst := in.Target
	dst.PortGroups = []model.PortGroup{pg("dvportgroup-11", "vm-120", 120)}
	if n := MapVM(in.Source, dst, Mapping{}, vm).Networks[0]; n.Found() || n.Why == "" {
		t.Fatalf("want none with a reason, got %+v", n)
	}
}

func TestMapClusterPrecedence(t *testing.T) {
	in := baseInput()
	vm := cleanVM("vm-1", "web-01").VM
	tests := []struct {
		name     string
		mapping  map[string]string
		clusters []model.Cluster
		want     string
		how      How
	}{
		{"config", map[string]string{"mia-prod": "sjc-old"}, in.Target.Clusters, "sjc-old", ByConfig},
		{"name", nil, append(in.Target.Clusters, model.Cluster{Ref: ref("ClusterComputeResource", "domain-c51"), Name: "mia-prod"}), "mia-prod", ByName},
		{"the only cluster", nil, in.Target.Clusters[:1], "sjc-prod", ByOnly},
		{"none among several", nil, in.Target.Clusters, "", NotFound},
		{"config naming a missing cluster", map[string]string{"mia-prod": "nope"}, in.Target.Clusters[:1], "", NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := in.Target
			dst.Clusters = tt.clusters
			c := MapVM(in.Source, dst, Mapping{Clusters: tt.mapping}, vm).Cluster
			if c.Target != tt.want || c.How != tt.how || (c.How == NotFound && c.Why == "") {
				t.Fatalf("got %q by %q (%s), want %q by %q", c.Target, c.How, c.Why, tt.want, tt.how)
			}
		})
	}
}

func TestMapDatastorePrecedence(t *testing.T) {
	in := baseInput()
	vm := cleanVM("vm-1", "web-01").VM
	tests := []struct {
		name    string
		mapping map[string]string
		mutate  func(dst *model.SiteSnapshot)
		want    string
		how     How
		shared  bool
	}{
		{"config", map[string]string{"shared-ds": "sjc-local"}, nil, "sjc-local", ByConfig, false},
		{"same name, mounted in the target cluster", nil, nil, "shared-ds", ByName, true},
		{"same name not mounted in the target cluster: storage moves", nil, func(dst *model.SiteSnapshot) {
			dst.Datastores[0].Hosts = []model.Ref{ref("HostSystem", "host-41")}
		}, "sjc-local", BySpace, false},
		{"same name inaccessible: storage moves", nil, func(dst *model.SiteSnapshot) {
			dst.Datastores[0].Accessible = false
		}, "sjc-local", BySpace, false},
		{"config naming a datastore the cluster does not mount", map[string]string{"shared-ds": "sjc-local"}, func(dst *model.SiteSnapshot) {
			dst.Datastores[1].Hosts = []model.Ref{ref("HostSystem", "host-41")}
		}, "", NotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := targetSite()
			if tt.mutate != nil {
				tt.mutate(&dst)
			}
			m := in.Mapping
			m.Datastores = tt.mapping
			d := MapVM(in.Source, dst, m, vm).Datastores[0]
			if d.Target != tt.want || d.How != tt.how || d.Shared != tt.shared || (d.How == NotFound && d.Why == "") {
				t.Fatalf("got %q by %q shared=%v (%s), want %q by %q shared=%v", d.Target, d.How, d.Shared, d.Why, tt.want, tt.how, tt.shared)
			}
		})
	}
}

func TestMapVMsKeepsOrder(t *testing.T) {
	in := baseInput()
	a, b := cleanVM("vm-1", "web-01").VM, cleanVM("vm-2", "web-02").VM
	ts := MapVMs(in.Source, in.Target, in.Mapping, []model.VM{b, a})
	if len(ts) != 2 || ts[0].VM != b.Key || ts[1].VM != a.Key {
		t.Fatalf("MapVMs order: %+v", ts)
	}
}
