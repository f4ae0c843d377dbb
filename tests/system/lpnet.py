"""A whole LAN party in network namespaces, for the end-to-end tests and
the demo. Everything it creates is named with a per-run prefix and removed
by close(), even after failures. Addresses come from 198.18.0.0/15 and
2001:db8::/32 only.

    "internet" segment 198.18.100.0/24 (a bridge in the inet namespace)
        relay     198.18.100.1   (lanparty-relay)
        gateway   198.18.100.2   (lanparty-gateway; its wired port is a
                                  veth into the LAN bridge)
        player1   198.18.100.11  (lanparty-client, TAP lp0)
        player2   198.18.100.12
    the LAN 198.18.0.0/24 and 2001:db8:1::/64 (bridge br-lan in the lan
        namespace, which is also the LAN host: 198.18.0.1, dnsmasq for
        DHCPv4 and router advertisements, iperf3, test services)
"""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("LP_BUILD_DIR", os.path.join(ROOT, "build"))
RELAY = os.path.join(BUILD, "cmd", "lanparty-relay")
GATEWAY = os.path.join(BUILD, "cmd", "lanparty-gateway")
CLIENT = os.path.join(BUILD, "cmd", "lanparty-client")

LAN_HOST = "198.18.0.1"
RELAY_IP = "198.18.100.1"


def sh(*args, check=True, ns=None, timeout=30, capture=True):
    cmd = list(args)
    if ns is not None:
        cmd = ["ip", "netns", "exec", ns] + cmd
    p = subprocess.run(cmd, stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.STDOUT if capture else None,
                       text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stdout))
    return p.stdout if capture else ""


def iperf3_json(lan_ns, client_ns, server_ip, args, timeout=40):
    """One iperf3 run from client_ns to a one-off server on server_ip in
    lan_ns: the client starts once the server listens (a busy machine can
    take longer than any fixed sleep); the server is killed if the client
    failed (it would wait for ever). Returns the client's JSON, or
    {"error": ...} when the run failed or hung."""
    srv = subprocess.Popen(["ip", "netns", "exec", lan_ns, "iperf3", "-s", "-1", "-B",
                            server_ip], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and srv.poll() is None:
            if ":5201" in sh("ss", "-Hltn", ns=lan_ns, check=False):
                break
            time.sleep(0.1)
        try:
            out = sh("iperf3", "-c", server_ip, "-J", *args, ns=client_ns, timeout=timeout,
                     check=False)
            # iperf3 may warn on stderr first (1472-byte blocks over TCP)
            return json.loads(out[out.index("{"):]) if "{" in out else {"error": out}
        except (subprocess.TimeoutExpired, ValueError) as e:
            return {"error": str(e)}
    finally:
        try:
            srv.wait(timeout=10)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()


class Proc:
    """A background process inside a namespace, with its output kept."""

    def __init__(self, ns, args, name, logdir):
        self.name = name
        self.lines = []
        self.lock = threading.Lock()
        self.logpath = os.path.join(logdir, name + ".log")
        self.log = open(self.logpath, "w")
        cmd = ["ip", "netns", "exec", ns] + list(args)
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True,
                                  cwd=logdir)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            with self.lock:
                self.lines.append(line.rstrip("\n"))
            self.log.write(line)
            self.log.flush()

    def text(self):
        with self.lock:
            return "\n".join(self.lines)

    def wait_for(self, pattern, timeout=15.0, start=0):
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for line in self.lines[start:]:
                    if rx.search(line):
                        return line
            if self.p.poll() is not None:
                time.sleep(0.2)
                with self.lock:
                    for line in self.lines[start:]:
                        if rx.search(line):
                            return line
                raise AssertionError("%s exited (%s) before %r:\n%s" % (
                    self.name, self.p.returncode, pattern, self.text()[-3000:]))
            time.sleep(0.05)
        raise AssertionError("%s: no %r within %ss:\n%s" % (
            self.name, pattern, timeout, self.text()[-3000:]))

    def count(self):
        with self.lock:
            return len(self.lines)

    def stop(self, sig=signal.SIGTERM, timeout=8):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.t.join(timeout=2)
        self.log.close()
        return self.p.returncode


class LanParty:
    """closed=True runs the README's production flow: a closed relay with a
    room list, the organiser's `lanparty-relay room create`, SIGHUP, and
    the gateway and players joining with nothing but their invite links."""

    def __init__(self, players=2, relay_args=(), logdir=None, client_args=(),
                 closed=False):
        self.tag = "lp%d" % (os.getpid() % 100000)
        self.ns = {}
        self.procs = []
        self.logdir = logdir or tempfile.mkdtemp(prefix="lanparty-")
        # the daemons drop root (to `lanparty`) after setup: the relay
        # re-reads its room list from here on SIGHUP
        os.chmod(self.logdir, 0o711)
        self.players = ["p%d" % (i + 1) for i in range(players)]
        self.relay_args = list(relay_args)
        self.client_args = list(client_args)
        self.relay = self.gateway = None
        self.clients = {}
        self.dnsmasq = None
        self.relay_port = None
        self.impair_port = None
        self.impair = None
        self.closed = closed
        self.links = {}

    # ------------------------------------------------------------ topology
    def n(self, role):
        return "%s-%s" % (self.tag, role)

    def build(self):
        self.cleanup_stale()
        for role in ["inet", "lan", "relay", "gw"] + self.players:
            name = self.n(role)
            sh("ip", "netns", "add", name)
            self.ns[role] = name
            sh("ip", "link", "set", "lo", "up", ns=name)
        inet, lan = self.ns["inet"], self.ns["lan"]
        sh("ip", "link", "add", "inet0", "type", "bridge", ns=inet)
        sh("ip", "link", "set", "inet0", "up", ns=inet)
        sh("ip", "link", "add", "br-lan", "type", "bridge", ns=lan)
        # a switch learns quickly and ages addresses like real ones do
        sh("ip", "link", "set", "br-lan", "type", "bridge", "ageing_time", "30000", ns=lan)
        sh("ip", "addr", "add", LAN_HOST + "/24", "dev", "br-lan", ns=lan)
        sh("ip", "addr", "add", "2001:db8:1::1/64", "dev", "br-lan", "nodad", ns=lan)
        sh("ip", "link", "set", "br-lan", "up", ns=lan)
        hosts = [("relay", RELAY_IP)] + [("gw", "198.18.100.2")] + [
            (p, "198.18.100.%d" % (11 + i)) for i, p in enumerate(self.players)]
        for role, ip in hosts:
            self._veth(role, "inet", "inet0", ip + "/24")
        # the gateway's wired port, plugged into the LAN switch
        sh("ip", "link", "add", "lan0", "netns", self.ns["gw"], "type", "veth",
           "peer", "name", "gwport", "netns", lan)
        sh("ip", "link", "set", "gwport", "master", "br-lan", ns=lan)
        sh("ip", "link", "set", "gwport", "up", ns=lan)
        sh("ip", "link", "set", "lan0", "up", ns=self.ns["gw"])
        for p in self.players:
            # players take router advertisements on their TAP
            sh("sysctl", "-qw", "net.ipv6.conf.default.accept_ra=2", ns=self.ns[p])
        self._wait_carrier(self.ns["gw"], "lan0")

    def _veth(self, role, seg_role, bridge, cidr):
        a, b = "%s-%s" % (role, "up"), "%s-%s" % (role, "port")
        sh("ip", "link", "add", "eth0", "netns", self.ns[role], "type", "veth",
           "peer", "name", b, "netns", self.ns[seg_role])
        sh("ip", "link", "set", b, "master", bridge, ns=self.ns[seg_role])
        sh("ip", "link", "set", b, "up", ns=self.ns[seg_role])
        sh("ip", "addr", "add", cidr, "dev", "eth0", ns=self.ns[role])
        sh("ip", "link", "set", "eth0", "up", ns=self.ns[role])
        del a

    def _wait_carrier(self, ns, dev, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sh("cat", "/sys/class/net/%s/carrier" % dev, ns=ns, check=False).strip() == "1":
                return
            time.sleep(0.05)

    def cleanup_stale(self):
        out = sh("ip", "netns", "list", check=False)
        for line in out.splitlines():
            name = line.split()[0] if line.strip() else ""
            if name.startswith(self.tag + "-"):
                sh("ip", "netns", "del", name, check=False)

    # ------------------------------------------------------------ services
    def start_dnsmasq(self):
        lease = os.path.join(self.logdir, "dnsmasq.leases")
        self.dnsmasq = Proc(self.ns["lan"], [
            "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0",
            "--interface=br-lan", "--bind-interfaces", "--no-resolv", "--no-hosts",
            "--dhcp-range=198.18.0.100,198.18.0.200,255.255.255.0,10m",
            "--dhcp-range=2001:db8:1::,ra-only,64", "--enable-ra",
            "--dhcp-leasefile=" + lease, "--dhcp-authoritative",
            "--pid-file=" + os.path.join(self.logdir, "dnsmasq.pid"),
            "--log-dhcp", "--user=root"], "dnsmasq", self.logdir)
        self.procs.append(self.dnsmasq)
        self.dnsmasq.wait_for("DHCP, IP range|started", 10)

    def relay_listen(self, port):
        """The README's production form `PORT/udp` (a dual-stack wildcard
        socket) unless LP_RELAY_LISTEN=addr asks for 198.18.100.1:PORT."""
        if os.environ.get("LP_RELAY_LISTEN", "wildcard") == "addr":
            return "%s:%d" % (RELAY_IP, port)
        return "%d/udp" % port

    def start_relay(self, port=0, log_level="info"):
        pem = os.path.join(self.logdir, "relay-cert.pem")
        key = os.path.join(self.logdir, "relay-key.pem")
        rooms = os.path.join(self.logdir, "rooms.txt")
        if self.closed and not os.path.exists(pem):
            # the relay's identity first: links pin its public key
            p = subprocess.Popen([RELAY, "--listen", "127.0.0.1:0", "--dev-cert-pem-out", pem,
                                  "--dev-key-pem-out", key, "--dev-cert-der-out",
                                  os.path.join(self.logdir, "relay-cert.der")],
                                 stderr=subprocess.PIPE, text=True)
            for line in p.stderr:
                if "event=listening" in line:
                    break
            p.terminate()
            p.wait()
        if self.closed and not os.path.exists(rooms):
            with open(rooms, "w") as f:
                f.write("lanparty-rooms 1\n")
            os.chmod(rooms, 0o600)
        if os.path.exists(pem):
            # a restart keeps the relay's identity, so pins stay valid
            cert_args = ["--cert", pem, "--key", key]
        else:
            cert_args = ["--dev-cert-der-out", os.path.join(self.logdir, "relay-cert.der"),
                         "--dev-cert-pem-out", pem, "--dev-key-pem-out", key]
        if self.closed:
            cert_args = cert_args + ["--rooms", rooms]
        self.relay = Proc(self.ns["relay"], [
            RELAY, "--listen", self.relay_listen(port), "--log-level", log_level] +
            cert_args + self.relay_args, "relay", self.logdir)
        self.procs.append(self.relay)
        line = self.relay.wait_for(r"event=listening addr=\S+:(\d+) ")
        self.relay_port = int(re.search(r":(\d+) ", line + " ").group(1))
        if self.closed and not self.links:
            # the organiser: a room, its two links, and SIGHUP
            out = sh(RELAY, "room", "create", "PARTY", "--rooms", rooms,
                     "--public", "%s:%d" % (RELAY_IP, self.relay_port),
                     "--cert", pem, "--key", key)
            for who, link in re.findall(r"(gateway|player) invite '[^']+' for room PARTY:\n  (\S+)",
                                        out):
                self.links[who] = link
            n = self.relay.count()
            self.relay.p.send_signal(signal.SIGHUP)
            self.relay.wait_for("event=reload", 10, start=n)
        return self.relay

    def endpoint_args(self, who):
        """How an endpoint names the relay and the room: the invite link
        (closed), or --relay, the pinned certificate and --room (open)."""
        if self.closed:
            return [self.links[who]]
        return ["--relay", self.relay_addr(), "--relay-ca-cert",
                os.path.join(self.logdir, "relay-cert.der"), "--room", "PARTY"]

    def relay_addr(self):
        if self.impair_port is not None:
            return "%s:%d" % (RELAY_IP, self.impair_port)
        return "%s:%d" % (RELAY_IP, self.relay_port)

    def start_impairment(self, loss=0.05, delay_ms=50, jitter_ms=10):
        """Endpoints started after this reach the relay through a lossy,
        slow path (udp_impair.py: netem's loss/delay/jitter in user space,
        since this kernel may lack sch_netem), in both directions."""
        tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "udp_impair.py")
        self.impair = Proc(self.ns["relay"], [
            "/usr/bin/python3", tool, RELAY_IP, "0", RELAY_IP, str(self.relay_port),
            str(loss), str(delay_ms), str(jitter_ms)], "impair", self.logdir)
        self.procs.append(self.impair)
        line = self.impair.wait_for(r"^ready (\d+)", 10)
        self.impair_port = int(line.split()[1])
        return self.impair

    def start_gateway(self, iface="lan0", extra=()):
        self.gateway = Proc(self.ns["gw"], [GATEWAY] + self.endpoint_args("gateway") + [
            "--interface", iface, "--cam-refresh-interval", "5"] + list(extra),
            "gateway", self.logdir)
        self.procs.append(self.gateway)
        return self.gateway

    def start_client(self, player, mac, extra=()):
        pdir = os.path.join(self.logdir, player)
        os.makedirs(pdir, exist_ok=True)
        c = Proc(self.ns[player], [CLIENT] + self.endpoint_args("player") + [
            "--virtual-mac", mac, "--tap-name", "lp0",
            "--identity", os.path.join(pdir, "identity.json")] + self.client_args + list(extra),
            player + "-client", self.logdir)
        self.procs.append(c)
        self.clients[player] = c
        return c

    def dhcp(self, player, timeout=20):
        """udhcpc on the player's TAP; returns the leased address."""
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "udhcpc-script.sh")
        out = sh("udhcpc", "-i", "lp0", "-n", "-q", "-f", "-t", "8", "-T", "1",
                 "-s", script, ns=self.ns[player], timeout=timeout)
        m = re.search(r"lease of (\S+) obtained|leased (\S+)", out)
        addr = sh("ip", "-4", "-o", "addr", "show", "dev", "lp0", ns=self.ns[player])
        m = re.search(r"inet (198\.18\.0\.\d+)/", addr)
        if not m:
            raise AssertionError("no lease on %s: %s\n%s" % (player, out, addr))
        return m.group(1)

    def close(self):
        for p in reversed(self.procs):
            try:
                p.stop(timeout=4)
            except Exception:
                pass
        for name in list(self.ns.values()):
            sh("ip", "netns", "del", name, check=False)
        self.ns = {}

    def __enter__(self):
        try:
            self.build()
        except Exception:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        if os.environ.get("LP_KEEP_LOGS") is None and exc[0] is None:
            shutil.rmtree(self.logdir, ignore_errors=True)
