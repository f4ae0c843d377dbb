"""The Linux client's route protection over rtnetlink
(client/lp_route_linux.c), driven by tests/tools/lp-routetool in a network
namespace of its own: the relay's host route via the original gateway
(IPv4 and IPv6) or on-link, reuse of an existing route, the TAP's
broadcast and multicast routes, and removal. Each case also runs as
`nobody` with only CAP_NET_ADMIN under the client's seccomp list, as the
client does after its setup."""
import os
import subprocess

import pytest

from lpnet import BUILD, sh

TOOL = os.path.join(BUILD, "tests", "tools", "lp-routetool")
USERS = [[], ["--user", "nobody"]]


@pytest.fixture
def ns():
    name = "lprt%d" % (os.getpid() % 100000)
    sh("ip", "netns", "add", name)
    try:
        for cmd in (
            ["ip", "link", "set", "lo", "up"],
            ["ip", "link", "add", "up0", "type", "veth", "peer", "name", "up0p"],
            ["ip", "link", "add", "tap9", "type", "veth", "peer", "name", "tap9p"],
            ["ip", "link", "set", "up0p", "up"],
            ["ip", "link", "set", "tap9p", "up"],
            ["ip", "link", "set", "up0", "up"],
            ["ip", "link", "set", "tap9", "up"],
            ["ip", "addr", "add", "198.18.5.2/24", "dev", "up0"],
            ["ip", "-6", "addr", "add", "2001:db8:5::2/64", "dev", "up0", "nodad"],
            ["ip", "route", "add", "default", "via", "198.18.5.1", "dev", "up0"],
            ["ip", "-6", "route", "add", "default", "via", "2001:db8:5::1", "dev", "up0"],
        ):
            sh(*cmd, ns=name)
        yield name
    finally:
        sh("ip", "netns", "del", name, check=False)


class Tool:
    def __init__(self, ns, *args):
        self.p = subprocess.Popen(["ip", "netns", "exec", ns, TOOL] + list(args),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self.lines = []

    def line(self):
        ln = self.p.stdout.readline()
        assert ln, self.p.stderr.read()
        self.lines.append(ln)
        return ln.strip()

    def finish(self):
        out, errs = self.p.communicate("\n", timeout=10)
        assert self.p.returncode == 0, (self.p.returncode, out, errs)
        return out


def start(ns, user, *args):
    t = Tool(ns, *(user + list(args)))
    if user:
        assert t.line() == "uid=65534 euid=65534"
    return t


def routes(ns, *args):
    return sh("ip", *args, ns=ns)


@pytest.mark.parametrize("user", USERS, ids=["root", "nobody"])
@pytest.mark.parametrize("fam,relay,gw", [
    ("-4", "198.19.7.7", "198.18.5.1"),
    ("-6", "2001:db8:77::7", "2001:db8:5::1"),
])
def test_pin_via_gateway_and_unpin(ns, user, fam, relay, gw):
    t = start(ns, user, "pin", relay)
    assert t.line() == "pinned=1 created=1 dev=up0 via=%s verify=1" % gw
    shown = routes(ns, fam, "route", "show", "exact", relay)
    assert "via %s dev up0" % gw in shown, shown
    # a default route through another device cannot capture the relay
    sh("ip", fam, "route", "add", "default", "dev", "tap9", "metric", "1", ns=ns)
    assert "dev up0" in routes(ns, fam, "route", "get", relay)
    assert t.finish().strip() == "done"
    assert routes(ns, fam, "route", "show", "exact", relay).strip() == ""


@pytest.mark.parametrize("user", USERS, ids=["root", "nobody"])
def test_pin_on_link(ns, user):
    t = start(ns, user, "pin", "198.18.5.9")
    assert t.line() == "pinned=1 created=1 dev=up0 via= verify=1"
    shown = routes(ns, "-4", "route", "show", "exact", "198.18.5.9")
    assert shown.startswith("198.18.5.9 dev up0 scope link"), shown
    t.finish()
    assert routes(ns, "-4", "route", "show", "exact", "198.18.5.9").strip() == ""


@pytest.mark.parametrize("user", USERS, ids=["root", "nobody"])
def test_existing_pin_is_reused_and_kept(ns, user):
    sh("ip", "route", "add", "198.19.7.8", "via", "198.18.5.1", "dev", "up0", ns=ns)
    t = start(ns, user, "pin", "198.19.7.8")
    assert t.line() == "pinned=1 created=0 dev=up0 via=198.18.5.1 verify=1"
    t.finish()
    assert "via 198.18.5.1 dev up0" in routes(ns, "route", "show", "exact", "198.19.7.8")


def test_local_relay_needs_no_pin(ns):
    t = start(ns, [], "pin", "198.18.5.2")
    assert t.line() == "pinned=0 created=0 dev=lo via= verify=1"
    t.finish()


@pytest.mark.parametrize("user", USERS, ids=["root", "nobody"])
def test_tap_broadcast_and_multicast_routes(ns, user):
    t = start(ns, user, "tap", "tap9")
    assert t.line() == "tap routes added"
    assert "dev tap9" in routes(ns, "route", "get", "255.255.255.255")
    assert "dev tap9" in routes(ns, "route", "get", "239.255.255.250")
    # replace, not add: a second client run over the same TAP succeeds
    t2 = start(ns, user, "tap", "tap9")
    assert t2.line() == "tap routes added"
    t2.finish()
    t.finish()
    shown = routes(ns, "route", "show")
    assert "tap9" not in shown, shown


def test_unprivileged_pin_fails_clearly(ns):
    p = subprocess.run(["ip", "netns", "exec", ns, "setpriv", "--reuid=nobody",
                        "--regid=nogroup", "--clear-groups", "--inh-caps=-all",
                        TOOL, "pin", "198.19.7.7"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       input="\n", timeout=10)
    assert p.returncode == 1
    assert "cannot pin a host route to the relay 198.19.7.7 via up0" in p.stdout
    assert "need CAP_NET_ADMIN" in p.stdout
