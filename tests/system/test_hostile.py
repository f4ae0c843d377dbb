"""One attacker must not hurt other rooms (issue: hostile load).

The real relay with its default flags; the attack comes from lp-loadgen
(real QUIC connections) spread over several loopback addresses, the
healthy room is a pair of lp-testpeers. Each test measures the healthy
room with and without the attack and asserts what players would notice:
frames delivered and their latency."""

import os
import re
import signal
import statistics
import subprocess
import time

import pytest

from lpharness import BUILD, frame, hexs, proc_status

LOADGEN = os.path.join(BUILD, "bench", "lp-loadgen")
A = "02:00:00:00:00:a1"
B = "02:00:00:00:00:b2"


def healthy_pair(lp, relay, room="HEALTHY"):
    a = lp.peer(relay)
    a.join("client", room, A)
    b = lp.peer(relay)
    b.join("client", room, B)
    a.ctrl("peer_joined")
    b.cmd("quiet")
    return a, b


def measure(a, b, n, pace=0.004):
    """Send n unicast frames a -> b, one every `pace` seconds; return
    (delivered, median latency in ms), the latency measured one frame at a
    time on a sample (a frame sent, then waited for)."""
    b.cmd("count")
    base = b.expect(lambda e: e["ev"] == "count")["dgrams"]
    payload = b"\x45" + bytes(200)
    for i in range(n):
        a.cmd("frame " + hexs(frame(B, A, 0x88B5, payload + i.to_bytes(4, "big"))))
        time.sleep(pace)
    # everything in flight arrives within a second
    deadline = time.monotonic() + 3
    got = 0
    while time.monotonic() < deadline:
        b.cmd("count")
        got = b.expect(lambda e: e["ev"] == "count")["dgrams"] - base
        if got >= n:
            break
        time.sleep(0.2)
    return got


def latency(a, b, n=40):
    """Median one-way-ish latency (ms) of n frames sent one at a time:
    command to a, datagram event at b (both through pipes: the same
    overhead with and without the attack)."""
    b.cmd("loud")
    lat = []
    for i in range(n):
        t0 = time.monotonic()
        a.cmd("frame " + hexs(frame(B, A, 0x88B5, b"\x99" + i.to_bytes(4, "big"))))
        try:
            ev = b.expect(lambda e: e["ev"] == "dgram", 2.0)
            lat.append((ev["t"] - t0) * 1000)
        except AssertionError:
            lat.append(2000.0)
    b.cmd("quiet")
    b.drain(0.2)
    return statistics.median(lat)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


class Attack:
    """lp-loadgen --mode attack: pairs of rooms with a receiver that
    stops acknowledging and a sender flooding it."""

    def __init__(self, relay, pairs, binds):
        self.proc = subprocess.Popen(
            [LOADGEN, "--relay", "%s:%d" % (relay.host, relay.port),
             "--pin", relay.cert, "--mode", "attack", "--pairs", str(pairs),
             "--bind", ",".join(binds), "--size", "1000"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if '"mode":"attack"' not in line:
            self.proc.kill()
            raise AssertionError("attack did not start: %r %s" %
                                 (line, self.proc.stderr.read()))

    def stop(self):
        try:
            self.proc.stdin.close()
            out = self.proc.stdout.read()
            self.proc.wait(timeout=10)
        except (subprocess.TimeoutExpired, BrokenPipeError):
            self.proc.kill()
            self.proc.wait()
            return {}
        m = re.search(r'"sent":(\d+)', out)
        return {"sent": int(m.group(1)) if m else 0}


@pytest.fixture
def attacks():
    live = []
    yield live
    for a in live:
        if a.proc.poll() is None:
            a.proc.kill()
            a.proc.wait()


def snapshot(relay, key):
    relay.signal(signal.SIGUSR1)
    line = relay.wait_log(r"event=snapshot .*%s=" % key)
    return int(re.search(r"%s=(\d+)" % key, line).group(1))


def test_stuck_receivers_do_not_starve_other_rooms(lp, attacks):
    """67 receivers that never acknowledge, in rooms of their own, flooded
    with unicast from three addresses: the healthy room keeps >= 99% of
    its frames and its latency within 2x (plus 2 ms of timer noise), the
    relay's memory stays bounded, and the dropped frames are counted."""
    relay = lp.relay(log_level="info")
    a, b = healthy_pair(lp, relay)
    base_lat = latency(a, b)
    assert measure(a, b, 200) == 200
    rss0 = rss_kib(relay.proc.pid)

    atk = Attack(relay, 67, ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
    attacks.append(atk)
    time.sleep(4)  # the original attack emptied the pool within 4 s
    got = measure(a, b, 400)
    att_lat = latency(a, b)
    rss1 = rss_kib(relay.proc.pid)
    pool_free = snapshot(relay, "pool_free")
    counters = relay.wait_log(r"event=relay_counters ")
    res = atk.stop()
    print("healthy room: %d/400 frames under attack, latency %.2f ms -> "
          "%.2f ms; relay RSS %d -> %d KiB; attack sent %s datagrams" %
          (got, base_lat, att_lat, rss0, rss1, res.get("sent")))
    # >= 99%; a sanitized relay is several times slower and saturates its
    # core under the attack, so there only the starvation itself counts
    # (before the fix: 1 to 5 of 400)
    need = 300 if os.environ.get("LP_SANITIZED") else 396
    assert got >= need, "healthy room delivered %d of 400 under attack" % got
    if not os.environ.get("LP_SANITIZED"):
        # (a sanitized relay is several times slower: delivery still
        # counts, latency does not)
        assert att_lat <= 2 * base_lat + 2.0, (base_lat, att_lat)
    # the frame pool is allocated up front: the attack adds no more than
    # its 134 connections' state
    assert rss1 - rss0 < 64 * 1024, (rss0, rss1)
    assert pool_free > 0  # buffers left for everyone else
    # what the stuck receivers could not take was dropped, and counted
    assert re.search(r"drop_(stale|queue_full)=[1-9]", counters), counters


def test_first_message_over_4096_bytes_is_refused_before_allocation(lp):
    """Spec 2: a hello is at most 4096 bytes; the relay refuses a longer
    pre-welcome frame from its length alone (the body never comes)."""
    relay = lp.relay()
    p = lp.peer(relay)
    p.cmd("raw " + hexs((65536).to_bytes(4, "big")))
    rej = p.ctrl("reject")
    assert rej["reason"] == "bad_hello"
    assert "65536 exceeds 4096" in rej["message"], rej
    # 4096 itself is fine as far as the length goes (then it must be a
    # hello: this one is not JSON)
    q = lp.peer(relay)
    q.cmd("raw " + hexs((4096).to_bytes(4, "big") + b"x" * 4096))
    rej = q.ctrl("reject")
    assert rej["reason"] == "bad_hello" and "exceeds" not in rej["message"]


def test_stalled_log_reader_never_stalls_forwarding(lp):
    """Debug logging writes a line per frame; when whoever reads the
    relay's stderr stops, the relay keeps forwarding (lines are dropped
    and counted, never waited for), and says how many it lost."""
    relay = lp.relay(log_level="debug")
    a, b = healthy_pair(lp, relay)
    relay.pause_log()
    # far more log than the pipe (64 KiB) and the relay's buffer (1 MiB)
    # hold: 8000 lines of ~300 bytes
    got = measure(a, b, 8000, pace=0.0003)
    assert got == 8000, "forwarded %d of 8000 with a stalled log" % got
    relay.pause_log(False)
    line = relay.wait_log(r"event=log_dropped lines=[1-9]", timeout=10)
    assert line


def test_relay_runs_without_root_after_setup(lp):
    """Started as root with the README's flags, the relay binds, then runs
    as `lanparty` with no capability, no_new_privs and its seccomp list."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    relay = lp.relay()
    line = relay.wait_log(r"event=privileges ")
    st = proc_status(relay.proc.pid)
    import pwd
    uid = pwd.getpwnam("lanparty").pw_uid
    assert st["Uid"].split() == [str(uid)] * 4, st["Uid"]
    assert st["Gid"].split()[0] != "0"
    assert int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0
    assert int(st["CapBnd"], 16) == 0
    assert st["NoNewPrivs"] == "1"
    if not os.environ.get("LP_SANITIZED"):
        # (an AddressSanitizer build installs no filter: its runtime makes
        # system calls of its own; lp_priv_seccomp_enforced)
        assert st["Seccomp"] == "2"  # filter mode
    assert "uid=%d" % uid in line
    # and it still does its job
    a, b = healthy_pair(lp, relay)
    assert measure(a, b, 20) == 20


def test_one_address_cannot_fill_a_room(lp):
    """Per-prefix quota in a room (16 by default): the 17th player from one
    address is turned away, one from another address still gets in."""
    relay = lp.relay("--room-max-per-ip", "4")
    peers = []
    for i in range(4):
        p = lp.peer(relay)
        p.join("client", "PARTY", "02:00:00:00:01:%02x" % i)
        peers.append(p)
    p = lp.peer(relay)
    p.hello("client", "PARTY", "02:00:00:00:01:99")
    rej = p.ctrl("reject")
    assert rej["reason"] == "room_full" and "your address" in rej["message"], rej
    # the same address may still join another room, and another address
    # this one
    q = lp.peer(relay)
    q.join("client", "OTHER", "02:00:00:00:01:98")
    r = lp.peer(relay, "--bind", "127.0.0.2")
    r.join("client", "PARTY", "02:00:00:00:01:97")


def test_handshake_burst_from_one_address_gets_retry(lp, attacks):
    """30 handshakes at once from one address: the first 20 go straight
    through, the rest must prove their address with a Retry first (and
    then join); a player elsewhere is not slowed. (The load generator puts
    them in one room: the per-room quota is off here.)"""
    relay = lp.relay("--room-max-per-ip", "0", log_level="info")
    a, b = healthy_pair(lp, relay)
    proc = subprocess.Popen(
        [LOADGEN, "--relay", "%s:%d" % (relay.host, relay.port),
         "--pin", relay.cert, "--mode", "idle", "--peers", "30",
         "--bind", "127.0.0.5"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        line = proc.stdout.readline()
        assert '"peers":30' in line, (line, proc.stderr.read()
                                      if proc.poll() is not None else "")
        assert measure(a, b, 100) == 100
        relay.signal(signal.SIGUSR1)
        snap = relay.wait_log(r"event=snapshot ")
        retries = int(re.search(r"retries=(\d+)", snap).group(1))
        assert 5 <= retries <= 15, snap
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


def test_fanout_budget_keeps_a_flooded_room_to_itself(lp, attacks):
    """A room whose sender broadcasts to 10 receivers as fast as it can,
    against a small per-room fan-out budget: its copies beyond the budget
    are dropped (`rate_fanout`), and the healthy room beside it keeps every
    frame."""
    relay = lp.relay("--fanout-room", "2000", "--rate-broadcast", "100000",
                     log_level="info")
    a, b = healthy_pair(lp, relay)
    proc = subprocess.Popen(
        [LOADGEN, "--relay", "%s:%d" % (relay.host, relay.port),
         "--pin", relay.cert, "--mode", "broadcast", "--receivers", "10",
         "--seconds", "4", "--size", "200"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert '"phase":"joined"' in proc.stdout.readline()
        time.sleep(1.5)
        got = measure(a, b, 200)
        out = proc.communicate(timeout=20)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    m = re.search(r'"per_second":(\d+)', out)
    assert m, out
    # 10 receivers, 2000 copies/s for the room (bursts of 200)
    assert int(m.group(1)) <= 2600, out
    assert got == 200
    relay.signal(signal.SIGUSR1)
    counters = relay.wait_log(r"event=relay_counters ")
    assert re.search(r"drop_rate_fanout=[1-9]", counters), counters


def test_dev_key_is_owner_only_and_never_written_through_a_symlink(lp, tmp_path):
    """Files the daemons write (the development key here, the identity in
    the netns tests) are owner-only, replaced atomically, and a symlink
    planted at the path is replaced, not followed."""
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    key = tmp_path / "relay-key.pem"
    os.symlink(str(victim), str(key))
    cert = tmp_path / "relay-cert.pem"
    relay = lp.relay("--dev-cert-pem-out", str(cert),
                     "--dev-key-pem-out", str(key))
    relay.wait_log(r"event=listening ")
    assert victim.read_text() == "keep me"
    st = os.lstat(str(key))
    import stat as st_mod
    assert st_mod.S_ISREG(st.st_mode) and (st.st_mode & 0o777) == 0o600
    assert "PRIVATE KEY" in key.read_text()
