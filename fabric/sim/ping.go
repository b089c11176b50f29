package sim

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"
)

// Hop costs of the simulated network, round trip.
const (
	localRTT   = 150 * time.Microsecond // a switch pinging its own address
	siteHopRTT = 250 * time.Microsecond // across a site's edge-to-distribution trunk
	pingLost   = 50 * time.Millisecond  // how long a lost echo takes to report (real: 2 s)
)

// owner returns the switch that owns an address: a loopback or an OTV join address.
func (f *Fabric) owner(addr string) *device {
	for _, d := range f.devs {
		if d.address == addr || (d.overlay != nil && d.overlay.joinAddr == addr) {
			return d
		}
	}
	return nil
}

// route finds the path between two switches over the trunks that are up, and returns its
// round-trip time and whether it crosses the DCI. ok is false when there is no path.
func (f *Fabric) route(from, to *device) (rtt time.Duration, dci bool, ok bool) {
	if from == to {
		return localRTT, false, true
	}
	type hop struct {
		d   *device
		rtt time.Duration
		dci bool
	}
	seen := map[*device]bool{from: true}
	queue := []hop{{d: from}}
	for len(queue) > 0 {
		h := queue[0]
		queue = queue[1:]
		for _, p := range h.d.ports {
			if p.kind != kindPortChannel || !f.operUp(h.d, p) {
				continue
			}
			peer, found := f.peerOf(h.d, p)
			if !found || seen[peer.dev] || !f.operUp(peer.dev, peer.port) {
				continue
			}
			cross := peer.dev.site != h.d.site
			next := hop{d: peer.dev, rtt: h.rtt + siteHopRTT, dci: h.dci || cross}
			if cross {
				next.rtt = h.rtt + f.latency
			}
			if peer.dev == to {
				return next.rtt, next.dci, true
			}
			seen[peer.dev] = true
			queue = append(queue, next)
		}
	}
	return 0, false, false
}

// ping runs a ping from a switch and renders it as the platform does, one reply at a time.
func (f *Fabric) ping(d *device, target string, count int) reply {
	addr, err := netip.ParseAddr(target)
	if err != nil || !addr.Is4() {
		if d.platform == NXOS {
			return reply{out: fmt.Sprintf("ping: unknown host %s\n", target), failed: true}
		}
		return reply{out: "% Unrecognized host or address, or protocol not running.\n\n", failed: true}
	}
	var base time.Duration
	var dci, reachable bool
	if to := f.owner(addr.String()); to != nil {
		base, dci, reachable = f.route(d, to)
	}
	rtts := make([]time.Duration, count) // 0: lost
	for i := range rtts {
		if !reachable || (dci && rand.Float64()*100 < f.lossPct) {
			continue
		}
		// A little jitter: -3% to +6% of the path, plus up to 40 µs of queueing.
		jitter := float64(base) * (rand.Float64()*0.09 - 0.03)
		rtts[i] = base + time.Duration(jitter) + time.Duration(rand.Int64N(40_000))
	}
	if d.platform == NXOS {
		return nxosPing(addr.String(), rtts, dci)
	}
	return iosPing(addr.String(), rtts)
}

func nxosPing(target string, rtts []time.Duration, dci bool) reply {
	r := reply{out: fmt.Sprintf("PING %s (%s): 56 data bytes\n", target, target)}
	ttl := 255
	if dci {
		ttl = 254
	}
	var got []time.Duration
	for i, rtt := range rtts {
		if rtt == 0 {
			r.chunks = append(r.chunks, chunk{pingLost, fmt.Sprintf("Request %d timed out\n", i)})
			continue
		}
		got = append(got, rtt)
		r.chunks = append(r.chunks, chunk{rtt, fmt.Sprintf("64 bytes from %s: icmp_seq=%d ttl=%d time=%.3f ms\n",
			target, i, ttl, ms(rtt))})
	}
	loss := 100 * float64(len(rtts)-len(got)) / float64(len(rtts))
	var b strings.Builder
	fmt.Fprintf(&b, "\n--- %s ping statistics ---\n", target)
	fmt.Fprintf(&b, "%d packets transmitted, %d packets received, %.2f%% packet loss\n", len(rtts), len(got), loss)
	if len(got) > 0 {
		lo, avg, hi := stats(got)
		fmt.Fprintf(&b, "round-trip min/avg/max = %.3f/%.3f/%.3f ms\n", ms(lo), ms(avg), ms(hi))
	}
	r.chunks = append(r.chunks, chunk{0, b.String()})
	return r
}

func iosPing(target string, rtts []time.Duration) reply {
	r := reply{out: fmt.Sprintf("Type escape sequence to abort.\nSending %d, 100-byte ICMP Echos to %s, timeout is 2 seconds:\n",
		len(rtts), target)}
	var got []time.Duration
	for _, rtt := range rtts {
		if rtt == 0 {
			r.chunks = append(r.chunks, chunk{pingLost, "."})
			continue
		}
		got = append(got, rtt)
		r.chunks = append(r.chunks, chunk{rtt, "!"})
	}
	tail := fmt.Sprintf("\nSuccess rate is %d percent (%d/%d)", 100*len(got)/len(rtts), len(got), len(rtts))
	if len(got) > 0 {
		// IOS reports whole milliseconds.
		lo, avg, hi := stats(got)
		tail += fmt.Sprintf(", round-trip min/avg/max = %d/%d/%d ms",
			lo.Round(time.Millisecond).Milliseconds(), avg.Round(time.Millisecond).Milliseconds(),
			hi.Round(time.Millisecond).Milliseconds())
	}
	r.chunks = append(r.chunks, chunk{0, tail + "\n"})
	return r
}

func stats(ds []time.Duration) (lo, avg, hi time.Duration) {
	lo, hi = ds[0], ds[0]
	var sum time.Duration
	for _, d := range ds {
		lo, hi = min(lo, d), max(hi, d)
		sum += d
	}
	return lo, sum / time.Duration(len(ds)), hi
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
