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
// SHA-1 thumbprint of its certificate, colon-separated, as vCenter expects it.
func (e *Engine) serviceLocator(ctx context.Context, to model.SiteID) (*types.ServiceLocator, error) {
	s, ok := e.byID[to]
	if !ok {
		return nil, fmt.Errorf("%q: %w", to, ErrUnknownSite)
	}
	var uuid string
	if err := s.Call(ctx, "about", 5*time.Second, func(_ context.Context, c *vim25.Client) error {
		uuid = c.ServiceContent.About.InstanceUuid
		return nil
	}); err != nil {
		return nil, err
	}
	u, err := url.Parse(s.spec.URL)
	if err != nil {
		return nil, fmt.Errorf("site %s: url %q: %w", to, s.spec.URL, err)
	}
	thumb, err := certThumbprint(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("site %s: the certificate's thumbprint: %w", to, err)
	}
	return &types.ServiceLocator{
		InstanceUuid:  uuid,
		Url:           (&url.URL{Scheme: "https", Host: u.Host}).String(),
		Credential:    &types.ServiceLocatorNamePassword{Username: s.spec.Username, Password: s.spec.Password},
		SslThumbprint: thumb,
	}, nil
}

// certThumbprint is the SHA-1 of the certificate the server at u presents, as vCenter
// writes thumbprints ("AB:CD:…"). It only reads the certificate: the engine's own
// connection to that vCenter verified it already (or was told not to).
func certThumbprint(ctx context.Context, u *url.URL) (string, error) {
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "443")
	}
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // reading the certificate only
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
