package backend

import (
	"strings"
	"testing"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
)

func TestNotMoving(t *testing.T) {
	a := model.VMKey{Site: "site-a", MoRef: "vm-1"}
	b := model.VMKey{Site: "site-a", MoRef: "vm-2"}
	fs := []preflight.Finding{
		{Code: "RDM_BUS_SHARING", Severity: preflight.Block, VM: b, Object: "Hard disk 2"},
		{Code: "SNAPSHOTS", Severity: preflight.Warn, VM: a, Object: "vm web-01"},
		{Code: "MTU_LOW", Severity: preflight.Warn, Object: "mia-dci port-channel10"},
		{Code: "POWERED_OFF", Severity: preflight.Info, VM: a, Object: "vm web-01"},
	}
	tests := []struct {
		vm    model.VMKey
		acked []string
		want  string
	}{
		{b, []string{"RDM_BUS_SHARING Hard disk 2"}, "blocked: RDM_BUS_SHARING"},
		{a, nil, "warnings not acknowledged: SNAPSHOTS vm web-01; MTU_LOW mia-dci port-channel10"},
		{a, []string{"SNAPSHOTS vm web-01"}, "warnings not acknowledged: MTU_LOW mia-dci port-channel10"},
		{a, []string{"SNAPSHOTS vm web-01", "MTU_LOW mia-dci port-channel10"}, ""},
		{a, []string{"SNAPSHOTS", "MTU_LOW"}, ""},
	}
	for _, tt := range tests {
		if got := notMoving(fs, tt.vm, tt.acked); got != tt.want {
			t.Errorf("notMoving(%s, %q) = %q, want %q", tt.vm, tt.acked, got, tt.want)
		}
	}
	// A block about the whole selection stops every VM.
	fs = append(fs, preflight.Finding{Code: "DCI_DOWN", Severity: preflight.Block, Object: "dci"})
	if got := notMoving(fs, a, []string{"SNAPSHOTS", "MTU_LOW"}); !strings.Contains(got, "DCI_DOWN") {
		t.Errorf("selection-wide block: %q", got)
	}
}
