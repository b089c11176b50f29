package backend

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// ThumbprintError reports a vCenter certificate that is not the one the configuration pins.
type ThumbprintError struct {
	Got  string // SHA-256 thumbprint of the certificate the server presented
	Want string // SHA-256 thumbprint from the configuration
}

func (e *ThumbprintError) Error() string {
	return fmt.Sprintf("vCenter certificate thumbprint is %s, config pins %s", e.Got, e.Want)
}

// TLSUnverified reports whether the connection to the site goes unverified: insecure:
// true with neither a pinned thumbprint nor a CA file (either of which is checked whatever
// Insecure says, see tlsConfig), or a plain http:// URL, which has no certificate at all.
func (spec SiteSpec) TLSUnverified() bool {
	if u, err := url.Parse(spec.URL); err == nil && strings.EqualFold(u.Scheme, "http") {
		return true
	}
	return spec.Insecure && spec.Thumbprint == "" && spec.CAFile == ""
}

// tlsConfig builds the TLS verification a spec asks for:
//   - Thumbprint: only the certificate with that SHA-256 thumbprint is accepted (chain and
//     name are not checked: the pin is stricter than both). govmomi's own SetThumbprint
//     would first accept any certificate the system trusts, and its dialer ignores the
//     context, so vmcross verifies pins itself.
//   - CAFile: the usual chain and host name checks against those roots only.
//   - Insecure: no verification at all, because the operator said so.
//   - none of these: the system roots.
func tlsConfig(spec SiteSpec) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case spec.Thumbprint != "":
		want, err := NormalizeThumbprint(spec.Thumbprint)
		if err != nil {
			return nil, fmt.Errorf("thumbprint %q: %w", spec.Thumbprint, err)
		}
		cfg.InsecureSkipVerify = true // replaced by the pin check below
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return &ThumbprintError{Got: "(no certificate)", Want: want}
			}
			if got := ThumbprintOf(cs.PeerCertificates[0].Raw); got != want {
				return &ThumbprintError{Got: got, Want: want}
			}
			return nil
		}
	case spec.CAFile != "":
		pem, err := os.ReadFile(spec.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %s holds no PEM certificate", spec.CAFile)
		}
		cfg.RootCAs = pool
	case spec.Insecure:
		cfg.InsecureSkipVerify = true
	}
	return cfg, nil
}

// tlsDialer returns a DialTLSContext for http.Transport that honours the context and gives
// up on the TCP connect plus TLS handshake after timeout, so a vCenter that accepts TCP and
// never answers fails instead of hanging.
func tlsDialer(cfg *tls.Config, timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &tls.Dialer{
		NetDialer: &net.Dialer{KeepAlive: 15 * time.Second},
		Config:    cfg,
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return d.DialContext(ctx, network, addr)
	}
}
