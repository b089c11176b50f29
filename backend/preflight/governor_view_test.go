package preflight

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vmcross/vmcross/backend/model"
)

// BANDWIDTH_LOW judges by the governor's view when it is known: the DCI's capacity less the
// traffic that is not vmcross's own moves'. vmcross's moves filling the link do not block
// the next request; the DCI's other traffic does.
func TestBandwidthLowGovernorView(t *testing.T) {
	full := func(in *Input) {
		for i := range in.Fabric.Trunks {
			in.Fabric.Trunks[i].UsedMbps = 19_900 // 100 Mbps free of 20 Gbps
		}
	}
	tests := []struct {
		name    string
		vms     int
		profile string
		mutate  func(in *Input)
		want    []string
		words   []string // in the finding's message
	}{
		{"full of vmcross's own moves: nothing to say", 1, ProfileLongDistance, func(in *Input) {
			full(in)
			in.DCIAvailableMbps, in.DCIAvailableKnown = 18_800, true // 1.2 Gbps is others'
		}, nil, nil},
		{"full of vmcross's own moves: reference-2009 too", 1, ProfileReference2009, func(in *Input) {
			full(in)
			in.DCIAvailableMbps, in.DCIAvailableKnown = 18_800, true
		}, nil, nil},
		{"full of others' traffic: blocks", 1, ProfileLongDistance, func(in *Input) {
			full(in)
			in.DCIAvailableMbps, in.DCIAvailableKnown = 100, true
		}, []string{"block BANDWIDTH_LOW dci []"}, []string{"100 Mbps for moves", "19.9 Gbps of other traffic", "needs 250 Mbps"}},
		{"others leave too little for reference-2009, though the link has room", 1, ProfileReference2009, func(in *Input) {
			in.DCIAvailableMbps, in.DCIAvailableKnown = 600, true
		}, []string{"block BANDWIDTH_LOW dci []"}, []string{"600 Mbps for moves", "needs 622 Mbps"}},
		{"the selection queues behind what others leave", 3, ProfileLongDistance, func(in *Input) {
			full(in)
			in.DCIAvailableMbps, in.DCIAvailableKnown = 600, true
		}, []string{"info BANDWIDTH_LOW dci []"}, []string{"600 Mbps for moves", "2 vMotions at once", "3 running VMs"}},
		{"no governor view: the free bandwidth", 1, ProfileLongDistance, full,
			[]string{"block BANDWIDTH_LOW dci []"}, []string{"100 Mbps free (19.9 Gbps used of 20 Gbps)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var vms []Selected
			for i := range tt.vms {
				vms = append(vms, cleanVM(fmt.Sprintf("vm-%d", i), fmt.Sprintf("web-%02d", i)))
			}
			in := baseInput(vms...)
			in.Profile, _ = ProfileByName(tt.profile)
			tt.mutate(&in)
			fs := Check(judged(in))
			if got := summary(fs); !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for _, w := range tt.words {
				if !strings.Contains(fs[0].Message, w) {
					t.Errorf("message %q lacks %q", fs[0].Message, w)
				}
			}
		})
	}
}

// A VM on several datastores keeps them apart when the operator (or a plan's way back)
// names a target for each: Datastores before Datastore, and a datastore whose storage the
// target mounts already stays put.
func TestMapOverridePerDatastore(t *testing.T) {
	in := baseInput()
	in.Target.Datastores = append(in.Target.Datastores, ds("datastore-13", "sjc-other", 1<<40, "host-31"))
	vm := cleanVM("vm-1", "web-01").VM
	vm.Datastores = []string{"shared-ds", "mia-local"}
	vm.DatastoreRefs = []model.Ref{ref("Datastore", "datastore-1"), ref("Datastore", "datastore-2")}
	targets := func(o Override) []string {
		got := MapVMs(in.Source, in.Target, in.Mapping, []model.VM{vm}, map[model.VMKey]Override{vm.Key: o})[0]
		var out []string
		for _, d := range got.Datastores {
			out = append(out, fmt.Sprintf("%s→%s %s shared=%v", d.Source, d.Target, d.How, d.Shared))
		}
		return out
	}
	if got, want := targets(Override{Datastores: map[string]string{"shared-ds": "shared-ds", "mia-local": "sjc-other"}}),
		[]string{"shared-ds→shared-ds name shared=true", "mia-local→sjc-other operator shared=false"}; !slices.Equal(got, want) {
		t.Errorf("each its own: %q, want %q", got, want)
	}
	// Datastores before Datastore; what it leaves out goes to Datastore.
	if got, want := targets(Override{Datastore: "sjc-local", Datastores: map[string]string{"mia-local": "sjc-other"}}),
		[]string{"shared-ds→sjc-local operator shared=false", "mia-local→sjc-other operator shared=false"}; !slices.Equal(got, want) {
		t.Errorf("with a default: %q, want %q", got, want)
	}
	// Unknown there: said, with why.
	got := MapVMs(in.Source, in.Target, in.Mapping, []model.VM{vm}, map[model.VMKey]Override{vm.Key: {Datastores: map[string]string{"mia-local": "nope"}}})[0]
	if d := got.Datastores[1]; d.Found() || !strings.Contains(d.Why, "nope") {
		t.Errorf("unknown datastore: %+v", d)
	}
	if (Override{Datastores: map[string]string{"a": "b"}}).IsZero() {
		t.Error("an override of datastores only is zero")
	}
}
