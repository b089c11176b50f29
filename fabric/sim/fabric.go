package sim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Fabric is a running simulated DCI fabric: two sites, each with a Nexus 7000 DCI edge and a
// Catalyst 6500 distribution switch, every one an SSH server on 127.0.0.1. One state model
// lies behind all of them: a change made on one switch's CLI, or injected through the fault
// helpers, shows at once in every show command it affects, at both ends.
//
// All methods are safe for concurrent use.
type Fabric struct {
	mu   sync.Mutex // guards everything below, and every device, port and link
	opts Options

	devs    []*device
	byName  map[string]*device
	hostKey string // every switch's public host key, authorized_keys form
	links   []*link
	linkOf  map[*port]*link

	latency time.Duration // DCI round-trip time
	lossPct float64       // packet loss across the DCI, percent
	otvDown bool          // injected OTV control-plane fault
	// Traffic offered to the DCI, Mbps: the background load (SetDCILoad) and what
	// AddDCITraffic added and has not released. dciTraffic renders them.
	dciLoad  int
	dciAdded int

	started, booted time.Time
	lastSettle      time.Time
	adjWasUp        bool
	adjSince        time.Time

	closed    bool
	stopCtx   func() bool
	serveDone sync.WaitGroup
}

// Start builds the fabric and starts one SSH server per switch on 127.0.0.1. The servers stop
// when ctx is done or Close is called.
func Start(ctx context.Context, opts Options) (*Fabric, error) {
	opts = opts.withDefaults()
	for _, v := range opts.VLANs {
		if v.ID < 2 || v.ID > 4094 || v.ID == otvSiteVLAN || (v.ID >= 1002 && v.ID <= 1005) {
			return nil, fmt.Errorf("sim: VLAN %d is reserved or out of range (2-4094, not 99 or 1002-1005)", v.ID)
		}
	}
	f := newFabric(opts, time.Now())
	hostKey, err := newHostKey()
	if err != nil {
		return nil, fmt.Errorf("sim: host key: %w", err)
	}
	f.hostKey = strings.TrimSpace(string(gossh.MarshalAuthorizedKey(hostKey.PublicKey())))
	for i, d := range f.devs {
		listen := 0
		if opts.BasePort > 0 {
			listen = opts.BasePort + i
		}
		if err := f.serve(d, hostKey, listen); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("sim: switch %s: %w", d.name, err)
		}
	}
	f.stopCtx = context.AfterFunc(ctx, func() { _ = f.Close() })
	return f, nil
}

// Close stops every server and hangs up every session. It is safe to call more than once.
func (f *Fabric) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	if f.stopCtx != nil {
		f.stopCtx()
	}
	var errs []error
	for _, d := range f.devs {
		if err := d.srv.close(); err != nil {
			errs = append(errs, fmt.Errorf("switch %s: %w", d.name, err))
		}
		for s := range d.sessions {
			s.hangUp()
		}
	}
	f.mu.Unlock()
	f.serveDone.Wait()
	return errors.Join(errs...)
}

// Switches returns the four switches, site A first, the DCI edge before the distribution switch.
func (f *Fabric) Switches() []Endpoint {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Endpoint, 0, len(f.devs))
	for _, d := range f.devs {
		out = append(out, f.endpoint(d))
	}
	return out
}

// Switch returns the endpoint of one switch.
func (f *Fabric) Switch(name string) (Endpoint, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.device(name)
	if err != nil {
		return Endpoint{}, err
	}
	return f.endpoint(d), nil
}

func (f *Fabric) endpoint(d *device) Endpoint {
	e := Endpoint{
		Name: d.name, Site: d.site, Role: d.role, Platform: d.platform,
		Host: loopback, Port: d.listenAt, Username: f.opts.Username, Password: f.opts.Password,
		Address: d.address, HostKey: f.hostKey,
	}
	for _, p := range d.ports {
		if p.kind != kindPortChannel {
			continue
		}
		t := Trunk{Interface: p.name}
		for _, m := range d.members(p) {
			t.Members = append(t.Members, m.name)
		}
		if peer, ok := f.peerOf(d, p); ok {
			t.Peer, t.PeerInterface = peer.dev.name, peer.port.name
			t.DCI = peer.dev.site != d.site
		}
		e.Trunks = append(e.Trunks, t)
		if t.DCI || d.role == RoleDistribution {
			e.DCIInterfaces = append(append(e.DCIInterfaces, t.Interface), t.Members...)
		}
	}
	if d.overlay != nil {
		e.DCIInterfaces = append(e.DCIInterfaces, d.overlay.port.name)
	}
	return e
}

// CommandError is a line the switch refused: an unknown command, an incomplete one, a value out
// of range. Output is what the switch printed, caret line included.
type CommandError struct {
	Switch  string
	Command string
	Output  string
}

func (e *CommandError) Error() string {
	msg := strings.TrimSpace(e.Output)
	if i := strings.LastIndex(msg, "\n"); i >= 0 {
		msg = strings.TrimSpace(msg[i+1:])
	}
	return fmt.Sprintf("switch %s refused %q: %s", e.Switch, e.Command, msg)
}

// Exec runs CLI lines on a switch through the same interpreter its SSH sessions use, in a fresh
// session that starts in exec mode, and returns what the lines printed (without prompts or
// echo). It stops at the first line the switch refuses and returns a *CommandError for it.
// SSH faults (SetDropMidOutput, SetUnresponsive) do not apply.
func (f *Fabric) Exec(switchName string, lines ...string) (string, error) {
	f.mu.Lock()
	d, err := f.device(switchName)
	f.mu.Unlock()
	if err != nil {
		return "", err
	}
	c := newConsole(f, d)
	var out strings.Builder
	for _, line := range lines {
		r := c.execute(line)
		out.WriteString(r.out)
		for _, ch := range r.chunks {
			time.Sleep(ch.delay)
			out.WriteString(ch.text)
		}
		if r.failed {
			return out.String(), &CommandError{Switch: d.name, Command: line, Output: r.out}
		}
		if r.hangUp {
			break
		}
	}
	return out.String(), nil
}

// device looks a switch up by name. Callers hold f.mu.
func (f *Fabric) device(name string) (*device, error) {
	d, ok := f.byName[name]
	if !ok {
		return nil, fmt.Errorf("sim: no switch %q (have %s)", name, strings.Join(f.names(), ", "))
	}
	return d, nil
}

func (f *Fabric) names() []string {
	out := make([]string, len(f.devs))
	for i, d := range f.devs {
		out[i] = d.name
	}
	return out
}

// port looks an interface up by any name the CLI accepts ("po10", "Ethernet3/1"). Callers
// hold f.mu.
func (f *Fabric) port(d *device, iface string) (*port, error) {
	name, _, ok := parseIfName(d.platform, strings.ReplaceAll(iface, " ", ""), "")
	if ok {
		if p := d.byName[name]; p != nil {
			return p, nil
		}
	}
	return nil, fmt.Errorf("sim: switch %s has no interface %q", d.name, iface)
}

// mutate runs fn on one switch's interface under the lock, settling state before and after.
func (f *Fabric) mutate(switchName, iface string, fn func(d *device, p *port)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.device(switchName)
	if err != nil {
		return err
	}
	p, err := f.port(d, iface)
	if err != nil {
		return err
	}
	now := time.Now()
	f.settle(now)
	fn(d, p)
	f.settle(now)
	return nil
}

// ---- Fault injection ----

// SetOTVAdjacency forces the OTV adjacency between the edges down (false), as a control-plane
// fault would, or lets it follow the links again (true). While it is down, `show otv adjacency`
// lists no neighbour and every extended VLAN is inactive(OD) on both edges.
func (f *Fabric) SetOTVAdjacency(up bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	f.settle(now)
	f.otvDown = !up
	f.settle(now)
}

// SetLinkDown cuts (true) or mends (false) the cable on a physical interface: both ends lose
// link, as a fibre cut does, whatever their configuration.
func (f *Fabric) SetLinkDown(switchName, iface string, down bool) error {
	var err error
	mErr := f.mutate(switchName, iface, func(d *device, p *port) {
		l := f.linkOf[p]
		if l == nil {
			err = fmt.Errorf("sim: %s %s is not a cabled physical interface", d.name, p.name)
			return
		}
		l.cut = down
	})
	return errors.Join(mErr, err)
}

// AddCRCErrors adds n CRC errors (and as many input errors) to an interface's receive
// counters; for a port-channel, to its first member.
func (f *Fabric) AddCRCErrors(switchName, iface string, n int) error {
	return f.mutate(switchName, iface, func(d *device, p *port) {
		p = f.physical(d, p)
		p.crc += float64(n)
		p.inErr += float64(n)
	})
}

// SetCRCErrorRate makes an interface (for a port-channel, its first member) gain CRC and input
// errors steadily while it is up, as a dirty optic does. Zero stops it.
func (f *Fabric) SetCRCErrorRate(switchName, iface string, perSecond float64) error {
	return f.mutate(switchName, iface, func(d *device, p *port) {
		f.physical(d, p).crcRate = max(perSecond, 0)
	})
}

func (f *Fabric) physical(d *device, p *port) *port {
	if p.kind == kindPortChannel {
		if ms := d.members(p); len(ms) > 0 {
			return ms[0]
		}
	}
	return p
}

// SetLatency changes the DCI round-trip time that `ping` across the sites reports.
func (f *Fabric) SetLatency(rtt time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = max(rtt, 0)
}

// Latency returns the DCI round-trip time.
func (f *Fabric) Latency() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.latency
}

// SetPacketLoss makes pings that cross the DCI lose that percentage of packets (0-100).
func (f *Fabric) SetPacketLoss(percent float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lossPct = min(max(percent, 0), 100)
}

// SetDCILoad sets the background traffic across the DCI, in Mbps (Options.DCILoadMbps): from
// the next show command on, the DCI port-channel's input and output rates show it, split
// evenly over its bundled members, and the traffic counters grow with it. A member that is
// down carries nothing, and the port-channel never shows more than its bandwidth (the sum
// of its bundled members' speeds). Negative is taken as 0.
func (f *Fabric) SetDCILoad(mbps int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	f.settle(now) // the counters grow at the old rate until now
	f.dciLoad = max(mbps, 0)
	f.settle(now)
}

// AddDCITraffic adds mbps of traffic across the DCI on top of the background load until
// release is called, and shows it as SetDCILoad's load is shown. It is the hook for the
// lab's vMotion model: each move in progress adds the rate at which it copies memory (and
// releases it when the move ends), so the switches' rates, and the bandwidth a monitor
// reads from them as used, include the moves. The traffic is rendered in both directions
// (a move's direction is not modelled; a monitor reads the busier one), capped at the
// port-channel's bandwidth as a congested link would be. release may be called more than
// once and from any goroutine; only the first call counts. Negative mbps is taken as 0.
func (f *Fabric) AddDCITraffic(mbps int) (release func()) {
	mbps = max(mbps, 0)
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	f.settle(now)
	f.dciAdded += mbps
	f.settle(now)
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			now := time.Now()
			f.settle(now)
			f.dciAdded -= mbps
			f.settle(now)
		})
	}
}

// DropConnections hangs up every SSH session of a switch at once, as a supervisor switchover
// or a flapping management path would.
func (f *Fabric) DropConnections(switchName string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.device(switchName)
	if err != nil {
		return err
	}
	for s := range d.sessions {
		s.hangUp()
	}
	return nil
}

// SetDropMidOutput arms (true) or disarms a switch so that the next show command any SSH
// session runs writes half its output and then the connection closes.
func (f *Fabric) SetDropMidOutput(switchName string, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.device(switchName)
	if err != nil {
		return err
	}
	d.dropMidOutput = on
	return nil
}

// SetUnresponsive makes a switch's SSH sessions (current and new) read input and answer
// nothing, as a hung control plane does, until it is set back to false. Logins still succeed.
func (f *Fabric) SetUnresponsive(switchName string, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.device(switchName)
	if err != nil {
		return err
	}
	d.unresponsive = on
	return nil
}

// ---- Ground truth, for tests of whatever watches the fabric ----

// Snapshot is the fabric's true state, as the show commands render it.
type Snapshot struct {
	Latency           time.Duration // DCI round-trip time before jitter
	PacketLossPercent float64
	DCIUp             bool // the DCI port-channel is up at both edges
	OTVAdjacencyUp    bool
	// DCICapacityMbps is the DCI port-channel's bandwidth: the speed of its bundled members
	// (the narrower edge's, 0 when it is down at either). DCILoadMbps is the traffic offered
	// to it: the background load and what AddDCITraffic added. The switches show the load
	// in the busier direction, at most the capacity.
	DCICapacityMbps int
	DCILoadMbps     int
	VLANs           []VLANState
	Interfaces      []InterfaceState
}

// VLANState is one planned VLAN across the DCI.
type VLANState struct {
	ID       int
	Name     string
	Planned  bool // the plan says the DCI extends it
	Extended bool // it crosses the DCI now: forwarding on the DCI trunk and active in OTV at both edges
}

// InterfaceState is one interface of one switch.
type InterfaceState struct {
	Switch        string
	Name          string
	AdminUp       bool
	OperUp        bool
	MTU           int
	BandwidthKbit int
	CRCErrors     uint64
	InputErrors   uint64
	Forwarding    []int // VLANs the trunk forwards (port-channels and standalone trunks)
}

// Snapshot returns the fabric's true state.
func (f *Fabric) Snapshot() Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle(time.Now())
	s := Snapshot{Latency: f.latency, PacketLossPercent: f.lossPct, OTVAdjacencyUp: f.adjacencyUp(), DCIUp: true}
	s.DCILoadMbps = f.dciLoad + f.dciAdded
	edges := f.edges()
	for i, e := range edges {
		pc := f.dciChannel(e)
		capacity := 0
		if !f.operUp(e, pc) {
			s.DCIUp = false
		} else {
			capacity = f.bandwidthKbit(e, pc) / 1000
		}
		if i == 0 || capacity < s.DCICapacityMbps {
			s.DCICapacityMbps = capacity
		}
	}
	for _, v := range f.opts.VLANs {
		st := VLANState{ID: v.ID, Name: v.Name, Planned: v.Extended, Extended: len(edges) == 2}
		for _, e := range edges {
			if _, active := f.otvVLANState(e, v.ID); !active || !e.overlay.extend[v.ID] {
				st.Extended = false
			}
		}
		s.VLANs = append(s.VLANs, st)
	}
	for _, d := range f.devs {
		for _, p := range d.ports {
			_, _, crc, inErr := f.counters(d, p)
			is := InterfaceState{Switch: d.name, Name: p.name, AdminUp: p.adminUp, OperUp: f.operUp(d, p),
				MTU: p.mtu, BandwidthKbit: f.bandwidthKbit(d, p), CRCErrors: uint64(crc), InputErrors: uint64(inErr)}
			if p.trunk && p.group == 0 {
				is.Forwarding = f.forwarding(d, p).sorted()
			}
			s.Interfaces = append(s.Interfaces, is)
		}
	}
	return s
}
