#!/usr/bin/python3
"""Relay benchmark: the real lanparty-relay and lp-loadgen on loopback.

Prints, for 1400-byte frames: forwarded datagrams per second and Gbit/s for
unicast client->gateway and for broadcast to 8 peers, relay CPU
microseconds per forwarded datagram, and relay RSS per idle peer with 1,000
connected idle peers; each with its ratio to the target (the baseline).

    bench/relay_bench.py [--build build] [--seconds 5] [--runs 3]

The relay is pinned to CPU 0 and the load generator to CPU 1 (taskset).
The load generator keeps at most 4096 frame copies in flight end to end,
so the relay is measured at the rate it sustains, not while it drops what
a sender beyond its congestion window pushes. Medians of --runs runs are
reported; this machine is noisy."""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = {  # the baseline: the relay's speed and memory targets (README)
    "unicast_dgrams_per_s": (250000, "higher"),
    "relay_cpu_us_per_dgram": (4.0, "lower"),
    "rss_kib_per_idle_peer": (100.0, "lower"),
}


class Relay:
    def __init__(self, build, tmp, max_mtu=1386):
        self.cert = os.path.join(tmp, "relay.der")
        self.p = subprocess.Popen(
            ["taskset", "-c", "0", os.path.join(build, "cmd", "lanparty-relay"),
             "--listen", "127.0.0.1:0", "--dev-cert-der-out", self.cert,
             "--rate-broadcast", "0", "--rate-unknown-unicast", "0", "--rate-bytes", "0",
             "--max-peers", "5000", "--room-max-peers", "5000", "--max-conns", "6000",
             "--max-conns-per-ip", "0", "--room-max-per-ip", "0",
             # every load-generator connection comes from 127.0.0.1: one
             # source prefix, which the relay otherwise limits
             "--rate-handshakes", "1000000", "--rate-packets", "100000000",
             "--fanout-room", "0", "--fanout", "0",
             "--max-mtu", str(max_mtu)],
            stderr=subprocess.PIPE, text=True)
        self.port = None
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.time() + 10
        while self.port is None and time.time() < deadline:
            for l in list(self.lines):
                m = re.search(r"addr=127\.0\.0\.1:(\d+)", l)
                if m:
                    self.port = int(m.group(1))
            time.sleep(0.02)
        if self.port is None:
            raise SystemExit("relay did not start:\n" + "\n".join(self.lines))

    def _read(self):
        for l in self.p.stderr:
            self.lines.append(l.rstrip())

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.p.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tck = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / tck

    def rss_kib(self):
        with open("/proc/%d/status" % self.p.pid) as f:
            for l in f:
                if l.startswith("VmRSS:"):
                    return int(l.split()[1])
        return 0

    def counters(self):
        """The relay's own counters, from a SIGUSR1 snapshot."""
        n = len(self.lines)
        self.p.send_signal(10)  # SIGUSR1
        deadline = time.time() + 5
        while time.time() < deadline:
            for l in self.lines[n:]:
                if "event=relay_counters" in l:
                    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", l)}
            time.sleep(0.02)
        return {}

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()


def loadgen(build, relay, mode, seconds, extra=()):
    cmd = ["taskset", "-c", "1", os.path.join(build, "bench", "lp-loadgen"),
           "--relay", "127.0.0.1:%d" % relay.port, "--pin", relay.cert,
           "--mode", mode, "--seconds", str(seconds)] + list(extra)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    cpu0 = None
    result = None
    for line in p.stdout:
        ev = json.loads(line)
        if ev.get("phase") == "measuring":
            cpu0 = relay.cpu_seconds()
        elif "per_second" in ev:
            cpu1 = relay.cpu_seconds()
            result = ev
            result["relay_cpu_us_per_dgram"] = (cpu1 - cpu0) * 1e6 / max(1, ev["datagrams"])
            result["relay_cpu_share"] = (cpu1 - cpu0) / ev["seconds"]
    p.wait(timeout=60)
    if result is None:
        raise SystemExit("load generator failed (%s)" % mode)
    c = relay.counters()
    result["relay_frames_rx"] = c.get("frames_rx", 0)
    result["relay_frames_tx"] = c.get("frames_tx", 0)
    result["relay_drop_queue_full"] = c.get("drop_queue_full", 0)
    return result


def idle_rss(build, relay, peers):
    before = relay.rss_kib()
    p = subprocess.Popen(
        ["taskset", "-c", "1", os.path.join(build, "bench", "lp-loadgen"),
         "--relay", "127.0.0.1:%d" % relay.port, "--pin", relay.cert,
         "--mode", "idle", "--peers", str(peers)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    ev = json.loads(line)
    time.sleep(7)  # past the relay's post-churn malloc_trim (every 5 s)
    after = relay.rss_kib()
    p.stdin.close()
    p.wait(timeout=60)
    return {"peers": ev["peers"], "join_seconds": ev["join_seconds"],
            "rss_before_kib": before, "rss_after_kib": after,
            "rss_kib_per_idle_peer": (after - before) / peers}


def ratio(name, value):
    target, better = TARGETS[name]
    r = value / target
    ok = r >= 1 if better == "higher" else r <= 1
    return "%.2fx of target %g (%s is better) %s" % (r, target, better, "MET" if ok else "NOT MET")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peers", type=int, default=1000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        uni, bc = [], []
        for _ in range(a.runs):
            r = Relay(a.build, tmp)
            try:
                uni.append(loadgen(a.build, r, "unicast", a.seconds))
            finally:
                r.stop()
            r = Relay(a.build, tmp)
            try:
                bc.append(loadgen(a.build, r, "broadcast", a.seconds, ["--receivers", "8"]))
            finally:
                r.stop()
        # Idle peers send no frames: a small room MTU admits every peer
        # even when 1,000 handshakes at once slow path MTU discovery down.
        r = Relay(a.build, tmp, max_mtu=1100)
        try:
            idle = idle_rss(a.build, r, a.peers)
        finally:
            r.stop()

    def med(rows, key):
        return statistics.median(x[key] for x in rows)

    u_dps, u_gb, u_cpu = med(uni, "per_second"), med(uni, "gbit"), med(uni, "relay_cpu_us_per_dgram")
    b_dps, b_gb, b_cpu = med(bc, "per_second"), med(bc, "gbit"), med(bc, "relay_cpu_us_per_dgram")
    print("relay benchmark: 1400-byte frames (room MTU 1386), loopback, relay on CPU 0, load on CPU 1, "
          "median of %d runs of %gs" % (a.runs, a.seconds))
    print("  unicast client->gateway : %9.0f datagrams/s  %6.2f Gbit/s  relay %.2f us/datagram"
          % (u_dps, u_gb, u_cpu))
    print("      ratio: " + ratio("unicast_dgrams_per_s", u_dps))
    u_share = med(uni, "relay_cpu_share")
    if u_share >= 0.9:
        print("      relay core busy %.0f%%: the rate above is the relay's one-core capacity"
              % (100 * u_share))
    else:
        print("      relay core busy %.0f%%: the rate is bounded by the load generator; one relay "
              "core at %.2f us/datagram would forward about %.0f datagrams/s (%s)"
              % (100 * u_share, u_cpu, 1e6 / u_cpu, ratio("unicast_dgrams_per_s", 1e6 / u_cpu)))
    print("      ratio: " + ratio("relay_cpu_us_per_dgram", u_cpu))
    qf = [x["relay_drop_queue_full"] * 100.0 / max(1, x["relay_frames_rx"]) for x in uni]
    print("      per run (datagrams/s, us/datagram, %% of received frames dropped as "
          "queue_full): " +
          ", ".join("%.0f/%.2f/%.0f%%" % (x["per_second"], x["relay_cpu_us_per_dgram"], q)
                    for x, q in zip(uni, qf)))
    print("  broadcast to 8 peers    : %9.0f datagrams/s  %6.2f Gbit/s  relay %.2f us/datagram"
          % (b_dps, b_gb, b_cpu))
    print("      ratio: " + ratio("relay_cpu_us_per_dgram", b_cpu))
    print("  idle peers              : %d peers joined in %.1fs, RSS %d -> %d KiB, %.1f KiB/peer"
          % (idle["peers"], idle["join_seconds"], idle["rss_before_kib"], idle["rss_after_kib"],
             idle["rss_kib_per_idle_peer"]))
    print("      ratio: " + ratio("rss_kib_per_idle_peer", idle["rss_kib_per_idle_peer"]))
    print("  runs: " + json.dumps({"unicast": uni, "broadcast": bc}))


if __name__ == "__main__":
    sys.exit(main())
