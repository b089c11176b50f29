package fabric

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scrapli/scrapligo/transport"
	gossh "golang.org/x/crypto/ssh"

	"github.com/vmcross/vmcross/fabric/sim"
)

// A host key the pin or the known_hosts file refuses is reported in one line naming the
// key the switch presented and the one expected, by their SHA-256 fingerprints, and what to
// do; over both transports.
func TestHostKeyRefusedNamesFingerprints(t *testing.T) {
	f := startSim(t, sim.Options{})
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	other, err := gossh.NewPublicKey(pub)
	must(t, err)
	otherLine := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(other)))
	otherFP := "ssh-ed25519 " + gossh.FingerprintSHA256(other)
	real := specsFor(f, transport.StandardTransport)[1]
	realKey, _, _, _, err := gossh.ParseAuthorizedKey([]byte(real.HostKey))
	must(t, err)
	realFP := "ssh-ed25519 " + gossh.FingerprintSHA256(realKey)
	knownHosts := func(line string) string {
		p := filepath.Join(t.TempDir(), "known_hosts")
		must(t, os.WriteFile(p, []byte(line), 0o600))
		return p
	}
	hostPort := "[127.0.0.1]:" + strconv.Itoa(real.Port)

	cases := []struct {
		name      string
		transport string
		edit      func(s *SwitchSpec)
		want      []string
	}{
		{"pinned", transport.StandardTransport, func(s *SwitchSpec) { s.HostKey = otherLine },
			[]string{"does not match", "it presented " + realFP, "host_key expects " + otherFP, "pin it in host_key"}},
		{"pinned, system ssh", transport.SystemTransport, func(s *SwitchSpec) { s.HostKey = otherLine },
			[]string{"does not match", "it presented " + realFP, "host_key expects " + otherFP}},
		{"known_hosts", transport.StandardTransport, func(s *SwitchSpec) {
			s.HostKey, s.KnownHostsFile = "", knownHosts(hostPort+" "+otherLine+"\n")
		}, []string{"does not match", "it presented " + realFP, "known_hosts file ", "expects " + otherFP, "update its entry there"}},
		{"known_hosts, system ssh", transport.SystemTransport, func(s *SwitchSpec) {
			s.HostKey, s.KnownHostsFile = "", knownHosts(hostPort+" "+otherLine+"\n")
		}, []string{"does not match", "it presented " + realFP, "expects " + otherFP}},
		{"not in known_hosts", transport.StandardTransport, func(s *SwitchSpec) {
			s.HostKey, s.KnownHostsFile = "", knownHosts("[127.0.0.1]:1 "+otherLine+"\n")
		}, []string{"is not in known_hosts file", "it presented " + realFP, "pin it with host_key"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			specs := specsFor(f, c.transport)
			c.edit(&specs[1])
			m := startMonitor(t, specs)
			s := switchOf(roundAfter(t, m, time.Now()), miaDist)
			t.Logf("%s", s.Err)
			if s.Reachable || strings.Contains(s.Err, "\n") {
				t.Fatalf("want one line, unreachable: %+v", s)
			}
			for _, w := range c.want {
				if !strings.Contains(s.Err, w) {
					t.Errorf("error lacks %q", w)
				}
			}
		})
	}
}
