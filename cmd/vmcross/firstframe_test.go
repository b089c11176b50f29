package main

import (
	"context"
	"io"
	"log"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/themes"
	"github.com/vmcross/vmcross/ui"
)

// BenchmarkLabToFirstFullFrame measures what a new user waits for after `go run
// ./cmd/vmcross` has compiled: the lab starts, both vCenters are logged into and loaded over
// verified TLS, and the console renders its first frame with every VM of both sites.
//
//	go test -run x -bench FirstFullFrame -count 5 ./cmd/vmcross
func BenchmarkLabToFirstFullFrame(b *testing.B) {
	var labTime, loadTime time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		l, err := lab.Start(ctx, lab.Options{})
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		specs, err := l.Config().Specs()
		if err != nil {
			b.Fatal(err)
		}
		eng := backend.NewEngine(specs)
		eng.Start(ctx)
		if err := eng.WaitLoaded(ctx); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		r := themes.Renderer(io.Discard, func(string) string { return "" })
		r.SetColorProfile(termenv.ANSI256)
		var m tea.Model = ui.New(eng, ui.Options{Context: ctx, Renderer: r})
		m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
		view := m.View()
		if strings.Count(view, "80 VMs") != 2 {
			b.Fatalf("first frame lacks both sites:\n%s", view)
		}
		labTime += t1.Sub(t0)
		loadTime += t2.Sub(t1)
		b.StopTimer()
		eng.Close()
		l.Close()
		cancel()
		b.StartTimer()
	}
	b.ReportMetric(float64(labTime.Milliseconds())/float64(b.N), "lab-ms/op")
	b.ReportMetric(float64(loadTime.Milliseconds())/float64(b.N), "load-ms/op")
}

// TestMain keeps the vCenter simulator's standard-logger chatter out of test and benchmark
// output, as main does for the console, and every audit log the tests write (the console's,
// migrate's, in process or in a built binary, which inherits the environment) out of the
// user's state directory.
func TestMain(m *testing.M) {
	log.SetOutput(io.Discard)
	state, err := os.MkdirTemp("", "vmcross-test-state-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_STATE_HOME", state)
	code := m.Run()
	os.RemoveAll(state)
	os.Exit(code)
}
