package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/model"
)

// read_only: true holds for every command and the local console, not only serve's sessions:
// migrate is refused and moves nothing; the console runs as a viewer (its dangerous keys
// hidden) and its engine refuses a reconnect. --read-only does the same for one console.
func TestReadOnlyConfigHoldsEverywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab")
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l, err := lab.Start(ctx, lab.Options{Speed: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	dir := t.TempDir()
	path := filepath.Join(dir, "lab.yaml")
	if _, err := writeLabConfig(l, path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ro := filepath.Join(dir, "read-only.yaml")
	if err := os.WriteFile(ro, append(b, "read_only: true\n"...), 0o600); err != nil {
		t.Fatal(err)
	}

	_, _, err = run(t, "migrate", "--config", ro, "--vm", "web-05", "--to", "site-b", "--yes")
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("migrate with read_only: true: %v", err)
	}
	out, _, err := run(t, "inventory", "--config", ro, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []inventoryRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Name == "web-05" && r.Site != "site-a" {
			t.Errorf("web-05 moved to %s", r.Site)
		}
	}

	console := func(cfg string, flags consoleFlags) (model.Operator, error) {
		t.Helper()
		s, err := (&sourceFlags{configPath: cfg}).open(ctx, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		eng := flags.engine(s)
		eng.Start(ctx)
		defer eng.Close()
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := eng.WaitLoaded(wctx); err != nil {
			t.Fatal(err)
		}
		// The engine itself refuses, whoever asks: an operator too.
		return consoleOperator(eng), eng.ReconnectSite(ctx, model.LocalOperator("test"), "site-b")
	}
	for _, tc := range []struct {
		name     string
		cfg      string
		flags    consoleFlags
		readOnly bool
	}{
		{"read_only: true", ro, consoleFlags{}, true},
		{"--read-only", path, consoleFlags{readOnly: true}, true},
		{"neither", path, consoleFlags{}, false},
	} {
		op, err := console(tc.cfg, tc.flags)
		switch {
		case tc.readOnly && (op.Role != model.RoleViewer || err == nil || !strings.Contains(err.Error(), "read-only")):
			t.Errorf("%s: the console's operator is %+v, a reconnect: %v; want a viewer, refused", tc.name, op, err)
		case !tc.readOnly && (op.Role != model.RoleOperator || err != nil):
			t.Errorf("%s: the console's operator is %+v, a reconnect: %v; want an operator, done", tc.name, op, err)
		}
	}
	if newRootCmd().Flags().Lookup("read-only") == nil {
		t.Error("the console has no --read-only flag")
	}
}
