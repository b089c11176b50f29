package lab

import (
	"fmt"
	"slices"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric/sim"
)

// VLAN is one VLAN of the lab's network plan. Both sites have a port group for every VLAN;
// Extended says whether the DCI between the sites carries it.
type VLAN struct {
	ID       int
	Name     string
	Extended bool
}

// PortGroup is the name of the distributed port group that carries the VLAN at both sites,
// e.g. "VLAN120-App".
func (v VLAN) PortGroup() string { return fmt.Sprintf("VLAN%d-%s", v.ID, v.Name) }

// Plan returns the lab's VLAN plan, ordered by VLAN ID. Every VLAN but the DMZ is stretched
// across the DCI, so VMs on the DMZ cannot keep their network when they move. The plan is
// the simulated switches' (sim.DefaultVLANs): port groups and trunks come from one list.
func Plan() []VLAN {
	var out []VLAN
	for _, v := range sim.DefaultVLANs() {
		out = append(out, VLAN{ID: v.ID, Name: v.Name, Extended: v.Extended})
	}
	return out
}

// vmotionVLAN carries every host's vMotion VMkernel adapter, at both sites; the DCI extends
// it, as long-distance vMotion of vSphere 4 and 5 requires. No VM is on it.
const vmotionVLAN = 200

func vlanByID(id int) (VLAN, bool) {
	for _, v := range Plan() {
		if v.ID == id {
			return v, true
		}
	}
	return VLAN{}, false
}

// The lab's fixed credentials. The servers listen on 127.0.0.1 only.
const (
	labUser     = "administrator@vsphere.local"
	labPassword = "VMware1!lab"
)

// VM folders under each datacenter's vm folder.
const (
	folderProd  = "Production"
	folderInfra = "Infrastructure"
	folderDMZ   = "DMZ"
)

// Guest OS identifiers used by the lab (all known to the simulator).
const (
	guestUbuntu  = "ubuntu64Guest"
	guestRHEL    = "rhel9_64Guest"
	guestDebian  = "debian12_64Guest"
	guestWindows = "windows2019srv_64Guest"
	// Windows Server 2003, as P2V'd in the ESX 2.5 days.
	guestWindows2003 = "winNetStandardGuest"
)

// siteBlueprint describes one site's estate. Everything in it is fixed, so every Start builds
// the same names.
type siteBlueprint struct {
	id         model.SiteID
	name       string // display name
	letter     string // "a": used in cluster, host and datastore names
	domain     string // "mia.example.net"
	number     int    // 1 for site A: the second octet of its addresses (10.1.200.11)
	vcenter    string // vCenter FQDN, used in its certificate
	datacenter string
	dvs        string
	nas        string // NFS server of the site-wide NFS datastore
	clusters   []clusterBlueprint
	special    []vmSpec // VMs later features depend on, by exact name
	roles      []role   // generic workload, apportioned by weight
	// rolePrefix starts the name of every generic VM ("atl-" makes "atl-web-01"), so that
	// only the special VMs may share a name with a VM of the other site.
	rolePrefix string
}

type clusterBlueprint struct {
	name  string // "A-01"
	key   string // "a01": used in host and datastore names
	hosts int
	evc   string // the cluster's EVC mode key; its hosts run in it
}

func (c clusterBlueprint) hostName(i int, domain string) string {
	return fmt.Sprintf("esx-%s-%02d.%s", c.key, i+1, domain)
}

func (c clusterBlueprint) datastore() string { return "vmfs-" + c.key }

func localDatastore(hostName string) string {
	short := hostName
	for i := range hostName {
		if hostName[i] == '.' {
			short = hostName[:i]
			break
		}
	}
	return "local-" + short
}

func (s siteBlueprint) nfsDatastore() string { return "nfs-shared-" + s.letter }

// The stretched datastore: one NFS export of one NAS in the metro area, mounted by every
// host of both sites, so both vCenters report the same URL for it. Its directory is the
// lab's, shared by both sites, as its export is.
const (
	metroDatastore  = "nfs-metro-01"
	metroNAS        = "nas-metro.example.net"
	metroExport     = "/vol/vmware_metro_01"
	metroCapacityTB = 64
)

// storeKind chooses a VM's datastore relative to its host.
type storeKind int

const (
	storeCluster storeKind = iota // the cluster's shared VMFS datastore
	storeNFS                      // the site-wide NFS datastore
	storeLocal                    // the host's local datastore
	storeMetro                    // the datastore stretched across both sites
)

// rdmSpec is a physical-mode raw device mapping shared by the nodes of a guest cluster.
type rdmSpec struct {
	naa      string // the LUN's NAA id
	capacity int64  // GiB
}

// vmSpec is one VM as the lab builds it.
type vmSpec struct {
	name       string
	folder     string
	cluster    int // index into siteBlueprint.clusters
	host       int // index of the host within its cluster
	cpu        int32
	memMiB     int32
	guest      string
	disksGiB   []int64
	vlans      []int
	store      storeKind
	poweredOff bool
	rdms       []rdmSpec // on a second SCSI controller with physical bus sharing
	iso        string    // path of a connected ISO on the host's local datastore
	snapshots  []string
	annotation string
	hwVersion  string // "vmx-03"; "" is the lab's default
	ft         bool   // a fault tolerance primary
}

// legacy says whether the VM's virtual hardware predates VMXNET3 and paravirtual SCSI
// (vmx-07): it gets a BusLogic controller and a Flexible NIC, as P2V made them.
func (v vmSpec) legacy() bool {
	hv, err := types.ParseHardwareVersion(v.hwVersion)
	return err == nil && hv.IsValid() && hv < types.VMX7
}

// role is a kind of generic workload: web servers, k8s workers, ...
type role struct {
	prefix     string
	weight     int
	cpu        int32
	memGiB     int32
	disksGiB   []int64
	vlans      []int
	guest      string
	folder     string
	store      storeKind
	annotation string
}

// evcBaseline is the EVC mode of every cluster but B-02: one baseline, so that a VM may move
// between them; the hosts' CPUs (Sapphire Rapids) could run a newer one. B-02 runs its
// hosts' newest mode (hostMaxEVC), so its powered-on VMs cannot move to site A.
const evcBaseline = "intel-icelake"

// defaultHWVersion is the virtual hardware version of the lab's VMs (ESXi 7.0 U2 and later).
const defaultHWVersion = "vmx-19"

// defaultVMsPerSite is the inventory size when Options.VMsPerSite is 0.
const defaultVMsPerSite = 80

func blueprints() []siteBlueprint {
	// The SQL Server failover cluster shares two LUNs between its nodes.
	sqlLUNs := []rdmSpec{
		{naa: "naa.600601601c203e00a1b2c3d4e5f60101", capacity: 1024},
		{naa: "naa.600601601c203e00a1b2c3d4e5f60102", capacity: 2},
	}
	a := siteBlueprint{
		id:         "site-a",
		name:       "Miami (site A)",
		letter:     "a",
		domain:     "mia.example.net",
		number:     1,
		vcenter:    "vcsa01.mia.example.net",
		datacenter: "MIA-DC1",
		dvs:        "MIA-DVS01",
		nas:        "nas01.mia.example.net",
		clusters: []clusterBlueprint{
			{name: "A-01", key: "a01", hosts: 4, evc: evcBaseline},
			{name: "A-02", key: "a02", hosts: 3, evc: evcBaseline},
		},
		special: []vmSpec{
			// The named VMs sit on nfs-metro-01, mounted at both sites, so that each shows its own
			// problem only; big-db stays on its cluster's VMFS to show a storage move.
			// Clean: every rule passes for it (stretched datastore, stretched VLAN, baseline EVC).
			{name: "web-01", folder: folderProd, cluster: 0, host: 1, cpu: 2, memMiB: 4096, guest: guestUbuntu,
				disksGiB: []int64{40}, vlans: []int{110}, store: storeMetro, annotation: "Web front end (nginx)"},
			{name: "sql-node-1", folder: folderProd, cluster: 0, host: 0, cpu: 8, memMiB: 32768, guest: guestWindows,
				disksGiB: []int64{100}, vlans: []int{130, 100}, rdms: sqlLUNs,
				store: storeMetro, annotation: "SQL Server FCI node 1 (pRDM, SCSI bus sharing)"},
			{name: "sql-node-2", folder: folderProd, cluster: 0, host: 1, cpu: 8, memMiB: 32768, guest: guestWindows,
				disksGiB: []int64{100}, vlans: []int{130, 100}, rdms: sqlLUNs,
				store: storeMetro, annotation: "SQL Server FCI node 2 (pRDM, SCSI bus sharing)"},
			{name: "iso-builder", folder: folderInfra, cluster: 0, host: 0, cpu: 4, memMiB: 8192, guest: guestRHEL,
				disksGiB: []int64{60}, vlans: []int{100}, iso: "iso/rhel-9.4-x86_64-dvd.iso",
				store: storeMetro, annotation: "Image build VM; installer ISO mounted from local storage"},
			{name: "snap-heavy", folder: folderProd, cluster: 0, host: 2, cpu: 4, memMiB: 8192, guest: guestRHEL,
				disksGiB: []int64{80, 200}, vlans: []int{120},
				snapshots: []string{"before-upgrade-v4", "pre-patch-2024-06", "release-4.2-rc1"},
				store:     storeMetro, annotation: "Order service; three snapshots kept by the app team"},
			{name: "dmz-app-1", folder: folderDMZ, cluster: 1, host: 0, cpu: 2, memMiB: 4096, guest: guestUbuntu,
				disksGiB: []int64{40}, vlans: []int{300}, store: storeMetro, annotation: "Partner API gateway (DMZ)"},
			{name: "archive-01", folder: folderInfra, cluster: 1, host: 1, cpu: 2, memMiB: 4096, guest: guestWindows,
				disksGiB: []int64{80, 500}, vlans: []int{140}, store: storeMetro, poweredOff: true,
				annotation: "Legacy file archive, powered off"},
			{name: "big-db", folder: folderProd, cluster: 1, host: 2, cpu: 16, memMiB: 65536, guest: guestRHEL,
				disksGiB: []int64{120, 2000}, vlans: []int{130, 140}, annotation: "Oracle 19c data warehouse"},
			// Site B has a stale report-01 too: the name clashes.
			{name: "report-01", folder: folderProd, cluster: 0, host: 3, cpu: 2, memMiB: 4096, guest: guestUbuntu,
				disksGiB: []int64{40}, vlans: []int{120}, store: storeMetro, annotation: "Reporting service (nightly PDF reports)"},
			{name: "pay-gw-ft", folder: folderProd, cluster: 0, host: 2, cpu: 2, memMiB: 8192, guest: guestRHEL,
				disksGiB: []int64{60}, vlans: []int{130}, ft: true,
				store: storeMetro, annotation: "Payment gateway; vSphere Fault Tolerance protects it"},
			{name: "legacy-erp-01", folder: folderProd, cluster: 1, host: 0, cpu: 1, memMiB: 2048, guest: guestWindows2003,
				disksGiB: []int64{20, 80}, vlans: []int{120}, poweredOff: true, hwVersion: "vmx-03",
				store: storeMetro, annotation: "P2V'd from ESX 2.5 in 2007; never upgraded"},
		},
		roles: []role{
			{prefix: "web", weight: 12, cpu: 2, memGiB: 4, disksGiB: []int64{40}, vlans: []int{110}, guest: guestUbuntu, folder: folderProd, store: storeMetro, annotation: "Web front end (nginx)"},
			{prefix: "app", weight: 10, cpu: 4, memGiB: 8, disksGiB: []int64{60}, vlans: []int{120}, guest: guestRHEL, folder: folderProd, store: storeMetro, annotation: "Application server (Tomcat)"},
			{prefix: "db", weight: 5, cpu: 8, memGiB: 32, disksGiB: []int64{80, 500}, vlans: []int{130, 140}, guest: guestRHEL, folder: folderProd, annotation: "PostgreSQL"},
			{prefix: "cache", weight: 4, cpu: 2, memGiB: 16, disksGiB: []int64{40}, vlans: []int{120}, guest: guestUbuntu, folder: folderProd, annotation: "Redis"},
			{prefix: "mq", weight: 3, cpu: 4, memGiB: 8, disksGiB: []int64{60, 100}, vlans: []int{120}, guest: guestRHEL, folder: folderProd, annotation: "RabbitMQ"},
			{prefix: "k8s-master", weight: 3, cpu: 4, memGiB: 8, disksGiB: []int64{80}, vlans: []int{150}, guest: guestUbuntu, folder: folderProd, annotation: "Kubernetes control plane"},
			{prefix: "k8s-worker", weight: 12, cpu: 8, memGiB: 32, disksGiB: []int64{120}, vlans: []int{150}, guest: guestUbuntu, folder: folderProd, annotation: "Kubernetes worker"},
			{prefix: "jump", weight: 2, cpu: 2, memGiB: 4, disksGiB: []int64{60}, vlans: []int{100}, guest: guestWindows, folder: folderInfra, annotation: "Admin jump host"},
			{prefix: "ad-dc", weight: 2, cpu: 2, memGiB: 8, disksGiB: []int64{80}, vlans: []int{100}, guest: guestWindows, folder: folderInfra, annotation: "Active Directory domain controller"},
			{prefix: "dns", weight: 2, cpu: 1, memGiB: 1, disksGiB: []int64{16}, vlans: []int{100}, guest: guestDebian, folder: folderInfra, annotation: "Internal DNS (BIND)"},
			{prefix: "elk", weight: 3, cpu: 8, memGiB: 32, disksGiB: []int64{100, 1000}, vlans: []int{100}, guest: guestUbuntu, folder: folderInfra, store: storeNFS, annotation: "Elasticsearch log cluster"},
			{prefix: "prometheus", weight: 2, cpu: 4, memGiB: 16, disksGiB: []int64{100, 500}, vlans: []int{100}, guest: guestUbuntu, folder: folderInfra, store: storeNFS, annotation: "Monitoring"},
			{prefix: "backup-proxy", weight: 2, cpu: 4, memGiB: 8, disksGiB: []int64{60}, vlans: []int{140, 100}, guest: guestWindows, folder: folderInfra, store: storeNFS, annotation: "Backup proxy"},
			{prefix: "dmz-proxy", weight: 2, cpu: 2, memGiB: 4, disksGiB: []int64{40}, vlans: []int{300}, guest: guestUbuntu, folder: folderDMZ, annotation: "Reverse proxy (DMZ)"},
		},
	}
	b := siteBlueprint{
		id:         "site-b",
		name:       "Atlanta (site B)",
		letter:     "b",
		domain:     "atl.example.net",
		number:     2,
		vcenter:    "vcsa01.atl.example.net",
		datacenter: "ATL-DC1",
		dvs:        "ATL-DVS01",
		nas:        "nas01.atl.example.net",
		clusters: []clusterBlueprint{
			{name: "B-01", key: "b01", hosts: 4, evc: evcBaseline},
			{name: "B-02", key: "b02", hosts: 4, evc: hostMaxEVC},
		},
		special: []vmSpec{
			{name: "sap-hana-01", folder: folderProd, cluster: 1, host: 0, cpu: 16, memMiB: 65536, guest: guestRHEL,
				disksGiB: []int64{100, 1500}, vlans: []int{130}, store: storeMetro, annotation: "SAP HANA"},
			{name: "ftp-legacy-01", folder: folderDMZ, cluster: 1, host: 1, cpu: 1, memMiB: 2048, guest: guestWindows,
				disksGiB: []int64{60}, vlans: []int{300}, store: storeNFS, poweredOff: true,
				annotation: "Legacy partner FTP, powered off"},
			{name: "build-cache-01", folder: folderInfra, cluster: 0, host: 3, cpu: 4, memMiB: 8192, guest: guestUbuntu,
				disksGiB: []int64{40, 400}, vlans: []int{150}, store: storeLocal,
				annotation: "CI build cache on the host's local SSD"},
			{name: "report-01", folder: folderProd, cluster: 0, host: 0, cpu: 2, memMiB: 4096, guest: guestUbuntu,
				disksGiB: []int64{40}, vlans: []int{120}, poweredOff: true,
				annotation: "Stale copy left by the 2024 failover test, powered off"},
		},
		rolePrefix: "atl-",
		roles: []role{
			{prefix: "web", weight: 10, cpu: 2, memGiB: 4, disksGiB: []int64{40}, vlans: []int{110}, guest: guestUbuntu, folder: folderProd, annotation: "Web front end (nginx)"},
			{prefix: "api", weight: 8, cpu: 4, memGiB: 8, disksGiB: []int64{60}, vlans: []int{120}, guest: guestUbuntu, folder: folderProd, annotation: "REST API (Go)"},
			{prefix: "pg", weight: 4, cpu: 8, memGiB: 32, disksGiB: []int64{80, 400}, vlans: []int{130, 140}, guest: guestRHEL, folder: folderProd, annotation: "PostgreSQL"},
			{prefix: "redis", weight: 3, cpu: 2, memGiB: 8, disksGiB: []int64{40}, vlans: []int{120}, guest: guestUbuntu, folder: folderProd, annotation: "Redis"},
			{prefix: "kafka", weight: 3, cpu: 8, memGiB: 32, disksGiB: []int64{100, 1000}, vlans: []int{120}, guest: guestRHEL, folder: folderProd, annotation: "Kafka broker"},
			{prefix: "k8s-master", weight: 3, cpu: 4, memGiB: 8, disksGiB: []int64{80}, vlans: []int{150}, guest: guestUbuntu, folder: folderProd, annotation: "Kubernetes control plane"},
			{prefix: "k8s-worker", weight: 14, cpu: 8, memGiB: 32, disksGiB: []int64{120}, vlans: []int{150}, guest: guestUbuntu, folder: folderProd, annotation: "Kubernetes worker"},
			{prefix: "ci-runner", weight: 4, cpu: 8, memGiB: 16, disksGiB: []int64{200}, vlans: []int{150}, guest: guestUbuntu, folder: folderInfra, annotation: "GitLab CI runner"},
			{prefix: "gitlab", weight: 1, cpu: 8, memGiB: 32, disksGiB: []int64{100, 1000}, vlans: []int{100}, guest: guestUbuntu, folder: folderInfra, store: storeNFS, annotation: "GitLab"},
			{prefix: "vault", weight: 3, cpu: 2, memGiB: 4, disksGiB: []int64{40}, vlans: []int{100}, guest: guestUbuntu, folder: folderInfra, annotation: "HashiCorp Vault"},
			{prefix: "jump", weight: 2, cpu: 2, memGiB: 4, disksGiB: []int64{60}, vlans: []int{100}, guest: guestWindows, folder: folderInfra, annotation: "Admin jump host"},
			{prefix: "ad-dc", weight: 2, cpu: 2, memGiB: 8, disksGiB: []int64{80}, vlans: []int{100}, guest: guestWindows, folder: folderInfra, annotation: "Active Directory domain controller"},
			{prefix: "dns", weight: 2, cpu: 1, memGiB: 1, disksGiB: []int64{16}, vlans: []int{100}, guest: guestDebian, folder: folderInfra, annotation: "Internal DNS (BIND)"},
			{prefix: "backup-proxy", weight: 2, cpu: 4, memGiB: 8, disksGiB: []int64{60}, vlans: []int{140, 100}, guest: guestWindows, folder: folderInfra, store: storeNFS, annotation: "Backup proxy"},
			{prefix: "dmz-web", weight: 2, cpu: 2, memGiB: 4, disksGiB: []int64{40}, vlans: []int{300}, guest: guestUbuntu, folder: folderDMZ, annotation: "Public web (DMZ)"},
		},
	}
	return []siteBlueprint{a, b}
}

// vms returns every VM of the site, the special ones first, for an inventory of n VMs (at
// least the special ones). Generic VMs are apportioned to roles by weight (largest
// remainder), numbered per role, skipping names the special VMs already use, and spread
// round-robin over every host of the site.
func (s siteBlueprint) vms(n int) []vmSpec {
	out := slices.Clone(s.special)
	generic := n - len(out)
	if generic <= 0 {
		return out
	}

	total := 0
	for _, r := range s.roles {
		total += r.weight
	}
	counts := make([]int, len(s.roles))
	type rem struct{ i, r int }
	rems := make([]rem, len(s.roles))
	assigned := 0
	for i, r := range s.roles {
		counts[i] = generic * r.weight / total
		assigned += counts[i]
		rems[i] = rem{i, generic * r.weight % total}
	}
	slices.SortStableFunc(rems, func(x, y rem) int { return y.r - x.r })
	for k := 0; assigned < generic; k++ {
		counts[rems[k%len(rems)].i]++
		assigned++
	}

	used := map[string]bool{}
	for _, v := range out {
		used[v.name] = true
	}
	type slot struct{ cluster, host int }
	var hosts []slot
	for ci, c := range s.clusters {
		for h := range c.hosts {
			hosts = append(hosts, slot{ci, h})
		}
	}
	g := 0
	for i, r := range s.roles {
		num := 1
		for range counts[i] {
			name := fmt.Sprintf("%s%s-%02d", s.rolePrefix, r.prefix, num)
			for used[name] {
				num++
				name = fmt.Sprintf("%s%s-%02d", s.rolePrefix, r.prefix, num)
			}
			used[name] = true
			num++
			at := hosts[g%len(hosts)]
			g++
			out = append(out, vmSpec{
				name: name, folder: r.folder, cluster: at.cluster, host: at.host,
				cpu: r.cpu, memMiB: r.memGiB * 1024, guest: r.guest,
				disksGiB: r.disksGiB, vlans: r.vlans, store: r.store, annotation: r.annotation,
			})
		}
	}
	return out
}
