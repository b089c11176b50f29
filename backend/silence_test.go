package backend_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/model"
)

// A vCenter that stops answering (a stopped process, a network black hole) keeps its TCP
// connection: only the silence tells. These tests freeze a lab vCenter.

func status(st model.State, id model.SiteID) model.SiteStatus {
	ss, _ := st.Site(id)
	return ss.Status
}

// TestLabFrozenSiteShowsSilent uses the default poll wait and grace, which promise that a
// frozen vCenter shows as silent within 10 s.
func TestLabFrozenSiteShowsSilent(t *testing.T) {
	t.Parallel()
	l, e := startLabEngineWith(t, backend.WithBackoff(100*time.Millisecond, 400*time.Millisecond))
	t.Cleanup(func() { l.Thaw("site-b") }) // before the engine closes
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sub := e.Subscribe(ctx)
	before := status(<-sub, "site-b")
	if !before.Live() || before.LastAnswer.IsZero() || !before.DownSince.IsZero() {
		t.Fatalf("site-b before the freeze: %+v, want live with a last answer", before)
	}
	aLive := func(st model.State) {
		if a := status(st, "site-a"); !a.Live() {
			t.Errorf("site-a is not live (%s, silent %v: %s): only site-b froze", a.State, a.Silent, a.Err)
		}
	}

	frozen := time.Now()
	l.Freeze("site-b")
	st := waitState(t, sub, 10*time.Second, "site-b silent", func(st model.State) bool {
		aLive(st)
		return status(st, "site-b").Silent
	})
	t.Logf("silent after %s", time.Since(frozen).Round(10*time.Millisecond))
	b := status(st, "site-b")
	t.Log(b.Err)
	if b.State != model.Connected || b.Live() {
		t.Errorf("silent site-b: %s, live %v; want connected, not live", b.State, b.Live())
	}
	if !b.Since.Equal(before.Since) {
		t.Errorf("Since moved from %s to %s: State did not change", before.Since, b.Since)
	}
	if b.LastAnswer.IsZero() || b.LastAnswer.After(frozen.Add(100*time.Millisecond)) {
		t.Errorf("LastAnswer %s, want before the freeze at %s", b.LastAnswer, frozen)
	}
	if b.DownSince.Before(frozen) || b.DownSince.After(time.Now()) {
		t.Errorf("DownSince %s, want when it went silent (frozen at %s)", b.DownSince, frozen)
	}
	if want := "site-b: " + b.Host + " not answering since " + b.LastAnswer.Format("15:04:05"); !strings.HasPrefix(b.Err, want) {
		t.Errorf("Err = %q, want it to start %q", b.Err, want)
	}
	if len(st.Sites[1].VMs) == 0 {
		t.Error("a silent site should keep showing its last VMs")
	}

	thawed := time.Now()
	l.Thaw("site-b")
	st = waitState(t, sub, 10*time.Second, "site-b live again", func(st model.State) bool {
		aLive(st)
		return status(st, "site-b").Live()
	})
	t.Logf("live again after %s", time.Since(thawed).Round(10*time.Millisecond))
	b = status(st, "site-b")
	if !b.DownSince.IsZero() || b.Err != "" || b.LastAnswer.Before(thawed) || !b.Since.Equal(before.Since) {
		t.Errorf("after the thaw: %+v; want no DownSince, no error, a new LastAnswer, the same Since", b)
	}
}

// TestLabSilenceDropsSession: a vCenter silent for the silence limit loses its session;
// the outage's start (DownSince) stays where the silence began through every retry, while
// Since follows each change of state.
func TestLabSilenceDropsSession(t *testing.T) {
	t.Parallel()
	l, e := startLabEngineWith(t,
		backend.WithPollWait(time.Second),
		backend.WithAnswerGrace(500*time.Millisecond),
		backend.WithSilenceLimit(2*time.Second),
		backend.WithConnectTimeout(time.Second),
		backend.WithBackoff(100*time.Millisecond, 200*time.Millisecond))
	t.Cleanup(func() { l.Thaw("site-b") })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sub := e.Subscribe(ctx)

	frozen := time.Now()
	l.Freeze("site-b")
	st := waitState(t, sub, 5*time.Second, "site-b silent", func(st model.State) bool { return status(st, "site-b").Silent })
	down := status(st, "site-b").DownSince
	t.Logf("silent after %s", time.Since(frozen).Round(10*time.Millisecond))
	if down.IsZero() {
		t.Fatal("a silent site has no DownSince")
	}

	var since []time.Time // of each Disconnected state seen
	waitState(t, sub, 15*time.Second, "site-b dropped and retried twice", func(st model.State) bool {
		b := status(st, "site-b")
		if !b.DownSince.Equal(down) {
			t.Fatalf("DownSince moved from %s to %s (%s: %s)", down, b.DownSince, b.State, b.Err)
		}
		if b.State != model.Connected && b.Silent {
			t.Errorf("%s and silent: only a connected site can be silent", b.State)
		}
		if b.State == model.Disconnected && (len(since) == 0 || !since[len(since)-1].Equal(b.Since)) {
			if len(since) == 0 {
				t.Log(b.Err)
				if !strings.Contains(b.Err, "site-b: watch: no answer from "+b.Host+" for ") {
					t.Errorf("Err = %q, want the silence named", b.Err)
				}
			}
			since = append(since, b.Since)
		}
		return len(since) >= 3
	})
	if !since[2].After(since[0]) {
		t.Errorf("Since did not follow the retries: %v", since)
	}

	l.Thaw("site-b")
	st = waitState(t, sub, 10*time.Second, "site-b live again", func(st model.State) bool { return status(st, "site-b").Live() })
	if b := status(st, "site-b"); !b.DownSince.IsZero() || b.Err != "" {
		t.Errorf("after the thaw: %+v; want no DownSince and no error", b)
	}
}
