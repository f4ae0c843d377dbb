"""End-to-end: a whole LAN party in network namespaces (see lpnet.py). Each
test proves a user-visible fact with real tools: udhcpc, ping, iperf3,
dnsmasq, the kernel's bridge, scapy on real interfaces."""

import json
import os
import re
import signal
import subprocess
import time

import pytest

import lpnet
from lpnet import LAN_HOST, LanParty, sh
from lpharness import proc_status

P1_MAC = "02:00:00:00:01:01"
P2_MAC = "02:00:00:00:01:02"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for namespaces")


@pytest.fixture(scope="module")
def party():
    lp = LanParty(players=2, closed=True)  # the README's production flow
    with lp:
        lp.start_dnsmasq()
        lp.start_relay()
        gw = lp.start_gateway()
        gw.wait_for("event=welcome")
        for p, mac in (("p1", P1_MAC), ("p2", P2_MAC)):
            c = lp.start_client(p, mac, extra=["--log-level", "debug"])
            c.wait_for("event=tap_up")
        lp.leases = {p: lp.dhcp(p) for p in ("p1", "p2")}
        yield lp


def scapy_ns(ns, code, timeout=30):
    """Runs a scapy snippet inside a namespace; returns its stdout."""
    prog = "from scapy.all import *\nconf.verb = 0\n" + code
    return sh("/usr/bin/python3", "-c", prog, ns=ns, timeout=timeout)


def test_lease_ping_and_slaac(party):
    for p in ("p1", "p2"):
        assert re.match(r"198\.18\.0\.\d+$", party.leases[p])
        out = sh("ping", "-c", "3", "-i", "0.2", "-W", "2", LAN_HOST, ns=party.ns[p])
        assert " 0% packet loss" in out
    # SLAAC from the LAN's router advertisements (dnsmasq --enable-ra)
    deadline = time.monotonic() + 20
    addr = ""
    while time.monotonic() < deadline:
        addr = sh("ip", "-6", "-o", "addr", "show", "dev", "lp0", "scope", "global",
                  ns=party.ns["p1"])
        if "2001:db8:1:" in addr:
            break
        time.sleep(0.5)
    assert "2001:db8:1:" in addr, addr
    out = sh("ping", "-6", "-c", "2", "-W", "2", "2001:db8:1::1", ns=party.ns["p1"])
    assert " 0% packet loss" in out
    # the client reports the lease in its own words
    party.clients["p1"].wait_for(r"got 198\.18\.0\.\d+ from the LAN's DHCP server", 15)


def test_broadcasts_reach_everyone(party):
    listen = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 27015))
s.settimeout(8)
got = set()
try:
    while len(got) < int(sys.argv[1]):
        data, addr = s.recvfrom(2048)
        got.add(data.decode())
except socket.timeout:
    pass
print(" ".join(sorted(got)))
"""
    def listener(ns, n):
        return subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", listen, str(n)],
                                stdout=subprocess.PIPE, text=True)

    def send(ns, payload, src=None):
        code = ("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                "s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)\n")
        if src:
            code += "s.bind((%r, 0))\n" % src
        code += "for i in range(3):\n    s.sendto(%r, ('255.255.255.255', 27015))\n" % payload.encode()
        sh("/usr/bin/python3", "-c", code, ns=ns)

    lan = listener(party.ns["lan"], 2)
    l1 = listener(party.ns["p1"], 2)
    l2 = listener(party.ns["p2"], 2)
    time.sleep(0.5)
    send(party.ns["lan"], "from-lan", src=LAN_HOST)
    send(party.ns["p1"], "from-p1")
    out_lan, out1, out2 = (p.communicate(timeout=15)[0].split() for p in (lan, l1, l2))
    assert "from-lan" in out1 and "from-lan" in out2
    assert "from-p1" in out_lan and "from-p1" in out2


def test_tcp_both_ways(party):
    srv = subprocess.Popen(["ip", "netns", "exec", party.ns["lan"], "iperf3", "-s", "-1",
                            "-B", LAN_HOST], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        up = json.loads(sh("iperf3", "-c", LAN_HOST, "-t", "2", "-J", ns=party.ns["p1"], timeout=30))
        bps_up = up["end"]["sum_received"]["bits_per_second"]
    finally:
        srv.wait(timeout=10)
    srv = subprocess.Popen(["ip", "netns", "exec", party.ns["lan"], "iperf3", "-s", "-1",
                            "-B", LAN_HOST], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        down = json.loads(sh("iperf3", "-c", LAN_HOST, "-t", "2", "-R", "-J", ns=party.ns["p1"], timeout=30))
        bps_down = down["end"]["sum_received"]["bits_per_second"]
    finally:
        srv.wait(timeout=10)
    print("iperf3 player->LAN %.1f Mbit/s, LAN->player %.1f Mbit/s" % (bps_up / 1e6, bps_down / 1e6))
    assert bps_up > 5e6 and bps_down > 5e6
    # no LAN->player TCP frame died as a jumbo frame at the gateway
    assert "reason=jumbo" not in party.gateway.text()
    # player->LAN: the TAP (IFF_VNET_HDR, TSO offload) handed the client
    # whole TSO segments, one read each, and the client split them
    party.clients["p1"].wait_for(r"event=tap_gso .*segments", 5)
    assert "reason=jumbo" not in party.clients["p1"].text()


def test_forged_frames_never_reach_the_lan(party):
    sniff = subprocess.Popen(
        ["ip", "netns", "exec", party.ns["lan"], "/usr/bin/python3", "-c", """
from scapy.all import *
conf.verb = 0
pk = sniff(iface="br-lan", timeout=6, store=True)
bad = 0
for p in pk:
    s = bytes(p)
    if b"FORGED" in s or (p.haslayer(Ether) and p[Ether].src == "02:66:66:66:66:66"):
        bad += 1
    if p.haslayer(Dot1Q) or (p.haslayer(UDP) and p[UDP].sport in (67, 547) and p.haslayer(Ether) and p[Ether].src == "%s"):
        bad += 1
    if p.haslayer(ICMPv6ND_RA) and p.haslayer(Ether) and p[Ether].src == "%s":
        bad += 1
    if p.haslayer(Ether) and p[Ether].dst.startswith("01:80:c2"):
        bad += 1
print("seen", len(pk), "bad", bad)
""" % (P1_MAC, P1_MAC)], stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)
    scapy_ns(party.ns["p1"], """
m = "%s"
frames = [
  Ether(src=m, dst="ff:ff:ff:ff:ff:ff")/IP(src="198.18.0.66", dst="255.255.255.255")/UDP(sport=67, dport=68)/BOOTP(op=2, yiaddr="198.18.0.77")/DHCP(options=[("message-type","offer"),"end"])/Raw(b"FORGED"),
  Ether(src=m, dst="33:33:00:00:00:01")/IPv6(src="fe80::66", dst="ff02::1")/ICMPv6ND_RA()/Raw(b"FORGED"),
  Dot3(src=m, dst="01:80:c2:00:00:00")/LLC()/STP()/Raw(b"FORGED"),
  Ether(src=m, dst="ff:ff:ff:ff:ff:ff")/Dot1Q(vlan=7)/IP(dst="255.255.255.255")/UDP(sport=9, dport=9)/Raw(b"FORGED"),
  Ether(src="02:66:66:66:66:66", dst="ff:ff:ff:ff:ff:ff")/IP(dst="255.255.255.255")/UDP(sport=9, dport=9)/Raw(b"FORGED"),
]
for f in frames:
    sendp(f, iface="lp0")
""" % P1_MAC)
    out = sniff.communicate(timeout=20)[0]
    assert re.search(r"seen \d+ bad 0", out), out
    # counted as drops by the client that refused to send them
    text = party.clients["p1"].text()
    for reason in ("dhcp_server", "router_advertisement", "link_local", "vlan_tag", "source_mac"):
        assert re.search(r"event=frame dir=tap_to_relay .*reason=%s" % reason, text), reason


def test_route_protection(party):
    ns = party.ns["p1"]
    # the relay's route is pinned on the pre-tunnel path...
    assert "dev eth0" in sh("ip", "route", "show", "198.18.100.1/32", ns=ns)
    # ...so a default route the LAN's DHCP server hands out cannot capture it
    sh("ip", "route", "add", "default", "via", LAN_HOST, "dev", "lp0", ns=ns)
    try:
        assert "dev eth0" in sh("ip", "route", "get", "198.18.100.1", ns=ns)
        assert " 0% packet loss" in sh("ping", "-c", "2", "-W", "2", LAN_HOST, ns=ns)
    finally:
        sh("ip", "route", "del", "default", "via", LAN_HOST, "dev", "lp0", ns=ns)
    # games' limited broadcasts and multicast leave through the TAP
    assert "dev lp0" in sh("ip", "route", "get", "255.255.255.255", ns=ns)
    assert "dev lp0" in sh("ip", "route", "get", "239.255.255.250", ns=ns)


def test_lan_switch_learns_player_mac_on_gateway_port(party):
    deadline = time.monotonic() + 10
    out = ""
    while time.monotonic() < deadline:
        out = sh("bridge", "fdb", "show", "br", "br-lan", ns=party.ns["lan"])
        if re.search(r"%s dev gwport" % P1_MAC, out) and re.search(r"%s dev gwport" % P2_MAC, out):
            break
        time.sleep(0.2)
    assert re.search(r"%s dev gwport" % P1_MAC, out), out
    assert re.search(r"%s dev gwport" % P2_MAC, out), out
    party.gateway.wait_for(r"event=cam_refresh mac=%s .*reason=peer_joined" % P1_MAC)
    party.gateway.wait_for(r"event=cam_refresh .*reason=periodic", 10)


def test_relay_restart_and_gateway_stop():
    with LanParty(players=1, closed=True) as lp:
        lp.start_dnsmasq()
        lp.start_relay()
        gw = lp.start_gateway()
        gw.wait_for("event=welcome")
        c = lp.start_client("p1", P1_MAC)
        c.wait_for("event=tap_up")
        lp.dhcp("p1")
        assert " 0% packet loss" in sh("ping", "-c", "2", "-W", "2", LAN_HOST, ns=lp.ns["p1"])
        # the relay restarts on the same port; nobody restarts the others
        port = lp.relay_port
        n_gw, n_c = gw.count(), c.count()
        assert lp.relay.stop() == 0
        lp.procs.remove(lp.relay)
        c.wait_for("relay_shutdown", 10, start=n_c)
        lp.start_relay(port=port)
        gw.wait_for("event=welcome", 30, start=n_gw)
        c.wait_for("event=welcome", 30, start=n_c)
        deadline = time.monotonic() + 15
        ok = ""
        while time.monotonic() < deadline:
            ok = sh("ping", "-c", "1", "-W", "1", LAN_HOST, ns=lp.ns["p1"], check=False)
            if " 0% packet loss" in ok:
                break
        assert " 0% packet loss" in ok, ok
        # stopping the gateway: the player hears it left, with its reason
        n_c = c.count()
        assert gw.stop() == 0
        c.wait_for(r"event=peer_left .*role=gateway .*reason=shutdown", 10, start=n_c)
        # the player's routes are restored when it stops
        assert c.stop() == 0
        ns = lp.ns["p1"]
        assert sh("ip", "route", "show", "198.18.100.1/32", ns=ns).strip() == ""
        assert "lp0" not in sh("ip", "route", "show", ns=ns)


def test_gateway_refuses_interface_without_carrier():
    with LanParty(players=0) as lp:
        lp.start_relay()
        ns = lp.ns["gw"]
        sh("ip", "link", "add", "dead0", "type", "veth", "peer", "name", "dead1", ns=ns)
        sh("ip", "link", "set", "dead0", "up", ns=ns)  # its peer stays down
        p = subprocess.run(["ip", "netns", "exec", ns, lpnet.GATEWAY, "--relay", lp.relay_addr(),
                            "--relay-ca-cert", os.path.join(lp.logdir, "relay-cert.der"),
                            "--room", "PARTY", "--interface", "dead0"],
                           capture_output=True, text=True, timeout=15)
        assert p.returncode == 6, p
        assert "no carrier" in p.stderr
        time.sleep(0.3)
        assert "event=peer_joined" not in lp.relay.text()


def test_client_exits_clearly_when_rejected():
    with LanParty(players=1) as lp:
        lp.start_relay()
        c = lp.start_client("p1", P1_MAC, extra=["--room", "bad room!"])
        assert c.p.wait(timeout=10) == 2
        assert "--room" in c.text()


def test_second_instance_with_same_identity_stops_the_first_cleanly():
    with LanParty(players=1, closed=True) as lp:
        lp.start_relay()
        first = lp.start_client("p1", P1_MAC)
        first.wait_for("event=welcome")
        # the same identity started again on the same PC (another TAP name)
        second = lp.start_client("p1", P1_MAC, extra=["--tap-name", "lp1"])
        second.wait_for("event=welcome")
        assert first.p.wait(timeout=10) == 7
        assert "replaced this one" in first.text()
        time.sleep(2)
        assert second.p.poll() is None  # no ping-pong: the new one stays
        assert len(re.findall(r"event=peer_joined .*mac=%s" % P1_MAC, lp.relay.text())) == 2


def test_revoked_player_stops_and_never_loops():
    with LanParty(players=1, closed=True) as lp:
        lp.start_relay()
        gw = lp.start_gateway()
        gw.wait_for("event=welcome")
        c = lp.start_client("p1", P1_MAC)
        c.wait_for("event=tap_up")
        gw.wait_for(r"event=status msg=\"players joined \(client\)\"")
        # the organiser revokes the players' invite while they play
        rooms = os.path.join(lp.logdir, "rooms.txt")
        sh(lpnet.RELAY, "invite", "revoke", "PARTY", "players", "--rooms", rooms)
        n = lp.relay.count()
        lp.relay.p.send_signal(signal.SIGHUP)
        assert c.p.wait(timeout=10) == 8
        assert "revoked this invite" in c.text()
        gw.wait_for(r"event=peer_left .*reason=revoked", 10)
        time.sleep(2)  # it does not come back
        assert "event=peer_joined" not in "\n".join(lp.relay.lines[n:])
        assert gw.p.poll() is None  # the gateway's invite still stands


def test_daemons_run_without_root_after_setup(party):
    """Started as root (the README's commands), the relay keeps nothing,
    the gateway only CAP_NET_RAW, the client only CAP_NET_ADMIN; each runs
    as `lanparty` under no_new_privs and its seccomp allow-list, and the
    party works (the other tests in this file run under the same)."""
    import pwd
    uid = str(pwd.getpwnam("lanparty").pw_uid)
    want = {"relay": 0, "gateway": 1 << 13, "p1": 1 << 12}  # NET_RAW, NET_ADMIN
    procs = {"relay": party.relay, "gateway": party.gateway,
             "p1": party.clients["p1"]}
    for name, proc in procs.items():
        proc.wait_for(r"event=privileges ", 10)
        st = proc_status(proc.p.pid)
        assert st["Uid"].split() == [uid] * 4, (name, st["Uid"])
        assert int(st["CapEff"], 16) == want[name], (name, st["CapEff"])
        assert int(st["CapPrm"], 16) == want[name], (name, st["CapPrm"])
        # nothing more can ever come back, not even through an exec
        assert int(st["CapBnd"], 16) == 0, (name, st["CapBnd"])
        assert st["NoNewPrivs"] == "1" and st["Seccomp"] == "2", name
    # and a player still reaches the LAN through all three
    party.clients["p1"].wait_for(r"got 198\.18\.0\.\d+ from the LAN's DHCP server", 15)
