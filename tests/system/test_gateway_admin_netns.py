"""The gateway's admin listener (issue 15) on a real gateway in a LAN party
in network namespaces (lpnet.py): its status shows the LAN interface, the
relay connection and frames moving, validated against
docs/gateway-status-schema.json; /metrics passes promtool and a real
Prometheus server scrapes it; the token; the page; and every call the
listener makes is on the gateway_admin seccomp list (a missing one kills
the gateway)."""

import json
import os
import time

import pytest

import lpadmin
from lpadmin import request
from lpnet import LAN_HOST, LanParty, sh

P1_MAC = "02:00:00:00:01:01"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for namespaces")


@pytest.fixture(scope="module")
def party():
    lp = LanParty(players=1)
    with lp:
        lp.start_dnsmasq()
        lp.start_relay()
        gw = lp.start_gateway(extra=["--admin-listen", "127.0.0.1:0", "--admin-timeout", "3"])
        lp.gw_url, lp.gw_token = lpadmin.admin_of(gw.wait_for("event=admin_listening"))
        gw.wait_for("event=welcome")
        lp.nsx = lpadmin.NsExecutor(lp.ns["gw"])
        lp.start_client("p1", P1_MAC).wait_for("event=tap_up")
        try:
            yield lp
        finally:
            lp.nsx.close()


def wait_status(party, pred, timeout=20):
    return lpadmin.wait_status(party.nsx, party.gw_url, party.gw_token, pred, timeout)


def test_status_shows_the_lan_and_frames_moving(party):
    assert party.gw_token and len(party.gw_token) == 43
    doc = wait_status(party, lambda d: d["relay"]["state"] == "connected"
                      and d["relay"]["players"] == 1)
    lpadmin.validate(doc, lpadmin.GATEWAY_SCHEMA)
    assert doc["schema"] == "lanparty-gateway-status/1"
    lan = doc["lan"]
    assert lan["interface"] == "lan0" and lan["link"] == "up"
    mac = sh("cat", "/sys/class/net/lan0/address", ns=party.ns["gw"]).strip()
    assert lan["mac"] == mac
    relay = doc["relay"]
    assert relay["room"] == "PARTY" and relay["peer_id"] >= 1
    assert relay["rtt_ms"]["smoothed"] > 0 and relay["sessions"] == 1
    before = doc
    party.dhcp("p1")
    sh("ping", "-c", "5", "-i", "0.2", "-W", "2", LAN_HOST, ns=party.ns["p1"])
    after = wait_status(party, lambda d: d["lan"]["frames_out"] >= before["lan"]["frames_out"] + 5
                        and d["lan"]["frames_in"] >= before["lan"]["frames_in"] + 5)
    lpadmin.validate(after, lpadmin.GATEWAY_SCHEMA)
    t0, t1 = before["traffic"], after["traffic"]
    # the player's pings went out on the LAN, the replies to the relay
    assert t1["frames_from_relay"] >= t0["frames_from_relay"] + 5
    assert t1["frames_to_relay"] >= t0["frames_to_relay"] + 5
    assert after["lan"]["cam_refreshes"] >= 1
    print("gateway status: %s" % after)


def test_token_page_and_limits(party):
    url, token = party.gw_url, party.gw_token
    for tok in (None, "wrong", token[:-1]):
        st, h, _ = party.nsx(request, url, "/api/v1/status", token=tok)
        assert st == 401 and h["www-authenticate"].startswith("Bearer")
    st, h, body = party.nsx(request, url, "/")
    assert st == 200 and b"/dashboard.js" in body and b"/common.js" in body
    assert "script-src 'self'" in h["content-security-policy"]
    for path in ("/dashboard.js", "/common.js"):
        st, h, body = party.nsx(request, url, path)
        assert st == 200 and h["content-type"].startswith("text/javascript")
        assert b"textContent" in body and b"innerHTML" not in body
    st, _, body = party.nsx(request, url, "/dashboard.js")
    assert b"gateway" in body
    st, _, _ = party.nsx(request, url, "/dashboard.css")
    assert st == 200
    st, _, _ = party.nsx(request, url, "/api/v1/rooms/PARTY/peers/1/kick", "POST", token=token,
                         body=b"")
    assert st == 404  # the gateway has no actions
    st, _, _ = party.nsx(request, url, "/api/v1/status", "POST", token=token, body=b"")
    assert st == 405
    st, _, _ = party.nsx(request, url, "/metrics", "POST", body=b"x" * 5000)
    assert st == 413


def test_metrics_promtool_and_prometheus(party):
    st, h, body = party.nsx(request, party.gw_url, "/metrics")
    assert st == 200 and h["content-type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    lpadmin.promtool_check(text)
    assert 'lanparty_gateway_lan_link_up{interface="lan0"} 1' in text
    assert "lanparty_gateway_relay_connected 1" in text
    assert 'lanparty_gateway_drops_total{reason="jumbo"}' in text
    for name in ("lanparty_gateway_lan_frames_total", "lanparty_gateway_relay_frames_total",
                 "lanparty_gateway_relay_rtt_seconds", "process_cpu_seconds_total",
                 "process_resident_memory_bytes", "process_start_time_seconds"):
        assert "\n# TYPE %s " % name in text, name
    port = int(party.gw_url.rsplit(":", 1)[1].strip("/"))
    prom = party.nsx(lpadmin.Prometheus, "127.0.0.1:%d" % port)
    try:
        party.nsx(prom.wait, 'up{job="lanparty"}', lambda r: r and r[0]["value"][1] == "1")
        r = party.nsx(prom.wait, 'lanparty_gateway_lan_frames_total{direction="in"}',
                      lambda r: r and float(r[0]["value"][1]) > 0)
        r = party.nsx(prom.wait, "lanparty_gateway_players", lambda r: r and r[0]["value"][1] == "1")
        assert r
    finally:
        party.nsx(prom.stop)


def test_runs_under_its_seccomp_list(party):
    if os.environ.get("LP_SANITIZED"):
        pytest.skip("an AddressSanitizer build installs no seccomp filter")
    party.gateway.wait_for(r"event=privileges .*capabilities=net_raw .*seccomp=gateway_admin")
    import socket

    def slow():
        s = socket.create_connection(("127.0.0.1", int(party.gw_url.rsplit(":", 1)[1].strip("/"))))
        s.sendall(b"GET / HTTP/1.1\r\n")
        try:
            s.settimeout(10)
            return s.recv(10)
        finally:
            s.close()

    assert party.nsx(slow) == b""  # the idle timeout path
    for path in ("/", "/dashboard.js", "/common.js", "/dashboard.css", "/metrics",
                 "/api/v1/status"):
        st, _, _ = party.nsx(request, party.gw_url, path, token=party.gw_token)
        assert st == 200, path
    time.sleep(0.3)
    assert party.gateway.p.poll() is None, party.gateway.text()[-3000:]
    # and it still bridges
    sh("ping", "-c", "2", "-i", "0.2", "-W", "2", LAN_HOST, ns=party.ns["p1"])


def test_page_in_chromium(party):
    """Headless Chromium shows the gateway's page: the LAN interface, the
    link, the relay connected; a screenshot goes to build-logs/."""
    from selenium.webdriver.common.by import By
    os.makedirs(lpadmin.LOGDIR, exist_ok=True)
    shot = os.path.join(lpadmin.LOGDIR, "gateway.png")
    drv = party.nsx(lpadmin.chromium)
    try:
        party.nsx(drv.set_window_size, 1280, 900)
        party.nsx(drv.get, party.gw_url + "#token=" + party.gw_token)
        deadline = time.monotonic() + 20
        text = ""
        while time.monotonic() < deadline:
            text = party.nsx(lambda: drv.find_element(By.TAG_NAME, "body").text)
            if "LAN lan0" in text and "connected" in text:
                break
            time.sleep(0.3)
        assert "LAN lan0" in text and "link up" in text and "connected" in text, text
        assert "PARTY" in text
        assert "token" not in party.nsx(lambda: drv.current_url)
        assert party.nsx(lambda: drv.title) == "lanparty gateway"
        party.nsx(drv.save_screenshot, shot)
    finally:
        party.nsx(drv.quit)
    assert os.path.getsize(shot) > 10000


def test_tls_and_a_relay_that_does_not_answer(party, tmp_path):
    """A second gateway on the same LAN port whose relay never answers:
    its listener speaks HTTPS (--admin-tls-cert/--admin-tls-key, here the
    relay's development pair) and its status says it is not connected."""
    import ssl
    from lpnet import GATEWAY, Proc
    pem = os.path.join(party.logdir, "relay-cert.pem")
    key = os.path.join(party.logdir, "relay-key.pem")
    g = Proc(party.ns["gw"], [
        GATEWAY, "--relay", "198.18.100.99:4433", "--relay-ca-cert",
        os.path.join(party.logdir, "relay-cert.der"), "--room", "NOWHERE",
        "--interface", "lan0", "--identity", str(tmp_path / "identity.json"),
        "--admin-listen", "127.0.0.1:0", "--admin-tls-cert", pem, "--admin-tls-key", key],
        "gateway-tls", party.logdir)
    try:
        url, token = lpadmin.admin_of(g.wait_for("event=admin_listening"))
        assert url.startswith("https://127.0.0.1:"), url
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        doc = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            st, _, body = party.nsx(request, url, "/api/v1/status", token=token, context=ctx)
            assert st == 200
            doc = json.loads(body)
            if doc["relay"]["sessions"] >= 1:
                break
            time.sleep(0.3)
        lpadmin.validate(doc, lpadmin.GATEWAY_SCHEMA)
        assert doc["relay"]["state"] in ("connecting", "disconnected"), doc
        assert doc["relay"]["peer_id"] is None and doc["relay"]["connected_s"] is None
        assert doc["relay"]["room"] == "NOWHERE" and doc["lan"]["interface"] == "lan0"
        st, _, body = party.nsx(request, url, "/metrics", context=ctx)
        assert st == 200 and b"lanparty_gateway_relay_connected 0" in body
        st, _, _ = party.nsx(request, url, "/api/v1/status", context=ctx)
        assert st == 401
        assert g.p.poll() is None
    finally:
        g.stop()
