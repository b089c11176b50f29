package sim_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/vmcross/vmcross/fabric/sim"
)

// A presenter removes VLAN 120 from the DCI at Miami; Atlanta stops forwarding it too.
func Example() {
	f, err := sim.Start(context.Background(), sim.Options{})
	if err != nil {
		panic(err)
	}
	defer f.Close()

	for _, e := range f.Switches() {
		fmt.Println(e.Name, e.Site, e.Role, e.Platform)
	}
	if _, err := f.Exec("mia-dci-n7k-01", "conf t", "int po10", "switchport trunk allowed vlan remove 120", "end"); err != nil {
		panic(err)
	}
	out, _ := f.Exec("atl-dci-n7k-01", "show otv vlan")
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, " 120") {
			fmt.Println(strings.Join(strings.Fields(l), " "))
		}
	}
	// Output:
	// mia-dci-n7k-01 site-a dci-edge cisco_nxos
	// mia-dist-c6k-01 site-a distribution cisco_iosxe
	// atl-dci-n7k-01 site-b dci-edge cisco_nxos
	// atl-dist-c6k-01 site-b distribution cisco_iosxe
	// 120 atl-dci-n7k-01 inactive(NFC) Overlay1
}
