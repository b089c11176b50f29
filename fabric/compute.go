package fabric

import (
	"fmt"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/vmcross/vmcross/fabric/parse"
)

// Thresholds of the DCI, from VMware's long-distance vMotion requirements: the
// DefaultLimits a Health is judged against.
const (
	// RTTBudget is the round trip long-distance vMotion is designed for.
	RTTBudget = 10 * time.Millisecond
	// RTTLimit is the round trip above which vSphere refuses vMotion.
	RTTLimit = 150 * time.Millisecond
	// MinMTU is the smallest MTU that carries the jumbo frames vMotion uses.
	MinMTU = 9000
)

// switchPoll is what one poll round read from one switch: the parsed output of each
// command, or why a command's output is missing. It is never changed once built, so a
// Health computation may share it with the next.
type switchPoll struct {
	started time.Time // when the attempt began
	at      time.Time // when it ended
	// err says the switch could not be polled at all this round (connection failed, lost or
	// timed out): nothing below is fresh. It is a sentence that names the switch.
	err     error
	version string // "NX-OS 6.2(16)", from show version at connection time

	trunks   []parse.Trunk
	channels []parse.PortChannel
	ifaces   []parse.Interface
	vlans    []parse.VLAN
	// otvAsked: the OTV commands were sent (a DCI edge); otvAbsent: the switch rejected
	// them as unknown commands, so it has no OTV overlay and its DCI is the port-channel.
	otvAsked  bool
	otvAbsent bool
	otvAdj    []parse.OTVAdjacency
	otvVLANs  []parse.OTVVLAN
	ping      *parse.Ping

	// failed holds, by command, why a command's output is missing: the switch rejected it
	// (Response.Failed) or its output could not be parsed.
	failed map[string]error
	// commands lists what was sent, in order (for the report and for tests).
	commands []string
}

// ok reports whether the switch answered this round and cmd did not fail.
func (p *switchPoll) ok(cmd string) bool {
	if p == nil || p.err != nil {
		return false
	}
	_, bad := p.failed[cmd]
	return !bad
}

// round is the input of one Health computation: the latest poll of each switch, which a
// running round replaces one by one as their results come.
type round struct {
	specs    []SwitchSpec
	interval time.Duration
	// pollingSince is when the first round started; zero before Start.
	pollingSince time.Time
	started      time.Time // start of the latest poll round (the one running, when polling)
	polling      bool      // a round is running
	at           time.Time // end of the last completed round; zero before the first
	// polls are each switch's latest poll, by spec; nil when none has ended yet.
	polls []*switchPoll
	// prev are each switch's last successful poll before polls[i], by spec (nil if none).
	prev []*switchPoll
	// since are, by spec, when each switch started answering or stopped (SwitchStatus.Since);
	// zero when it has no poll yet.
	since   []time.Time
	watched []int // VLANs in use by VMs, sorted
}

// reason is one cause of a VLAN not being carried; rankUnknown ones say data is missing.
type reason struct {
	text string
	sw   string
	rank reasonRank
}

// reasonRank orders a VLAN's reasons from root causes to their consequences, so that the
// first names what to fix: a VLAN removed from one end of a trunk also stops forwarding
// at the other end (Bridge Assurance), and OTV stops extending it.
type reasonRank int

const (
	rankVLANDB reasonRank = iota
	rankTrunkDown
	rankNotAllowed
	rankErrDisabled
	rankOTVAdjacency
	rankOTVVLAN
	rankNotForwarding
	rankUnknown
)

// switchView is one switch's data as the computation uses it.
type switchView struct {
	spec    SwitchSpec
	poll    *switchPoll // the latest poll, nil before the first ends
	since   time.Time   // SwitchStatus.Since
	prev    *switchPoll // last successful poll before poll
	fresh   bool        // poll succeeded
	trunks  []trunkState
	ifaces  map[string]parse.Interface
	vlanDB  map[int]parse.VLAN // nil when show vlan brief failed
	otv     otvState
	missing []reason // why this switch's VLAN data is incomplete, as unknown reasons
}

// trunkState is one DCI trunk with what the VLAN check needs beyond fabric.Trunk.
type trunkState struct {
	Trunk
	known      bool // the trunk's data is fresh and complete enough to judge VLANs
	forwardOK  bool // a forwarding list was printed for it
	allowed    parse.VLANList
	forwarding parse.VLANList
	errDis     parse.VLANList
	// deltas are how much each member's CRC and input errors grew since the last poll.
	deltas []errDelta
}

type errDelta struct{ crc, in int64 }

type otvState struct {
	present bool // an edge with an OTV overlay
	known   bool // both OTV commands answered
	adjUp   bool
	overlay string
	vlans   map[int]parse.OTVVLAN
}

// compute builds the Health of a round, judged (see Judge). It is a pure function of its
// input.
func compute(r round) Health {
	h := Health{Configured: len(r.specs) > 0, Interval: r.interval, PolledAt: r.at,
		Polling: r.polling, PollStarted: r.started,
		Switches: []SwitchStatus{}, Trunks: []Trunk{}, VLANs: []VLANStatus{}, Findings: []Finding{},
		Limits: DefaultLimits()}
	if !h.Configured {
		return Judge(h)
	}
	lim := h.Limits
	var views []*switchView
	for i, spec := range r.specs {
		v := &switchView{spec: spec}
		if i < len(r.polls) {
			v.poll = r.polls[i]
		}
		if i < len(r.prev) {
			v.prev = r.prev[i]
		}
		if i < len(r.since) {
			v.since = r.since[i]
		}
		if v.since.IsZero() {
			v.since = r.pollingSince
		}
		v.fresh = v.poll != nil && v.poll.err == nil
		views = append(views, v)
	}
	var f findings
	if r.at.IsZero() {
		f.add(staleFinding(views))
	}
	for _, v := range views {
		h.Switches = append(h.Switches, v.status(!r.pollingSince.IsZero()))
		if v.poll != nil && v.poll.err != nil {
			f.add(Finding{Code: CodeSwitchUnreachable, Severity: SeverityWarn, Object: v.spec.Name,
				Switch: v.spec.Name, Message: sentence(v.poll.err.Error()) + " VLANs through it cannot be verified."})
		}
		if v.fresh {
			for _, cmd := range sortedKeys(v.poll.failed) {
				f.add(Finding{Code: CodeCommandFailed, Severity: SeverityWarn, Object: v.spec.Name,
					Switch: v.spec.Name, Message: fmt.Sprintf("%s: %q failed: %s", v.spec.Name, cmd,
						sentence(v.poll.failed[cmd].Error()))})
			}
		}
		v.build()
		for _, t := range v.trunks {
			t.Trunk = judgeTrunk(t.Trunk, lim)
			h.Trunks = append(h.Trunks, t.Trunk)
			t.findings(lim, &f)
		}
		v.otv.findings(v, &f)
		if rtt, ok := v.rtt(); ok {
			if far := farEdge(r.specs, v.spec); far != "" {
				rtt.To = far // the ping target is the far DCI edge: name it as operators do
			}
			rtt = judgeRTT(rtt, lim)
			h.RTTs = append(h.RTTs, rtt)
			rttFindings(v.spec.Name, rtt, v.poll.ping, lim, &f)
		}
	}
	h.VLANs = vlanStatuses(views, r.watched, &f)
	h.Findings = f.sorted()
	return Judge(h)
}

// staleFinding says that no round has completed yet, and which switches it waits for.
func staleFinding(views []*switchView) Finding {
	var waiting []string
	for _, v := range views {
		if v.poll == nil {
			waiting = append(waiting, v.spec.Name)
		}
	}
	msg := "No poll of the switches has completed yet: the DCI's state is unknown."
	if len(waiting) > 0 && len(waiting) < len(views) {
		msg = fmt.Sprintf("The first poll round is still waiting on %s: the DCI's state is not fully known yet.",
			strings.Join(waiting, ", "))
	}
	return Finding{Code: CodeFabricStale, Severity: SeverityWarn, Object: "fabric", Message: msg}
}

// status is the switch's SwitchStatus. started says polling has started.
func (v *switchView) status(started bool) SwitchStatus {
	port := v.spec.Port
	if port == 0 {
		port = 22
	}
	s := SwitchStatus{Name: v.spec.Name, Site: v.spec.Site, Role: v.spec.Role, Platform: v.spec.Platform,
		Address: net.JoinHostPort(v.spec.Host, strconv.Itoa(port))}
	if v.prev != nil {
		s.LastPoll, s.Version = v.prev.at, v.prev.version
	}
	s.Since = v.since
	switch {
	case v.poll == nil:
		s.Pending = started
	case v.poll.err != nil:
		s.Err = v.poll.err.Error()
	default:
		s.Reachable, s.LastPoll = true, v.poll.at
		if v.poll.version != "" {
			s.Version = v.poll.version
		}
	}
	return s
}

// build reads the switch's trunks, VLAN database and OTV state from its poll.
func (v *switchView) build() {
	p := v.poll
	if !v.fresh {
		why := "unknown: no data yet from " + v.spec.Name
		if p != nil {
			why = "unknown: no fresh data from " + v.spec.Name
		}
		v.missing = append(v.missing, reason{text: why, sw: v.spec.Name, rank: rankUnknown})
		for _, name := range dciTrunkNames(v.spec, nil, false) {
			v.trunks = append(v.trunks, trunkState{Trunk: Trunk{Switch: v.spec.Name, Site: v.spec.Site,
				Interface: name, Status: "unknown", Unknown: true, Members: []Member{}, Allowed: []int{},
				Forwarding: []int{}}})
		}
		return
	}
	v.ifaces = map[string]parse.Interface{}
	for _, i := range p.ifaces {
		v.ifaces[ifKey(i.Name)] = i
	}
	var prevIfaces map[string]parse.Interface
	if v.prev != nil {
		prevIfaces = map[string]parse.Interface{}
		for _, i := range v.prev.ifaces {
			prevIfaces[ifKey(i.Name)] = i
		}
	}
	trunkRows := map[string]parse.Trunk{}
	for _, t := range p.trunks {
		trunkRows[ifKey(t.Port)] = t
	}
	channels := map[string]parse.PortChannel{}
	for _, c := range p.channels {
		channels[ifKey(c.Name)] = c
	}
	trunkOK := p.ok(trunkCommand(v.spec.Platform))
	chanOK := p.ok(channelCommand(v.spec.Platform))
	for _, name := range dciTrunkNames(v.spec, p.channels, chanOK) {
		k := ifKey(name)
		t := trunkState{Trunk: Trunk{Switch: v.spec.Name, Site: v.spec.Site, Interface: name,
			Members: []Member{}, Allowed: []int{}, Forwarding: []int{}}}
		iface, haveIface := v.ifaces[k]
		row, haveRow := trunkRows[k]
		pc, havePC := channels[k]
		isPC := strings.HasPrefix(k, "port-channel")
		t.known = trunkOK
		if !trunkOK {
			t.Unknown, t.Status = true, "unknown"
		}
		if haveIface {
			t.MTU = iface.MTU
		}
		// Members: a port-channel's from the channel summary; a standalone trunk is its
		// own single link.
		switch {
		case isPC && havePC:
			for _, pm := range pc.Members {
				m, d := member(pm.Port, pm.State, pm.Bundled, v.ifaces, prevIfaces)
				t.Members, t.deltas = append(t.Members, m), append(t.deltas, d)
			}
		case !isPC && haveIface:
			m, d := member(iface.Name, "", true, v.ifaces, prevIfaces)
			t.Members, t.deltas = append(t.Members, m), append(t.deltas, d)
		}
		if haveRow {
			t.allowed, t.errDis = row.Allowed, row.ErrDisabled
			t.forwarding, t.forwardOK = forwardingList(v.spec.Platform, row)
			t.Allowed, t.ErrDisabled = orEmpty(row.Allowed.IDs), row.ErrDisabled.IDs
			t.Forwarding = orEmpty(t.forwarding.IDs)
		}
		trunking := haveRow && row.Status == "trunking"
		ifUp := !haveIface || (iface.OperState == "up" && iface.LineProtocol != "down")
		pcUp := !isPC || !chanOK || !havePC || pc.Up
		switch {
		case !trunkOK:
		case haveIface && !ifUp:
			t.Status = ifaceStatus(iface)
		case isPC && chanOK && !havePC:
			t.Status = "not configured"
		case !pcUp:
			t.Status = "down (" + pc.Name + "(" + pc.Flags + "))"
		case !haveRow:
			t.Status = "not trunking"
		case !trunking:
			t.Status = row.Status
		default:
			t.Up, t.Status = true, "trunking"
		}
		t.CapacityMbps, t.UsedMbps = trunkBandwidth(t.Trunk, iface, haveIface, v.ifaces)
		if trunkOK && !t.Up {
			// A trunk that is down carries nothing, whatever its lists say.
			t.Forwarding, t.forwardOK = []int{}, true
			t.forwarding = parse.VLANList{Raw: "none", IDs: []int{}}
		}
		v.trunks = append(v.trunks, t)
	}
	if !trunkOK {
		v.missing = append(v.missing, reason{text: fmt.Sprintf("unknown: %q failed on %s",
			trunkCommand(v.spec.Platform), v.spec.Name), sw: v.spec.Name, rank: rankUnknown})
	}
	if p.ok(parse.CmdVLANBrief) {
		v.vlanDB = map[int]parse.VLAN{}
		for _, vl := range p.vlans {
			v.vlanDB[vl.ID] = vl
		}
	} else {
		v.missing = append(v.missing, reason{text: fmt.Sprintf("unknown: %q failed on %s",
			"show vlan brief", v.spec.Name), sw: v.spec.Name, rank: rankUnknown})
	}
	v.otv = otvState{present: p.otvAsked && !p.otvAbsent, overlay: overlayName(v.spec)}
	if v.otv.present {
		v.otv.known = p.ok(parse.CmdOTVAdjacency) && p.ok(parse.CmdOTVVLAN)
		for _, a := range p.otvAdj {
			if a.Up {
				v.otv.adjUp = true
			}
			if a.Overlay != "" {
				v.otv.overlay = a.Overlay
			}
		}
		v.otv.vlans = map[int]parse.OTVVLAN{}
		for _, o := range p.otvVLANs {
			v.otv.vlans[o.VLAN] = o
		}
		if !v.otv.known {
			v.missing = append(v.missing, reason{text: "unknown: OTV state of " + v.spec.Name + " could not be read",
				sw: v.spec.Name, rank: rankUnknown})
		}
	}
}

// member builds one member link from its channel state and its interface counters, and
// says how much its error counters grew since the previous poll.
func member(port, state string, bundled bool, ifaces, prev map[string]parse.Interface) (Member, errDelta) {
	k := ifKey(port)
	m := Member{Name: port, Up: bundled, State: state}
	var d errDelta
	if i, ok := ifaces[k]; ok {
		m.Name, m.MTU, m.CRC, m.InErrs = i.Name, i.MTU, i.CRCErrors, i.InputErrors
		if i.OperState != "up" || i.LineProtocol == "down" {
			m.Up, m.State = false, ifaceStatus(i)
		}
		if p, ok := prev[k]; ok {
			// Counters that went down were cleared: that is not a rise.
			d = errDelta{crc: max(i.CRCErrors-p.CRCErrors, 0), in: max(i.InputErrors-p.InputErrors, 0)}
			m.Rising = d.crc > 0 || d.in > 0
		}
	}
	if m.State == "" {
		m.State = "up"
		if !m.Up {
			m.State = "down"
		}
	}
	return m, d
}

// trunkBandwidth measures a trunk that is up (Trunk.CapacityMbps, Trunk.UsedMbps): its
// capacity is the sum of its up members' BW, or the trunk's own BW when no member is known
// or one that is up has no BW known (its interface was not read); its traffic is the
// busier direction of its own rates, or, if it printed none, of its up members' summed
// (those that printed theirs).
func trunkBandwidth(t Trunk, own parse.Interface, haveOwn bool, ifaces map[string]parse.Interface) (capacity, used int64) {
	if !t.Up {
		return 0, 0
	}
	var kbit, in, out int64
	membersKnown := len(t.Members) > 0
	for _, m := range t.Members {
		if !m.Up {
			continue
		}
		i, ok := ifaces[ifKey(m.Name)]
		if !ok || i.BandwidthKbit <= 0 {
			membersKnown = false
		}
		kbit += i.BandwidthKbit
		in += i.InputBps
		out += i.OutputBps
	}
	if !membersKnown && haveOwn && own.BandwidthKbit > 0 {
		kbit = own.BandwidthKbit
	}
	if haveOwn && own.HasRates {
		in, out = own.InputBps, own.OutputBps
	}
	return kbit / 1000, (max(in, out) + 500_000) / 1_000_000
}

// ifaceStatus describes an interface that is not up: "admin-down", "err-disabled",
// "down (Link not connected)".
func ifaceStatus(i parse.Interface) string {
	switch {
	case i.AdminState == "down":
		return "admin-down"
	case i.ErrDisabled:
		return "err-disabled"
	case i.Reason != "":
		return "down (" + i.Reason + ")"
	}
	return "down"
}

// forwardingList picks the list of VLANs a trunk forwards. NX-OS prints its "not pruned"
// section empty, so its "STP Forwarding" section is the one; IOS has only "forwarding
// state and not pruned". ok is false when the switch printed neither for the port.
func forwardingList(platform string, t parse.Trunk) (parse.VLANList, bool) {
	first, second := t.STPForwarding, t.ForwardingNotPruned
	if platform != NXOS {
		first, second = second, first
	}
	if first.Raw != "" {
		return first, true
	}
	if second.Raw != "" {
		return second, true
	}
	return parse.VLANList{}, false
}

// findings adds the trunk's own findings: down, members down, low MTU, errors rising. The
// trunk is judged already (judgeTrunk).
func (t trunkState) findings(lim Limits, f *findings) {
	if t.Unknown {
		return
	}
	obj := t.Switch + " " + t.Interface
	if !t.Up {
		f.add(Finding{Code: CodeTrunkDown, Severity: SeverityBlock, Object: obj, Switch: t.Switch,
			Message: fmt.Sprintf("DCI trunk %s on %s is %s: nothing crosses it.", t.Interface, t.Switch, t.Status)})
	} else {
		for _, m := range t.Members {
			if !m.Up {
				f.add(Finding{Code: CodeMemberDown, Severity: SeverityWarn, Object: t.Switch + " " + m.Name,
					Switch: t.Switch, Message: fmt.Sprintf("%s %s, a member of %s, is %s: %d of %d members up, less bandwidth for vMotion.",
						t.Switch, m.Name, t.Interface, m.State, t.MembersUp(), len(t.Members))})
			}
		}
	}
	low := t.Trunk.LowestMTU()
	if low > 0 {
		f.add(Finding{Code: CodeMTULow, Severity: SeverityWarn, Object: obj, Switch: t.Switch,
			Message: fmt.Sprintf("MTU %d on %s %s is below %d: jumbo vMotion frames would be dropped.",
				low, t.Switch, t.Interface, lim.MinMTU)})
	}
	for i, m := range t.Members {
		if m.Rising {
			d := t.deltas[i]
			f.add(Finding{Code: CodeCRCRising, Severity: SeverityWarn, Object: t.Switch + " " + m.Name,
				Switch: t.Switch, Message: fmt.Sprintf("%s %s (in %s) is taking errors: CRC %d (+%d), input errors %d (+%d) since the last poll; check the optic and the fibre.",
					t.Switch, m.Name, t.Interface, m.CRC, d.crc, m.InErrs, d.in)})
		}
	}
}

// findings adds OTV_ADJACENCY_DOWN for an OTV edge with no adjacency up.
func (o otvState) findings(v *switchView, f *findings) {
	if !v.fresh || !o.present || !v.poll.ok(parse.CmdOTVAdjacency) || o.adjUp {
		return
	}
	f.add(Finding{Code: CodeOTVAdjacencyDown, Severity: SeverityBlock, Object: v.spec.Name + " " + o.overlay,
		Switch: v.spec.Name, Message: fmt.Sprintf("OTV %s on %s has no adjacency up: no VLAN is extended to the other site.",
			o.overlay, v.spec.Name)})
}

// farEdge is the name of the one DCI edge at another site than from's, or "" when there is
// not exactly one.
func farEdge(specs []SwitchSpec, from SwitchSpec) string {
	name := ""
	for _, s := range specs {
		if s.Role == RoleDCIEdge && s.Site != from.Site {
			if name != "" {
				return ""
			}
			name = s.Name
		}
	}
	return name
}

// rtt is the switch's ping across the DCI, when it pinged this round.
func (v *switchView) rtt() (RTT, bool) {
	if !v.fresh || v.poll.ping == nil {
		return RTT{}, false
	}
	p := v.poll.ping
	r := RTT{From: v.spec.Name, To: v.spec.PingTarget, Loss: p.LossPercent, OK: p.Received > 0}
	if p.RTT != nil {
		r.Avg, r.Max = ms(p.RTT.AvgMs), ms(p.RTT.MaxMs)
	}
	return r, true
}

// ms converts the milliseconds a switch prints to a Duration, to the microsecond.
func ms(v float64) time.Duration {
	return time.Duration(math.Round(v*1000)) * time.Microsecond
}

// rttFindings reports a ping across the DCI judged against vSphere's limits (judgeRTT).
func rttFindings(sw string, r RTT, p *parse.Ping, lim Limits, f *findings) {
	obj := sw + " -> " + r.To
	switch {
	case !r.OK:
		f.add(Finding{Code: CodePingFailed, Severity: SeverityWarn, Object: obj, Switch: sw,
			Message: fmt.Sprintf("No reply from %s to %s's ping across the DCI (%d sent, 0 received): the round trip is unknown.",
				r.To, sw, p.Sent)})
		return
	case r.OverLimit:
		f.add(Finding{Code: CodeRTTOverLimit, Severity: SeverityBlock, Object: obj, Switch: sw,
			Message: fmt.Sprintf("DCI round trip from %s to %s is %s (max %s), above vSphere's %s limit for vMotion.",
				sw, r.To, fmtMs(r.Avg), fmtMs(r.Max), fmtMs(lim.RTTLimit))})
	case r.OverBudget:
		f.add(Finding{Code: CodeRTTHigh, Severity: SeverityWarn, Object: obj, Switch: sw,
			Message: fmt.Sprintf("DCI round trip from %s to %s is %s (max %s), above the %s long-distance vMotion budget: moves will be slower.",
				sw, r.To, fmtMs(r.Avg), fmtMs(r.Max), fmtMs(lim.RTTBudget))})
	}
	if r.Loss > 0 {
		f.add(Finding{Code: CodePacketLoss, Severity: SeverityWarn, Object: obj, Switch: sw,
			Message: fmt.Sprintf("%.0f%% of %s's pings to %s across the DCI were lost (%d of %d).",
				r.Loss, sw, r.To, p.Sent-p.Received, p.Sent)})
	}
}

func fmtMs(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64) + " ms"
}

// dciTrunkNames lists the switch's DCI trunks: each port-channel in DCIInterfaces, and
// each other interface listed that is neither an overlay nor a member of a listed
// port-channel (a standalone trunk). Without the channel summary (channelsKnown false),
// an interface listed next to port-channels is taken for one of their members.
func dciTrunkNames(spec SwitchSpec, channels []parse.PortChannel, channelsKnown bool) []string {
	listed := map[string]bool{}
	for _, n := range spec.DCIInterfaces {
		if strings.HasPrefix(ifKey(n), "port-channel") {
			listed[ifKey(n)] = true
		}
	}
	memberOf := map[string]bool{}
	for _, c := range channels {
		if listed[ifKey(c.Name)] {
			for _, m := range c.Members {
				memberOf[ifKey(m.Port)] = true
			}
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, n := range spec.DCIInterfaces {
		k := ifKey(n)
		isPC := strings.HasPrefix(k, "port-channel")
		if seen[k] || isOverlay(k) || memberOf[k] || (!channelsKnown && !isPC && len(listed) > 0) {
			continue
		}
		seen[k] = true
		out = append(out, n)
	}
	return out
}

// overlayName is the OTV overlay interface named in DCIInterfaces, or "overlay".
func overlayName(spec SwitchSpec) string {
	for _, n := range spec.DCIInterfaces {
		if isOverlay(ifKey(n)) {
			return n
		}
	}
	return "overlay"
}

func isOverlay(key string) bool { return strings.HasPrefix(key, "overlay") }

// ifFullNames are interface types by full name, in the order an abbreviation is tried:
// "te" is TenGigabitEthernet, "po" port-channel, "e" Ethernet.
var ifFullNames = []string{"ethernet", "port-channel", "tengigabitethernet", "gigabitethernet",
	"fastethernet", "fortygigabitethernet", "twentyfivegige", "hundredgige", "overlay", "vlan",
	"loopback", "mgmt", "tunnel"}

// ifKey turns an interface name as any show command prints it ("Po10", "port-channel10",
// "Eth3/1", "Ethernet3/1", "Te1/1", "TenGigabitEthernet1/1") into one key.
func ifKey(name string) string {
	name = strings.ToLower(strings.Join(strings.Fields(name), ""))
	i := strings.IndexFunc(name, unicode.IsDigit)
	if i <= 0 {
		return name
	}
	prefix, rest := name[:i], name[i:]
	for _, full := range ifFullNames {
		if strings.HasPrefix(full, prefix) {
			return full + rest
		}
	}
	return name
}

// sentence ends a message with a period.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func sortedKeys(m map[string]error) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedInts(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func orEmpty(ids []int) []int {
	if ids == nil {
		return []int{}
	}
	return ids
}
