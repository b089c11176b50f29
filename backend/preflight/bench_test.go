package preflight

import (
	"fmt"
	"testing"

	"github.com/vmcross/vmcross/backend/model"
)

// BenchmarkCheck is preflight of 500 selected VMs with details, a few of them with problems,
// against a target site of 2,000 VMs.
func BenchmarkCheck(b *testing.B) {
	in := baseInput()
	for i := range 500 {
		s := cleanVM(fmt.Sprintf("vm-%d", i), fmt.Sprintf("web-%03d", i))
		s.VM.HostRef = ref("HostSystem", fmt.Sprintf("host-%d", i%40))
		switch i % 10 {
		case 1:
			s.Details.SnapshotCount = 2
		case 2:
			onLocalDatastore(&s)
		case 3:
			s.Details.CDROMs[0] = model.CDROM{Label: "CD/DVD drive 1", Connected: true, Backing: "iso", ISO: "[iso-a] x.iso"}
		}
		in.VMs = append(in.VMs, s)
	}
	for i := range 2000 {
		in.Target.VMs = append(in.Target.VMs, model.VM{Key: model.VMKey{Site: "site-b", MoRef: fmt.Sprintf("vm-b%d", i)}, Name: fmt.Sprintf("b-%04d", i)})
	}
	in = judged(in)
	b.ReportAllocs()
	for b.Loop() {
		if fs := Check(in); len(fs) == 0 {
			b.Fatal("no findings")
		}
	}
}
