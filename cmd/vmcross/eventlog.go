package main

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/model"
)

// logEvents writes every event of the engine to h as one structured line, at the time it
// happened, until ctx ends or the engine closes: sites connecting, going silent and coming
// back with the reason, switches answering or not, findings appearing and clearing, and every
// operator command with who asked. Events carry no credentials.
func logEvents(ctx context.Context, eng *backend.Engine, h slog.Handler) {
	for ev := range eng.Events(ctx, 0) {
		level := eventLevel(ev)
		if !h.Enabled(ctx, level) {
			continue
		}
		msg := ev.Message
		if msg == "" {
			msg = string(ev.Kind)
			if ev.Command != "" {
				msg = string(ev.Command) + " " + ev.Object
			}
		}
		r := slog.NewRecord(ev.Time, level, msg, 0)
		r.AddAttrs(slog.String("event", string(ev.Kind)), slog.Uint64("seq", ev.Seq))
		add := func(k, v string) {
			if v != "" {
				r.AddAttrs(slog.String(k, v))
			}
		}
		add("command", string(ev.Command))
		add("site", string(ev.Site))
		add("object", ev.Object)
		add("code", ev.Code)
		add("error", ev.Err)
		if ev.Operator != model.System {
			r.AddAttrs(slog.Group("operator", slog.String("name", ev.Operator.Name),
				slog.String("from", ev.Operator.From), slog.String("role", string(ev.Operator.Role))))
		}
		_ = h.Handle(ctx, r)
	}
}

// eventLevel is how loud an event is in the log: what an on-call engineer looks for first
// is a warning.
func eventLevel(ev model.Event) slog.Level {
	switch ev.Kind {
	case model.EventSiteDown, model.EventSiteSilent, model.EventSwitchDown,
		model.EventCommandFailed, model.EventCommandRefused, model.EventGap:
		return slog.LevelWarn
	case model.EventFindingRaised:
		if strings.HasPrefix(ev.Message, "block") || strings.HasPrefix(ev.Message, "warn") {
			return slog.LevelWarn
		}
	}
	return slog.LevelInfo
}

// closeWithin closes the engine, waiting at most d: logging out of a vCenter that does not
// answer must not keep a quitting operator waiting. What is left is ended with the process.
func closeWithin(eng *backend.Engine, d time.Duration) {
	done := make(chan struct{})
	go func() {
		eng.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
		slog.Warn("shutdown: gave up waiting for vCenter logouts and switch sessions", "after", d)
	}
}
