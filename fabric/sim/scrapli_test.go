package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scrapli/scrapligo/driver/network"
	"github.com/scrapli/scrapligo/driver/options"
	"github.com/scrapli/scrapligo/platform"
	"github.com/scrapli/scrapligo/transport"
)

// openScrapli opens a scrapligo network driver with the switch's stock platform definition, as
// the monitor will.
func openScrapli(t *testing.T, e Endpoint, transportType string) *network.Driver {
	t.Helper()
	p, err := platform.NewPlatform(string(e.Platform), e.Host,
		options.WithPort(e.Port),
		options.WithAuthNoStrictKey(),
		options.WithAuthUsername(e.Username),
		options.WithAuthPassword(e.Password),
		options.WithTransportType(transportType),
		options.WithTimeoutOps(10*time.Second),
		options.WithTimeoutSocket(5*time.Second),
	)
	if err != nil {
		t.Fatalf("platform %s: %v", e.Platform, err)
	}
	d, err := p.GetNetworkDriver()
	if err != nil {
		t.Fatalf("network driver: %v", err)
	}
	if err := d.Open(); err != nil {
		t.Fatalf("open %s over %s transport: %v", e.Name, transportType, err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func TestScrapliDrivers(t *testing.T) {
	f := startFabric(t, Options{})
	for _, tr := range []string{transport.StandardTransport, transport.SystemTransport} {
		for _, sw := range []string{miaEdge, atlDist} {
			t.Run(fmt.Sprintf("%s/%s", tr, sw), func(t *testing.T) {
				e, err := f.Switch(sw)
				if err != nil {
					t.Fatal(err)
				}
				d := openScrapli(t, e, tr)

				r, err := d.SendCommand("show version")
				if err != nil {
					t.Fatalf("show version: %v", err)
				}
				if r.Failed != nil {
					t.Fatalf("show version failed: %v\n%s", r.Failed, r.Result)
				}
				want := "Device name: " + sw
				if e.Platform == IOSXE {
					want = sw + " uptime is"
				}
				if !strings.Contains(r.Result, want) {
					t.Errorf("show version lacks %q:\n%s", want, r.Result)
				}
				if strings.Contains(r.Result, "show version") || strings.HasSuffix(strings.TrimSpace(r.Result), "#") {
					t.Errorf("echo or prompt leaked into the result:\n%s", r.Result)
				}

				// A device error sets Failed, not err.
				r, err = d.SendCommand("show bogus")
				if err != nil {
					t.Fatalf("show bogus: %v", err)
				}
				if r.Failed == nil {
					t.Errorf("show bogus did not set Failed:\n%s", r.Result)
				}

				iface := "port-channel20"
				if e.Platform == IOSXE {
					iface = "Port-channel1"
				}
				mr, err := d.SendConfigs([]string{
					"interface " + iface,
					"description changed by scrapligo",
					"switchport trunk allowed vlan remove 140",
				})
				if err != nil {
					t.Fatalf("send configs: %v", err)
				}
				if mr.Failed != nil {
					t.Fatalf("configs failed: %v", mr.Failed)
				}
				show := "show interface trunk"
				if e.Platform == IOSXE {
					show = "show interfaces trunk"
				}
				r, err = d.SendCommand(show)
				if err != nil || r.Failed != nil {
					t.Fatalf("%s after config: %v %v", show, err, r.Failed)
				}
				if strings.Contains(trunkSection(r.Result, "llowed on")[shortIfName(e.Platform, iface)], "140") {
					t.Errorf("VLAN 140 still allowed on %s:\n%s", iface, r.Result)
				}
				// Put it back for the next transport.
				mr, err = d.SendConfigs([]string{"interface " + iface, "switchport trunk allowed vlan add 140"})
				if err != nil || mr.Failed != nil {
					t.Fatalf("restore: %v %v", err, mr)
				}
				if _, err := d.SendCommand("show vlan brief"); err != nil {
					t.Fatalf("back to exec: %v", err)
				}
			})
		}
	}
}
