#!/usr/bin/python3
"""End-to-end benchmark, side by side with OpenVPN in the same run: a remote
player reaches the LAN host through relay and gateway in network namespaces
(tests/system/lpnet.py), and the same LAN party also holds

  - no tunnel: the player and the LAN host joined by a plain veth;
  - OpenVPN 2.6 (Debian's openvpn package: apt-get install -y openvpn), TAP
    bridged to the LAN switch on the gateway host, AES-256-GCM, TLS mode, no
    DCO, reached directly by player p2;
  - the same through a plain user-space UDP relay hop (bench/lp_udpfwd.c in
    the relay's namespace), reached by player p3: lanparty's shape.

Rounds are interleaved (each round measures every system, in a rotating
order). Per system and round: ping mean and p99 idle (every 5 ms) and while
a TCP download runs LAN -> player (every 10 ms), iperf3 TCP both ways,
iperf3 UDP 1200-byte datagrams player -> LAN (delivered rate at 2 Gbit/s
offered), and the CPU time of every tunnel process (relay + gateway +
client; OpenVPN server + client (+ the hop)) per GB over the two TCP runs.
Prints medians, a Markdown table and lanparty/OpenVPN ratios.

    bench/lanparty_bench.py --build build [--rounds 5] [--seconds 4]
        [--rate-bytes 0|N|default] [--json out.json] [--no-openvpn]
    bench/lanparty_bench.py --udp [--build build] [--seconds 3]

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


# ------------------------------------------------------------- side by side
# OpenVPN 2.6 in the same topology: a TAP bridge on the gateway host (its own
# veth port on the LAN switch), AES-256-GCM in TLS mode, no DCO (the Debian
# kernel has no ovpn-dco module). Player p2 reaches it directly, player p3
# through lp-udpfwd in the relay's namespace: the shape lanparty has.
OVPN_PORT = {"ovpn-direct": 51194, "ovpn-relay": 51195}
OVPN_ADDR = {"ovpn-direct": ("p2", "198.18.0.60"), "ovpn-relay": ("p3", "198.18.0.61")}
SYSTEMS = ("no-tunnel", "ovpn-direct", "ovpn-relay", "lanparty")
LABEL = {"no-tunnel": "no tunnel (plain veth)",
         "ovpn-direct": "OpenVPN 2.6 TAP, AES-256-GCM, direct",
         "ovpn-relay": "OpenVPN TAP through a UDP relay hop",
         "lanparty": "lanparty"}


def ovpn_common(tmp):
    return ["--dev-type", "tap", "--proto", "udp4", "--ca", os.path.join(tmp, "c.pem"),
            "--cert", os.path.join(tmp, "c.pem"), "--key", os.path.join(tmp, "k.pem"),
            "--data-ciphers", "AES-256-GCM", "--disable-dco", "--verb", "3",
            "--ping", "10", "--mute-replay-warnings"]


def ovpn_setup(lp, tmp, build):
    """Starts both OpenVPN tunnels; returns {system: [Proc, ...]}."""
    if not shutil_which("openvpn"):
        raise SystemExit("openvpn is not installed: apt-get install -y openvpn (or --no-openvpn)")
    lpnet.sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", os.path.join(tmp, "k.pem"),
             "-out", os.path.join(tmp, "c.pem"), "-days", "2", "-subj", "/CN=lanparty-bench")
    gw, lan = lp.ns["gw"], lp.ns["lan"]
    lpnet.sh("ip", "link", "add", "lan1", "netns", gw, "type", "veth", "peer", "name", "gwport2",
             "netns", lan)
    lpnet.sh("ip", "link", "set", "gwport2", "master", "br-lan", ns=lan)
    lpnet.sh("ip", "link", "set", "gwport2", "up", ns=lan)
    lpnet.sh("ip", "link", "add", "br-ov", "type", "bridge", ns=gw)
    lpnet.sh("ip", "link", "set", "lan1", "master", "br-ov", ns=gw)
    lpnet.sh("ip", "link", "set", "lan1", "up", ns=gw)
    lpnet.sh("ip", "link", "set", "br-ov", "up", ns=gw)
    fwd = lpnet.Proc(lp.ns["relay"], [os.path.join(build, "bench", "lp-udpfwd"), lpnet.RELAY_IP,
                                      "198.18.100.2", str(OVPN_PORT["ovpn-relay"])],
                     "udpfwd", lp.logdir)
    lp.procs.append(fwd)
    fwd_port = int(fwd.wait_for(r"^ready (\d+)", 10).split()[1])
    out = {}
    for i, system in enumerate(("ovpn-direct", "ovpn-relay")):
        player, addr = OVPN_ADDR[system]
        tap = "ovs%d" % i
        lpnet.sh("openvpn", "--mktun", "--dev", tap, "--dev-type", "tap", ns=gw)
        lpnet.sh("ip", "link", "set", tap, "master", "br-ov", ns=gw)
        lpnet.sh("ip", "link", "set", tap, "up", ns=gw)
        srv = lpnet.Proc(gw, ["openvpn", "--dev", tap, "--local", "198.18.100.2", "--lport",
                              str(OVPN_PORT[system]), "--tls-server", "--dh", "none", "--float"]
                         + ovpn_common(tmp), system + "-server", lp.logdir)
        lp.procs.append(srv)
        remote = (["--remote", "198.18.100.2", str(OVPN_PORT[system])] if system == "ovpn-direct"
                  else ["--remote", lpnet.RELAY_IP, str(fwd_port)])
        cli = lpnet.Proc(lp.ns[player], ["openvpn", "--dev", "ovc", "--nobind", "--tls-client"]
                         + remote + ovpn_common(tmp), system + "-client", lp.logdir)
        lp.procs.append(cli)
        cli.wait_for("Initialization Sequence Completed", 30)
        lpnet.sh("ip", "addr", "add", addr + "/24", "dev", "ovc", ns=lp.ns[player])
        lpnet.sh("ip", "link", "set", "ovc", "up", ns=lp.ns[player])
        out[system] = [srv, cli] + ([fwd] if system == "ovpn-relay" else [])
    return out


def shutil_which(name):
    import shutil
    return shutil.which(name)


def pings(ns, ip, n, interval):
    out = lpnet.sh("ping", "-n", "-c", str(n), "-i", str(interval), "-W", "2", ip, ns=ns,
                   timeout=n * interval + 30)
    return [float(x) * 1000 for x in re.findall(r"time=([\d.]+) ms", out)]  # µs


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.99 * len(xs)))] if xs else float("nan")


def iperf_json(lp, ns, server_ip, args, seconds, tries=3):
    """One iperf3 run's JSON; a run that fails (a server still busy with the
    last test, a lost control connection) is retried."""
    for attempt in range(tries):
        j = lpnet.iperf3_json(lp.ns["lan"], ns, server_ip, ["-t", str(seconds)] + list(args),
                              seconds + 30)
        if "error" not in j:
            return j
        print("  iperf3 %s failed (%s), retrying" % (" ".join(args), j["error"]), flush=True)
        time.sleep(1)
    raise RuntimeError("iperf3 %s failed %d times" % (" ".join(args), tries))


def measure(lp, system, a, procs):
    """One round of every number for one system; returns a dict."""
    if system == "no-tunnel":
        ns, ip = lp.ns["p1"], "198.19.0.1"
    elif system == "lanparty":
        ns, ip = lp.ns["p1"], lpnet.LAN_HOST
    else:
        ns, ip = lp.ns[OVPN_ADDR[system][0]], lpnet.LAN_HOST
    r = {}
    idle = pings(ns, ip, a.pings, 0.005)
    r["idle_mean"], r["idle_p99"] = statistics.mean(idle), p99(idle)
    # a game during a patch download: pings while TCP runs LAN -> player
    srv = subprocess.Popen(["ip", "netns", "exec", lp.ns["lan"], "iperf3", "-s", "-1", "-B", ip],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    bulk = subprocess.Popen(["ip", "netns", "exec", ns, "iperf3", "-c", ip, "-R", "-t",
                             str(a.seconds + 1)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(0.7)
    load = pings(ns, ip, int(a.seconds / 0.01 * 0.8), 0.01)
    for p in (bulk, srv):
        try:
            p.wait(timeout=a.seconds + 30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    r["load_mean"], r["load_p99"] = statistics.mean(load), p99(load)
    c0, nbytes = cpu_seconds(procs), 0
    for key, args in (("tcp_up", []), ("tcp_down", ["-R"])):
        j = iperf_json(lp, ns, ip, args, a.seconds)
        r[key] = j["end"]["sum_received"]["bits_per_second"] / 1e6
        nbytes += j["end"]["sum_received"]["bytes"]
    r["cpu_s_per_gb"] = (cpu_seconds(procs) - c0) / max(nbytes, 1) * 1e9 if procs else 0.0
    try:
        j = iperf_json(lp, ns, ip, ["-u", "-l", "1200", "-b", "2G"], a.udp_seconds)
        s = j["end"]["sum"]
        r["udp_up"] = s["bits_per_second"] / 1e6 * (1 - s["lost_percent"] / 100)
        r["udp_up_loss"] = s["lost_percent"]
    except RuntimeError:
        r["udp_up"] = r["udp_up_loss"] = float("nan")  # reported, not fatal
    return r


def side_by_side(a):
    import tempfile
    relay_args = [] if a.rate_bytes == "default" else ["--rate-bytes", a.rate_bytes]
    systems = [s for s in SYSTEMS if a.openvpn or not s.startswith("ovpn")]
    res = {s: [] for s in systems}
    tmp = tempfile.mkdtemp(prefix="lpbench-")
    with lpnet.LanParty(players=3, relay_args=relay_args) as lp:
        lp.start_dnsmasq()
        lp.start_relay()
        gw = lp.start_gateway(extra=["--log-level", "warn"])
        c = lp.start_client("p1", "02:00:00:00:01:01", extra=["--log-level", "warn"])
        time.sleep(2.5)
        lp.dhcp("p1")
        procs = {"no-tunnel": [], "lanparty": [lp.relay, gw, c]}
        lpnet.sh("ip", "link", "add", "direct0", "netns", lp.ns["p1"], "type", "veth",
                 "peer", "name", "direct1", "netns", lp.ns["lan"])
        lpnet.sh("ip", "addr", "add", "198.19.0.2/24", "dev", "direct0", ns=lp.ns["p1"])
        lpnet.sh("ip", "addr", "add", "198.19.0.1/24", "dev", "direct1", ns=lp.ns["lan"])
        lpnet.sh("ip", "link", "set", "direct0", "up", ns=lp.ns["p1"])
        lpnet.sh("ip", "link", "set", "direct1", "up", ns=lp.ns["lan"])
        if a.openvpn:
            procs.update(ovpn_setup(lp, tmp, a.build))
        for s in systems:  # warm up: ARP, PMTUD, congestion windows
            pings(lp.ns["p1" if s in ("no-tunnel", "lanparty") else OVPN_ADDR[s][0]],
                  "198.19.0.1" if s == "no-tunnel" else lpnet.LAN_HOST, 20, 0.01)
        for rnd in range(a.rounds):
            order = systems[rnd % len(systems):] + systems[:rnd % len(systems)]
            for s in order:
                res[s].append(measure(lp, s, a, procs[s]))
                print("  round %d %-12s %s" % (rnd + 1, s, " ".join(
                    "%s=%.1f" % (k, v) for k, v in res[s][-1].items())), flush=True)
    med = {s: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for s, rs in res.items()}
    base = med["no-tunnel"]
    print()
    print("Side-by-side benchmark: player -> relay -> gateway -> LAN host, network namespaces, "
          "medians of %d interleaved rounds; TCP %d s each way, iperf3 UDP 1200 B %d s at 2 Gbit/s "
          "offered; ping every 5 ms idle (%d), every 10 ms during a TCP LAN->player download; "
          "CPU = all tunnel processes over both TCP runs; relay --rate-bytes %s; "
          "everything shares this machine's %d cores"
          % (a.rounds, a.seconds, a.udp_seconds, a.pings, a.rate_bytes, os.cpu_count()))
    print()
    print("| system | ping idle mean (p99) µs | added mean µs | ping under load mean (p99) µs "
          "| TCP player->LAN Mbit/s | TCP LAN->player Mbit/s | UDP 1200 B player->LAN Mbit/s "
          "(loss %) | tunnel CPU s/GB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in systems:
        m = med[s]
        print("| %s | %.0f (%.0f) | %.0f | %.0f (%.0f) | %.0f | %.0f | %.0f (%.2f) | %.1f |" % (
            LABEL[s], m["idle_mean"], m["idle_p99"], m["idle_mean"] - base["idle_mean"],
            m["load_mean"], m["load_p99"], m["tcp_up"], m["tcp_down"], m["udp_up"],
            m["udp_up_loss"], m["cpu_s_per_gb"]))
    if a.openvpn:
        print()
        lpm = med["lanparty"]
        for ref in ("ovpn-relay", "ovpn-direct"):
            o = med[ref]
            print("lanparty / %-11s: added idle ping %.2f, idle p99 %.2f, under-load mean %.2f, "
                  "under-load p99 %.2f, TCP up %.2f, TCP down %.2f, UDP up %.2f, CPU/GB %.2f" % (
                      ref, (lpm["idle_mean"] - base["idle_mean"]) /
                      max(o["idle_mean"] - base["idle_mean"], 1e-9),
                      lpm["idle_p99"] / o["idle_p99"], lpm["load_mean"] / o["load_mean"],
                      lpm["load_p99"] / o["load_p99"], lpm["tcp_up"] / o["tcp_up"],
                      lpm["tcp_down"] / o["tcp_down"], lpm["udp_up"] / max(o["udp_up"], 1e-9),
                      lpm["cpu_s_per_gb"] / max(o["cpu_s_per_gb"], 1e-9)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"args": vars(a), "rounds": res, "medians": med}, f, indent=1)


def main():
    global lpnet
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--seconds", type=int, default=4, help="TCP seconds per direction")
    ap.add_argument("--udp-seconds", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pings", type=int, default=300, help="idle pings per round")
    ap.add_argument("--rate-bytes", default="0",
                    help="the relay's --rate-bytes ('default': the relay's own default)")
    ap.add_argument("--no-openvpn", dest="openvpn", action="store_false",
                    help="skip the OpenVPN side-by-side (needs the openvpn package)")
    ap.add_argument("--json", help="write every round's numbers here")
    ap.add_argument("--udp", action="store_true",
                    help="UDP at full size and small-packet RTT, with and without fragments")
    a = ap.parse_args()
    a.build = os.path.abspath(a.build)
    os.environ["LP_BUILD_DIR"] = a.build
    import lpnet as m
    lpnet = m
    if a.udp:
        udp_bench(a)
        return
    side_by_side(a)


if __name__ == "__main__":
    main()
