"""The relay's admin listener (issue 15) against the real relay on
loopback, with lp-testpeer endpoints: the status JSON validated against
docs/status-schema.json, the token, kick, request limits and cut-offs,
and /metrics checked by promtool. The LAN party, Prometheus and the
browser are in test_dashboard_netns.py."""

import http.client
import json
import os
import signal
import socket
import subprocess
import time

import pytest

import lpadmin
from lpadmin import request
from lpharness import RELAY, frame

GW_MAC = "02:00:00:00:00:01"
C1_MAC = "02:00:00:00:00:11"
C2_MAC = "02:00:00:00:00:12"


def start(lp, *extra, listen="127.0.0.1:0", cert_args=None):
    r = lp.relay("--admin-listen", listen, "--admin-timeout", "2", *extra, cert_args=cert_args)
    url, token = lpadmin.admin_of(r.wait_log(r"event=admin_listening"))
    if listen.startswith("0.0.0.0"):
        url = url.replace("0.0.0.0", "127.0.0.1")
    return r, url, token


def room_of_three(lp, r):
    gw = lp.peer(r)
    gw.join("gateway", "PARTY", GW_MAC)
    c1 = lp.peer(r)
    c1.join("client", "PARTY", C1_MAC)
    c2 = lp.peer(r)
    c2.join("client", "PARTY", C2_MAC)
    return gw, c1, c2


def test_token_is_required(lp):
    r, url, token = start(lp)
    assert token and len(token) == 43
    for tok in (None, "wrong", token + "x", token[:-1]):
        st, h, body = request(url, "/api/v1/status", token=tok)
        assert st == 401, (tok, st, body)
        assert h["www-authenticate"].startswith("Bearer")
        assert json.loads(body)["error"]
        st, _, _ = request(url, "/api/v1/rooms/PARTY/peers/1/kick", "POST", token=tok)
        assert st == 401
    st, h, body = request(url, "/api/v1/status", token=token)
    assert st == 200 and h["content-type"] == "application/json"
    lpadmin.validate(json.loads(body))
    # on loopback /metrics is open (Prometheus on the same host)
    st, h, body = request(url, "/metrics")
    assert st == 200 and h["content-type"].startswith("text/plain; version=0.0.4")
    # the page is static and public; it has no data without the token
    st, h, body = request(url, "/")
    assert st == 200 and b"/dashboard.js" in body
    assert "script-src 'self'" in h["content-security-policy"]
    assert h["x-frame-options"] == "DENY"
    st, h, body = request(url, "/dashboard.js")
    assert st == 200 and h["content-type"].startswith("text/javascript")
    assert b"textContent" in body and b"innerHTML" not in body
    st, _, _ = request(url, "/nope", token=token)
    assert st == 404
    st, _, _ = request(url, "/api/v1/status", "POST", token=token, body=b"")
    assert st == 405


def test_metrics_need_token_off_loopback(lp):
    r, url, token = start(lp, listen="0.0.0.0:0")
    assert "metrics_auth=token" in r.wait_log("event=admin_listening")
    st, _, _ = request(url, "/metrics")
    assert st == 401
    st, _, body = request(url, "/metrics", token=token)
    assert st == 200 and b"lanparty_peers" in body


def test_token_file(lp, tmp_path):
    tf = str(tmp_path / "admin-token")
    r, url, token = start(lp, "--admin-token-file", tf)
    assert token is not None  # made and printed at the first start
    assert oct(os.stat(tf).st_mode & 0o777) == "0o600"
    with open(tf) as f:
        assert f.read().strip() == token
    r.stop()
    # a restart reads it and does not print it again
    r2, url2, token2 = start(lp, "--admin-token-file", tf)
    assert token2 is None
    st, _, _ = request(url2, "/api/v1/status", token=token)
    assert st == 200


def test_status_of_a_room(lp):
    r, url, token = start(lp)
    gw, c1, c2 = room_of_three(lp, r)
    # c1 sends one frame to the gateway
    c1.cmd("frame " + frame(GW_MAC, C1_MAC, 0x88b5, b"hello").hex())
    gw.expect(lambda e: e["ev"] == "dgram", 5)
    doc = lpadmin.status(url, token)
    lpadmin.validate(doc)
    assert doc["schema"] == "lanparty-status/1"
    assert doc["relay"]["rooms"] == 1 and doc["relay"]["peers"] == 3
    room = doc["rooms"][0]
    assert room["name"] == "PARTY" and room["gateway_id"] == gw.seen_welcome()["peer_id"]
    by_mac = {p["mac"]: p for p in room["peers"]}
    assert set(by_mac) == {GW_MAC, C1_MAC, C2_MAC}
    assert by_mac[GW_MAC]["role"] == "gateway" and by_mac[C1_MAC]["role"] == "client"
    assert by_mac[C1_MAC]["traffic"]["frames_in"] == 1
    assert by_mac[GW_MAC]["traffic"]["frames_out"] == 1
    assert by_mac[C1_MAC]["remote"].startswith(("127.0.0.1:", "[::ffff:127.0.0.1]:"))
    assert by_mac[C1_MAC]["rtt_ms"]["smoothed"] > 0
    assert 0 <= by_mac[C1_MAC]["connected_s"] < 60
    assert abs(by_mac[C1_MAC]["joined_at_ms"] - time.time() * 1000) < 60000
    assert room["traffic"]["frames_in"] == 1


def test_kick(lp):
    r, url, token = start(lp)
    gw, c1, c2 = room_of_three(lp, r)
    cid = c1.seen_welcome()["peer_id"]
    st, _, body = request(url, "/api/v1/rooms/PARTY/peers/%d/kick" % cid, "GET", token=token)
    assert st == 405
    st, _, body = request(url, "/api/v1/rooms/PARTY/peers/%d/kick" % cid, "POST", token=token)
    assert st == 200, body
    assert json.loads(body) == {"kicked": {"room": "PARTY", "id": cid}}
    assert c1.ctrl("disconnect")["reason"] == "kicked"
    c1.closed()
    for other in (gw, c2):
        left = other.ctrl("peer_left")
        assert left["peer_id"] == cid and left["reason"] == "kicked"
    r.wait_log(r"event=admin_kick room=PARTY peer_id=%d" % cid)
    doc = lpadmin.status(url, token)
    assert C1_MAC not in [p["mac"] for p in lpadmin.peers(doc)]
    # gone: 404, as for a room or peer that never was
    for path in ("/api/v1/rooms/PARTY/peers/%d/kick" % cid, "/api/v1/rooms/NOPE/peers/1/kick",
                 "/api/v1/rooms/PARTY/peers/x/kick", "/api/v1/rooms/PARTY/peers/1/ban"):
        st, _, _ = request(url, path, "POST", token=token)
        assert st == 404, path


def test_oversized_and_slow_requests_are_cut_off(lp):
    r, url, token = start(lp)
    # headers beyond the per-connection memory: refused, not buffered
    st, _, _ = request(url, "/api/v1/status", token=token, headers={"X-Big": "a" * 40000})
    assert st in (413, 414, 431), st
    # a declared body over the limit: 413 before it is read
    st, _, body = request(url, "/api/v1/rooms/PARTY/peers/1/kick", "POST", token=token,
                          body=b"x" * 5000)
    assert st == 413, (st, body)
    port = int(url.rsplit(":", 1)[1].strip("/"))
    # a slow client (half a request line) is closed after --admin-timeout
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /api/v1/sta")
    t0 = time.monotonic()
    assert s.recv(100) == b""
    took = time.monotonic() - t0
    s.close()
    assert 1.0 < took < 6.0, took
    # more connections than the limit (32): the extra ones are closed at
    # once, the relay stays responsive and serves again afterwards
    socks = []
    for _ in range(48):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            pass
    closed = 0
    for s in socks:
        s.settimeout(0.5)
        try:
            if s.recv(10) == b"":
                closed += 1
        except socket.timeout:
            pass
    assert closed >= 48 - 32 - 1, closed
    for s in socks:
        s.close()
    time.sleep(0.3)
    st, _, _ = request(url, "/api/v1/status", token=token)
    assert st == 200


def test_metrics_pass_promtool(lp):
    r, url, token = start(lp)
    gw, c1, c2 = room_of_three(lp, r)
    c1.cmd("frame " + frame("ff:ff:ff:ff:ff:ff", C1_MAC, 0x88b5, b"x").hex())
    gw.expect(lambda e: e["ev"] == "dgram", 5)
    time.sleep(0.3)
    st, _, body = request(url, "/metrics")
    text = body.decode()
    lpadmin.promtool_check(text)
    assert 'lanparty_peers{room="PARTY",role="gateway"} 1' in text
    assert 'lanparty_peers{room="PARTY",role="client"} 2' in text
    assert 'lanparty_forwarded_frames_total{room="PARTY",direction="in"} 1' in text
    assert 'lanparty_forwarded_frames_total{room="PARTY",direction="out"} 2' in text
    assert 'lanparty_drops_total{reason="source_mac"} 0' in text
    assert 'lanparty_peer_rtt_seconds{room="PARTY",peer="%d"}' % c1.seen_welcome()["peer_id"] in text
    for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                 "process_start_time_seconds"):
        assert "\n%s " % name in text


@pytest.mark.skipif(os.geteuid() != 0, reason="the relay drops root only when started as root")
def test_runs_under_its_seccomp_list(lp):
    """Every call the admin listener makes in the loop is on the relay_admin
    list: a missing one would kill the relay (SIGSYS)."""
    if os.environ.get("LP_SANITIZED"):
        pytest.skip("an AddressSanitizer build installs no seccomp filter")
    r, url, token = start(lp)
    r.wait_log(r"event=privileges .*seccomp=relay_admin")
    gw, c1, c2 = room_of_three(lp, r)
    for path in ("/", "/dashboard.js", "/dashboard.css", "/metrics", "/api/v1/status"):
        st, _, _ = request(url, path, token=token)
        assert st == 200
    st, _, _ = request(url, "/api/v1/rooms/PARTY/peers/%d/kick" % c2.seen_welcome()["peer_id"],
                       "POST", token=token)
    assert st == 200
    s = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1].strip("/"))))
    s.sendall(b"GET / HTTP/1.1\r\n")
    assert s.recv(10) == b""  # the timeout path
    s.close()
    time.sleep(0.2)
    assert r.proc.poll() is None, r.log()[-2000:]


def closed_relay(lp, tmp_path, listen="127.0.0.1:0"):
    """A closed relay whose room list lives in a directory its --user can
    write (as /var/lib/lanparty is), with invites gateway, players and
    alice; returns (relay, url, token, rooms path, auth tokens)."""
    from test_rooms import admin, tokens
    state = tmp_path / "state"
    state.mkdir()
    rooms = str(state / "rooms.txt")
    t = tokens(admin(rooms, "room", "create", "PARTY"))
    t.update(tokens(admin(rooms, "invite", "add", "PARTY", "alice")))
    if os.geteuid() == 0:
        import pwd
        pw = pwd.getpwnam("lanparty")
        os.chown(str(state), pw.pw_uid, pw.pw_gid)
        os.chown(rooms, pw.pw_uid, pw.pw_gid)
    r, url, token = start(lp, "--rooms", rooms, listen=listen)
    return r, url, token, rooms, t


def closed_room_of_three(lp, r, t, c1_invite, c2_invite="players"):
    """room_of_three on a closed relay: the gateway's invite, then two
    clients with the invites named."""
    peers = []
    for role, mac, invite in (("gateway", GW_MAC, "gateway"), ("client", C1_MAC, c1_invite),
                              ("client", C2_MAC, c2_invite)):
        p = lp.peer(r)
        p.join(role, "PARTY", mac, extra="auth=" + t[invite])
        peers.append(p)
    return peers


def invites(rooms):
    out = subprocess.run([RELAY, "invite", "list", "PARTY", "--rooms", rooms],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out
    return [line.split()[1] for line in out.stdout.splitlines()[1:]]




def test_revoke(lp, tmp_path):
    """The dashboard's revoke: the invite leaves the room list (on disk),
    the peer gets disconnect `revoked` and the others peer_left, and the
    link no longer admits anyone; the other invites stay."""
    r, url, token, rooms, t = closed_relay(lp, tmp_path)
    gw, alice, bob = closed_room_of_three(lp, r, t, "alice")
    aid = alice.seen_welcome()["peer_id"]
    path = "/api/v1/rooms/PARTY/peers/%d/revoke" % aid
    st, _, _ = request(url, path, "POST", token="wrong")
    assert st == 401
    st, _, _ = request(url, path, "GET", token=token)
    assert st == 405
    assert "alice" in invites(rooms)
    st, _, body = request(url, path, "POST", token=token)
    assert st == 200, body
    assert json.loads(body) == {"revoked": {"room": "PARTY", "id": aid, "label": "alice",
                                            "peers": 1}}
    assert alice.ctrl("disconnect")["reason"] == "revoked"
    alice.closed()
    for other in (gw, bob):
        left = other.ctrl("peer_left")
        assert left["peer_id"] == aid and left["reason"] == "revoked"
    r.wait_log(r"event=admin_revoke room=PARTY peer_id=%d label=alice peers_revoked=1" % aid)
    # on disk: alice's invite is gone, the others stay, the file stays
    # owner-only
    assert sorted(invites(rooms)) == ["gateway", "players"]
    assert os.stat(rooms).st_mode & 0o777 == 0o600
    # the link no longer admits, even after a reload
    r.signal(signal.SIGHUP)
    r.wait_log(r"event=reload .*reloaded")
    again = lp.peer(r)
    again.hello("client", "PARTY", C1_MAC, extra="auth=" + t["alice"])
    assert again.ctrl("reject")["reason"] == "unauthorized"
    doc = lpadmin.status(url, token)
    lpadmin.validate(doc)
    assert sorted(p["label"] for p in lpadmin.peers(doc)) == ["gateway", "players"]
    assert doc["relay"]["revoked"] == 1
    # gone: 404
    st, _, _ = request(url, path, "POST", token=token)
    assert st == 404
    assert r.proc.poll() is None


def test_revoke_shared_invite_and_refusals(lp, tmp_path):
    """Revoking a shared invite disconnects everyone who joined with it;
    an open relay has nothing to revoke (409); a list the relay cannot
    write is a 500 that changes nothing."""
    r, url, token, rooms, t = closed_relay(lp, tmp_path)
    gw, c1, c2 = closed_room_of_three(lp, r, t, "players")
    st, _, body = request(url, "/api/v1/rooms/PARTY/peers/%d/revoke" %
                          c1.seen_welcome()["peer_id"], "POST", token=token)
    assert st == 200 and json.loads(body)["revoked"]["peers"] == 2, body
    for c in (c1, c2):
        assert c.ctrl("disconnect")["reason"] == "revoked"
    assert sorted(invites(rooms)) == ["alice", "gateway"]

    open_r, open_url, open_token = start(lp)
    p = lp.peer(open_r)
    p.join("client", "PARTY", C1_MAC)
    st, _, body = request(open_url, "/api/v1/rooms/PARTY/peers/%d/revoke" %
                          p.seen_welcome()["peer_id"], "POST", token=open_token)
    assert st == 409 and b"open relay" in body, body

    if os.geteuid() == 0:
        # the list's directory belongs to root: the relay (now `lanparty`)
        # cannot replace the file
        os.chown(str(tmp_path / "state"), 0, 0)
        st, _, body = request(url, "/api/v1/rooms/PARTY/peers/%d/revoke" %
                              gw.seen_welcome()["peer_id"], "POST", token=token)
        assert st == 500 and b"cannot write" in body, body
        assert sorted(invites(rooms)) == ["alice", "gateway"]
        assert not [f for f in os.listdir(str(tmp_path / "state")) if ".tmp." in f]
        st, _, _ = request(url, "/api/v1/status", token=token)
        assert st == 200 and r.proc.poll() is None


@pytest.mark.parametrize("identity", ["files", "development"])
def test_admin_tls(lp, tmp_path, identity):
    """--admin-tls: the listener speaks HTTPS with the relay's own
    certificate (from --cert/--key, or the development identity), the
    token rules unchanged; plain HTTP gets no answer."""
    import ssl
    pem, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    if identity == "files":
        maker = lp.relay("--dev-cert-pem-out", pem, "--dev-key-pem-out", key)
        maker.stop()
        r, url, token = start(lp, "--admin-tls", cert_args=["--cert", pem, "--key", key])
    else:
        r, url, token = start(lp, "--admin-tls", cert_args=[
            "--dev-cert-der-out", str(tmp_path / "c.der"), "--dev-cert-pem-out", pem,
            "--dev-key-pem-out", key])
    assert url.startswith("https://127.0.0.1:"), url
    ctx = ssl.create_default_context(cafile=pem)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    st, _, body = request(url, "/api/v1/status", token=token, context=ctx)
    assert st == 200
    lpadmin.validate(json.loads(body))
    st, _, _ = request(url, "/api/v1/status", token="wrong", context=ctx)
    assert st == 401
    st, _, body = request(url, "/metrics", context=ctx)
    assert st == 200 and b"lanparty_peers" in body
    # the certificate served is the relay's
    u = url.rstrip("/").rsplit(":", 1)
    port = int(u[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw) as s:
            served = s.getpeercert(binary_form=True)
    with open(pem) as f:
        assert served == ssl.PEM_cert_to_DER_cert(f.read())
    # plain HTTP on the TLS port: no HTTP answer
    plain = "http://127.0.0.1:%d/" % port
    try:
        st, _, _ = request(plain, "/api/v1/status", token=token, timeout=5)
    except (OSError, http.client.HTTPException):
        st = None
    assert st is None
    if os.geteuid() == 0 and not os.environ.get("LP_SANITIZED"):
        r.wait_log(r"event=privileges .*seccomp=relay_admin")
    time.sleep(0.2)
    assert r.proc.poll() is None, r.log()[-2000:]
