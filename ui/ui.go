// Package ui is the vmcross console: two site panes side by side, the DCI fabric's health
// (a column on wide terminals, which takes the focus and scrolls like the site panes; a strip
// on narrow ones), a help bar. It reaches the back end only through Engine, and receives its
// States as messages; nothing in Update or View blocks.
package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
	"github.com/vmcross/vmcross/themes"
)

// Engine is what the console needs from the back end. backend.Engine satisfies it; tests
// use a fake.
type Engine interface {
	// Snapshot is the current State. It is immutable and cheap to get.
	Snapshot() model.State
	// Subscribe delivers the latest State after each change, coalesced; the channel is
	// closed when ctx ends.
	Subscribe(ctx context.Context) <-chan model.State
	// PollFabric asks, as who, for a poll of every switch now. It does not wait for the
	// poll: the result arrives as a State like any other.
	PollFabric(ctx context.Context, who model.Operator) error
	// ReconnectSite drops a site's vCenter session and logs in again (dangerous).
	ReconnectSite(ctx context.Context, who model.Operator, site model.SiteID) error
	// Details reads a VM's devices and snapshots from its vCenter (or a cache).
	Details(ctx context.Context, who model.Operator, key model.VMKey) (model.VMDetails, error)
	// Preflight judges, as who, moving the request's VMs (all of one site) to its target
	// site, under its vMotion profile ("": the engine's choice) and with the operator's
	// choices of targets. It reads details from the vCenter.
	Preflight(ctx context.Context, who model.Operator, req preflight.Request) (preflight.Result, error)
	// Migrate queues, as who, the moves of the request's VMs (dangerous): it judges them
	// again, leaves out (as Skipped) each VM a finding blocks or whose warnings acked does
	// not cover ("CODE object" per VM), and refuses as a whole a request naming a VM
	// already queued or moving. The moves then show in the States' Moves.
	Migrate(ctx context.Context, who model.Operator, req preflight.Request, acked map[model.VMKey][]string) (model.MigrateResult, error)
	// CancelMove cancels, as who, the move with that id (dangerous): the VM stays at its
	// source. It returns once asked; the move's state shows the outcome.
	CancelMove(ctx context.Context, who model.Operator, id string) error
	// History is the audit log, oldest first: every move and operator command, who asked
	// and how it ended.
	History(ctx context.Context) ([]model.AuditRecord, error)
}

// Planner is what the console needs of the engine's evacuation plans; backend.Plans
// satisfies it. One Planner serves every session of an engine. Options.Plans nil: the
// console runs no plans (the plans view says so).
type Planner interface {
	// List is every plan this engine runs or ran, in the order they began.
	List() []model.PlanStatus
	// Subscribe delivers the list after each change, coalesced; closed when ctx ends.
	Subscribe(ctx context.Context) <-chan []model.PlanStatus
	// Draft proposes, as who, a plan in waves for the scope and keeps it to be started by
	// its id; it writes its YAML to the draft's File. Nothing moves: a viewer may draft.
	Draft(ctx context.Context, who model.Operator, s model.PlanScope) (model.PlanDraft, error)
	// StartDraft starts, as who, the plan drafted with that id (dangerous).
	StartDraft(ctx context.Context, who model.Operator, id string) (model.PlanStatus, error)
	// Pause stops a plan handing out VMs (its queued moves are taken back, the running ones go on); Resume lets it go
	// on. Both dangerous.
	Pause(ctx context.Context, who model.Operator, id string) error
	Resume(ctx context.Context, who model.Operator, id string) error
	// Interrupted are the plans an earlier vmcross left active that nobody follows now;
	// Adopt re-attaches to one, as who (dangerous): its running tasks are followed, what
	// finished meanwhile is settled, and its queue goes on.
	Interrupted() ([]model.PlanStatus, error)
	Adopt(ctx context.Context, who model.Operator, id string) (model.PlanStatus, error)
}

// The smallest terminal the console draws in, and the width from which the fabric pane gets
// a column of its own instead of a strip under the sites.
const (
	MinWidth  = 60
	MinHeight = 15
	WideWidth = 120
)

// Fabric column width on wide terminals: a quarter of the width, within these bounds.
const (
	fabricMinW = 34
	fabricMaxW = 48
)

// Model is the console's root: it routes keys, sizes and States to the view stack (the main
// split at the bottom, views such as VM details pushed over it), runs the commands the keys
// ask for through the engine, and draws the top view over the help bar. Build it with New.
type Model struct {
	common Common
	engine Engine
	cancel context.CancelFunc
	states <-chan model.State // nil until subscribed, and after the engine closed it
	gen    uint64             // Gen of the newest State shown
	state  model.State        // the newest State shown

	main     mainView // the bottom of the stack, always there
	overlays []View   // views pushed over main, the last on top
	help     help.Model
	flash    flash          // the outcome of the last command, shown over the help bar for a while
	confirm  *confirmPrompt // a yes/no question in the flash line's place; it has the keys alone
	// pending are the moves this session queued that no State has shown yet: shown
	// meanwhile, so that the moves pane has them as soon as the review closes.
	pending []model.Move
	lay     layout
	plans   plansState // the engine's evacuation plans, the draft, the plans' questions
	shared  bool       // Options.Shared: quitting leaves the engine running, so asks nothing
}

// layout is where things go at the current size; set by relayout, read by View.
type layout struct {
	tooSmall bool
	helpH    int
	flashH   int
}

// New builds the console for one session. It reads the engine's current State so the first
// frame has content; further States arrive through a subscription opened by Init.
func New(engine Engine, opts Options) Model {
	c := NewCommon(opts)
	ctx, cancel := context.WithCancel(c.Ctx)
	c.Ctx = ctx
	h := help.New()
	h.Styles = c.Styles.Help
	m := Model{common: c, engine: engine, cancel: cancel, main: newMainView(c), help: h, plans: plansState{planner: opts.Plans},
		shared: opts.Shared}
	m.applyState(engine.Snapshot())
	return m
}

// Init opens the state subscription and starts the clock that ages "disconnected 5m" and the
// fabric's poll ages (and turns fabric data stale when no new State comes). With plans, it
// follows them too and asks which plans an earlier vmcross left unfinished.
func (m Model) Init() tea.Cmd {
	return tea.Batch(subscribe(m.common.Ctx, m.engine), tick(), m.initPlans())
}

// Update routes: sizes, States and the clock to every view; keys to the top view, after
// the global ones; commands' outcomes to the flash line.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		wasHidden := m.lay.tooSmall
		m.common.Width, m.common.Height = msg.Width, msg.Height
		m.relayout()
		if wasHidden && !m.lay.tooSmall {
			m.main.scrollToTop() // as after a fresh start, not wherever a tiny size left it
		}
		return m, nil
	case subscribedMsg:
		m.states = msg.ch
		return m, waitForState(m.states)
	case stateMsg:
		cmd := m.applyState(msg.state)
		return m, tea.Batch(cmd, waitForState(m.states))
	case streamClosedMsg:
		m.states = nil
		return m, nil
	case tickMsg:
		if m.flash.text != "" && !m.common.Now().Before(m.flash.until) {
			m.flash = flash{}
			m.relayout()
		}
		m.askInterrupted() // once the question that was asked is answered
		return m, tea.Batch(m.toAll(msg), tick())
	case commandDoneMsg:
		m.flash = newFlash(msg, m.common.Now())
		m.relayout()
		return m, nil
	case selectionLeftMsg:
		m.flash = flash{text: msg.text(), until: m.common.Now().Add(flashFor)}
		m.relayout()
		return m, nil
	case flashMsg:
		m.flash = flash{text: msg.text, until: m.common.Now().Add(flashFor)}
		m.relayout()
		return m, nil
	case openDetailsMsg:
		v, cmd := NewDetailsView(m.common, m.engine, msg.vm, msg.siteName)
		m.pushView(v)
		return m, cmd
	case openMovesMsg:
		return m.openMoves(msg.id)
	case askCancelMsg:
		return m.askCancel(msg.move)
	case migrateDoneMsg:
		return m.onMigrated(msg)
	case plansSubscribedMsg, plansMsg, plansClosedMsg, interruptedMsg, draftDoneMsg, planStartedMsg, planCmdDoneMsg, adoptDoneMsg:
		return m.onPlanMsg(msg)
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			return m.onKeys(msg.Runes)
		}
		return m.onKey(msg)
	}
	return m.toTop(msg)
}

// onKeys handles runes that arrived together. bubbletea v1 reads keys typed faster than it
// reads (a slow SSH link, tmux send-keys) as one KeyMsg; "/sql" must still open the filter
// and type "sql", so each rune is handled as its own key.
func (m Model) onKeys(runes []rune) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	var next tea.Model = m
	for _, r := range runes {
		var cmd tea.Cmd
		next, cmd = next.(Model).onKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		cmds = append(cmds, cmd)
	}
	return next, tea.Batch(cmds...)
}

// applyState shows s, unless a newer State is already shown (Gen only grows), in every view
// of the stack: a view over the lists follows its VM.
func (m *Model) applyState(s model.State) tea.Cmd {
	if s.Gen < m.gen {
		return nil
	}
	movesChanged := s.MovesGen == 0 || s.MovesGen != m.state.MovesGen || len(s.Moves) != len(m.state.Moves)
	m.gen, m.state = s.Gen, s
	left := m.main.applyState(s)
	var moves tea.Cmd
	if movesChanged {
		m.pending = notIn(m.pending, s.Moves)
		moves = m.applyMoves()
	}
	return tea.Batch(left, m.toOverlays(stateMsg{state: s}), moves)
}

// applyMoves shows the moves (the State's, and those pending) in the moves pane and in the
// views over the lists.
func (m *Model) applyMoves() tea.Cmd {
	ms := m.moves()
	letters := siteLetters(m.state)
	m.main.setMoves(ms, letters)
	return m.toOverlays(movesMsg{moves: ms, letters: letters})
}

// moves is every move the console knows: the newest State's, then those pending.
func (m *Model) moves() []model.Move { return mergeMoves(m.state.Moves, m.pending) }

// notIn is the moves of ms that are not in have (by id).
func notIn(ms, have []model.Move) []model.Move {
	if len(ms) == 0 {
		return nil
	}
	var out []model.Move
	for _, mv := range ms {
		found := false
		for _, h := range have {
			if h.ID == mv.ID {
				found = true
				break
			}
		}
		if !found {
			out = append(out, mv)
		}
	}
	return out
}

// Selection is every VM selected in the site panes, site A's first, each in list order
// (a VM's Key names its site). The review of a move starts from it.
func (m Model) Selection() []model.VM {
	return append(m.main.sites[0].Selection(), m.main.sites[1].Selection()...)
}

func (m Model) onKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	keys := m.common.KeyMap
	if key.Matches(msg, keys.ForceQuit) {
		return m.quitNow() // asks nothing, whatever is under way
	}
	if m.lay.tooSmall {
		// Nothing is on screen to act on: only quitting works.
		if key.Matches(msg, keys.Quit) && !m.main.filtering() && m.confirm == nil {
			return m.quit()
		}
		return m, nil
	}
	// The plans' questions have the keys alone too: what to evacuate, whether to re-attach.
	switch {
	case m.plans.evac != nil && m.confirm == m.plans.evac.prompt:
		return m.onEvacuateKey(msg)
	case m.plans.adopt != nil && m.confirm == m.plans.adopt:
		return m.onAdoptKey(msg)
	}
	// A question has the keys alone: y answers it, n or esc drops it.
	if m.confirm != nil {
		return m.onConfirmKey(msg)
	}
	// A focused text input gets the keys alone: q is a letter there.
	if len(m.overlays) == 0 && m.main.filtering() {
		return m.toTop(msg)
	}
	if t, ok := m.top().(typing); ok && t.Typing() {
		return m.toOverlay(msg)
	}
	switch {
	case key.Matches(msg, keys.Quit):
		return m.quit()
	case key.Matches(msg, keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.relayout()
		return m, nil
	case len(m.overlays) > 0:
		if key.Matches(msg, keys.Back) {
			m.overlays = m.overlays[: len(m.overlays)-1 : len(m.overlays)-1]
			m.relayout()
			return m, nil
		}
		return m.toOverlay(msg)
	case key.Matches(msg, keys.Review):
		return m.openReview()
	case key.Matches(msg, keys.Moves):
		id := ""
		if mv, ok := m.main.moves.Selected(); ok {
			id = mv.ID
		}
		return m.openMoves(id)
	case key.Matches(msg, keys.History):
		v, cmd := NewHistoryView(m.common, m.engine, m.moves(), siteLetters(m.state))
		m.pushView(v)
		return m, cmd
	case key.Matches(msg, keys.Evacuate):
		return m.askEvacuate()
	case key.Matches(msg, keys.Plans):
		return m.openPlans()
	case key.Matches(msg, keys.Refresh):
		return m, m.command(model.CmdPollFabric, "", func(ctx context.Context) error {
			return m.engine.PollFabric(ctx, m.common.Operator)
		})
	case key.Matches(msg, keys.Reconnect):
		site, known := m.main.site().Site()
		if !known {
			return m, nil
		}
		id := site.Status.ID
		return m, m.command(model.CmdReconnectSite, string(id), func(ctx context.Context) error {
			return m.engine.ReconnectSite(ctx, m.common.Operator, id)
		})
	}
	next, cmd := m.main.Update(msg)
	m.main = *next.(*mainView)
	m.relayout() // the help bar is the focused pane's
	return m, cmd
}

// typing is a view with a text input that, while focused, gets every key but ctrl+c.
type typing interface{ Typing() bool }

// toOverlay hands a key to the view on top, and lays the screen out again when its help
// bar changed height (a prompt has other keys than the view under it).
func (m Model) toOverlay(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	next, cmd := m.toTop(msg)
	nm := next.(Model)
	nm.help.Width = nm.common.Width
	if min(lineCount(nm.help.View(nm.helpKeys())), max(nm.common.Height/3, 1)) != nm.lay.helpH {
		nm.relayout()
	}
	return nm, cmd
}

// openReview opens the review of moving the focused site pane's selection (or the VM under
// its cursor, when nothing is selected) to the other site.
func (m Model) openReview() (tea.Model, tea.Cmd) {
	from, vms := m.main.selection()
	if len(vms) == 0 {
		vm, ok := m.main.site().Selected()
		if !ok {
			return m, nil
		}
		vms = []model.VM{vm}
	}
	to, known := m.main.sites[1-m.main.lastSite].Site()
	if !known || from.Status.ID == "" {
		return m, nil
	}
	v, cmd := NewReviewView(m.common, m.engine, vms, from, to, m.state)
	m.pushView(v)
	return m, cmd
}

// openMoves opens the migrations view, its cursor on the move with id ("": the first).
func (m Model) openMoves(id string) (tea.Model, tea.Cmd) {
	m.pushView(NewMovesView(m.common, m.moves(), siteLetters(m.state), id))
	return m, nil
}

// pushView puts v on top of the stack, sized to the screen.
func (m *Model) pushView(v View) {
	m.overlays = append(m.overlays[:len(m.overlays):len(m.overlays)], v)
	m.relayout()
}

// top is the view on top of the stack.
func (m *Model) top() View {
	if n := len(m.overlays); n > 0 {
		return m.overlays[n-1]
	}
	return &m.main
}

// toTop hands msg to the view on top.
func (m Model) toTop(msg tea.Msg) (tea.Model, tea.Cmd) {
	if n := len(m.overlays); n > 0 {
		overlays := append([]View(nil), m.overlays...)
		var cmd tea.Cmd
		overlays[n-1], cmd = overlays[n-1].Update(msg)
		m.overlays = overlays
		return m, cmd
	}
	next, cmd := m.main.Update(msg)
	m.main = *next.(*mainView)
	return m, cmd
}

// toAll hands msg to every view of the stack, bottom first.
func (m *Model) toAll(msg tea.Msg) tea.Cmd {
	next, cmd := m.main.Update(msg)
	m.main = *next.(*mainView)
	return tea.Batch(cmd, m.toOverlays(msg))
}

// toOverlays hands msg to every view over the main one.
func (m *Model) toOverlays(msg tea.Msg) tea.Cmd {
	if len(m.overlays) == 0 {
		return nil
	}
	overlays := make([]View, len(m.overlays))
	cmds := make([]tea.Cmd, len(m.overlays))
	for i, v := range m.overlays {
		overlays[i], cmds[i] = v.Update(msg)
	}
	m.overlays = overlays
	return tea.Batch(cmds...)
}

func (m Model) quit() (tea.Model, tea.Cmd) {
	if q := m.quitQuestion(); q != "" {
		m.confirm = &confirmPrompt{question: q, yesDesc: "quit", noDesc: "stay",
			yes: func(m *Model) tea.Cmd { m.cancel(); return tea.Quit }}
		m.relayout()
		return m, nil
	}
	return m.quitNow()
}

func (m Model) quitNow() (tea.Model, tea.Cmd) {
	m.cancel() // ends the subscription; the engine closes the channel
	return m, tea.Quit
}

// quitQuestion is what to ask before quitting while moves or plans are under way in this
// console's engine, "" to quit at once: a `vmcross serve` session (the engine runs on), or
// nothing under way. The moves vCenter runs go on without vmcross; what a plan has not
// handed out waits for vmcross to start again and re-attach it.
func (m Model) quitQuestion() string {
	if m.shared {
		return ""
	}
	moves, plans := 0, 0
	for _, mv := range m.moves() {
		if mv.State.Active() {
			moves++
		}
	}
	for _, ps := range m.plans.list {
		if ps.State.Active() {
			plans++
		}
	}
	switch {
	// Short enough for 80 columns: the question has one line.
	case plans > 0:
		return fmt.Sprintf("Quit? %s, %s under way; moves go on in vCenter, plans wait for vmcross",
			plural(plans, "plan"), plural(moves, "move"))
	case moves > 0:
		return fmt.Sprintf("Quit? %s under way; started ones go on in vCenter, queued ones are dropped", plural(moves, "move"))
	}
	return ""
}

// relayout sizes the top view for the terminal, less the help bar and the flash line.
func (m *Model) relayout() {
	w, h := m.common.Width, m.common.Height
	m.lay = layout{tooSmall: w < MinWidth || h < MinHeight}
	if m.lay.tooSmall {
		return
	}
	m.help.Width = w
	m.lay.helpH = min(lineCount(m.help.View(m.helpKeys())), max(h/3, 1))
	if m.flash.text != "" || m.confirm != nil {
		m.lay.flashH = 1
	}
	vh := h - m.lay.helpH - m.lay.flashH
	m.main.SetSize(w, vh) // kept sized under the views over it, so esc shows it at once
	for _, v := range m.overlays {
		v.SetSize(w, vh)
	}
}

// helpKeys is what the help bar shows: the top view's keys, then the global ones.
func (m Model) helpKeys() helpKeys {
	k := m.common.KeyMap
	if m.plans.evac != nil && m.confirm == m.plans.evac.prompt {
		return m.plans.evac.helpKeys(k)
	}
	if m.confirm != nil {
		keys := m.confirm.keys(k)
		return helpKeys{short: keys, full: [][]key.Binding{keys}} // ? and q are not answers
	}
	top := m.top()
	short, full := top.ShortHelp(), top.FullHelp()
	if t, ok := top.(typing); ok && t.Typing() {
		return helpKeys{short: short, full: full} // ? and q are letters there
	}
	if len(m.overlays) > 0 || !m.main.filtering() {
		short = append(short, k.Help, k.Quit)
	}
	if len(m.overlays) == 0 && m.plans.planner != nil {
		full = append(full, []key.Binding{k.Evacuate, k.Plans})
	}
	full = append(full, []key.Binding{k.Help, k.Quit})
	return helpKeys{short: short, full: full}
}

// helpKeys adapts merged bindings to help.KeyMap.
type helpKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

func (h helpKeys) ShortHelp() []key.Binding  { return h.short }
func (h helpKeys) FullHelp() [][]key.Binding { return h.full }

// View draws the console: exactly the terminal's height in lines, none wider than it.
func (m Model) View() string {
	w, h := m.common.Width, m.common.Height
	if w <= 0 || h <= 0 {
		return "" // no size yet
	}
	if m.lay.tooSmall {
		return tooSmallView(m.common.Styles, firstKey(m.common.KeyMap.Quit), w, h)
	}
	lines := strings.Split(m.top().View(), "\n")
	switch {
	case m.confirm != nil:
		lines = append(lines, fit(m.confirm.render(m.common.Styles, w), w))
	case m.lay.flashH > 0:
		lines = append(lines, fit(m.flash.render(m.common.Styles, w), w))
	}
	hl := strings.Split(m.help.View(m.helpKeys()), "\n")
	for i := 0; i < m.lay.helpH; i++ {
		lines = append(lines, fit(at(hl, i), w))
	}
	return strings.Join(lines, "\n")
}

// tooSmallView says the terminal is too small, wrapped to fit the screen it is shown on.
func tooSmallView(st *themes.Styles, quit string, w, h int) string {
	msg := fmt.Sprintf("terminal too small: need %dx%d, have %dx%d; %s quits", MinWidth, MinHeight, w, h, quit)
	lines := strings.Split(blank(w, h), "\n")
	for i, l := range strings.Split(ansi.Wrap(msg, w, ""), "\n") {
		if i < len(lines) {
			lines[i] = fit(st.TooSmall.Render(strings.TrimRight(l, " ")), w)
		}
	}
	return strings.Join(lines, "\n")
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

func lineCount(s string) int { return strings.Count(s, "\n") + 1 }
