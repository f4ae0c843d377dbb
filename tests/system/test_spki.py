"""Public-key pinning (spec section 9): an endpoint with SPKI pins accepts
exactly a relay leaf whose SubjectPublicKeyInfo hashes to one of them, and
refuses any other key during the handshake, as a wrong DER pin does."""

import base64
import hashlib
import os

from lpharness import RELAY  # noqa: F401  (the build under test)

C1 = "02:00:00:00:00:11"


def der_element(buf, off):
    """(tag, start of contents, end) of the DER element at off."""
    tag = buf[off]
    n = buf[off + 1]
    off += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[off:off + k], "big")
        off += k
    return tag, off, off + n


def spki_of(der):
    """The whole subjectPublicKeyInfo element of a DER certificate
    (RFC 5280 section 4.1), found by walking tbsCertificate."""
    tag, start, end = der_element(der, 0)
    assert tag == 0x30 and end == len(der)
    tag, off, tbs_end = der_element(der, start)  # tbsCertificate
    assert tag == 0x30
    fields = []
    while off < tbs_end:
        tag, c, e = der_element(der, off)
        fields.append((tag, off, e))
        off = e
    if fields[0][0] == 0xA0:  # explicit version
        fields = fields[1:]
    # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
    tag, s, e = fields[5]
    assert tag == 0x30
    return der[s:e]


def pin_of(cert_path):
    with open(cert_path, "rb") as f:
        der = f.read()
    digest = hashlib.sha256(spki_of(der)).digest()
    return "sha256:" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_right_pin_joins(lp):
    relay = lp.relay()
    # --pin-spki takes precedence over the harness's DER --pin: no DER check.
    p = lp.peer(relay, "--pin-spki", pin_of(relay.cert), pin=os.devnull)
    assert p.join("client", "R", C1)["effective_mtu"] == 1380
    relay.wait_log("event=peer_joined")


def test_backup_pin_in_list_joins(lp):
    relay = lp.relay()
    other = lp.relay()
    pins = "%s,%s" % (pin_of(other.cert), pin_of(relay.cert))
    p = lp.peer(relay, "--pin-spki", pins, pin=os.devnull)
    assert p.join("client", "R", C1)["mode"] == "ethernet"


def test_wrong_pin_refused_like_wrong_der_pin(lp):
    relay = lp.relay()
    other = lp.relay()  # another development key
    spki = lp.peer(relay, "--pin-spki", pin_of(other.cert), pin=os.devnull,
                   wait_ready=False)
    der = lp.peer(relay, pin=other.cert, wait_ready=False)
    got_spki = spki.closed()
    got_der = der.closed()
    assert got_spki["why"] == "tls", got_spki
    # the same certificate alert and close code as a wrong DER pin
    assert (got_spki["code"], got_spki["alert"]) == (got_der["code"], got_der["alert"])
    assert got_spki["alert"] != 0, got_spki
    assert not relay.events("peer_joined")


def test_malformed_pin_option_refused(lp):
    relay = lp.relay()
    for bad in ("sha256:", "sha1:" + "A" * 43, "sha256:" + "A" * 42 + "B"):
        p = lp.peer(relay, "--pin-spki", bad, wait_ready=False)
        assert p.proc.wait(timeout=5) == 2
