import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lpharness import Peer, Relay  # noqa: E402


@pytest.fixture
def lp(tmp_path):
    """Factory for relays and peers; everything is stopped at teardown."""

    class Ctx:
        def __init__(self):
            self.relays = []
            self.peers = []

        def relay(self, *args, **kw):
            r = Relay(tmp_path, *args, **kw)
            self.relays.append(r)
            return r

        def peer(self, relay, *args, **kw):
            p = Peer(relay, *args, **kw)
            self.peers.append(p)
            return p

    ctx = Ctx()
    yield ctx
    for p in ctx.peers:
        p.stop()
    for r in ctx.relays:
        r.stop()
