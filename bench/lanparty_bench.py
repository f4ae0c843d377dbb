#!/usr/bin/python3
"""End-to-end benchmark: TCP throughput (iperf3, both ways) and ping RTT from
a remote player to the LAN host through relay and gateway, in network
namespaces (tests/system/lpnet.py), against a baseline: the same two
namespaces joined by a plain veth, no tunnel.

    bench/lanparty_bench.py [--build build] [--seconds 5] [--runs 3]
    bench/lanparty_bench.py --udp [--build build] [--seconds 3]

Prints medians of --runs runs and the ratio tunnel/baseline.

--udp measures instead, with fragmentation (the default: room MTU 1500,
1472-byte UDP datagrams in 1514-byte frames, two fragments each) and
without (every endpoint --no-frag: room MTU 1380, the largest datagram that
fits, 1352 bytes): the highest iperf3 UDP rate of a ladder that loses at
most 0.1% each way, the CPU time of relay, gateway and client per GB
delivered at that rate, and the median RTT of small pings."""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))


def iperf(lp, ns, server_ip, seconds, reverse):
    srv = subprocess.Popen(["ip", "netns", "exec", lp.ns["lan"], "iperf3", "-s", "-1", "-B", server_ip],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.4)
        args = ["iperf3", "-c", server_ip, "-t", str(seconds), "-J"] + (["-R"] if reverse else [])
        out = json.loads(lpnet.sh(*args, ns=ns, timeout=seconds + 30))
        return out["end"]["sum_received"]["bits_per_second"] / 1e6
    finally:
        srv.wait(timeout=10)


def ping(ns, ip, n=20):
    out = lpnet.sh("ping", "-c", str(n), "-i", "0.05", "-W", "2", ip, ns=ns)
    rtts = [float(x) for x in re.findall(r"time=([\d.]+) ms", out)]
    return statistics.median(rtts) if rtts else float("nan")


def cpu_seconds(procs):
    """User + system CPU of these lpnet.Proc processes so far."""
    tck = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in procs:
        with open("/proc/%d/stat" % p.p.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / tck


def udp_run(lp, size, mbit, seconds, reverse, procs):
    srv = subprocess.Popen(["ip", "netns", "exec", lp.ns["lan"], "iperf3", "-s", "-1", "-B",
                            lpnet.LAN_HOST], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.4)
        c0 = cpu_seconds(procs)
        out = lpnet.sh("iperf3", "-c", lpnet.LAN_HOST, "-u", "-l", str(size), "-b", "%dM" % mbit,
                       "-t", str(seconds), "-J", *(["-R"] if reverse else []), ns=lp.ns["p1"],
                       timeout=seconds + 30)
        cpu = cpu_seconds(procs) - c0
        s = json.loads(out[out.index("{"):])["end"]["sum"]
        delivered = (s["packets"] - s["lost_packets"]) * size
        return s["lost_percent"], s["bits_per_second"] / 1e6, cpu / max(delivered, 1) * 1e9
    finally:
        srv.wait(timeout=10)


def udp_bench(a):
    ladder = (25, 50, 100, 200, 300, 400, 600)
    print("UDP benchmark: player <-> LAN host through relay and gateway, network namespaces, "
          "iperf3 UDP %d s per step, rates %s Mbit/s; best rate with <= 0.1%% loss; CPU of "
          "relay+gateway+client per GB delivered; 2 shared cores" % (a.seconds, ladder))
    for frag in (True, False):
        extra = [] if frag else ["--no-frag"]
        size = 1472 if frag else 1352
        with lpnet.LanParty(players=1, relay_args=["--rate-bytes", "0"]) as lp:
            lp.start_dnsmasq()
            lp.start_relay()
            gw = lp.start_gateway(extra=["--log-level", "warn"] + extra)
            c = lp.start_client("p1", "02:00:00:00:01:01", extra=["--log-level", "warn"] + extra)
            time.sleep(2.5)
            lp.dhcp("p1")
            procs = [lp.relay, gw, c]
            for reverse in (False, True):
                best = None
                for mbit in ladder:
                    loss, got, cpu_gb = udp_run(lp, size, mbit, a.seconds, reverse, procs)
                    if loss > 0.1:
                        break
                    best = (mbit, got, loss, cpu_gb)
                print("  %-8s %4d B %-11s: %s" % (
                    "frag" if frag else "no-frag", size, "LAN->player" if reverse else "player->LAN",
                    "nothing at <= 0.1%% loss" if best is None else
                    "%.1f Mbit/s (step %d) loss %.3f%%, %.1f CPU s/GB" % (best[1], best[0], best[2],
                                                                          best[3])))
            print("  %-8s ping 56 B RTT median %.3f ms" % ("frag" if frag else "no-frag",
                                                          ping(lp.ns["p1"], lpnet.LAN_HOST, 40)))


def main():
    global lpnet
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--udp", action="store_true",
                    help="UDP at full size and small-packet RTT, with and without fragments")
    ap.add_argument("--no-rate-limit", action="store_true",
                    help="lift the relay's per-player byte limit (200 Mbit/s by default)")
    a = ap.parse_args()
    os.environ["LP_BUILD_DIR"] = os.path.abspath(a.build)
    import lpnet as m
    lpnet = m
    if a.udp:
        udp_bench(a)
        return
    res = {"tunnel": {"up": [], "down": [], "rtt": []}, "direct": {"up": [], "down": [], "rtt": []}}
    relay_args = ["--rate-bytes", "0"] if a.no_rate_limit else []
    with lpnet.LanParty(players=1, relay_args=relay_args) as lp:
        lp.start_dnsmasq()
        lp.start_relay()
        lp.start_gateway(extra=["--log-level", "warn"])
        lp.start_client("p1", "02:00:00:00:01:01", extra=["--log-level", "warn"])
        time.sleep(2.5)
        lp.dhcp("p1")
        # baseline: a plain veth between the player and the LAN host
        lpnet.sh("ip", "link", "add", "direct0", "netns", lp.ns["p1"], "type", "veth",
                 "peer", "name", "direct1", "netns", lp.ns["lan"])
        lpnet.sh("ip", "addr", "add", "198.19.0.2/24", "dev", "direct0", ns=lp.ns["p1"])
        lpnet.sh("ip", "addr", "add", "198.19.0.1/24", "dev", "direct1", ns=lp.ns["lan"])
        lpnet.sh("ip", "link", "set", "direct0", "up", ns=lp.ns["p1"])
        lpnet.sh("ip", "link", "set", "direct1", "up", ns=lp.ns["lan"])
        time.sleep(0.5)
        for _ in range(a.runs):
            for kind, ip in (("tunnel", lpnet.LAN_HOST), ("direct", "198.19.0.1")):
                res[kind]["up"].append(iperf(lp, lp.ns["p1"], ip, a.seconds, False))
                res[kind]["down"].append(iperf(lp, lp.ns["p1"], ip, a.seconds, True))
                res[kind]["rtt"].append(ping(lp.ns["p1"], ip))
    med = {k: {m2: statistics.median(v) for m2, v in d.items()} for k, d in res.items()}
    t, d = med["tunnel"], med["direct"]
    print("LAN party benchmark: player -> relay -> gateway -> LAN host, network namespaces, "
          "median of %d runs of %ds (relay, gateway, client and iperf3 share 2 cores); "
          "relay per-player byte limit: %s" % (a.runs, a.seconds,
                                               "off" if a.no_rate_limit else "default 200 Mbit/s"))
    print("  TCP player->LAN : %8.1f Mbit/s   baseline (plain veth) %8.1f Mbit/s   ratio %.3f"
          % (t["up"], d["up"], t["up"] / d["up"]))
    print("  TCP LAN->player : %8.1f Mbit/s   baseline (plain veth) %8.1f Mbit/s   ratio %.3f"
          % (t["down"], d["down"], t["down"] / d["down"]))
    print("  ping RTT        : %8.3f ms       baseline (plain veth) %8.3f ms       ratio %.1f"
          % (t["rtt"], d["rtt"], t["rtt"] / d["rtt"]))
    print("  runs: " + json.dumps(res))


if __name__ == "__main__":
    main()
