"""System tests of fragmentation in lanparty-relay (spec sections 4 to 6):
fragmenting rooms and their budget rules, reassembly per connection, the
same checks for reassembled frames as for whole ones, re-fragmentation per
target with the relay's own frame_ids, and nothing of a dropped frame
forwarded. Real relay binary, lp-testpeer peers, loopback, ephemeral
ports."""

from scapy.all import BOOTP, DHCP, IP, UDP, Ether

from lpharness import frame, hexs

GW = "02:00:00:00:00:01"
C1 = "02:00:00:00:00:11"
C2 = "02:00:00:00:00:12"
BCAST = "ff:ff:ff:ff:ff:ff"


def frags(fr, budget, fid, peer_id=0):
    """fr split as lp_frag_plan does for datagrams of `budget` bytes."""
    stride = budget - 8
    count = -(-len(fr) // stride)
    assert 2 <= count <= 8
    return [bytes([1, 1]) + peer_id.to_bytes(2, "big") + fid.to_bytes(2, "big") +
            bytes([i, count]) + fr[i * stride:(i + 1) * stride] for i in range(count)]


def full(dst, src, fill=b"F", length=1514):
    """A frame of `length` bytes in the test ethertype."""
    head = frame(dst, src, 0x88b5)
    return head + fill * (length - len(head))


def frag_room(lp, relay, gw_budget=1200, c1_budget=1200, room="FR"):
    gw = lp.peer(relay)
    wg = gw.join("gateway", room, GW, gw_budget, "frag")
    c1 = lp.peer(relay)
    w1 = c1.join("client", room, C1, c1_budget, "frag")
    gw.ctrl("peer_joined")
    c1.ctrl("peer_joined")
    return gw, c1, wg, w1


def frames_of(peer, wait=0.6):
    """Whole frames a peer received: whole datagrams and reassembled ones."""
    out = []
    for e in peer.drain(wait):
        if e["ev"] == "dgram" and "frag" not in e:
            out.append((e["peer_id"], bytes.fromhex(e["hex"])[4:]))
        elif e["ev"] == "frame":
            out.append((e["peer_id"], bytes.fromhex(e["hex"])))
    return out


# ---------------------------------------------------------------- admission

def test_first_frag_peer_makes_a_fragmenting_room(lp):
    relay = lp.relay()
    gw = lp.peer(relay)
    w = gw.join("gateway", "FR", GW, 1200, "frag")
    assert w["effective_mtu"] == 1500 and w["features"] == ["frag"]
    # a client without "frag" needs a whole frame of the room: 1518
    c1 = lp.peer(relay)
    c1.hello("client", "FR", C1, 1517)
    rej = c1.ctrl("reject")
    assert rej["reason"] == "datagram_budget_too_small"
    c2 = lp.peer(relay)
    w2 = c2.join("client", "FR", C2, 1518)
    assert w2["effective_mtu"] == 1500 and w2["features"] == []
    # a frag peer needs 8 + ceil(1514 / 8) = 198
    c3 = lp.peer(relay)
    c3.hello("client", "FR", "02:00:00:00:00:13", 197, "frag")
    assert c3.ctrl("reject")["reason"] == "datagram_budget_too_small"
    c4 = lp.peer(relay)
    assert c4.join("client", "FR", "02:00:00:00:00:14", 198, "frag")["features"] == ["frag"]


def test_non_frag_first_peer_and_no_frag_relay(lp):
    relay = lp.relay()
    c1 = lp.peer(relay)
    w = c1.join("client", "PLAIN", C1, 1400)
    assert w["effective_mtu"] == 1380 and w["features"] == []
    # a later frag peer does not get "frag" in a non-fragmenting room
    gw = lp.peer(relay)
    assert gw.join("gateway", "PLAIN", GW, 1400, "frag")["features"] == []
    off = lp.relay("--no-frag")
    p = lp.peer(off)
    w = p.join("gateway", "R", GW, 1400, "frag")
    assert w["effective_mtu"] == 1380 and w["features"] == []
    other = lp.relay("--frag-mtu", "1400")
    p = lp.peer(other)
    w = p.join("gateway", "R", GW, 1200, "frag")
    assert w["effective_mtu"] == 1400 and w["features"] == ["frag"]


# ---------------------------------------------------------------- forwarding

def test_reassembly_and_refragmentation(lp):
    relay = lp.relay()
    gw, c1, wg, w1 = frag_room(lp, relay, gw_budget=1000, c1_budget=1200)
    fr = full(BCAST, C1)
    c1.cmd("frag 1200 " + hexs(fr))
    assert c1.expect(lambda e: e["ev"] == "fragged")["count"] == 2
    got = gw.expect(lambda e: e["ev"] == "frame")
    assert got["peer_id"] == w1["peer_id"] and bytes.fromhex(got["hex"]) == fr
    pieces = [e for e in gw.seen if e["ev"] == "dgram"]
    # re-fragmented for the gateway's 1000-byte budget, relay's numbering
    assert len(pieces) == 2 and all(e["len"] <= 1000 for e in pieces)
    assert {e["frag"]["count"] for e in pieces} == {2}
    assert {e["frag"]["id"] for e in pieces} == {0}
    # the next fragmented frame to that target gets the next frame_id,
    # whatever id the sender used
    for p in reversed(frags(full(BCAST, C1, b"G"), 600, 777)):
        c1.cmd("dgram " + hexs(p))  # last fragment first
    got = gw.expect(lambda e: e["ev"] == "frame")
    assert bytes.fromhex(got["hex"]) == full(BCAST, C1, b"G")
    ids = {e["frag"]["id"] for e in gw.seen if e["ev"] == "dgram" and "frag" in e}
    assert ids == {0, 1}
    # gateway -> client, unicast: fragments both ways
    back = full(C1, "00:16:3e:00:00:99", b"L")
    gw.cmd("frag 1000 " + hexs(back))
    got = c1.expect(lambda e: e["ev"] == "frame")
    assert got["peer_id"] == wg["peer_id"] and bytes.fromhex(got["hex"]) == back


def test_small_frames_stay_whole_and_non_frag_target_gets_whole(lp):
    relay = lp.relay()
    gw, c1, _, w1 = frag_room(lp, relay)
    c2 = lp.peer(relay)
    c2.join("client", "FR", C2, 1518)  # no "frag": whole frames only
    gw.ctrl("peer_joined")
    small = frame(BCAST, C1, 0x88b5, b"s" * 100)
    c1.cmd("frame " + hexs(small))
    d = gw.expect(lambda e: e["ev"] == "dgram")
    assert "frag" not in d and d["len"] == len(small) + 4
    # a 1400-byte frame sent in fragments: whole to c2 (its path carries
    # 1404-byte datagrams), in fragments to the gateway (budget 1200)
    fr = full(BCAST, C1, b"W", 1400)
    c1.cmd("frag 600 " + hexs(fr))
    assert c1.expect(lambda e: e["ev"] == "fragged")["count"] == 3
    d = c2.expect(lambda e: e["ev"] == "dgram" and e["len"] > 1000)
    assert "frag" not in d and bytes.fromhex(d["hex"])[4:] == fr
    assert d["peer_id"] == w1["peer_id"]
    got = gw.expect(lambda e: e["ev"] == "frame")
    assert bytes.fromhex(got["hex"]) == fr
    pieces = [e for e in gw.seen if e["ev"] == "dgram" and "frag" in e]
    assert len(pieces) == 2 and max(e["len"] for e in pieces) == 1200


def test_non_frag_target_with_small_path_is_skipped(lp):
    relay = lp.relay()
    gw, c1, _, _ = frag_room(lp, relay)
    # announces 1518, but its path carries 1404-byte datagrams (1200-byte
    # UDP payloads with --small-udp): a 1514-byte frame never fits
    small = lp.peer(relay, "--small-udp")
    small.join("client", "FR", C2, 1518)
    c1.cmd("frag 1200 " + hexs(full(BCAST, C1)))
    assert gw.expect(lambda e: e["ev"] == "frame")
    assert not small.before_marker(c1, frame(C2, C1, 0x88b5, b"marker" * 4))
    relay.wait_log("event=egress_skip")


def test_no_fragment_of_a_dropped_frame(lp):
    """A client's DHCP server reply, sent in fragments, reaches nobody:
    the relay decides on the whole frame before sending any fragment."""
    relay = lp.relay()
    gw, c1, _, _ = frag_room(lp, relay)
    c2 = lp.peer(relay)
    c2.join("client", "FR", C2, 1200, "frag")
    gw.ctrl("peer_joined")
    offer = bytes(Ether(dst=BCAST, src=C1) /
                  IP(src="198.18.0.11", dst="255.255.255.255") /
                  UDP(sport=67, dport=68) / BOOTP(op=2, chaddr=bytes(16)) /
                  DHCP(options=[("message-type", "offer"), "end"]))
    offer += b"\0" * (1400 - len(offer))
    c1.cmd("frag 400 " + hexs(offer))
    for p in (gw, c2):
        got = p.before_marker(c1, frame(BCAST, C1, 0x88b5, b"marker" * 4))
        assert not got, got
    reasons = [e.get("reason") for e in relay.events("frame")]
    assert "dhcp_server" in reasons


def test_over_mtu_reassembled_frame_dropped(lp):
    relay = lp.relay("--frag-mtu", "1280")
    gw, c1, _, _ = frag_room(lp, relay)
    # 1294 bytes is the room's largest frame: one more is overflow
    ok = full(BCAST, C1, b"k", 1294)
    c1.cmd("frag 700 " + hexs(ok))
    assert bytes.fromhex(gw.expect(lambda e: e["ev"] == "frame")["hex"]) == ok
    for p in frags(full(BCAST, C1, b"o", 1295), 700, 9):
        c1.cmd("dgram " + hexs(p))
    assert not [e for e in gw.before_marker(c1, frame(BCAST, C1, 0x88b5, b"m" * 40))
                if e.get("frag")]
    relay.wait_log("reason=frag_overflow")


def test_incomplete_frame_times_out(lp):
    relay = lp.relay()
    gw, c1, _, _ = frag_room(lp, relay)
    first = frags(full(BCAST, C1), 1200, 5)[0]
    c1.cmd("dgram " + hexs(first))
    relay.wait_log("reason=frag_timeout", timeout=3)
    assert not [e for e in gw.drain(0.3) if e["ev"] == "dgram"]


def test_bad_fragments_are_malformed_and_close_the_peer(lp):
    relay = lp.relay("--malformed-threshold", "6")
    gw, c1, _, _ = frag_room(lp, relay)
    # a FRAG datagram from a peer without "frag" is malformed
    plain = lp.peer(relay)
    plain.join("client", "FR", C2, 1518)
    plain.cmd("dgram " + hexs(frags(full(BCAST, C2), 1200, 1)[0]))
    relay.wait_log(r"reason=malformed")
    # contradictions: the same frame_id with another count
    a = frags(full(BCAST, C1), 1200, 3)
    b = frags(full(BCAST, C1), 600, 3)
    c1.cmd("dgram " + hexs(a[0]))
    c1.cmd("dgram " + hexs(b[1]))
    relay.wait_log("reason=frag_malformed")
    for i in range(8):
        c1.cmd("dgram " + hexs(a[0]))
        c1.cmd("dgram " + hexs(b[1]))
    assert c1.closed()["code"] == 3  # MALFORMED_DATAGRAMS
    assert gw.ctrl("peer_left")["reason"] == "malformed"
