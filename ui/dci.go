package ui

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/fabric"
)

// vlanMarks is what VM rows need from the fabric: the VLANs the DCI reports as not carried.
// It is built once per State and never changed, so panes share the pointer.
type vlanMarks struct {
	bad   map[int]struct{}
	clock fabric.Health // Configured, Interval and PolledAt only: for Stale
}

// at returns m if its data can be trusted at now, or nil: stale data marks nothing.
func (m *vlanMarks) at(now time.Time) *vlanMarks {
	if m == nil || len(m.bad) == 0 || m.clock.Stale(now) {
		return nil
	}
	return m
}

// notCarried reports whether the DCI reports VLAN id as not carried.
func (m *vlanMarks) notCarried(id int) bool {
	if m == nil {
		return false
	}
	_, ok := m.bad[id]
	return ok
}

// flags reports whether any of vlans is not carried: the row gets its "!" mark.
func (m *vlanMarks) flags(vlans []int) bool {
	if m == nil {
		return false
	}
	for _, id := range vlans {
		if _, ok := m.bad[id]; ok {
			return true
		}
	}
	return false
}

// dciView is what the fabric pane shows, derived from one State: everything that does not
// depend on the clock or the pane's size is worked out here, in Update, so View only lays
// it out. Text from the outside is already cleaned of control characters. The judgement of
// the DCI (health.Verdict, the limits, which RTT is over budget or MTU low) is fabric's: the
// pane only draws it.
type dciView struct {
	health   fabric.Health
	switches []switchView
	trunks   []trunkView
	rtts     []rttView

	// VLANs in use by VMs of either site, split by what the monitor says of them.
	inUse      []int
	carried    []int
	unknown    []int
	notCarried []vlanView

	findings []fabric.Finding // in fabric's order: the worst problem first, local VLANs last

	// headline is the worst problem in a few words, for the strip; short drops the detail.
	headline, headlineShort string

	marks *vlanMarks
}

type switchView struct {
	localPort string // the SSH port of a switch on this machine (the lab's), shown for demos
	name      string
	err       string
	reachable bool
	lastPoll  time.Time
	since     time.Time // when its current state began (answering, or not)
	pending   bool      // its first poll has not ended yet
}

type trunkView struct {
	name        string // "mia-dci-n7k-01 Po10"
	up          bool
	status      string
	membersUp   int
	members     int
	mtu         int
	allowed     string // compact ranges: "100-119,121-150"
	forwarding  string
	notes       []memberNote
	crcRising   bool
	mtuLow      bool // fabric judged the trunk's MTU too small for vMotion
	memberShort bool // some member is not up
	unknown     bool // the switch gave no fresh data about it this round
	// capacityMbps and usedMbps are the trunk's bandwidth and traffic, as fabric measured
	// them; capacityMbps is 0 when it is down or not measured.
	capacityMbps, usedMbps int64
}

// memberNote is one member link that needs attention.
type memberNote struct {
	text string // "Eth3/2 down (suspended)", "Eth3/1 CRC rising (1204)"
	bad  bool   // down, rather than erring
}

type rttView struct {
	from, to string // shortened: "mia", "atl"
	rtt      fabric.RTT
}

type vlanView struct {
	id     int
	reason string // VLANStatus.Reasons[0]
}

// newDCIView derives the fabric pane's content from s. It is linear in the inventory (the
// union of the VMs' VLANs) and runs once per State.
func newDCIView(s model.State) *dciView {
	h := s.Fabric
	d := &dciView{health: h}
	d.marks = &vlanMarks{clock: fabric.Health{Configured: h.Configured, Interval: h.Interval, PolledAt: h.PolledAt}}
	if !h.Configured {
		return d
	}
	for _, v := range h.VLANs {
		// Unknown: a switch on the path gave no data. That is no verdict: no mark.
		if !v.Carried && !v.Unknown {
			if d.marks.bad == nil {
				d.marks.bad = map[int]struct{}{}
			}
			d.marks.bad[v.ID] = struct{}{}
		}
	}

	for _, sw := range h.Switches {
		d.switches = append(d.switches, switchView{
			name: clean(sw.Name), err: strings.TrimSpace(clean(sw.Err)), reachable: sw.Reachable, lastPoll: sw.LastPoll,
			since: sw.Since, pending: sw.Pending,
			localPort: loopbackPort(sw.Address),
		})
	}
	for _, t := range h.Trunks {
		d.trunks = append(d.trunks, newTrunkView(t))
	}
	for _, r := range h.RTTs {
		from, to := shortPair(clean(r.From), clean(r.To))
		d.rtts = append(d.rtts, rttView{from: from, to: to, rtt: r})
	}

	d.inUse = s.VLANsInUse
	if d.inUse == nil { // a State built by hand (tests) rather than by the engine
		d.inUse = model.VLANsInUse(s.Sites)
	}
	for _, id := range d.inUse {
		st, ok := h.VLAN(id)
		switch {
		case !ok || st.Unknown:
			d.unknown = append(d.unknown, id)
		case st.Carried:
			d.carried = append(d.carried, id)
		default:
			reason := "not carried"
			switch {
			case st.Local:
				reason = "local to each site"
			case len(st.Reasons) > 0 && strings.TrimSpace(st.Reasons[0]) != "":
				reason = strings.TrimSpace(clean(st.Reasons[0]))
			}
			d.notCarried = append(d.notCarried, vlanView{id: id, reason: reason})
		}
	}

	d.findings = make([]fabric.Finding, len(h.Findings))
	for i, f := range h.Findings {
		f.Message = strings.TrimSpace(clean(f.Message))
		if f.Message == "" {
			f.Message = clean(f.Code + " " + f.Object)
		}
		d.findings[i] = f
	}
	d.headline, d.headlineShort = d.worstInWords()
	return d
}

func newTrunkView(t fabric.Trunk) trunkView {
	tv := trunkView{
		name:       trunkName(t.Switch, t.Interface),
		up:         t.Up,
		status:     clean(t.Status),
		membersUp:  t.MembersUp(),
		members:    len(t.Members),
		mtu:        t.MTU,
		allowed:    vlanRanges(t.Allowed),
		forwarding: vlanRanges(t.Forwarding),
		unknown:    t.Unknown,
		mtuLow:     t.MTULow,

		capacityMbps: t.CapacityMbps,
		usedMbps:     t.UsedMbps,
	}
	tv.memberShort = tv.membersUp < tv.members
	for _, m := range t.Members {
		name := shortIf(clean(m.Name))
		if !m.Up {
			state := clean(m.State)
			if state == "" {
				state = "not bundled"
			}
			tv.notes = append(tv.notes, memberNote{text: name + " " + state, bad: true})
		}
		if m.Rising {
			tv.crcRising = true
			tv.notes = append(tv.notes, memberNote{text: fmt.Sprintf("%s CRC rising (%d)", name, m.CRC)})
		}
	}
	return tv
}

// trunkName is a trunk as the pane names it: "mia-dci-n7k-01 Po10".
func trunkName(sw, iface string) string {
	return strings.TrimSpace(clean(sw) + " " + shortIf(clean(iface)))
}

// worstInWords names the worst problem, which fabric sorts first, for the strip: long is
// "VLAN 120 not carried (mia-dci-n7k-01 Po10)" or the finding's own sentence; short is a
// few words made from its code and object ("atl-dci-n7k-01 Eth3/1 CRC rising").
func (d *dciView) worstInWords() (long, short string) {
	if d.health.Verdict.Problems == 0 || len(d.findings) == 0 {
		return "", ""
	}
	f := d.findings[0]
	if f.Code == fabric.CodeVLANNotExtended && f.VLAN > 0 {
		short = fmt.Sprintf("VLAN %d not carried", f.VLAN)
		if f.Where != (fabric.TrunkRef{}) {
			return short + " (" + trunkName(f.Where.Switch, f.Where.Interface) + ")", short
		}
		return short, short
	}
	return f.Message, findingInWords(f, d.health.Limits)
}

// findingInWords is a finding in a few words, for the strip; lim words the RTT findings.
func findingInWords(f fabric.Finding, lim fabric.Limits) string {
	obj := shortObject(clean(f.Object))
	if obj == "" {
		obj = clean(f.Switch)
	}
	byObject := map[string]string{
		fabric.CodeSwitchUnreachable: " unreachable",
		fabric.CodeTrunkDown:         " down",
		fabric.CodeMemberDown:        " down",
		fabric.CodeMTULow:            " MTU low",
		fabric.CodeCRCRising:         " CRC rising",
		fabric.CodeCommandFailed:     " command failed",
	}
	fixed := map[string]string{
		fabric.CodeFabricStale:      "fabric data stale",
		fabric.CodeOTVAdjacencyDown: "OTV adjacency down",
		fabric.CodeRTTHigh:          "RTT over " + limitMs(lim.RTTBudget) + " budget",
		fabric.CodeRTTOverLimit:     "RTT over " + limitMs(lim.RTTLimit) + " limit",
		fabric.CodePingFailed:       "no reply across the DCI",
		fabric.CodePacketLoss:       "packet loss across the DCI",
	}
	if s, ok := fixed[f.Code]; ok {
		return s
	}
	if f.Code == fabric.CodeVLANUnverified && f.VLAN > 0 {
		return fmt.Sprintf("VLAN %d unverified", f.VLAN)
	}
	if s, ok := byObject[f.Code]; ok && obj != "" {
		return obj + s
	}
	return f.Message
}

// shortObject shortens the interface names in an object: "mia-dci-n7k-01 Eth3/2".
func shortObject(obj string) string {
	words := strings.Fields(obj)
	for i, w := range words {
		words[i] = shortIf(w)
	}
	return strings.Join(words, " ")
}

// known is the number of VLANs in use that the monitor has an opinion on.
func (d *dciView) known() int { return len(d.carried) + len(d.notCarried) }

// vlanRanges is a VLAN list as a switch prints it: "100-119,121-150". Empty is "none".
func vlanRanges(ids []int) string { return fabric.FormatVLANList(ids) }

// vlanRangeItems is ids, sorted and deduplicated, with runs of consecutive IDs as "a-b".
func vlanRangeItems(ids []int) []string { return fabric.VLANRanges(ids) }

// ifAbbrev shortens interface names the way the switches do in their own summaries.
var ifAbbrev = []struct{ long, short string }{
	{"hundredgigabitethernet", "Hu"}, {"hundredgige", "Hu"},
	{"fortygigabitethernet", "Fo"}, {"fortygige", "Fo"},
	{"twentyfivegige", "Twe"}, {"tengigabitethernet", "Te"},
	{"gigabitethernet", "Gi"}, {"fastethernet", "Fa"},
	{"port-channel", "Po"}, {"ethernet", "Eth"},
}

// shortIf is "Po10" for "port-channel10", "Eth3/1" for "Ethernet3/1"; other names stay.
func shortIf(name string) string {
	lower := strings.ToLower(name)
	for _, a := range ifAbbrev {
		if strings.HasPrefix(lower, a.long) && len(name) > len(a.long) && name[len(a.long)] >= '0' && name[len(a.long)] <= '9' {
			return a.short + name[len(a.long):]
		}
	}
	return name
}

// loopbackPort is the port of a host:port address on the loopback interface, else "": the
// lab's switches, which a presenter SSHes into, show it; real switches don't need it.
func loopbackPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return port
	}
	return ""
}

// shortPair drops what two switch names share: "mia-dci-n7k-01" and "atl-dci-n7k-01" become
// "mia" and "atl". Names with nothing to drop stay whole.
func shortPair(a, b string) (string, string) {
	as, bs := strings.Split(a, "-"), strings.Split(b, "-")
	i := 0
	for i < len(as)-1 && i < len(bs)-1 && as[i] == bs[i] {
		i++
	}
	j := 0
	for j < len(as)-1-i && j < len(bs)-1-i && as[len(as)-1-j] == bs[len(bs)-1-j] {
		j++
	}
	sa, sb := strings.Join(as[i:len(as)-j], "-"), strings.Join(bs[i:len(bs)-j], "-")
	if sa == "" || sb == "" || sa == sb {
		return a, b
	}
	return sa, sb
}
