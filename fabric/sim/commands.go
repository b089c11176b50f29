package sim

import (
	"fmt"
	"strings"
)

// grammar is the command set of a platform, by mode.
type grammar struct {
	exec, config, configIf, configVlan []*node
	doable                             []*node // what "do" runs from configuration mode
}

// grammarFor builds a platform's command set. NX-OS accepts show and ping in every mode; IOS
// wants "do" in front of them in configuration mode.
func grammarFor(p Platform) grammar {
	show := showIOS()
	if p == NXOS {
		show = showNXOS()
	}
	ping := pingNode()
	termMax := 512
	if p == NXOS {
		termMax = 511
	}
	terminal := kw("terminal",
		kw("length", intArg(0, termMax).do(cmdTerminalLength)),
		kw("width", intArg(0, termMax).do(cmdTerminalWidth)),
	)
	save := kw("write", kw("memory").do(cmdWriteMemory))
	if p == NXOS {
		save = kw("copy", kw("running-config", kw("startup-config").do(cmdCopyRunStart)))
	}
	configure := kw("configure", kw("terminal").do(cmdConfigure))
	if p == NXOS {
		configure.run = cmdConfigure // NX-OS takes a bare "configure" as "configure terminal"
	}

	var g grammar
	g.doable = []*node{show, ping, terminal, save}
	g.exec = []*node{configure, kw("exit").do(cmdExitExec), ping, save, show, terminal}

	global := []*node{
		kw("do", value(argRest).do(cmdDo)),
		kw("end").do(cmdEnd),
		kw("exit").do(cmdExitConfig),
		kw("interface", value(argInterface).do(cmdInterface)),
		kw("no", kw("vlan", value(argVLANs).do(cmdNoVLAN))),
		kw("vlan", value(argVLANs).do(cmdVLAN)),
	}
	markGlobal(global)
	global[0].next[0].global = false // "do show ..." keeps the sub-mode

	allowed := kw("vlan",
		value(argVLANs).do(cmdAllowed("set")),
		kw("add", value(argVLANs).do(cmdAllowed("add"))),
		kw("all").do(cmdAllowed("all")),
		kw("except", value(argVLANs).do(cmdAllowed("except"))),
		kw("none").do(cmdAllowed("none")),
		kw("remove", value(argVLANs).do(cmdAllowed("remove"))),
	)
	ifCmds := []*node{
		kw("description", value(argRest).do(cmdDescription)),
		kw("end").do(cmdEnd),
		kw("exit").do(cmdExitSub),
		kw("mtu", intArg(1500, 9216).do(cmdMTU)),
		kw("no",
			kw("description").do(cmdNoDescription),
			kw("mtu").do(cmdNoMTU),
			kw("shutdown").do(cmdShutdown(false)),
		),
		kw("shutdown").do(cmdShutdown(true)),
		kw("switchport",
			kw("mode", kw("trunk").do(cmdSwitchportNoop)),
			kw("trunk", kw("allowed", allowed)),
		).do(cmdSwitchportNoop),
	}
	if p == NXOS {
		ifCmds = append(ifCmds, kw("otv", kw("extend-vlan",
			value(argVLANs).do(cmdExtend("set")),
			kw("add", value(argVLANs).do(cmdExtend("add"))),
			kw("remove", value(argVLANs).do(cmdExtend("remove"))),
		)))
	}
	vlanCmds := []*node{
		kw("end").do(cmdEnd),
		kw("exit").do(cmdExitSub),
		kw("name", value(argWord).do(cmdVLANName)),
		kw("no", kw("name").do(cmdNoVLANName)),
	}
	var anywhere []*node
	if p == NXOS {
		anywhere = []*node{show, ping}
	}
	g.config = merge(global, anywhere)
	g.configIf = merge(ifCmds, global, anywhere)
	g.configVlan = merge(vlanCmds, global, anywhere)
	return g
}

func showNXOS() *node {
	return kw("show",
		kw("hostname").do(showText((*Fabric).nxosHostname)),
		kw("interface",
			kw("trunk").do(showText((*Fabric).nxosInterfaceTrunk)),
			value(argInterface).do(cmdShowInterface),
		).do(showText((*Fabric).nxosInterfaces)),
		kw("otv",
			kw("adjacency").do(showText((*Fabric).nxosOTVAdjacency)),
			kw("vlan").do(showText((*Fabric).nxosOTVVLAN)),
		),
		kw("port-channel", kw("summary").do(showText((*Fabric).nxosPortChannelSummary))),
		kw("version").do(showText((*Fabric).nxosVersion)),
		kw("vlan", kw("brief").do(showText((*Fabric).nxosVLANBrief))).do(showText((*Fabric).nxosVLAN)),
	)
}

func showIOS() *node {
	return kw("show",
		kw("etherchannel", kw("summary").do(showText((*Fabric).iosEtherchannelSummary))),
		kw("interfaces",
			kw("trunk").do(showText((*Fabric).iosInterfacesTrunk)),
			value(argInterface).do(cmdShowInterface),
		).do(showText((*Fabric).iosInterfaces)),
		kw("version").do(showText((*Fabric).iosVersion)),
		kw("vlan", kw("brief").do(showText((*Fabric).iosVLANBrief))).do(showText((*Fabric).iosVLAN)),
	)
}

// pingNode is "ping <target> [count N] [repeat N] [vrf NAME] [source ADDR]", options in any order.
func pingNode() *node {
	count := intArg(1, 65535).do(cmdPing)
	repeat := intArg(1, 65535).do(cmdPing)
	vrf := value(argWord).do(cmdPing)
	source := value(argWord).do(cmdPing)
	opts := []*node{kw("count", count), kw("repeat", repeat), kw("source", source), kw("vrf", vrf)}
	for _, n := range []*node{count, repeat, vrf, source} {
		n.next = opts
	}
	return kw("ping", value(argWord, opts...).do(cmdPing))
}

// markGlobal flags every command of a configuration-mode tree, so that typing one in a
// sub-mode leaves the sub-mode first, as both CLIs do.
func markGlobal(nodes []*node) {
	for _, n := range nodes {
		if n.run != nil {
			n.global = true
		}
		markGlobal(n.next)
	}
}

// merge joins command lists; a keyword in several lists keeps the first list's action and the
// union of what may follow it.
func merge(lists ...[]*node) []*node {
	var out []*node
	at := map[string]int{}
	for _, l := range lists {
		for _, n := range l {
			if n.kind != argKeyword {
				out = append(out, n)
				continue
			}
			i, dup := at[n.word]
			if !dup {
				at[n.word] = len(out)
				out = append(out, n)
				continue
			}
			m := *out[i]
			m.next = merge(out[i].next, n.next)
			if m.run == nil {
				m.run, m.global = n.run, n.global
			}
			out[i] = &m
		}
	}
	return out
}

// showText wraps a renderer as a show command.
func showText(render func(f *Fabric, d *device) string) func(c *console, a *args) reply {
	return func(c *console, _ *args) reply {
		return reply{out: render(c.f, c.dev), show: true}
	}
}

// ---- exec mode ----

func cmdConfigure(c *console, _ *args) reply {
	c.mode = modeConfig
	if c.dev.platform == NXOS {
		return reply{out: "Enter configuration commands, one per line. End with CNTL/Z.\n"}
	}
	return reply{out: "Enter configuration commands, one per line.  End with CNTL/Z.\n"}
}

func cmdExitExec(*console, *args) reply { return reply{hangUp: true} }

func cmdTerminalLength(c *console, a *args) reply {
	c.lines = a.ints[0]
	return reply{}
}

func cmdTerminalWidth(c *console, a *args) reply {
	if c.dev.platform == NXOS && a.ints[0] < 24 {
		return c.invalidAt(2)
	}
	c.width = a.ints[0]
	return reply{}
}

func cmdCopyRunStart(*console, *args) reply {
	return reply{out: "[########################################] 100%\nCopy complete.\n"}
}

func cmdWriteMemory(*console, *args) reply {
	return reply{out: "Building configuration...\n[OK]\n"}
}

func cmdShowInterface(c *console, a *args) reply {
	p := c.dev.byName[a.ifs[0]]
	if p == nil {
		return c.invalidAt(2)
	}
	if c.dev.platform == NXOS {
		return reply{out: c.f.nxosInterface(c.dev, p), show: true}
	}
	return reply{out: c.f.iosInterface(c.dev, p), show: true}
}

func cmdPing(c *console, a *args) reply {
	count := 5
	if len(a.ints) > 0 {
		count = a.ints[len(a.ints)-1]
	}
	return c.f.ping(c.dev, a.strs[0], count)
}

// ---- configuration mode ----

func cmdEnd(c *console, _ *args) reply {
	c.mode = modeExec
	return reply{}
}

func cmdExitConfig(c *console, _ *args) reply {
	c.mode = modeExec
	return reply{}
}

func cmdExitSub(c *console, _ *args) reply {
	c.mode = modeConfig
	return reply{}
}

// cmdDo runs an exec command from configuration mode.
func cmdDo(c *console, a *args) reply {
	rest := a.strs[0]
	toks := tokenize(c.line)
	c.wordBase, c.colBase = 1, toks[1].start
	n, sub, perr := c.match(c.g.doable, rest)
	if perr != nil {
		return c.refuse(perr)
	}
	return n.run(c, sub)
}

func cmdInterface(c *console, a *args) reply {
	if c.dev.byName[a.ifs[0]] == nil {
		return c.invalidAt(1)
	}
	c.mode, c.iface = modeConfigIf, a.ifs[0]
	return reply{}
}

func cmdVLAN(c *console, a *args) reply {
	for _, id := range a.vlans[0] {
		if c.dev.vlans[id] == "" {
			c.dev.vlans[id] = fmt.Sprintf("VLAN%04d", id)
		}
	}
	c.mode, c.vlans = modeConfigVlan, a.vlans[0]
	return reply{}
}

func cmdNoVLAN(c *console, a *args) reply {
	var out strings.Builder
	failed := false
	for _, id := range a.vlans[0] {
		if id == 1 || (c.dev.platform == IOSXE && id >= 1002 && id <= 1005) {
			failed = true
			if c.dev.platform == NXOS {
				fmt.Fprintf(&out, "ERROR: Default VLAN %d may not be deleted\n", id)
			} else {
				fmt.Fprintf(&out, "%%Default VLAN %d may not be deleted.\n", id)
			}
			continue
		}
		delete(c.dev.vlans, id)
	}
	return reply{out: out.String(), failed: failed}
}

func cmdVLANName(c *console, a *args) reply {
	for _, id := range c.vlans {
		if c.dev.vlans[id] != "" {
			c.dev.vlans[id] = a.strs[0]
		}
	}
	return reply{}
}

func cmdNoVLANName(c *console, _ *args) reply {
	for _, id := range c.vlans {
		if c.dev.vlans[id] != "" {
			c.dev.vlans[id] = fmt.Sprintf("VLAN%04d", id)
		}
	}
	return reply{}
}

// ---- interface configuration mode ----

// target returns the interface being configured and, for a port-channel, its members: both
// CLIs copy a port-channel's configuration to its members.
func (c *console) target() (*port, []*port) {
	p := c.dev.byName[c.iface]
	if p.kind == kindPortChannel {
		return p, c.dev.members(p)
	}
	return p, nil
}

func cmdShutdown(shut bool) func(c *console, a *args) reply {
	return func(c *console, _ *args) reply {
		p, _ := c.target()
		p.adminUp = !shut
		return reply{}
	}
}

func cmdDescription(c *console, a *args) reply {
	p, _ := c.target()
	p.desc = a.strs[0]
	return reply{}
}

func cmdNoDescription(c *console, _ *args) reply {
	p, _ := c.target()
	p.desc = ""
	return reply{}
}

func cmdMTU(c *console, a *args) reply {
	p, members := c.target()
	if p.kind == kindOverlay {
		return c.invalidAt(0)
	}
	for _, q := range append(members, p) {
		q.mtu = a.ints[0]
	}
	return reply{}
}

func cmdNoMTU(c *console, _ *args) reply {
	p, members := c.target()
	if p.kind == kindOverlay {
		return c.invalidAt(1)
	}
	for _, q := range append(members, p) {
		q.mtu = 1500
	}
	return reply{}
}

func cmdSwitchportNoop(c *console, _ *args) reply {
	if p, _ := c.target(); p.kind == kindOverlay {
		return c.invalidAt(0)
	}
	return reply{}
}

// cmdAllowed edits a trunk's allowed VLAN list. On a port-channel the change reaches its
// members; on a member alone it makes the member disagree with its channel, and LACP suspends it.
func cmdAllowed(op string) func(c *console, a *args) reply {
	return func(c *console, a *args) reply {
		p, members := c.target()
		if p.kind == kindOverlay {
			return c.invalidAt(0)
		}
		var list []int
		if len(a.vlans) > 0 {
			list = a.vlans[0]
		}
		for _, q := range append(members, p) {
			q.allowed = editVLANs(q.allowed, op, list)
		}
		return reply{}
	}
}

// cmdExtend edits the VLANs an overlay extends (NX-OS "otv extend-vlan").
func cmdExtend(op string) func(c *console, a *args) reply {
	return func(c *console, a *args) reply {
		p, _ := c.target()
		if p.kind != kindOverlay || c.dev.overlay == nil {
			return c.invalidAt(0)
		}
		c.dev.overlay.extend = editVLANs(c.dev.overlay.extend, op, a.vlans[0])
		return reply{}
	}
}

func editVLANs(cur vlanSet, op string, list []int) vlanSet {
	switch op {
	case "all":
		return allVLANs()
	case "none":
		return vlanSet{}
	case "set":
		return newVLANSet(list...)
	case "except":
		s := allVLANs()
		for _, id := range list {
			delete(s, id)
		}
		return s
	}
	s := cur.clone()
	for _, id := range list {
		if op == "add" {
			s[id] = true
		} else {
			delete(s, id)
		}
	}
	return s
}
