package themes

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

func TestGet(t *testing.T) {
	if got := Names(); !reflect.DeepEqual(got, []string{"dark", "high-contrast", "light"}) {
		t.Errorf("Names() = %v", got)
	}
	for _, n := range Names() {
		th, err := Get(n)
		if err != nil || th.Name != n {
			t.Errorf("Get(%q) = %v, %v", n, th.Name, err)
		}
	}
	if th, err := Get(" Light "); err != nil || th.Name != "light" {
		t.Errorf("Get is not forgiving about case and spaces: %v", err)
	}
	_, err := Get("solarized")
	if err == nil || !strings.Contains(err.Error(), `unknown theme "solarized": choose one of dark, high-contrast, light`) {
		t.Errorf("unknown theme error: %v", err)
	}
}

// Every colour of every palette is set: a forgotten one renders as the terminal default and
// nobody notices until a demo.
func TestPalettesComplete(t *testing.T) {
	for _, n := range Names() {
		th, _ := Get(n)
		v := reflect.ValueOf(th)
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).String() == "" {
				t.Errorf("theme %s: %s not set", n, v.Type().Field(i).Name)
			}
		}
	}
}

func TestNewStylesUsesRenderer(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	s := NewStyles(r, Dark())
	if out := s.SiteDisconnected.Render("x"); !strings.Contains(out, "\x1b[") {
		t.Errorf("true-colour renderer gave no colour: %q", out)
	}
	if out := s.Help.ShortKey.Render("q"); !strings.Contains(out, "\x1b[") {
		t.Errorf("help styles not built on the session renderer: %q", out)
	}
	a := lipgloss.NewRenderer(io.Discard)
	a.SetColorProfile(termenv.Ascii)
	plain := NewStyles(a, Dark())
	if out := plain.CursorRow.Render("x"); out != "x" {
		t.Errorf("ascii renderer added escapes: %q", out)
	}
	if plain.Border == plain.FocusedBorder {
		t.Error("focused and unfocused borders must differ in shape, for NO_COLOR")
	}
}

func TestNoColor(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if !NoColor(env(map[string]string{"NO_COLOR": "1"})) {
		t.Error("NO_COLOR=1 should mean no colour")
	}
	if NoColor(env(map[string]string{"NO_COLOR": ""})) {
		t.Error("an empty NO_COLOR does not count (no-color.org)")
	}
	// A session's environment decides, not this process's.
	t.Setenv("NO_COLOR", "")
	r := Renderer(io.Discard, env(map[string]string{"NO_COLOR": "yes"}))
	if r.ColorProfile() != termenv.Ascii {
		t.Errorf("NO_COLOR session got profile %v", r.ColorProfile())
	}
	t.Setenv("NO_COLOR", "1")
	if Renderer(io.Discard, nil).ColorProfile() != termenv.Ascii {
		t.Error("NO_COLOR in this process's environment ignored")
	}
}

// An SSH session may ask for a built-in theme of its own; anything else keeps the server's.
func TestForSession(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == SessionEnv {
				return v
			}
			return ""
		}
	}
	server := Dark()
	server.Name, server.Accent = "ocean", "#0087AF" // a user theme the server was started with
	cases := []struct {
		v, want string
		ok      bool
	}{{"", "ocean", true}, {"light", "light", true}, {" High-Contrast ", "high-contrast", true}, {"ocean", "ocean", true}, {"solarized", "ocean", false}}
	for _, c := range cases {
		got, ok := ForSession(env(c.v), server)
		if got.Name != c.want || ok != c.ok {
			t.Errorf("%s=%q: %s, %v; want %s, %v", SessionEnv, c.v, got.Name, ok, c.want, c.ok)
		}
	}
	if got, _ := ForSession(env("ocean"), server); got != server {
		t.Error("the server's own theme by name is the server's, user colours and all")
	}
}
