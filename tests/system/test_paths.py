"""Path changes against the real relay: NAT rebinding and an unstable NAT
(packets from two source ports in turn), during PMTUD and mid-transfer,
on the wildcard `PORT/udp` listener operators use and on a fixed address.
The relay must stay up and the peer must stay in its room."""

import time

import pytest

from lpharness import frame, hexs

GW = "02:00:00:00:00:01"
C1 = "02:00:00:00:00:11"
BCAST = "ff:ff:ff:ff:ff:ff"

LISTEN = ["0/udp", "127.0.0.1:0"]


def pair(lp, relay, room="PATHS"):
    """A gateway, and a client whose path drops UDP payloads over 1300
    bytes: the relay's PMTUD probes towards it fail, so PMTUD is still
    running for a while after the client's welcome."""
    gw = lp.peer(relay)
    gw.join("gateway", room, GW)
    c = lp.peer(relay, "--drop-above", "1300", wait_ready=False)
    c.expect(lambda e: e["ev"] == "handshake", 10)
    c.cmd("hello client %s %s 1400" % (room, C1))
    w = c.ctrl("welcome", 10)
    gw.ctrl("peer_joined")
    return gw, c, w


def roundtrip(gw, c, tag, tries=20):
    """A frame each way, retried (QUIC may still be validating a path):
    True once both arrive."""
    to_gw = frame(BCAST, C1, 0x88b5, tag.encode() * 8)
    to_c = frame(C1, GW, 0x88b5, tag.encode() * 9)
    got_gw = got_c = False
    for _ in range(tries):
        if not got_gw:
            c.cmd("frame " + hexs(to_gw))
        if not got_c:
            gw.cmd("frame " + hexs(to_c))
        for p, want in ((gw, to_gw), (c, to_c)):
            for d in p.dgrams(0.15):
                if d["hex"].endswith(hexs(want)):
                    if p is gw:
                        got_gw = True
                    else:
                        got_c = True
        if got_gw and got_c:
            return True
    return False


@pytest.mark.parametrize("listen", LISTEN)
def test_unstable_nat_during_pmtud_and_transfer(lp, listen):
    relay = lp.relay(listen=listen)
    gw, c, _ = pair(lp, relay)
    # The relay's PMTUD runs: send from two ports in turn while it does,
    # then again in the middle of a transfer.
    c.cmd("flap 400")
    c.expect(lambda e: e["ev"] == "flapping")
    c.cmd("flood 300 " + hexs(frame(BCAST, C1, 0x88b5, b"f" * 1000)))
    c.expect(lambda e: e["ev"] == "flood_done", 20)
    c.cmd("flap 400")
    assert roundtrip(gw, c, "after-flap")
    assert relay.proc.poll() is None, relay.log()[-3000:]
    assert not relay.events("peer_left")
    assert "Assertion" not in relay.log()


@pytest.mark.parametrize("listen", LISTEN)
def test_nat_rebinding_keeps_the_peer_in_its_room(lp, listen):
    relay = lp.relay(listen=listen)
    gw, c, w = pair(lp, relay)
    c.cmd("rebind")  # while the relay's PMTUD runs
    c.expect(lambda e: e["ev"] == "rebound")
    assert roundtrip(gw, c, "first")
    for i in range(5):  # mid-transfer, several times
        n = len(relay.events("path_changed"))
        c.cmd("flood 200 " + hexs(frame(BCAST, C1, 0x88b5, b"m" * 1100)))
        c.cmd("rebind")
        # both, in either order: on a busy machine the flood may be out
        # before the rebind is
        seen = set()
        while seen != {"rebound", "flood_done"}:
            seen.add(c.expect(lambda e: e["ev"] in ("rebound", "flood_done"), 20)["ev"])
        assert roundtrip(gw, c, "rebind-%d" % i), "no traffic after rebinding %d" % i
        deadline = time.monotonic() + 5  # the relay followed the move
        while len(relay.events("path_changed")) == n and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(relay.events("path_changed")) > n
    assert relay.proc.poll() is None, relay.log()[-3000:]
    assert not relay.events("peer_left")
    # the relay still knows the peer under the same id, and logs the moves
    assert any(e.get("peer_id") == str(w["peer_id"]) for e in relay.events("path_changed"))
