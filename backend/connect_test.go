package backend

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

// Connection tests: reachability, TLS verification and login, each ending in a sentence
// an operator can act on. The unreachable cases come first: the silent one waits out the
// real 10 s connect timeout, and should overlap with the rest.

// silentListener accepts TCP connections and never answers, like a vCenter whose
// service hangs or a firewall that swallows the handshake.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// hungServer completes the TLS handshake and then never answers a request, like a vCenter
// whose SDK service hangs.
func hungServer(t *testing.T) string {
	t.Helper()
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the request, so that the server notices when the client gives up.
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestSiteUnreachable runs one engine over three dead vCenters with the default options
// (the 10 s connect timeout an operator gets): WaitLoaded must return on its own, naming
// each site with its cause.
func TestSiteUnreachable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id, addr, want string
	}{
		{"site-silent", silentListener(t), "no answer from"},
		{"site-hung", hungServer(t), "no answer from"},
		{"site-refused", closedPort(t), "connection refused"},
	}
	var specs []SiteSpec
	for _, tc := range cases {
		specs = append(specs, SiteSpec{ID: model.SiteID(tc.id), URL: "https://" + tc.addr + "/sdk", Username: "u", Password: "p", Insecure: true})
	}
	e := NewEngine(specs)
	e.Start(context.Background())
	t.Cleanup(e.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := e.WaitLoaded(ctx)
	t.Log(err)
	if err == nil {
		t.Fatal("WaitLoaded succeeded against nothing")
	}
	if ctx.Err() != nil {
		t.Fatalf("WaitLoaded only returned when the test gave up: %v", err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("want one line per site, got %q", lines)
	}
	for i, tc := range cases {
		if want := tc.id + ": connect: "; !strings.HasPrefix(lines[i], want) || !strings.Contains(lines[i], tc.want) || !strings.Contains(lines[i], tc.addr) {
			t.Errorf("line %d = %q, want %q... with %q and the address", i, lines[i], want, tc.want)
		}
		ss, _ := e.Snapshot().Site(model.SiteID(tc.id))
		if ss.Status.State == model.Connected {
			t.Errorf("%s is connected", tc.id)
		}
	}
}

func TestSiteCAFile(t *testing.T) {
	t.Parallel()
	vc := newVCenter(t, "site-a", nil)
	ca, err := vc.server.CertificateFile()
	if err != nil {
		t.Fatal(err)
	}
	spec := vc.spec
	spec.Thumbprint, spec.CAFile = "", ca
	e := startEngine(t, []SiteSpec{spec})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.WaitLoaded(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSiteThumbprintMismatch(t *testing.T) {
	t.Parallel()
	vc := newVCenter(t, "site-a", nil)
	spec := vc.spec
	spec.Thumbprint = strings.Repeat("AB:", 31) + "AB"
	e := startEngine(t, []SiteSpec{spec})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := e.WaitLoaded(ctx)
	t.Log(err)
	if err == nil {
		t.Fatal("WaitLoaded succeeded against a server whose certificate is not the pinned one")
	}
	want := "site-a: vCenter certificate thumbprint is " + vc.spec.Thumbprint + ", config pins " + spec.Thumbprint
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q\nwant it to start %q", err, want)
	}
	var tp *ThumbprintError
	if !errors.As(err, &tp) || tp.Got != vc.spec.Thumbprint {
		t.Errorf("error %v does not unwrap to a ThumbprintError", err)
	}
	ss, _ := e.Snapshot().Site("site-a")
	if ss.Status.State != model.Disconnected || !strings.HasPrefix(ss.Status.Err, want) {
		t.Errorf("status = %+v, want disconnected with the thumbprint sentence", ss.Status)
	}
}

func TestSiteUntrustedCertificate(t *testing.T) {
	t.Parallel()
	vc := newVCenter(t, "site-a", nil)
	spec := vc.spec
	spec.Thumbprint = ""
	e := startEngine(t, []SiteSpec{spec})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := e.WaitLoaded(ctx)
	t.Log(err)
	if err == nil {
		t.Fatal("WaitLoaded trusted a self-signed certificate with no pin, CA or insecure")
	}
	for _, part := range []string{"site-a: connect: the vCenter certificate is not trusted", vc.spec.Thumbprint} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}

	// insecure: true is the operator's explicit choice, and then it connects.
	spec.Insecure = true
	e2 := startEngine(t, []SiteSpec{spec})
	if err := e2.WaitLoaded(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSiteWrongPassword(t *testing.T) {
	t.Parallel()
	vc := newVCenter(t, "site-a", nil)
	spec := vc.spec
	spec.Password = "wrong"
	e := startEngine(t, []SiteSpec{spec})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := e.WaitLoaded(ctx)
	t.Log(err)
	if err == nil || !strings.HasPrefix(err.Error(), "site-a: login: incorrect user name or password") {
		t.Fatalf("error = %v, want a login sentence", err)
	}
	var se *SiteError
	if !errors.As(err, &se) || !se.Permanent {
		t.Errorf("a wrong password must not be retried (it would lock the account): %#v", se)
	}
}

func TestSiteSpecErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notPEM := dir + "/ca.pem"
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		spec SiteSpec
		want string
	}{
		{"thumbprint", SiteSpec{Thumbprint: "12:34"}, "not a SHA-256 thumbprint"},
		{"ca file missing", SiteSpec{CAFile: dir + "/none.pem"}, "ca_file"},
		{"ca file not pem", SiteSpec{CAFile: notPEM}, "holds no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.spec.ID, tc.spec.URL = "site-b", "https://"+closedPort(t)+"/sdk"
			e := startEngine(t, []SiteSpec{tc.spec})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := e.WaitLoaded(ctx)
			t.Log(err)
			var se *SiteError
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &se) || !se.Permanent {
				t.Errorf("error = %v, want a permanent error containing %q", err, tc.want)
			}
		})
	}
}
