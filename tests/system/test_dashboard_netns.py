"""The organiser's live view (issue 15) during a real LAN party in network
namespaces (lpnet.py: dnsmasq on the LAN, a closed relay, a gateway, two
players): the status JSON shows the leases dnsmasq gave, a real
Prometheus server scrapes /metrics, forwarding keeps its rate while the
API is polled hard, and headless Chromium shows the players arrive and
leave, kicks one, and leaves a screenshot in build-logs/."""

import json
import os
import subprocess
import threading
import time

import pytest

import lpadmin
from lpadmin import request
import lpnet
from lpnet import LAN_HOST, LanParty, sh

P1_MAC = "02:00:00:00:01:01"
P2_MAC = "02:00:00:00:01:02"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for namespaces")


@pytest.fixture(scope="module")
def party():
    lp = LanParty(players=2, closed=True,
                  relay_args=["--admin-listen", "127.0.0.1:0", "--admin-timeout", "5"])
    with lp:
        lp.start_dnsmasq()
        lp.start_relay()
        lp.admin_url, lp.admin_token = lpadmin.admin_of(lp.relay.wait_for("event=admin_listening"))
        lp.nsx = lpadmin.NsExecutor(lp.ns["relay"])
        gw = lp.start_gateway()
        gw.wait_for("event=welcome")
        for p, mac in (("p1", P1_MAC), ("p2", P2_MAC)):
            lp.start_client(p, mac).wait_for("event=tap_up")
        lp.leases = {p: lp.dhcp(p) for p in ("p1", "p2")}
        try:
            yield lp
        finally:
            lp.nsx.close()


def status(party):
    return party.nsx(lpadmin.status, party.admin_url, party.admin_token)


def wait_status(party, pred, timeout=20):
    return lpadmin.wait_status(party.nsx, party.admin_url, party.admin_token, pred, timeout)


def iperf_once(party, seconds, udp_rate=None, player="p1"):
    """Through the tunnel, a player -> the LAN host: TCP, or UDP at
    udp_rate (1200-byte datagrams). Returns (bits/s received, loss %)."""
    extra = ["-u", "-b", udp_rate, "-l", "1200"] if udp_rate else []
    out = lpnet.iperf3_json(party.ns["lan"], party.ns[player], LAN_HOST,
                            ["-t", str(seconds)] + extra, seconds + 20)
    if "error" in out:
        raise RuntimeError("iperf3: %s" % str(out["error"])[:300])
    if udp_rate:
        s = out["end"]["sum"]
        return s["bits_per_second"] * (1 - s["lost_percent"] / 100), s["lost_percent"]
    return out["end"]["sum_received"]["bits_per_second"], 0.0


def iperf(party, seconds, udp_rate=None, player="p1"):
    """iperf_once, tried again (at most twice more) when iperf3 itself
    hangs or fails: with four pollers, the relay, the gateway, the client
    and iperf3 on two CPUs, iperf3's own control connection has been seen
    to stall for over 20 s; the rate of a run that completes is what the
    test compares."""
    for attempt in range(3):
        try:
            return iperf_once(party, seconds, udp_rate, player)
        except (subprocess.TimeoutExpired, RuntimeError,
                ValueError, KeyError) as e:
            print("iperf3 run failed (%s), again" % str(e)[:120])
            if attempt == 2:
                raise


def test_status_shows_the_party(party):
    sh("ping", "-c", "2", "-i", "0.2", "-W", "2", LAN_HOST, ns=party.ns["p1"])
    sh("ping", "-c", "2", "-i", "0.2", "-W", "2", LAN_HOST, ns=party.ns["p2"])

    def ready(d):
        ps = {p["mac"]: p for p in lpadmin.peers(d)}
        return all(any(a["addr"] == party.leases[k] for a in ps.get(m, {}).get(
            "addresses", {}).get("ipv4", [])) for k, m in (("p1", P1_MAC), ("p2", P2_MAC)))

    doc = wait_status(party, ready)
    lpadmin.validate(doc)
    assert doc["relay"]["closed"] is True
    room = doc["rooms"][0]
    assert room["name"] == "PARTY" and room["gateway_id"] is not None
    ps = {p["mac"]: p for p in room["peers"]}
    gw = [p for p in room["peers"] if p["role"] == "gateway"][0]
    assert gw["label"] == "gateway"
    for k, mac in (("p1", P1_MAC), ("p2", P2_MAC)):
        p = ps[mac]
        assert p["role"] == "client" and p["label"] == "players"
        # the lease dnsmasq gave, learned from its DHCPACK
        assert {"addr": party.leases[k], "via": "dhcp"} in p["addresses"]["ipv4"], p
        assert p["remote"].endswith(("198.18.100.11", "198.18.100.12"), 0,
                                    p["remote"].rindex(":")) or "198.18.100.1" in p["remote"]
        assert p["rtt_ms"]["smoothed"] > 0
        assert p["traffic"]["frames_in"] > 0 and p["traffic"]["frames_out"] > 0
    # the LAN host and its DHCP server are the LAN's
    assert any(a["addr"] == LAN_HOST for a in room["lan_addresses"])
    print("status: %d bytes, %d peers" % (len(json.dumps(doc)), len(room["peers"])))


def test_prometheus_scrapes_the_relay(party):
    port = int(party.admin_url.rsplit(":", 1)[1].strip("/"))
    prom = party.nsx(lpadmin.Prometheus, "127.0.0.1:%d" % port)
    try:
        up = party.nsx(prom.wait, 'up{job="lanparty"}', lambda r: r and r[0]["value"][1] == "1")
        assert up
        r = party.nsx(prom.wait, 'lanparty_peers{room="PARTY"}', lambda r: len(r) == 2)
        by_role = {x["metric"]["role"]: x["value"][1] for x in r}
        assert by_role == {"gateway": "1", "client": "2"}, by_role
        r = party.nsx(prom.wait, "lanparty_peer_rtt_seconds", lambda r: len(r) == 3)
        assert all(float(x["value"][1]) > 0 for x in r)
        r = party.nsx(prom.wait, 'lanparty_forwarded_frames_total{direction="in"}',
                      lambda r: r and float(r[0]["value"][1]) > 0)
        r = party.nsx(prom.wait, "lanparty_drops_total", lambda r: len(r) > 20)
        party.nsx(prom.wait, "process_resident_memory_bytes")
        _, _, body = party.nsx(request, party.admin_url, "/metrics")
        lpadmin.promtool_check(body.decode())
    finally:
        party.nsx(prom.stop)


def test_forwarding_keeps_its_rate_under_hard_polling(party):
    """The forwarding rate at a fixed offered load (UDP iperf3 at 60 Mbit/s,
    below the relay's per-client byte rate) must not drop while four
    clients poll the API and /metrics as fast as they can: the rate
    delivered and the loss, alone and polled. (TCP is not measured here:
    its throughput is bounded by the same two CPUs the pollers take, and a
    TCP run through the tunnel can stall, an issue of its own.)"""
    def measure():
        return iperf(party, 3, udp_rate="60M")

    stop = threading.Event()
    served = [0, 0]

    def hammer(i):
        path = "/metrics" if i % 2 else "/api/v1/status"
        while not stop.is_set():
            st, _, _ = request(party.admin_url, path, token=party.admin_token)
            served[0 if st == 200 else 1] += 1

    def polled_measure():
        pollers = lpadmin.NsExecutor(party.ns["relay"], workers=4)
        stop.clear()
        futs = [pollers.submit(hammer, i) for i in range(4)]
        try:
            t0 = time.monotonic()
            return measure(), time.monotonic() - t0
        finally:
            stop.set()
            for f in futs:
                f.result(timeout=20)
            pollers.close()

    # alternate, and keep each condition's best: the machine is shared
    # and a run can lose its CPU to something else entirely
    runs = {"alone": [], "polled": []}
    took = 0.0
    for _ in range(2):
        runs["alone"].append(measure())
        m, t = polled_measure()
        runs["polled"].append(m)
        took += t
    base = max(runs["alone"])
    polled = max(runs["polled"])
    rate = served[0] / took
    print("forwarding player->LAN, UDP at 60 Mbit/s offered: %.1f Mbit/s delivered (%.2f%% "
          "lost) alone, %.1f Mbit/s (%.2f%% lost) polled; runs alone %s, polled %s; %.0f API "
          "requests/s served, %d errors" % (
              base[0] / 1e6, base[1], polled[0] / 1e6, polled[1],
              ["%.1f/%.2f%%" % (r / 1e6, l) for r, l in runs["alone"]],
              ["%.1f/%.2f%%" % (r / 1e6, l) for r, l in runs["polled"]], rate, served[1]))
    assert served[1] == 0 and rate > 50
    assert polled[0] > 0.95 * base[0], (base, polled)
    assert polled[1] < 5.0, (base, polled)


def test_dashboard_in_chromium(party):
    from selenium.webdriver.common.by import By

    os.makedirs(lpadmin.LOGDIR, exist_ok=True)
    shot = os.path.join(lpadmin.LOGDIR, "dashboard.png")
    phone = os.path.join(lpadmin.LOGDIR, "dashboard-phone.png")
    drv = party.nsx(lpadmin.chromium)
    party.nsx(drv.set_window_size, 1280, 900)  # fixed: the table fits, no reflow

    def rows():
        # one script: the page re-renders every 2 s, elements go stale
        return dict(party.nsx(drv.execute_script,
                              "return Array.from(document.querySelectorAll('tr.peer'))"
                              ".map(e => [e.dataset.mac, e.dataset.peer]);"))

    def on_button(key, act):
        """act on the kick button of key, found afresh each try (the page
        re-renders every 2 s): scrolled into the middle of the fixed-size
        window and waited for until clickable; a button that went stale
        or was covered mid-render is looked up again (bounded)."""
        from selenium.common.exceptions import (ElementClickInterceptedException,
                                                ElementNotInteractableException,
                                                StaleElementReferenceException,
                                                TimeoutException)
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait
        sel = (By.CSS_SELECTOR, 'button[data-kick="%s"]' % key)

        def once():
            b = WebDriverWait(drv, 10).until(EC.presence_of_element_located(sel))
            drv.execute_script("arguments[0].scrollIntoView({block: 'center'});", b)
            b = WebDriverWait(drv, 10).until(EC.element_to_be_clickable(sel))
            return act(b)

        last = None
        for _ in range(20):
            try:
                return party.nsx(once)
            except (StaleElementReferenceException, ElementNotInteractableException,
                    ElementClickInterceptedException, TimeoutException) as e:
                last = e
                time.sleep(0.2)
        raise AssertionError("kick button of %s never clickable: %r" % (key, last))

    def wait_rows(pred, what, timeout=25):
        deadline = time.monotonic() + timeout
        r = None
        while time.monotonic() < deadline:
            r = rows()
            if pred(r):
                return r
            time.sleep(0.3)
        raise AssertionError("dashboard never showed %s: rows %r\n%s" % (
            what, r, party.nsx(lambda: drv.find_element(By.TAG_NAME, "body").text)))

    try:
        party.nsx(drv.get, party.admin_url + "#token=" + party.admin_token)
        r = wait_rows(lambda r: {P1_MAC, P2_MAC} <= set(r) and len(r) == 3, "the party")
        # the token left the address bar; the lease is on the page
        assert "token" not in party.nsx(lambda: drv.current_url)
        text = party.nsx(lambda: drv.find_element(By.TAG_NAME, "body").text)
        assert party.leases["p1"] in text and party.leases["p2"] in text
        assert "gateway up" in text
        # a closed relay: every peer has an invite, so a revoke button too
        revokes = party.nsx(drv.execute_script,
                            "return Array.from(document.querySelectorAll('button[data-revoke]'))"
                            ".map(b => [b.dataset.revoke, b.title]);")
        assert len(revokes) == 3, revokes
        assert all("invite '" in title for _, title in revokes), revokes
        # player 2 leaves, and comes back
        party.clients["p2"].stop()
        wait_rows(lambda r: P2_MAC not in r and P1_MAC in r, "player 2 leaving")
        c = party.start_client("p2", P2_MAC)
        c.wait_for("event=tap_up")
        r = wait_rows(lambda r: P2_MAC in r, "player 2 back")
        key = r[P2_MAC]
        # its new TAP asks the LAN's DHCP server again: the lease appears
        party.leases["p2"] = party.dhcp("p2")
        wait_text = party.leases["p2"]
        deadline = time.monotonic() + 15
        while wait_text not in party.nsx(lambda: drv.find_element(By.TAG_NAME, "body").text):
            assert time.monotonic() < deadline, "lease of player 2 not shown"
            time.sleep(0.3)
        # traffic for the sparklines; the screenshots while it flows
        bg = threading.Thread(target=iperf, args=(party, 12), kwargs={"udp_rate": "30M"})
        bg.start()
        sh("ping", "-c", "20", "-i", "0.3", "-W", "2", LAN_HOST, ns=party.ns["p2"], check=False)
        party.nsx(drv.save_screenshot, shot)
        party.nsx(drv.set_window_size, 412, 1500)
        time.sleep(2.5)
        party.nsx(drv.save_screenshot, phone)
        party.nsx(drv.set_window_size, 1280, 900)
        time.sleep(2.5)  # a render at the desk size before clicking
        bg.join(timeout=30)
        # kick player 2: two taps on its button
        n = party.relay.count()
        on_button(key, lambda b: b.click())
        # armed, and still armed after the next re-render
        time.sleep(2.2)
        assert on_button(key, lambda b: b.text) == "Confirm kick"
        on_button(key, lambda b: b.click())
        party.relay.wait_for(r"event=admin_kick room=PARTY peer_id=%s" % key.split("/")[1], 10,
                             start=n)
        wait_rows(lambda r: r.get(P2_MAC) != key, "player 2 kicked")
        c.wait_for("kicked", 10)
    finally:
        party.nsx(drv.quit)
    assert os.path.getsize(shot) > 10000 and os.path.getsize(phone) > 10000
    print("screenshots: %s, %s" % (shot, phone))
