package server

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

// A site whose certificate goes unverified (insecure: true) says so in `status`, in words
// and in JSON; a verified one says nothing.
func TestStatusSaysTLSUnverified(t *testing.T) {
	now := time.Now()
	st := model.State{Sites: []model.SiteSnapshot{
		{Status: model.SiteStatus{ID: "site-a", Name: "Miami", Host: "vc-a:443", State: model.Connected, Since: now, Insecure: true}},
		{Status: model.SiteStatus{ID: "site-b", Name: "Atlanta", Host: "vc-b:443", State: model.Connected, Since: now}},
	}}
	var text bytes.Buffer
	if err := writeStatus(&text, st, now); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(text.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "site-a") && !strings.Contains(line, "⚠ TLS unverified"):
			t.Errorf("site-a's line lacks the warning: %q", line)
		case strings.HasPrefix(line, "site-b") && strings.Contains(line, "TLS"):
			t.Errorf("site-b's line warns: %q", line)
		}
	}
	var js bytes.Buffer
	if err := writeStatusJSON(&js, st, now); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Sites []struct {
			ID            string `json:"id"`
			TLSUnverified bool   `json:"tls_unverified"`
		} `json:"sites"`
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Sites) != 2 || !got.Sites[0].TLSUnverified || got.Sites[1].TLSUnverified {
		t.Errorf("sites in JSON: %+v", got.Sites)
	}
}
