package lab

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// switchover ends a relocation whose copy is done: the VM's files move where its storage
// moves, then, under the task's lock, the VM is copied into the target registry and removed
// from the source, and the task succeeds. A CancelTask that came first wins: nothing changes.
func (mv *mover) switchover(ctx *simulator.Context, m *move, p *placement) *taskFault {
	sreg := m.src.model.Map()
	dctx := p.dst.relocateContext()
	files, err := mv.copyFiles(ctx, dctx, p, m)
	if err != nil {
		files.rollback()
		return &taskFault{&types.FileFault{File: err.Error()}, "Unable to copy the virtual machine's files to the destination: " + err.Error()}
	}
	var fault *taskFault
	done := false
	sreg.WithLock(ctx, m.task, func() {
		if m.task.Info.State != types.TaskInfoStateRunning {
			return
		}
		if m.cancel.Load() {
			fault = &taskFault{&types.RequestCanceled{}, "The task was canceled by a user."}
			return
		}
		moved, f := mv.copyVM(ctx, dctx, m, p)
		if f != nil {
			fault = f
			return
		}
		mv.finishLocked(ctx, m, nil, &moved)
		done = true
	})
	if done {
		files.removeSources()
	} else {
		files.rollback()
	}
	return fault
}

// vmPlace is where a VM is in its registry: the objects whose lists name it.
type vmPlace struct {
	folder, pool, host types.ManagedObjectReference
	datastores         []types.ManagedObjectReference
	networks           []types.ManagedObjectReference
	cpu, mem           int32 // what it adds to its host's quick stats
}

// copyVM copies the VM into the target registry with a new MoRef and removes it from the
// source, announcing every list it joins and leaves. It returns the VM's MoRef at the target.
func (mv *mover) copyVM(ctx, dctx *simulator.Context, m *move, p *placement) (types.ManagedObjectReference, *taskFault) {
	sreg, dreg := m.src.model.Map(), p.dst.model.Map()

	// The VM as it is now, and its snapshots.
	var nvm *simulator.VirtualMachine
	var old vmPlace
	sreg.WithLock(ctx, m.vm, func() {
		if sreg.Get(m.vm.Self) == nil {
			return
		}
		nvm = new(simulator.VirtualMachine)
		*nvm = *m.vm // the simulator's own fields: its log file, world ID
		nvm.VirtualMachine = *simulator.Checkpoint(m.vm).(*mo.VirtualMachine)
		nvm.DataSets = maps.Clone(m.vm.DataSets)
		old = placeOf(&nvm.VirtualMachine)
	})
	if nvm == nil {
		return types.ManagedObjectReference{}, notFound(m.vm.Self, "the source vCenter")
	}
	if on := nvm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn; on != p.hot {
		want := types.VirtualMachinePowerStatePoweredOn
		if !p.hot {
			want = types.VirtualMachinePowerStatePoweredOff
		}
		return types.ManagedObjectReference{}, &taskFault{&types.InvalidPowerState{RequestedState: want, ExistingState: nvm.Runtime.PowerState},
			fmt.Sprintf("The attempted operation cannot be performed in the current state (%s): the virtual machine's power state changed during the migration.", nvm.Runtime.PowerState)}
	}
	var oldSnaps []types.ManagedObjectReference
	if nvm.Snapshot != nil {
		walkSnapshots(nvm.Snapshot.RootSnapshotList, func(t *types.VirtualMachineSnapshotTree) { oldSnaps = append(oldSnaps, t.Snapshot) })
	}
	snapMap := map[types.ManagedObjectReference]types.ManagedObjectReference{}
	var newSnaps []*simulator.VirtualMachineSnapshot
	for _, ref := range oldSnaps {
		s, ok := sreg.Get(ref).(*simulator.VirtualMachineSnapshot)
		if !ok {
			continue
		}
		var c *simulator.VirtualMachineSnapshot
		sreg.WithLock(ctx, s, func() {
			c = &simulator.VirtualMachineSnapshot{
				VirtualMachineSnapshot: *simulator.Checkpoint(s).(*mo.VirtualMachineSnapshot),
				DataSets:               maps.Clone(s.DataSets),
			}
		})
		c.Self = types.ManagedObjectReference{}
		dreg.Put(c) // gives it its MoRef at the target
		snapMap[ref] = c.Self
		newSnaps = append(newSnaps, c)
	}

	// The copy, as the target sees it.
	dreg.NewEntity(nvm)
	self := nvm.Self
	retarget(nvm, p, snapMap)
	for _, s := range newSnaps {
		dreg.WithLock(dctx, s, func() {
			s.Vm = self
			for i, c := range s.ChildSnapshot {
				if n, ok := snapMap[c]; ok {
					s.ChildSnapshot[i] = n
				}
			}
		})
	}
	now := placeOf(&nvm.VirtualMachine)

	// Into the target's lists first, so that container views find it when it is registered.
	edits := listEdits(dreg, now)
	for _, e := range edits {
		dreg.WithLock(dctx, e.obj, func() { *e.field = append(slices.Clone(*e.field), self) })
	}
	dreg.Put(nvm)
	for _, e := range edits {
		dreg.WithLock(dctx, e.obj, func() { dreg.Update(dctx, e.obj, []types.PropertyChange{{Name: e.prop, Val: *e.field}}) })
	}
	adjustHost(dreg, dctx, now, 1)

	// Out of the source.
	for _, e := range listEdits(sreg, old) {
		sreg.WithLock(ctx, e.obj, func() {
			list := slices.DeleteFunc(slices.Clone(*e.field), func(r types.ManagedObjectReference) bool { return r == m.vm.Self })
			sreg.Update(ctx, e.obj, []types.PropertyChange{{Name: e.prop, Val: list}})
		})
	}
	adjustHost(sreg, ctx, old, -1)
	sreg.Remove(ctx, m.vm.Self)
	for _, ref := range oldSnaps {
		sreg.Remove(ctx, ref)
	}
	return self, nil
}

// placeOf is where a VM's own fields put it.
func placeOf(vm *mo.VirtualMachine) vmPlace {
	p := vmPlace{datastores: slices.Clone(vm.Datastore), networks: slices.Clone(vm.Network)}
	if vm.Parent != nil {
		p.folder = *vm.Parent
	}
	if vm.ResourcePool != nil {
		p.pool = *vm.ResourcePool
	}
	if vm.Runtime.Host != nil {
		p.host = *vm.Runtime.Host
	}
	if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
		p.cpu, p.mem = vm.Summary.QuickStats.OverallCpuUsage, vm.Summary.QuickStats.HostMemoryUsage
	}
	return p
}

// listEdit is a list of VMs that names a VM: a folder's children, a pool's, host's,
// datastore's or network's VMs.
type listEdit struct {
	obj   mo.Reference
	prop  string
	field *[]types.ManagedObjectReference
}

func listEdits(reg *simulator.Registry, p vmPlace) []listEdit {
	var out []listEdit
	if f, ok := reg.Get(p.folder).(*simulator.Folder); ok {
		out = append(out, listEdit{f, "childEntity", &f.ChildEntity})
	}
	if rp, ok := reg.Get(p.pool).(*simulator.ResourcePool); ok {
		out = append(out, listEdit{rp, "vm", &rp.Vm})
	}
	if h, ok := reg.Get(p.host).(*simulator.HostSystem); ok {
		out = append(out, listEdit{h, "vm", &h.Vm})
	}
	for _, ref := range p.datastores {
		if ds, ok := reg.Get(ref).(*simulator.Datastore); ok {
			out = append(out, listEdit{ds, "vm", &ds.Vm})
		}
	}
	for _, ref := range p.networks {
		switch n := reg.Get(ref).(type) {
		case *simulator.DistributedVirtualPortgroup:
			out = append(out, listEdit{n, "vm", &n.Vm})
		case *mo.Network:
			out = append(out, listEdit{n, "vm", &n.Vm})
		}
	}
	return out
}

// adjustHost adds (sign 1) or takes (sign -1) a running VM's CPU and memory use to or from
// its host's quick stats.
func adjustHost(reg *simulator.Registry, ctx *simulator.Context, p vmPlace, sign int32) {
	h, ok := reg.Get(p.host).(*simulator.HostSystem)
	if !ok || (p.cpu == 0 && p.mem == 0) {
		return
	}
	reg.WithLock(ctx, h, func() {
		qs := h.Summary.QuickStats
		reg.Update(ctx, h, []types.PropertyChange{
			{Name: "summary.quickStats.overallCpuUsage", Val: max(qs.OverallCpuUsage+sign*p.cpu, 0)},
			{Name: "summary.quickStats.overallMemoryUsage", Val: max(qs.OverallMemoryUsage+sign*p.mem, 0)},
		})
	})
}

func walkSnapshots(list []types.VirtualMachineSnapshotTree, f func(*types.VirtualMachineSnapshotTree)) {
	for i := range list {
		f(&list[i])
		walkSnapshots(list[i].ChildSnapshotList, f)
	}
}

// swapDatastore rewrites a "[from] path" file name to "[to] path".
func swapDatastore(file, from, to string) string {
	if prefix := "[" + from + "]"; strings.HasPrefix(file, prefix) {
		return "[" + to + "]" + file[len(prefix):]
	}
	return file
}

// retarget makes a copy of the source VM the target's: its folder, pool, host and
// environment browser; its disks' and files' datastores; its network adapters' backings;
// its snapshots' MoRefs. Name, UUIDs, devices, power state, runtime, guest and
// configuration stay as they are.
func retarget(vm *simulator.VirtualMachine, p *placement, snaps map[types.ManagedObjectReference]types.ManagedObjectReference) {
	self := vm.Self
	ref := func(r types.ManagedObjectReference) *types.ManagedObjectReference { return &r }
	vm.Parent = ref(p.folder.Self)
	vm.ResourcePool = ref(p.pool.Self)
	vm.Runtime.Host = ref(p.host.Self)
	vm.Summary.Runtime = vm.Runtime
	vm.Summary.Vm = ref(self)
	if p.cr.EnvironmentBrowser != nil {
		vm.EnvironmentBrowser = *p.cr.EnvironmentBrowser
	}
	vm.RecentTask = nil
	vm.TriggeredAlarmState = nil
	if vm.ResourceConfig != nil {
		vm.ResourceConfig.Entity = ref(self)
	}

	homeFrom, homeTo := p.home.src.Name, p.home.dst.Name
	files := map[string]string{} // disk files whose datastore changes
	datastores := []types.ManagedObjectReference{p.home.dst.Self}
	var networks []types.ManagedObjectReference
	for _, d := range vm.Config.Hardware.Device {
		switch dev := d.(type) {
		case *types.VirtualDisk:
			dm, ok := p.disks[dev.Key]
			if !ok {
				continue
			}
			datastores = append(datastores, dm.dst.Self)
			move := func(info *types.VirtualDeviceFileBackingInfo) {
				n := swapDatastore(info.FileName, dm.src.Name, dm.dst.Name)
				files[info.FileName] = n
				info.FileName, info.Datastore = n, ref(dm.dst.Self)
			}
			switch b := dev.Backing.(type) {
			case *types.VirtualDiskFlatVer2BackingInfo:
				for ; b != nil; b = b.Parent {
					move(&b.VirtualDeviceFileBackingInfo)
				}
			case types.BaseVirtualDeviceFileBackingInfo:
				move(b.GetVirtualDeviceFileBackingInfo())
			}
		case types.BaseVirtualEthernetCard:
			for _, n := range p.nics {
				if n.key == dev.GetVirtualEthernetCard().Key {
					dev.GetVirtualEthernetCard().Backing = n.backing
					networks = append(networks, n.ref)
				}
			}
		case *types.VirtualCdrom:
			if iso, ok := dev.Backing.(*types.VirtualCdromIsoBackingInfo); ok && iso.Datastore != nil {
				if ds, ok := p.dsMap[*iso.Datastore]; ok {
					iso.FileName, iso.Datastore = swapDatastore(iso.FileName, datastorePathName(iso.FileName), ds.Name), ref(ds.Self)
				} else {
					iso.Datastore = nil
				}
			}
		}
	}
	rename := func(file string) string {
		if n, ok := files[file]; ok {
			return n
		}
		return swapDatastore(file, homeFrom, homeTo)
	}
	renameAll := func(list []string) {
		for i := range list {
			list[i] = rename(list[i])
		}
	}

	vm.Datastore = dedupe(datastores)
	vm.Network = dedupe(networks)
	if f := &vm.Config.Files; f.VmPathName != "" {
		f.VmPathName = rename(f.VmPathName)
		f.SnapshotDirectory = rename(f.SnapshotDirectory)
		f.SuspendDirectory = rename(f.SuspendDirectory)
		f.LogDirectory = rename(f.LogDirectory)
		vm.Summary.Config.VmPathName = f.VmPathName
	}
	vm.Config.DatastoreUrl = nil
	for _, r := range vm.Datastore {
		for _, ds := range append([]*simulator.Datastore{p.home.dst}, diskTargets(p)...) {
			if ds.Self == r && ds.Info != nil {
				vm.Config.DatastoreUrl = append(vm.Config.DatastoreUrl, types.VirtualMachineConfigInfoDatastoreUrlPair{Name: ds.Name, Url: ds.Info.GetDatastoreInfo().Url})
				break
			}
		}
	}
	if l := vm.LayoutEx; l != nil {
		for i := range l.File {
			l.File[i].Name = rename(l.File[i].Name)
		}
		for i := range l.Snapshot {
			if n, ok := snaps[l.Snapshot[i].Key]; ok {
				l.Snapshot[i].Key = n
			}
		}
	}
	if l := vm.Layout; l != nil {
		renameAll(l.ConfigFile)
		renameAll(l.LogFile)
		l.SwapFile = rename(l.SwapFile)
		for i := range l.Disk {
			renameAll(l.Disk[i].DiskFile)
		}
		for i := range l.Snapshot {
			renameAll(l.Snapshot[i].SnapshotFile)
			if n, ok := snaps[l.Snapshot[i].Key]; ok {
				l.Snapshot[i].Key = n
			}
		}
	}
	if s := vm.Storage; s != nil {
		var usage []types.VirtualMachineUsageOnDatastore
		for _, u := range s.PerDatastoreUsage {
			if ds, ok := p.dsMap[u.Datastore]; ok {
				u.Datastore = ds.Self
				usage = append(usage, u)
			}
		}
		s.PerDatastoreUsage = usage
	}
	if s := vm.Snapshot; s != nil {
		if s.CurrentSnapshot != nil {
			if n, ok := snaps[*s.CurrentSnapshot]; ok {
				s.CurrentSnapshot = ref(n)
			}
		}
		walkSnapshots(s.RootSnapshotList, func(t *types.VirtualMachineSnapshotTree) {
			t.Vm = self
			if n, ok := snaps[t.Snapshot]; ok {
				t.Snapshot = n
			}
		})
	}
	for i, r := range vm.RootSnapshot {
		if n, ok := snaps[r]; ok {
			vm.RootSnapshot[i] = n
		}
	}
}

func diskTargets(p *placement) []*simulator.Datastore {
	var out []*simulator.Datastore
	for _, dm := range p.disks {
		out = append(out, dm.dst)
	}
	return out
}

// fileMove is what a relocation did to the datastores' directories: the files and
// directories it created at the target, and those it will remove from the source once the
// VM has switched over.
type fileMove struct {
	created []string
	sources []string
}

func (f *fileMove) rollback() {
	for _, p := range slices.Backward(f.created) {
		_ = os.RemoveAll(p)
	}
}

func (f *fileMove) removeSources() {
	for _, p := range f.sources {
		_ = os.RemoveAll(p)
	}
}

// copyFiles copies the VM's directory when its home datastore moves (to another URL), and the
// files of each disk that moves on its own. The simulator's disks are small files.
func (mv *mover) copyFiles(ctx, dctx *simulator.Context, p *placement, m *move) (*fileMove, error) {
	sreg, dreg := m.src.model.Map(), p.dst.model.Map()
	out := &fileMove{}
	var vmx string
	var disks []struct {
		key  int32
		file string
	}
	sreg.WithLock(ctx, m.vm, func() {
		if m.vm.Config == nil {
			return
		}
		vmx = m.vm.Config.Files.VmPathName
		for _, d := range m.vm.Config.Hardware.Device {
			if disk, ok := d.(*types.VirtualDisk); ok {
				if fb, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
					disks = append(disks, struct {
						key  int32
						file string
					}{disk.Key, fb.GetVirtualDeviceFileBackingInfo().FileName})
				}
			}
		}
	})
	rel := func(file string) string {
		_, r, _ := strings.Cut(file, "] ")
		return path.Clean(r)
	}
	homeDir := path.Dir(rel(vmx))
	if p.home.moves && homeDir != "." && homeDir != "/" && !strings.HasPrefix(homeDir, "..") {
		from := filepath.Join(datastoreURL(sreg, ctx, p.home.src), filepath.FromSlash(homeDir))
		to := filepath.Join(datastoreURL(dreg, dctx, p.home.dst), filepath.FromSlash(homeDir))
		if _, err := os.Stat(from); err == nil {
			if err := copyTree(from, to, out); err != nil {
				return out, err
			}
			out.sources = append(out.sources, from)
		}
	}
	for _, d := range disks {
		dm, ok := p.disks[d.key]
		r := rel(d.file)
		if !ok || !dm.moves || (dm.src == p.home.src && path.Dir(r) == homeDir) {
			continue
		}
		for _, name := range []string{r, simulator.VirtualDiskBackingFileName(r)} {
			from := filepath.Join(datastoreURL(sreg, ctx, dm.src), filepath.FromSlash(name))
			to := filepath.Join(datastoreURL(dreg, dctx, dm.dst), filepath.FromSlash(name))
			if _, err := os.Stat(from); err != nil {
				continue
			}
			if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
				return out, err
			}
			if err := copyFile(from, to, out); err != nil {
				return out, err
			}
			out.sources = append(out.sources, from)
		}
	}
	return out, nil
}

func copyTree(from, to string, out *fileMove) error {
	if _, err := os.Stat(to); err != nil {
		if err := os.MkdirAll(to, 0o700); err != nil {
			return err
		}
		out.created = append(out.created, to)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		src, dst := filepath.Join(from, e.Name()), filepath.Join(to, e.Name())
		if e.IsDir() {
			if err := copyTree(src, dst, out); err != nil {
				return err
			}
			continue
		}
		if err := copyFile(src, dst, out); err != nil {
			return err
		}
	}
	return nil
}

// largeFile is the size above which copyFile makes a sparse file of the same size instead of
// copying the bytes (the simulator's files are small; a disk a test made large need not be).
const largeFile = 16 << 20

func copyFile(from, to string, out *fileMove) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	w, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	out.created = append(out.created, to)
	if fi.Size() > largeFile {
		err = w.Truncate(fi.Size())
	} else {
		_, err = io.Copy(w, in)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}
