package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/themes"
)

// typedConfirm is the line where the operator types the target site's id before moves (the
// review) or a plan (the plans view) start: a stray enter cannot start them.
type typedConfirm struct {
	input textinput.Model
	to    model.SiteID
	open  bool // it has the keys
	width int  // of the view it is drawn in
}

func newTypedConfirm(st *themes.Styles) typedConfirm {
	in := textinput.New()
	in.PromptStyle = st.FilterPrompt
	in.TextStyle = st.FilterText
	in.Cursor.Style = st.FilterCursor
	in.Cursor.TextStyle = st.FilterText
	in.Cursor.SetMode(cursor.CursorStatic)
	in.CharLimit = 64
	return typedConfirm{input: in}
}

// Open gives the line the keys, empty, asking for to.
func (t *typedConfirm) Open(to model.SiteID) {
	t.to, t.open = to, true
	t.input.Prompt = "type " + clean(string(to)) + " to confirm: "
	t.SetWidth(t.width)
	t.input.Reset()
	t.input.Focus()
}

// Close takes the keys back.
func (t *typedConfirm) Close() {
	t.open = false
	t.input.Blur()
	t.input.Reset()
}

// SetWidth fits the line to a view w cells wide.
func (t *typedConfirm) SetWidth(w int) {
	t.width = w
	t.input.Width = max(w-2-lipgloss.Width(t.input.Prompt)-1, 1)
}

// Key handles a key while the line is open: enter with the target's id typed confirms
// (and closes), enter with anything else is refused (the line stays, emptied, with why), esc
// closes it, any other key is typing.
func (t *typedConfirm) Key(msg tea.KeyMsg) (confirmed bool, refusal string, cmd tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		t.Close()
		return false, "", nil
	case tea.KeyEnter:
		typed := strings.TrimSpace(t.input.Value())
		if typed != string(t.to) {
			t.input.Reset()
			return false, fmt.Sprintf("%q is not %s: nothing was started", clean(typed), clean(string(t.to))), nil
		}
		t.Close()
		return true, "", nil
	}
	t.input, cmd = t.input.Update(msg)
	return false, "", cmd
}

// View is the line as typed so far.
func (t *typedConfirm) View() string { return t.input.View() }

// Help is the help bar while the line is open.
func (t *typedConfirm) Help() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}
