package fabric

import "time"

// Platforms the monitor can poll, by their scrapligo names.
const (
	NXOS  = "cisco_nxos"
	IOSXE = "cisco_iosxe"
)

// Roles a switch plays in the DCI.
const (
	RoleDCIEdge      = "dci-edge"
	RoleDistribution = "distribution"
)

// SwitchSpec is everything needed to reach and poll one switch. The password is already
// resolved by the config loader.
type SwitchSpec struct {
	Name      string
	Site      string // site id, e.g. "site-a"
	Role      string // RoleDCIEdge or RoleDistribution
	Host      string
	Port      int
	Platform  string // NXOS or IOSXE
	Transport string // "standard" (default) or "system"
	Username  string
	Password  string
	// Host key verification: HostKey pins a public key in authorized_keys form;
	// KnownHostsFile uses a known_hosts file; InsecureHostKey skips the check.
	HostKey         string
	KnownHostsFile  string
	InsecureHostKey bool
	// DCIInterfaces carry the DCI (e.g. "port-channel10").
	DCIInterfaces []string
	// PingTarget is the far DCI edge's address, pinged for the RTT.
	PingTarget string
}

// DefaultPollInterval is how often switches are polled when the config does not say.
const DefaultPollInterval = 5 * time.Second
