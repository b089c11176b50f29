package sim

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestFormatsMatchRealDevices holds every rendering against output captured from real devices
// (testdata/real, sources in testdata/SOURCES.md): header lines must be identical, and each row
// shape must occur in both, its fields starting at the same columns. The parsers in
// fabric/parse are written from the same captures, so this is the contract between the two.
func TestFormatsMatchRealDevices(t *testing.T) {
	f := startFabric(t, Options{})
	contracts := []struct {
		capture string
		sw      string
		lines   []string
		setup   func()
		headers string   // lines matching this are headers: same sequence in both
		rows    []string // each occurs in both
		columns int      // the first row of each shape starts this many fields at the same columns
	}{
		{capture: "nxos_show_interface_trunk.txt", sw: miaEdge, lines: []string{"show interface trunk"},
			headers: `^(Port  |-{20,}|\s+Vlan\s+Channel)`,
			rows: []string{`^Eth\S+ +\d+ +trnk-bndl +Po\d+$`, `^Po\d+ +\d+ +trunking +--$`,
				`^Po\d+ +[\d,-]+$`, `^Eth\S+ +none$`},
			columns: 4},
		{capture: "nxos_show_port-channel_summary.txt", sw: miaEdge, lines: []string{"show port-channel summary"},
			headers: `^(Flags:|\s{8}\S|-{20,}|Group|\s+Channel$)`,
			rows:    []string{`^\d+ +Po\d+\((SU|RU)\) +Eth +LACP +Eth\S+\(P\) +Eth\S+\(P\)$`},
			columns: 6},
		{capture: "nxos_show_vlan.txt", sw: miaEdge, lines: []string{"show vlan"},
			headers: `^(VLAN |---|Remote SPAN|Primary)`,
			rows:    []string{`^\d+ +\S+ +active$`, `^\d+ +\S+ +active +(Po|Eth)\S+(, \S+)*$`, `^\d+ +enet +CE$`},
			columns: 4},
		{capture: "nxos_show_interface_port-channel.txt", sw: miaEdge, lines: []string{"show interface port-channel10"},
			rows: []string{`^port-channel\d+ is up$`, `^admin state is up$`,
				`^  Hardware: Port-Channel, address: [0-9a-f.]+ \(bia [0-9a-f.]+\)$`,
				`^  MTU 9216 bytes, BW \d+ Kbit, DLY 10 usec$`, `^  reliability 255/255, txload \d+/255, rxload \d+/255$`,
				`^  Port mode is trunk$`, `^  full-duplex, 10 Gb/s$`, `^  Members in this channel: Eth[\d/]+(, Eth[\d/]+)*$`,
				`^  Load-Interval #1: 30 seconds$`, `^    30 seconds input rate \d+ bits/sec, \d+ packets/sec$`,
				`^    input rate [\d.]+ [KMG]?bps, [\d.]+ [KMG]?pps; output rate [\d.]+ [KMG]?bps, [\d.]+ [KMG]?pps$`,
				`^  RX$`, `^    \d+ unicast packets  \d+ multicast packets  \d+ broadcast packets$`,
				`^    \d+ input packets  \d+ bytes$`, `^    0 runts  0 giants  \d+ CRC/FCS  0 no buffer$`,
				`^    \d+ input error  0 short frame  0 overrun   0 underrun  0 ignored$`,
				`^    0 output error  0 collision  0 deferred  0 late collision$`, `^    0 Tx pause$`}},
		{capture: "nxos_show_interface_ethernet.txt", sw: miaEdge, lines: []string{"show interface ethernet3/1"},
			rows: []string{`^Ethernet[\d/]+ is up$`, `^admin state is up, Dedicated Interface$`, `^  Belongs to Po\d+$`,
				`^  Hardware: [\d/]+ Ethernet, address: [0-9a-f.]+ \(bia [0-9a-f.]+\)$`, `^  Description: .+$`,
				`^  Encapsulation ARPA, medium is broadcast$`, `^  Port mode is trunk$`,
				`^  full-duplex, \d+ Gb/s, media type is \d+G$`, `^  Last link flapped \d+week\(s\) \d+day\(s\)$`,
				`^  Last clearing of "show interface" counters never$`, `^  \d+ interface resets$`,
				`^    \d+ jumbo packets  0 storm suppression (bytes|packets)$`, `^    0 runts  0 giants  \d+ CRC(/FCS)?  0 no buffer$`}},
		{capture: "nxos_show_version_n7k.txt", sw: miaEdge, lines: []string{"show version"},
			rows: []string{`^Cisco Nexus Operating System \(NX-OS\) Software$`, `^  kickstart: version \S+`,
				`^  system:    version \S+`, `^  kickstart image file is: \S+:///n7000-s2-kickstart\.\S+$`,
				`^  cisco Nexus7000 C7009 \(9 Slot\) Chassis \("Supervisor Module-2"\)$`, `^  Device name: \S+$`,
				`^Kernel uptime is \d+ day\(s\), \d+ hour\(s\), \d+ minute\(s\), \d+ second\(s\)$`,
				`^Last reset at \d+ usecs after  \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$`,
				`^  System version: \S+$`, `^  Core Plugin, Ethernet Plugin$`}},
		{capture: "nxos_ping.txt", sw: miaEdge, lines: []string{"ping 10.255.0.2 count 3"},
			rows: []string{`^PING [\d.]+ \([\d.]+\)(: | from [\d.]+: )\d+ data bytes$`,
				`^\d+ bytes from [\d.]+: icmp_seq=\d+ ttl=\d+ time=\d+\.\d{3} ms$`, `^--- [\d.]+ ping statistics ---$`,
				`^\d+ packets transmitted, \d+ packets received, 0\.00% packet loss$`,
				`^round-trip min/avg/max = \d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3} ms$`}},
		{capture: "nxos_ping_fail.txt", sw: miaEdge, lines: []string{"ping 10.9.9.9 count 2"},
			rows: []string{`^Request \d+ timed out$`, `^\d+ packets transmitted, 0 packets received, 100\.00% packet loss$`}},
		{capture: "nxos_invalid_command.txt", sw: miaEdge, lines: []string{"show spannig-tree"},
			rows: []string{`^ +\^$`, `^% Invalid command at '\^' marker\.$`}},
		{capture: "ios_show_interfaces_trunk.txt", sw: miaDist, lines: []string{"show interfaces trunk"},
			headers: `^Port {8}`,
			rows:    []string{`^Po\d+ +on +802\.1q +trunking +\d+$`, `^Po\d+ +[\d,-]+$`},
			columns: 5},
		{capture: "ios_show_etherchannel_summary.txt", sw: miaDist, lines: []string{"show etherchannel summary"},
			headers: `^(Flags:| {8}\S|Group|------\+)`,
			rows: []string{`^\d+ +Po\d+\(SU\) +LACP +Te[\d/]+\(P\) +Te[\d/]+\(P\) +`,
				`^Number of channel-groups in use: \d+$`, `^Number of aggregators: +\d+$`},
			columns: 5},
		{capture: "ios_show_vlan_brief.txt", sw: miaDist, lines: []string{"show vlan brief"},
			headers: `^(VLAN |----)`,
			rows:    []string{`^\d+ +\S+ +active$`, `^1005 +trnet-default +act/unsup$`},
			columns: 3},
		{capture: "ios_show_vlan.txt", sw: miaDist, lines: []string{"show vlan"},
			headers: `^(VLAN |---|Remote SPAN|Primary)`,
			rows: []string{`^\d+ +enet +\d+ +1500 +- +- +- +- +- +0 +0 *$`, `^1003 +tr +101003 +1500 +- +- +- +- +srb +0 +0 *$`,
				`^1005 +trnet +101005 +1500 +- +- +- +ibm +- +0 +0 *$`},
			columns: 11},
		{capture: "ios_show_interfaces_tengig.txt", sw: miaDist, lines: []string{"show interfaces TenGigabitEthernet1/1"},
			rows: []string{`^TenGigabitEthernet[\d/]+ is up, line protocol is up \(connected\) ?$`,
				`^  Hardware is .+, address is [0-9a-f.]+ \(bia [0-9a-f.]+\)$`, `^  Description: .+$`,
				`^  MTU \d+ bytes, BW 10000000 Kbit/sec, DLY 10 usec, $`,
				`^     reliability 255/255, txload \d+/255, rxload \d+/255$`, `^  Encapsulation ARPA, loopback not set$`,
				`^  Keepalive set \(10 sec\)$`, `^  Full-duplex, 10Gb/s, .*media type is \S+`,
				`^  Input queue: 0/2000/0/0 \(size/max/drops/flushes\); Total output drops: \d+$`,
				`^  5 minute input rate \d+ bits/sec, \d+ packets/sec$`, `^     \d+ packets input, \d+ bytes, 0 no buffer$`,
				`^     Received \d+ broadcasts \(\d+ multicasts\)$`,
				`^     \d+ input errors, \d+ CRC, 0 frame, 0 overrun, 0 ignored$`,
				`^     0 input packets with dribble condition detected$`,
				`^     \d+ output errors, \d+ collisions, \d+ interface resets$`,
				`^     0 output buffer failures, 0 output buffers swapped out$`}},
		{capture: "ios_show_interfaces_port-channel.txt", sw: miaDist, lines: []string{"show interfaces Port-channel1"},
			rows: []string{`^Port-channel\d+ is up, line protocol is up \(connected\) ?$`,
				`^  Hardware is EtherChannel, address is [0-9a-f.]+ \(bia [0-9a-f.]+\)$`,
				`^  Members in this channel: \S+( \S+)* $`}},
		{capture: "ios_show_version_cat6k.txt", sw: miaDist, lines: []string{"show version"},
			rows: []string{`s72033_rp Software \(s72033_rp-\S+\), Version 12\.2\(\d+\)\S+, RELEASE SOFTWARE \(fc\d\)$`,
				`^Technical Support: http://www\.cisco\.com/techsupport$`,
				`^\S+ uptime is (\d+ weeks?, )?(\d+ days?, )?(\d+ hours?, )?\d+ minutes?$`,
				`^System image file is "\S+"$`, `^cisco WS-C650\d-E \(R7000\) processor \(revision [\d.]+\) with \d+K/\d+K bytes of memory\.$`,
				`^Processor board ID \S+$`, `^SR71000 CPU at 600Mhz, Implementation 0x504, Rev 1\.2, 512KB L2 Cache$`,
				`^Configuration register is 0x2102$`}},
		{capture: "ios_ping.txt", sw: miaDist, lines: []string{"ping 10.2.255.2"},
			rows: []string{`^Type escape sequence to abort\.$`,
				`^Sending \d+, 100-byte ICMP Echos to [\d.]+, timeout is 2 seconds:$`, `^!+$`,
				`^Success rate is 100 percent \(\d+/\d+\), round-trip min/avg/max = \d+/\d+/\d+ ms$`}},
		{capture: "ios_ping_fail.txt", sw: miaDist, lines: []string{"ping 10.9.9.9"},
			rows: []string{`^\.+$`, `^Success rate is 0 percent \(0/5\)`}},
		{capture: "ios_invalid_input.txt", sw: miaDist, lines: []string{"conf t", "show version"},
			rows: []string{`^ +\^$`, `^% Invalid input detected at '\^' marker\.$`}},
	}
	for _, c := range contracts {
		t.Run(c.capture, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "real", c.capture))
			if err != nil {
				t.Fatal(err)
			}
			real := strings.Split(strings.ReplaceAll(string(raw), "\r", ""), "\n")
			out, _ := f.Exec(c.sw, c.lines...) // some contracts are about refusals
			ours := strings.Split(out, "\n")

			if c.headers != "" {
				re := regexp.MustCompile(c.headers)
				// Sets, in order: IOS repeats a section header when a port's list comes late.
				if a, b := filter(real, re), filter(ours, re); !slices.Equal(a, b) {
					t.Errorf("header lines differ:\nreal:\n%s\nours:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
				}
			}
			for _, pattern := range c.rows {
				re := regexp.MustCompile(pattern)
				r, o := first(real, re), first(ours, re)
				switch {
				case r < 0:
					t.Errorf("no real line matches %s", pattern)
				case o < 0:
					t.Errorf("no line of ours matches %s:\n%s", pattern, out)
				case c.columns > 0 && !sameStarts(fieldStarts(real[r]), fieldStarts(ours[o]), c.columns):
					t.Errorf("columns differ for %s:\nreal %q\nours %q", pattern, real[r], ours[o])
				}
			}
		})
	}
}

func filter(lines []string, re *regexp.Regexp) []string {
	var out []string
	for _, l := range lines {
		if l = strings.TrimRight(l, " "); re.MatchString(l) && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// sameStarts compares the columns of the first n fields; list columns beyond them hold as many
// items, as wide, as the data has.
func sameStarts(a, b []int, n int) bool {
	n = min(n, len(a), len(b))
	return n > 0 && slices.Equal(a[:n], b[:n])
}

func first(lines []string, re *regexp.Regexp) int {
	return slices.IndexFunc(lines, re.MatchString)
}

// fieldStarts returns the column where each space-separated field of a line starts.
func fieldStarts(l string) []int {
	var out []int
	for i := range l {
		if l[i] != ' ' && l[i] != '\t' && (i == 0 || l[i-1] == ' ' || l[i-1] == '\t') {
			out = append(out, i)
		}
	}
	return out
}
