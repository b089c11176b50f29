package preflight

import (
	"fmt"
	"slices"
	"strings"
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
	ts := MapVMs(in.Source, in.Target, in.Mapping, []model.VM{b, a}, nil)
	if len(ts) != 2 || ts[0].VM != b.Key || ts[1].VM != a.Key {
		t.Fatalf("MapVMs order: %+v", ts)
	}
}

func TestMapDatastoreByURL(t *testing.T) {
	in := baseInput()
	vm := cleanVM("vm-1", "web-01").VM
	// The same storage under another name at B: same URL.
	in.Source.Datastores[0].URL = "ds:///vmfs/volumes/nfs-metro/"
	in.Target.Datastores[0].Name = "metro-at-b"
	in.Target.Datastores[0].URL = "ds:///vmfs/volumes/nfs-metro/"
	if d := MapVM(in.Source, in.Target, in.Mapping, vm).Datastores[0]; d.Target != "metro-at-b" || d.How != ByURL || !d.Shared {
		t.Errorf("same URL, other name: %+v, want metro-at-b by url, shared", d)
	}
	// The same name but another URL is other storage: the disks move.
	in.Target.Datastores[0].Name = "shared-ds"
	in.Target.Datastores[0].URL = "ds:///vmfs/volumes/elsewhere/"
	if d := MapVM(in.Source, in.Target, in.Mapping, vm).Datastores[0]; d.Target != "shared-ds" || d.How != ByName || d.Shared {
		t.Errorf("same name, other URL: %+v, want shared-ds by name, not shared", d)
	}
}

func TestMapOverrides(t *testing.T) {
	in := baseInput()
	in.Target.PortGroups = append(in.Target.PortGroups, pg("dvportgroup-14", "vm-120-b", 120))
	vm := cleanVM("vm-1", "web-01").VM
	over := map[model.VMKey]Override{vm.Key: {Host: "sjc-esx-11", Datastore: "sjc-local", Networks: map[string]string{"vm-120": "vm-120-b"}}}
	got := MapVMs(in.Source, in.Target, in.Mapping, []model.VM{vm}, over)[0]
	if got.Cluster.Target != "sjc-old" || got.Cluster.How != ByOperator {
		t.Errorf("a chosen host brings its cluster: %+v", got.Cluster)
	}
	if got.Host.Target != "sjc-esx-11" || got.Host.How != ByOperator {
		t.Errorf("host = %+v", got.Host)
	}
	// sjc-local is mounted by sjc-esx-01 only, not in sjc-old: refused, with why.
	if d := got.Datastores[0]; d.Found() || !strings.Contains(d.Why, "not mounted") {
		t.Errorf("datastore not mounted in the chosen cluster: %+v", d)
	}
	if n := got.Networks[0]; n.Target != "vm-120-b" || n.How != ByOperator {
		t.Errorf("network = %+v", n)
	}

	over[vm.Key] = Override{Cluster: "sjc-prod", Datastore: "sjc-local"}
	got = MapVMs(in.Source, in.Target, in.Mapping, []model.VM{vm}, over)[0]
	if d := got.Datastores[0]; d.Target != "sjc-local" || d.How != ByOperator || d.Shared {
		t.Errorf("storage moved by choice: %+v", d)
	}
	if h := got.Host; h.Target != "sjc-esx-01" || h.How != ByLoad {
		t.Errorf("host chosen by load in sjc-prod: %+v", h)
	}

	over[vm.Key] = Override{Cluster: "nope", Host: "sjc-esx-99"}
	got = MapVMs(in.Source, in.Target, in.Mapping, []model.VM{vm}, over)[0]
	if got.Cluster.Found() || !strings.Contains(got.Cluster.Why, "nope") || got.Host.Found() {
		t.Errorf("unknown cluster: %+v / %+v", got.Cluster, got.Host)
	}
}

func TestMapSpreadsHostsByMemory(t *testing.T) {
	in := baseInput()
	h2 := host("host-32", "sjc-esx-02", "domain-c31")
	h2.MemoryUsedMiB = 64 << 10 // 64 GiB less free than sjc-esx-01
	in.Target.Hosts = append(in.Target.Hosts, h2)
	var vms []model.VM
	for i := range 4 {
		vm := cleanVM(fmt.Sprintf("vm-%d", i), fmt.Sprintf("big-%d", i)).VM
		vm.MemoryMiB = 48 << 10
		vms = append(vms, vm)
	}
	var got []string
	for _, t := range MapVMs(in.Source, in.Target, in.Mapping, vms, nil) {
		got = append(got, t.Host.Target)
	}
	// 512 vs 448 GiB free: the first two go to esx-01 (512, then 464 > 448), then esx-02.
	want := []string{"sjc-esx-01", "sjc-esx-01", "sjc-esx-02", "sjc-esx-01"}
	if !slices.Equal(got, want) {
		t.Fatalf("hosts = %q, want %q", got, want)
	}
}
