package backend

import (
	"context"
	"crypto/sha1" //nolint:gosec // the ServiceLocator's thumbprint is SHA-1
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The thumbprint handed to the source vCenter is read over a connection verified as the
// engine's own: a pin that does not match refuses, so the source is never told to trust a
// certificate the engine would not.
func TestCertThumbprintIsVerified(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	der := srv.Certificate().Raw
	sum := sha1.Sum(der) //nolint:gosec
	var parts []string
	for _, b := range sum {
		parts = append(parts, fmt.Sprintf("%02X", b))
	}
	want := strings.Join(parts, ":")

	good, err := tlsConfig(SiteSpec{URL: srv.URL, Thumbprint: ThumbprintOf(der)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := certThumbprint(context.Background(), u, good)
	if err != nil || got != want {
		t.Fatalf("pinned and matching: got %q, %v; want %q", got, err, want)
	}

	wrong := strings.Repeat("ab", 32)
	bad, err := tlsConfig(SiteSpec{URL: srv.URL, Thumbprint: wrong})
	if err != nil {
		t.Fatal(err)
	}
	_, err = certThumbprint(context.Background(), u, bad)
	var te *ThumbprintError
	if !errors.As(err, &te) {
		t.Fatalf("pinned to another certificate: got %v, want a ThumbprintError", err)
	}

	// No pin, no CA file and not insecure: the system roots, which do not know the test
	// server's certificate.
	sys, err := tlsConfig(SiteSpec{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := certThumbprint(context.Background(), u, sys); err == nil {
		t.Fatal("an unknown certificate was read without verification")
	}
}
