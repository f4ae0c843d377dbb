"""The relay as a service (issue 16): started from a configuration file,
its certificate and key reloaded on SIGHUP while a room is active (new
connections get the new certificate, open ones stay), a broken pair
refused with the old one kept."""

import os
import pwd
import shutil
import signal
import subprocess

from lpharness import RELAY, Relay, frame, hexs

GW = "02:00:00:00:00:01"
C1 = "02:00:00:00:00:11"
C2 = "02:00:00:00:00:12"
BCAST = "ff:ff:ff:ff:ff:ff"


def make_pair(tmp_path, name):
    """A certificate and key (PEM) and the leaf (DER) for pinning, made by
    the relay's own development mode."""
    d = tmp_path / name
    d.mkdir()
    pem, key, der = d / "cert.pem", d / "key.pem", d / "leaf.der"
    r = Relay(tmp_path, cert_args=["--dev-cert-pem-out", str(pem), "--dev-key-pem-out",
                                   str(key), "--dev-cert-der-out", str(der)])
    r.stop()
    assert pem.exists() and key.exists() and der.exists()
    return pem, key, der


def give(path):
    """The relay drops root to `lanparty`: what it re-reads must be its."""
    if os.getuid() == 0:
        pw = pwd.getpwnam("lanparty")
        os.chown(path, pw.pw_uid, pw.pw_gid)


def install(src_pem, src_key, pem, key):
    """Replaces the live pair the way certbot's deploy hooks do: a new file
    renamed over the old."""
    for s, d in ((src_pem, pem), (src_key, key)):
        shutil.copyfile(s, str(d) + ".new")
        give(str(d) + ".new")
        os.rename(str(d) + ".new", d)


def live_relay(lp, tmp_path, pem1, key1, der1):
    """A relay serving the pair installed in a live/ directory (as certbot
    keeps it), and a gateway pinned to that certificate."""
    live = tmp_path / "live"
    live.mkdir()
    os.chmod(live, 0o755)
    pem, key = live / "cert.pem", live / "key.pem"
    install(pem1, key1, pem, key)
    relay = lp.relay(cert_args=["--cert", str(pem), "--key", str(key)])
    gw = lp.peer(relay, pin=str(der1))
    gw.join("gateway", "LAN", GW)
    return pem, key, relay, gw


def test_sighup_reloads_the_certificate_and_keeps_open_connections(lp, tmp_path):
    pem1, key1, der1 = make_pair(tmp_path, "one")
    pem2, key2, der2 = make_pair(tmp_path, "two")
    pem, key, relay, gw = live_relay(lp, tmp_path, pem1, key1, der1)
    alice = lp.peer(relay, pin=str(der1))
    alice.join("client", "LAN", C1)
    gw.ctrl("peer_joined")

    install(pem2, key2, pem, key)
    relay.signal(signal.SIGHUP)
    line = relay.wait_log("event=cert_reloaded ")
    assert str(pem) in line
    # a new peer sees the new certificate: pinned to it, it joins...
    bob = lp.peer(relay, pin=str(der2))
    bob.join("client", "LAN", C2)
    # ...and a peer pinned to the old one is refused in the handshake
    old = lp.peer(relay, pin=str(der1), wait_ready=False)
    assert old.closed()["why"] == "tls"
    # the open connections are still there, and still carry frames
    assert gw.ctrl("peer_joined")["peer_id"] != 0
    alice.cmd("frame " + hexs(frame(BCAST, C1, 0x88b5, b"old session" * 3)))
    assert any(d["hex"].endswith(hexs(b"old session" * 3)) for d in gw.dgrams(1.0))
    bob.cmd("frame " + hexs(frame(BCAST, C2, 0x88b5, b"new session" * 3)))
    assert any(d["hex"].endswith(hexs(b"new session" * 3)) for d in alice.dgrams(1.0))
    assert relay.proc.poll() is None


def test_a_broken_pair_is_refused_and_the_old_one_stays(lp, tmp_path):
    pem1, key1, der1 = make_pair(tmp_path, "one")
    pem2, key2, _ = make_pair(tmp_path, "two")
    pem, key, relay, gw = live_relay(lp, tmp_path, pem1, key1, der1)
    # a key that does not belong to the certificate
    install(pem2, key1, pem, key)
    relay.signal(signal.SIGHUP)
    line = relay.wait_log("event=reload .*certificate stays in force")
    assert "level=error" in line and str(pem) in line, line
    # not PEM at all
    with open(pem, "w") as f:
        f.write("not a certificate\n")
    relay.signal(signal.SIGHUP)
    relay.wait_log("event=reload .*cannot load certificate .*stays in force")
    # a file that went away
    os.unlink(key)
    relay.signal(signal.SIGHUP)
    relay.wait_log("event=reload .*cannot read .*stays in force")
    # the old identity still admits new peers, the open one is still there
    alice = lp.peer(relay, pin=str(der1))
    alice.join("client", "LAN", C1)
    assert gw.ctrl("peer_joined")
    assert relay.proc.poll() is None
    assert not relay.events("cert_reloaded")


def test_relay_from_a_config_file_and_the_flags_win(lp, tmp_path):
    conf = tmp_path / "relay.conf"
    conf.write_text("# lanparty relay\n"
                    "listen = 127.0.0.1:1\n"       # the command line's --listen wins
                    "room-max-peers = 2\n"
                    "no-frag = yes\n"
                    "retry = no\n")
    relay = lp.relay("--config", str(conf))
    assert relay.port != 1
    gw = lp.peer(relay)
    gw.join("gateway", "LAN", GW)
    lp.peer(relay).join("client", "LAN", C1)
    third = lp.peer(relay)
    third.hello("client", "LAN", C2)
    assert third.ctrl("reject")["reason"] == "room_full"


def test_config_file_errors_name_file_line_and_key(tmp_path):
    cases = [
        ("listen = 127.0.0.1:0\nnope = 1\n", ":2: key 'nope': unknown key"),
        ("listen = 127.0.0.1:0\n\nretry = maybe\n", ":3: key 'retry': a flag"),
        ("cert\n", ":1: key 'cert': needs a value"),
        ("max-peers = 1\nmax-peers = 2\n", ":2: key 'max-peers': given twice (first on line 1)"),
        ("listen 443\n", ": line 1: key 'listen': expected '='"),
        ("config = /etc/x\n", ":1: key 'config': not allowed in a file"),
    ]
    for text, want in cases:
        conf = tmp_path / "bad.conf"
        conf.write_text(text)
        p = subprocess.run([RELAY, "--config", str(conf)], capture_output=True, text=True,
                           timeout=10)
        assert p.returncode == 2, (text, p)
        assert str(conf) + want in p.stderr, (text, p.stderr)
    p = subprocess.run([RELAY, "--config", str(tmp_path / "missing.conf")],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1 and "missing.conf" in p.stderr, p


def test_version_everywhere():
    for prog in ("lanparty-relay", "lanparty-gateway", "lanparty-client"):
        path = os.path.join(os.path.dirname(RELAY), prog)
        p = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
        assert p.returncode == 0 and p.stdout.startswith(prog + " "), p


def test_sd_notify_ready_watchdog_stopping_and_journal_priorities(lp, tmp_path):
    """What systemd sees of a Type=notify relay: READY=1 once listening (after
    the privilege drop, through the socket opened before it), WATCHDOG=1
    every half $WATCHDOG_USEC, STOPPING=1 on SIGTERM; and "<N>" priorities
    on its stderr lines when that is the journal ($JOURNAL_STREAM)."""
    import socket
    import time
    sock_path = str(tmp_path / "notify")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv.bind(sock_path)
    os.chmod(sock_path, 0o777)  # as /run/systemd/notify
    srv.settimeout(5)
    rfd, wfd = os.pipe()
    st = os.fstat(wfd)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="400000",
               JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
    proc = subprocess.Popen([RELAY, "--listen", "127.0.0.1:0"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=wfd)
    os.close(wfd)
    try:
        assert srv.recv(256) == b"READY=1"
        t0 = time.monotonic()
        assert srv.recv(256) == b"WATCHDOG=1"
        assert srv.recv(256) == b"WATCHDOG=1"
        assert time.monotonic() - t0 < 1.5
        proc.send_signal(signal.SIGTERM)
        while srv.recv(256) != b"STOPPING=1":
            pass
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        srv.close()
    with os.fdopen(rfd) as f:
        lines = f.read().splitlines()
    assert lines and all(line[:3] in ("<3>", "<4>", "<6>", "<7>") for line in lines), lines
    assert any(line.startswith("<4>") and "event=open_relay" in line for line in lines)
    assert any(line.startswith("<6>") and "event=listening" in line for line in lines)
