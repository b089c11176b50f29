package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// site B with its password written in the file, and its URL.
func withSiteB(url, password string) string {
	s := strings.Replace(good, "https://vc-b.example.net/sdk", url, 1)
	return strings.Replace(s, "password: secret", password, 1)
}

// writeConfig writes text to a file of the given mode and returns its path.
func writeConfig(t *testing.T, text string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // whatever the umask
		t.Fatal(err)
	}
	return p
}

// wantError checks that err is a one-line *Error for field whose message has every part
// of want, and that it does not hold secret.
func wantError(t *testing.T, err error, field string, secret string, want ...string) {
	t.Helper()
	var ce *Error
	if !errors.As(err, &ce) || ce.Field != field {
		t.Fatalf("got %v, want an error for field %q", err, field)
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("%q lacks %q", msg, w)
		}
	}
	if strings.Contains(msg, "\n") || ce.Fix == "" {
		t.Errorf("want one line with a fix: %q", msg)
	}
	if secret != "" && strings.Contains(msg, secret) {
		t.Errorf("the error shows the password: %q", msg)
	}
}

func TestLoadRefusesAFileOthersCanRead(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits")
	}
	t.Setenv("VMCROSS_TEST_PW_A", "pw-a")
	text := withSiteB("https://127.0.0.1/sdk", "password: secret")
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o620, 0o660} {
		p := writeConfig(t, text, mode)
		_, err := Load(p)
		wantError(t, err, "", "secret", p, fmt.Sprintf("(mode %04o)", mode), "group or others can", "chmod 600 "+p)
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		if _, err := Load(writeConfig(t, text, mode)); err != nil {
			t.Errorf("mode %04o: %v", mode, err)
		}
	}
}

func TestPasswordFileModeAndContent(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "vc-b")
	text := withSiteB("https://vc-b.example.net/sdk", "password_file: "+pw)
	t.Setenv("VMCROSS_TEST_PW_A", "pw-a")
	c, err := Load(writeConfig(t, text, 0o600))
	if err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(pw, []byte("s3cret-b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	specs, err := c.Specs()
	if err != nil || specs[1].Password != "s3cret-b" {
		t.Fatalf("password file: %v %+v", err, specs)
	}
	if runtime.GOOS != "windows" {
		if err := os.Chmod(pw, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = c.Specs()
		wantError(t, err, "sites[1].password_file", "s3cret-b", pw, "mode 0644", "chmod 600 "+pw)
	}
	if err := os.WriteFile(pw, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(pw, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = c.Specs()
	wantError(t, err, "sites[1].password_file", "", pw, "is empty")
}

func TestPasswordEnvEmpty(t *testing.T) {
	c, err := Parse("c.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("VMCROSS_TEST_PW_A", "")
	_, err = c.Specs()
	wantError(t, err, "sites[0].password_env", "", "VMCROSS_TEST_PW_A", "is empty")
	os.Unsetenv("VMCROSS_TEST_PW_A")
	_, err = c.Specs()
	wantError(t, err, "sites[0].password_env", "", "VMCROSS_TEST_PW_A", "is not set")
}

// A password written in the file is taken for a vCenter or switch on this machine only, and
// then with a warning.
func TestInlinePasswordOnlyForALab(t *testing.T) {
	t.Setenv("VMCROSS_TEST_PW_A", "pw-a")
	for _, host := range []string{"127.0.0.1", "127.0.0.1:8989", "[::1]:443", "localhost", "LOCALHOST:8443", "127.10.0.5"} {
		c, err := Load(writeConfig(t, withSiteB("https://"+host+"/sdk", "password: secret"), 0o600))
		if err != nil {
			t.Errorf("%s: %v", host, err)
			continue
		}
		w := c.Warnings() // and site B's insecure: true
		if len(w) != 2 || !strings.Contains(w[0], "passwords written in the file (site-b)") || strings.Contains(w[0], ": secret") {
			t.Errorf("%s: warnings %q", host, w)
		}
	}
	for _, host := range []string{"vc-b.example.net", "10.0.0.1", "localhost.example.net", "[2001:db8::1]"} {
		_, err := Load(writeConfig(t, withSiteB("https://"+host+"/sdk", "password: secret"), 0o600))
		wantError(t, err, "sites[1].password", "secret", "accepted only for a lab on this machine", "password_file", "password_env")
	}
	// Parse, for text that is not a file, leaves it be (tests, the lab's own config).
	if _, err := Parse("c.yaml", []byte(good)); err != nil {
		t.Errorf("Parse: %v", err)
	}
	// A switch's too.
	sw := "switches:\n  - {name: sw1, site: site-a, role: dci-edge, host: HOST, platform: cisco_nxos, username: u, password: swsecret, insecure_host_key: true, dci_interfaces: [po10]}\n"
	site := withSiteB("https://127.0.0.1/sdk", "password_env: VMCROSS_TEST_PW_A")
	_, err := Load(writeConfig(t, site+strings.Replace(sw, "HOST", "10.1.0.1", 1), 0o600))
	wantError(t, err, "switches[0].password", "swsecret", "accepted only for a lab")
	c, err := Load(writeConfig(t, site+strings.Replace(sw, "HOST", "127.0.0.1", 1), 0o600))
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(c.Warnings(), "\n")
	if !strings.Contains(w, "passwords written in the file (sw1)") || !strings.Contains(w, "SSH host key of sw1 is not verified") || strings.Contains(w, "swsecret") {
		t.Errorf("warnings %q", w)
	}
}

func TestURLWithUserinfoOrPlainHTTP(t *testing.T) {
	_, err := Parse("c.yaml", []byte(strings.Replace(good, "https://vc-b.example.net/sdk", "https://admin:hunter2@vc-b.example.net/sdk", 1)))
	wantError(t, err, "sites[1].url", "hunter2", "holds a user name or password", "password_env")
	_, err = Parse("c.yaml", []byte(strings.Replace(strings.Replace(good, "https://vc-b.example.net/sdk", "http://vc-b.example.net/sdk", 1), "    insecure: true\n", "", 1)))
	wantError(t, err, "sites[1].url", "", "unencrypted", "insecure: true")
	c, err := Parse("c.yaml", []byte(strings.Replace(good, "https://vc-b.example.net/sdk", "http://vc-b.example.net/sdk", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Warnings(); len(w) != 2 || !strings.Contains(w[1], "vCenter certificate of site-b is not verified") {
		t.Errorf("warnings %q", w)
	}
}

// insecure: true next to a thumbprint changes nothing: the pin is checked, and no warning.
func TestInsecureWithAPinIsVerified(t *testing.T) {
	text := strings.Replace(good, "    password_env: VMCROSS_TEST_PW_A\n", "    password_env: VMCROSS_TEST_PW_A\n    insecure: true\n", 1)
	c, err := Parse("c.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range c.Warnings() {
		if strings.Contains(w, "site-a") {
			t.Errorf("warning for a pinned site: %q", w)
		}
	}
}

// MoveSecrets and Write: the config holds no password, each is in its own private file,
// and a file that was there open to others is replaced by a private one.
func TestMoveSecretsAndWritePrivate(t *testing.T) {
	dir := t.TempDir()
	c, err := Parse("c.yaml", []byte(withSiteB("https://127.0.0.1/sdk", "password: secret")+
		"switches:\n  - {name: \"sw/1\", site: site-a, role: dci-edge, host: 127.0.0.1, platform: cisco_nxos, username: u, password: swsecret, insecure_host_key: true, dci_interfaces: [po10]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	secrets := filepath.Join(dir, "lab.secrets")
	if err := os.Mkdir(secrets, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := c.MoveSecrets(secrets); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "lab.yaml")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), ": secret") || strings.Contains(string(b), "swsecret") || strings.Contains(string(b), "password:") {
		t.Errorf("the config holds a password:\n%s", b)
	}
	if runtime.GOOS != "windows" {
		for p, want := range map[string]os.FileMode{path: 0o600, secrets: 0o700,
			filepath.Join(secrets, "site-b.password"): 0o600, filepath.Join(secrets, "sw_1.password"): 0o600} {
			fi, err := os.Stat(p)
			if err != nil || fi.Mode().Perm() != want {
				t.Errorf("%s: %v, mode %v, want %04o", p, err, fi.Mode(), want)
			}
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	t.Setenv("VMCROSS_TEST_PW_A", "pw-a")
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(loaded.Warnings(), "\n"); strings.Contains(w, "passwords written") {
		t.Errorf("warnings %q: no password is written in the file any more", w)
	}
	specs, err := loaded.Specs()
	if err != nil || specs[1].Password != "secret" {
		t.Fatalf("site password: %v %+v", err, specs)
	}
	sw, err := loaded.SwitchSpecs()
	if err != nil || sw[0].Password != "swsecret" {
		t.Fatalf("switch password: %v %+v", err, sw)
	}
}
