package parse

import "testing"

func TestNXOSVersion(t *testing.T) {
	cases := []struct {
		file                    string
		host, version, platform string
		uptimeSeconds           int64
	}{
		// Nexus 7009, Supervisor 2: kickstart/system lines, "(9 Slot) Chassis".
		{"n7k_c7009_8.1", "PE1", "8.1(1)", "Nexus7000 C7009 (9 Slot) Chassis", 53*60 + 5},
		// Nexus 5596: "system: version" wins over the later "System version:" of the last reset.
		{"n5k_5596_7.1", "IEDP02-N5K-SW01", "7.1(4)N1(1)", "Nexus 5596 Chassis", 749*86400 + 15*3600 + 17*60 + 48},
		// Nexus 9000 in NX-OS mode: "NXOS: version".
		{"n9k_c9396px_6.1", "N9K1", "6.1(2)I3(1)", "Nexus9000 C9396PX Chassis", 123*86400 + 5*3600 + 15*60 + 19},
		{"n9k_c9372px_7.0", "obttestw02", "7.0(3)I4(3)", "Nexus9000 C9372PX chassis", 670*86400 + 6*3600 + 34*60 + 1},
		// " NXOS: version" indented by one space only.
		{"n3k_c3232c_9.3", "N3K-LAB-19", "9.3(15)", "Nexus3000 C3232C Chassis (Nexus 9000 Series)", 60*86400 + 17*3600 + 8*60 + 18},
		{"n3k_3048_6.0", "n3k", "6.0(2)U6(10)", "Nexus 3048 Chassis", 796*86400 + 15*3600 + 58*60 + 29},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			v := run(t, NXOSVersion, capture(t, NXOS, "show_version", c.file))
			eq(t, "OS", v.OS, "NX-OS")
			eq(t, "Hostname", v.Hostname, c.host)
			eq(t, "Version", v.Version, c.version)
			eq(t, "Platform", v.Platform, c.platform)
			eq(t, "UptimeSeconds", v.UptimeSeconds, c.uptimeSeconds)
		})
	}
}

func TestIOSVersion(t *testing.T) {
	cases := []struct {
		file                        string
		host, os, version, platform string
		uptime                      string
	}{
		// Catalyst 6503-E, Sup720, IOS 12.2SXF: "IOS (tm) s72033_rp Software (...), Version".
		{"cat6503e_12.2sxf", "cat6k_tb1", "IOS", "12.2(18)SXF7", "WS-C6503-E", "10 weeks, 5 days, 5 hours, 16 minutes"},
		{"cat4948e_12.2sg", "router1", "IOS", "12.2(54)SG1", "WS-C4948E", "2 years, 31 weeks, 6 days, 9 hours, 55 minutes"},
		// IOS-XE 3.x: "Version 03.03.02.SG RELEASE" has no comma after the version.
		{"cat4507re_03.03", "switchname", "IOS-XE", "03.03.02.SG", "WS-C4507R+E", "6 years, 2 weeks, 13 hours, 31 minutes"},
		// A 3850 stack: the model number line beats the processor line.
		{"c3850_03.06", "city-building-4-sw", "IOS-XE", "03.06.05E", "WS-C3850-48U", "28 weeks, 1 day, 7 hours, 54 minutes"},
		// IOS-XE 16: the first line "Cisco IOS XE Software, Version 16.09.03".
		{"c9500_16.9", "AKBTESTW01", "IOS-XE", "16.09.03", "C9500-40X", "1 year, 22 weeks, 6 days, 9 hours, 38 minutes"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			v := run(t, IOSVersion, capture(t, IOSXE, "show_version", c.file))
			eq(t, "Hostname", v.Hostname, c.host)
			eq(t, "OS", v.OS, c.os)
			eq(t, "Version", v.Version, c.version)
			eq(t, "Platform", v.Platform, c.platform)
			eq(t, "Uptime", v.Uptime, c.uptime)
		})
	}
	v := run(t, IOSVersion, capture(t, IOSXE, "show_version", "cat6503e_12.2sxf"))
	eq(t, "UptimeSeconds", v.UptimeSeconds, int64(10*7*86400+5*86400+5*3600+16*60))
}

func TestVersionRejectsOtherOutput(t *testing.T) {
	if _, err := NXOSVersion(capture(t, NXOS, "show_vlan_brief", "n7k_many_ports")); err == nil {
		t.Error("NXOSVersion accepted show vlan output")
	}
	if _, err := IOSVersion(""); err == nil {
		t.Error("IOSVersion accepted empty output")
	}
}
