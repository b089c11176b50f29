package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vmcross/vmcross/backend/lab"
)

func newLabCmd() *cobra.Command {
	var writeConfig string
	var vms int
	var speed float64
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Run the built-in two-site lab as servers until interrupted",
		Long: `Run the built-in lab: two simulated vCenters on 127.0.0.1.
Prints each vCenter's URL, user, password and certificate thumbprint; with --write-config
it writes a vmcross config file pointing at them (use it with vmcross --config FILE),
mode 0600; the passwords go in files of their own in a directory beside it (lab.secrets/
for lab.yaml).
Certificates are new on every start, so write the config again after a restart.
--vms N makes a larger (or smaller) estate of N VMs in all, half at each site, with the
same hosts, VLANs and kinds of VM: 10,000 start in a few seconds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := labVMsRange("vms", vms); err != nil {
				return err
			}
			if err := speedRange(speed); err != nil {
				return err
			}
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			started := time.Now()
			l, err := lab.Start(ctx, lab.Options{VMs: vms, SwitchBasePort: lab.DefaultSwitchBasePort, Speed: speed})
			if err != nil {
				return fmt.Errorf("start the lab: %w", err)
			}
			ready := time.Since(started)
			defer l.Close()
			certDir, err := os.MkdirTemp("", "vmcross-lab-certs-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(certDir)
			out := cmd.OutOrStdout()
			if err := printLab(out, l, certDir); err != nil {
				return err
			}
			if writeConfig != "" {
				secrets, err := writeLabConfig(l, writeConfig)
				if err != nil {
					return fmt.Errorf("write config: %w", err)
				}
				fmt.Fprintf(out, "\nWrote %s, and its passwords in %s (both readable by you only).\nIn another terminal: vmcross --config %s\n",
					writeConfig, secrets, writeConfig)
			}
			fmt.Fprintf(out, "\nLab running: %d VMs, ready in %v. Press Ctrl+C to stop.\n",
				cmp.Or(vms, lab.DefaultVMs), ready.Round(10*time.Millisecond))
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&writeConfig, "write-config", "", "write a vmcross config file pointing at the lab")
	cmd.Flags().Float64Var(&speed, "speed", 1, "how much faster than real time the lab's vMotions run (1 to 1000)")
	cmd.Flags().IntVar(&vms, "vms", 0, "VMs in the lab, both sites together: "+labVMsUsage)
	return cmd
}

// writeLabConfig writes the lab's config to path, and the passwords it names into a
// directory beside it (path without its extension, plus ".secrets"), which it returns: the
// config holds no password, as an operator's should not. The config and each password
// file are mode 0600 and written atomically (a file that was there, whatever its mode, is
// replaced); the directory is 0700.
func writeLabConfig(l *lab.Lab, path string) (secrets string, err error) {
	secrets = strings.TrimSuffix(path, filepath.Ext(path)) + ".secrets"
	if secrets == path { // a config named x.secrets
		secrets += ".d"
	}
	c := l.Config()
	if err := c.MoveSecrets(secrets); err != nil {
		return "", err
	}
	if err := c.Write(path); err != nil {
		return "", err
	}
	return secrets, nil
}

// printLab prints every endpoint, and writes each certificate into certDir so govc can
// verify it (govc v0.30 pins SHA-1 thumbprints only, so a CA file is the way).
func printLab(w io.Writer, l *lab.Lab, certDir string) error {
	for _, ep := range l.Endpoints() {
		ca := filepath.Join(certDir, string(ep.ID)+".pem")
		if err := os.WriteFile(ca, ep.CertPEM, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s  %s\n", ep.ID, ep.Name)
		fmt.Fprintf(w, "  url:        %s\n", ep.URL)
		fmt.Fprintf(w, "  user:       %s\n", ep.Username)
		fmt.Fprintf(w, "  password:   %s\n", ep.Password)
		fmt.Fprintf(w, "  thumbprint: %s (SHA-256)\n", ep.Thumbprint)
		fmt.Fprintf(w, "  ca file:    %s\n", ca)
		fmt.Fprintf(w, "  govc:       export GOVC_URL='%s' GOVC_USERNAME='%s' GOVC_PASSWORD='%s' GOVC_TLS_CA_CERTS='%s'\n",
			ep.URL, ep.Username, ep.Password, ca)
	}
	if f := l.Fabric(); f != nil {
		fmt.Fprintln(w, "\nSwitches (password for every one shown; the DCI is port-channel10 between the NX-OS edges):")
		for _, sw := range f.Switches() {
			fmt.Fprintf(w, "  %-16s %-8s %-12s %-12s ssh -p %d %s@%s   password: %s\n",
				sw.Name, sw.Site, sw.Role, sw.Platform, sw.Port, sw.Username, sw.Host, sw.Password)
		}
		fmt.Fprintln(w, "  Break the DCI for a demo: on an edge, configure terminal / interface port-channel10 /")
		fmt.Fprintln(w, "  switchport trunk allowed vlan remove 120 / end; undo with ... add 120.")
		fmt.Fprintln(w, "  Host keys are new on every start: add -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null.")
	}
	return nil
}

// labVMsUsage describes the values of --vms and --lab-vms.
var labVMsUsage = fmt.Sprintf("%d to %d (default: the standard estate of %d)", lab.MinVMs(), lab.MaxVMs, lab.DefaultVMs)

// labVMsRange checks the size of a lab asked for with --vms or --lab-vms: 0 (not set) or
// from the lab's named VMs to its maximum.
func labVMsRange(flag string, vms int) error {
	if vms == 0 {
		return nil
	}
	return intRange(flag, vms, lab.MinVMs(), lab.MaxVMs, fmt.Sprintf("VMs in all, both sites together; without it, the standard %d", lab.DefaultVMs))
}

// speedRange checks a lab speed factor.
func speedRange(speed float64) error {
	if speed < 1 || speed > 1000 {
		return &usageError{fmt.Sprintf("--speed %g is out of range: it takes 1 (real time) to 1000", speed)}
	}
	return nil
}
