"""Faults a LAN party must survive, end to end in network
namespaces with the real relay (on the README's wildcard `PORT/udp`
listener unless LP_RELAY_LISTEN=addr), gateway and Linux client: a LAN
link that blips, a re-plugged LAN NIC, a relay killed with SIGKILL and
restarted, and a lossy, slow Internet path. Each prints the figure it
measured (run pytest with -s to see them)."""

import os
import re
import signal
import subprocess
import time

import pytest

from lpnet import LAN_HOST, LanParty, sh

P1_MAC = "02:00:00:00:01:01"

# The LAN host's side of a TCP transfer: SHA-256 of everything received,
# sent back when the sender closes its half.
TCP_SINK = """
import hashlib, socket, sys
s = socket.socket(); s.bind((sys.argv[1], 5201)); s.listen(1)
print("listening", flush=True)
c, _ = s.accept(); c.settimeout(170); h = hashlib.sha256()
while True:
    d = c.recv(65536)
    if not d:
        break
    h.update(d)
c.sendall(h.hexdigest().encode()); c.close()
"""

# The player's side: N random bytes, then prints their SHA-256 and the
# server's.
TCP_SOURCE = """
import hashlib, os, socket, sys
data = os.urandom(int(sys.argv[2]))
c = socket.create_connection((sys.argv[1], 5201), timeout=170)
c.sendall(data); c.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = c.recv(128)
    if not d:
        break
    got += d
print(hashlib.sha256(data).hexdigest(), got.decode())
"""

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for namespaces")


def party_of_one(lp, client_args=()):
    lp.start_dnsmasq()
    lp.start_relay()
    gw = lp.start_gateway()
    gw.wait_for("event=welcome")
    c = lp.start_client("p1", P1_MAC, extra=list(client_args))
    c.wait_for("event=tap_up")
    lp.dhcp("p1")
    return gw, c


def ping_ok(lp, count=1, wait=1):
    out = sh("ping", "-c", str(count), "-W", str(wait), LAN_HOST, ns=lp.ns["p1"], check=False)
    return " 0% packet loss" in out


def wait_ping(lp, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ping_ok(lp):
            return time.monotonic()
    raise AssertionError("no ping through the tunnel within %ss" % timeout)


def test_gateway_waits_out_a_lan_link_blip():
    with LanParty(players=1, closed=True) as lp:
        gw, c = party_of_one(lp)
        n_gw = gw.count()
        n_relay = lp.relay.count()
        ns = lp.ns["gw"]
        sh("ip", "link", "set", "lan0", "down", ns=ns)
        time.sleep(0.5)
        sh("ip", "link", "set", "lan0", "up", ns=ns)
        gw.wait_for("event=lan_link_down", 5, start=n_gw)
        gw.wait_for(r"event=lan_link_up .*interface=lan0", 10, start=n_gw)
        assert gw.p.poll() is None, gw.text()[-2000:]
        wait_ping(lp, 10)
        # the room kept its gateway the whole time
        assert not re.search(r"event=peer_left .*role=gateway",
                             "\n".join(lp.relay.lines[n_relay:]))


def test_gateway_reopens_a_replugged_lan_nic():
    with LanParty(players=1) as lp:
        gw, c = party_of_one(lp)
        n_gw = gw.count()
        ns, lan = lp.ns["gw"], lp.ns["lan"]
        old = sh("cat", "/sys/class/net/lan0/ifindex", ns=ns).strip()
        # the USB NIC goes away and comes back: a new device, a new index
        sh("ip", "link", "del", "lan0", ns=ns)
        time.sleep(0.5)
        sh("ip", "link", "add", "lan0", "netns", ns, "type", "veth",
           "peer", "name", "gwport", "netns", lan)
        sh("ip", "link", "set", "gwport", "master", "br-lan", ns=lan)
        sh("ip", "link", "set", "gwport", "up", ns=lan)
        sh("ip", "link", "set", "lan0", "up", ns=ns)
        new = sh("cat", "/sys/class/net/lan0/ifindex", ns=ns).strip()
        assert new != old
        gw.wait_for("event=lan_link_down", 5, start=n_gw)
        gw.wait_for(r"event=lan_rebound .*index %s" % new, 10, start=n_gw)
        gw.wait_for("event=lan_link_up", 10, start=n_gw)
        assert gw.p.poll() is None
        wait_ping(lp, 10)


def test_relay_sigkill_restart_recovers_within_3s():
    with LanParty(players=1, closed=True) as lp:
        gw, c = party_of_one(lp)
        assert ping_ok(lp, 2)
        port = lp.relay_port
        # mid-game: traffic both ways (the player's inputs to the server on
        # the LAN, the server's updates to the player) while the relay dies
        player = lp.dhcp("p1")
        game = [subprocess.Popen(["ip", "netns", "exec", ns, "ping", "-i", "0.05",
                                  "-c", "400", "-W", "1", dst],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for ns, dst in ((lp.ns["p1"], LAN_HOST), (lp.ns["lan"], player))]
        try:
            time.sleep(0.5)
            n_gw, n_c = gw.count(), c.count()
            assert lp.relay.stop(sig=signal.SIGKILL) == -signal.SIGKILL
            lp.procs.remove(lp.relay)
            time.sleep(0.5)
            lp.start_relay(port=port)
            t0 = time.monotonic()
            gw.wait_for("event=welcome", 10, start=n_gw)
            t_gw = time.monotonic() - t0
            c.wait_for("event=welcome", 10, start=n_c)
            t_c = time.monotonic() - t0
            t_ping = wait_ping(lp, 10) - t0
        finally:
            for g in game:
                g.kill()
                g.wait()
        print("\nrelay SIGKILL + restart: gateway back %.2f s, player back %.2f s, "
              "first ping through %.2f s after the restart" % (t_gw, t_c, t_ping))
        # neither endpoint was restarted: same processes, same TAP
        assert gw.p.poll() is None and c.p.poll() is None
        assert t_ping < 3.0, "traffic resumed %.2f s after the restart" % t_ping


def test_tcp_transfer_over_a_lossy_slow_internet():
    with LanParty(players=1) as lp:
        lp.start_dnsmasq()
        lp.start_relay()
        # 5% loss and 50 ms +- 10 ms each way on every endpoint's path
        lp.start_impairment(loss=0.05, delay_ms=50, jitter_ms=10)
        gw = lp.start_gateway()
        gw.wait_for("event=welcome", 20)
        c = lp.start_client("p1", P1_MAC)
        c.wait_for("event=tap_up", 20)
        lp.dhcp("p1", timeout=60)
        n_relay = lp.relay.count()
        # a 2 MiB download-sized TCP transfer, player -> LAN host, checked
        # byte for byte: the server answers with the SHA-256 of what it got
        size = 2 * 1024 * 1024
        server = subprocess.Popen(
            ["ip", "netns", "exec", lp.ns["lan"], "/usr/bin/python3", "-c", TCP_SINK, LAN_HOST],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert server.stdout.readline().startswith("listening")
            t0 = time.monotonic()
            out = sh("/usr/bin/python3", "-c", TCP_SOURCE, LAN_HOST, str(size),
                     ns=lp.ns["p1"], timeout=170)
            took = time.monotonic() - t0
        finally:
            server.kill()
            server.wait()
        sent_hash, got = out.split()[0], out.split()[1]
        rtt = sh("ping", "-c", "10", "-i", "0.2", "-W", "2", LAN_HOST, ns=lp.ns["p1"], check=False)
        m = re.search(r"rtt min/avg/max/mdev = [\d.]+/([\d.]+)/", rtt)
        print("\nlossy path (5%% loss, 50+-10 ms each way on every endpoint's path): "
              "TCP player->LAN %d bytes in %.1f s (%.2f Mbit/s), ping avg %s ms" % (
                  size, took, size * 8 / took / 1e6, m.group(1) if m else "?"))
        assert got == sent_hash, "the LAN host received other bytes than were sent"
        # the room stayed intact: nobody left, nobody was replaced
        assert "event=peer_left" not in "\n".join(lp.relay.lines[n_relay:])
        assert gw.p.poll() is None and c.p.poll() is None
