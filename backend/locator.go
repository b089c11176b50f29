package backend

import (
	"context"
	"crypto/sha1"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// serviceLocator is how a source vCenter reaches the target vCenter in a cross-vCenter
// relocate (RelocateVMSpec.Service): the target's URL, instance UUID, credentials and the
// SHA-1 thumbprint of its certificate, colon-separated, as vCenter expects it. The UUID and
// thumbprint are read once and kept for locatorTTL: an evacuation's moves would otherwise
// each pay a TLS handshake to the target before starting.
func (e *Engine) serviceLocator(ctx context.Context, to model.SiteID) (*types.ServiceLocator, error) {
	s, ok := e.byID[to]
	if !ok {
		return nil, fmt.Errorf("%q: %w", to, ErrUnknownSite)
	}
	u, err := url.Parse(s.spec.URL)
	if err != nil {
		return nil, fmt.Errorf("site %s: url %q: %w", to, s.spec.URL, err)
	}
	id, err := e.targetIdentity(ctx, s, u)
	if err != nil {
		return nil, err
	}
	return &types.ServiceLocator{
		InstanceUuid:  id.uuid,
		Url:           (&url.URL{Scheme: "https", Host: u.Host}).String(),
		Credential:    &types.ServiceLocatorNamePassword{Username: s.spec.Username, Password: s.spec.Password},
		SslThumbprint: id.thumbprint,
	}, nil
}

// locatorTTL is how long a target vCenter's instance UUID and certificate thumbprint are
// kept for its ServiceLocator.
const locatorTTL = 5 * time.Minute

// targetID is a target vCenter's instance UUID and certificate thumbprint, as read at.
type targetID struct {
	uuid, thumbprint string
	at               time.Time
}

// targetIdentity is site s's instance UUID and SHA-1 certificate thumbprint, from the cache
// when fresh.
func (e *Engine) targetIdentity(ctx context.Context, s *Site, u *url.URL) (targetID, error) {
	e.locMu.Lock()
	id, ok := e.locators[s.spec.ID]
	e.locMu.Unlock()
	if ok && time.Since(id.at) < locatorTTL {
		return id, nil
	}
	if err := s.Call(ctx, "about", 5*time.Second, func(_ context.Context, c *vim25.Client) error {
		id.uuid = c.ServiceContent.About.InstanceUuid
		return nil
	}); err != nil {
		return targetID{}, err
	}
	cfg, err := tlsConfig(s.spec)
	if err != nil {
		return targetID{}, fmt.Errorf("site %s: %w", s.spec.ID, err)
	}
	if id.thumbprint, err = certThumbprint(ctx, u, cfg); err != nil {
		return targetID{}, fmt.Errorf("site %s: the certificate's thumbprint: %w", s.spec.ID, err)
	}
	id.at = time.Now()
	e.locMu.Lock()
	if e.locators == nil {
		e.locators = map[model.SiteID]targetID{}
	}
	e.locators[s.spec.ID] = id
	e.locMu.Unlock()
	return id, nil
}

// certThumbprint is the SHA-1 of the certificate the server at u presents, as vCenter
// writes thumbprints ("AB:CD:…"), verified as the engine's own connection is (cfg: the
// pinned SHA-256 thumbprint, the CA file, or nothing when the operator wrote insecure), so
// that the source vCenter is never told to trust a certificate the engine would refuse.
func certThumbprint(ctx context.Context, u *url.URL, cfg *tls.Config) (string, error) {
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "443")
	}
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: cfg}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return "", fmt.Errorf("%s presented no certificate", host)
	}
	sum := sha1.Sum(certs[0].Raw) //nolint:gosec // vCenter's ServiceLocator takes a SHA-1 thumbprint
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":"), nil
}
