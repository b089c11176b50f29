package themes

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Styles is every style the console uses, built for one renderer. Build it once per session
// with NewStyles and share the pointer; nothing changes it afterwards.
type Styles struct {
	Theme Theme

	// Frames. The focused pane gets a different border shape as well as a different colour,
	// so focus still shows when there is no colour at all (NO_COLOR).
	Border             lipgloss.Border
	FocusedBorder      lipgloss.Border
	PaneBorder         lipgloss.Style
	PaneBorderFocused  lipgloss.Style
	PaneTitle          lipgloss.Style
	PaneTitleFocused   lipgloss.Style
	PaneFooter         lipgloss.Style // scroll position in the bottom border
	PaneFooterFocused  lipgloss.Style
	SiteHost           lipgloss.Style // vCenter host in a site header
	SiteCount          lipgloss.Style // "80 VMs", "12 of 80 VMs"
	SiteConnected      lipgloss.Style
	SiteConnecting     lipgloss.Style
	SiteDisconnected   lipgloss.Style
	SiteError          lipgloss.Style // the error text under a site header
	ColumnHeader       lipgloss.Style
	Row                lipgloss.Style
	RowMuted           lipgloss.Style // cluster/host, VLANs
	Match              lipgloss.Style // filter-matched characters of a name
	CursorRow          lipgloss.Style // row under the cursor in the focused pane
	CursorRowBlurred   lipgloss.Style // row under the cursor in another pane
	CursorMatch        lipgloss.Style // matched characters on the cursor row (focused pane)
	CursorMatchBlurred lipgloss.Style
	PowerOn            lipgloss.Style
	PowerOff           lipgloss.Style
	Suspended          lipgloss.Style
	Template           lipgloss.Style
	Empty              lipgloss.Style // "no VMs match"

	// Filter line.
	FilterPrompt      lipgloss.Style
	FilterText        lipgloss.Style
	FilterPlaceholder lipgloss.Style
	FilterCursor      lipgloss.Style
	FilterHint        lipgloss.Style

	// Fabric pane and the narrow-terminal strip.
	FabricNote  lipgloss.Style
	FabricMuted lipgloss.Style
	StripLabel  lipgloss.Style

	TooSmall lipgloss.Style

	// Help is handed to bubbles/help as is.
	Help help.Styles
}

// NewStyles builds every style of the console from palette t for renderer r.
func NewStyles(r *lipgloss.Renderer, t Theme) *Styles {
	fg := func(c lipgloss.Color) lipgloss.Style { return r.NewStyle().Foreground(c) }
	s := &Styles{
		Theme:             t,
		Border:            lipgloss.NormalBorder(),
		FocusedBorder:     lipgloss.ThickBorder(),
		PaneBorder:        fg(t.Border),
		PaneBorderFocused: fg(t.BorderFocused),
		PaneTitle:         fg(t.Muted).Bold(true),
		PaneTitleFocused:  fg(t.Title).Bold(true),
		PaneFooter:        fg(t.Subtle),
		PaneFooterFocused: fg(t.Muted),
		SiteHost:          fg(t.Muted),
		SiteCount:         fg(t.Text),
		SiteConnected:     fg(t.OK),
		SiteConnecting:    fg(t.Warn),
		SiteDisconnected:  fg(t.Error).Bold(true),
		SiteError:         fg(t.Error),
		ColumnHeader:      fg(t.Muted).Bold(true),
		Row:               fg(t.Text),
		RowMuted:          fg(t.Muted),
		Match:             fg(t.Match).Bold(true).Underline(true),
		CursorRow:         fg(t.CursorText).Background(t.Cursor).Bold(true),
		CursorRowBlurred:  fg(t.Text).Background(t.CursorBlurred),
		PowerOn:           fg(t.OK),
		PowerOff:          fg(t.Subtle),
		Suspended:         fg(t.Warn),
		Template:          fg(t.Muted).Italic(true),
		Empty:             fg(t.Muted).Italic(true),
		FilterPrompt:      fg(t.Accent).Bold(true),
		FilterText:        fg(t.Text),
		FilterPlaceholder: fg(t.Subtle),
		FilterCursor:      r.NewStyle().Reverse(true),
		FilterHint:        fg(t.Subtle),
		FabricNote:        fg(t.Warn),
		FabricMuted:       fg(t.Muted),
		StripLabel:        fg(t.Title).Bold(true),
		TooSmall:          fg(t.Warn).Bold(true),
	}
	// Matches on the cursor row keep the row's background, or the highlight would punch a
	// hole in it.
	s.CursorMatch = s.CursorRow.Foreground(t.Match).Underline(true)
	s.CursorMatchBlurred = s.CursorRowBlurred.Foreground(t.Match).Underline(true)
	s.Help = help.Styles{
		Ellipsis:       fg(t.Subtle),
		ShortKey:       fg(t.Accent),
		ShortDesc:      fg(t.Muted),
		ShortSeparator: fg(t.Subtle),
		FullKey:        fg(t.Accent),
		FullDesc:       fg(t.Muted),
		FullSeparator:  fg(t.Subtle),
	}
	return s
}
