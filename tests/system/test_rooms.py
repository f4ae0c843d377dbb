"""Rooms that belong to their organiser (spec section 4, revision 2): a
closed relay with a room list made by `lanparty-relay room/invite`, real
QUIC peers, every rule and attack over the wire."""

import os
import re
import signal
import subprocess
import time

import pytest

from lpharness import RELAY, frame, hexs

GW = "02:00:00:00:00:01"
C1 = "02:00:00:00:00:11"
C2 = "02:00:00:00:00:12"
BCAST = "ff:ff:ff:ff:ff:ff"
PIN = "sha256:" + "A" * 43
RESUME = "A" * 42 + "E"


def admin(rooms, *args):
    p = subprocess.run([RELAY] + list(args) + ["--rooms", rooms, "--public", "relay.example.org",
                                                "--pin", PIN],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 0, p
    return p.stdout


def tokens(out):
    """label -> auth token, from the links a command printed."""
    found = {}
    for label, link in re.findall(r"invite '([^']+)' for room \S+:\n  (\S+)", out):
        found[label] = re.search(r"auth=([A-Za-z0-9_-]+)", link).group(1)
    return found


@pytest.fixture
def closed(lp, tmp_path):
    rooms = str(tmp_path / "rooms.txt")
    t = tokens(admin(rooms, "room", "create", "PARTY"))
    t.update(tokens(admin(rooms, "invite", "add", "PARTY", "alice")))
    t.update({"other-" + k: v for k, v in tokens(admin(rooms, "room", "create", "OTHER")).items()})
    relay = lp.relay("--rooms", rooms)
    return relay, rooms, t


def test_room_list_is_owner_only_and_holds_no_tokens(closed):
    relay, rooms, t = closed
    assert os.stat(rooms).st_mode & 0o777 == 0o600
    text = open(rooms).read()
    for tok in t.values():
        assert tok not in text
    assert "open_relay" not in relay.log()


@pytest.mark.parametrize("case", ["unknown_room", "no_token", "wrong_token",
                                  "gateway_token_as_client", "client_token_as_gateway",
                                  "other_rooms_token"])
def test_every_failure_is_the_same_unauthorized(lp, closed, case):
    relay, rooms, t = closed
    role, room, extra = {
        "unknown_room": ("client", "NOPE", "auth=" + t["players"]),
        "no_token": ("client", "PARTY", ""),
        "wrong_token": ("client", "PARTY", "auth=" + "x" * 32),
        "gateway_token_as_client": ("client", "PARTY", "auth=" + t["gateway"]),
        "client_token_as_gateway": ("gateway", "PARTY", "auth=" + t["players"]),
        "other_rooms_token": ("client", "PARTY", "auth=" + t["other-players"]),
    }[case]
    p = lp.peer(relay)
    p.hello(role, room, GW if role == "gateway" else C1, extra=extra)
    rj = p.ctrl("reject")
    assert rj["reason"] == "unauthorized"
    assert "invite" in rj["message"] and room not in rj["message"]
    for tok in t.values():
        assert tok not in relay.log()  # never logged


def test_valid_credentials_join_with_labels(lp, closed):
    relay, rooms, t = closed
    gw = lp.peer(relay)
    gw.join("gateway", "PARTY", GW, extra="auth=" + t["gateway"])
    alice = lp.peer(relay)
    alice.join("client", "PARTY", C1, extra="auth=" + t["alice"])
    joined = gw.ctrl("peer_joined")
    assert joined["label"] == "alice" and joined["mac"] == C1
    catchup = alice.ctrl("peer_joined")
    assert catchup["role"] == "gateway" and catchup["label"] == "gateway"
    # a player credential admits many players at once, each its own MAC
    bob = lp.peer(relay)
    bob.join("client", "PARTY", C2, extra="auth=" + t["players"])
    assert gw.ctrl("peer_joined")["label"] == "players"


def test_failures_slow_a_prefix_but_never_lock_out_a_valid_credential(lp, closed):
    relay, rooms, t = closed
    waits = []
    for _ in range(12):
        p = lp.peer(relay)
        t0 = time.monotonic()
        p.hello("client", "PARTY", C1, extra="auth=" + "y" * 32)
        assert p.ctrl("reject", 5)["reason"] == "unauthorized"
        waits.append(time.monotonic() - t0)
        p.stop()
    assert max(waits[:9]) < 0.5, waits  # the first failures: at once
    assert min(waits[10:]) >= 0.9, waits  # from the 10th within 60 s: delayed
    assert len(re.findall("event=unauthorized_throttled", relay.log())) == 1
    # the gateway shares that public address: it still gets in at once
    gw = lp.peer(relay)
    t0 = time.monotonic()
    gw.join("gateway", "PARTY", GW, extra="auth=" + t["gateway"])
    assert time.monotonic() - t0 < 0.5


def test_revocation_on_sighup(lp, closed):
    relay, rooms, t = closed
    gw = lp.peer(relay)
    gw.join("gateway", "PARTY", GW, extra="auth=" + t["gateway"])
    alice = lp.peer(relay)
    w = alice.join("client", "PARTY", C1, extra="auth=" + t["alice"])
    bob = lp.peer(relay)
    bob.join("client", "PARTY", C2, extra="auth=" + t["players"])
    gw.ctrl("peer_joined")
    gw.ctrl("peer_joined")
    admin(rooms, "invite", "revoke", "PARTY", "alice")
    relay.signal(signal.SIGHUP)
    assert alice.ctrl("disconnect", 5)["reason"] == "revoked"
    left = gw.ctrl("peer_left", 5)
    assert left["peer_id"] == w["peer_id"] and left["reason"] == "revoked"
    assert bob.ctrl("peer_left", 5)["reason"] == "revoked"
    # bob and the gateway stay, and still talk
    bob.cmd("frame " + hexs(frame(BCAST, C2, 0x88b5, b"still here" * 3)))
    assert any(d["hex"].endswith(hexs(b"still here" * 3)) for d in gw.dgrams(1.0))
    # the revoked token no longer admits anyone
    again = lp.peer(relay)
    again.hello("client", "PARTY", C1, extra="auth=" + t["alice"])
    assert again.ctrl("reject")["reason"] == "unauthorized"
    relay.wait_log("event=reload .*1 peers revoked")


def test_a_broken_room_list_is_refused_at_start_and_kept_on_reload(lp, closed, tmp_path):
    relay, rooms, t = closed
    bad = tmp_path / "bad.txt"
    bad.write_text("lanparty-rooms 1\nroom PARTY\nclient nothex alice\n")
    p = subprocess.run([RELAY, "--listen", "127.0.0.1:0", "--rooms", str(bad)],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "line 3" in p.stderr, p
    # a running relay keeps its list when the new file is broken
    gw = lp.peer(relay)
    gw.join("gateway", "PARTY", GW, extra="auth=" + t["gateway"])
    with open(rooms, "w") as f:
        f.write("this is not a room list\n")
    relay.signal(signal.SIGHUP)
    relay.wait_log("event=reload .*stays in force")
    alice = lp.peer(relay)
    alice.join("client", "PARTY", C1, extra="auth=" + t["alice"])


def test_replacement_needs_the_same_resume_and_credential(lp, closed):
    relay, rooms, t = closed
    gw = lp.peer(relay)
    gw.join("gateway", "PARTY", GW, extra="auth=%s resume=%s" % (t["gateway"], RESUME))
    alice = lp.peer(relay)
    w = alice.join("client", "PARTY", C1, extra="auth=%s resume=%s" % (t["alice"], RESUME))
    gw.ctrl("peer_joined")
    # somebody with the players' link, alice's MAC and even her resume secret
    # is not alice: another credential
    mallory = lp.peer(relay)
    mallory.hello("client", "PARTY", C1, extra="auth=%s resume=%s" % (t["players"], RESUME))
    assert mallory.ctrl("reject")["reason"] == "duplicate_mac"
    # alice herself, restarted: back at once
    alice.proc.kill()
    alice2 = lp.peer(relay)
    w2 = alice2.join("client", "PARTY", C1, extra="auth=%s resume=%s" % (t["alice"], RESUME))
    left = gw.ctrl("peer_left")
    assert left["peer_id"] == w["peer_id"] and left["reason"] == "replaced"
    assert gw.ctrl("peer_joined")["peer_id"] == w2["peer_id"]
