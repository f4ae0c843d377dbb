"""Helpers for lanparty system tests: a real relay process and real QUIC
peers (lp-testpeer), both built by meson. Every wait is bounded."""

import json
import os
import queue
import re
import signal
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("LP_BUILD_DIR", os.path.join(ROOT, "build"))
RELAY = os.path.join(BUILD, "cmd", "lanparty-relay")
TESTPEER = os.path.join(BUILD, "tests", "tools", "lp-testpeer")


class Relay:
    """lanparty-relay with an ephemeral port: on 127.0.0.1, or on the
    wildcard `0/udp` form operators use (`PORT/udp`) when LP_RELAY_LISTEN
    says so; peers then reach it through 127.0.0.1 as v4-mapped addresses
    on its dual-stack socket."""

    count = 0

    def __init__(self, tmpdir, *args, log_level="debug", listen=None,
                 cert_args=None, test_ethertype=True):
        if listen is None:
            listen = os.environ.get("LP_RELAY_LISTEN", "127.0.0.1:0")
        Relay.count += 1
        self.cert = os.path.join(str(tmpdir), "relay-cert-%d.der" % Relay.count)
        self.host = "[::1]" if listen.startswith("[") else "127.0.0.1"
        self.lines = []
        self.lock = threading.Lock()
        self.reading = threading.Event()
        self.reading.set()
        if cert_args is None:
            cert_args = ["--dev-cert-der-out", self.cert]
        # Forwarding tests send arbitrary payloads in the IEEE local
        # experimental ethertype; clients may send only IPv4, ARP and IPv6
        # unless the operator allows more (--allow-ethertype). The
        # allow-list itself is tested with test_ethertype=False.
        extra = ["--allow-ethertype", "88b5"] if test_ethertype else []
        cmd = [RELAY, "--listen", listen, "--log-level", log_level] + cert_args + extra + list(args)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.port = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 10
        while self.port is None:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("relay did not start: %s" % self.log())
            with self.lock:
                for line in self.lines:
                    m = re.search(r"event=listening addr=\S*:(\d+) ", line)
                    if m:
                        self.port = int(m.group(1))
            time.sleep(0.01)

    def _read(self):
        for line in self.proc.stderr:
            self.reading.wait()
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def pause_log(self, paused=True):
        """Stop reading the relay's stderr (a stalled log reader: the pipe
        fills), or read again."""
        if paused:
            self.reading.clear()
        else:
            self.reading.set()

    def log(self):
        with self.lock:
            return "\n".join(self.lines)

    def sync(self, timeout=5.0):
        """Wait until every line the relay logged before now has been read:
        SIGUSR1 makes it log a snapshot after them (lines come in order)."""
        if self.proc.poll() is not None or not self.reading.is_set():
            return
        with self.lock:
            before = sum(1 for l in self.lines if " event=snapshot " in l)
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if sum(1 for l in self.lines if " event=snapshot " in l) > before:
                    return
            time.sleep(0.01)

    def events(self, event, sync=True):
        """Parsed logfmt lines whose event= is `event`, after sync()."""
        out = []
        if sync:
            self.sync()
        with self.lock:
            lines = list(self.lines)
        for line in lines:
            if (" event=%s " % event) in line + " ":
                out.append(parse_logfmt(line))
        return out

    def wait_log(self, pattern, timeout=5.0):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while time.monotonic() < deadline:
            with self.lock:
                for line in self.lines:
                    if rx.search(line):
                        return line
            time.sleep(0.02)
        raise AssertionError("relay log has no %r:\n%s" % (pattern, self.log()[-4000:]))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def parse_logfmt(line):
    out = {}
    for m in re.finditer(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)', line):
        v = m.group(2)
        if v.startswith('"'):
            v = v[1:-1]
        out[m.group(1)] = v
    return out


class Peer:
    """One lp-testpeer process: commands on stdin, JSON events on stdout."""

    def __init__(self, relay, *extra, pin=None, wait_ready=True):
        cmd = [TESTPEER, "--relay", "%s:%d" % (relay.host, relay.port),
               "--pin", pin or relay.cert] + list(extra)
        if not wait_ready:
            cmd.append("--no-wait")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     bufsize=1)
        self.q = queue.Queue()
        self.seen = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if wait_ready:
            self.ready = self.expect(lambda e: e["ev"] == "ready", 10)

    def _read(self):
        for line in self.proc.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                ev = {"ev": "unparsed", "line": line}
            ev["t"] = time.monotonic()
            self.q.put(ev)
        self.q.put({"ev": "eof", "t": time.monotonic()})

    def cmd(self, line):
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def expect(self, pred, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out; events seen: %s" % self.seen[-30:])
            try:
                ev = self.q.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(ev)
            if pred(ev):
                return ev
            if ev["ev"] == "eof":
                raise AssertionError("peer exited; events seen: %s" % self.seen[-30:])

    def ctrl(self, mtype, timeout=5.0):
        return self.expect(lambda e: e["ev"] == "ctrl" and e["body"].get("type") == mtype,
                           timeout)["body"]

    def closed(self, timeout=8.0):
        return self.expect(lambda e: e["ev"] == "closed", timeout)

    def drain(self, wait=0.3):
        """Every event that arrives within `wait` seconds."""
        out = []
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return out
            try:
                ev = self.q.get(timeout=left)
            except queue.Empty:
                return out
            self.seen.append(ev)
            out.append(ev)

    def dgrams(self, wait=0.5):
        return [e for e in self.drain(wait) if e["ev"] == "dgram"]

    def before_marker(self, sender, marker, timeout=5.0):
        """Absence checks that cannot pass by being early: `sender` sends
        the frame `marker` (bytes, one this peer must receive), after what
        must not arrive; returns the datagrams this peer got before the
        marker."""
        sender.cmd("frame " + marker.hex())
        got = []
        while True:
            ev = self.expect(lambda e: e["ev"] == "dgram", timeout)
            if ev["hex"].endswith(marker.hex()):
                return got
            got.append(ev)

    def seen_welcome(self):
        """The welcome this peer received (already seen)."""
        for e in self.seen:
            if e["ev"] == "ctrl" and e["body"].get("type") == "welcome":
                return e["body"]
        raise AssertionError("no welcome seen")

    def join(self, role, room, mac, budget=None, extra=""):
        """hello, then its welcome. extra: "auth=T resume=B64 frag"."""
        self.hello(role, room, mac, budget, extra)
        return self.ctrl("welcome")

    def hello(self, role, room, mac, budget=None, extra=""):
        self.cmd("hello %s %s %s%s%s" % (role, room, mac,
                                        "" if budget is None else " %d" % budget,
                                        " " + extra if extra else ""))

    def stop(self):
        if self.proc.poll() is None:
            self.cmd("quit")
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def proc_status(pid):
    """/proc/PID/status as a dict (Uid, CapEff, NoNewPrivs, Seccomp...)."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def frame(dst, src, ethertype, payload=b""):
    body = mac_bytes(dst) + mac_bytes(src) + ethertype.to_bytes(2, "big") + payload
    return body


def hexs(b):
    return b.hex()
