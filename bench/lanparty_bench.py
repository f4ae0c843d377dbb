#!/usr/bin/python3
"""End-to-end benchmark: TCP throughput (iperf3, both ways) and ping RTT from
a remote player to the LAN host through relay and gateway, in network
namespaces (tests/system/lpnet.py), against a baseline: the same two
namespaces joined by a plain veth, no tunnel.

    bench/lanparty_bench.py [--build build] [--seconds 5] [--runs 3]

Prints medians of --runs runs and the ratio tunnel/baseline."""

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


def main():
    global lpnet
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-rate-limit", action="store_true",
                    help="lift the relay's per-player byte limit (200 Mbit/s by default)")
    a = ap.parse_args()
    os.environ["LP_BUILD_DIR"] = os.path.abspath(a.build)
    import lpnet as m
    lpnet = m
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
