package sim

import (
	"time"
)

// VLAN is one VLAN of the network plan the simulated switches are built from. Every VLAN
// exists at both sites; Extended says whether the DCI trunk and the OTV overlay carry it.
type VLAN struct {
	ID       int
	Name     string
	Extended bool
}

// Options configure a simulated fabric. The zero value is usable: every field has a default.
type Options struct {
	// VLANs is the VLAN plan. Default: DefaultVLANs (the lab's plan).
	VLANs []VLAN
	// Latency is the round-trip time across the DCI that `ping` reports between the sites,
	// before a little jitter. Default: 2 ms (about 200 km of fibre).
	Latency time.Duration
	// BandwidthGbps is the speed of each member link of the DCI port-channel, shown as BW in
	// `show interface`. Default: 10.
	BandwidthGbps int
	// DCILoadMbps is the background traffic across the DCI (replication, backups, users),
	// shown in the rates of `show interface` on the DCI port-channel and, split evenly, on
	// its bundled members; SetDCILoad changes it at run time. Default: DefaultDCILoadMbps;
	// negative: an idle DCI.
	DCILoadMbps int
	// Username and Password are the credentials every switch accepts, by password and by
	// keyboard-interactive authentication. Default: DefaultUsername, DefaultPassword.
	Username string
	Password string
	// BasePort, when set, makes the switches listen on consecutive ports from BasePort in the
	// order Switches returns them, so a lab can print stable endpoints. Default: random ports.
	BasePort int
}

// Defaults for Options.
const (
	DefaultUsername      = "admin"
	DefaultPassword      = "C1sco-lab!"
	DefaultLatency       = 2 * time.Millisecond
	DefaultBandwidthGbps = 10
	// DefaultDCILoadMbps leaves 18.8 of the default 2×10 Gbps free for vMotion.
	DefaultDCILoadMbps = 1200
)

// DefaultVLANs returns the VLAN plan of the embedded lab: six VLANs stretched across the DCI
// and the DMZ, which stays local to each site. backend/lab.Plan is built from it, so the
// lab's port groups and these trunks always agree.
func DefaultVLANs() []VLAN {
	return []VLAN{
		{ID: 100, Name: "Mgmt", Extended: true},
		{ID: 110, Name: "Web", Extended: true},
		{ID: 120, Name: "App", Extended: true},
		{ID: 130, Name: "DB", Extended: true},
		{ID: 140, Name: "Backup", Extended: true},
		{ID: 150, Name: "K8s", Extended: true},
		{ID: 200, Name: "vMotion", Extended: true},
		{ID: 300, Name: "DMZ", Extended: false},
	}
}

func (o Options) withDefaults() Options {
	if len(o.VLANs) == 0 {
		o.VLANs = DefaultVLANs()
	}
	if o.Latency <= 0 {
		o.Latency = DefaultLatency
	}
	if o.BandwidthGbps <= 0 {
		o.BandwidthGbps = DefaultBandwidthGbps
	}
	if o.DCILoadMbps == 0 {
		o.DCILoadMbps = DefaultDCILoadMbps
	}
	if o.Username == "" {
		o.Username = DefaultUsername
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	return o
}

// Platform is a switch operating system, named as scrapligo names its platform definitions.
type Platform string

// The two platforms of the fabric.
const (
	NXOS  Platform = "cisco_nxos"  // Nexus 7000 DCI edges
	IOSXE Platform = "cisco_iosxe" // Catalyst 6500 distribution switches (classic IOS CLI)
)

// Role is what a switch does in the fabric.
type Role string

// The roles of the fabric's switches.
const (
	RoleDCIEdge      Role = "dci-edge"     // joins the sites: DCI port-channel and OTV overlay
	RoleDistribution Role = "distribution" // the site's aggregation, uplinked to its DCI edge
)

// Endpoint is how to reach one simulated switch, and what it is.
type Endpoint struct {
	Name     string // hostname, e.g. "mia-dci-n7k-01"
	Site     string // "site-a" (Miami) or "site-b" (Atlanta)
	Role     Role
	Platform Platform
	Host     string // always "127.0.0.1"
	Port     int
	Username string
	Password string
	// Address is the switch's loopback: it answers `ping` from any switch that can route to it.
	Address string
	// HostKey is the switch's SSH public host key in authorized_keys form
	// ("ssh-ed25519 AAAA..."), for clients that pin it.
	HostKey string
	// DCIInterfaces are the interfaces that carry the DCI VLANs on this switch, each
	// port-channel followed by its members: the inter-site port-channel and the overlay on a
	// DCI edge, the uplink to the edge on a distribution switch.
	DCIInterfaces []string
	// Trunks are the switch's port-channels and where they lead.
	Trunks []Trunk
}

// Trunk is a port-channel trunk between two switches of the fabric.
type Trunk struct {
	Interface     string   // "port-channel10"
	Members       []string // "Ethernet3/1", "Ethernet3/2"
	Peer          string   // the switch at the other end
	PeerInterface string   // its port-channel
	DCI           bool     // true for the inter-site link
}
