package backend

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// detailsBatchSize is how many VMs one batched details fetch asks for in one filter.
const detailsBatchSize = 100

// detailsBatchWorkers is how many batches of one DetailsMany are read at once.
const detailsBatchWorkers = 4

// DetailsMany is Details for many VMs: those cached at their current change version come
// from the cache, the others are read in batches of up to 100 VMs a property collector call
// (one Engine.Call a batch, a few batches at once) and cached. A VM whose details could not
// be read is absent from the result; the error then joins why (a *VMGoneError for each VM
// that is gone, matching ErrVMGone; a *SiteError for each batch that failed).
func (e *Engine) DetailsMany(ctx context.Context, who model.Operator, keys []model.VMKey) (map[model.VMKey]model.VMDetails, error) {
	if !who.Role.AtLeast(model.RoleViewer) {
		return nil, &model.RefusedError{Command: "details", Operator: who, Reason: "no role"}
	}
	st := e.Snapshot()
	out := make(map[model.VMKey]model.VMDetails, len(keys))
	type batch struct {
		site model.SiteID
		snap model.SiteSnapshot
		keys []model.VMKey
	}
	var (
		batches []batch
		errs    []error
		misses  = map[model.SiteID][]model.VMKey{}
		sites   []model.SiteID
		seen    = make(map[model.VMKey]bool, len(keys))
	)
	snaps := map[model.SiteID]model.SiteSnapshot{}
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		snap, ok := snaps[k.Site]
		if !ok {
			if snap, ok = st.Site(k.Site); !ok {
				errs = append(errs, fmt.Errorf("%q: %w", k.Site, ErrUnknownSite))
				continue
			}
			snaps[k.Site] = snap
			sites = append(sites, k.Site)
		}
		if vm, listed := snap.VM(k.MoRef); listed {
			if d, ok := e.details.get(k, vm.ChangeVersion, vm.Snapshots); ok {
				out[k] = d
				continue
			}
		}
		misses[k.Site] = append(misses[k.Site], k)
	}
	for _, id := range sites {
		m := misses[id]
		for i := 0; i < len(m); i += detailsBatchSize {
			batches = append(batches, batch{site: id, snap: snaps[id], keys: m[i:min(i+detailsBatchSize, len(m))]})
		}
	}

	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		next = make(chan batch)
	)
	for range min(detailsBatchWorkers, len(batches)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				var (
					got    map[model.VMKey]model.VMDetails
					failed map[model.VMKey]error
				)
				err := e.Call(ctx, b.site, "details", 0, func(ctx context.Context, c *vim25.Client) error {
					var err error
					got, failed, err = fetchDetailsBatch(ctx, c, b.keys, b.snap)
					return err
				})
				for _, d := range got {
					e.details.put(d)
				}
				mu.Lock()
				for k, d := range got {
					out[k] = d
				}
				for _, k := range b.keys { // in order, for a stable error
					if ferr, ok := failed[k]; ok {
						if errors.Is(ferr, ErrVMGone) {
							e.details.forget(k)
						}
						errs = append(errs, ferr)
					}
				}
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	for _, b := range batches {
		next <- b
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

// detailsBatchFilter is detailsFilter for many VMs at once: one ObjectSpec per VM, each
// traversing to the VM's datastores and networks, and the same property paths.
func detailsBatchFilter(refs []types.ManagedObjectReference) types.PropertyFilterSpec {
	spec := detailsFilter(types.ManagedObjectReference{})
	one := spec.ObjectSet[0]
	spec.ObjectSet = make([]types.ObjectSpec, len(refs))
	for i, ref := range refs {
		os := one
		os.Obj = ref
		spec.ObjectSet[i] = os
	}
	return spec
}

// fetchDetailsBatch reads the details of many VMs of one site, in one RetrievePropertiesEx
// (continued while the server pages) for each detailsBatchSize of them. snap is as for
// fetchDetails. It returns the details read and, by VM, why a VM has none: a *VMGoneError
// for a VM that no longer exists, a *SiteError when its properties could not be loaded. The
// last result is for a call that failed as a whole (a *SiteError); the VMs of the batches
// not read then appear in neither map.
func fetchDetailsBatch(ctx context.Context, c *vim25.Client, keys []model.VMKey, snap model.SiteSnapshot) (map[model.VMKey]model.VMDetails, map[model.VMKey]error, error) {
	out := make(map[model.VMKey]model.VMDetails, len(keys))
	errs := map[model.VMKey]error{}
	for start := 0; start < len(keys); start += detailsBatchSize {
		chunk := keys[start:min(start+detailsBatchSize, len(keys))]
		if err := fetchDetailsChunk(ctx, c, chunk, snap, out, errs); err != nil {
			return out, errs, err
		}
	}
	return out, errs, nil
}

// fetchDetailsChunk reads the VMs keys (at most a batch) into out and errs. A VM deleted
// since the inventory listed it fails the whole call (ManagedObjectNotFound names it): it is
// marked gone and the call repeated without it.
func fetchDetailsChunk(ctx context.Context, c *vim25.Client, keys []model.VMKey, snap model.SiteSnapshot,
	out map[model.VMKey]model.VMDetails, errs map[model.VMKey]error) error {
	if len(keys) == 0 {
		return nil
	}
	site := keys[0].Site
	gone := func(k model.VMKey) *VMGoneError {
		name := k.MoRef
		if vm, ok := snap.VM(k.MoRef); ok && vm.Name != "" {
			name = vm.Name
		}
		return &VMGoneError{Key: k, Name: name}
	}
	byRef := make(map[types.ManagedObjectReference]model.VMKey, len(keys))
	for _, k := range keys {
		if _, done := out[k]; done {
			continue
		}
		byRef[types.ManagedObjectReference{Type: "VirtualMachine", Value: k.MoRef}] = k
	}

	pc := property.DefaultCollector(c)
	start := time.Now()
	var res *types.RetrievePropertiesResponse
	for len(byRef) > 0 {
		refs := make([]types.ManagedObjectReference, 0, len(byRef))
		for _, k := range keys { // in the caller's order
			ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: k.MoRef}
			if _, ok := byRef[ref]; ok {
				refs = append(refs, ref)
			}
		}
		var err error
		res, err = pc.RetrieveProperties(ctx, types.RetrieveProperties{
			This:    pc.Reference(),
			SpecSet: []types.PropertyFilterSpec{detailsBatchFilter(refs)},
		})
		if err == nil {
			break
		}
		if ref, ok := notFoundObj(err); ok {
			if k, mine := byRef[ref]; mine {
				errs[k] = gone(k)
				delete(byRef, ref)
				res = nil
				continue
			}
		}
		timeout := defaultSiteOptions().callTimeout // a guess: the caller set no deadline
		if dl, ok := ctx.Deadline(); ok {
			timeout = dl.Sub(start).Round(time.Millisecond)
		}
		addr := "vCenter"
		if u := c.URL(); u != nil {
			addr = u.Host
		}
		msg, permanent := describe(err, addr, timeout)
		return &SiteError{Site: site, Op: fmt.Sprintf("details of %d VMs", len(byRef)), Msg: msg, Err: err, Permanent: permanent}
	}
	if res == nil {
		return nil // every VM of the chunk is gone
	}

	var (
		vmContents []*types.ObjectContent
		extraDS    []model.Datastore
		extraPG    []model.PortGroup
	)
	for i := range res.Returnval {
		oc := &res.Returnval[i]
		switch {
		case oc.Obj.Type == "VirtualMachine":
			if _, ok := byRef[oc.Obj]; ok {
				vmContents = append(vmContents, oc)
			}
		case oc.Obj.Type == "Datastore":
			extraDS = append(extraDS, model.Datastore{Ref: refOf(oc.Obj), Name: propString(oc, "name")})
		default: // a network of some kind
			pg := model.PortGroup{Ref: refOf(oc.Obj), Name: propString(oc, "name")}
			for _, p := range oc.PropSet {
				if p.Name == "config.defaultPortConfig" {
					pg.VLAN = portVLAN(p.Val)
				}
			}
			extraPG = append(extraPG, pg)
		}
	}
	names := withExtras(snap, extraDS, extraPG)
	now := time.Now()
	seen := make(map[model.VMKey]bool, len(vmContents))
	for _, oc := range vmContents {
		k := byRef[oc.Obj]
		seen[k] = true
		notFound := false
		for _, m := range oc.MissingSet {
			if isNotFound(m.Fault.Fault) {
				notFound = true
			}
		}
		if notFound {
			errs[k] = gone(k)
			continue
		}
		// A property the server could not read (a VM being created has no config yet) is
		// left out rather than failing the whole view.
		oc.MissingSet = nil
		var vm mo.VirtualMachine
		if err := mo.LoadObjectContent([]types.ObjectContent{*oc}, &vm); err != nil {
			errs[k] = &SiteError{Site: site, Op: "details of " + gone(k).Name, Msg: err.Error(), Err: err}
			continue
		}
		d := detailsFrom(k, vm, names)
		d.FetchedAt = now
		out[k] = d
	}
	for _, k := range byRef {
		if !seen[k] {
			errs[k] = gone(k)
		}
	}
	return nil
}

// notFoundObj returns the object of a ManagedObjectNotFound fault.
func notFoundObj(err error) (types.ManagedObjectReference, bool) {
	if soap.IsSoapFault(err) {
		switch f := soap.ToSoapFault(err).VimFault().(type) {
		case types.ManagedObjectNotFound:
			return f.Obj, true
		case *types.ManagedObjectNotFound:
			return f.Obj, true
		}
	}
	var f *types.ManagedObjectNotFound
	if _, ok := fault.As(err, &f); ok && f != nil {
		return f.Obj, true
	}
	return types.ManagedObjectReference{}, false
}
