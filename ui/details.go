package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/vmcross/vmcross/backend/model"
)

// openDetailsMsg asks the root to open the details of a VM over the lists.
type openDetailsMsg struct {
	vm       model.VM
	siteName string
}

// detailsMsg is the answer to one details request; gen tells answers to older requests
// apart, which are dropped.
type detailsMsg struct {
	key     model.VMKey
	gen     int
	details model.VMDetails
	err     error
}

// DetailsView shows one VM's devices, snapshots and reservations, fetched from its vCenter
// when opened and again when the VM's configuration changes while it is open. It scrolls;
// esc (handled by the root) closes it.
type DetailsView struct {
	common   Common
	engine   Engine
	vm       model.VM // as the latest State lists it
	siteName string
	gone     bool // the VM left its site's list while open (moved or deleted)

	gen      int // of the newest request
	loading  bool
	details  model.VMDetails
	have     bool // details holds an answer
	err      error
	vp       viewport.Model
	width    int
	height   int
	rendered bool // vp holds content for the current answer and width
}

// NewDetailsView returns the view for vm and the command that fetches its details.
func NewDetailsView(c Common, e Engine, vm model.VM, siteName string) (*DetailsView, tea.Cmd) {
	d := &DetailsView{common: c, engine: e, vm: vm, siteName: siteName, vp: viewport.New(0, 0)}
	d.vp.KeyMap = viewportKeys(c)
	return d, d.fetch()
}

// viewportKeys drives the viewport with the console's own (rebindable) keys.
func viewportKeys(c Common) viewport.KeyMap {
	k := c.KeyMap
	return viewport.KeyMap{Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown}
}

// fetch asks the engine for the details off the Update goroutine.
func (d *DetailsView) fetch() tea.Cmd {
	d.gen++
	d.loading = true
	gen, key, e, ctx, who := d.gen, d.vm.Key, d.engine, d.common.Ctx, d.common.Operator
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, detailsTimeout)
		defer cancel()
		det, err := e.Details(ctx, who, key)
		return detailsMsg{key: key, gen: gen, details: det, err: err}
	}
}

// detailsTimeout bounds one details request, reconnect wait included.
const detailsTimeout = 30 * time.Second

// Title names the view.
func (d *DetailsView) Title() string { return "details of " + clean(d.vm.Name) }

// Key is the VM shown.
func (d *DetailsView) Key() model.VMKey { return d.vm.Key }

// SetSize gives the view its area.
func (d *DetailsView) SetSize(w, h int) {
	d.width, d.height = w, h
	d.vp.Width, d.vp.Height = max(w-2, 0), max(h-2-headerLines, 0)
	d.rendered = false
	d.render()
}

// headerLines is the number of lines above the scrolled content: the VM's summary (three)
// and a blank line.
const headerLines = 4

// Update handles the answer to a request, new States (a reconfigured VM is fetched again)
// and the scrolling keys.
func (d *DetailsView) Update(msg tea.Msg) (View, tea.Cmd) {
	switch msg := msg.(type) {
	case detailsMsg:
		if msg.key != d.vm.Key || msg.gen != d.gen {
			return d, nil // an answer to an older request
		}
		d.loading = false
		d.err = msg.err
		if msg.err == nil {
			d.details, d.have = msg.details, true
		}
		d.rendered = false
		d.render()
		return d, nil
	case stateMsg:
		return d.onState(msg.state)
	case tea.KeyMsg:
		var cmd tea.Cmd
		d.vp, cmd = scrollKey(d.common, d.vp, msg)
		return d, cmd
	}
	return d, nil
}

// onState follows the VM in a new State: fetch again when its configuration or snapshots
// changed since the details were read.
func (d *DetailsView) onState(s model.State) (View, tea.Cmd) {
	site, ok := s.Site(d.vm.Key.Site)
	if !ok {
		return d, nil
	}
	vm, ok := site.VM(d.vm.Key.MoRef)
	if !ok {
		if !d.gone {
			d.gone, d.rendered = true, false
			d.render()
		}
		return d, nil
	}
	old := d.vm
	d.vm, d.gone = vm, false
	d.rendered = false
	stale := d.have && (vm.ChangeVersion != d.details.ChangeVersion || vm.Snapshots != len(d.details.Snapshots))
	moved := vm.ChangeVersion != old.ChangeVersion || vm.Snapshots != old.Snapshots
	d.render()
	if stale && moved && !d.loading {
		return d, d.fetch()
	}
	return d, nil
}

// ShortHelp is the view's part of the help bar.
func (d *DetailsView) ShortHelp() []key.Binding {
	k := d.common.KeyMap
	return []key.Binding{k.Up, k.Down, k.Back}
}

// FullHelp is the view's part of the full help.
func (d *DetailsView) FullHelp() [][]key.Binding {
	k := d.common.KeyMap
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End}, {k.Back}}
}

// View draws the framed view: the VM's summary, then the scrolled details.
func (d *DetailsView) View() string {
	w := max(d.width-2, 0)
	body := append(d.summary(w), "")
	body = append(body, strings.Split(d.vp.View(), "\n")...)
	footer := scrollFooter(d.vp)
	title := clean(d.vm.Name) + " · " + clean(d.siteName)
	return frame{styles: d.common.Styles, focused: true, title: title, footer: footer}.render(d.width, d.height, body)
}

// summary is the lines above the scrolled part: power, size, placement and the state of
// the request.
func (d *DetailsView) summary(w int) []string {
	st := d.common.Styles
	vm := d.vm
	power := string(vm.Power)
	switch vm.Power {
	case model.PoweredOn:
		power = st.PowerOn.Render("on")
	case model.PoweredOff:
		power = st.PowerOff.Render("off")
	case model.Suspended:
		power = st.Suspended.Render("suspended")
	}
	mem := gib(vm.MemoryMiB) + " GiB"
	line1 := fmt.Sprintf("%s  %d vCPU  %s  %s", power, vm.CPU, mem, st.DetailLabel.Render(clean(vm.Key.MoRef)))
	where := "host " + clean(vm.Host)
	if vm.Cluster != "" {
		where += "  cluster " + clean(vm.Cluster)
	}
	line2 := st.DetailLabel.Render(where)
	var line3 string
	switch {
	case d.gone:
		line3 = st.DetailWarn.Render("no longer listed at this site (moved or deleted): showing what was read")
	case d.err != nil:
		line3 = st.DetailBad.Render("could not read the details: " + sentence(d.err.Error()))
	case d.loading && d.have:
		line3 = st.DetailLabel.Render("configuration changed: reading again…")
	case d.loading:
		line3 = st.DetailLabel.Render("reading details from " + clean(d.siteName) + "…")
	default:
		line3 = st.DetailLabel.Render("read " + d.details.FetchedAt.Format("15:04:05"))
	}
	return []string{fit(line1, w), fit(line2, w), fit(line3, w)}
}

// render lays the details out for the viewport; it runs in Update (on an answer or a new
// size), never in View.
func (d *DetailsView) render() {
	if d.rendered || d.vp.Width <= 0 {
		return
	}
	d.rendered = true
	if !d.have {
		d.vp.SetContent("")
		return
	}
	d.vp.SetContent(strings.Join(detailLines(d.common.Styles, d.details, d.vp.Width), "\n"))
}

// sentence starts s with a capital letter and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(clean(s))
	if s == "" {
		return s
	}
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
