package preflight

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric"
)

func TestCleanVMHasNoFindings(t *testing.T) {
	for _, p := range Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			in := judged(baseInput(cleanVM("vm-1", "web-01")))
			in.Profile = p
			if fs := Check(in); len(fs) != 0 {
				t.Fatalf("clean VM: want no findings, got\n%s", strings.Join(summary(fs), "\n"))
			}
		})
	}
}

func TestCheckNothingSelected(t *testing.T) {
	in := judged(baseInput())
	in.Source.Status.State = model.Disconnected
	if fs := Check(in); fs != nil {
		t.Fatalf("no VMs: want no findings, got %v", summary(fs))
	}
}

// TestRules builds each rule's situation on top of the clean VM and wants exactly the
// findings listed, in order.
func TestRules(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(in *Input, s *Selected)
		want   []string
	}{
		// From the DCI.
		{"VLAN_NOT_EXTENDED: trunk does not allow the VLAN", func(in *Input, s *Selected) {
			in.Fabric.Trunks[1].Allowed = []int{130}
			in.Fabric.VLANs[0] = fabric.VLANStatus{ID: 120, Reasons: []string{"not allowed on sjc-dci-01 port-channel10"}}
		}, []string{"block VLAN_NOT_EXTENDED vlan 120 [web-01]"}},
		{"VLAN_NOT_EXTENDED: local VLAN", func(in *Input, s *Selected) {
			s.VM.VLANs = []int{300}
			s.VM.Networks = []string{"dmz-300"}
			s.VM.NetworkRefs = []model.Ref{ref("DistributedVirtualPortgroup", "dvportgroup-3")}
		}, []string{"block VLAN_NOT_EXTENDED vlan 300 [web-01]"}},
		{"VLAN_UNVERIFIED: switch gave no data", func(in *Input, s *Selected) {
			in.Fabric.VLANs[0] = fabric.VLANStatus{ID: 120, Unknown: true, Reasons: []string{"unknown: sjc-dci-01 gave no data"}}
		}, []string{"warn VLAN_UNVERIFIED vlan 120 [web-01]"}},
		{"VLAN_UNVERIFIED: not watched", func(in *Input, s *Selected) {
			in.Fabric.VLANs = in.Fabric.VLANs[1:]
		}, []string{"warn VLAN_UNVERIFIED vlan 120 [web-01]"}},
		{"DCI_DOWN", func(in *Input, s *Selected) {
			for i := range in.Fabric.Trunks {
				in.Fabric.Trunks[i].Up, in.Fabric.Trunks[i].Status = false, "down"
			}
		}, []string{"block DCI_DOWN dci []"}},
		{"OTV_ADJACENCY_DOWN", func(in *Input, s *Selected) {
			in.Fabric.Findings = append(in.Fabric.Findings, fabric.Finding{Code: fabric.CodeOTVAdjacencyDown, Severity: fabric.SeverityBlock,
				Object: "mia-dci-01 Overlay1", Switch: "mia-dci-01", Message: "OTV Overlay1 on mia-dci-01 has no adjacency up."})
		}, []string{"block OTV_ADJACENCY_DOWN mia-dci-01 Overlay1 []"}},
		{"RTT_OVER_BUDGET: 7 ms in reference-2009", func(in *Input, s *Selected) {
			in.Profile, _ = ProfileByName(ProfileReference2009)
			in.Fabric.RTTs[1].Avg = 7 * time.Millisecond
		}, []string{"block RTT_OVER_BUDGET sjc-dci-01 -> mia-dci-01 []"}},
		{"RTT_OVER_BUDGET: 7 ms is fine in metro", func(in *Input, s *Selected) {
			in.Profile, _ = ProfileByName(ProfileMetro)
			in.Fabric.RTTs[1].Avg = 7 * time.Millisecond
		}, nil},
		{"RTT_OVER_BUDGET: 40 ms in metro", func(in *Input, s *Selected) {
			in.Profile, _ = ProfileByName(ProfileMetro)
			in.Fabric.RTTs[0].Avg = 40 * time.Millisecond
		}, []string{"block RTT_OVER_BUDGET mia-dci-01 -> sjc-dci-01 []"}},
		{"RTT_UNKNOWN", func(in *Input, s *Selected) { in.Fabric.RTTs = nil },
			[]string{"warn RTT_UNKNOWN dci []"}},
		{"MTU_LOW: member", func(in *Input, s *Selected) { in.Fabric.Trunks[0].Members[1].MTU = 1500 },
			[]string{"warn MTU_LOW mia-dci-01 port-channel10 []"}},
		{"DCI_ERRORS_RISING", func(in *Input, s *Selected) {
			in.Fabric.Trunks[1].Members[0].Rising, in.Fabric.Trunks[1].Members[0].CRC = true, 812
		}, []string{"warn DCI_ERRORS_RISING sjc-dci-01 Ethernet3/1 []"}},
		{"FABRIC_STALE", func(in *Input, s *Selected) { in.Fabric.PolledAt = now.Add(-5 * time.Minute) },
			[]string{"warn FABRIC_STALE fabric []"}},
		{"FABRIC_NOT_CONFIGURED", func(in *Input, s *Selected) { in.Fabric = fabric.Health{} },
			[]string{"warn FABRIC_NOT_CONFIGURED fabric []"}},

		// From vCenter.
		{"SITE_UNREACHABLE: target disconnected", func(in *Input, s *Selected) {
			in.Target.Status.State, in.Target.Status.Err = model.Disconnected, "login failed."
		}, []string{"block SITE_UNREACHABLE site site-b []"}},
		{"SITE_UNREACHABLE: source silent", func(in *Input, s *Selected) { in.Source.Status.Silent = true },
			[]string{"block SITE_UNREACHABLE site site-a []"}},
		{"RDM_BUS_SHARING", func(in *Input, s *Selected) {
			s.Details.Controllers = append(s.Details.Controllers, model.SCSIController{Label: "SCSI controller 1", Bus: 1, BusSharing: "physicalSharing"})
			s.Details.Disks = append(s.Details.Disks, model.Disk{Label: "Hard disk 2", CapacityB: 100 << 30, Backing: model.BackingRDMPhys,
				LUN: "naa.600a", Controller: "SCSI controller 1", DatastoreRef: ref("Datastore", "datastore-1")})
		}, []string{"block RDM_BUS_SHARING Hard disk 2 [web-01]"}},
		{"RDM_PHYSICAL without bus sharing", func(in *Input, s *Selected) {
			s.Details.Disks = append(s.Details.Disks, model.Disk{Label: "Hard disk 2", Backing: model.BackingRDMPhys,
				LUN: "naa.600b", Controller: "SCSI controller 0", DatastoreRef: ref("Datastore", "datastore-1")})
		}, []string{"warn RDM_PHYSICAL Hard disk 2 [web-01]"}},
		{"RDM virtual without bus sharing is fine", func(in *Input, s *Selected) {
			s.Details.Disks = append(s.Details.Disks, model.Disk{Label: "Hard disk 2", Backing: model.BackingRDMVirtual,
				Controller: "SCSI controller 0", DatastoreRef: ref("Datastore", "datastore-1")})
		}, nil},
		{"ISO_CONNECTED: site-local ISO store", func(in *Input, s *Selected) {
			s.Details.CDROMs[0] = model.CDROM{Label: "CD/DVD drive 1", Connected: true, Backing: "iso",
				ISO: "[iso-a] images/tools.iso", DatastoreRef: ref("Datastore", "datastore-3")}
		}, []string{"block ISO_CONNECTED CD/DVD drive 1 [web-01]"}},
		{"ISO_CONNECTED: ISO on the shared datastore", func(in *Input, s *Selected) {
			s.Details.CDROMs[0] = model.CDROM{Label: "CD/DVD drive 1", Connected: true, Backing: "iso",
				ISO: "[shared-ds] images/tools.iso", Datastore: "shared-ds"}
		}, []string{"warn ISO_CONNECTED CD/DVD drive 1 [web-01]"}},
		{"ISO_CONNECTED: shared store not mounted in the target cluster", func(in *Input, s *Selected) {
			in.Target.Datastores[0].Hosts = []model.Ref{ref("HostSystem", "host-41")}
			s.VM.Datastores, s.VM.DatastoreRefs = nil, nil
			s.Details.Disks = nil
			s.Details.CDROMs[0] = model.CDROM{Label: "CD/DVD drive 1", Connected: true, Backing: "iso", ISO: "[shared-ds] x.iso"}
		}, []string{"block ISO_CONNECTED CD/DVD drive 1 [web-01]"}},
		{"ISO_CONNECTED: its datastore alone is not a storage move", func(in *Input, s *Selected) {
			s.VM.Datastores = append(s.VM.Datastores, "iso-a")
			s.VM.DatastoreRefs = append(s.VM.DatastoreRefs, ref("Datastore", "datastore-3"))
			s.Details.CDROMs[0] = model.CDROM{Label: "CD/DVD drive 1", Connected: true, Backing: "iso",
				ISO: "[iso-a] images/tools.iso", DatastoreRef: ref("Datastore", "datastore-3")}
		}, []string{"block ISO_CONNECTED CD/DVD drive 1 [web-01]"}},
		{"ISO disconnected is fine", func(in *Input, s *Selected) {
			s.Details.CDROMs[0] = model.CDROM{Label: "CD/DVD drive 1", Backing: "iso", ISO: "[iso-a] images/tools.iso"}
		}, nil},
		{"DATASTORE_NOT_SHARED: warn in long-distance", func(in *Input, s *Selected) { onLocalDatastore(s) },
			[]string{"warn DATASTORE_NOT_SHARED datastore mia-local [web-01]"}},
		{"DATASTORE_NOT_SHARED: block in reference-2009", func(in *Input, s *Selected) {
			onLocalDatastore(s)
			in.Profile, _ = ProfileByName(ProfileReference2009)
		}, []string{"block DATASTORE_NOT_SHARED datastore mia-local [web-01]"}},
		{"DATASTORE_NOT_SHARED: nowhere to go", func(in *Input, s *Selected) {
			onLocalDatastore(s)
			for i := range in.Target.Datastores {
				in.Target.Datastores[i].Hosts = []model.Ref{ref("HostSystem", "host-41")}
			}
		}, []string{"block DATASTORE_NOT_SHARED datastore mia-local [web-01]"}},
		{"PORTGROUP_MISSING", func(in *Input, s *Selected) {
			in.Target.PortGroups = in.Target.PortGroups[1:] // no vm-120, nothing on VLAN 120
		}, []string{"block PORTGROUP_MISSING network vm-120 [web-01]"}},
		{"CPU_EVC_MISMATCH: lower EVC baseline", func(in *Input, s *Selected) {
			in.Mapping.Clusters["mia-prod"] = "sjc-old"
			in.Target.Hosts[1].MemoryMiB = 256 << 10
		}, []string{"block CPU_EVC_MISMATCH cluster sjc-old [web-01]"}},
		{"CPU_EVC_MISMATCH: other vendor, no EVC", func(in *Input, s *Selected) {
			in.Target.Clusters[0].EVCMode = ""
			in.Target.Hosts[0].CPUVendor, in.Target.Hosts[0].MaxEVCMode = "amd", "amd-zen3"
		}, []string{"block CPU_EVC_MISMATCH cluster sjc-prod [web-01]"}},
		{"CPU_EVC: higher target baseline is fine", func(in *Input, s *Selected) {
			in.Target.Clusters[0].EVCMode = "intel-sapphirerapids"
		}, nil},
		{"CPU_EVC: a cold migration ignores the CPU", func(in *Input, s *Selected) {
			in.Mapping.Clusters["mia-prod"] = "sjc-old"
			s.VM.Power = model.PoweredOff
		}, []string{"info POWERED_OFF vm web-01 [web-01]"}},
		{"VMOTION_DISABLED: target hosts", func(in *Input, s *Selected) {
			in.Target.Hosts[0].VMotion = false
		}, []string{"block VMOTION_DISABLED cluster sjc-prod [web-01]"}},
		{"VMOTION_DISABLED: target host in maintenance", func(in *Input, s *Selected) {
			in.Target.Hosts[0].Maintenance = true
		}, []string{"block VMOTION_DISABLED cluster sjc-prod [web-01]"}},
		{"VMOTION_DISABLED: source host", func(in *Input, s *Selected) {
			in.Source.Hosts[0].VMotion = false
		}, []string{"block VMOTION_DISABLED host mia-esx-01 [web-01]"}},
		{"CLUSTER_MISSING", func(in *Input, s *Selected) { in.Mapping = Mapping{} },
			[]string{"block CLUSTER_MISSING cluster mia-prod [web-01]"}},
		{"FT_ENABLED", func(in *Input, s *Selected) { s.Details.FaultTolerance = "primary" },
			[]string{"block FT_ENABLED vm web-01 [web-01]"}},
		{"SNAPSHOTS from details", func(in *Input, s *Selected) { s.Details.SnapshotCount = 3 },
			[]string{"warn SNAPSHOTS vm web-01 [web-01]"}},
		{"NAME_CONFLICT", func(in *Input, s *Selected) { in.Target.VMs[0].Name = "web-01" },
			[]string{"block NAME_CONFLICT vm web-01 [web-01]"}},
		{"TARGET_CAPACITY", func(in *Input, s *Selected) {
			in.Target.Clusters[0].MemoryUsedMiB = in.Target.Clusters[0].MemoryMiB - 1024
		}, []string{"warn TARGET_CAPACITY cluster sjc-prod []"}},
		{"POWERED_OFF", func(in *Input, s *Selected) { s.VM.Power = model.PoweredOff },
			[]string{"info POWERED_OFF vm web-01 [web-01]"}},
		{"DETAILS_MISSING", func(in *Input, s *Selected) { s.Details = nil },
			[]string{"warn DETAILS_MISSING vm web-01 [web-01]"}},
		{"DETAILS_MISSING: snapshots still seen from the row", func(in *Input, s *Selected) {
			s.Details, s.VM.Snapshots = nil, 1
		}, []string{"warn DETAILS_MISSING vm web-01 [web-01]", "warn SNAPSHOTS vm web-01 [web-01]"}},
		{"DETAILS_STALE", func(in *Input, s *Selected) { s.VM.ChangeVersion = "v2" },
			[]string{"warn DETAILS_STALE vm web-01 [web-01]"}},
		{"HW_VERSION_UNSUPPORTED: version 3", func(in *Input, s *Selected) { s.VM.HWVersion = "vmx-03" },
			[]string{"block HW_VERSION_UNSUPPORTED vm web-01 [web-01]"}},
		{"HW_VERSION_UNSUPPORTED: newer than the target hosts run", func(in *Input, s *Selected) {
			s.VM.HWVersion = "vmx-21"
			in.Target.Hosts[0].MaxHWVersion, in.Target.Hosts[0].ESXiVersion = 19, "7.0.3"
		}, []string{"block HW_VERSION_UNSUPPORTED host sjc-esx-01 [web-01]"}},
		{"HW_VERSION: the target hosts run it", func(in *Input, s *Selected) {
			s.VM.HWVersion = "vmx-19"
			in.Target.Hosts[0].MaxHWVersion = 21
		}, nil},
		{"CPU_EVC_MISMATCH: the VM's own baseline beats its cluster's", func(in *Input, s *Selected) {
			s.VM.MinEVCMode = "intel-sapphirerapids" // powered on in a newer cluster, moved here since
		}, []string{"block CPU_EVC_MISMATCH cluster sjc-prod [web-01]"}},
		{"CPU_EVC: a VM powered on at an older baseline fits an older cluster", func(in *Input, s *Selected) {
			in.Source.Clusters[0].EVCMode = "intel-sapphirerapids"
			s.VM.MinEVCMode = "intel-icelake"
		}, nil},
		{"VMOTION_VLAN_NOT_EXTENDED: not carried (metro)", func(in *Input, s *Selected) {
			in.Profile, _ = ProfileByName(ProfileMetro)
			in.Source.Hosts[0].VMotionVLAN, in.Target.Hosts[0].VMotionVLAN = 200, 200
			in.Fabric.VLANs = slices.Insert(in.Fabric.VLANs, 2, fabric.VLANStatus{ID: 200, Reasons: []string{"not allowed on mia-dci-01 port-channel10"}})
		}, []string{"block VMOTION_VLAN_NOT_EXTENDED vlan 200 []"}},
		{"VMOTION_VLAN_NOT_EXTENDED: two VLANs (reference-2009)", func(in *Input, s *Selected) {
			in.Profile, _ = ProfileByName(ProfileReference2009)
			in.Source.Hosts[0].VMotionVLAN, in.Target.Hosts[0].VMotionVLAN = 120, 130
		}, []string{"block VMOTION_VLAN_NOT_EXTENDED vmotion network []"}},
		{"VMOTION_VLAN: long-distance may route vMotion", func(in *Input, s *Selected) {
			in.Source.Hosts[0].VMotionVLAN, in.Target.Hosts[0].VMotionVLAN = 120, 130
		}, nil},
		{"VMOTION_VLAN: one carried VLAN is fine (metro)", func(in *Input, s *Selected) {
			in.Profile, _ = ProfileByName(ProfileMetro)
			in.Source.Hosts[0].VMotionVLAN, in.Target.Hosts[0].VMotionVLAN = 120, 120
		}, nil},
		{"BANDWIDTH_LOW: less free than one vMotion needs (reference-2009)", func(in *Input, s *Selected) {
			in.Profile, _ = ProfileByName(ProfileReference2009)
			for i := range in.Fabric.Trunks {
				in.Fabric.Trunks[i].CapacityMbps, in.Fabric.Trunks[i].UsedMbps = 1000, 500 // 500 free < 622
			}
		}, []string{"block BANDWIDTH_LOW dci []"}},
		{"BANDWIDTH: enough for one vMotion", func(in *Input, s *Selected) {
			for i := range in.Fabric.Trunks {
				in.Fabric.Trunks[i].CapacityMbps, in.Fabric.Trunks[i].UsedMbps = 1000, 500 // 500 free > 250
			}
		}, nil},
		{"BANDWIDTH: not measured says nothing", func(in *Input, s *Selected) {
			for i := range in.Fabric.Trunks {
				in.Fabric.Trunks[i].CapacityMbps, in.Fabric.Trunks[i].UsedMbps = 0, 0
			}
		}, nil},
		{"VMOTION_VLAN: a cold migration does not use it", func(in *Input, s *Selected) {
			in.Profile, _ = ProfileByName(ProfileMetro)
			in.Source.Hosts[0].VMotionVLAN, in.Target.Hosts[0].VMotionVLAN = 120, 130
			s.VM.Power = model.PoweredOff
		}, []string{"info POWERED_OFF vm web-01 [web-01]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cleanVM("vm-1", "web-01")
			in := baseInput()
			tt.mutate(&in, &s)
			in.VMs = []Selected{s}
			got := summary(Check(judged(in)))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("findings:\n got  %q\n want %q", got, tt.want)
			}
		})
	}
}

// onLocalDatastore puts the VM's disk on site A's local datastore.
func onLocalDatastore(s *Selected) {
	s.VM.Datastores = []string{"mia-local"}
	s.VM.DatastoreRefs = []model.Ref{ref("Datastore", "datastore-2")}
	s.Details.Disks[0].Datastore = "mia-local"
	s.Details.Disks[0].DatastoreRef = ref("Datastore", "datastore-2")
}

func TestDatastoreNotSharedSaysSizeAndTime(t *testing.T) {
	s := cleanVM("vm-1", "web-01")
	onLocalDatastore(&s)
	fs := Check(judged(baseInput(s)))
	if len(fs) != 1 {
		t.Fatalf("want one finding, got %q", summary(fs))
	}
	// 40 GiB at 250 Mbps: 40*2^30*8/250e6 s = 1374 s, about 23 minutes.
	for _, want := range []string{"40 GiB", "about 23 min", "250 Mbps", "sjc-local"} {
		if !strings.Contains(fs[0].Message, want) {
			t.Errorf("message %q lacks %q", fs[0].Message, want)
		}
	}
}

func TestHostConcurrency(t *testing.T) {
	var vms []Selected
	for i := range 9 {
		vms = append(vms, cleanVM("vm-"+string(rune('a'+i)), "web-0"+string(rune('1'+i))))
	}
	got := summary(Check(judged(baseInput(vms...))))
	want := []string{"info HOST_CONCURRENCY host mia-esx-01 []"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := summary(Check(judged(baseInput(vms[:8]...)))); len(got) != 0 {
		t.Fatalf("8 VMs on a host: want nothing, got %q", got)
	}
}

func TestTargetCapacityCountsTheWholeSelection(t *testing.T) {
	// 200 GiB free in sjc-prod (512 - 312): one 128 GiB VM fits, two do not.
	big := func(moref, name string) Selected {
		s := cleanVM(moref, name)
		s.VM.MemoryMiB = 128 << 10
		return s
	}
	in := baseInput(big("vm-1", "db-01"))
	in.Target.Clusters[0].MemoryUsedMiB = 312 << 10
	if fs := Check(judged(in)); len(fs) != 0 {
		t.Fatalf("one VM fits: got %q", summary(fs))
	}
	in.VMs = append(in.VMs, big("vm-2", "db-02"))
	want := []string{"warn TARGET_CAPACITY cluster sjc-prod []"}
	if got := summary(Check(judged(in))); !slices.Equal(got, want) {
		t.Fatalf("two VMs: got %q, want %q", got, want)
	}
}

func TestFindingsSorted(t *testing.T) {
	a := cleanVM("vm-1", "b-vm")
	a.Details.SnapshotCount = 1          // warn
	a.Details.FaultTolerance = "primary" // block
	b := cleanVM("vm-2", "a-vm")
	b.VM.Power = model.PoweredOff // info
	b.Details.SnapshotCount = 2   // warn
	in := baseInput(a, b)
	in.Fabric.PolledAt = time.Time{} // FABRIC_STALE, selection-wide warn
	got := summary(Check(judged(in)))
	want := []string{
		"block FT_ENABLED vm b-vm [b-vm]",
		"warn FABRIC_STALE fabric []",
		"warn SNAPSHOTS vm a-vm [a-vm]",
		"warn SNAPSHOTS vm b-vm [b-vm]",
		"info POWERED_OFF vm a-vm [a-vm]",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("order:\n got  %q\n want %q", got, want)
	}
}

func TestBlockedAndWorst(t *testing.T) {
	a, b := cleanVM("vm-1", "web-01"), cleanVM("vm-2", "sql-node-1")
	b.Details.FaultTolerance = "primary"
	fs := Check(judged(baseInput(a, b)))
	if Blocked(fs, a.VM.Key) || !Blocked(fs, b.VM.Key) {
		t.Fatalf("Blocked: web-01 %v, sql-node-1 %v; want false, true", Blocked(fs, a.VM.Key), Blocked(fs, b.VM.Key))
	}
	if w := Worst(fs); w != Block {
		t.Fatalf("Worst = %q, want block", w)
	}
	// A selection-wide block blocks every VM.
	in := baseInput(a)
	in.Target.Status.State = model.Disconnected
	if !Blocked(Check(judged(in)), a.VM.Key) {
		t.Fatal("a site down must block every VM")
	}
	if Worst(nil) != "" {
		t.Fatal("Worst(nil) must be empty")
	}
}

func TestTargetsOverrideMapping(t *testing.T) {
	s := cleanVM("vm-1", "web-01")
	in := baseInput(s)
	tgt := MapVM(in.Source, in.Target, in.Mapping, s.VM)
	tgt.Cluster.Target, tgt.Cluster.TargetRef = "sjc-old", ref("ClusterComputeResource", "domain-c41")
	in.Targets = map[model.VMKey]Target{s.VM.Key: tgt}
	want := []string{"block CPU_EVC_MISMATCH cluster sjc-old [web-01]"}
	if got := summary(Check(judged(in))); !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestEveryFindingIsComplete(t *testing.T) {
	// Every rule at once: each finding has a known code, a severity no stronger than its
	// rule's, an object, and a message and remedy that are sentences.
	s := cleanVM("vm-1", "web-01")
	s.Details.FaultTolerance = "primary"
	s.Details.SnapshotCount = 1
	s.Details.CDROMs[0] = model.CDROM{Label: "CD/DVD drive 1", Connected: true, Backing: "iso", ISO: "[iso-a] x.iso"}
	onLocalDatastore(&s)
	in := baseInput(s, cleanVM("vm-2", "other-vm"))
	in.Fabric.Trunks[0].MTU = 1500
	in.Fabric.RTTs[0].Avg = 200 * time.Millisecond
	in.Target.Status.Silent = true
	rules := map[string]Rule{}
	for _, r := range Rules() {
		if _, dup := rules[r.Code]; dup {
			t.Fatalf("rule %s twice in the table", r.Code)
		}
		rules[r.Code] = r
	}
	fs := Check(judged(in))
	if len(fs) < 8 {
		t.Fatalf("want many findings, got %q", summary(fs))
	}
	for _, f := range fs {
		r, ok := rules[f.Code]
		switch {
		case !ok:
			t.Errorf("%s: not in the rule table", f.Code)
		case rank(f.Severity) < rank(r.Severity) || rank(f.Severity) > 2:
			t.Errorf("%s: severity %q, rule says at most %q", f.Code, f.Severity, r.Severity)
		case f.Object == "" || !strings.HasSuffix(f.Message, ".") || !strings.HasSuffix(f.Remedy, "."):
			t.Errorf("%s: incomplete finding %+v", f.Code, f)
		case (r.Scope == ScopeVM) != (f.VMName != ""):
			t.Errorf("%s: scope %s but VM %q", f.Code, r.Scope, f.VMName)
		}
	}
}

func TestBandwidthQueues(t *testing.T) {
	var vms []Selected
	for i := range 3 {
		vms = append(vms, cleanVM(fmt.Sprintf("vm-%d", i), fmt.Sprintf("web-%02d", i)))
	}
	in := baseInput(vms...)
	for i := range in.Fabric.Trunks {
		in.Fabric.Trunks[i].CapacityMbps, in.Fabric.Trunks[i].UsedMbps = 1000, 400 // 600 free: 2 at 250
	}
	fs := Check(judged(in))
	if got, want := summary(fs), []string{"info BANDWIDTH_LOW dci []"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, w := range []string{"600 Mbps free", "2 vMotions at once", "3 running VMs"} {
		if !strings.Contains(fs[0].Message, w) {
			t.Errorf("message %q lacks %q", fs[0].Message, w)
		}
	}
	if fs := Check(judged(baseInput(vms[:2]...))); len(fs) != 0 {
		t.Fatalf("two VMs on 18.8 Gbps: want nothing, got %q", summary(fs))
	}
}
