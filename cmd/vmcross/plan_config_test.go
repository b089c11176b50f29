package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmcross/vmcross/backend/config"
	"github.com/vmcross/vmcross/backend/lab"
	"github.com/vmcross/vmcross/backend/plan"
)

// `vmcross plan` takes the order tags and the wave size from the config's plan: section when
// the command line gives none; --order and --wave-size override it.
func TestPlanConfigSectionOnLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := lab.Start(ctx, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	dir := t.TempDir()
	cfg := l.Config()
	one, two := 1, 2
	cfg.Plan = config.Plan{WaveSize: 2, Orders: []config.PlanOrder{{Match: "dns-*", Order: &one}, {Match: "web-*", Order: &two}}}
	cfgPath := filepath.Join(dir, "vmcross.yaml")
	if err := cfg.Write(cfgPath); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	vms := "app-02,web-02,dns-01,web-03,app-03"
	propose := func(args ...string) plan.Plan {
		t.Helper()
		out, errOut, err := run(t, append([]string{"plan", "--config", cfgPath, "--vm", vms, "--to", "site-b"}, args...)...)
		if err != nil {
			t.Fatalf("%v\n%s", err, errOut)
		}
		pl, err := plan.Parse([]byte(out), "stdout")
		if err != nil {
			t.Fatal(err)
		}
		return pl
	}
	names := func(w plan.Wave) []string {
		var out []string
		for _, v := range w.VMs {
			out = append(out, v.Name)
		}
		return out
	}

	// The config: dns-01 (1), then the web servers (2), then the untagged, two a wave.
	pl := propose()
	if pl.WaveSize != 2 || len(pl.Waves) != 3 {
		t.Fatalf("waves: size %d, %+v", pl.WaveSize, pl.Waves)
	}
	if got := names(pl.Waves[0]); len(got) != 1 || got[0] != "dns-01" {
		t.Errorf("wave 1: %v", got)
	}
	for _, v := range pl.Waves[1].VMs {
		if v.Order == nil || *v.Order != 2 {
			t.Errorf("wave 2 holds %s (order %v)", v.Name, v.Order)
		}
	}
	for _, v := range pl.Waves[2].VMs {
		if v.Order != nil {
			t.Errorf("wave 3 holds %s (order %v)", v.Name, *v.Order)
		}
	}

	// The flags win: app servers first, one wave for all.
	pl = propose("--order", "app-*=0", "--wave-size", "8")
	if pl.WaveSize != 8 || len(pl.Waves) != 2 {
		t.Fatalf("with flags: size %d, %+v", pl.WaveSize, pl.Waves)
	}
	for _, v := range pl.Waves[0].VMs {
		if v.Order == nil || *v.Order != 0 {
			t.Errorf("with flags, wave 1 holds %s (order %v)", v.Name, v.Order)
		}
	}
	for _, v := range pl.Waves[1].VMs {
		if v.Order != nil {
			t.Errorf("with flags, %s has the config's order %d", v.Name, *v.Order)
		}
	}
}
