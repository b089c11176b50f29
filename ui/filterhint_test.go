package ui

import (
	"testing"

	"github.com/vmcross/vmcross/keymap"
)

// The filter line's reminder names the operator's keys, not the defaults.
func TestFilterHintNamesTheOperatorsKeys(t *testing.T) {
	km := keymap.Default()
	if got := filterHint(km, true); got != "enter keep · esc clear" {
		t.Errorf("defaults: %q", got)
	}
	km.AcceptFilter.SetKeys("ctrl+j")
	km.ClearFilter.SetKeys("ctrl+g", "esc")
	if got := filterHint(km, true); got != "ctrl+j keep · ctrl+g clear" {
		t.Errorf("rebound, typing: %q", got)
	}
	if got := filterHint(km, false); got != "ctrl+g clear" {
		t.Errorf("rebound, in force: %q", got)
	}
}
