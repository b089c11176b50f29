package parse

import "testing"

func TestNXOSPing(t *testing.T) {
	cases := []struct {
		file string
		want Ping
	}{
		{"from_source_11", Ping{Target: "10.1.1.1", Sent: 11, Received: 11, RTT: &RTT{MinMs: 2.543, AvgMs: 3.927, MaxMs: 5.575}}},
		{"ansible_success", Ping{Target: "172.28.128.7", Sent: 5, Received: 5, RTT: &RTT{MinMs: 1.597, AvgMs: 2.32, MaxMs: 4.197}}},
		// All requests timed out: no round-trip line, so no RTT.
		{"all_timed_out", Ping{Target: "10.1.1.2", Sent: 11, Received: 0, LossPercent: 100}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			eq(t, "ping", *run(t, NXOSPing, capture(t, NXOS, "ping", c.file)), c.want)
		})
	}
}

func TestIOSPing(t *testing.T) {
	cases := []struct {
		file string
		want Ping
	}{
		{"five_ok", Ping{Target: "192.168.0.1", Sent: 5, Received: 5, RTT: &RTT{MinMs: 1, AvgMs: 2, MaxMs: 10}}},
		{"mixed", Ping{Target: "10.245.179.14", Sent: 5, Received: 1, LossPercent: 80, RTT: &RTT{MinMs: 9, AvgMs: 9, MaxMs: 9}}},
		{"unreachable_no_rtt", Ping{Target: "10.245.179.14", Sent: 5, LossPercent: 100}},
		// 200 echoes: the "!" wrap over three lines.
		{"two_hundred_wrapped", Ping{Target: "192.168.0.1", Sent: 200, Received: 200, RTT: &RTT{MinMs: 1, AvgMs: 7, MaxMs: 17}}},
		{"ipv6_vrf_source", Ping{Target: "6800::6", Sent: 5, Received: 4, LossPercent: 20, RTT: &RTT{MinMs: 1, AvgMs: 1, MaxMs: 1}}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			eq(t, "ping", *run(t, IOSPing, capture(t, IOSXE, "ping", c.file)), c.want)
		})
	}
}

func TestPingUnrecognized(t *testing.T) {
	// Interrupted before the summary.
	if _, err := NXOSPing("PING 10.1.1.1 (10.1.1.1): 56 data bytes\n64 bytes from 10.1.1.1: icmp_seq=0 ttl=254 time=1.9 ms\n"); err == nil {
		t.Error("accepted a ping without its summary")
	}
}
