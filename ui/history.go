package ui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/vmcross/vmcross/backend/model"
)

// historyMsg is the answer to one read of the audit log. view and gen tell answers to
// another history view, or to an older read of this one, apart: they are dropped.
type historyMsg struct {
	view *HistoryView
	gen  int
	recs []model.AuditRecord
	err  error
}

// historyTimeout bounds one read of the audit log.
const historyTimeout = 15 * time.Second

// historyEmpty is what the view says when the log holds nothing.
const historyEmpty = "no moves recorded yet"

// The history table's columns, in the order shown (as `vmcross history` prints them).
const (
	hTime = iota
	hOperator
	hAction
	hVM
	hRoute
	hDuration
	hResult
	hColumns
)

var historyHeadings = [hColumns]string{"TIME", "OPERATOR", "ACTION", "VM", "FROM → TO", "DURATION", "RESULT"}

// historyMaxW bounds each column but the last (RESULT takes what is left).
var historyMaxW = [hColumns]int{hOperator: 16, hAction: 14, hVM: 28, hRoute: 24, hDuration: 8}

// historyOptional are the columns that go, in this order, when the terminal is narrow.
var historyOptional = []int{hDuration, hRoute, hOperator}

// maxResultLines bounds how many lines one result (a failure's reason) wraps over.
const maxResultLines = 4

// historyLine is one line of the table: a record's row, a continuation of its result, or
// the date over the first record of a day.
type historyLine struct {
	row  int // index into rows
	part int // which line of the row's result: 0 for the row itself, dateLine for its date
}

// dateLine is historyLine.part for the line that dates the records under it.
const dateLine = -1

// historyTime is how the TIME column writes a time; the date is on a line of its own over
// the first record of each day.
const historyTime = "15:04:05"

// historyRow is one record as the table shows it: its cells, the time aside (formatted
// for the width in View), and how its result reads.
type historyRow struct {
	time  time.Time
	cells [hColumns]string
	kind  resultKind
}

// resultKind is how a record's result is painted.
type resultKind int

const (
	resultPlain resultKind = iota
	resultOK
	resultWarn
	resultBad
)

// HistoryView is the audit log, oldest first and newest last, opened at its end by h: per
// record the time, the operator, the action, the VM, from → to, how long the move ran and
// the result. It reads the log through the engine when opened and again when a move starts
// or ends while it is open; it scrolls, and draws only the rows on screen. esc (handled by
// the root) closes it.
type HistoryView struct {
	common  Common
	engine  Engine
	gen     int // of the newest read
	loading bool
	have    bool // rows hold an answer
	err     error
	read    time.Time // when the shown answer came
	counts  moveCounts
	again   bool // the moves changed while a read was in flight: read again after it
	rows    []historyRow
	widths  [hColumns]int // 0: the column is left out at this width
	letters map[model.SiteID]string
	lines   []historyLine // the table's lines at this width, results wrapped
	results [][]string    // each row's result, wrapped to its column
	offset  int           // first line on screen
	follow  bool          // at the end: new records keep the view there
	width   int
	height  int
}

// NewHistoryView returns the history view and the command that reads the log. moves are
// the moves as the console knows them: a change in how many run or ended reads it again.
// letters name the sites as the panes do (A, B).
func NewHistoryView(c Common, e Engine, moves []model.Move, letters map[model.SiteID]string) (*HistoryView, tea.Cmd) {
	v := &HistoryView{common: c, engine: e, counts: countMoves(moves), letters: letters, follow: true}
	return v, v.fetch()
}

// fetch reads the audit log off the Update goroutine.
func (v *HistoryView) fetch() tea.Cmd {
	v.gen++
	v.loading = true
	v.again = false
	gen, e, ctx := v.gen, v.engine, v.common.Ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, historyTimeout)
		defer cancel()
		recs, err := e.History(ctx)
		return historyMsg{view: v, gen: gen, recs: recs, err: err}
	}
}

// Title names the view.
func (v *HistoryView) Title() string { return "the history" }

// SetSize gives the view its area.
func (v *HistoryView) SetSize(w, h int) {
	v.width, v.height = w, h
	v.layout()
	v.scroll()
}

func (v *HistoryView) innerWidth() int { return max(v.width-2, 0) }

// listHeight is the number of table lines on screen: the frame less the state line and
// the column headings.
func (v *HistoryView) listHeight() int { return max(v.height-2-2, 0) }

func (v *HistoryView) maxOffset() int { return max(len(v.lines)-v.listHeight(), 0) }

// scroll keeps the offset in range, at the end while following.
func (v *HistoryView) scroll() {
	if v.follow {
		v.offset = v.maxOffset()
	}
	v.offset = clamp(v.offset, 0, v.maxOffset())
}

// Update handles answers, moves that started or ended, and the scrolling keys.
func (v *HistoryView) Update(msg tea.Msg) (View, tea.Cmd) {
	switch msg := msg.(type) {
	case historyMsg:
		return v, v.onAnswer(msg)
	case movesMsg:
		v.letters = msg.letters
		c := countMoves(msg.moves)
		if c.running == v.counts.running && c.queued == v.counts.queued && c.done == v.counts.done &&
			c.failed == v.counts.failed && c.cancelled == v.counts.cancelled {
			return v, nil // progress only: nothing new in the log
		}
		v.counts = c
		if v.loading {
			v.again = true
			return v, nil
		}
		return v, v.fetch()
	case tea.KeyMsg:
		v.offset = scrollOffset(v.common, msg, v.offset, v.listHeight(), v.maxOffset())
		v.follow = v.offset == v.maxOffset()
	}
	return v, nil
}

func (v *HistoryView) onAnswer(msg historyMsg) tea.Cmd {
	if msg.view != v || msg.gen != v.gen {
		return nil
	}
	v.loading = false
	if errors.Is(msg.err, fs.ErrNotExist) {
		msg.recs, msg.err = nil, nil // no log yet: nothing was recorded
	}
	v.err = msg.err
	if msg.err == nil {
		v.have, v.read = true, v.common.Now()
		v.rows = make([]historyRow, len(msg.recs))
		for i, r := range msg.recs {
			v.rows[i] = newHistoryRow(r, v.letters)
		}
		v.layout()
		v.scroll()
	}
	if v.again {
		return v.fetch()
	}
	return nil
}

// newHistoryRow is a record's cells, as `vmcross history` words them: a command's name
// for its action, what it was about for its VM; the sites by their letters, as the moves
// pane names them (by id when the State does not have them).
func newHistoryRow(r model.AuditRecord, letters map[model.SiteID]string) historyRow {
	row := historyRow{time: r.Time}
	action, vm, route := r.Action, "", ""
	if r.Action == model.AuditCommand {
		action, vm = string(r.Command), r.Object
		if vm == "" {
			vm = string(r.Site)
		}
	}
	if r.VM != nil {
		vm = r.VM.Name
	}
	if r.From != "" || r.To != "" {
		route = letterOf(letters, r.From) + "→" + letterOf(letters, r.To)
	}
	dur := ""
	if r.Duration > 0 {
		dur = shortDur(r.Duration)
	}
	row.cells = [hColumns]string{
		hOperator: oneLine(r.Operator.Name), hAction: oneLine(action), hVM: oneLine(vm), hRoute: oneLine(route),
		hDuration: dur, hResult: oneLine(r.Result),
	}
	switch res := r.Result; {
	case r.Action == model.AuditGap:
		row.kind = resultWarn
	case strings.HasPrefix(res, "failed") || strings.HasPrefix(res, "refused"):
		row.kind = resultBad
	case res == model.AuditOK:
		row.kind = resultOK
	case res == model.AuditCancelled:
		row.kind = resultWarn
	}
	return row
}

// layout sizes the columns for the width: each as wide as its widest cell (within its
// bound), RESULT what is left; the optional columns go when that is too little. It is
// linear in the records and runs in Update, never in View.
func (v *HistoryView) layout() {
	w := v.innerWidth()
	var want [hColumns]int
	want[hTime] = len(historyTime)
	for c := hOperator; c < hResult; c++ {
		want[c] = ansi.StringWidth(historyHeadings[c])
		for i := range v.rows {
			want[c] = max(want[c], min(ansi.StringWidth(v.rows[i].cells[c]), historyMaxW[c]))
		}
	}
	const minResult = 12
	used := func(ws [hColumns]int) int {
		n := 0
		for c := hTime; c < hResult; c++ {
			if ws[c] > 0 {
				n += ws[c] + 2
			}
		}
		return n
	}
	ws := want
	for _, c := range historyOptional {
		if used(ws)+minResult <= w {
			break
		}
		ws[c] = 0
	}
	// Still too narrow: the VM and the action give up cells, down to 8 each.
	for _, c := range []int{hVM, hAction} {
		if over := used(ws) + minResult - w; over > 0 {
			ws[c] = max(ws[c]-over, min(ws[c], 8))
		}
	}
	ws[hResult] = max(w-used(ws), 0)
	v.widths = ws

	// A result longer than its column wraps over the lines under its row.
	v.lines = v.lines[:0]
	v.results = make([][]string, len(v.rows))
	loc, day := v.common.Now().Location(), ""
	for i := range v.rows {
		if d := v.rows[i].time.In(loc).Format(time.DateOnly); d != day {
			v.lines = append(v.lines, historyLine{row: i, part: dateLine})
			day = d
		}
		res := []string{v.rows[i].cells[hResult]}
		if ws[hResult] >= 8 && ansi.StringWidth(res[0]) > ws[hResult] {
			res = wrapWords(res[0], ws[hResult])
			if len(res) > maxResultLines {
				res = append(res[:maxResultLines-1], ansi.Truncate(strings.Join(res[maxResultLines-1:], " "), ws[hResult], ellipsis))
			}
		}
		v.results[i] = res
		for p := range res {
			v.lines = append(v.lines, historyLine{row: i, part: p})
		}
	}
}

// ShortHelp is the view's part of the help bar.
func (v *HistoryView) ShortHelp() []key.Binding {
	k := v.common.KeyMap
	return []key.Binding{k.Up, k.Down, k.PageUp, k.Home, k.Back} // it opens at the end
}

// FullHelp is the view's part of the full help.
func (v *HistoryView) FullHelp() [][]key.Binding {
	k := v.common.KeyMap
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End}, {k.Back}}
}

// View draws the framed table: the state of the read, the headings, the rows on screen.
func (v *HistoryView) View() string {
	w, h := v.innerWidth(), v.listHeight()
	st := v.common.Styles
	body := make([]string, 0, h+2)
	body = append(body, fit(v.stateLine(), w))
	if !v.have {
		return frame{styles: st, focused: true, title: "history"}.render(v.width, v.height, body)
	}
	if len(v.rows) == 0 {
		body = append(body, "", st.Empty.Render(cut("  "+historyEmpty, w)))
		return frame{styles: st, focused: true, title: "history"}.render(v.width, v.height, body)
	}
	var head strings.Builder
	for c := hTime; c < hColumns; c++ {
		if v.widths[c] > 0 {
			head.WriteString(padRight(historyHeadings[c], v.widths[c]))
			if c < hResult {
				head.WriteString("  ")
			}
		}
	}
	body = append(body, st.ColumnHeader.Render(fit(head.String(), w)))
	offset := clamp(v.offset, 0, v.maxOffset())
	end := min(offset+h, len(v.lines))
	for _, l := range v.lines[offset:end] {
		body = append(body, v.rowLine(l, w))
	}
	last := 0
	if end > 0 {
		last = v.lines[end-1].row + 1
	}
	footer := fmt.Sprintf("%d/%d", last, len(v.rows))
	return frame{styles: st, focused: true, title: "history", footer: footer}.render(v.width, v.height, body)
}

// rowLine draws one line of the table in w cells: a record, or the rest of its result.
func (v *HistoryView) rowLine(l historyLine, w int) string {
	r := v.rows[l.row]
	f := v.common.inks.fabric
	if l.part == dateLine {
		return fit(f.heading.paint(cut(r.time.In(v.common.Now().Location()).Format("2006-01-02 Monday"), w)), w)
	}
	inks := [hColumns]ink{hTime: f.muted, hOperator: f.text, hAction: f.text, hVM: f.text, hRoute: f.muted, hDuration: f.text}
	switch r.kind {
	case resultOK:
		inks[hResult] = f.ok
	case resultWarn:
		inks[hResult] = f.warn
	case resultBad:
		inks[hResult] = f.bad
	case resultPlain:
		inks[hResult] = f.text
	}
	segs := make([]seg, 0, 2*hColumns)
	for c := hTime; c < hColumns; c++ {
		cw := v.widths[c]
		if cw == 0 {
			continue
		}
		text := r.cells[c]
		switch {
		case c == hResult:
			text = v.results[l.row][l.part]
		case l.part > 0:
			text = "" // a continuation: only the result goes on
		case c == hTime:
			text = r.time.In(v.common.Now().Location()).Format(historyTime)
		}
		if c == hDuration {
			text = padLeft(text, cw)
		} else if c < hResult {
			text = padRight(text, cw)
		}
		segs = append(segs, seg{inks[c], text})
		if c < hResult {
			segs = append(segs, seg{text: "  "})
		}
	}
	return fit(line(w, segs...), w)
}

// stateLine says where the read stands: reading, read at, failed.
func (v *HistoryView) stateLine() string {
	st := v.common.Styles
	switch {
	case v.err != nil && !v.loading:
		return st.DetailBad.Render("could not read the audit log: " + sentence(v.err.Error()))
	case v.loading && !v.have:
		return st.DetailLabel.Render("reading the audit log…")
	case v.loading:
		return st.DetailLabel.Render(plural(len(v.rows), "record") + ", newest last · a move started or ended: reading again…")
	}
	return st.DetailLabel.Render(plural(len(v.rows), "record") + ", newest last · read " + v.read.Format("15:04:05"))
}
