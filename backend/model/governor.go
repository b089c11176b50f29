package model

import "time"

// Governor is what the move governor allows now: whether moves may start, how many may run
// at once, and what that rests on. The engine publishes it in State.Governor after every
// scheduling pass that changes it, so the console and the CLI show the same thing.
type Governor struct {
	// Paused says why no move may start now ("the DCI is down", "the DCI's data is stale
	// (last poll 12:03:01)", "a DCI finding blocks: OTV_ADJACENCY_DOWN mia-dci-n7k-01
	// Overlay1"); "" while moves may start. Moves already running are left to vCenter.
	Paused string `json:"paused,omitempty"`
	// Limit is how many moves may run at once now: the least of Cap and DCILimit.
	Limit int `json:"limit"`
	// Cap is the configured cap on moves at once across everything (governor:
	// max_concurrent).
	Cap int `json:"cap"`
	// DCILimit is how many moves the DCI carries at once now: the bandwidth it has for
	// vmcross's moves over what one move needs. -1 when the DCI sets no limit (no fabric
	// configured).
	DCILimit int `json:"dci_limit"`
	// AvailableMbps is the DCI bandwidth vmcross's moves may use: its capacity less the
	// traffic that is not theirs. NeedMbps is what one move needs (the profile's, or
	// governor: mbps_per_move). Both 0 when not known.
	AvailableMbps int64 `json:"available_mbps,omitempty"`
	NeedMbps      int64 `json:"need_mbps,omitempty"`
	// Running and Queued count the moves running (switchover and cancelling included) and
	// waiting.
	Running int `json:"running"`
	Queued  int `json:"queued"`
	// Why is the governor's state in words, as a title shows it: "paused: the DCI is down",
	// "≤ 6 at once (DCI 18.8 Gbps)".
	Why string `json:"why"`
	// Since is when Paused or Limit last changed.
	Since time.Time `json:"since,omitzero"`
}
