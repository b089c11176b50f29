package preflight

import (
	"fmt"
	"time"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric"
)

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func ref(typ, v string) model.Ref { return model.Ref{Type: typ, Value: v} }

func host(v, name, cluster string) model.Host {
	return model.Host{Ref: ref("HostSystem", v), Name: name, ClusterRef: ref("ClusterComputeResource", cluster),
		Connection: "connected", VMotion: true, CPUVendor: "intel", MaxEVCMode: "intel-sapphirerapids",
		MemoryMiB: 512 << 10, CPUMhz: 64000}
}

func ds(v, name string, free int64, hosts ...string) model.Datastore {
	d := model.Datastore{Ref: ref("Datastore", v), Name: name, Type: "VMFS", CapacityB: 4 << 40, FreeB: free, Accessible: true}
	for _, h := range hosts {
		d.Hosts = append(d.Hosts, ref("HostSystem", h))
	}
	return d
}

func pg(v, name string, vlan int) model.PortGroup {
	return model.PortGroup{Ref: ref("DistributedVirtualPortgroup", v), Name: name, VLAN: vlan, Switch: "dvs"}
}

// sourceSite is site A: one cluster (EVC Ice Lake) of one host, a datastore both sites mount,
// a local one and an ISO store, and port groups on VLANs 120 (stretched), 130 (stretched,
// named differently at B) and 300 (local to each site).
func sourceSite() model.SiteSnapshot {
	return model.SiteSnapshot{
		Status: model.SiteStatus{ID: "site-a", Name: "Miami (site A)", Host: "vc-a", State: model.Connected},
		Hosts:  []model.Host{host("host-1", "mia-esx-01", "domain-c1")},
		Clusters: []model.Cluster{{Ref: ref("ClusterComputeResource", "domain-c1"), Name: "mia-prod", EVCMode: "intel-icelake",
			MemoryMiB: 512 << 10, Hosts: 1}},
		Datastores: []model.Datastore{
			ds("datastore-1", "shared-ds", 1<<40, "host-1"),
			ds("datastore-2", "mia-local", 1<<40, "host-1"),
			ds("datastore-3", "iso-a", 1<<40, "host-1"),
		},
		PortGroups: []model.PortGroup{pg("dvportgroup-1", "vm-120", 120), pg("dvportgroup-2", "app-130", 130), pg("dvportgroup-3", "dmz-300", 300)},
	}
}

// targetSite is site B: two clusters (sjc-prod with EVC Ice Lake, sjc-old with Haswell), the
// shared datastore, a local one, and port groups for VLANs 120, 130 and 300.
func targetSite() model.SiteSnapshot {
	return model.SiteSnapshot{
		Status: model.SiteStatus{ID: "site-b", Name: "San Jose (site B)", Host: "vc-b", State: model.Connected},
		VMs:    []model.VM{{Key: model.VMKey{Site: "site-b", MoRef: "vm-900"}, Name: "other-vm"}},
		Hosts:  []model.Host{host("host-31", "sjc-esx-01", "domain-c31"), host("host-41", "sjc-esx-11", "domain-c41")},
		Clusters: []model.Cluster{
			{Ref: ref("ClusterComputeResource", "domain-c31"), Name: "sjc-prod", EVCMode: "intel-icelake",
				MemoryMiB: 512 << 10, MemoryUsedMiB: 128 << 10, Hosts: 1},
			{Ref: ref("ClusterComputeResource", "domain-c41"), Name: "sjc-old", EVCMode: "intel-haswell",
				MemoryMiB: 256 << 10, Hosts: 1},
		},
		Datastores: []model.Datastore{
			ds("datastore-11", "shared-ds", 1<<40, "host-31", "host-41"),
			ds("datastore-12", "sjc-local", 2<<40, "host-31"),
		},
		PortGroups: []model.PortGroup{pg("dvportgroup-11", "vm-120", 120), pg("dvportgroup-12", "app-b", 130), pg("dvportgroup-13", "dmz-300", 300)},
	}
}

// rawHealth is a healthy DCI, not yet judged: two DCI edges whose trunks (2 × 10 Gbps, 1.2
// Gbps used) carry 120 and 130, VLAN 300 local to each site, 4 ms round trip.
func rawHealth() fabric.Health {
	trunk := func(sw, site string) fabric.Trunk {
		return fabric.Trunk{Switch: sw, Site: site, Interface: "port-channel10", Up: true, Status: "trunking", MTU: 9216,
			CapacityMbps: 20000, UsedMbps: 1200,
			Members:    []fabric.Member{{Name: "Ethernet3/1", Up: true, State: "bundled", MTU: 9216}, {Name: "Ethernet3/2", Up: true, State: "bundled", MTU: 9216}},
			Allowed:    []int{120, 130},
			Forwarding: []int{120, 130}}
	}
	return fabric.Health{
		Configured: true, Interval: 30 * time.Second, PolledAt: now.Add(-10 * time.Second),
		Switches: []fabric.SwitchStatus{
			{Name: "mia-dci-01", Site: "site-a", Role: fabric.RoleDCIEdge, Reachable: true, LastPoll: now.Add(-10 * time.Second)},
			{Name: "sjc-dci-01", Site: "site-b", Role: fabric.RoleDCIEdge, Reachable: true, LastPoll: now.Add(-10 * time.Second)},
		},
		Trunks: []fabric.Trunk{trunk("mia-dci-01", "site-a"), trunk("sjc-dci-01", "site-b")},
		VLANs: []fabric.VLANStatus{
			{ID: 120, Carried: true}, {ID: 130, Carried: true},
			{ID: 300, Local: true, Reasons: []string{"not allowed on any DCI trunk"}},
		},
		RTTs: []fabric.RTT{
			{From: "mia-dci-01", To: "sjc-dci-01", Avg: 4 * time.Millisecond, Max: 5 * time.Millisecond, OK: true},
			{From: "sjc-dci-01", To: "mia-dci-01", Avg: 4 * time.Millisecond, Max: 5 * time.Millisecond, OK: true},
		},
	}
}

// cleanVM is a running VM on VLAN 120 and the shared datastore, with details: nothing
// should be said about it.
func cleanVM(moref, name string) Selected {
	vm := model.VM{
		Key: model.VMKey{Site: "site-a", MoRef: moref}, Name: name, Power: model.PoweredOn,
		Host: "mia-esx-01", Cluster: "mia-prod", CPU: 2, MemoryMiB: 4096,
		VLANs: []int{120}, Networks: []string{"vm-120"}, Datastores: []string{"shared-ds"},
		ChangeVersion: "v1",
		HostRef:       ref("HostSystem", "host-1"), ClusterRef: ref("ClusterComputeResource", "domain-c1"),
		DatastoreRefs: []model.Ref{ref("Datastore", "datastore-1")},
		NetworkRefs:   []model.Ref{ref("DistributedVirtualPortgroup", "dvportgroup-1")},
	}
	d := &model.VMDetails{
		Key: vm.Key, Name: name, ChangeVersion: "v1", MemoryMiB: 4096, CPU: 2,
		Controllers: []model.SCSIController{{Label: "SCSI controller 0", Type: "VMware Paravirtual", BusSharing: "noSharing"}},
		Disks: []model.Disk{{Label: "Hard disk 1", CapacityB: 40 << 30, Datastore: "shared-ds",
			DatastoreRef: ref("Datastore", "datastore-1"), Backing: model.BackingThin, Controller: "SCSI controller 0"}},
		CDROMs: []model.CDROM{{Label: "CD/DVD drive 1", Backing: "none"}},
		NICs: []model.NIC{{Label: "Network adapter 1", Type: "vmxnet3", Connected: true, PortGroup: "vm-120",
			NetworkRef: ref("DistributedVirtualPortgroup", "dvportgroup-1"), VLAN: 120}},
	}
	return Selected{VM: vm, Details: d}
}

// baseInput moves the given VMs from A to B in the long-distance profile, with cluster
// mia-prod mapped to sjc-prod. Fabric is raw: callers judge it (judged).
func baseInput(vms ...Selected) Input {
	p, _ := ProfileByName(ProfileLongDistance)
	return Input{
		VMs: vms, Source: sourceSite(), Target: targetSite(),
		Mapping: Mapping{Clusters: map[string]string{"mia-prod": "sjc-prod"}},
		Fabric:  rawHealth(), Profile: p, Now: now,
	}
}

// judged returns in with its fabric health judged, as the monitor would publish it.
func judged(in Input) Input {
	in.Fabric = fabric.Judge(in.Fabric)
	return in
}

// summary is "severity CODE object [vm]" for each finding, in order.
func summary(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s %s %s [%s]", f.Severity, f.Code, f.Object, f.VMName)
	}
	return out
}
