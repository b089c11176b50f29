package preflight

import (
	"fmt"
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

// ms prints a round trip as operators read it: "4.2 ms".
func ms(d time.Duration) string {
	return fmt.Sprintf("%.3g ms", float64(d)/float64(time.Millisecond))
}

// gib prints a size in GiB, "0.5 GiB" or "120 GiB".
func gib(b int64) string {
	g := float64(b) / (1 << 30)
	if g < 10 {
		return fmt.Sprintf("%.1f GiB", g)
	}
	return fmt.Sprintf("%.0f GiB", g)
}

// copyTime is how long copying b bytes takes at mbps megabits a second, to the minute.
func copyTime(b int64, mbps int) time.Duration {
	if mbps <= 0 {
		return 0
	}
	s := float64(b) * 8 / (float64(mbps) * 1e6)
	d := time.Duration(s * float64(time.Second)).Round(time.Minute)
	if d == 0 && b > 0 {
		d = time.Minute
	}
	return d
}

// siteName is how a message names a site: its display name, else its id.
func siteName(s model.SiteSnapshot) string {
	if s.Status.Name != "" {
		return s.Status.Name
	}
	if s.Status.ID != "" {
		return string(s.Status.ID)
	}
	return "the target site"
}

// minutes prints a duration rounded to the minute as operators read it: "23 min",
// "1 h 08 min".
func minutes(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
}
