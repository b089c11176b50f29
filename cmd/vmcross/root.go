package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spf13/cobra"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/audit"
	"github.com/vmcross/vmcross/backend/config"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/backend/preflight"
	"github.com/vmcross/vmcross/fabric"
	"github.com/vmcross/vmcross/keymap"
	"github.com/vmcross/vmcross/themes"
	"github.com/vmcross/vmcross/ui"
)

// sourceFlags choose where the sites come from: a config file or the embedded lab.
type sourceFlags struct {
	configPath string
	forceLab   bool
	labSpeed   float64
	labVMs     int // VMs of the lab, both sites; 0: the standard estate
}

func (f *sourceFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.configPath, "config", "", "config file (default $XDG_CONFIG_HOME/vmcross/config.yaml)")
	cmd.Flags().BoolVar(&f.forceLab, "lab", false, "use the embedded two-site lab even if a config file exists")
	cmd.Flags().Float64Var(&f.labSpeed, "lab-speed", 1, "with the embedded lab: how much faster than real time its vMotions run (1 to 1000)")
	cmd.Flags().IntVar(&f.labVMs, "lab-vms", 0, "use the embedded lab (implies --lab) with this many VMs, both sites together: "+labVMsUsage)
}

// source is what openSource built: the site specs, and the lab to close if one was started.
type source struct {
	cfg      *config.Config
	specs    []backend.SiteSpec
	switches []fabric.SwitchSpec
	lab      *lab.Lab
}

// engine builds the engine for this source: both sites, the governor of its moves, and
// the fabric monitor when switches are configured. The caller starts and closes it.
func (s *source) engine() *backend.Engine {
	eng := backend.NewEngine(s.specs)
	eng.SetSimulated(s.lab != nil)
	if s.lab != nil {
		eng.SetTimeScale(s.lab.Speed()) // plans predict what the lab will take
	}
	gov := backend.GovernorSettings{}
	if s.cfg != nil {
		m := s.cfg.Mapping
		eng.SetMapping(preflight.Mapping{Clusters: m.Clusters, Datastores: m.Datastores, PortGroups: m.PortGroups})
		eng.SetProfile(s.cfg.Profile)
		gov = s.cfg.GovernorSettings()
	}
	eng.SetGovernor(gov)
	// read_only: true makes every command and console of this process a viewer, not only
	// serve's sessions: the engine refuses the dangerous commands, whoever asks.
	if s.cfg != nil && s.cfg.ReadOnly {
		eng.SetReadOnly(true)
	}
	if len(s.switches) > 0 {
		eng.SetFabric(fabric.NewMonitor(s.switches, fabric.WithInterval(s.cfg.Poll())))
	}
	return eng
}

// enableAudit starts the engine's audit log: the config's audit_log, else the default
// path. Moves are not possible without it, so a log that cannot be opened is an error.
func (s *source) enableAudit(eng *backend.Engine) error {
	path := audit.DefaultPath()
	if s.cfg != nil && s.cfg.AuditLog != "" {
		path = s.cfg.AuditLog
	}
	if path == "" {
		return fmt.Errorf("no place for the audit log: set XDG_STATE_HOME or HOME, or audit_log in the config")
	}
	if err := eng.EnableAudit(path); err != nil {
		return fmt.Errorf("the audit log: %w", err)
	}
	return nil
}

func (s *source) Close() {
	if s.lab != nil {
		s.lab.Close()
	}
}

// openSource loads the config, or starts the embedded lab when there is no config file
// (or --lab). A config file named with --config must exist.
func (f *sourceFlags) open(ctx context.Context, status io.Writer) (*source, error) {
	if err := labVMsRange("lab-vms", f.labVMs); err != nil {
		return nil, err
	}
	if f.labVMs != 0 && f.configPath != "" {
		return nil, &usageError{"--lab-vms and --config cannot be used together"}
	}
	if f.labVMs != 0 {
		f.forceLab = true // a lab of that size was asked for: not the config's sites
	}
	if f.forceLab && f.configPath != "" {
		return nil, &usageError{"--lab and --config cannot be used together"}
	}
	if f.labSpeed == 0 {
		f.labSpeed = 1 // a sourceFlags not registered on a command
	}
	if err := speedRange(f.labSpeed); err != nil {
		return nil, &usageError{"--lab-speed" + strings.TrimPrefix(err.Error(), "--speed")}
	}
	if !f.forceLab {
		path := f.configPath
		if path == "" {
			path = config.DefaultPath()
		}
		cfg, err := config.Load(path)
		switch {
		case err == nil:
			for _, w := range cfg.Warnings() {
				fmt.Fprintln(status, "vmcross: warning: "+w)
			}
			return newSource(cfg, nil)
		case errors.Is(err, config.ErrNotFound) && f.configPath == "":
			// No config anywhere: the embedded lab is the default.
		case errors.Is(err, config.ErrNotFound):
			return nil, &config.Error{File: f.configPath, Msg: "no such file", Fix: "check the path, or run `vmcross lab --write-config " + f.configPath + "` to create one"}
		default:
			return nil, err
		}
	}
	if f.forceLab {
		fmt.Fprintln(status, "vmcross: starting the built-in two-site lab…")
	} else {
		fmt.Fprintf(status, "vmcross: no config file at %s; starting the built-in two-site lab…\n", config.DefaultPath())
	}
	started := time.Now()
	l, err := lab.Start(ctx, lab.Options{VMs: f.labVMs, SwitchBasePort: lab.DefaultSwitchBasePort, Speed: f.labSpeed})
	if err != nil {
		return nil, fmt.Errorf("start the built-in lab: %w", err)
	}
	log.Printf("lab ready in %v", time.Since(started).Round(time.Millisecond))
	s, err := newSource(l.Config(), l)
	if err != nil {
		l.Close()
	}
	return s, err
}

// newSource resolves the sites and switches of cfg.
func newSource(cfg *config.Config, l *lab.Lab) (*source, error) {
	specs, err := cfg.Specs()
	if err != nil {
		return nil, err
	}
	switches, err := cfg.SwitchSpecs()
	if err != nil {
		return nil, err
	}
	return &source{cfg: cfg, specs: specs, switches: switches, lab: l}, nil
}

func newRootCmd() *cobra.Command {
	var src sourceFlags
	var cf consoleFlags
	cmd := &cobra.Command{
		Use:   "vmcross",
		Short: "Move VMs between two vCenter sites before a disaster arrives",
		Long: `vmcross is a terminal console for long-distance vMotion between two data centres.
It shows the VMs of both vCenter sites side by side with the health of the interconnect.
With no config file it starts a built-in two-site lab, so it runs anywhere.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConsole(cmd.Context(), &src, &cf)
		},
	}
	src.register(cmd)
	cmd.Flags().StringVar(&cf.theme, "theme", "", "colour theme: "+joinNames(themes.Names())+", or NAME for themes/NAME.yaml beside the config file (default: the config's theme:, else dark; NO_COLOR=1 turns colour off)")
	cmd.Flags().StringVar(&cf.keys, "keys", "", "key bindings file (default keys.yaml beside the config file, if present)")
	cmd.Flags().BoolVar(&cf.readOnly, "read-only", false, "a viewer's console: moves, cancels, plans and reconnects are refused (as read_only: true in the config)")
	cmd.Flags().StringVar(&cf.cpuProfile, "cpuprofile", "", "write a CPU profile of the console's run to this file (for developers)")
	_ = cmd.Flags().MarkHidden("cpuprofile")
	var logPath string
	cmd.PersistentFlags().StringVar(&logPath, "log", "", "append diagnostic logs to this file")
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error {
		if logPath == "" {
			return nil
		}
		f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return &usageError{fmt.Sprintf("--log %s: %v", logPath, err)}
		}
		// Structured lines (key=value); the standard logger's lines (the simulator's among
		// them) go through the same handler.
		cf.logs = slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo})
		slog.SetDefault(slog.New(cf.logs))
		return nil
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err.Error()} })
	cmd.AddCommand(newLabCmd(), newInventoryCmd(), newPreflightCmd(), newMigrateCmd(), newFabricCmd(), newVersionCmd())
	cmd.AddCommand(newHistoryCmd())
	cmd.AddCommand(newPlanCmd())
	cmd.AddCommand(newServeCmd())
	cmd.AddCommand(newKeysCmd())
	return cmd
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

// consoleFPS caps how often the console redraws. bubbletea's default (60) wakes the
// process 60 times a second even when nothing changes; the screen changes at most once a
// second on its own (ages), and keys still show within 1/consoleFPS s.
const consoleFPS = 20

// quitWithin bounds the console's shutdown after q, ctrl+c or SIGTERM.
const quitWithin = 500 * time.Millisecond

// signalContext is cancelled on SIGINT or SIGTERM.
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}

// consoleFlags are the console's own flags.
type consoleFlags struct {
	theme      string
	keys       string
	configDir  string // where keys.yaml and themes/ are looked for; "": the default config directory
	cpuProfile string
	readOnly   bool         // --read-only
	logs       slog.Handler // the --log file's handler; nil without --log
}

// configDir is the directory of the config file in use, where the operator's keys.yaml and
// themes/ live: --config FILE's, else the default config file's (also with --lab, or when
// there is no config file at all). "" when there is no home directory to find it in.
func configDir(configPath string) string {
	if configPath == "" {
		configPath = config.DefaultPath()
	}
	if configPath == "" {
		return ""
	}
	return filepath.Dir(configPath)
}

// dir is f.configDir, else the default config directory.
func (f *consoleFlags) dir() string {
	if f.configDir != "" {
		return f.configDir
	}
	return configDir("")
}

// keysPath is the keys file to read: --keys (which must exist), else keys.yaml beside the
// config file when there is one; "" means the defaults.
func (f *consoleFlags) keysPath() (string, error) {
	if f.keys != "" {
		return f.keys, nil
	}
	if f.dir() == "" {
		return "", nil
	}
	path := filepath.Join(f.dir(), "keys.yaml")
	switch _, err := os.Stat(path); {
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	case err != nil:
		return "", &usageError{fmt.Sprintf("keys file %s: %v", path, err)}
	}
	return path, nil
}

// loadKeys reads the keys file (keysPath) over the defaults. A mistake in it is a usage
// error of one line naming the file and line.
func (f *consoleFlags) loadKeys() (*keymap.KeyMap, error) {
	path, err := f.keysPath()
	if err != nil || path == "" {
		return keymap.Default(), err
	}
	km, err := keymap.Load(path)
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	return km, nil
}

// loadTheme finds the theme: --theme, else the config's theme:, else dark; a built-in or the
// operator's themes/NAME.yaml beside the config file. cfg may be nil (the lab, or before the
// config is read). A mistake in a theme file names that file and line.
func (f *consoleFlags) loadTheme(cfg *config.Config) (themes.Theme, error) {
	name, fromConfig := f.theme, false
	if name == "" && cfg != nil && cfg.Theme != "" {
		name, fromConfig = cfg.Theme, true
	}
	if name == "" {
		name = "dark"
	}
	t, err := themes.Load(f.dir(), name)
	var te *themes.Error
	switch {
	case err == nil:
		return t, nil
	case errors.As(err, &te) || !fromConfig:
		return themes.Theme{}, &usageError{err.Error()}
	}
	return themes.Theme{}, &config.Error{File: cfg.Path, Field: "theme", Msg: err.Error()}
}

func runConsole(parent context.Context, src *sourceFlags, cf *consoleFlags) error {
	ctx, cancel := signalContext(parent)
	defer cancel()
	// Mistakes in flags, keys and themes are reported before the lab starts.
	if cf.configDir == "" {
		cf.configDir = configDir(src.configPath)
	}
	if cf.theme != "" {
		if _, err := cf.loadTheme(nil); err != nil {
			return err
		}
	}
	keys, err := cf.loadKeys()
	if err != nil {
		return err
	}
	if cf.cpuProfile != "" {
		f, err := os.Create(cf.cpuProfile)
		if err != nil {
			return &usageError{fmt.Sprintf("--cpuprofile: %v", err)}
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	s, err := src.open(ctx, os.Stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	theme, err := cf.loadTheme(s.cfg)
	if err != nil {
		return err
	}
	eng := cf.engine(s)
	if err := s.enableAudit(eng); err != nil {
		return err
	}
	if cf.logs != nil {
		go logEvents(ctx, eng, cf.logs)
	}
	eng.Start(ctx)
	// q, ctrl+c and SIGTERM end the console within a second, whatever the vCenters and
	// switches are doing.
	defer closeWithin(eng, quitWithin)

	// The console's plans: a plan started here runs while the console does; its journal
	// lets `vmcross migrate --resume` or the next console carry it on.
	plans := newPlans(eng, s)
	defer plans.Close()

	console := ui.New(eng, ui.Options{Context: ctx, Theme: theme, KeyMap: keys, Operator: consoleOperator(eng), Plans: plans})
	p := tea.NewProgram(console, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithFPS(consoleFPS))
	_, err = p.Run()
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// engine is the console's engine for s: read-only with --read-only, as with read_only:
// true in the config.
func (f *consoleFlags) engine(s *source) *backend.Engine {
	eng := s.engine()
	if f.readOnly {
		eng.SetReadOnly(true)
	}
	return eng
}

// consoleOperator is who the local console runs as: the terminal's user, a viewer while
// the engine is read-only, so that the console hides the keys the engine would refuse.
func consoleOperator(eng *backend.Engine) model.Operator {
	op := model.LocalOperator("local terminal")
	if eng.ReadOnly() {
		op.Role = model.RoleViewer
	}
	return op
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			c, d := stamped()
			fmt.Fprintf(cmd.OutOrStdout(), "vmcross %s (commit %s, built %s)\n", version, c, d)
		},
	}
}

// stamped is the commit and date the release build stamped (-ldflags -X), or where it has
// none (goreleaser knows no commit in a checkout without a remote) what the Go toolchain
// recorded of the checkout it built (-buildvcs): the revision, "-dirty" when files had
// changed, and the commit's time.
func stamped() (commitOut, dateOut string) {
	commitOut, dateOut = commit, date
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return commitOut, dateOut
	}
	var rev, at string
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if (commitOut == "" || commitOut == "none") && rev != "" {
		commitOut = rev
		if modified {
			commitOut += "-dirty"
		}
	}
	if (dateOut == "" || dateOut == "unknown" || strings.HasPrefix(dateOut, "0001-01-01")) && at != "" {
		dateOut = at
	}
	return commitOut, dateOut
}

// loadTimeout bounds how long headless commands wait for both vCenters.
const loadTimeout = 30 * time.Second
