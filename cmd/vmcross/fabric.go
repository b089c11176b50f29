package main

import (
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

func newFabricParseCmd() *cobra.Command {
	var platform, command string
	cmd := &cobra.Command{
		Use:   "parse [FILE]",
		Short: "Parse a captured show-command output (stdin without FILE) and print it as JSON",
		Long: `Parse the output of a show command captured from a real switch, exactly as vmcross's
monitor would, and print the result as JSON. Use it to check what vmcross makes of a switch.

Supported commands:
  ` + strings.Join(parse.Commands(), "\n  "),
		Example: `  ssh admin@n7k 'show interface trunk' | vmcross fabric parse --platform cisco_nxos --command "show interface trunk"
  vmcross fabric parse --platform cisco_iosxe --command "show etherchannel summary" c6k.txt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if platform == "" || command == "" {
				return &usageError{"--platform and --command are required (platforms: " + strings.Join(parse.Platforms(), ", ") + ")"}
			}
			var in io.Reader = cmd.InOrStdin()
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return &usageError{fmt.Sprintf("cannot read %s: %v", args[0], err)}
				}
				defer f.Close()
				in = f
			}
			text, err := io.ReadAll(in)
			if err != nil {
				return err
			}
			out, err := parse.Parse(platform, command, string(text))
			if err != nil {
				var ue *parse.UnsupportedError
				if errorsAs(err, &ue) {
					return &usageError{err.Error()}
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
