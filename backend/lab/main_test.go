package lab

import (
	"io"
	"log"
	"os"
	"testing"
)

// TestMain keeps the simulator's standard-logger chatter (snapshot files it names twice,
// objects it cannot find) out of test and benchmark output, as vmcross does.
func TestMain(m *testing.M) {
	log.SetOutput(io.Discard)
	os.Exit(m.Run())
}
