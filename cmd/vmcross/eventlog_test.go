package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/model"
)

// syncBuffer is a bytes.Buffer safe for the logger's goroutine and the test's.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The --log file on the lab: sites connecting, switches answering, a finding appearing and
// clearing when VLAN 120 leaves the DCI and comes back, and operator commands with who asked;
// never a password.
func TestLogEventsOnLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	src := &sourceFlags{forceLab: true}
	s, err := src.open(ctx, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.cfg.PollInterval = "300ms"
	eng := s.engine()
	var out syncBuffer
	go logEvents(ctx, eng, slog.NewTextHandler(&out, nil))
	eng.Start(ctx)
	defer eng.Close()

	waitLog := func(what string, want ...string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			got := out.String()
			all := true
			for _, w := range want {
				all = all && strings.Contains(got, w)
			}
			if all {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("log lacks %s (%q):\n%s", what, want, out.String())
	}
	waitLog("both sites and a switch", "event=site.connected seq=", "site=site-a", "site=site-b", "event=switch.answering")

	who := model.Operator{Name: "ana", From: "ssh SHA256:abc", Role: model.RoleViewer}
	_ = eng.ReconnectSite(ctx, who, "site-b") // refused: a viewer
	if err := eng.PollFabric(ctx, who); err != nil {
		t.Fatal(err)
	}
	waitLog("the commands with the operator", "level=WARN", "event=command.refused", "command=reconnect-site",
		"operator.name=ana", `operator.from="ssh SHA256:abc"`, "operator.role=viewer", "event=command.done", "command=poll-fabric")

	if _, err := s.lab.Fabric().Exec("mia-dci-n7k-01", "configure terminal", "interface port-channel10",
		"switchport trunk allowed vlan remove 120", "end"); err != nil {
		t.Fatal(err)
	}
	waitLog("VLAN 120's finding", "event=finding.raised", `object="vlan 120" code=VLAN_NOT_EXTENDED`)
	if _, err := s.lab.Fabric().Exec("mia-dci-n7k-01", "configure terminal", "interface port-channel10",
		"switchport trunk allowed vlan add 120", "end"); err != nil {
		t.Fatal(err)
	}
	waitLog("VLAN 120's finding cleared", "event=finding.cleared")

	got := out.String()
	for _, secret := range []string{s.specs[0].Password, s.specs[1].Password, s.switches[0].Password} {
		if secret != "" && strings.Contains(got, secret) {
			t.Fatalf("the log holds a password:\n%s", got)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		if !strings.HasPrefix(line, "time=") || !strings.Contains(line, " level=") || !strings.Contains(line, " msg=") {
			t.Errorf("not a structured line: %q", line)
		}
	}
}
