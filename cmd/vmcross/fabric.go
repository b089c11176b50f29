package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vmcross/vmcross/fabric/parse"
)

func newFabricCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fabric",
		Short: "The switch side: DCI trunk health and show-command parsers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newFabricStatusCmd(), newFabricParseCmd())
	return cmd
}

// maxParseInput is the most `fabric parse` reads: a switch's answer to one show command
// is kilobytes, a whole chassis's `show interface` a few megabytes.
const maxParseInput = 16 << 20

func newFabricParseCmd() *cobra.Command {
	var platform, command string
	cmd := &cobra.Command{
		Use:   "parse [FILE]",
		Short: "Parse a captured show-command output (stdin without FILE) and print it as JSON",
		Long: `Parse the output of a show command captured from a real switch, exactly as vmcross's
monitor would, and print the result as JSON. Use it to check what vmcross makes of a switch.

The input may be up to 16 MiB. Input that holds none of the command's output (empty, or
another command's) is an error, not an empty result; output with no rows (the header only,
or the prompt and the command with nothing after them) is an empty list.

Supported commands:
  ` + strings.Join(parse.Commands(), "\n  ") + `

Exit status: 0 parsed; 1 the input holds no output of the command, the switch refused
the command, or the output could not be read; 2 a mistake in the command line (platform,
command, FILE) or input over 16 MiB.`,
		Example: `  ssh admin@n7k 'show interface trunk' | vmcross fabric parse --platform cisco_nxos --command "show interface trunk"
  vmcross fabric parse --platform cisco_iosxe --command "show etherchannel summary" c6k.txt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if platform == "" || command == "" {
				return &usageError{"--platform and --command are required (platforms: " + strings.Join(parse.Platforms(), ", ") + ")"}
			}
			// The platform and command are checked before any input is read.
			if err := parse.Check(platform, command); err != nil {
				return &usageError{err.Error()}
			}
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			var in io.Reader = cmd.InOrStdin()
			name := "stdin"
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return &usageError{fmt.Sprintf("cannot read %s: %v", args[0], err)}
				}
				defer f.Close()
				in, name = f, args[0]
			}
			text, err := readInput(ctx, in, name, maxParseInput)
			if err != nil {
				return err
			}
			out, err := parse.Parse(platform, command, string(text))
			if err != nil {
				var nt *parse.NoTableError
				if errorsAs(err, &nt) {
					return noTable(name, nt)
				}
				return fmt.Errorf("%s %q: %w", platform, command, err)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		},
	}
	cmd.Flags().StringVar(&platform, "platform", "", "cisco_nxos or cisco_iosxe")
	cmd.Flags().StringVar(&command, "command", "", `the show command that produced the text, e.g. "show interface trunk"`)
	return cmd
}

// noTable says that the input (stdin, or the file name) holds no output of the command,
// and what to do about it.
func noTable(name string, nt *parse.NoTableError) error {
	msg := nt.Error()
	if name != "stdin" {
		msg = name + ": " + msg
	}
	switch {
	case nt.Empty:
		msg += " (check that the capture worked)"
	case nt.LooksLike != "":
		msg += fmt.Sprintf(`: try --command %q`, nt.LooksLike)
	default:
		msg += " (check --command and --platform, and that the capture holds the switch's answer)"
	}
	return &explained{msg: msg, err: nt}
}

// explained is an error told in the operator's words, still wrapping the original for
// errors.Is and errors.As.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// readInput reads all of in, named name in messages, up to limit bytes: one byte more
// is a usage error naming both sizes, and nothing past it is read. It returns when ctx
// ends even if in never does (a pipe left open); the read is left behind, to end with
// the process.
func readInput(ctx context.Context, in io.Reader, name string, limit int64) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(in, limit+1))
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		switch {
		case r.err != nil:
			return nil, fmt.Errorf("read %s: %w", name, r.err)
		case int64(len(r.b)) > limit:
			return nil, &usageError{fmt.Sprintf("%s is too large: read %d bytes and stopped, over the %s (%d bytes) fabric parse takes; cut the capture down to the one command's output",
				name, len(r.b), mib(limit), limit)}
		}
		return r.b, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("read %s: %w", name, context.Cause(ctx))
	}
}

// mib writes a size in whole MiB.
func mib(n int64) string { return fmt.Sprintf("%d MiB", n>>20) }
