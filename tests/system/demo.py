"""The demo: a whole LAN party in network namespaces, narrated.

A LAN (a Linux bridge) with a host running dnsmasq, a gateway wired into
it, a relay on the "internet", and two remote players who join through the
relay, get addresses from the LAN's DHCP server, reach the LAN host, see
its broadcasts and find each other. The relay's dashboard (issue 15) is
forwarded to http://127.0.0.1:8080/ on this host (LP_DEMO_ADMIN_PORT; its
URL and token are printed); with --keep the party stays up until Enter is
pressed, for the organiser to look at it. Everything is removed at the
end."""

import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lpadmin  # noqa: E402
import lpnet  # noqa: E402
from lpnet import LAN_HOST, LanParty, sh  # noqa: E402


def say(msg):
    print("==> " + msg, flush=True)


def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def forward_admin(nsx, port, env="LP_DEMO_ADMIN_PORT", default=8080):
    """Forwards 127.0.0.1:$env (default, or any free port) on this host to
    an admin listener inside a namespace: each upstream socket is opened
    on the namespace's thread and keeps it."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        ls.bind(("127.0.0.1", int(os.environ.get(env, str(default)))))
    except OSError:
        ls.bind(("127.0.0.1", 0))
    ls.listen(16)

    def serve():
        while True:
            try:
                c, _ = ls.accept()
                up = nsx(socket.create_connection, ("127.0.0.1", port), 5)
            except (OSError, RuntimeError):
                continue
            for a, b in ((c, up), (up, c)):
                threading.Thread(target=pump, args=(a, b), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return ls.getsockname()[1]


def main():
    keep = "--keep" in sys.argv[1:]
    with LanParty(players=2, closed=True,
                  relay_args=["--admin-listen", "127.0.0.1:0"]) as lp:
        say("LAN: a switch (Linux bridge) with a LAN host %s running dnsmasq "
            "(DHCP 198.18.0.100-200, IPv6 router advertisements)" % LAN_HOST)
        lp.start_dnsmasq()
        lp.start_relay()
        say("relay listening on %s/udp (QUIC, ALPN lanparty/1, development certificate), "
            "closed: it admits only the rooms and invites in its room list" % lp.relay_port)
        url, token = lpadmin.admin_of(lp.relay.wait_for("event=admin_listening"))
        nsx = lpadmin.NsExecutor(lp.ns["relay"])
        hport = forward_admin(nsx, int(url.rsplit(":", 1)[1].strip("/")))
        dash = "http://127.0.0.1:%d/" % hport
        say("organiser's dashboard (the relay's --admin-listen, forwarded to this host): "
            "%s#token=%s" % (dash, token))
        say("  admin token: %s   (API: curl -H 'Authorization: Bearer %s' %sapi/v1/status; "
            "Prometheus: %smetrics)" % (token, token, dash, dash))
        say("organiser: `lanparty-relay room create PARTY` made two invite links "
            "(the tokens are hashed in the room list), then SIGHUP:")
        for who in ("gateway", "player"):
            say("  %s link: %s" % (who, re.sub(r"auth=[^&]+", "auth=<secret>", lp.links[who])))
        gw = lp.start_gateway(extra=["--admin-listen", "127.0.0.1:0"])
        line = gw.wait_for("event=welcome")
        say("gateway wired into the LAN switch joined room PARTY with its link: " +
            re.search(r"peer_id=\d+ effective_mtu=\d+", line).group(0))
        gurl, gtoken = lpadmin.admin_of(gw.wait_for("event=admin_listening"))
        gport = forward_admin(lpadmin.NsExecutor(lp.ns["gw"]),
                              int(gurl.rsplit(":", 1)[1].strip("/")),
                              "LP_DEMO_GW_ADMIN_PORT", 8081)
        say("gateway's own view (its --admin-listen, forwarded): "
            "http://127.0.0.1:%d/#token=%s" % (gport, gtoken))
        for p, mac in (("p1", "02:00:00:00:01:01"), ("p2", "02:00:00:00:01:02")):
            c = lp.start_client(p, mac)
            c.wait_for("event=tap_up")
            say("player %s joined over the relay with the players' link: TAP lp0 is up "
                "with MAC %s" % (p[1], mac))
            ip = lp.dhcp(p)
            say("player %s got %s from the LAN's DHCP server (dnsmasq)" % (p[1], ip))
            lp.__dict__.setdefault("leases", {})[p] = ip
        # a stranger who knows the room's name but has no invite
        p = subprocess.run(["ip", "netns", "exec", lp.ns["p2"], lpnet.CLIENT, "--relay",
                            lp.relay_addr(), "--relay-ca-cert",
                            os.path.join(lp.logdir, "relay-cert.der"), "--room", "PARTY",
                            "--check-relay", "--identity", os.path.join(lp.logdir, "stranger.json")],
                           capture_output=True, text=True, timeout=20)
        say("a stranger without an invite is refused: exit %d, %s" % (
            p.returncode, "unauthorized" if "(unauthorized)" in p.stderr else p.stderr[-200:]))
        out = sh("ping", "-c", "3", "-i", "0.3", "-W", "2", LAN_HOST, ns=lp.ns["p1"])
        rtt = re.search(r"= ([\d.]+)/([\d.]+)/", out)
        say("player 1 reached the LAN host %s: ping avg %s ms, 0%% loss" % (LAN_HOST, rtt.group(2)))
        # a broadcast on the LAN, as a game server announces itself
        listen = subprocess.Popen(
            ["ip", "netns", "exec", lp.ns["p2"], "/usr/bin/python3", "-c",
             "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
             "s.bind(('0.0.0.0',27015))\ns.settimeout(8)\n"
             "d,a=s.recvfrom(2048)\nprint(d.decode(),a[0])"],
            stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)
        sh("/usr/bin/python3", "-c",
           "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
           "s.setsockopt(socket.SOL_SOCKET,socket.SO_BROADCAST,1)\ns.bind(('%s',0))\n"
           "[s.sendto(b'GAME SERVER: Deathmatch on %s:27015',('255.255.255.255',27015)) for i in range(3)]"
           % (LAN_HOST, LAN_HOST), ns=lp.ns["lan"])
        got = listen.communicate(timeout=12)[0].strip()
        say("broadcast seen by player 2: %r" % got)
        out = sh("ping", "-c", "2", "-W", "2", lp.leases["p2"], ns=lp.ns["p1"])
        say("player 1 and player 2 see each other on the LAN (%s -> %s): %s" % (
            lp.leases["p1"], lp.leases["p2"], "0% loss" if " 0% packet loss" in out else out))
        fdb = sh("bridge", "fdb", "show", "br", "br-lan", ns=lp.ns["lan"])
        n = len(re.findall(r"02:00:00:00:01:0[12] dev gwport", fdb))
        say("the LAN switch learned %d player MACs on the gateway's port" % n)
        doc = nsx(lpadmin.status, url, token)
        for p in lpadmin.peers(doc):
            addrs = ", ".join(a["addr"] for a in p["addresses"]["ipv4"]) or "-"
            say("  dashboard row: %-7s #%d %s %s lan=%s rtt=%s ms" % (
                p["role"], p["id"], p["label"], p["mac"], addrs,
                "%.1f" % p["rtt_ms"]["smoothed"] if p["rtt_ms"] else "-"))
        if keep:
            say("the party stays up: open %s#token=%s (press Enter to end it)" % (dash, token))
            try:
                input()
            except EOFError:
                pass
        nsx.close()
        say("cleaning up (players and gateway leave the room gracefully)")
    say("demo complete: every namespace removed")


if __name__ == "__main__":
    main()
