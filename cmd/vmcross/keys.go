package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vmcross/vmcross/keymap"
)

func newKeysCmd() *cobra.Command {
	var cf consoleFlags
	var configPath string
	var asJSON, asMarkdown bool
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Print every key of the console, view by view, as your keys.yaml sets them",
		Long: `Print every action of the console, its keys and what it does, view by view: the
keymap the console uses, with keys.yaml beside the config file (or --keys FILE) applied.
--json for scripts; --markdown is the table in README.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON && asMarkdown {
				return &usageError{"--json and --markdown cannot be used together"}
			}
			cf.configDir = configDir(configPath)
			path, err := cf.keysPath()
			if err != nil {
				return err
			}
			km, err := cf.loadKeys()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch {
			case asJSON:
				return writeKeysJSON(out, path, km)
			case asMarkdown:
				_, err := io.WriteString(out, keysMarkdown(km))
				return err
			}
			return writeKeysText(out, path, cf.dir(), km)
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "config file whose directory holds keys.yaml (default $XDG_CONFIG_HOME/vmcross/config.yaml)")
	cmd.Flags().StringVar(&cf.keys, "keys", "", "key bindings file (default keys.yaml beside the config file, if present)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: the keys file read, then each view with its actions, keys and what they do")
	cmd.Flags().BoolVar(&asMarkdown, "markdown", false, "print Markdown tables, as in README.md")
	return cmd
}

// keysJSON is what `vmcross keys --json` prints.
type keysJSON struct {
	KeysFile string        `json:"keys_file"` // "": the defaults
	Views    []keymap.View `json:"views"`
}

func writeKeysJSON(w io.Writer, path string, km *keymap.KeyMap) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(keysJSON{KeysFile: path, Views: km.Reference()})
}

// writeKeysText prints a heading per view and its keys in aligned columns: keys, action,
// what it does.
func writeKeysText(w io.Writer, path, dir string, km *keymap.KeyMap) error {
	switch {
	case path != "":
		fmt.Fprintf(w, "Keys from %s over the defaults.\n", path)
	case dir != "":
		fmt.Fprintf(w, "The default keys: no %s/keys.yaml (see `vmcross keys --help`).\n", dir)
	default:
		fmt.Fprintln(w, "The default keys.")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, v := range km.Reference() {
		fmt.Fprintf(tw, "\n%s\n", v.Title)
		for _, e := range v.Keys {
			does := e.Does
			if e.Dangerous {
				does += " (dangerous: not in a viewer's session)"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", e.Help, e.Action, does)
		}
	}
	return tw.Flush()
}

// keysMarkdown is the key reference as Markdown: a table per view. README.md's table is this
// text for the default keys (TestKeysReadme).
func keysMarkdown(km *keymap.KeyMap) string {
	var b strings.Builder
	for i, v := range km.Reference() {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "### %s\n\n| keys | action | what it does |\n| --- | --- | --- |\n", v.Title)
		for _, e := range v.Keys {
			keys := make([]string, len(e.Keys))
			for j, k := range e.Keys {
				keys[j] = mdCode(prettyKey(k))
			}
			does := mdCell(e.Does)
			if e.Dangerous {
				does += ". *Dangerous*: not in a viewer's session"
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", strings.Join(keys, " "), e.Action, does)
		}
	}
	return b.String()
}

// prettyKey writes one key as the help bar does (↑ for up), space as space.
func prettyKey(k string) string {
	if k == "space" {
		return k
	}
	return keymap.HelpKeys([]string{k})
}

// mdCode puts s in a code span that survives a table cell: a | is escaped, a backtick gets
// a longer fence.
func mdCode(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

// mdCell escapes text for a table cell.
func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
