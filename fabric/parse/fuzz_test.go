package parse

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedAll adds every real capture in testdata as a seed: each parser is fed the other
// commands' output too, which is what a mixed-up command or a wrong platform does.
func seedAll(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*", "*.txt"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("")
	f.Add("% Invalid command at '^' marker.")
}

// fuzzParsers runs both platforms' parser for one command and checks what they return.
func fuzzParsers[T any](f *testing.F, nx, ios func(string) (T, error), check func(*testing.T, T)) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, text string) {
		for _, p := range []func(string) (T, error){nx, ios} {
			v, err := p(text)
			if err != nil {
				continue
			}
			if _, err := json.Marshal(v); err != nil {
				t.Fatalf("result does not marshal: %v", err)
			}
			if check != nil {
				check(t, v)
			}
		}
	})
}

func checkList(t *testing.T, what string, l VLANList) {
	for i, id := range l.IDs {
		if id < 1 || id > MaxVLAN || (i > 0 && id <= l.IDs[i-1]) {
			t.Fatalf("%s: IDs not sorted, unique and in range: %v", what, l.IDs)
		}
	}
}

func FuzzVersion(f *testing.F) {
	fuzzParsers(f, NXOSVersion, IOSVersion, func(t *testing.T, v *Version) {
		if v == nil || v.Version == "" || v.UptimeSeconds < 0 {
			t.Fatalf("bad version %+v", v)
		}
	})
}

func FuzzVLANBrief(f *testing.F) {
	fuzzParsers(f, NXOSVLANBrief, IOSVLANBrief, func(t *testing.T, vs []VLAN) {
		for _, v := range vs {
			if v.ID < 1 || v.ID > MaxVLAN || v.Ports == nil {
				t.Fatalf("bad VLAN %+v", v)
			}
		}
	})
}

func FuzzTrunk(f *testing.F) {
	fuzzParsers(f, NXOSInterfaceTrunk, IOSInterfacesTrunk, func(t *testing.T, ts []Trunk) {
		for _, tr := range ts {
			for _, l := range []VLANList{tr.Allowed, tr.ErrDisabled, tr.Active, tr.STPForwarding, tr.ForwardingNotPruned} {
				checkList(t, tr.Port, l)
			}
			tr.Carries(1)
		}
	})
}

func FuzzPortChannel(f *testing.F) {
	fuzzParsers(f, NXOSPortChannelSummary, IOSEtherChannelSummary, func(t *testing.T, ps []PortChannel) {
		for _, p := range ps {
			if p.Members == nil || p.BundledCount() > len(p.Members) {
				t.Fatalf("bad channel %+v", p)
			}
		}
	})
}

func FuzzInterfaces(f *testing.F) {
	fuzzParsers(f, NXOSInterfaces, IOSInterfaces, func(t *testing.T, is []Interface) {
		if len(is) == 0 {
			t.Fatal("no interfaces and no error")
		}
	})
}

func FuzzOTVAdjacency(f *testing.F) {
	fuzzParsers(f, NXOSOTVAdjacency, IOSOTVAdjacency, nil)
}

func FuzzOTVVLAN(f *testing.F) {
	fuzzParsers(f, NXOSOTVVLAN, IOSOTVVLAN, nil)
}

func FuzzPing(f *testing.F) {
	fuzzParsers(f, NXOSPing, IOSPing, func(t *testing.T, p *Ping) {
		if p == nil || p.Sent < 0 || p.Received < 0 {
			t.Fatalf("bad ping %+v", p)
		}
	})
}

func FuzzVLANList(f *testing.F) {
	for _, s := range []string{"1-4,10,100-199", "none", "200-211, 300-302", "1-3967,4048-4093", "10-5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseVLANList(s)
		if err != nil {
			return
		}
		checkList(t, s, l)
	})
}

// FuzzParse feeds the dispatcher arbitrary commands and platforms with a fixed output.
func FuzzParse(f *testing.F) {
	text, err := os.ReadFile(filepath.Join("testdata", NXOS, "show_interface_trunk", "bos_core_errdisabled_fabricpath.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range Commands() {
		platform, command, _ := strings.Cut(c, ": ")
		f.Add(platform, command, string(text))
	}
	f.Add("ios", "sh int eth 1/1 trunk", string(text))
	f.Fuzz(func(t *testing.T, platform, command, out string) {
		_, _ = NormalizeCommand(command)
		v, err := Parse(platform, command, out)
		if err == nil {
			if _, err := json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
	})
}
