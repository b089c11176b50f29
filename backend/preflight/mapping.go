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
	ByVLAN   How = "vlan"   // a port group on the same VLAN id
	// ByOnly is a cluster chosen because it is the target site's only one.
	ByOnly How = "only"
	// BySpace is a datastore to move the storage to: the one mounted by the target cluster
	// with the most free space.
	BySpace How = "free-space"
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
	// Shared is, for a datastore, true when the target hosts mount the same datastore (same
	// name, standing for the same URL): the storage stays where it is.
	Shared bool `json:"shared,omitempty"`
}

// Found reports whether a target was chosen.
func (c Choice) Found() bool { return !c.TargetRef.IsZero() }

// Target is where one VM would go: its cluster, a datastore for each of its datastores and a
// port group for each of its networks, in the VM's order.
type Target struct {
	VM         model.VMKey `json:"vm"`
	Cluster    Choice      `json:"cluster"`
	Datastores []Choice    `json:"datastores"`
	Networks   []Choice    `json:"networks"`
}

// MapVM chooses the target of one VM moving from src to dst.
func MapVM(src, dst model.SiteSnapshot, m Mapping, vm model.VM) Target {
	return newMapper(src, dst, m).target(vm)
}

// MapVMs chooses the targets of several VMs, in their order.
func MapVMs(src, dst model.SiteSnapshot, m Mapping, vms []model.VM) []Target {
	mp := newMapper(src, dst, m)
	out := make([]Target, len(vms))
	for i, vm := range vms {
		out[i] = mp.target(vm)
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
	}
	for i := range s.Hosts {
		h := &s.Hosts[i]
		x.hostByRef[h.Ref.Value] = h
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
}

func newMapper(src, dst model.SiteSnapshot, m Mapping) *mapper {
	return &mapper{src: newSiteIndex(&src), dst: newSiteIndex(&dst), m: m}
}

func (mp *mapper) target(vm model.VM) Target {
	t := Target{VM: vm.Key, Cluster: mp.cluster(vm)}
	for i, ref := range vm.DatastoreRefs {
		name := ""
		if i < len(vm.Datastores) {
			name = vm.Datastores[i]
		}
		t.Datastores = append(t.Datastores, mp.datastore(ref, name, t.Cluster))
	}
	for i, ref := range vm.NetworkRefs {
		name := ""
		if i < len(vm.Networks) {
			name = vm.Networks[i]
		}
		t.Networks = append(t.Networks, mp.network(ref, name))
	}
	return t
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
		c.Target, c.TargetRef, c.How, c.Shared = d.Name, d.Ref, how, d.Name == c.Source
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
