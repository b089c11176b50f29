package server

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/muesli/termenv"

	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/themes"
	"github.com/vmcross/vmcross/ui"
)

// console runs the console for one session until the operator quits, the connection
// drops, the operator leaves it idle or the server closes. The session is joined to the
// engine meanwhile: listed for the other consoles, its start and end audited.
func (s *Server) console(sess ssh.Session, op model.Operator, addr string) {
	leave := s.eng.Join(op, addr)
	defer leave()
	s.log.Info("ssh: console started", "user", op.Name, "role", op.Role, "from", addr, "key", strings.TrimPrefix(op.From, "ssh "))
	started := time.Now()

	in := &activity{r: sess}
	in.touch()
	var idled atomic.Bool
	program := func(sess ssh.Session) *tea.Program {
		// The client's terminal: its colours (TERM and COLORTERM, and NO_COLOR if the client
		// sends it) and its background. The renderer's queries go out before the program
		// starts reading. Each session has its own renderer, so one operator's terminal never
		// decides another's colours.
		env := sessionEnv(sess)
		r := bm.MakeRenderer(sess)
		if themes.NoColor(env) {
			r.SetColorProfile(termenv.Ascii)
		}
		// The client may ask for a built-in theme of its own (VMCROSS_THEME=light).
		theme, ok := themes.ForSession(env, s.opts.Theme)
		if !ok {
			s.log.Info("ssh: unknown theme asked for; using the server's", "user", op.Name, "asked", env(themes.SessionEnv), "theme", theme.Name)
		}
		m := ui.New(s.eng, ui.Options{Context: sess.Context(), Renderer: r, Operator: op, Plans: s.opts.Plans,
			Theme: theme, KeyMap: s.opts.KeyMap, Shared: true})
		p := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(sess), tea.WithAltScreen(),
			tea.WithFPS(s.opts.FPS), tea.WithoutSignalHandler())
		go s.watchIdle(sess.Context(), in, p, &idled)
		return p
	}
	// The middleware feeds the client's window changes to the program and quits it when
	// the connection ends.
	bm.MiddlewareWithProgramHandler(program, termenv.Ascii)(func(ssh.Session) {})(sess)

	why := "quit"
	switch {
	case idled.Load():
		why = "idle"
		fmt.Fprintf(sess, "vmcross: no key pressed for %v: disconnected\n", s.opts.IdleTimeout)
	case s.isClosing():
		why = "server shutting down"
		fmt.Fprintln(sess, "vmcross: the server is shutting down")
	case sess.Context().Err() != nil:
		why = "connection closed"
	}
	s.log.Info("ssh: console ended", "user", op.Name, "from", addr, "after", time.Since(started).Round(time.Second), "why", why)
}

// watchIdle quits the program once no key came for the idle timeout. Output does not
// count: a console redraws by itself, a person at it types.
func (s *Server) watchIdle(ctx context.Context, in *activity, p *tea.Program, idled *atomic.Bool) {
	idle := s.opts.IdleTimeout
	tick := time.NewTicker(min(max(idle/10, 10*time.Millisecond), time.Second))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.done:
			p.Quit()
			return
		case <-tick.C:
			if in.since() >= idle {
				idled.Store(true)
				p.Quit()
				return
			}
		}
	}
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// activity is the session's input, noting when the operator last typed.
type activity struct {
	r    io.Reader
	last atomic.Int64 // unix nanoseconds
}

func (a *activity) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.touch()
	}
	return n, err
}

func (a *activity) touch() { a.last.Store(time.Now().UnixNano()) }

func (a *activity) since() time.Duration { return time.Since(time.Unix(0, a.last.Load())) }

// sessionEnv looks variables up in the environment the client sent (ssh -o SetEnv, SendEnv).
func sessionEnv(sess ssh.Session) func(string) string {
	env := sess.Environ()
	return func(k string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	}
}
