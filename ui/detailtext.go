package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/themes"
)

// detailLines lays out a VM's details as lines of at most w cells: a section per kind of
// device, then snapshots and reservations. What a cross-site move must mind is marked: an
// RDM on a shared SCSI bus (clustered servers: vMotion is not supported), a connected ISO,
// snapshots, fault tolerance.
func detailLines(st *themes.Styles, d model.VMDetails, w int) []string {
	var out []string
	add := func(s string) { out = append(out, fit(s, w)) }
	heading := func(name string, n int) {
		if len(out) > 0 {
			out = append(out, "")
		}
		add(st.DetailHeading.Render(fmt.Sprintf("%s (%d)", name, n)))
	}
	none := func() { add(st.DetailLabel.Render("  none")) }

	general := []string{}
	if d.GuestOS != "" {
		general = append(general, "guest "+clean(d.GuestOS))
	}
	if d.HWVersion != "" {
		general = append(general, "hardware "+clean(d.HWVersion))
	}
	if len(general) > 0 {
		add(st.DetailLabel.Render(strings.Join(general, "  ")))
	}
	ft := st.DetailValue.Render("none")
	if d.FaultTolerance != "" {
		ft = st.DetailWarn.Render(clean(d.FaultTolerance) + " ▲ fault tolerant")
	}
	res := st.DetailValue.Render("none")
	if d.MemoryReservationMiB > 0 {
		res = st.DetailValue.Render(gibBytes(d.MemoryReservationMiB<<20) + " GiB")
	}
	add(st.DetailLabel.Render("memory reservation ") + res + st.DetailLabel.Render("   fault tolerance ") + ft)

	shared := map[string]model.SCSIController{}
	for _, c := range d.Controllers {
		shared[c.Label] = c
	}

	heading("DISKS", len(d.Disks))
	if len(d.Disks) == 0 {
		none()
	}
	rows := make([][]cell, 0, len(d.Disks))
	for _, disk := range d.Disks {
		backing := cell{text: backingName(disk.Backing), style: st.DetailValue}
		ctl := cell{text: clean(disk.Controller), style: st.DetailLabel}
		if c, ok := shared[disk.Controller]; ok && c.Shared() {
			ctl.text += " (" + busName(c.BusSharing) + ")"
			if disk.RDM() {
				backing.style, ctl.style = st.DetailBad, st.DetailBad
				backing.text = "✗ " + backing.text
			}
		}
		where := clean(disk.Datastore)
		if disk.RDM() && disk.LUN != "" {
			where = clean(disk.LUN)
		}
		rows = append(rows, []cell{
			{text: clean(disk.Label), style: st.DetailValue},
			{text: gibBytes(disk.CapacityB) + " GiB", style: st.DetailValue, right: true},
			backing,
			{text: where, style: st.DetailLabel},
			ctl,
		})
	}
	out = append(out, table(rows, w)...)

	heading("SCSI CONTROLLERS", len(d.Controllers))
	if len(d.Controllers) == 0 {
		none()
	}
	rows = rows[:0]
	for _, c := range d.Controllers {
		sharing := cell{text: busName(c.BusSharing), style: st.DetailLabel}
		if c.Shared() {
			sharing = cell{text: "▲ " + busName(c.BusSharing) + " (clustered)", style: st.DetailWarn}
		}
		rows = append(rows, []cell{
			{text: clean(c.Label), style: st.DetailValue},
			{text: clean(c.Type), style: st.DetailLabel},
			{text: fmt.Sprintf("bus %d", c.Bus), style: st.DetailLabel},
			sharing,
		})
	}
	out = append(out, table(rows, w)...)

	heading("CD/DVD DRIVES", len(d.CDROMs))
	if len(d.CDROMs) == 0 {
		none()
	}
	rows = rows[:0]
	for _, c := range d.CDROMs {
		state := cell{text: "disconnected", style: st.DetailLabel}
		what := cell{text: clean(c.Backing), style: st.DetailLabel}
		if c.ISO != "" {
			what.text = "ISO " + clean(c.ISO)
		}
		if c.Connected {
			state = cell{text: "connected", style: st.DetailValue}
			if c.ISO != "" || c.Backing == "host" {
				state = cell{text: "▲ connected", style: st.DetailWarn}
				what.style = st.DetailWarn
			}
		}
		rows = append(rows, []cell{{text: clean(c.Label), style: st.DetailValue}, state, what})
	}
	out = append(out, table(rows, w)...)

	heading("NETWORK ADAPTERS", len(d.NICs))
	if len(d.NICs) == 0 {
		none()
	}
	rows = rows[:0]
	for _, n := range d.NICs {
		state := cell{text: "connected", style: st.DetailValue}
		if !n.Connected {
			state = cell{text: "disconnected", style: st.DetailLabel}
		}
		pg := clean(n.PortGroup)
		if n.VLAN > 0 {
			pg += fmt.Sprintf(" (VLAN %d)", n.VLAN)
		}
		rows = append(rows, []cell{
			{text: clean(n.Label), style: st.DetailValue},
			{text: clean(n.Type), style: st.DetailLabel},
			{text: clean(n.MAC), style: st.DetailLabel},
			state,
			{text: pg, style: st.DetailValue},
		})
	}
	out = append(out, table(rows, w)...)

	heading("SNAPSHOTS", d.SnapshotCount)
	if d.SnapshotCount == 0 {
		none()
	}
	var walk func(s []model.Snapshot, depth int)
	walk = func(s []model.Snapshot, depth int) {
		for _, snap := range s {
			prefix := "  " + strings.Repeat("  ", depth)
			if depth > 0 {
				prefix = "  " + strings.Repeat("  ", depth-1) + "└ "
			}
			line := st.DetailWarn.Render(prefix+clean(snap.Name)) + st.DetailLabel.Render("  "+snap.Created.Format("2006-01-02 15:04"))
			if snap.Current {
				line += st.DetailValue.Render("  ● current")
			}
			add(line)
			walk(snap.Children, depth+1)
		}
	}
	walk(d.Snapshots, 0)
	return out
}

// cell is one column of a detail table row.
type cell struct {
	text  string // plain
	style lipgloss.Style
	right bool // right-aligned
}

// table lays rows out in columns as wide as their widest cell, two spaces apart, indented
// by two; the last column takes what is left and is cut to fit.
func table(rows [][]cell, w int) []string {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], lipgloss.Width(c.text))
		}
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		var b strings.Builder
		b.WriteString("  ")
		used := 2
		for i, c := range r {
			text := c.text
			if i < len(r)-1 {
				if c.right {
					text = padLeft(text, widths[i])
				} else {
					text = padRight(text, widths[i])
				}
			}
			text = cut(text, max(w-used, 0))
			b.WriteString(c.style.Render(text))
			used += lipgloss.Width(text)
			if i < len(r)-1 {
				b.WriteString("  ")
				used += 2
			}
		}
		out = append(out, fit(b.String(), w))
	}
	return out
}

// backingName is a disk backing in an operator's words.
func backingName(b string) string {
	switch b {
	case model.BackingRDMPhys:
		return "RDM physical"
	case model.BackingRDMVirtual:
		return "RDM virtual"
	case model.BackingThin:
		return "thin"
	case model.BackingFlat:
		return "thick"
	}
	return clean(b)
}

// busName is a SCSI bus sharing mode in an operator's words.
func busName(s string) string {
	switch s {
	case "physicalSharing":
		return "physical bus sharing"
	case "virtualSharing":
		return "virtual bus sharing"
	case "noSharing", "":
		return "no sharing"
	}
	return clean(s)
}

// gibBytes formats bytes as GiB: whole numbers plain, the rest with one decimal.
func gibBytes(b int64) string {
	if b%(1<<30) == 0 {
		return strconv.FormatInt(b>>30, 10)
	}
	return strconv.FormatFloat(float64(b)/(1<<30), 'f', 1, 64)
}
