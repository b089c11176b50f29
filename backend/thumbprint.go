package backend

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// NormalizeThumbprint turns a SHA-256 fingerprint in any common spelling ("AB:CD:..",
// "abcd..", "SHA256 Fingerprint=AB:..") into upper-case colon-separated hex.
func NormalizeThumbprint(s string) (string, error) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '='); i >= 0 {
		s = s[i+1:]
	}
	s = strings.ReplaceAll(strings.ReplaceAll(s, ":", ""), " ", "")
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("not a SHA-256 thumbprint (want 32 hex bytes, like AB:CD:...)")
	}
	return FormatThumbprint(b), nil
}

// FormatThumbprint writes bytes as upper-case colon-separated hex.
func FormatThumbprint(b []byte) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02X", x)
	}
	return strings.Join(parts, ":")
}

// ThumbprintOf returns the SHA-256 thumbprint of a DER certificate.
func ThumbprintOf(der []byte) string {
	sum := sha256.Sum256(der)
	return FormatThumbprint(sum[:])
}
