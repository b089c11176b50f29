package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/config"
)

// `vmcross lab --write-config FILE` onto a file that was there, open to others: FILE is
// replaced by one only its owner may read, the passwords are not in it but in private files
// beside it (FILE's name, .secrets), and `vmcross --config FILE` works against the lab with
// no warning about passwords.
func TestLabWriteConfigIsPrivate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab")
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dir := t.TempDir()
	path := filepath.Join(dir, "lab.yaml")
	secrets := filepath.Join(dir, "lab.secrets")
	if err := os.WriteFile(path, []byte("an old config\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(secrets, 0o755); err != nil {
		t.Fatal(err)
	}

	var out lockedBuffer
	root := newCLI()
	root.SetOut(&out)
	root.SetErr(&out)
	sigs := make(chan os.Signal, 1)
	exited := make(chan int, 1)
	go func() { exited <- execute(root, []string{"lab", "--write-config", path}, sigs, 5*time.Second, &out) }()
	defer func() {
		sigs <- os.Interrupt
		select {
		case code := <-exited:
			if code != 0 {
				t.Errorf("lab after SIGINT: exit %d\n%s", code, out.String())
			}
		case <-time.After(15 * time.Second):
			t.Error("the lab did not stop on SIGINT")
		}
	}()
	for deadline := time.Now().Add(50 * time.Second); !strings.Contains(out.String(), "Lab running"); time.Sleep(50 * time.Millisecond) {
		select {
		case code := <-exited:
			t.Fatalf("the lab exited %d:\n%s", code, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lab did not start:\n%s", out.String())
		}
	}
	if !strings.Contains(out.String(), "Wrote "+path+", and its passwords in "+secrets) {
		t.Errorf("the lab does not say where it wrote what:\n%s", out.String())
	}

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "password:") || !strings.Contains(string(b), "password_file: "+filepath.Join(secrets, "site-a.password")) {
		t.Errorf("the config:\n%s", b)
	}
	if runtime.GOOS != "windows" {
		modes := map[string]os.FileMode{path: 0o600, secrets: 0o700}
		files, _ := filepath.Glob(filepath.Join(secrets, "*"))
		if len(files) != 6 { // two vCenters, four switches
			t.Errorf("secrets: %q", files)
		}
		for _, f := range files {
			modes[f] = 0o600
		}
		for p, want := range modes {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
				t.Errorf("%s: %v, mode %v; want %04o", p, err, fi.Mode(), want)
			}
		}
	}
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings: %q", w)
	}
	stdout, stderr, err := run(t, "fabric", "status", "--config", path, "--json")
	if err != nil || !strings.Contains(stdout, `"verdict": "healthy"`) || stderr != "" {
		t.Errorf("fabric status on the written config: %v\n%.300s\nstderr: %s", err, stdout, stderr)
	}
}
