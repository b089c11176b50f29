package fabric

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scrapli/scrapligo/transport"

	"github.com/vmcross/vmcross/fabric/sim"
)

// zombieSSH counts this process's children that are ssh zombies (Linux /proc).
func zombieSSH(t *testing.T) int {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	me := strconv.Itoa(os.Getpid())
	n := 0
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.Contains(s[:i], "(ssh") {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) >= 2 && f[0] == "Z" && f[1] == me {
			n++
		}
	}
	return n
}

// scrapligo's system transport kills ssh on Close but never waits for it; the session
// reaps it, after a good session and after a refused login.
func TestSystemTransportLeavesNoZombies(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts zombies in /proc")
	}
	f := startSim(t, sim.Options{})
	specs := specsFor(f, transport.SystemTransport)
	kh := &knownHosts{}
	defer kh.remove()
	for i := range 4 {
		s := &session{spec: specs[i%len(specs)], timeout: 5 * time.Second, knownHosts: kh}
		if i == 3 {
			s.spec.Password = "wrong"
			if err := s.connect(context.Background()); err == nil {
				t.Fatal("login with a wrong password succeeded")
			}
			continue
		}
		must(t, s.connect(context.Background()))
		if sshPID(s.drv) == 0 {
			t.Fatal("no ssh process found in scrapligo's system transport")
		}
		s.closeDriver(i%2 == 0)
	}
	deadline := time.Now().Add(5 * time.Second)
	for zombieSSH(t) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d ssh zombies left", zombieSSH(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
