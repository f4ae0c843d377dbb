"""System tests of lanparty-relay: the real binary, real QUIC peers
(lp-testpeer), loopback, ephemeral ports."""

import os
import signal
import socket
import subprocess
import time

import pytest
from scapy.all import (ARP, BOOTP, DHCP, DHCP6_Advertise, Dot1Q, Dot3, Ether,
                       ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_Redirect, IP, IPv6,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, LLC, STP, UDP, raw)

from lpharness import RELAY, frame, hexs

GW = "02:00:00:00:00:01"
C1 = "02:00:00:00:00:11"
C2 = "02:00:00:00:00:12"
LANHOST = "00:16:3e:00:00:99"
BCAST = "ff:ff:ff:ff:ff:ff"


def room_of_three(lp, relay, room="ROOM1"):
    gw = lp.peer(relay)
    w = gw.join("gateway", room, GW)
    c1 = lp.peer(relay)
    c1.join("client", room, C1)
    c2 = lp.peer(relay)
    c2.join("client", room, C2)
    # drain the lifecycle events
    gw.ctrl("peer_joined")
    gw.ctrl("peer_joined")
    c1.ctrl("peer_joined")  # catch-up: gateway
    c1.ctrl("peer_joined")  # c2
    return gw, c1, c2, w


def ctrl_tx_order(relay):
    """The relay's own production order of control messages."""
    return [(e["peer_id"], e["type"], e.get("about")) for e in relay.events("ctrl_tx")]


# ---------------------------------------------------------------- ordering

def test_gateway_then_clients_order(lp):
    relay = lp.relay()
    gw = lp.peer(relay)
    w = gw.join("gateway", "ROOM1", GW)
    assert w["gateway_present"] is True and w["gateway_peer_id"] == w["peer_id"]
    assert w["effective_mtu"] == 1380 and w["mode"] == "ethernet"
    c1 = lp.peer(relay)
    w1 = c1.join("client", "ROOM1", C1)
    assert w1["gateway_present"] is True and w1["gateway_peer_id"] == w["peer_id"]
    ev = c1.ctrl("peer_joined")
    assert ev["role"] == "gateway" and ev["mac"] == GW and ev["peer_id"] == w["peer_id"]
    ev = gw.ctrl("peer_joined")
    assert ev["mac"] == C1 and ev["peer_id"] == w1["peer_id"] and ev["role"] == "client"
    c2 = lp.peer(relay)
    w2 = c2.join("client", "ROOM1", C2)
    got = {c2.ctrl("peer_joined")["mac"], c2.ctrl("peer_joined")["mac"]}
    assert got == {GW, C1}
    assert c1.ctrl("peer_joined")["mac"] == C2
    # Existing peers hear of a new client before its welcome.
    order = ctrl_tx_order(relay)
    idx_welcome = order.index((str(w2["peer_id"]), "welcome", None))
    for pid in (w["peer_id"], w1["peer_id"]):
        assert order.index((str(pid), "peer_joined", str(w2["peer_id"]))) < idx_welcome
    # Catch-up follows the welcome on the new client's own stream.
    catch = [i for i, o in enumerate(order) if o[0] == str(w2["peer_id"]) and o[1] == "peer_joined"]
    assert all(i > idx_welcome for i in catch) and len(catch) == 2


def test_client_then_gateway_order(lp):
    relay = lp.relay()
    c1 = lp.peer(relay)
    w1 = c1.join("client", "ROOM1", C1)
    assert w1["gateway_present"] is False and w1["gateway_peer_id"] is None
    gw = lp.peer(relay)
    w = gw.join("gateway", "ROOM1", GW)
    ev = gw.ctrl("peer_joined")
    assert ev["mac"] == C1
    ev = c1.ctrl("peer_joined")
    assert ev["role"] == "gateway"
    order = ctrl_tx_order(relay)
    # The gateway gets its welcome and the client list before clients hear of it.
    i_welcome = order.index((str(w["peer_id"]), "welcome", None))
    i_catch = order.index((str(w["peer_id"]), "peer_joined", str(w1["peer_id"])))
    i_notify = order.index((str(w1["peer_id"]), "peer_joined", str(w["peer_id"])))
    assert i_welcome < i_catch < i_notify


def test_leave_reasons_and_reconnect(lp):
    relay = lp.relay()
    gw, c1, c2, _ = room_of_three(lp, relay)
    c1.cmd("disconnect going_home")
    ev = gw.ctrl("peer_left")
    assert ev["mac"] == C1 and ev["reason"] == "going_home" and ev["role"] == "client"
    assert c2.ctrl("peer_left")["reason"] == "going_home"
    c1.closed()
    # A close without a disconnect message
    c2.cmd("close 0")
    assert gw.ctrl("peer_left")["reason"] == "disconnect"
    # Reconnect with the same MAC works once the old session is gone.
    c3 = lp.peer(relay)
    w = c3.join("client", "ROOM1", C1)
    assert w["gateway_present"] is True
    assert gw.ctrl("peer_joined")["mac"] == C1


RESUME_A = "A" * 42 + "E"  # 32 bytes, canonical
RESUME_B = "B" * 42 + "A"


def test_restart_with_the_same_resume_replaces_stale_session(lp):
    relay = lp.relay()
    gw = lp.peer(relay)
    gw.join("gateway", "ROOM1", GW)
    old = lp.peer(relay)
    w_old = old.join("client", "ROOM1", C1, extra="resume=" + RESUME_A)
    gw.ctrl("peer_joined")
    old.proc.kill()  # crashed: no close reaches the relay
    new = lp.peer(relay)  # (and from any address: a new network is fine)
    w_new = new.join("client", "ROOM1", C1, extra="resume=" + RESUME_A)
    left = gw.ctrl("peer_left")
    assert left["peer_id"] == w_old["peer_id"] and left["reason"] == "replaced"
    joined = gw.ctrl("peer_joined")
    assert joined["peer_id"] == w_new["peer_id"] and joined["mac"] == C1


@pytest.mark.parametrize("theirs", ["", "resume=" + RESUME_B])
def test_takeover_without_the_resume_secret_fails(lp, theirs):
    """An attendee behind the party's NAT (the same IP as the gateway) who
    learned the gateway's MAC, or a player's, cannot replace them without
    their resume secret, with none or with another one."""
    relay = lp.relay()
    gw = lp.peer(relay)
    gw.join("gateway", "ROOM1", GW, extra="resume=" + RESUME_A)
    c1 = lp.peer(relay)
    c1.join("client", "ROOM1", C1, extra="resume=" + RESUME_A)
    gw.ctrl("peer_joined")
    for role, mac, reason in (("gateway", GW, "gateway_exists"),
                              ("client", C1, "duplicate_mac")):
        attacker = lp.peer(relay)
        attacker.hello(role, "ROOM1", mac, extra=theirs)
        assert attacker.ctrl("reject")["reason"] == reason
    # the real ones were never disturbed
    assert not [e for e in gw.drain(0.3) if e["ev"] == "ctrl" and e["body"]["type"] == "peer_left"]
    assert gw.proc.poll() is None and c1.proc.poll() is None


def test_gateway_stop_gives_clients_its_reason(lp):
    relay = lp.relay()
    gw, c1, c2, w = room_of_three(lp, relay)
    gw.cmd("disconnect gateway_shutdown")
    for c in (c1, c2):
        ev = c.ctrl("peer_left")
        assert ev["role"] == "gateway" and ev["peer_id"] == w["peer_id"]
        assert ev["reason"] == "gateway_shutdown"


# ---------------------------------------------------------------- rejects

def reject_of(peer):
    rej = peer.ctrl("reject")
    closed = peer.closed()
    assert closed["code"] == 2, closed  # REJECTED
    return rej


@pytest.mark.parametrize("body,reason", [
    ('{"type":"hello","version":2,"role":"client","room":"R","mac":"02:00:00:00:00:05","datagram_budget":1400}', "unsupported_version"),
    ('{"type":"hello","version":1,"role":"client","room":"R","mac":"02:00:00:00:00:05"}', "bad_hello"),
    ('{"type":"hello","version":1,"role":"client","room":"R","mac":"02:00:00:00:00:05","datagram_budget":"1400"}', "bad_hello"),
    ('{"type":"hello","version":1,"role":"captain","room":"R","mac":"02:00:00:00:00:05","datagram_budget":1400}', "bad_hello"),
    ('{"type":"stats","frames_tx":1}', "bad_hello"),
    ('[1,2,3]', "bad_hello"),
    ('{"type":"hello",', "bad_hello"),
    ('{"type":"hello","version":1,"role":"client","room":"bad room","mac":"02:00:00:00:00:05","datagram_budget":1400}', "invalid_room"),
    ('{"type":"hello","version":1,"role":"client","room":"' + "R" * 33 + '","mac":"02:00:00:00:00:05","datagram_budget":1400}', "invalid_room"),
    ('{"type":"hello","version":1,"role":"client","room":"R","mac":"00:11:22:33:44:55","datagram_budget":1400}', "invalid_mac"),
    ('{"type":"hello","version":1,"role":"gateway","room":"R","mac":"01:00:5e:00:00:01","datagram_budget":1400}', "invalid_mac"),
    ('{"type":"hello","version":1,"role":"client","room":"R","mac":"02:00:00:00:00:05","datagram_budget":500}', "datagram_budget_too_small"),
])
def test_hello_rejects(lp, body, reason):
    relay = lp.relay()
    p = lp.peer(relay, wait_ready=False)
    p.expect(lambda e: e["ev"] == "handshake")
    p.cmd("json " + body)
    rej = reject_of(p)
    assert rej["reason"] == reason, rej
    assert rej["message"]
    assert not relay.events("peer_joined")


@pytest.mark.parametrize("raw", ["00000000", "00010001" + "7b" * 8, "ffffffff"])
def test_bad_length_prefix_rejected(lp, raw):
    relay = lp.relay()
    p = lp.peer(relay, wait_ready=False)
    p.expect(lambda e: e["ev"] == "handshake")
    p.cmd("raw " + raw)
    assert reject_of(p)["reason"] == "bad_hello"


def test_invalid_utf8_rejected(lp):
    relay = lp.relay()
    p = lp.peer(relay, wait_ready=False)
    p.expect(lambda e: e["ev"] == "handshake")
    body = b'{"type":"hello","version":1,"role":"client","room":"\xff\xfe","mac":"02:00:00:00:00:05","datagram_budget":1400}'
    p.cmd("raw " + hexs(len(body).to_bytes(4, "big") + body))
    assert reject_of(p)["reason"] == "bad_hello"


def test_hello_split_at_every_offset(lp):
    relay = lp.relay()
    p = lp.peer(relay)
    body = ('{"type":"hello","version":1,"role":"client","room":"SPLIT","mac":"%s","datagram_budget":%d}'
            % (C1, p.ready["budget"])).encode()
    msg = len(body).to_bytes(4, "big") + body
    stats = b'{"type":"stats","frames_tx":5,"frames_rx":0,"datagrams_tx":0,"datagrams_rx":0,"drops":{}}'
    msg += len(stats).to_bytes(4, "big") + stats
    for i in range(len(msg)):
        p.cmd("raw " + hexs(msg[i:i + 1]))
    w = p.ctrl("welcome")
    assert w["effective_mtu"] == 1380


def test_room_gateway_and_mac_rules(lp):
    relay = lp.relay("--room-max-peers", "3")
    gw = lp.peer(relay)
    gw.join("gateway", "ROOM1", GW)
    # a second gateway (another MAC) is refused
    g2 = lp.peer(relay)
    g2.cmd("hello gateway ROOM1 02:00:00:00:00:02")
    assert reject_of(g2)["reason"] == "gateway_exists"
    c1 = lp.peer(relay)
    c1.join("client", "ROOM1", C1)
    # the same client MAC from another host is refused
    dup = lp.peer(relay, "--bind", "127.0.0.2")
    dup.cmd("hello client ROOM1 " + C1)
    assert reject_of(dup)["reason"] == "duplicate_mac"
    c2 = lp.peer(relay)
    c2.join("client", "ROOM1", C2)
    full = lp.peer(relay)
    full.cmd("hello client ROOM1 02:00:00:00:00:33")
    rej = reject_of(full)
    assert rej["reason"] == "room_full"
    # other rooms are unaffected
    other = lp.peer(relay)
    assert other.join("client", "ROOM2", "02:00:00:00:00:33")["effective_mtu"] == 1380


def test_relay_full(lp):
    relay = lp.relay("--max-peers", "1")
    a = lp.peer(relay)
    a.join("client", "A", C1)
    b = lp.peer(relay)
    b.cmd("hello client B " + C2)
    assert reject_of(b)["reason"] == "relay_full"


def test_budget_below_room_mtu_rejected(lp):
    relay = lp.relay()
    a = lp.peer(relay)
    w = a.join("client", "ROOM1", C1, budget=1000)
    assert w["effective_mtu"] == 982
    b = lp.peer(relay)
    b.cmd("hello client ROOM1 %s 999" % C2)
    assert reject_of(b)["reason"] == "datagram_budget_too_small"


def test_hello_timeout(lp):
    relay = lp.relay()
    p = lp.peer(relay)
    closed = p.closed(timeout=9)
    assert closed["code"] == 4  # HELLO_TIMEOUT
    relay.wait_log("event=hello_timeout")


def test_wrong_pin_refused(lp, tmp_path):
    relay = lp.relay()
    other = lp.relay()  # another development certificate
    p = lp.peer(relay, pin=other.cert, wait_ready=False)
    closed = p.closed()
    assert closed["why"] == "tls", closed
    assert not relay.events("peer_joined")


def test_wrong_alpn_fails_handshake(lp):
    relay = lp.relay()
    p = lp.peer(relay, "--alpn", "h3", wait_ready=False)
    closed = p.closed()
    assert closed["why"] in ("tls", "peer_closed"), closed
    # no_application_protocol (120) as a CRYPTO_ERROR 0x100 + 120
    assert closed["code"] == 0x178 or closed["alert"] == 120, closed


def test_no_alpn_fails_handshake(lp):
    """A ClientHello without the ALPN extension gets no_application_protocol
    too (spec section 1, RFC 9001 section 8.1)."""
    relay = lp.relay()
    # --alpn "": the peer offers no ALPN, and with nothing offered it does
    # not check the server's choice itself, so only the relay can refuse.
    p = lp.peer(relay, "--alpn", "", wait_ready=False)
    # Queued until the handshake completes: it must never reach the relay.
    p.cmd("hello client ROOM1 %s 1200" % C1)
    closed = p.closed()
    # The relay's alert (CRYPTO_ERROR 0x100 + 120), not a local abort.
    assert closed["why"] == "peer_closed", closed
    assert closed["code"] == 0x178, closed
    # The marker: the relay logs a join, a reject or a hello timeout of this
    # connection before it logs the connection closed.
    relay.wait_log(r"event=conn_closed .*why=tls code=376 tls_alert=120")
    assert not relay.events("peer_joined")
    assert not relay.events("rejected")
    assert not relay.events("hello_timeout")


def test_peer_without_datagram_support_closed(lp):
    relay = lp.relay()
    p = lp.peer(relay, "--no-datagram", wait_ready=False)
    closed = p.closed()
    assert closed["code"] == 1, closed  # PROTOCOL_VIOLATION


def test_control_violation_after_welcome(lp):
    relay = lp.relay()
    gw, c1, c2, _ = room_of_three(lp, relay)
    c1.cmd("json {not json")
    assert c1.closed()["code"] == 1
    assert gw.ctrl("peer_left")["mac"] == C1
    # the others carry on
    c2.cmd("frame " + hexs(frame(BCAST, C2, 0x88b5, b"x" * 30)))
    assert gw.dgrams()


def test_unknown_message_type_ignored(lp):
    relay = lp.relay()
    gw = lp.peer(relay)
    gw.join("gateway", "ROOM1", GW)
    gw.cmd('json {"type":"future_thing","x":1}')
    gw.cmd("stats")
    c1 = lp.peer(relay)
    c1.join("client", "ROOM1", C1)
    assert gw.ctrl("peer_joined")["mac"] == C1
    relay.signal(signal.SIGUSR1)
    line = relay.wait_log(r"event=snapshot_peer .*role=gateway.*peer_frames_tx=7")
    assert "peer_drops=3" in line


# ---------------------------------------------------------------- forwarding

def test_forwarding_rules(lp):
    relay = lp.relay()
    gw, c1, c2, w = room_of_three(lp, relay)
    # broadcast from a client: everyone else, never back
    b = frame(BCAST, C1, 0x88b5, b"hello-all" * 4)
    c1.cmd("frame " + hexs(b))
    c1_id = c1.seen_welcome()["peer_id"]
    for p in (gw, c2):
        got = p.dgrams()
        assert len(got) == 1 and got[0]["hex"].endswith(hexs(b))
        assert got[0]["peer_id"] == c1_id  # the relay names the sender
    assert not c1.before_marker(gw, frame(C1, GW, 0x88b5, b"marker1" * 4))
    # unicast to a client MAC: only that client
    u = frame(C2, C1, 0x88b5, b"to-c2" * 8)
    c1.cmd("frame " + hexs(u))
    got = c2.dgrams()
    assert len(got) == 1 and got[0]["peer_id"] == c1_id
    assert not gw.before_marker(c1, frame(LANHOST, C1, 0x88b5, b"marker2" * 4))
    # unknown unicast from a client: the gateway only
    u = frame(LANHOST, C1, 0x88b5, b"to-lan" * 8)
    c1.cmd("frame " + hexs(u))
    got = gw.dgrams()
    assert len(got) == 1 and got[0]["peer_id"] == c1_id
    assert not c2.before_marker(c1, frame(C2, C1, 0x88b5, b"marker3" * 4))
    # unknown unicast from the gateway: dropped
    gw.cmd("frame " + hexs(frame("02:00:00:00:77:77", GW, 0x88b5, b"z" * 40)))
    assert not c1.before_marker(gw, frame(C1, GW, 0x88b5, b"marker4" * 4))
    assert not c2.before_marker(gw, frame(C2, GW, 0x88b5, b"marker5" * 4))
    relay.wait_log("reason=unknown_unicast")
    # gateway to a client MAC
    gw.cmd("frame " + hexs(frame(C1, GW, 0x0800, bytes(IP(src="198.18.0.1", dst="198.18.0.2") / UDP()))))
    got = c1.dgrams()
    assert len(got) == 1 and got[0]["peer_id"] == w["peer_id"]


def test_source_mac_rules(lp):
    relay = lp.relay()
    gw, c1, c2, _ = room_of_three(lp, relay)
    c1.cmd("frame " + hexs(frame(BCAST, "02:00:00:00:66:66", 0x88b5, b"s" * 40)))
    gw.cmd("frame " + hexs(frame(BCAST, C2, 0x88b5, b"s" * 40)))
    gw.cmd("frame " + hexs(frame(BCAST, "01:00:5e:00:00:01", 0x88b5, b"s" * 40)))
    assert not gw.before_marker(c2, frame(LANHOST, C2, 0x88b5, b"marker" * 4))
    assert not c2.before_marker(gw, frame(C2, GW, 0x88b5, b"marker" * 4))
    assert not c1.before_marker(gw, frame(C1, GW, 0x88b5, b"marker" * 4))
    assert len([e for e in relay.events("frame") if e.get("reason") == "source_mac"]) == 3


def filtered_vectors():
    c = C1
    return {
        "link_local": bytes(Dot3(dst="01:80:c2:00:00:00", src=c) / LLC() / STP()),
        "vlan_tag": bytes(Ether(dst=BCAST, src=c) / Dot1Q(vlan=5) / IP(dst="255.255.255.255") / UDP(sport=1, dport=2)),
        "dhcp_server": bytes(Ether(dst=BCAST, src=c) / IP(src="198.18.0.9", dst="255.255.255.255", options=[]) /
                             UDP(sport=67, dport=68) / BOOTP(op=2) / DHCP(options=[("message-type", "offer"), "end"])),
        "dhcpv6_server": bytes(Ether(dst="33:33:00:01:00:02", src=c) / IPv6(src="fe80::1", dst="ff02::1:2") /
                               UDP(sport=547, dport=546) / DHCP6_Advertise()),
        "router_advertisement": bytes(Ether(dst="33:33:00:00:00:01", src=c) / IPv6(src="fe80::1", dst="ff02::1") /
                                      IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() / ICMPv6ND_RA()),
        "ipv6_fragment": bytes(Ether(dst="33:33:00:00:00:01", src=c) / IPv6(src="fe80::1", dst="ff02::1") /
                               IPv6ExtHdrFragment(offset=0, m=1) / UDP(sport=5000, dport=5000) / raw(b"p" * 20)),
        # revision 2: an allow-list with guards
        "switch_control": bytes(Ether(dst="01:00:0c:cc:cc:cc", src=c) / LLC() / raw(b"d" * 40)),
        "ethertype": bytes(Dot3(dst=BCAST, src=c) / LLC() / raw(b"snap" * 10)),
        "redirect": bytes(Ether(dst="33:33:00:00:00:01", src=c) / IPv6(src="fe80::1", dst="ff02::1") /
                          ICMPv6ND_Redirect(tgt="fe80::1", dst="2001:db8::1")),
        "lladdr_spoof": bytes(Ether(dst=BCAST, src=c) / ARP(op=2, hwsrc="02:00:00:00:66:66",
                                                              psrc="198.18.0.66")),
        "ip_tunnel": bytes(Ether(dst=BCAST, src=c) / IP(src="198.18.0.5", dst="198.18.0.255", proto=41) /
                           IPv6(src="fe80::1", dst="ff02::1") / ICMPv6ND_RA()),
        "dhcp_chaddr": bytes(Ether(dst=BCAST, src=c) / IP(src="0.0.0.0", dst="255.255.255.255") /
                             UDP(sport=68, dport=67) / BOOTP(op=1, chaddr=bytes.fromhex("020000006666")) /
                             DHCP(options=[("message-type", "discover"), "end"])),
    }


def test_safety_policy_filters(lp):
    relay = lp.relay()
    gw, c1, c2, _ = room_of_three(lp, relay)
    vectors = filtered_vectors()
    for name, pkt in vectors.items():
        c1.cmd("frame " + hexs(pkt))
    # the gateway's own switch-control frames are filtered too
    gw.cmd("frame " + hexs(bytes(Dot3(dst="01:80:c2:00:00:0e", src=GW) / LLC() / raw(b"l" * 40))))
    assert not gw.before_marker(c1, frame(LANHOST, C1, 0x88b5, b"marker" * 4))
    assert not c2.before_marker(gw, frame(C2, GW, 0x88b5, b"marker" * 4))
    assert not c1.before_marker(gw, frame(C1, GW, 0x88b5, b"marker" * 4))
    reasons = [e["reason"] for e in relay.events("frame") if e.get("action") == "filtered"]
    for name in vectors:
        assert name in reasons, (name, reasons)
    assert reasons.count("link_local") == 2
    # allowed classes still pass from the client
    allowed = [
        bytes(Ether(dst=BCAST, src=C1) / ARP(hwsrc=C1, psrc="198.18.0.5", pdst="198.18.0.1")),
        bytes(Ether(dst=BCAST, src=C1) / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67) /
              BOOTP(op=1, chaddr=bytes.fromhex("020000000011")) / DHCP(options=[("message-type", "discover"), "end"])),
        bytes(Ether(dst="33:33:ff:00:00:01", src=C1) / IPv6(src="fe80::11", dst="ff02::1:ff00:1") / ICMPv6ND_NS(tgt="fe80::1")),
        bytes(Ether(dst="01:00:5e:00:00:fb", src=C1) / IP(src="198.18.0.5", dst="224.0.0.251") / UDP(sport=5353, dport=5353)),
    ]
    for pkt in allowed:
        c1.cmd("frame " + hexs(pkt))
    assert len(gw.dgrams(0.6)) == len(allowed)


def test_clients_send_only_ipv4_arp_ipv6_unless_allowed(lp):
    """The allow-list with the production flags: a client's frame of any
    other ethertype is filtered; --allow-ethertype lets one more through."""
    for allowed in (False, True):
        relay = lp.relay(*(["--allow-ethertype", "8137"] if allowed else []), test_ethertype=False)
        gw = lp.peer(relay)
        gw.join("gateway", "ROOM1", GW)
        c1 = lp.peer(relay)
        c1.join("client", "ROOM1", C1)
        gw.ctrl("peer_joined")
        ipx = frame(BCAST, C1, 0x8137, b"IPX game" * 4)
        exp = frame(BCAST, C1, 0x88b5, b"experimental" * 4)
        c1.cmd("frame " + hexs(ipx))
        c1.cmd("frame " + hexs(exp))
        marker = bytes(Ether(dst=BCAST, src=C1) / IP(src="198.18.0.11", dst="255.255.255.255") /
                       UDP(sport=9, dport=9) / raw(b"marker"))
        got = [d["hex"] for d in gw.before_marker(c1, marker)]
        assert any(h.endswith(hexs(ipx)) for h in got) == allowed
        assert not any(h.endswith(hexs(exp)) for h in got)
        reasons = [e.get("reason") for e in relay.events("frame")]
        assert reasons.count("ethertype") == (1 if allowed else 2), reasons


def test_size_limits(lp):
    relay = lp.relay()
    gw = lp.peer(relay)
    gw.join("gateway", "ROOM1", GW)
    c1 = lp.peer(relay)
    c1.join("client", "ROOM1", C1)
    c2 = lp.peer(relay)
    c2.join("client", "ROOM1", C2, budget=1398)
    gw.ctrl("peer_joined")
    gw.ctrl("peer_joined")
    # 1381 bytes of payload: over the room MTU (1380), within the path
    c1.cmd("frame " + hexs(frame(LANHOST, C1, 0x88b5, b"m" * 1381)))
    # 1399-byte datagram: over this peer's announced budget (1398)
    c2.cmd("dgram " + hexs(b"\x01\x00\x00\x00" + frame(LANHOST, C2, 0x88b5, b"b" * 1381)))
    # exactly the MTU passes
    c1.cmd("frame " + hexs(frame(LANHOST, C1, 0x88b5, b"k" * 1380)))
    got = gw.dgrams()
    assert len(got) == 1 and got[0]["len"] == 4 + 14 + 1380
    reasons = [e.get("reason") for e in relay.events("frame")]
    assert "over_mtu" in reasons and "datagram_budget" in reasons


def test_egress_budget_skip(lp):
    relay = lp.relay()
    gw = lp.peer(relay)
    gw.join("gateway", "ROOM1", GW)
    # This client can only receive 1200-byte UDP payloads, yet claims 1400.
    small = lp.peer(relay, "--small-udp")
    small.join("client", "ROOM1", C1, budget=1400)
    c2 = lp.peer(relay)
    c2.join("client", "ROOM1", C2)
    big = frame(BCAST, GW, 0x88b5, b"B" * 1300)
    gw.cmd("frame " + hexs(big))
    assert len(c2.dgrams()) == 1
    assert not small.before_marker(gw, frame(C1, GW, 0x88b5, b"marker" * 4))
    line = relay.wait_log("event=egress_skip")
    assert "target_budget=" in line and "len=1318" in line


def flood_and_count(sender, receiver, frame_hex, n):
    """Sends n frames; returns (frames delivered, seconds the flood took)."""
    receiver.cmd("count")
    before = receiver.expect(lambda e: e["ev"] == "count")["dgrams"]
    t0 = time.monotonic()
    sender.cmd("flood %d %s" % (n, frame_hex))
    sender.expect(lambda e: e["ev"] == "flood_done", 20)
    took = time.monotonic() - t0
    time.sleep(0.3)  # the last forwarded frames land
    receiver.cmd("count")
    return receiver.expect(lambda e: e["ev"] == "count")["dgrams"] - before, took


def test_rate_limits(lp):
    relay = lp.relay("--rate-broadcast", "20", "--rate-unknown-unicast", "10")
    gw = lp.peer(relay)
    gw.join("gateway", "ROOM1", GW)
    c1 = lp.peer(relay)
    c1.join("client", "ROOM1", C1)
    gw.ctrl("peer_joined")
    gw.cmd("quiet")
    # a burst of 2x the rate, plus what refills while the flood runs
    n, took = flood_and_count(c1, gw, hexs(frame(BCAST, C1, 0x88b5, b"f" * 100)), 300)
    assert 40 <= n <= 40 + 20 * (took + 0.5), (n, took)
    n, took = flood_and_count(c1, gw, hexs(frame("02:00:00:00:ab:cd", C1, 0x88b5, b"u" * 100)), 300)
    assert 10 <= n <= 20 + 10 * (took + 0.5), (n, took)
    reasons = [e.get("reason") for e in relay.events("frame")]
    assert "rate_broadcast" in reasons and "rate_unknown_unicast" in reasons


def test_unicast_to_learned_lan_host_not_rate_limited(lp):
    relay = lp.relay("--rate-unknown-unicast", "1")
    gw = lp.peer(relay)
    gw.join("gateway", "ROOM1", GW)
    c1 = lp.peer(relay)
    c1.join("client", "ROOM1", C1)
    gw.ctrl("peer_joined")
    # The LAN host speaks first (through the gateway), so the relay knows it.
    gw.cmd("frame " + hexs(frame(BCAST, LANHOST, 0x88b5, b"i-am-here" * 5)))
    assert c1.dgrams()
    for _ in range(20):
        c1.cmd("frame " + hexs(frame(LANHOST, C1, 0x88b5, b"t" * 60)))
    assert len(gw.dgrams(0.8)) == 20


def test_malformed_threshold_isolates_bad_peer(lp):
    relay = lp.relay()
    gw, bad, good, _ = room_of_three(lp, relay)
    for _ in range(40):
        bad.cmd("dgram 02000000" + hexs(frame(BCAST, C1, 0x88b5, b"x" * 20)))
    closed = bad.closed()
    assert closed["code"] == 3, closed  # MALFORMED_DATAGRAMS
    left = gw.ctrl("peer_left")
    assert left["mac"] == C1 and left["reason"] == "malformed"
    # the good peer keeps exchanging frames with the gateway
    good.cmd("frame " + hexs(frame(BCAST, C2, 0x88b5, b"still-here" * 3)))
    assert len(gw.dgrams()) == 1
    gw.cmd("frame " + hexs(frame(C2, GW, 0x88b5, b"ack" * 10)))
    assert len(good.dgrams()) == 1


def test_malformed_below_threshold_counted_not_closed(lp):
    relay = lp.relay()
    gw, c1, c2, _ = room_of_three(lp, relay)
    for d in ("", "01", "0100", "01000000", "01010000" + "00" * 14, "01000005" + "00" * 14,
              "01000000" + "00" * 13):
        c1.cmd("dgram " + d if d else "dgram 00")
    c1.cmd("frame " + hexs(frame(BCAST, C1, 0x88b5, b"ok" * 10)))
    assert len(gw.dgrams()) == 1
    assert len([e for e in relay.events("frame") if e.get("reason") == "malformed"]) >= 6


# ---------------------------------------------------------------- transport

def test_graceful_shutdown(lp):
    relay = lp.relay()
    gw, c1, c2, _ = room_of_three(lp, relay)
    relay.signal(signal.SIGTERM)
    for p in (gw, c1, c2):
        d = p.ctrl("disconnect")
        assert d["reason"] == "relay_shutdown"
        assert p.closed()["code"] == 5  # RELAY_SHUTDOWN
        assert not [e for e in p.seen if e["ev"] == "ctrl" and e["body"]["type"] == "peer_left"]
    assert relay.proc.wait(timeout=10) == 0


def test_retry_always(lp):
    relay = lp.relay("--retry")
    p = lp.peer(relay)
    assert p.join("client", "ROOM1", C1)["effective_mtu"] == 1380
    relay.signal(signal.SIGUSR1)
    relay.wait_log(r"event=snapshot .*retries=1")


def test_version_negotiation_and_stateless_reset(lp):
    relay = lp.relay()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        # long header, unknown version 0x1a2a3a4a, 8-byte CIDs, padded to 1200
        pkt = bytes([0xc0]) + bytes.fromhex("1a2a3a4a") + bytes([8]) + b"D" * 8 + bytes([8]) + b"S" * 8
        s.sendto(pkt + b"\0" * (1200 - len(pkt)), ("127.0.0.1", relay.port))
        vn, _ = s.recvfrom(2048)
        assert vn[0] & 0x80 and vn[1:5] == b"\0\0\0\0"
        assert bytes.fromhex("00000001") in vn[5:]
        # short header for an unknown connection: a stateless reset, shorter
        short = bytes([0x40]) + os.urandom(99)
        s.sendto(short, ("127.0.0.1", relay.port))
        rst, _ = s.recvfrom(2048)
        assert 21 <= len(rst) < len(short) and (rst[0] & 0xc0) == 0x40
    finally:
        s.close()


def test_ipv6_listen(lp):
    relay = lp.relay(listen="[::1]:0")
    gw = lp.peer(relay)
    assert gw.join("gateway", "ROOM6", GW)["effective_mtu"] == 1380
    c1 = lp.peer(relay)
    c1.join("client", "ROOM6", C1)
    c1.cmd("frame " + hexs(frame(BCAST, C1, 0x88b5, b"v6" * 20)))
    assert len(gw.dgrams()) == 1


def test_rooms_are_isolated(lp):
    relay = lp.relay()
    gw_a = lp.peer(relay)
    gw_a.join("gateway", "A", GW)
    gw_b = lp.peer(relay)
    gw_b.join("gateway", "B", "02:00:00:00:00:02")
    ca = lp.peer(relay)
    ca.join("client", "A", C1)
    cb = lp.peer(relay)
    cb.join("client", "B", C1)  # the same MAC is fine in another room
    ca.cmd("frame " + hexs(frame(BCAST, C1, 0x88b5, b"only-A" * 5)))
    assert len(gw_a.dgrams()) == 1
    assert not gw_b.before_marker(cb, frame(LANHOST, C1, 0x88b5, b"marker" * 4))
    assert not cb.before_marker(gw_b, frame(C1, "02:00:00:00:00:02", 0x88b5, b"marker" * 4))
    # each gateway heard only of its own room's client
    for g, c in ((gw_a, ca), (gw_b, cb)):
        g.drain(0.2)
        joined = [e["body"] for e in g.seen if e["ev"] == "ctrl" and e["body"]["type"] == "peer_joined"]
        assert len(joined) == 1 and joined[0]["mac"] == C1


@pytest.mark.parametrize("case", ["missing", "mismatch", "not_pem"])
def test_certificate_errors_are_clear(lp, tmp_path, case):
    # two development identities: a certificate and somebody else's key
    a = lp.relay("--dev-cert-pem-out", str(tmp_path / "a.pem"),
                 "--dev-key-pem-out", str(tmp_path / "a.key"))
    b = lp.relay("--dev-cert-pem-out", str(tmp_path / "b.pem"),
                 "--dev-key-pem-out", str(tmp_path / "b.key"))
    a.stop()
    b.stop()
    (tmp_path / "junk.pem").write_text("not a certificate\n")
    cert, key = {
        "missing": (tmp_path / "none.pem", tmp_path / "a.key"),
        "mismatch": (tmp_path / "a.pem", tmp_path / "b.key"),
        "not_pem": (tmp_path / "junk.pem", tmp_path / "a.key"),
    }[case]
    p = subprocess.run([RELAY, "--listen", "127.0.0.1:0", "--cert", str(cert), "--key", str(key)],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 5, p  # LP_EXIT_TLS: the certificate is unusable
    assert str(cert) in p.stderr
    if case == "mismatch":
        assert "key does not belong" in p.stderr
    # and the right pair works: the same leaf as the first run
    ok = lp.relay(cert_args=["--cert", str(tmp_path / "a.pem"), "--key", str(tmp_path / "a.key"),
                             "--dev-cert-der-out", str(tmp_path / "a.der")])
    peer = lp.peer(ok, pin=str(tmp_path / "a.der"))
    assert peer.join("client", "R", C1)["effective_mtu"] == 1380


def test_connections_per_ip_are_capped(lp):
    relay = lp.relay("--max-conns-per-ip", "2")
    a = lp.peer(relay)
    b = lp.peer(relay)
    a.join("client", "R", C1)
    b.join("client", "R", C2)
    c = lp.peer(relay, wait_ready=False)
    assert c.closed()["why"] in ("peer_closed", "error")
    # another address is still welcome
    d = lp.peer(relay, "--bind", "127.0.0.2")
    assert d.join("client", "R", "02:00:00:00:00:33")["effective_mtu"] == 1380


def test_oversized_first_message_rejected_before_its_body(lp):
    relay = lp.relay()
    p = lp.peer(relay, wait_ready=False)
    p.expect(lambda e: e["ev"] == "handshake")
    p.cmd("raw 00008000" + "7b")  # announces 32 KiB, sends one byte
    rej = reject_of(p)
    assert rej["reason"] == "bad_hello" and "32768" in rej["message"]
