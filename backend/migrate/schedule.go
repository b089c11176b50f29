package migrate

import (
	"fmt"

	"github.com/vmcross/vmcross/fabric"
)

// A vMotion's stream runs at most at its vMotion network's line rate; moves that share a
// full DCI only slow each other down, and a slower move sends more: each pre-copy pass
// takes longer, so the guest dirties more memory for the next one to send again. On the
// lab's 20 Gbps DCI, two 10 GbE streams fill it; eight at once each get 2.35 Gbps and send
// about two-thirds more in all (re-sent dirty memory), so the evacuation takes longer.
// The governor therefore runs no more moves than fill the DCI at their line rate, plus one:
// while one move ends and the next one starts (the governor's and vCenter's time between
// them), the others still fill the DCI.

// fullDCI is the gate with its limit lowered to the moves that keep the DCI's available
// bandwidth full at the moves' line rate, plus one, when that is fewer than the gate allows
// (both known); the queued moves then say so.
func fullDCI(g Gate) Gate {
	if !g.Limited || g.StreamMbps <= 0 || g.AvailableMbps <= 0 {
		return g
	}
	full := int((g.AvailableMbps+g.StreamMbps-1)/g.StreamMbps) + 1
	if full >= g.Limit {
		return g
	}
	g.Limit = full
	g.Held = fmt.Sprintf("%d moves keep the DCI full (%s available, up to %s a move): more would only slow each one",
		full, fabric.FormatMbps(g.AvailableMbps), fabric.FormatMbps(g.StreamMbps))
	return g
}
