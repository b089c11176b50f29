package fabric

import (
	"reflect"

	"github.com/scrapli/scrapligo/driver/network"
	"github.com/scrapli/scrapligo/transport"
)

// sshPID returns the process id of the ssh that scrapligo's system transport started for
// d, or 0. scrapligo kills that process on Close but never waits for it, which leaves a
// zombie behind every closed session; reapSSH collects it. The process is in an
// unexported field, read here (never written) by reflection: if scrapligo renames it,
// this finds nothing and nothing is reaped.
func sshPID(d *network.Driver) int {
	if d == nil || d.Driver == nil || d.Transport == nil {
		return 0
	}
	sys, ok := d.Transport.Impl.(*transport.System)
	if !ok || sys == nil {
		return 0
	}
	v := reflect.ValueOf(sys).Elem().FieldByName("c") // *exec.Cmd
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() {
		return 0
	}
	p := v.Elem().FieldByName("Process") // *os.Process
	if !p.IsValid() || p.Kind() != reflect.Pointer || p.IsNil() {
		return 0
	}
	pid := p.Elem().FieldByName("Pid")
	if !pid.IsValid() || pid.Kind() != reflect.Int {
		return 0
	}
	return int(pid.Int())
}
