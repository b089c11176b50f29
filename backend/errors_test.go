package backend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func soapFault(msg string, f types.AnyType) error {
	sf := &soap.Fault{Code: "ServerFaultCode", String: msg}
	sf.Detail.Fault = f
	return soap.WrapSoapFault(sf)
}

func TestDescribe(t *testing.T) {
	const addr = "vc.example:443"
	post := func(err error) error { return &url.Error{Op: "Post", URL: "https://" + addr + "/sdk", Err: err} }
	for _, tc := range []struct {
		err       error
		want      string
		permanent bool
	}{
		{post(syscall.ECONNREFUSED), "cannot reach vc.example:443: connection refused", false},
		{post(context.DeadlineExceeded), "no answer from vc.example:443 within 10s", false},
		{soapFault("Login failure", &types.InvalidLogin{}), "incorrect user name or password", true},
		{fmt.Errorf("wrapped: %w", soapFault("", &types.NotAuthenticated{})), "the vCenter session ended", false},
		{soapFault("The object 'vim.Folder:group-d1' has already been deleted", &types.ManagedObjectNotFound{}), "vCenter says: The object", false},
		{soapFault("", &types.HostConfigFault{}), "vCenter refused the request (HostConfigFault)", false},
		{post(errors.New("503 Service Unavailable")), "vc.example:443 answered 503 Service Unavailable (vCenter may still be starting", false},
		{post(errors.New("404 Not Found")), "vc.example:443 answered 404 Not Found: not a vCenter SDK endpoint", false},
		{post(errors.New("http: server gave HTTP response to HTTPS client")), "vc.example:443 speaks plain HTTP", false},
		{&ThumbprintError{Got: "AA", Want: "BB"}, "vCenter certificate thumbprint is AA, config pins BB", false},
	} {
		msg, permanent := describe(tc.err, addr, 10*time.Second)
		if !strings.HasPrefix(msg, tc.want) || permanent != tc.permanent {
			t.Errorf("describe(%v) = %q, %v\nwant prefix %q, %v", tc.err, msg, permanent, tc.want, tc.permanent)
		}
		if strings.Contains(msg, "ServerFaultCode") {
			t.Errorf("describe(%v) = %q shows a raw SOAP fault", tc.err, msg)
		}
	}
}

// TestSiteNotAVCenter points sites at HTTPS servers that are not vCenters.
func TestSiteNotAVCenter(t *testing.T) {
	t.Parallel()
	notFound := httptest.NewTLSServer(http.NotFoundHandler())
	defer notFound.Close()
	html := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("<html>welcome</html>"))
	}))
	defer html.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	specs := []SiteSpec{
		{ID: "site-404", URL: notFound.URL + "/sdk", Username: "u", Password: "p", Insecure: true},
		{ID: "site-html", URL: html.URL + "/sdk", Username: "u", Password: "p", Insecure: true},
		{ID: "site-plain", URL: "https://" + plain.Listener.Addr().String() + "/sdk", Username: "u", Password: "p", Insecure: true},
	}
	e := NewEngine(specs, testOpts...)
	e.Start(context.Background())
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := e.WaitLoaded(ctx)
	t.Log(err)
	if err == nil {
		t.Fatal("loaded from servers that are not vCenters")
	}
	for _, want := range []string{"site-404: connect: 127.0.0.1:", "answered 404 Not Found", "site-html: connect: 127.0.0.1:",
		"does not answer like a vCenter SDK", "site-plain: connect: 127.0.0.1:", "speaks plain HTTP"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q", want)
		}
	}
}
