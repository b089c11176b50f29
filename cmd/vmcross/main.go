// Command vmcross is a terminal console for long-distance vMotion between two vCenter sites.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vmcross/vmcross/backend/config"
)

// Set by the release build (-ldflags "-X main.version=... -X main.commit=... -X main.date=...").
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// Exit statuses. A command may ask for its own (fabric status: 3 for problems found)
// through an error with an ExitCode method.
const (
	exitOK      = 0
	exitFailure = 1 // the command could not do its work, or was interrupted
	exitUsage   = 2 // a mistake in the command line or the config file
)

// shutdownGrace is how long a command may take to stop after SIGINT or SIGTERM before
// the process exits without it: what it has not closed by then ends with the process. A lab
// of 10,000 VMs takes up to a second to remove its files on a busy machine.
const shutdownGrace = 2 * time.Second

func main() {
	// The vCenter simulator and other libraries log through the standard logger; on the
	// console that would scribble over the screen. --log FILE keeps it.
	log.SetOutput(io.Discard)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	os.Exit(execute(newCLI(), os.Args[1:], sigs, shutdownGrace, os.Stderr))
}

// execute runs the command line and returns the exit status. The first signal cancels
// the command's context; if the command has not returned within grace, or a second
// signal comes, it exits without waiting. A command that returns nil after a signal
// (the lab, the console: a signal is how they stop) exits 0; one that fails after a
// signal was interrupted, and says so in one line.
func execute(root *cobra.Command, args []string, sigs <-chan os.Signal, grace time.Duration, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if args == nil {
		args = []string{} // cobra reads a nil slice as "use os.Args"
	}
	root.SetArgs(args)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	var (
		got      os.Signal
		deadline <-chan time.Time
	)
	for {
		select {
		case err := <-done:
			if err == nil {
				return exitOK
			}
			var xc interface{ ExitCode() int }
			if got != nil && !asExitCoder(err, &xc) {
				fmt.Fprintf(stderr, "vmcross: interrupted by %s\n", signalName(got))
				return exitFailure
			}
			fmt.Fprintln(stderr, "vmcross:", oneLine(err.Error()))
			return exitCode(err)
		case s := <-sigs:
			if got != nil {
				fmt.Fprintf(stderr, "vmcross: interrupted by %s again; exiting without waiting for the shutdown\n", signalName(s))
				return exitFailure
			}
			got = s
			cancel()
			deadline = time.After(grace)
		case <-deadline:
			fmt.Fprintf(stderr, "vmcross: interrupted by %s; the shutdown took longer than %v, exiting without waiting for it\n",
				signalName(got), grace)
			return exitFailure
		}
	}
}

// signalName is the name an operator knows a signal by.
func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// oneLine joins a multi-line error (errors.Join of both sites') into one line.
func oneLine(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ")
}

// exitCode is 2 for mistakes in the command line or config file, the status an error
// asks for with an ExitCode method, and 1 for everything else.
func exitCode(err error) int {
	var ce *config.Error
	var ue *usageError
	var xc interface{ ExitCode() int }
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce) || errors.As(err, &ue):
		return exitUsage
	case asExitCoder(err, &xc):
		return xc.ExitCode()
	}
	return exitFailure
}

// asExitCoder finds an error that chooses its exit status. A failed child process
// (the system ssh) has an ExitCode too, but its status is not ours to pass on.
func asExitCoder(err error, target *interface{ ExitCode() int }) bool {
	var ee *exec.ExitError
	return errors.As(err, target) && !errors.As(err, &ee)
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// errorsAs is errors.As, named for the commands that only need this one helper.
func errorsAs(err error, target any) bool { return errors.As(err, target) }

// newCLI is the root command with the rules every command shares: an unknown command,
// a stray argument or a bad flag is a usage error (exit 2) in one line that points at
// the command's --help.
func newCLI() *cobra.Command {
	root := newRootCmd()
	strictArgs(root)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{flagMessage(err) + "; see `" + c.CommandPath() + " --help`"}
	})
	return root
}

// strictArgs makes every command's argument check, down the tree, a usage error that
// names the command and its --help.
func strictArgs(c *cobra.Command) {
	check := c.Args
	if check == nil {
		check = cobra.ArbitraryArgs
	}
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's default, which it sets only for its own message
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		err := check(cmd, args)
		if err == nil {
			return nil
		}
		help := "; see `" + cmd.CommandPath() + " --help`"
		// The command as typed after "vmcross", which main's "vmcross: " already says.
		name := strings.TrimPrefix(strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()), " ")
		switch {
		case cmd.HasAvailableSubCommands() && len(args) > 0:
			msg := fmt.Sprintf("unknown command %q", strings.TrimSpace(name+" "+args[0]))
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf(" (did you mean %s?)", strings.TrimSpace(name+" "+s[0]))
			}
			return &usageError{msg + help}
		case strings.HasPrefix(err.Error(), "unknown command"): // cobra.NoArgs
			return &usageError{fmt.Sprintf("%s takes no arguments, got %q%s", name, strings.Join(args, " "), help)}
		}
		return &usageError{fmt.Sprintf("%s: %v%s", name, err, help)}
	}
	for _, sub := range c.Commands() {
		strictArgs(sub)
	}
}

// flagMessage says what is wrong with a flag without the parser's internals
// ("strconv.ParseInt: parsing ...").
func flagMessage(err error) string {
	var iv *pflag.InvalidValueError
	if !errors.As(err, &iv) {
		return err.Error()
	}
	name, value := "--"+iv.GetFlag().Name, iv.GetValue()
	var ne *strconv.NumError
	switch typ := iv.GetFlag().Value.Type(); {
	case errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange):
		return fmt.Sprintf("%s %s is out of range", name, value)
	case strings.HasPrefix(typ, "int") || strings.HasPrefix(typ, "uint"):
		return fmt.Sprintf("%s %q is not a whole number", name, value)
	case typ == "bool":
		return fmt.Sprintf("%s=%q is not true or false", name, value)
	case typ == "duration":
		return fmt.Sprintf("%s %q is not a duration such as 5s", name, value)
	}
	return fmt.Sprintf("%s %q: %v", name, value, errors.Unwrap(iv))
}

// intRange checks an integer flag: a usage error naming the flag and the values it takes.
func intRange(name string, v, lo, hi int, note string) error {
	if v >= lo && v <= hi {
		return nil
	}
	msg := fmt.Sprintf("--%s %d is out of range: it takes %d to %d", name, v, lo, hi)
	if note != "" {
		msg += " (" + note + ")"
	}
	return &usageError{msg}
}
