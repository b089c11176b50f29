package fabric

import "github.com/vmcross/vmcross/fabric/parse"

// FormatVLANList writes VLAN IDs as a switch prints them: "100-119,121-150"; none is "none".
// The console draws the Health's lists with it, without reaching into the parsers.
func FormatVLANList(ids []int) string { return parse.FormatVLANList(ids) }

// VLANRanges is ids, sorted and deduplicated, with runs of consecutive IDs as "a-b".
func VLANRanges(ids []int) []string { return parse.VLANRanges(ids) }
