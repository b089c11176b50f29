package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
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
	gov := backend.GovernorSettings{}
	if s.cfg != nil {
		m := s.cfg.Mapping
		eng.SetMapping(preflight.Mapping{Clusters: m.Clusters, Datastores: m.Datastores, PortGroups: m.PortGroups})
		eng.SetProfile(s.cfg.Profile)
		gov = s.cfg.GovernorSettings()
	}
	eng.SetGovernor(gov)
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
	cmd.Flags().StringVar(&cf.theme, "theme", "", "colour theme: "+joinNames(themes.Names())+" (default dark; NO_COLOR=1 turns colour off)")
	cmd.Flags().StringVar(&cf.keys, "keys", "", "key bindings file (default $XDG_CONFIG_HOME/vmcross/keys.yaml if present)")
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
	cpuProfile string
	logs       slog.Handler // the --log file's handler; nil without --log
}

// loadKeys reads the keys file: the one named by --keys (which must exist), else
// $XDG_CONFIG_HOME/vmcross/keys.yaml when there is one, else the defaults.
func (f *consoleFlags) loadKeys() (*keymap.KeyMap, error) {
	path := f.keys
	if path == "" {
		path = filepath.Join(filepath.Dir(config.DefaultPath()), "keys.yaml")
		if _, err := os.Stat(path); err != nil {
			return keymap.Default(), nil
		}
	}
	km, err := keymap.Load(path)
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	return km, nil
}

func runConsole(parent context.Context, src *sourceFlags, cf *consoleFlags) error {
	ctx, cancel := signalContext(parent)
	defer cancel()
	// Mistakes in flags are reported before the lab starts.
	if cf.theme != "" {
		if _, err := themes.Get(cf.theme); err != nil {
			return &usageError{err.Error()}
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
	themeName := cf.theme
	if themeName == "" && s.cfg != nil {
		themeName = s.cfg.Theme
	}
	if themeName == "" {
		themeName = "dark"
	}
	theme, err := themes.Get(themeName)
	if err != nil {
		return &config.Error{File: s.cfg.Path, Field: "theme", Msg: err.Error()}
	}
	eng := s.engine()
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

	console := ui.New(eng, ui.Options{Context: ctx, Theme: theme, KeyMap: keys, Operator: model.LocalOperator("local terminal"), Plans: plans})
	p := tea.NewProgram(console, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithFPS(consoleFPS))
	_, err = p.Run()
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "vmcross %s (commit %s, built %s)\n", version, commit, date)
		},
	}
}

// loadTimeout bounds how long headless commands wait for both vCenters.
const loadTimeout = 30 * time.Second
