package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

// openReviewMsg asks the root to open the review of moving vms from their site to the
// other one.
type openReviewMsg struct {
	vms      []model.VM
	from, to model.SiteSnapshot
}

// reviewMsg is the answer to one preflight request. view and gen tell answers to another
// review, or to an older request of this one, apart: they are dropped.
type reviewMsg struct {
	view *ReviewView
	gen  int
	at   judgedAt
	res  preflight.Result
	err  error
}

// flashMsg puts a sentence on the flash line over the help bar.
type flashMsg struct{ text string }

// judgedAt is what a preflight judged: the fabric and both sites as of these generations.
// A State that differs in any of them may change the findings.
type judgedAt struct {
	fabric, from, to uint64
}

// notMoving is what confirming says until moves exist.
const notMoving = "moves are not implemented yet (next issue): nothing was started"

// preflightTimeout bounds one preflight, the details it reads included.
const preflightTimeout = 60 * time.Second

// ReviewView judges moving a selection of VMs to the other site: totals, then the findings
// grouped by VM, each with its remedy. It judges again when the fabric or either site
// changes under it (one request at a time), and starting the move asks the operator to
// type the target site's id. It scrolls; esc (handled by the root) closes it.
type ReviewView struct {
	common   Common
	engine   Engine
	keys     []model.VMKey
	from, to model.SiteID
	fromName string
	toName   string

	gen      int      // of the newest request
	loading  bool     // a request is in flight
	asked    judgedAt // what the newest request judged
	latest   judgedAt // the newest State seen
	have     bool     // res holds an answer
	res      preflight.Result
	err      error
	judged   time.Time // when the shown answer came
	rejudged bool      // the shown answer is not the first

	confirming bool // the typed confirmation has the keys
	input      textinput.Model
	refusal    string // why the last confirmation was refused

	vp       viewport.Model
	width    int
	height   int
	rendered bool // vp holds content for the current answer and width
}

// NewReviewView returns the review of moving vms from site from to site to, and the
// command that judges it.
func NewReviewView(c Common, e Engine, vms []model.VM, from, to model.SiteSnapshot, s model.State) (*ReviewView, tea.Cmd) {
	r := &ReviewView{
		common: c, engine: e, from: from.Status.ID, to: to.Status.ID,
		fromName: siteName(from.Status), toName: siteName(to.Status),
		vp: viewport.New(0, 0),
	}
	r.vp.KeyMap = viewportKeys(c)
	for _, vm := range vms {
		r.keys = append(r.keys, vm.Key)
	}
	st := c.Styles
	in := textinput.New()
	in.Prompt = "type " + clean(string(r.to)) + " to confirm: "
	in.PromptStyle = st.FilterPrompt
	in.TextStyle = st.FilterText
	in.Cursor.Style = st.FilterCursor
	in.Cursor.TextStyle = st.FilterText
	in.Cursor.SetMode(cursor.CursorStatic)
	in.CharLimit = 64
	r.input = in
	r.latest = r.gens(s)
	return r, r.fetch()
}

// siteName is a site's display name, else its id.
func siteName(s model.SiteStatus) string {
	if s.Name != "" {
		return clean(s.Name)
	}
	return clean(string(s.ID))
}

// gens is what of s a preflight depends on.
func (r *ReviewView) gens(s model.State) judgedAt {
	at := judgedAt{fabric: s.FabricGen}
	if site, ok := s.Site(r.from); ok {
		at.from = site.Gen
	}
	if site, ok := s.Site(r.to); ok {
		at.to = site.Gen
	}
	return at
}

// fetch asks the engine to judge the selection as of the newest State, off the Update
// goroutine.
func (r *ReviewView) fetch() tea.Cmd {
	r.gen++
	r.loading = true
	r.asked = r.latest
	gen, at, keys, to, e, ctx, who := r.gen, r.asked, r.keys, r.to, r.engine, r.common.Ctx, r.common.Operator
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
		defer cancel()
		res, err := e.Preflight(ctx, who, keys, to, "")
		return reviewMsg{view: r, gen: gen, at: at, res: res, err: err}
	}
}

// Title names the view.
func (r *ReviewView) Title() string { return "the review" }

// Typing reports whether the typed confirmation has the keys: the root then hands it every
// key, esc and q included.
func (r *ReviewView) Typing() bool { return r.confirming }

// SetSize gives the view its area.
func (r *ReviewView) SetSize(w, h int) {
	r.width, r.height = w, h
	r.vp.Width, r.vp.Height = max(w-2, 0), max(h-2-reviewHeaderLines, 0)
	r.input.Width = max(w-2-lipgloss.Width(r.input.Prompt)-1, 1)
	r.rendered = false
	r.render()
}

// reviewHeaderLines is the number of lines above the scrolled findings: the totals, the
// profile and when it was judged, the confirmation line, and a blank line.
const reviewHeaderLines = 4

// Update handles answers, new States (judged again when what it judged changed), the
// typed confirmation and the scrolling keys.
func (r *ReviewView) Update(msg tea.Msg) (View, tea.Cmd) {
	switch msg := msg.(type) {
	case reviewMsg:
		return r.onAnswer(msg)
	case stateMsg:
		r.latest = r.gens(msg.state)
		if !r.loading && r.latest != r.asked {
			return r, r.fetch()
		}
		return r, nil // an answer in flight is followed by another if the State moved on
	case tea.KeyMsg:
		if r.confirming {
			return r.onConfirmKey(msg)
		}
		return r.onKey(msg)
	}
	return r, nil
}

func (r *ReviewView) onAnswer(msg reviewMsg) (View, tea.Cmd) {
	if msg.view != r || msg.gen != r.gen {
		return r, nil // another review's, or an older request's
	}
	r.loading = false
	r.err = msg.err
	if msg.err == nil {
		r.rejudged = r.have
		r.res, r.have = msg.res, true
		r.judged = r.common.Now()
	}
	r.rendered = false
	r.render()
	if r.latest != r.asked {
		return r, r.fetch() // the State moved on while this was judged
	}
	return r, nil
}

func (r *ReviewView) onKey(msg tea.KeyMsg) (View, tea.Cmd) {
	keys := r.common.KeyMap
	switch {
	case key.Matches(msg, keys.ConfirmMove):
		r.refusal = ""
		if r.movable() == 0 {
			r.refusal = "nothing can move: every VM is blocked or not judged yet"
			return r, nil
		}
		r.confirming = true
		r.input.Reset()
		return r, r.input.Focus()
	}
	var cmd tea.Cmd
	r.vp, cmd = scrollKey(r.common, r.vp, msg)
	return r, cmd
}

// onConfirmKey handles a key while the operator types the target site's id: enter checks
// it, esc gives up, the rest is typing.
func (r *ReviewView) onConfirmKey(msg tea.KeyMsg) (View, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		r.confirming = false
		r.input.Blur()
		return r, nil
	case tea.KeyEnter:
		typed := strings.TrimSpace(r.input.Value())
		if typed != string(r.to) {
			r.refusal = fmt.Sprintf("%q is not %s: nothing was started", clean(typed), clean(string(r.to)))
			r.input.Reset()
			return r, nil
		}
		r.confirming, r.refusal = false, ""
		r.input.Blur()
		r.input.Reset()
		return r, func() tea.Msg { return flashMsg{text: notMoving} }
	}
	var cmd tea.Cmd
	r.input, cmd = r.input.Update(msg)
	return r, cmd
}

// movable is how many judged VMs nothing blocks.
func (r *ReviewView) movable() int {
	if !r.have {
		return 0
	}
	n := 0
	for _, vm := range r.res.VMs {
		if !preflight.Blocked(r.res.Findings, vm.Key) {
			n++
		}
	}
	return n
}

// ShortHelp is the view's part of the help bar.
func (r *ReviewView) ShortHelp() []key.Binding {
	k := r.common.KeyMap
	if r.confirming {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		}
	}
	return []key.Binding{k.Up, k.Down, k.ConfirmMove, k.Back}
}

// FullHelp is the view's part of the full help.
func (r *ReviewView) FullHelp() [][]key.Binding {
	k := r.common.KeyMap
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End}, {k.ConfirmMove, k.Back}}
}

// View draws the framed review: the totals, then the scrolled findings.
func (r *ReviewView) View() string {
	w := max(r.width-2, 0)
	body := append(r.summary(w), "")
	body = append(body, strings.Split(r.vp.View(), "\n")...)
	footer := scrollFooter(r.vp)
	title := "review: " + r.fromName + " → " + r.toName
	return frame{styles: r.common.Styles, focused: true, title: title, footer: footer}.render(r.width, r.height, body)
}

// summary is the lines above the findings: totals, the profile and the request's state,
// and the confirmation.
func (r *ReviewView) summary(w int) []string {
	st := r.common.Styles
	n := len(r.keys)
	var line1, line2, line3 string
	if r.have {
		blocked, mem := 0, int64(0)
		for _, vm := range r.res.VMs {
			if preflight.Blocked(r.res.Findings, vm.Key) {
				blocked++
			} else {
				mem += int64(vm.MemoryMiB)
			}
		}
		n = len(r.res.VMs)
		bad := st.DetailValue
		if blocked > 0 {
			bad = st.DetailBad
		}
		line1 = st.DetailValue.Render(plural(n, "VM")) + st.DetailLabel.Render("  ") +
			bad.Render(fmt.Sprintf("✗ %d blocked", blocked)) + st.DetailLabel.Render("  ") +
			st.DetailValue.Render(fmt.Sprintf("%d can move", n-blocked)) + st.DetailLabel.Render("  memory to copy ") +
			st.DetailValue.Render(gibBytes(mem<<20)+" GiB")
	} else {
		line1 = st.DetailValue.Render(plural(n, "VM"))
	}
	var state string
	switch {
	case r.loading && !r.have:
		state = st.DetailLabel.Render(fmt.Sprintf("judging %s…", plural(n, "VM")))
	case r.loading:
		state = st.DetailLabel.Render("changed under the review: judging again…")
	case r.err != nil:
		state = st.DetailBad.Render("could not judge: " + sentence(r.err.Error()))
	case r.rejudged:
		state = st.DetailLabel.Render("re-judged " + r.judged.Format("15:04:05"))
	default:
		state = st.DetailLabel.Render("judged " + r.judged.Format("15:04:05"))
	}
	line2 = state
	if r.have && r.res.Profile.Name != "" {
		line2 = st.DetailLabel.Render("profile ") + st.DetailValue.Render(clean(r.res.Profile.Name)) + st.DetailLabel.Render("  ") + state
	}
	switch {
	case r.confirming:
		line3 = r.input.View()
		if r.refusal != "" {
			// The refusal stays in view while the operator types again.
			line2 = st.DetailBad.Render(r.refusal)
		}
	case r.refusal != "":
		line3 = st.DetailBad.Render(r.refusal)
	case !r.common.KeyMap.ConfirmMove.Enabled():
		line3 = st.DetailLabel.Render("read-only session: a viewer cannot start moves")
	case r.movable() > 0:
		h := r.common.KeyMap.ConfirmMove.Help()
		line3 = st.DetailLabel.Render(fmt.Sprintf("%s starts moving the %s nothing blocks (you type %s to confirm)",
			h.Key, plural(r.movable(), "VM"), clean(string(r.to))))
	case r.have:
		line3 = st.DetailBad.Render("nothing can move: every VM is blocked (a block cannot be overridden)")
	}
	return []string{fit(line1, w), fit(line2, w), fit(line3, w)}
}

// render lays the findings out for the viewport; it runs in Update (on an answer or a new
// size), never in View.
func (r *ReviewView) render() {
	if r.rendered || r.vp.Width <= 0 {
		return
	}
	r.rendered = true
	if !r.have {
		r.vp.SetContent("")
		return
	}
	r.vp.SetContent(strings.Join(reviewLines(r.common, r.res, r.vp.Width), "\n"))
}

// reviewLines lays a preflight result out in lines of w cells: the notes, the findings
// about the whole selection under "ALL VMs", then each VM with its verdict and findings.
func reviewLines(c Common, res preflight.Result, w int) []string {
	st := c.Styles
	var out []string
	add := func(s string) { out = append(out, fit(s, w)) }
	for _, n := range res.Notes {
		lines := wrapWords(clean(n), max(w-2, 1))
		for i, l := range lines {
			prefix := "  "
			if i == 0 {
				prefix = "ℹ "
			}
			add(st.DetailLabel.Render(prefix + l))
		}
	}
	finding := func(f preflight.Finding) {
		glyph, style := severityGlyph(c, f.Severity)
		head := glyph + " " + clean(f.Code)
		lines := wrapWords(clean(head+"  "+f.Message), max(w-2, 1))
		for i, l := range lines {
			if i == 0 && strings.HasPrefix(l, head) {
				add("  " + style.Render(head) + st.DetailValue.Render(strings.TrimPrefix(l, head)))
				continue
			}
			add("  " + st.DetailValue.Render(l))
		}
		if f.Remedy != "" {
			for i, l := range wrapWords(clean(f.Remedy), max(w-6, 1)) {
				prefix := "      "
				if i == 0 {
					prefix = "    → "
				}
				add(st.DetailLabel.Render(prefix + l))
			}
		}
	}
	var all []preflight.Finding
	byVM := map[model.VMKey][]preflight.Finding{}
	for _, f := range res.Findings {
		if f.VM == (model.VMKey{}) {
			all = append(all, f)
		} else {
			byVM[f.VM] = append(byVM[f.VM], f)
		}
	}
	if len(all) > 0 {
		if len(out) > 0 {
			out = append(out, "")
		}
		add(st.DetailHeading.Render("ALL VMs") + st.DetailLabel.Render(fmt.Sprintf("  %s", plural(len(all), "finding"))))
		for _, f := range all {
			finding(f)
		}
	}
	for _, vm := range res.VMs {
		if len(out) > 0 {
			out = append(out, "")
		}
		fs := byVM[vm.Key]
		var verdict string
		var style lipgloss.Style
		switch {
		case preflight.Blocked(res.Findings, vm.Key):
			verdict, style = "✗ blocked", st.DetailBad
		case preflight.Worst(append(append([]preflight.Finding(nil), all...), fs...)) == preflight.Warn:
			verdict, style = "▲ warnings", st.DetailWarn
		default:
			verdict, style = "● clear", st.DetailValue
		}
		name := cut(clean(vm.Name), max(w-lipgloss.Width(verdict)-2, 1))
		add(st.DetailHeading.Render(name) + "  " + style.Render(verdict))
		for _, f := range fs {
			finding(f)
		}
	}
	return out
}

// severityGlyph is how a severity shows: ✗ blocks, ▲ warns, ● informs.
func severityGlyph(c Common, s preflight.Severity) (string, lipgloss.Style) {
	st := c.Styles
	switch s {
	case preflight.Block:
		return "✗", st.DetailBad
	case preflight.Warn:
		return "▲", st.DetailWarn
	}
	return "●", st.DetailLabel
}
