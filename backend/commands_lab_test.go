package backend_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/model"
)

// nextEvent reads the event stream until an event satisfies ok.
func nextEvent(t *testing.T, ch <-chan model.Event, what string, ok func(model.Event) bool) model.Event {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case ev, open := <-ch:
			if !open {
				t.Fatalf("event stream closed before %s", what)
			}
			if ok(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no event: %s", what)
		}
	}
}

// Commands go through the engine as someone: each is recorded in the event stream with the
// operator, refused when the role does not allow it, and ends with its outcome.
func TestLabCommandsInEventStream(t *testing.T) {
	_, e := startLabEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := e.Events(ctx, e.LastEvent())
	viewer := model.Operator{Name: "vic", From: "ssh SHA256:viewerkey", Role: model.RoleViewer}

	// A viewer may not reconnect a site: refused, recorded, nothing happens.
	err := e.ReconnectSite(ctx, viewer, "site-b")
	if !errors.Is(err, model.ErrNotAllowed) {
		t.Fatalf("viewer's reconnect: %v, want ErrNotAllowed", err)
	}
	// (A site.connected of the start may still arrive first: commands are what we follow.)
	isCommand := func(ev model.Event) bool { return ev.Command != "" }
	ev := nextEvent(t, events, "refusal", isCommand)
	if ev.Kind != model.EventCommandRefused || ev.Command != model.CmdReconnectSite || ev.Operator != viewer || ev.Site != "site-b" {
		t.Fatalf("first event %+v, want the viewer's refused reconnect", ev)
	}

	// Without switches a poll fails, and says so in the stream.
	if err := e.PollFabric(ctx, viewer); !errors.Is(err, backend.ErrNoFabric) {
		t.Fatalf("poll without switches: %v, want ErrNoFabric", err)
	}
	taken := nextEvent(t, events, "poll taken", isCommand)
	failed := nextEvent(t, events, "poll failed", isCommand)
	if taken.Kind != model.EventCommand || failed.Kind != model.EventCommandFailed || failed.Err == "" || failed.Seq != taken.Seq+1 {
		t.Fatalf("poll events %+v, %+v", taken, failed)
	}

	// An operator's reconnect drops the session and logs in again.
	before, _ := e.Snapshot().Site("site-b")
	if err := e.ReconnectSite(ctx, tester, "site-b"); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, events, "reconnect taken", func(ev model.Event) bool {
		return ev.Kind == model.EventCommand && ev.Command == model.CmdReconnectSite && ev.Operator == tester
	})
	done := nextEvent(t, events, "reconnect done", func(ev model.Event) bool {
		return ev.Kind == model.EventCommandDone && ev.Command == model.CmdReconnectSite
	})
	up := nextEvent(t, events, "site-b connected again", func(ev model.Event) bool {
		return ev.Kind == model.EventSiteConnected && ev.Site == "site-b" && ev.Seq > done.Seq
	})
	if up.Operator != model.System {
		t.Errorf("site event by %+v, want the engine", up.Operator)
	}
	after, _ := e.Snapshot().Site("site-b")
	if after.Status.State != model.Connected || len(after.VMs) != len(before.VMs) || after.Gen <= before.Gen {
		t.Errorf("after reconnect: %s, %d VMs (had %d), gen %d (was %d)", after.Status.State, len(after.VMs), len(before.VMs), after.Gen, before.Gen)
	}

	if err := e.ReconnectSite(ctx, tester, "site-z"); !errors.Is(err, backend.ErrUnknownSite) {
		t.Errorf("reconnect of an unknown site: %v", err)
	}
}

// Call runs on the site's live session: a working client, never nil.
func TestLabCallOnLiveSession(t *testing.T) {
	_, e := startLabEngine(t)
	var about string
	err := e.Call(context.Background(), "site-a", "about", 0, func(ctx context.Context, c *vim25.Client) error {
		if err := property.DefaultCollector(c).RetrieveOne(ctx, c.ServiceContent.RootFolder, []string{"name"}, &mo.Folder{}); err != nil {
			return err
		}
		about = c.ServiceContent.About.InstanceUuid
		return nil
	})
	if err != nil || about == "" {
		t.Fatalf("call: %v, instance uuid %q", err, about)
	}
}

// A site with no session fails a call with a typed error within the wait, and fn is never
// called with a nil client.
func TestCallWithoutSessionFailsTyped(t *testing.T) {
	e := backend.NewEngine([]backend.SiteSpec{{ID: "site-x", URL: "https://127.0.0.1:1/sdk", Username: "u", Password: "p", Insecure: true}},
		backend.WithConnectTimeout(200*time.Millisecond), backend.WithBackoff(time.Second, time.Second))
	e.Start(context.Background())
	defer e.Close()
	called := false
	start := time.Now()
	err := e.Call(context.Background(), "site-x", "about", 300*time.Millisecond, func(context.Context, *vim25.Client) error {
		called = true
		return nil
	})
	var se *backend.SiteError
	if !errors.Is(err, backend.ErrSiteUnavailable) || !errors.As(err, &se) || se.Site != "site-x" {
		t.Fatalf("call: %v, want a site-x SiteError wrapping ErrSiteUnavailable", err)
	}
	if called {
		t.Error("fn was called without a session")
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("call took %v with a 300 ms wait", waited)
	}
}
