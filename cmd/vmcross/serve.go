package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	gossh "golang.org/x/crypto/ssh"

	"github.com/vmcross/vmcross/backend/config"
	"github.com/vmcross/vmcross/backend/model"
	"github.com/vmcross/vmcross/server"
)

// serveFlags are `vmcross serve`'s own flags; each overrides the config's serve: field.
type serveFlags struct {
	listen         string
	hostKey        string
	authorizedKeys string
	readOnly       bool
	idleTimeout    time.Duration
	maxSessions    int
}

func newServeCmd() *cobra.Command {
	var src sourceFlags
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the console over SSH to the operators on call",
		Long: `Serve the console over SSH: every operator whose public key is authorized gets the
console on their own terminal, over one shared engine, so everyone sees the same sites,
fabric and moves, and nobody can start the same VM twice.

Keys come from an authorized_keys file and from the config's serve: users:. In the file, a
line's comment gives the operator: role=viewer|operator|admin (default viewer) and
user=NAME (default: the SSH login name), e.g.

  ssh-ed25519 AAAAC3Nza... role=operator user=alice

Only public keys are accepted. The host key is made once (ed25519) and kept in
$XDG_STATE_HOME/vmcross/ssh_host_ed25519_key unless --host-key names another file.

Without a terminal, a session runs one command:
  ssh -p 2222 HOST status [--json]   sites, the DCI's health, moves and who is connected

--read-only (or read_only: true in the config) makes everyone a viewer: the engine
refuses every move, cancel and reconnect.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd, &src, &f)
		},
	}
	src.register(cmd)
	cmd.Flags().StringVar(&f.listen, "listen", config.DefaultServeListen, "address and port to listen on")
	cmd.Flags().StringVar(&f.hostKey, "host-key", "", "the host's private key file, made when missing (default $XDG_STATE_HOME/vmcross/ssh_host_ed25519_key)")
	cmd.Flags().StringVar(&f.authorizedKeys, "authorized-keys", "", "authorized_keys file of the operators allowed in (default $XDG_CONFIG_HOME/vmcross/authorized_keys if present)")
	cmd.Flags().BoolVar(&f.readOnly, "read-only", false, "everyone is a viewer: the engine refuses every dangerous command")
	cmd.Flags().DurationVar(&f.idleTimeout, "idle-timeout", config.DefaultServeIdleTimeout, "close a console after this long without a key pressed")
	cmd.Flags().IntVar(&f.maxSessions, "max-sessions", config.DefaultServeMaxSessions, "how many SSH sessions may be open at once")
	return cmd
}

// options merges the config's serve: section under the flags the command line set.
func (f *serveFlags) options(cmd *cobra.Command, cfg *config.Config) (listen string, opts server.Options, readOnly bool) {
	set := cmd.Flags().Changed
	var sc config.Serve
	if cfg != nil {
		sc = cfg.Serve
		readOnly = cfg.ReadOnly
	}
	readOnly = readOnly || f.readOnly
	listen = f.listen
	if !set("listen") && sc.Listen != "" {
		listen = sc.Listen
	}
	opts.HostKeyPath = f.hostKey
	if !set("host-key") {
		opts.HostKeyPath = sc.HostKey
	}
	opts.AuthorizedKeys = f.authorizedKeys
	if !set("authorized-keys") {
		opts.AuthorizedKeys = sc.AuthorizedKeys
	}
	if opts.AuthorizedKeys == "" {
		if p := filepath.Join(filepath.Dir(config.DefaultPath()), "authorized_keys"); fileExists(p) {
			opts.AuthorizedKeys = p
		}
	}
	opts.IdleTimeout = f.idleTimeout
	if !set("idle-timeout") && sc.IdleTimeout != "" {
		opts.IdleTimeout = sc.Idle()
	}
	opts.MaxSessions = f.maxSessions
	if !set("max-sessions") && sc.MaxSessions > 0 {
		opts.MaxSessions = sc.MaxSessions
	}
	for _, u := range sc.Users {
		role := model.Role(u.Role)
		opts.Users = append(opts.Users, server.User{Name: u.Name, Key: u.Key, Role: role})
	}
	return listen, opts, readOnly
}

// check reports the flags' mistakes, before anything starts.
func (f *serveFlags) check() error {
	if err := config.CheckListen(f.listen); err != nil {
		return &usageError{"--listen " + err.Error()}
	}
	if f.idleTimeout < time.Second {
		return &usageError{fmt.Sprintf("--idle-timeout %v is too short: give at least 1s, such as 15m", f.idleTimeout)}
	}
	return intRange("max-sessions", f.maxSessions, 1, 1024, "")
}

func runServe(cmd *cobra.Command, src *sourceFlags, f *serveFlags) error {
	ctx, cancel := signalContext(cmd.Context())
	defer cancel()
	stderr := cmd.ErrOrStderr()
	if err := f.check(); err != nil {
		return err
	}
	s, err := src.open(ctx, stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	listen, opts, readOnly := f.options(cmd, s.cfg)
	// The config's theme (a built-in or themes/NAME.yaml) and keys.yaml beside the config,
	// as the local console finds them; a session may ask for a built-in with VMCROSS_THEME.
	cf := consoleFlags{configDir: configDir(src.configPath)}
	if opts.Theme, err = cf.loadTheme(s.cfg); err != nil {
		return err
	}
	if opts.KeyMap, err = cf.loadKeys(); err != nil {
		return err
	}
	opts.FPS = consoleFPS
	opts.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	eng := s.engine()
	eng.SetReadOnly(readOnly)
	if err := s.enableAudit(eng); err != nil {
		return err
	}
	eng.Start(ctx)
	defer closeWithin(eng, quitWithin)
	plans := newPlans(eng, s) // as the local console's: one set of plans for every session
	defer plans.Close()
	opts.Plans = plans

	srv, err := server.New(eng, opts)
	if err != nil {
		return &usageError{"serve: " + err.Error()}
	}
	started := time.Now()
	defer func() {
		// Before the plans and the engine close: every session's end is in the audit log.
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := eng.WaitSessionsAudited(ctx, started); err != nil {
			fmt.Fprintln(stderr, "vmcross: warning: the audit log may lack the end of the last sessions")
		}
	}()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	announce(stderr, ln.Addr(), srv, opts, readOnly)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		return nil
	case err := <-served:
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	}
}

// announce says where the console is served and how to reach it.
func announce(w io.Writer, addr net.Addr, srv *server.Server, opts server.Options, readOnly bool) {
	hk, created := srv.HostKey()
	made := ""
	if created {
		made = ", new"
	}
	mode := ""
	if readOnly {
		mode = " READ-ONLY:"
	}
	keys := opts.AuthorizedKeys
	if keys == "" {
		keys = "config users only"
	}
	fmt.Fprintf(w, "vmcross: serving the console over SSH on %s;%s operators from %s (%d in the config)\n", addr, mode, keys, len(opts.Users))
	fmt.Fprintf(w, "vmcross: host key %s%s (%s)\n", gossh.FingerprintSHA256(hk), made, hostKeyPath(opts))
	if host, port, err := net.SplitHostPort(addr.String()); err == nil {
		fmt.Fprintf(w, "vmcross: connect with: ssh -p %s %s   (status: ssh -p %s %s status)\n", port, host, port, host)
	}
}

func hostKeyPath(opts server.Options) string {
	if opts.HostKeyPath != "" {
		return opts.HostKeyPath
	}
	return server.DefaultHostKeyPath()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist) && err == nil
}
