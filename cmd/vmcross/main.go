// Command vmcross is a terminal console for long-distance vMotion between two vCenter sites.
package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/vmcross/vmcross/backend/config"
)

// Set by the release build (-ldflags "-X main.version=... -X main.commit=... -X main.date=...").
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	// The vCenter simulator and other libraries log through the standard logger; on the
	// console that would scribble over the screen. --log FILE keeps it.
	log.SetOutput(io.Discard)
	err := newRootCmd().Execute()
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "vmcross:", err)
	os.Exit(exitCode(err))
}

// exitCode is 2 for mistakes in the command line or config file, 1 for everything else.
func exitCode(err error) int {
	var ce *config.Error
	var ue *usageError
	if errors.As(err, &ce) || errors.As(err, &ue) {
		return 2
	}
	return 1
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// errorsAs is errors.As, named for the commands that only need this one helper.
func errorsAs(err error, target any) bool { return errors.As(err, target) }
