package sim

import (
	"strings"
	"time"
)

// mode is a CLI mode.
type mode int

const (
	modeExec mode = iota
	modeConfig
	modeConfigIf
	modeConfigVlan
)

// console is the command interpreter of one CLI session (SSH or Exec): its mode and terminal
// settings. The fabric state it reads and changes is shared and guarded by the Fabric's lock.
type console struct {
	f     *Fabric
	dev   *device
	mode  mode
	iface string // interface being configured in modeConfigIf
	vlans []int  // VLANs being configured in modeConfigVlan
	width int    // terminal width
	lines int    // terminal length; the simulator never pages
	g     grammar

	line     string // the line being executed, for caret positions
	wordBase int    // words before the command proper ("do")
	colBase  int    // columns before the command proper
}

func newConsole(f *Fabric, d *device) *console {
	return &console{f: f, dev: d, width: 80, lines: 24, g: grammarFor(d.platform)}
}

// prompt is the prompt of the current mode: "host# " and "host(config-if)# " on NX-OS (with a
// trailing space), "host#" and "host(config-if)#" on IOS.
func (c *console) prompt() string {
	suffix := ""
	switch c.mode {
	case modeConfig:
		suffix = "(config)"
	case modeConfigIf:
		suffix = "(config-if)"
	case modeConfigVlan:
		suffix = "(config-vlan)"
	}
	p := c.dev.name + suffix + "#"
	if c.dev.platform == NXOS {
		p += " "
	}
	return p
}

// chunk is a piece of output that appears after a delay, as ping replies do.
type chunk struct {
	delay time.Duration
	text  string
}

// reply is what one line produces.
type reply struct {
	out    string  // printed at once; "\n" line ends
	chunks []chunk // printed after out, each after its delay
	failed bool    // the switch refused the line
	show   bool    // a show command: SetDropMidOutput cuts it
	hangUp bool    // the session ends (exit from exec mode)
}

// token is one word of a line and where it starts.
type token struct {
	text  string
	start int
}

func tokenize(line string) []token {
	var out []token
	start := -1
	for i := 0; i <= len(line); i++ {
		space := i == len(line) || line[i] == ' ' || line[i] == '\t'
		switch {
		case !space && start < 0:
			start = i
		case space && start >= 0:
			out = append(out, token{line[start:i], start})
			start = -1
		}
	}
	return out
}

// argKind is the kind of value a grammar node takes.
type argKind int

const (
	argKeyword   argKind = iota // a fixed word, matched by unique prefix
	argInt                      // an integer in [lo, hi]
	argVLANs                    // a VLAN list: "100,110-130"
	argInterface                // an interface name, one or two words
	argWord                     // any one word
	argRest                     // the rest of the line, spaces and all
)

// node is one step of the command grammar: a keyword or a value, what may follow it, and what
// to do when a line ends there.
type node struct {
	word   string
	kind   argKind
	lo, hi int
	next   []*node
	run    func(c *console, a *args) reply
	global bool // a configuration-mode command: from a sub-mode it leaves that sub-mode
}

func kw(word string, next ...*node) *node { return &node{word: word, kind: argKeyword, next: next} }

func value(kind argKind, next ...*node) *node { return &node{kind: kind, next: next} }

func intArg(lo, hi int, next ...*node) *node {
	return &node{kind: argInt, lo: lo, hi: hi, next: next}
}

func (n *node) do(fn func(c *console, a *args) reply) *node {
	n.run = fn
	return n
}

// args are the words and values a line matched, in order.
type args struct {
	words []string // the keywords matched, spelled in full
	ints  []int
	vlans [][]int
	ifs   []string
	strs  []string
}

// parseError says why a line does not parse and where.
type parseError struct {
	kind string // "invalid", "incomplete", "ambiguous"
	col  int    // column of the caret within the line
}

// match parses a line against a grammar. It returns the node the line ends on and its args.
func (c *console) match(roots []*node, line string) (*node, *args, *parseError) {
	toks := tokenize(line)
	a := &args{}
	cur := roots
	var at *node
	for i := 0; i < len(toks); {
		tok := toks[i]
		var exact, prefixed []*node
		var valued *node
		used := 1
		for _, n := range cur {
			if n.kind == argKeyword {
				if strings.EqualFold(n.word, tok.text) {
					exact = append(exact, n)
				} else if strings.HasPrefix(strings.ToLower(n.word), strings.ToLower(tok.text)) {
					prefixed = append(prefixed, n)
				}
				continue
			}
			if valued == nil {
				if u, ok := c.accepts(n, toks, i); ok {
					valued, used = n, u
				}
			}
		}
		var chosen *node
		switch {
		case len(exact) > 0:
			chosen, used = exact[0], 1
		case len(prefixed) == 1:
			chosen, used = prefixed[0], 1
		case len(prefixed) > 1:
			return nil, nil, &parseError{kind: "ambiguous", col: tok.start}
		case valued != nil:
			chosen = valued
		default:
			return nil, nil, &parseError{kind: "invalid", col: tok.start + commonPrefix(tok.text, cur)}
		}
		switch chosen.kind {
		case argKeyword:
			a.words = append(a.words, chosen.word)
		case argInt:
			a.ints = append(a.ints, atoi(tok.text))
		case argVLANs:
			ids, _ := parseVLANList(tok.text)
			a.vlans = append(a.vlans, ids)
		case argInterface:
			next := ""
			if i+1 < len(toks) {
				next = toks[i+1].text
			}
			name, _, _ := parseIfName(c.dev.platform, tok.text, next)
			a.ifs = append(a.ifs, name)
		case argWord:
			a.strs = append(a.strs, tok.text)
		case argRest:
			a.strs = append(a.strs, strings.TrimSpace(line[tok.start:]))
			used = len(toks) - i
		}
		at = chosen
		i += used
		cur = chosen.next
	}
	if at == nil || at.run == nil {
		return nil, nil, &parseError{kind: "incomplete", col: len(line)}
	}
	return at, a, nil
}

// accepts says whether a value node takes the words at toks[i], and how many.
func (c *console) accepts(n *node, toks []token, i int) (int, bool) {
	tok := toks[i].text
	switch n.kind {
	case argInt:
		v, ok := parseInt(tok)
		return 1, ok && v >= n.lo && v <= n.hi
	case argVLANs:
		_, err := parseVLANList(tok)
		return 1, err == nil
	case argInterface:
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1].text
		}
		_, used, ok := parseIfName(c.dev.platform, tok, next)
		return used, ok
	case argWord, argRest:
		return 1, true
	}
	return 0, false
}

// commonPrefix is how far a mistyped word agrees with some keyword that could have come there:
// both NX-OS and IOS put the caret at the first character no command accepts.
func commonPrefix(word string, cur []*node) int {
	best := 0
	w := strings.ToLower(word)
	for _, n := range cur {
		if n.kind != argKeyword {
			continue
		}
		k := strings.ToLower(n.word)
		i := 0
		for i < len(w) && i < len(k) && w[i] == k[i] {
			i++
		}
		best = max(best, i)
	}
	return best
}

func parseInt(s string) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

func atoi(s string) int {
	n, _ := parseInt(s)
	return n
}

// execute runs one line and returns what it prints.
func (c *console) execute(line string) reply {
	if strings.TrimSpace(line) == "" {
		return reply{}
	}
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	now := time.Now()
	c.f.settle(now)
	defer c.f.settle(now)

	c.line, c.wordBase, c.colBase = line, 0, 0
	n, a, perr := c.match(c.grammar(), line)
	if perr != nil {
		return c.refuse(perr)
	}
	if n.global && (c.mode == modeConfigIf || c.mode == modeConfigVlan) {
		c.mode = modeConfig
	}
	return n.run(c, a)
}

// refuse renders a parse error of the current line as the platform does.
func (c *console) refuse(e *parseError) reply {
	caret := strings.Repeat(" ", len(c.prompt())+c.colBase+e.col) + "^\n"
	if c.dev.platform == NXOS {
		switch e.kind {
		case "incomplete":
			return reply{out: caret + "% Incomplete command at '^' marker.\n", failed: true}
		case "ambiguous":
			return reply{out: caret + "% Ambiguous command at '^' marker.\n", failed: true}
		}
		return reply{out: caret + "% Invalid command at '^' marker.\n", failed: true}
	}
	switch e.kind {
	case "incomplete":
		return reply{out: "% Incomplete command.\n\n", failed: true}
	case "ambiguous":
		return reply{out: "% Ambiguous command:  \"" + strings.TrimSpace(c.line) + "\"\n", failed: true}
	}
	return reply{out: caret + "% Invalid input detected at '^' marker.\n\n", failed: true}
}

// invalidAt refuses a line that parsed but names something that does not exist (a missing
// interface, say), with the caret under word number word of the command.
func (c *console) invalidAt(word int) reply {
	toks := tokenize(c.line)
	col := len(c.line)
	if i := c.wordBase + word; i < len(toks) {
		col = toks[i].start
	}
	c.colBase = 0
	return c.refuse(&parseError{kind: "invalid", col: col})
}

// grammar returns the commands the current mode accepts.
func (c *console) grammar() []*node {
	g := c.g
	switch c.mode {
	case modeConfig:
		return g.config
	case modeConfigIf:
		return g.configIf
	case modeConfigVlan:
		return g.configVlan
	}
	return g.exec
}

// isUnresponsive says whether the switch's CLI has stopped answering.
func (f *Fabric) isUnresponsive(d *device) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return d.unresponsive
}

// takeDropMidOutput consumes an armed SetDropMidOutput.
func (f *Fabric) takeDropMidOutput(d *device) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	armed := d.dropMidOutput
	d.dropMidOutput = false
	return armed
}

func sleep(d time.Duration) {
	if d > 0 {
		time.Sleep(d)
	}
}
