package backend

import "github.com/vmcross/vmcross/backend/model"

// SiteSpec is everything needed to reach one vCenter. The password is already resolved
// (from the environment or a file) by the config loader.
type SiteSpec struct {
	ID       model.SiteID
	Name     string // display name
	URL      string // https://host[:port]/sdk
	Username string
	Password string
	// Thumbprint pins the vCenter's certificate: SHA-256 of the DER certificate, hex, with or
	// without colons. Either Thumbprint or CAFile verifies TLS; Insecure skips verification.
	Thumbprint string
	CAFile     string
	Insecure   bool
}
