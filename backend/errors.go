package backend

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/vmcross/vmcross/backend/model"
)

// SiteError is a site's failure, worded for an operator:
// "site-a: login: incorrect user name or password".
type SiteError struct {
	Site model.SiteID
	Op   string // what was being done: "connect", "login", "load", "watch"; may be empty
	Msg  string // the cause as a sentence, never a raw SOAP fault
	Err  error  // the underlying error, for errors.Is / errors.As
	// Permanent is true when retrying cannot help without an operator (a wrong password
	// would only lock the account; a malformed setting stays malformed).
	Permanent bool
}

func (e *SiteError) Error() string {
	if e.Op == "" {
		return fmt.Sprintf("%s: %s", e.Site, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.Site, e.Op, e.Msg)
}

func (e *SiteError) Unwrap() error { return e.Err }

// faulter is what govmomi's SOAP and VIM fault errors have in common.
type faulter interface {
	Fault() types.BaseMethodFault
}

// siteError wraps err with the site, the operation and a sentence describing it.
func (s *Site) siteError(op string, err error) *SiteError {
	var se *SiteError
	if errors.As(err, &se) {
		return se
	}
	e := &SiteError{Site: s.spec.ID, Op: op, Err: err}
	var tp *ThumbprintError
	if errors.As(err, &tp) {
		e.Op = "" // the sentence says it all
	}
	e.Msg, e.Permanent = describe(err, s.addr, s.opts.connectTimeout)
	return e
}

// describe turns an error from the network, TLS or vCenter into a sentence, and says
// whether retrying is pointless.
func describe(err error, addr string, timeout time.Duration) (msg string, permanent bool) {
	var (
		tp    *ThumbprintError
		cve   *tls.CertificateVerificationError
		uae   x509.UnknownAuthorityError
		hne   x509.HostnameError
		cie   x509.CertificateInvalidError
		rhe   tls.RecordHeaderError
		dns   *net.DNSError
		f     faulter
		netEr net.Error
	)
	switch {
	case errors.As(err, &tp):
		return tp.Error() + " (if the certificate was replaced on purpose, pin the new thumbprint)", false
	case errors.As(err, &cve), errors.As(err, &uae), errors.As(err, &hne), errors.As(err, &cie):
		why := "is not trusted"
		switch {
		case errors.As(err, &hne):
			why = fmt.Sprintf("does not name %s", hne.Host)
		case errors.As(err, &cie):
			why = "is not valid (" + cie.Error() + ")"
		}
		seen := ""
		if cve != nil && len(cve.UnverifiedCertificates) > 0 {
			seen = "; its SHA-256 thumbprint is " + ThumbprintOf(cve.UnverifiedCertificates[0].Raw)
		}
		return fmt.Sprintf("the vCenter certificate %s%s (check the thumbprint out of band, then set thumbprint or ca_file; insecure: true skips verification)", why, seen), false
	case errors.As(err, &rhe):
		return fmt.Sprintf("%s does not speak TLS (check the URL's scheme and port)", addr), false
	case errors.As(err, &dns):
		return fmt.Sprintf("cannot resolve %s (check the URL's host name and DNS)", dns.Name), false
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("cannot reach %s: connection refused (is vCenter up, and are the host and port right?)", addr), false
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("cannot reach %s: no route to host (check the network path)", addr), false
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netEr) && netEr.Timeout():
		return fmt.Sprintf("no answer from %s within %s (check the network path and firewall)", addr, timeout), false
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return fmt.Sprintf("the connection to %s was closed", addr), false
	case errors.As(err, &f):
		return describeFault(f.Fault(), err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // drop `Post "https://...":`, the address is known
	}
	msg = err.Error()
	switch {
	case strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return fmt.Sprintf("%s speaks plain HTTP, not HTTPS (check the URL's scheme and port)", addr), false
	case strings.HasPrefix(msg, "503 "):
		return fmt.Sprintf("%s answered %s (vCenter may still be starting; vmcross keeps trying)", addr, msg), false
	case httpStatus.MatchString(msg):
		return fmt.Sprintf("%s answered %s: not a vCenter SDK endpoint (check the URL, usually https://host/sdk)", addr, msg), false
	case strings.Contains(msg, "expected element type"), strings.HasPrefix(msg, "XML syntax error"):
		return fmt.Sprintf("%s does not answer like a vCenter SDK endpoint (check the URL, usually https://host/sdk)", addr), false
	}
	return msg, false
}

// httpStatus matches the bare HTTP status govmomi returns for a non-SOAP answer.
var httpStatus = regexp.MustCompile(`^[1-5][0-9][0-9] [A-Z]`)

func describeFault(f types.BaseMethodFault, err error) (string, bool) {
	switch f.(type) {
	case *types.InvalidLogin:
		return "incorrect user name or password (fix it in the config; vmcross does not retry, to spare the account a lockout)", true
	case *types.NotAuthenticated:
		return "the vCenter session ended (expired, or closed by an administrator)", false
	case *types.NoPermission:
		return "the user lacks a permission vmcross needs (System.View and read access to the inventory)", true
	case *types.RequestCanceled:
		return "the request was cancelled by vCenter", false
	}
	// Fall back to the fault's own message, without the "ServerFaultCode:" prefix.
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 && strings.Contains(msg[:i], "FaultCode") {
		msg = msg[i+2:]
	}
	name := fmt.Sprintf("%T", f)
	name = name[strings.LastIndexByte(name, '.')+1:]
	if msg == "" || msg == name {
		return "vCenter refused the request (" + name + ")", false
	}
	return "vCenter says: " + msg, false
}
