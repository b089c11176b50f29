package themes

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
)

// configDir makes a config directory holding the given theme files (name → content).
func configDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(Dir(dir), name+".yaml"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A user theme changes the colours it names; the others come from its base.
func TestLoadUserTheme(t *testing.T) {
	dir := configDir(t, map[string]string{
		"paper": "# for the office's light terminals\nbase: light\naccent: \"#0087af\"\nok: 33\nmatch: \"#f80\"\n",
		"plain": "",
		"night": "text: \"#FFFFFF\"\n",
		"ink":   "base: paper\nerror: \"#AF0000\"\n",
	})
	paper, err := Load(dir, "paper")
	if err != nil {
		t.Fatal(err)
	}
	want := Light()
	want.Name, want.Accent, want.OK, want.Match = "paper", "#0087AF", "33", "#F80"
	if paper != want {
		t.Errorf("paper = %+v\nwant   %+v", paper, want)
	}
	// No base: dark. An empty file is dark by another name.
	if night, _ := Load(dir, "night"); night.Text != "#FFFFFF" || night.Muted != Dark().Muted {
		t.Errorf("night = %+v, want dark with white text", night)
	}
	if plain, err := Load(dir, " Plain "); err != nil || plain.Name != "plain" || plain.Accent != Dark().Accent {
		t.Errorf("plain = %+v, %v", plain, err)
	}
	// A user theme may start from another.
	if ink, err := Load(dir, "ink"); err != nil || ink.Error != "#AF0000" || ink.Accent != "#0087AF" || ink.Text != Light().Text {
		t.Errorf("ink = %+v, %v", ink, err)
	}
	// Built-ins still load, with or without a config directory.
	for _, d := range []string{dir, ""} {
		if hc, err := Load(d, "high-contrast"); err != nil || hc != HighContrast() {
			t.Errorf("Load(%q, high-contrast) = %v, %v", d, hc.Name, err)
		}
	}
	// Every colour renders: lipgloss takes what Parse wrote.
	for _, c := range []lipgloss.Color{paper.Accent, paper.OK, paper.Match} {
		if lipgloss.NewRenderer(nil).NewStyle().Foreground(c).GetForeground() == nil {
			t.Errorf("%q is not a lipgloss colour", c)
		}
	}
}

// A file by a built-in's name replaces it, and may start from the built-in.
func TestUserThemeReplacesBuiltin(t *testing.T) {
	dir := configDir(t, map[string]string{"dark": "base: dark\ncursor: \"#5F0087\"\n"})
	dark, err := Load(dir, "dark")
	if err != nil || dark.Cursor != "#5F0087" || dark.Text != Dark().Text {
		t.Errorf("dark = %+v, %v", dark, err)
	}
	if l, err := Load(dir, "light"); err != nil || l != Light() {
		t.Errorf("light changed: %+v, %v", l, err)
	}
}

func TestUserNames(t *testing.T) {
	dir := configDir(t, map[string]string{"paper": "", "b-w": "", "Bad Name": ""})
	if err := os.WriteFile(filepath.Join(Dir(dir), "notes.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := UserNames(dir); !reflect.DeepEqual(got, []string{"b-w", "paper"}) {
		t.Errorf("UserNames = %v", got)
	}
	if UserNames(t.TempDir()) != nil || UserNames("") != nil {
		t.Error("no themes folder should mean no user themes")
	}
	_, err := Load(dir, "solarized")
	if err == nil || !strings.Contains(err.Error(), `unknown theme "solarized": choose one of b-w, dark, high-contrast, light, paper, or write `+filepath.Join(dir, "themes", "solarized.yaml")) {
		t.Errorf("unknown theme: %v", err)
	}
}

// Every mistake in a theme file is one line naming the file, the line and what is wrong
// with it; a bad colour is quoted as written.
func TestThemeFileErrors(t *testing.T) {
	cases := []struct {
		name, body string
		line       int
		want       string
	}{
		{"bad hex", "base: light\naccent: \"#0087af\"\nerror: \"#GG0000\"\n", 3, `error: "#GG0000" is not a colour: write "#RRGGBB" or "#RGB", or an ANSI colour number 0 to 255`},
		{"a word", "ok: green\n", 1, `ok: "green" is not a colour`},
		{"five digits", "ok: \"#12345\"\n", 1, `ok: "#12345" is not a colour`},
		{"ANSI out of range", "\nwarn: 256\n", 2, `warn: "256" is not a colour`},
		{"negative", "warn: -1\n", 1, `warn: "-1" is not a colour`},
		{"unquoted #", "base: dark\ntext: #D0D0D0\n", 2, `text: no colour: write "#RRGGBB" in quotes (an unquoted # starts a YAML comment)`},
		{"list", "text: [1, 2]\n", 1, `text: expected a colour`},
		{"unknown colour", "base: dark\nbackground: \"#000\"\n", 2, `unknown colour "background"; a theme sets base and any of: text, muted, subtle, title, border, border_focused, accent, match, cursor_text, cursor, cursor_blurred, ok, warn, error`},
		{"twice", "ok: 1\nok: 2\n", 2, `ok is set twice (first on line 1)`},
		{"unknown base", "\nbase: solarized\n", 2, `base: unknown theme "solarized": choose one of`},
		{"empty base", "base:\n", 1, `base: expected a theme name`},
		{"not a mapping", "- dark\n", 1, `expected a mapping of colour names to colours`},
		{"not yaml", "ok: [1\n", 0, "not YAML"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := configDir(t, map[string]string{"mine": c.body})
			_, err := Load(dir, "mine")
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("got %v, want a *themes.Error", err)
			}
			file := filepath.Join(dir, "themes", "mine.yaml")
			prefix := file + ":"
			if c.line > 0 {
				prefix += strconv.Itoa(c.line) + ": "
			}
			if te.Line != c.line || te.File != file || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %q (line %d)\nwant %q… containing %q", err, te.Line, prefix, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

// A mistake in a base names the base's file; a theme cannot be its own base.
func TestThemeBaseErrors(t *testing.T) {
	dir := configDir(t, map[string]string{
		"top":  "base: mid\n",
		"mid":  "base: low\n",
		"low":  "ok: \"#XYZ\"\n",
		"ping": "base: pong\n",
		"pong": "base: ping\n",
	})
	_, err := Load(dir, "top")
	if err == nil || !strings.Contains(err.Error(), filepath.Join("themes", "low.yaml")+`:1: ok: "#XYZ" is not a colour`) {
		t.Errorf("a bad colour in a base: %v", err)
	}
	_, err = Load(dir, "ping")
	if err == nil || !strings.Contains(err.Error(), "theme ping is its own base (ping → pong → ping)") {
		t.Errorf("a cycle: %v", err)
	}
	for _, bad := range []string{"../secrets", "a/b", "", "my theme"} {
		if _, err := Load(dir, bad); err == nil || !strings.Contains(err.Error(), "is not a theme name") {
			t.Errorf("Load(%q): %v, want a bad name", bad, err)
		}
	}
}

// The high-contrast palette: strong contrasts on a black background, and statuses that a
// red-green colour-blind operator tells apart (no green at all, no status red against green).
func TestHighContrast(t *testing.T) {
	hc := HighContrast()
	black := lipgloss.Color("#000000")
	for name, min := range map[string]float64{"text": 7, "title": 7, "muted": 7, "subtle": 4.5, "accent": 4.5, "match": 4.5, "ok": 4.5, "warn": 4.5, "error": 4.5, "border": 4.5, "border_focused": 4.5} {
		if r := contrast(colourOf(hc, name), black); r < min {
			t.Errorf("%s on black: contrast %.1f, want at least %.1f", name, r, min)
		}
	}
	for _, c := range []struct {
		fg, bg string
		min    float64
	}{{"cursor_text", "cursor", 7}, {"match", "cursor", 4.5}, {"error", "cursor", 4.5}, {"text", "cursor_blurred", 4.5}, {"error", "cursor_blurred", 3}} {
		if r := contrast(colourOf(hc, c.fg), colourOf(hc, c.bg)); r < c.min {
			t.Errorf("%s on %s: contrast %.1f, want at least %.1f", c.fg, c.bg, r, c.min)
		}
	}
	for _, name := range []string{"ok", "warn", "error"} {
		h := hue(colourOf(hc, name))
		if h >= 75 && h <= 165 {
			t.Errorf("%s is green (hue %.0f°): red-green colour blindness confuses it with error", name, h)
		}
	}
	// Told apart by lightness as well as by hue: warn is much lighter than ok and error.
	if l := luminance(colourOf(hc, "warn")); l < 2*luminance(colourOf(hc, "error")) || l < 2*luminance(colourOf(hc, "ok")) {
		t.Error("warn is not clearly lighter than ok and error")
	}
}

func colourOf(t Theme, name string) lipgloss.Color {
	for _, c := range colours {
		if c.name == name {
			return *c.of(&t)
		}
	}
	panic("no colour " + name)
}

func rgb(c lipgloss.Color) (r, g, b float64) {
	s := strings.TrimPrefix(string(c), "#")
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil || len(s) != 6 {
		panic("not #RRGGBB: " + string(c))
	}
	return float64(v>>16) / 255, float64(v>>8&0xFF) / 255, float64(v&0xFF) / 255
}

// luminance is WCAG 2's relative luminance.
func luminance(c lipgloss.Color) float64 {
	lin := func(v float64) float64 {
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	r, g, b := rgb(c)
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is WCAG 2's contrast ratio, 1 to 21.
func contrast(a, b lipgloss.Color) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

func hue(c lipgloss.Color) float64 {
	r, g, b := rgb(c)
	hi, lo := max(r, g, b), min(r, g, b)
	if hi == lo {
		return 0
	}
	var h float64
	switch hi {
	case r:
		h = math.Mod((g-b)/(hi-lo), 6)
	case g:
		h = (b-r)/(hi-lo) + 2
	default:
		h = (r-g)/(hi-lo) + 4
	}
	return math.Mod(h*60+360, 360)
}
