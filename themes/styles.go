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
	// A site whose VM list is not current (its vCenter is silent or disconnected): its rows
	// are dimmed, and a line under the header says since when the list is unconfirmed.
	RowStale    lipgloss.Style
	Unconfirmed lipgloss.Style

	// Filter line.
	FilterPrompt      lipgloss.Style
	FilterText        lipgloss.Style
	FilterPlaceholder lipgloss.Style
	FilterCursor      lipgloss.Style
	FilterHint        lipgloss.Style

	// VM rows: a VLAN the DCI does not carry, and the row's "!" mark. The cursor variants keep
	// the cursor row's background.
	VLANNotCarried              lipgloss.Style
	CursorVLANNotCarried        lipgloss.Style
	CursorVLANNotCarriedBlurred lipgloss.Style

	// Fabric pane and the narrow-terminal strip.
	FabricNote    lipgloss.Style // "not configured"
	FabricMuted   lipgloss.Style // secondary text, and everything shown while the data is stale
	FabricText    lipgloss.Style // switch and trunk names
	FabricHeading lipgloss.Style // SWITCHES, DCI TRUNKS, VLANS IN USE, FINDINGS
	FabricOK      lipgloss.Style // healthy, carried, up, RTT within budget
	FabricWarn    lipgloss.Style // stale, warnings, RTT over the 10 ms budget
	FabricBad     lipgloss.Style // down, unreachable, not carried, blocking findings
	StripLabel    lipgloss.Style

	// Views over the lists (VM details): section headings, labels, values, and findings.
	DetailHeading lipgloss.Style // DISKS, SCSI CONTROLLERS, ...
	DetailLabel   lipgloss.Style // "host", "Hard disk 1"
	DetailValue   lipgloss.Style
	DetailWarn    lipgloss.Style // a local ISO, snapshots: what a move must mind
	DetailBad     lipgloss.Style // an RDM on a shared bus: what blocks a move

	// The one-line message over the help bar after a command: done, or why it failed.
	FlashInfo  lipgloss.Style
	FlashError lipgloss.Style

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
		RowStale:          fg(t.Subtle).Faint(true),
		Unconfirmed:       fg(t.Warn),
		FilterPrompt:      fg(t.Accent).Bold(true),
		FilterText:        fg(t.Text),
		FilterPlaceholder: fg(t.Subtle),
		FilterCursor:      r.NewStyle().Reverse(true),
		FilterHint:        fg(t.Subtle),
		VLANNotCarried:    fg(t.Error).Bold(true),
		FabricNote:        fg(t.Warn),
		FabricMuted:       fg(t.Muted),
		FabricText:        fg(t.Text),
		FabricHeading:     fg(t.Muted).Bold(true),
		FabricOK:          fg(t.OK),
		FabricWarn:        fg(t.Warn),
		FabricBad:         fg(t.Error).Bold(true),
		StripLabel:        fg(t.Title).Bold(true),
		DetailHeading:     fg(t.Muted).Bold(true),
		DetailLabel:       fg(t.Muted),
		DetailValue:       fg(t.Text),
		DetailWarn:        fg(t.Warn),
		DetailBad:         fg(t.Error).Bold(true),
		FlashInfo:         fg(t.Accent),
		FlashError:        fg(t.Error).Bold(true),
		TooSmall:          fg(t.Warn).Bold(true),
	}
	// Matches on the cursor row keep the row's background, or the highlight would punch a
	// hole in it.
	s.CursorMatch = s.CursorRow.Foreground(t.Match).Underline(true)
	s.CursorMatchBlurred = s.CursorRowBlurred.Foreground(t.Match).Underline(true)
	s.CursorVLANNotCarried = s.CursorRow.Foreground(t.Error)
	s.CursorVLANNotCarriedBlurred = s.CursorRowBlurred.Foreground(t.Error)
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
