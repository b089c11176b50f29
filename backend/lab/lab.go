// Package lab runs the embedded two-site lab: two simulated vCenters (govmomi's vcsim) in one
// process, each serving HTTPS on 127.0.0.1 with its own certificate, inventory and instance
// UUID, populated like a real two-site estate. vmcross, govc or any vSphere client can talk to
// them as to real vCenters.
//
// The inventory is the same on every start: names, placement, devices, power states and the
// managed object references of everything the lab builds.
package lab

import (
	"cmp"
	"context"
	"crypto/sha1"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/config"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric/sim"
	"github.com/vmcross/vmcross/internal/vcsimlock"
)

// Options tune the lab.
type Options struct {
	// VMs is the number of VMs of the whole lab, both sites together, from MinVMs to MaxVMs:
	// each site gets half (site A the odd one), its named VMs (the ones later features depend
	// on) among them, and generic VMs of every role, spread over its hosts, fill the rest;
	// a site whose named VMs are more than its half keeps them all, the other site gets the
	// remainder. 0 means VMsPerSite at each site, or the standard estate (DefaultVMs). A
	// number below MinVMs is raised to it; above MaxVMs, Start fails.
	VMs int
	// VMsPerSite, when VMs is 0, is the number of VMs at each site; 0 means 80 (DefaultVMs in
	// all). A number below a site's named VMs is raised to their count.
	VMsPerSite int
	// SwitchBasePort, when set, puts the four simulated switches on consecutive ports from
	// it (so a presenter can type `ssh -p 2201 admin@127.0.0.1`); if any is taken they get
	// random ports instead. 0 means random ports.
	SwitchBasePort int
	// Speed scales the time of the lab's vMotions (see vmotion.go): the model runs in
	// simulated seconds, real seconds × Speed. 1, or 0, is real time: a powered-on VM with
	// 4 GiB of memory crosses the default DCI (9.4 Gbps for one move) in about 4 s. Tests
	// raise it to finish sooner, demos may lower it to watch a move longer.
	Speed float64
	// MoveSeconds, when set, makes every cross-vCenter move take that many simulated seconds
	// while the DCI carries it (it stalls while the DCI is down), whatever the VM's memory
	// and disks and however many move at once: a scheduler's benchmark then has an ideal it
	// can compute (EvacuationBoundFixed). 0: the lab's vMotion model (vmotion.go).
	MoveSeconds float64

	// everyVMByTask makes every VM through the simulator's tasks, none as a copy (tests
	// compare the two).
	everyVMByTask bool
}

// DefaultVMs is the number of VMs of the standard estate, both sites together.
const DefaultVMs = 2 * defaultVMsPerSite

// MaxVMs is the most VMs a lab may have, both sites together. 10,000 are ready in one to
// two seconds on two cores and hold about 125 MiB of heap, and some 60,000 small files in
// the scratch directory.
const MaxVMs = 20_000

// MinVMs is the fewest VMs a lab may have, both sites together: its named VMs, the ones
// later features depend on.
func MinVMs() int {
	n := 0
	for _, bp := range blueprints() {
		n += len(bp.special)
	}
	return n
}

// siteVMs splits the lab's VMs between its sites, in the order of blueprints() (see
// Options.VMs and Options.VMsPerSite).
func siteVMs(opts Options) ([]int, error) {
	bps := blueprints()
	out := make([]int, len(bps))
	total := opts.VMs
	if total == 0 {
		for i, bp := range bps {
			out[i] = max(cmp.Or(opts.VMsPerSite, defaultVMsPerSite), len(bp.special))
		}
		return out, nil
	}
	if total > MaxVMs {
		return nil, fmt.Errorf("%d VMs: the lab takes %d to %d", total, MinVMs(), MaxVMs)
	}
	total = max(total, MinVMs())
	// Half each, site A the odd one; then each site at least its named VMs, taken from the
	// other site's generic VMs.
	for i := range out {
		out[i] = total / len(out)
		if i < total%len(out) {
			out[i]++
		}
	}
	for i, bp := range bps {
		if short := len(bp.special) - out[i]; short > 0 {
			out[i] += short
			for j := range out {
				if j != i {
					take := min(short, out[j]-len(bps[j].special))
					out[j] -= take
					short -= take
				}
			}
		}
	}
	return out, nil
}

// sitePlan is what Start asks of one site's builder.
type sitePlan struct {
	vms              int   // the site's VMs
	metroProvisioned int64 // what the VMs of both sites provision on the stretched datastore
	everyVMByTask    bool  // see Options
}

// DefaultSwitchBasePort is where `vmcross` and `vmcross lab` put the lab's switches.
const DefaultSwitchBasePort = 2201

// Endpoint is everything a client needs to reach one lab vCenter.
type Endpoint struct {
	ID         model.SiteID
	Name       string // display name, e.g. "Miami (site A)"
	URL        string // https://127.0.0.1:PORT/sdk
	Username   string
	Password   string
	Thumbprint string // SHA-256 of the server certificate, upper-case colon-separated hex
	CertPEM    []byte // the self-signed server certificate; usable as a CA file
}

// Handler sees every SOAP call to a lab vCenter before the simulator dispatches it, like
// simulator.Registry.Handler: a non-nil fault fails it; a non-nil object handles the call
// instead of the registered one only for a call without a session (the simulator then looks
// the object up in the caller's session registry, which falls back to the main one: see
// relocate.go for how the lab puts a wrapper there). Neither leaves the call to the lab
// (which implements cross-vCenter RelocateVM_Task itself) and the simulator.
type Handler func(*simulator.Context, *simulator.Method) (mo.Reference, types.BaseMethodFault)

// Lab is a running two-site lab. Close it when done.
type Lab struct {
	dir    string
	sites  []*site
	fabric *sim.Fabric // the simulated DCI switches
	mover  *mover      // cross-vCenter relocations (relocate.go)
	once   sync.Once
}

type site struct {
	ep      Endpoint
	model   *simulator.Model
	server  *simulator.Server
	handler atomic.Pointer[Handler]
	mover   *mover // implements cross-vCenter RelocateVM_Task (relocate.go)

	mu         sync.Mutex
	collectors map[*simulator.PropertyCollector]string // that have long-polled, to session key
	feeds      map[*simulator.PropertyCollector]*feed  // the session collectors' feeds (collector.go)

	freezeMu sync.Mutex
	thawed   chan struct{} // non-nil while frozen; closed by Thaw
	closing  chan struct{} // closed when the site closes: frozen calls go on
	closed   bool
}

// scratchDir is where the simulator's datastores go: /dev/shm where there is one, since the
// simulator creates a directory and a few empty files for every VM and file creation
// dominated the start on disk (about half of its CPU time); else the system's temp dir.
func scratchDir() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", "vmcross-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return ""
}

// Start builds both sites and starts their servers on random ports of 127.0.0.1. ctx bounds
// the start only; the servers run until Close.
func Start(ctx context.Context, opts Options) (*Lab, error) {
	counts, err := siteVMs(opts)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	metro := metroProvisioned(counts)
	dir, err := os.MkdirTemp(scratchDir(), "vmcross-lab-")
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	bps := blueprints()
	l := &Lab{dir: dir, sites: make([]*site, len(bps))}
	l.mover = newMover(l, opts.Speed)
	l.mover.moveSeconds = max(opts.MoveSeconds, 0)
	var fabErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		l.fabric, fabErr = startSwitches(ctx, opts.SwitchBasePort)
	})
	// The models first: creating one excludes building the other (the simulator's
	// package globals, see createModel), so that both sites then build at once.
	errs := make([]error, len(bps))
	for i, bp := range bps {
		if l.sites[i], errs[i] = newSite(bp, l.mover); errs[i] != nil {
			break
		}
	}
	if errors.Join(errs...) == nil {
		for i, bp := range bps {
			wg.Go(func() {
				plan := sitePlan{vms: counts[i], metroProvisioned: metro, everyVMByTask: opts.everyVMByTask}
				errs[i] = l.sites[i].start(ctx, bp, plan, filepath.Join(dir, string(bp.id)), filepath.Join(dir, metroDatastore))
			})
		}
	}
	wg.Wait()
	if err := errors.Join(append(errs, fabErr)...); err != nil {
		l.Close()
		return nil, fmt.Errorf("lab: %w", err)
	}
	return l, nil
}

// startSwitches starts the simulated switches at basePort, or on random ports when that is
// 0 or a port there is taken (another lab, another program).
func startSwitches(ctx context.Context, basePort int) (*sim.Fabric, error) {
	ctx = context.WithoutCancel(ctx) // ctx bounds the start only; Close stops the switches
	if basePort > 0 {
		if f, err := sim.Start(ctx, sim.Options{BasePort: basePort}); err == nil {
			return f, nil
		}
	}
	return sim.Start(ctx, sim.Options{})
}

// Fabric returns the lab's simulated switches, for demos and tests that break the DCI.
func (l *Lab) Fabric() *sim.Fabric { return l.fabric }

// Speed is how many times faster than real time the lab's vMotions run (Options.Speed, 1 by
// default).
func (l *Lab) Speed() float64 { return l.mover.speed }

// newSite creates the simulator model of one site, empty. mv runs its cross-vCenter
// relocations.
func newSite(bp siteBlueprint, mv *mover) (*site, error) {
	model := simulator.VPX()
	model.Datacenter, model.Portgroup, model.Host, model.Cluster = 0, 0, 0, 0
	model.ClusterHost, model.Datastore, model.Machine = 0, 0, 0
	model.Autostart = false
	// The simulator serves the same instance UUID from every model unless it is set here.
	model.ServiceContent.About.InstanceUuid = nameUUID("vmcross-lab/" + string(bp.id))
	if err := createModel(model); err != nil {
		return nil, fmt.Errorf("%s: create model: %w", bp.id, err)
	}
	return &site{model: model, mover: mv, collectors: map[*simulator.PropertyCollector]string{},
		feeds: map[*simulator.PropertyCollector]*feed{}, closing: make(chan struct{})}, nil
}

// start builds the site as planned and serves it: its datastores are directories under
// dir, but for the stretched datastore, whose directory (metroDir) both sites share.
func (s *site) start(ctx context.Context, bp siteBlueprint, plan sitePlan, dir, metroDir string) error {
	model := s.model
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("%s: %w", bp.id, err)
	}
	simulatorGlobals.RLock()
	err := newBuilder(ctx, bp, plan, model, dir, metroDir).build()
	simulatorGlobals.RUnlock()
	if err != nil {
		return err
	}

	cert, x509Cert, err := selfSigned(bp.vcenter, bp.name)
	if err != nil {
		return fmt.Errorf("%s: certificate: %w", bp.id, err)
	}
	model.Map().Handler = s.intercept
	// The SOAP endpoint goes through serveSOAP, so Freeze can hold requests and answers.
	// A pattern with a method is more specific than the simulator's own "/sdk", which it
	// registers on this mux in NewServer.
	model.Service.ServeMux = http.NewServeMux()
	for _, p := range []string{model.Map().Path, model.Map().Path + "/vimService"} {
		model.Service.ServeMux.HandleFunc(http.MethodPost+" "+p, s.serveSOAP)
	}
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	model.Service.Listen = &url.URL{Host: "127.0.0.1:0", User: url.UserPassword(labUser, labPassword)}
	if err := func() (err error) {
		defer func() {
			if r := recover(); r != nil { // the simulator panics when it cannot listen
				err = fmt.Errorf("%v", r)
			}
		}()
		simulatorGlobals.Lock()
		defer simulatorGlobals.Unlock()
		s.server = model.Service.NewServer()
		// Clients that pin a thumbprint (govmomi, govc) first try ordinary verification and
		// abort that handshake; the server would log each one. No client knows the port yet.
		s.server.Config.ErrorLog = log.New(io.Discard, "", 0)
		return nil
	}(); err != nil {
		return fmt.Errorf("%s: start server: %w", bp.id, err)
	}

	s.ep = Endpoint{
		ID:         bp.id,
		Name:       bp.name,
		URL:        (&url.URL{Scheme: "https", Host: s.server.URL.Host, Path: "/sdk"}).String(),
		Username:   labUser,
		Password:   labPassword,
		Thumbprint: backend.ThumbprintOf(x509Cert.Raw),
		CertPEM:    certPEM(x509Cert),
	}
	return nil
}

// simulatorGlobals guards the simulator's package-level state, for every simulator of the
// process (the lab's and the tests' bare ones): see internal/vcsimlock.
var simulatorGlobals = &vcsimlock.Globals

// createModel creates the model and gives it a private copy of its vCenter settings, so that
// its server's URLs and its vcsim.home are its own.
func createModel(model *simulator.Model) error {
	simulatorGlobals.Lock()
	defer simulatorGlobals.Unlock()
	if err := model.Create(); err != nil {
		return err
	}
	om := model.Map().OptionManager()
	settings := make([]types.BaseOptionValue, len(om.Setting))
	for i, o := range om.Setting {
		v := *o.GetOptionValue()
		settings[i] = &v
	}
	om.Setting = settings
	return nil
}

// intercept is the registry's Handler: it remembers property collectors that long-poll, so
// Close can end their waits, and hands the call to the handler set by SetHandler, then, if
// that handler leaves it alone, to the lab's cross-vCenter relocation (relocate.go).
func (s *site) intercept(ctx *simulator.Context, m *simulator.Method) (mo.Reference, types.BaseMethodFault) {
	if ctx.Session != nil {
		switch m.Name {
		case "WaitForUpdatesEx", "WaitForUpdates":
			if pc, ok := ctx.Session.Get(m.This).(*simulator.PropertyCollector); ok {
				s.mu.Lock()
				s.collectors[pc] = ctx.Session.Key
				s.mu.Unlock()
			}
		case "Logout":
			// The session's long polls end first: see drainFeeds.
			s.drainFeeds(ctx.Session.Key, logoutDrain)
			s.mu.Lock()
			maps.DeleteFunc(s.collectors, func(_ *simulator.PropertyCollector, key string) bool { return key == ctx.Session.Key })
			s.mu.Unlock()
			s.forgetFeeds(ctx)
		case "CancelWaitForUpdates":
			s.cancelFeed(ctx, m)
		}
	}
	if h := s.handler.Load(); h != nil {
		if obj, fault := (*h)(ctx, m); obj != nil || fault != nil {
			return obj, fault
		}
	}
	if m.Name == "WaitForUpdatesEx" {
		// A session's own collector: the lab answers its plain changes (collector.go).
		if w := s.feedFor(ctx, m); w != nil {
			return w, nil
		}
	}
	if s.mover != nil {
		return s.mover.intercept(s, ctx, m)
	}
	return nil, nil
}

// serveSOAP serves a SOAP call through the simulator, unless the site is frozen: then the
// request waits before the simulator sees it, and the answer of a call already in the
// simulator waits before it is sent, until the site thaws, the client gives up or the lab
// closes.
func (s *site) serveSOAP(w http.ResponseWriter, r *http.Request) {
	if !s.waitThawed(r.Context()) {
		return // the client gave up: the simulator never sees the call
	}
	s.model.Service.ServeSDK(&heldWriter{ResponseWriter: w, site: s, ctx: r.Context()}, r)
}

// waitThawed waits while the site is frozen. It returns false if ctx ended first.
func (s *site) waitThawed(ctx context.Context) bool {
	s.freezeMu.Lock()
	thawed := s.thawed
	s.freezeMu.Unlock()
	if thawed == nil {
		return true
	}
	select {
	case <-thawed:
	case <-s.closing:
	case <-ctx.Done():
		return false
	}
	return true
}

// heldWriter holds a SOAP answer while its site is frozen, so that a call in flight when
// the site froze (a long poll, typically) is not answered either.
type heldWriter struct {
	http.ResponseWriter
	site *site
	ctx  context.Context
}

func (w *heldWriter) WriteHeader(code int) {
	w.site.waitThawed(w.ctx)
	w.ResponseWriter.WriteHeader(code)
}

func (w *heldWriter) Write(p []byte) (int, error) {
	w.site.waitThawed(w.ctx)
	return w.ResponseWriter.Write(p)
}

func (l *Lab) siteByID(id model.SiteID) *site {
	for _, s := range l.sites {
		if s != nil && s.ep.ID == id {
			return s
		}
	}
	return nil
}

// Freeze makes a site's vCenter stop answering, like a vCenter whose process is stopped or
// one behind a network black hole: every SOAP call (WaitForUpdatesEx and Login included)
// and every SOAP answer not yet sent waits until Thaw. Unlike a stopped process, the lab
// still completes TLS handshakes and serves its other HTTP paths (datastore files), so a
// client's connect waits on its first call instead of the handshake. A client that gives
// up ends its own call; Close ends them all. Freezing a frozen site, or naming no site of
// the lab, does nothing.
func (l *Lab) Freeze(id model.SiteID) {
	if s := l.siteByID(id); s != nil {
		s.freezeMu.Lock()
		if s.thawed == nil && !s.closed {
			s.thawed = make(chan struct{})
		}
		s.freezeMu.Unlock()
	}
}

// Thaw lets a frozen site answer again: the calls it held go on, in no particular order.
func (l *Lab) Thaw(id model.SiteID) {
	if s := l.siteByID(id); s != nil {
		s.thaw()
	}
}

func (s *site) thaw() {
	s.freezeMu.Lock()
	defer s.freezeMu.Unlock()
	if s.thawed != nil {
		close(s.thawed)
		s.thawed = nil
	}
}

// Endpoints returns the two vCenters, site A first.
func (l *Lab) Endpoints() []Endpoint {
	out := make([]Endpoint, len(l.sites))
	for i, s := range l.sites {
		out[i] = s.ep
	}
	return out
}

// Endpoint returns the vCenter of one site.
func (l *Lab) Endpoint(id model.SiteID) (Endpoint, bool) {
	for _, s := range l.sites {
		if s.ep.ID == id {
			return s.ep, true
		}
	}
	return Endpoint{}, false
}

// Config returns a vmcross configuration for the lab: passwords inline, thumbprints pinned,
// certificates verified.
func (l *Lab) Config() *config.Config {
	// The lab's clusters pair up by position: A-01 with B-01, A-02 with B-02.
	c := &config.Config{Mapping: config.Mapping{Clusters: map[string]string{}}}
	bps := blueprints()
	for i := range bps[0].clusters {
		if i < len(bps[1].clusters) {
			a, b := bps[0].clusters[i].name, bps[1].clusters[i].name
			c.Mapping.Clusters[a], c.Mapping.Clusters[b] = b, a
		}
	}
	for _, s := range l.sites {
		c.Sites = append(c.Sites, config.Site{
			ID:         string(s.ep.ID),
			Name:       s.ep.Name,
			URL:        s.ep.URL,
			Username:   s.ep.Username,
			Password:   s.ep.Password,
			Thumbprint: s.ep.Thumbprint,
		})
	}
	if l.fabric == nil {
		return c
	}
	// Each DCI edge pings the far edge for the RTT.
	switches := l.fabric.Switches()
	farEdge := map[string]string{}
	for _, sw := range switches {
		if sw.Role == sim.RoleDCIEdge {
			for _, other := range switches {
				if other.Role == sim.RoleDCIEdge && other.Site != sw.Site {
					farEdge[sw.Name] = other.Address
				}
			}
		}
	}
	for _, sw := range switches {
		c.Switches = append(c.Switches, config.Switch{
			Name:          sw.Name,
			Site:          sw.Site,
			Role:          string(sw.Role),
			Host:          sw.Host,
			Port:          sw.Port,
			Platform:      string(sw.Platform),
			Username:      sw.Username,
			Password:      sw.Password,
			HostKey:       sw.HostKey,
			DCIInterfaces: sw.DCIInterfaces,
			PingTarget:    farEdge[sw.Name],
		})
	}
	return c
}

// Model returns the simulator model behind a site, or nil. Its registry (Model.Map) is the
// site's live inventory; change it only the way the simulator's own methods do (under the
// object's lock, through Registry.Update so that property collectors see the change).
func (l *Lab) Model(id model.SiteID) *simulator.Model {
	for _, s := range l.sites {
		if s.ep.ID == id {
			return s.model
		}
	}
	return nil
}

// SetHandler installs h as the site's call interceptor (see Handler); nil removes it. Use it
// instead of setting the registry's Handler, which the lab uses itself.
func (l *Lab) SetHandler(id model.SiteID, h Handler) {
	for _, s := range l.sites {
		if s.ep.ID == id {
			if h == nil {
				s.handler.Store(nil)
			} else {
				s.handler.Store(&h)
			}
		}
	}
}

// Close stops both servers and removes the lab's files. It ends any long poll a client has
// left open and lets go of the calls a frozen site holds, so it does not wait on clients.
// Relocations still running stop where they are.
func (l *Lab) Close() {
	l.once.Do(func() {
		l.mover.close()
		var wg sync.WaitGroup
		for _, s := range l.sites {
			if s != nil {
				wg.Go(s.close)
			}
		}
		if l.fabric != nil {
			wg.Go(func() { _ = l.fabric.Close() })
		}
		wg.Wait()
		removeTree(l.dir)
	})
}

// removeTree removes dir and everything in it, like os.RemoveAll but with a few goroutines:
// a lab of 10,000 VMs has some 60,000 files, and a command stopped by a signal waits only
// so long for the lab to close. The VMs' directories (three levels down: site, datastore,
// VM) and the files above them are removed in parallel, then what is left.
func removeTree(dir string) {
	paths := make(chan string)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) + 1 {
		wg.Go(func() {
			for p := range paths {
				_ = os.RemoveAll(p)
			}
		})
	}
	var walk func(dir string, depth int)
	walk = func(dir string, depth int) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if e.IsDir() && depth < 2 {
				walk(p, depth+1)
			} else {
				paths <- p
			}
		}
	}
	walk(dir, 0)
	close(paths)
	wg.Wait()
	_ = os.RemoveAll(dir)
}

func (s *site) close() {
	// The server's Close waits for every request: let the frozen ones go first.
	s.freezeMu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closing)
	}
	s.freezeMu.Unlock()
	if s.server != nil {
		done := make(chan struct{})
		go func() {
			s.server.Close()
			close(done)
		}()
		// The simulator's WaitForUpdatesEx ignores a closed connection; cancel every wait
		// until the server has drained, for a bounded time.
		tick := time.NewTicker(20 * time.Millisecond)
		deadline := time.After(5 * time.Second)
	drain:
		for {
			s.mu.Lock()
			for pc := range s.collectors {
				pc.CancelWaitForUpdates(&types.CancelWaitForUpdates{This: pc.Self})
			}
			s.mu.Unlock()
			select {
			case <-done:
				break drain
			case <-deadline:
				break drain
			case <-tick.C:
			}
		}
		tick.Stop()
	}
	s.model.Remove()
}

// nameUUID derives a stable, version 5 style UUID from a name.
func nameUUID(name string) string {
	h := sha1.Sum([]byte(name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
