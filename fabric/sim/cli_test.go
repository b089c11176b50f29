package sim

import (
	"errors"
	"strings"
	"testing"
)

func TestAbbreviationsMatchFullCommands(t *testing.T) {
	f := startFabric(t, Options{})
	cases := []struct {
		sw, short, full string
	}{
		{miaEdge, "sh int tr", "show interface trunk"},
		{miaEdge, "sh vl br", "show vlan brief"},
		{miaEdge, "sh port-c s", "show port-channel summary"},
		{miaEdge, "sh otv adj", "show otv adjacency"},
		{miaEdge, "sh int po10", "show interface port-channel10"},
		{miaEdge, "sh int e3/1", "show interface Ethernet3/1"},
		{miaEdge, "SH INT ETH 3/1", "show interface ethernet 3/1"},
		{miaDist, "sh int tr", "show interfaces trunk"},
		{miaDist, "sh int te1/1", "show interfaces TenGigabitEthernet1/1"},
		{miaDist, "sh etherch sum", "show etherchannel summary"},
		{miaDist, "sh vl b", "show vlan brief"},
		{miaDist, "show interface po1", "show interfaces Port-channel1"},
	}
	for _, c := range cases {
		short, full := run(t, f, c.sw, c.short), run(t, f, c.sw, c.full)
		// Counters move between the two calls; compare the lines that do not count traffic.
		if stable(short) != stable(full) {
			t.Errorf("%s: %q and %q differ:\n%s\n---\n%s", c.sw, c.short, c.full, short, full)
		}
	}
}

func stable(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if !strings.ContainsAny(l, "0123456789") || strings.Contains(l, "/255") || strings.Contains(l, "is up") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func TestConfigurationAbbreviations(t *testing.T) {
	f := startFabric(t, Options{})
	run(t, f, miaEdge, "conf t", "int po10", "sw tr al vl rem 120", "end")
	if got := trunkSection(run(t, f, miaEdge, "show interface trunk"), "Allowed")["Po10"]; got != planList(true, 120) {
		t.Errorf("Po10 allowed after removal: %q", got)
	}
	run(t, f, miaEdge, "configure terminal", "interface port-channel 10", "switchport trunk allowed vlan add 120", "exit", "exit")
	if got := trunkSection(run(t, f, miaEdge, "show interface trunk"), "Allowed")["Po10"]; got != planList(true) {
		t.Errorf("Po10 allowed after adding back: %q", got)
	}
	run(t, f, miaDist, "conf t", "int po1", "sw tr al vl 100-150", "end")
	if got := trunkSection(run(t, f, miaDist, "sh int tr"), "allowed on trunk")["Po1"]; got != "100-150" {
		t.Errorf("Po1 allowed: %q", got)
	}
}

func TestRefusedInput(t *testing.T) {
	f := startFabric(t, Options{})
	cases := []struct {
		sw    string
		lines []string
		want  string
	}{
		// The caret sits under the first character no command accepts, counted from the start
		// of the prompt ("mia-dci-n7k-01# " is 16 columns, "mia-dist-c6k-01#" 16).
		{miaEdge, []string{"show foo"}, strings.Repeat(" ", 21) + "^\n% Invalid command at '^' marker.\n"},
		{miaEdge, []string{"shwo version"}, strings.Repeat(" ", 18) + "^\n% Invalid command at '^' marker.\n"},
		{miaEdge, []string{"show"}, strings.Repeat(" ", 20) + "^\n% Incomplete command at '^' marker.\n"},
		{miaEdge, []string{"conf t", "int po10", "sw tr al vl a 120"},
			strings.Repeat(" ", 27+12) + "^\n% Ambiguous command at '^' marker.\n"},
		{miaEdge, []string{"conf t", "interface port-channel99"},
			strings.Repeat(" ", 24+10) + "^\n% Invalid command at '^' marker.\n"},
		{miaDist, []string{"show foo"}, strings.Repeat(" ", 21) + "^\n% Invalid input detected at '^' marker.\n\n"},
		{miaDist, []string{"show"}, "% Incomplete command.\n\n"},
		// IOS wants "do" for show commands in configuration mode: "sh" matches "shutdown".
		{miaDist, []string{"conf t", "int po1", "show vlan"},
			strings.Repeat(" ", 27+2) + "^\n% Invalid input detected at '^' marker.\n\n"},
		{miaDist, []string{"conf t", "int po1", "switchport trunk allowed vlan a 120"},
			"% Ambiguous command:  \"switchport trunk allowed vlan a 120\"\n"},
		{miaDist, []string{"conf t", "vlan 5000"}, strings.Repeat(" ", 24+5) + "^\n% Invalid input detected at '^' marker.\n\n"},
	}
	for _, c := range cases {
		out, err := f.Exec(c.sw, c.lines...)
		var ce *CommandError
		if !errors.As(err, &ce) {
			t.Errorf("%s %q: want a CommandError, got %v", c.sw, c.lines, err)
			continue
		}
		if ce.Output != c.want {
			t.Errorf("%s %q:\n got %q\nwant %q", c.sw, c.lines, ce.Output, c.want)
		}
		if !strings.HasSuffix(out, c.want) {
			t.Errorf("%s %q: output does not end with the refusal:\n%s", c.sw, c.lines, out)
		}
	}
}

func TestShowInConfigurationMode(t *testing.T) {
	f := startFabric(t, Options{})
	// NX-OS runs show commands from any mode; IOS needs "do".
	if out := run(t, f, miaEdge, "conf t", "int po10", "show otv adjacency"); !strings.Contains(out, atlEdge) {
		t.Errorf("show otv adjacency from config-if:\n%s", out)
	}
	if out := run(t, f, miaDist, "conf t", "int po1", "do show etherchannel summary"); !strings.Contains(out, "Po1(SU)") {
		t.Errorf("do show etherchannel summary:\n%s", out)
	}
	// A global command from a sub-mode leaves the sub-mode.
	c := newConsole(f, f.byName[miaDist])
	for _, l := range []string{"conf t", "int po1", "vlan 400", "name Staging"} {
		if r := c.execute(l); r.failed {
			t.Fatalf("%q: %s", l, r.out)
		}
	}
	if c.prompt() != miaDist+"(config-vlan)#" {
		t.Errorf("prompt after vlan 400: %q", c.prompt())
	}
	if out := run(t, f, miaDist, "show vlan brief"); !strings.Contains(out, "400  Staging") {
		t.Errorf("VLAN 400 not created:\n%s", out)
	}
}

func TestPrompts(t *testing.T) {
	f := startFabric(t, Options{})
	want := map[string][]string{
		miaEdge: {"mia-dci-n7k-01# ", "mia-dci-n7k-01(config)# ", "mia-dci-n7k-01(config-if)# ", "mia-dci-n7k-01(config-vlan)# "},
		miaDist: {"mia-dist-c6k-01#", "mia-dist-c6k-01(config)#", "mia-dist-c6k-01(config-if)#", "mia-dist-c6k-01(config-vlan)#"},
	}
	for sw, prompts := range want {
		c := newConsole(f, f.byName[sw])
		got := []string{c.prompt()}
		for _, l := range []string{"configure terminal", "interface po1", "vlan 120"} {
			if sw == miaEdge && l == "interface po1" {
				l = "interface po10"
			}
			c.execute(l)
			if l == "vlan 120" {
				got = append(got, c.prompt())
				continue
			}
			got = append(got, c.prompt())
		}
		if strings.Join(got, "|") != strings.Join(prompts, "|") {
			t.Errorf("%s prompts: %q, want %q", sw, got, prompts)
		}
	}
}

func TestPing(t *testing.T) {
	f := startFabric(t, Options{})
	out := run(t, f, miaEdge, "ping 10.255.0.2 count 3")
	if !strings.HasPrefix(out, "PING 10.255.0.2 (10.255.0.2): 56 data bytes\n64 bytes from 10.255.0.2: icmp_seq=0 ttl=254 time=") ||
		!strings.Contains(out, "3 packets transmitted, 3 packets received, 0.00% packet loss") {
		t.Errorf("ping across the DCI:\n%s", out)
	}
	var lo, avg, hi float64
	if _, err := fmtSscanf(line(out, "round-trip"), "round-trip min/avg/max = %f/%f/%f ms", &lo, &avg, &hi); err != nil {
		t.Fatalf("round-trip line: %v\n%s", err, out)
	}
	if lo < 1.8 || hi > 2.3 {
		t.Errorf("RTT %.3f-%.3f ms, want about the 2 ms configured", lo, hi)
	}

	f.SetLatency(10e6) // 10 ms
	out = run(t, f, miaDist, "ping 10.2.255.2 repeat 2")
	if !strings.Contains(out, "!!\nSuccess rate is 100 percent (2/2), round-trip min/avg/max = 1") {
		t.Errorf("IOS ping at 10 ms:\n%s", out)
	}

	run(t, f, atlEdge, "conf t", "int po10", "shut", "end")
	out = run(t, f, miaEdge, "ping 10.2.255.1 count 2")
	if !strings.Contains(out, "Request 0 timed out\nRequest 1 timed out\n") ||
		!strings.Contains(out, "2 packets transmitted, 0 packets received, 100.00% packet loss") ||
		strings.Contains(out, "round-trip") {
		t.Errorf("ping across a shut DCI:\n%s", out)
	}
	out = run(t, f, miaDist, "ping 10.1.255.1")
	if !strings.Contains(out, "!!!!!") {
		t.Errorf("ping within the site while the DCI is down:\n%s", out)
	}
}
