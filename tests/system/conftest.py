import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lpharness import Peer, Relay  # noqa: E402


def _traversable(path):
    """The relay drops root (to `lanparty`): the files a test gives it
    (room lists it reloads) must be reachable, so every directory above
    tmp_path lets others pass (not list)."""
    path = os.path.abspath(str(path))
    while path not in ("/", "/tmp"):
        st = os.stat(path)
        if st.st_uid == os.getuid():
            os.chmod(path, (st.st_mode & 0o7777) | 0o711)
        path = os.path.dirname(path)


@pytest.fixture
def lp(tmp_path):
    """Factory for relays and peers; everything is stopped at teardown."""
    _traversable(tmp_path)

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
