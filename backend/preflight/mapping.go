package preflight

import (
	"fmt"

	"github.com/vmcross/vmcross/backend/model"
)

// Mapping is the configured mapping from the source site's objects to the target site's, by
// name: it is tried before same names and VLAN ids. Nil maps map nothing.
type Mapping struct {
	Clusters   map[string]string `json:"clusters,omitempty"`
	Datastores map[string]string `json:"datastores,omitempty"`
	PortGroups map[string]string `json:"port_groups,omitempty"`
}

// How says how a target object was chosen.
type How string

// Ways a target is chosen, in the order they are tried.
const (
	ByConfig How = "config" // the configured Mapping names it
	ByName   How = "name"   // the target has an object of the same name
	ByURL    How = "url"    // the same datastore (same URL), mounted at both sites
	ByVLAN   How = "vlan"   // a port group on the same VLAN id
	// ByOnly is a cluster chosen because it is the target site's only one.
	ByOnly How = "only"
	// BySpace is a datastore to move the storage to: the one mounted by the target cluster
	// with the most free space.
	BySpace How = "free-space"
	// ByOperator is what the operator chose in the review (Override).
	ByOperator How = "operator"
	// ByLoad is a target host chosen because it has the most memory free once the VMs
	// already placed on it in this selection are counted.
	ByLoad How = "load"
	// NotFound: no target; Choice.Why says why.
	NotFound How = ""
)

// Choice is one source object and the target object chosen for it.
type Choice struct {
	Source    string    `json:"source"`
	SourceRef model.Ref `json:"source_ref"`
	Target    string    `json:"target,omitempty"`
	TargetRef model.Ref `json:"target_ref"`
	How       How       `json:"how,omitempty"`
	// Why is, when nothing was found, a sentence saying why.
	Why string `json:"why,omitempty"`
	// VLAN is, for a network, the source port group's VLAN id (0: none known).
	VLAN int `json:"vlan,omitempty"`
	// Shared is, for a datastore, true when the target hosts mount the same datastore (the
	// same URL; the same name when either side's URL is unknown): the storage stays where it
	// is.
	Shared bool `json:"shared,omitempty"`
}

// Found reports whether a target was chosen.
func (c Choice) Found() bool { return !c.TargetRef.IsZero() }

// Target is where one VM would go: its cluster, a datastore for each of its datastores and a
// port group for each of its networks, in the VM's order.
type Target struct {
	VM         model.VMKey `json:"vm"`
	Cluster    Choice      `json:"cluster"`
	Host       Choice      `json:"host"`
	Datastores []Choice    `json:"datastores"`
	Networks   []Choice    `json:"networks"`
}

// Override is what the operator chose in the review for one VM, by the names of the target
// site's objects; an empty field keeps the mapping's choice.
type Override struct {
	Cluster string `json:"cluster,omitempty"`
	// Host is a host of the target cluster (of Cluster when set, else of the host's own
	// cluster, which then becomes the target cluster).
	Host string `json:"host,omitempty"`
	// Datastore receives every disk of the VM; the datastore the VM is on now keeps it
	// there (no storage move) when the target hosts mount it.
	Datastore string `json:"datastore,omitempty"`
	// Datastores maps a datastore the VM is on (its source name) to the target datastore
	// that receives its disks there, before Datastore: a VM on several datastores keeps
	// them apart (the way back of a plan puts each disk back where it was).
	Datastores map[string]string `json:"datastores,omitempty"`
	// Networks maps a network the VM is on (its source name) to a target port group.
	Networks map[string]string `json:"networks,omitempty"`
}

// IsZero reports whether the override changes nothing.
func (o Override) IsZero() bool {
	return o.Cluster == "" && o.Host == "" && o.Datastore == "" && len(o.Datastores) == 0 && len(o.Networks) == 0
}

// MapVM chooses the target of one VM moving from src to dst.
func MapVM(src, dst model.SiteSnapshot, m Mapping, vm model.VM) Target {
	return newMapper(src, dst, m).target(vm, Override{})
}

// MapVMs chooses the targets of several VMs, in their order: the operator's overrides
// first, then the mapping. Target hosts are spread: each VM goes to the usable host of its
// target cluster with the most memory free once the VMs placed before it are counted.
func MapVMs(src, dst model.SiteSnapshot, m Mapping, vms []model.VM, over map[model.VMKey]Override) []Target {
	mp := newMapper(src, dst, m)
	out := make([]Target, len(vms))
	for i, vm := range vms {
		out[i] = mp.target(vm, over[vm.Key])
	}
	return out
}

// siteIndex finds a site's inventory objects by ref value and by name.
type siteIndex struct {
	snap           *model.SiteSnapshot
	hostByRef      map[string]*model.Host
	clusterByRef   map[string]*model.Cluster
	clusterByName  map[string]*model.Cluster
	dsByRef        map[string]*model.Datastore
	dsByName       map[string]*model.Datastore
	pgByRef        map[string]*model.PortGroup
	pgByName       map[string]*model.PortGroup
	pgByVLAN       map[int]*model.PortGroup // the first by name
	clusterHosts   map[string][]*model.Host // by cluster ref value
	clusterHostSet map[string]map[string]bool
	hostByName     map[string]*model.Host
}

func newSiteIndex(s *model.SiteSnapshot) *siteIndex {
	x := &siteIndex{
		snap:           s,
		hostByRef:      make(map[string]*model.Host, len(s.Hosts)),
		clusterByRef:   make(map[string]*model.Cluster, len(s.Clusters)),
		clusterByName:  make(map[string]*model.Cluster, len(s.Clusters)),
		dsByRef:        make(map[string]*model.Datastore, len(s.Datastores)),
		dsByName:       make(map[string]*model.Datastore, len(s.Datastores)),
		pgByRef:        make(map[string]*model.PortGroup, len(s.PortGroups)),
		pgByName:       make(map[string]*model.PortGroup, len(s.PortGroups)),
		pgByVLAN:       map[int]*model.PortGroup{},
		clusterHosts:   map[string][]*model.Host{},
		clusterHostSet: map[string]map[string]bool{},
		hostByName:     make(map[string]*model.Host, len(s.Hosts)),
	}
	for i := range s.Hosts {
		h := &s.Hosts[i]
		x.hostByRef[h.Ref.Value] = h
		if _, dup := x.hostByName[h.Name]; !dup {
			x.hostByName[h.Name] = h
		}
		c := h.ClusterRef.Value
		x.clusterHosts[c] = append(x.clusterHosts[c], h)
		if x.clusterHostSet[c] == nil {
			x.clusterHostSet[c] = map[string]bool{}
		}
		x.clusterHostSet[c][h.Ref.Value] = true
	}
	for i := range s.Clusters {
		c := &s.Clusters[i]
		x.clusterByRef[c.Ref.Value] = c
		if _, dup := x.clusterByName[c.Name]; !dup {
			x.clusterByName[c.Name] = c
		}
	}
	for i := range s.Datastores {
		d := &s.Datastores[i]
		x.dsByRef[d.Ref.Value] = d
		if _, dup := x.dsByName[d.Name]; !dup {
			x.dsByName[d.Name] = d
		}
	}
	for i := range s.PortGroups {
		p := &s.PortGroups[i]
		x.pgByRef[p.Ref.Value] = p
		if _, dup := x.pgByName[p.Name]; !dup {
			x.pgByName[p.Name] = p
		}
		if q, ok := x.pgByVLAN[p.VLAN]; p.VLAN > 0 && (!ok || p.Name < q.Name) {
			x.pgByVLAN[p.VLAN] = p
		}
	}
	return x
}

// mountedBy reports whether a host of the cluster mounts d; with a zero cluster, any host of
// the site.
func (x *siteIndex) mountedBy(d *model.Datastore, cluster model.Ref) bool {
	if cluster.IsZero() {
		return len(d.Hosts) > 0
	}
	set := x.clusterHostSet[cluster.Value]
	for _, h := range d.Hosts {
		if set[h.Value] {
			return true
		}
	}
	return false
}

// mapper chooses targets from src to dst.
type mapper struct {
	src, dst *siteIndex
	m        Mapping
	placed   map[string]int64 // MiB of memory placed on each target host (by ref value)
}

func newMapper(src, dst model.SiteSnapshot, m Mapping) *mapper {
	return &mapper{src: newSiteIndex(&src), dst: newSiteIndex(&dst), m: m, placed: map[string]int64{}}
}

func (mp *mapper) target(vm model.VM, o Override) Target {
	t := Target{VM: vm.Key}
	switch {
	case o.Cluster != "":
		t.Cluster = mp.chosenCluster(vm, o.Cluster)
	case o.Host != "":
		if h, ok := mp.dst.hostByName[o.Host]; ok && !h.ClusterRef.IsZero() {
			if c, ok := mp.dst.clusterByRef[h.ClusterRef.Value]; ok {
				t.Cluster = mp.chosenCluster(vm, c.Name)
				break
			}
		}
		t.Cluster = mp.cluster(vm)
	default:
		t.Cluster = mp.cluster(vm)
	}
	t.Host = mp.host(vm, t.Cluster, o.Host)
	for i, ref := range vm.DatastoreRefs {
		name := ""
		if i < len(vm.Datastores) {
			name = vm.Datastores[i]
		}
		c := mp.datastore(ref, name, t.Cluster)
		want := o.Datastore
		if d := o.Datastores[c.Source]; d != "" {
			want = d
		}
		if want != "" && !(c.Shared && c.Target == want) {
			c = mp.chosenDatastore(c, want, t.Cluster)
		}
		t.Datastores = append(t.Datastores, c)
	}
	for i, ref := range vm.NetworkRefs {
		name := ""
		if i < len(vm.Networks) {
			name = vm.Networks[i]
		}
		c := mp.network(ref, name)
		if pg, ok := o.Networks[c.Source]; ok && pg != "" {
			c = mp.chosenNetwork(c, pg)
		}
		t.Networks = append(t.Networks, c)
	}
	return t
}

// chosenCluster is the cluster the operator named.
func (mp *mapper) chosenCluster(vm model.VM, name string) Choice {
	c := Choice{Source: vm.Cluster, SourceRef: vm.ClusterRef}
	if tc, ok := mp.dst.clusterByName[name]; ok {
		c.Target, c.TargetRef, c.How = tc.Name, tc.Ref, ByOperator
		return c
	}
	c.Why = fmt.Sprintf("the chosen cluster %s is not at the target site", name)
	return c
}

// host chooses the target host in the cluster: the one named, else the usable host with the
// most memory free once this selection's VMs placed before are counted (ties by name).
func (mp *mapper) host(vm model.VM, cluster Choice, name string) Choice {
	c := Choice{Source: vm.Host, SourceRef: vm.HostRef}
	if !cluster.Found() {
		c.Why = "no target cluster"
		return c
	}
	running := vm.Power == model.PoweredOn
	if name != "" {
		h, ok := mp.dst.hostByName[name]
		switch {
		case !ok:
			c.Why = fmt.Sprintf("the chosen host %s is not at the target site", name)
		case h.ClusterRef != cluster.TargetRef:
			c.Why = fmt.Sprintf("the chosen host %s is not in cluster %s", name, cluster.Target)
		default:
			c.Target, c.TargetRef, c.How = h.Name, h.Ref, ByOperator
			mp.placed[h.Ref.Value] += int64(vm.MemoryMiB)
		}
		return c
	}
	var best *model.Host
	var bestFree int64
	for _, h := range mp.dst.clusterHosts[cluster.TargetRef.Value] {
		if !usableHost(h, running) {
			continue
		}
		free := h.MemoryMiB - h.MemoryUsedMiB - mp.placed[h.Ref.Value]
		if best == nil || free > bestFree || (free == bestFree && h.Name < best.Name) {
			best, bestFree = h, free
		}
	}
	if best == nil {
		c.Why = fmt.Sprintf("cluster %s has no usable host", cluster.Target)
		return c
	}
	mp.placed[best.Ref.Value] += int64(vm.MemoryMiB)
	c.Target, c.TargetRef, c.How = best.Name, best.Ref, ByLoad
	return c
}

// chosenDatastore replaces a datastore choice with the one the operator named.
func (mp *mapper) chosenDatastore(c Choice, name string, cluster Choice) Choice {
	c.Target, c.TargetRef, c.How, c.Why, c.Shared = "", model.Ref{}, NotFound, "", false
	d, ok := mp.dst.dsByName[name]
	switch {
	case !ok:
		c.Why = fmt.Sprintf("the chosen datastore %s is not at the target site", name)
	case !d.Accessible || !mp.dst.mountedBy(d, cluster.TargetRef):
		c.Why = fmt.Sprintf("the chosen datastore %s is not mounted by the target hosts", name)
	default:
		c.Target, c.TargetRef, c.How = d.Name, d.Ref, ByOperator
		c.Shared = mp.sameStorage(c.SourceRef, c.Source, d)
	}
	return c
}

// chosenNetwork replaces a network choice with the port group the operator named.
func (mp *mapper) chosenNetwork(c Choice, name string) Choice {
	c.Target, c.TargetRef, c.How, c.Why = "", model.Ref{}, NotFound, ""
	if p, ok := mp.dst.pgByName[name]; ok {
		c.Target, c.TargetRef, c.How = p.Name, p.Ref, ByOperator
		return c
	}
	c.Why = fmt.Sprintf("the chosen port group %s is not at the target site", name)
	return c
}

// sameStorage reports whether the target datastore d is the source datastore itself, seen
// from the other vCenter: the same URL, or the same name when either URL is unknown.
func (mp *mapper) sameStorage(srcRef model.Ref, srcName string, d *model.Datastore) bool {
	if sd, ok := mp.src.dsByRef[srcRef.Value]; ok {
		if sd.URL != "" && d.URL != "" {
			return sd.URL == d.URL
		}
		srcName = sd.Name
	}
	return srcName != "" && srcName == d.Name
}

func (mp *mapper) cluster(vm model.VM) Choice {
	c := Choice{Source: vm.Cluster, SourceRef: vm.ClusterRef}
	if sc, ok := mp.src.clusterByRef[vm.ClusterRef.Value]; ok && c.Source == "" {
		c.Source = sc.Name
	}
	found := func(tc *model.Cluster, how How) Choice {
		c.Target, c.TargetRef, c.How = tc.Name, tc.Ref, how
		return c
	}
	if name, ok := mp.m.Clusters[c.Source]; ok && c.Source != "" {
		if tc, ok := mp.dst.clusterByName[name]; ok {
			return found(tc, ByConfig)
		}
		c.Why = fmt.Sprintf("the mapping sends cluster %s to %s, which the target site does not have", c.Source, name)
		return c
	}
	if tc, ok := mp.dst.clusterByName[c.Source]; ok && c.Source != "" {
		return found(tc, ByName)
	}
	if len(mp.dst.snap.Clusters) == 1 {
		return found(&mp.dst.snap.Clusters[0], ByOnly)
	}
	switch {
	case len(mp.dst.snap.Clusters) == 0:
		c.Why = "the target site has no cluster"
	case c.Source == "":
		c.Why = "the VM is on a standalone host and the target site has several clusters"
	default:
		c.Why = fmt.Sprintf("the target site has no cluster named %s and the mapping names none for it", c.Source)
	}
	return c
}

func (mp *mapper) datastore(ref model.Ref, name string, cluster Choice) Choice {
	c := Choice{Source: name, SourceRef: ref}
	if sd, ok := mp.src.dsByRef[ref.Value]; ok {
		c.Source = sd.Name
	}
	where := "the target site"
	if cluster.Found() {
		where = "cluster " + cluster.Target
	}
	usable := func(d *model.Datastore) bool { return d.Accessible && mp.dst.mountedBy(d, cluster.TargetRef) }
	found := func(d *model.Datastore, how How) Choice {
		c.Target, c.TargetRef, c.How, c.Shared = d.Name, d.Ref, how, mp.sameStorage(ref, c.Source, d)
		return c
	}
	if tname, ok := mp.m.Datastores[c.Source]; ok {
		d, ok := mp.dst.dsByName[tname]
		switch {
		case !ok:
			c.Why = fmt.Sprintf("the mapping sends datastore %s to %s, which the target site does not have", c.Source, tname)
		case !usable(d):
			c.Why = fmt.Sprintf("the mapping sends datastore %s to %s, which no host of %s mounts", c.Source, tname, where)
		default:
			return found(d, ByConfig)
		}
		return c
	}
	// The same storage mounted by the target hosts (same URL) keeps the disks where they are.
	if sd, ok := mp.src.dsByRef[ref.Value]; ok && sd.URL != "" {
		for i := range mp.dst.snap.Datastores {
			d := &mp.dst.snap.Datastores[i]
			if d.URL == sd.URL && usable(d) {
				return found(d, ByURL)
			}
		}
	}
	if d, ok := mp.dst.dsByName[c.Source]; ok && usable(d) {
		return found(d, ByName)
	}
	// The storage has to move: offer the roomiest datastore the target hosts mount.
	var best *model.Datastore
	for i := range mp.dst.snap.Datastores {
		d := &mp.dst.snap.Datastores[i]
		if usable(d) && (best == nil || d.FreeB > best.FreeB) {
			best = d
		}
	}
	if best != nil {
		return found(best, BySpace)
	}
	c.Why = fmt.Sprintf("no accessible datastore is mounted by %s", where)
	return c
}

func (mp *mapper) network(ref model.Ref, name string) Choice {
	c := Choice{Source: name, SourceRef: ref}
	if sp, ok := mp.src.pgByRef[ref.Value]; ok {
		c.Source, c.VLAN = sp.Name, sp.VLAN
	} else if sp, ok := mp.src.pgByName[name]; ok {
		c.VLAN = sp.VLAN
	}
	found := func(p *model.PortGroup, how How) Choice {
		c.Target, c.TargetRef, c.How = p.Name, p.Ref, how
		return c
	}
	if tname, ok := mp.m.PortGroups[c.Source]; ok {
		if p, ok := mp.dst.pgByName[tname]; ok {
			return found(p, ByConfig)
		}
		c.Why = fmt.Sprintf("the mapping sends port group %s to %s, which the target site does not have", c.Source, tname)
		return c
	}
	if p, ok := mp.dst.pgByName[c.Source]; ok && c.Source != "" {
		return found(p, ByName)
	}
	if p, ok := mp.dst.pgByVLAN[c.VLAN]; ok && c.VLAN > 0 {
		return found(p, ByVLAN)
	}
	if c.VLAN > 0 {
		c.Why = fmt.Sprintf("the target site has no port group named %s nor one on VLAN %d", c.Source, c.VLAN)
	} else {
		c.Why = fmt.Sprintf("the target site has no port group named %s, and its VLAN is not known", c.Source)
	}
	return c
}
