"""Helpers for the relay's admin listener tests (issue 15): HTTP calls,
the JSON schema, promtool, a real Prometheus server and headless Chromium.
The tools come from Debian (scripts/install-deps.sh installs them): a
missing one fails the test with what to install, it never skips.

NsExecutor runs calls inside a network namespace: one worker thread that
entered it with setns(2), so sockets it opens and programs it starts
(Prometheus, chromedriver, Chromium) live in that namespace."""

import concurrent.futures
import ctypes
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = os.path.join(ROOT, "docs", "status-schema.json")
GATEWAY_SCHEMA = os.path.join(ROOT, "docs", "gateway-status-schema.json")
LOGDIR = os.path.join(ROOT, "build-logs")
CLONE_NEWNET = 0x40000000


def need(tool, package):
    """The path of tool, or a failure naming the Debian package."""
    path = shutil.which(tool)
    if path is None:
        raise AssertionError("%s is missing: install Debian's %s (scripts/install-deps.sh)"
                             % (tool, package))
    return path


def admin_of(log_text):
    """(url, token) from an event=admin_listening line (relay or gateway)."""
    m = re.search(r"event=admin_listening url=(\S+) .*?(?:token=(\S+))?$", log_text, re.M)
    if not m:
        raise AssertionError("no event=admin_listening in the relay's log:\n" + log_text[-3000:])
    return m.group(1), m.group(2)


def request(url, path, method="GET", token=None, body=None, headers=None, timeout=10,
            context=None):
    """One HTTP request: (status, headers dict (lower-case), body bytes).
    An https:// url uses context (an ssl.SSLContext)."""
    u = urllib.parse.urlsplit(url)
    if u.scheme == "https":
        c = http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout, context=context)
    else:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        c.close()


def status(url, token):
    st, _, body = request(url, "/api/v1/status", token=token)
    assert st == 200, (st, body)
    return json.loads(body)


def wait_status(call, url, token, pred, timeout=20):
    """GET /api/v1/status through call (an NsExecutor, or a plain call)
    until pred(doc); returns that doc."""
    deadline = time.monotonic() + timeout
    doc = None
    while time.monotonic() < deadline:
        doc = call(status, url, token)
        if pred(doc):
            return doc
        time.sleep(0.3)
    raise AssertionError("status never matched: %s" % json.dumps(doc)[:3000])


def validate(doc, schema_path=SCHEMA):
    """Validates a status document against docs/status-schema.json (or
    schema_path)."""
    try:
        import jsonschema
    except ImportError:
        raise AssertionError("python3-jsonschema is missing (scripts/install-deps.sh)")
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator(schema).validate(doc)


def peers(doc):
    return [p for r in doc["rooms"] for p in r["peers"]]


def promtool_check(text):
    """`promtool check metrics` on text: returns its output; fails on any
    problem it reports."""
    tool = need("promtool", "prometheus")
    p = subprocess.run([tool, "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    out = p.stdout + p.stderr
    assert p.returncode == 0, "promtool check metrics failed:\n" + out
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Prometheus:
    """A real Prometheus server scraping target (host:port) every second,
    with bearer token if given. Run it inside the right namespace."""

    def __init__(self, target, token=None, interval="1s"):
        prom = need("prometheus", "prometheus")
        self.dir = tempfile.mkdtemp(prefix="lp-prom-")
        os.chmod(self.dir, 0o755)
        cfg = os.path.join(self.dir, "prometheus.yml")
        auth = ""
        if token is not None:
            tf = os.path.join(self.dir, "token")
            with open(tf, "w") as f:
                f.write(token)
            auth = "    authorization:\n      credentials_file: %s\n" % tf
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: %s\n  evaluation_interval: %s\n"
                    "scrape_configs:\n  - job_name: lanparty\n%s"
                    "    static_configs:\n      - targets: ['%s']\n" % (interval, interval, auth, target))
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "prometheus.log"), "w")
        self.p = subprocess.Popen([prom, "--config.file=" + cfg,
                                   "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
                                   "--web.listen-address=127.0.0.1:%d" % self.port],
                                  stdout=self.log, stderr=subprocess.STDOUT)

    def query(self, q):
        st, _, body = request("http://127.0.0.1:%d/" % self.port,
                              "/api/v1/query?" + urllib.parse.urlencode({"query": q}))
        assert st == 200, body
        doc = json.loads(body)
        assert doc["status"] == "success", doc
        return doc["data"]["result"]

    def wait(self, q, pred=lambda r: len(r) > 0, timeout=40):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.p.poll() is not None:
                raise AssertionError("prometheus exited: " + self.logtext())
            try:
                last = self.query(q)
                if pred(last):
                    return last
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.5)
        raise AssertionError("prometheus: %r never matched (last %r)\n%s" % (q, last, self.logtext()))

    def logtext(self):
        self.log.flush()
        with open(os.path.join(self.dir, "prometheus.log")) as f:
            return f.read()[-3000:]

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def chromium(width=1280, height=900):
    """A headless Chromium under chromedriver (selenium). Run inside the
    namespace of the listener it will load."""
    need("chromium", "chromium")
    driver = need("chromedriver", "chromium-driver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise AssertionError("python3-selenium is missing (scripts/install-deps.sh)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=%d,%d" % (width, height), "--no-first-run",
              "--disable-extensions", "--disable-background-networking"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(driver), options=opts)


class NsExecutor:
    """Runs functions in network namespace `ns` (a name under /run/netns)
    on one thread that entered it."""

    def __init__(self, ns, workers=1):
        self.ns = ns
        self.x = concurrent.futures.ThreadPoolExecutor(max_workers=workers,
                                                       initializer=self._enter)

    def _enter(self):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        fd = os.open("/run/netns/" + self.ns, os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns " + self.ns)
        finally:
            os.close(fd)

    def __call__(self, fn, *args, **kw):
        return self.x.submit(fn, *args, **kw).result()

    def submit(self, fn, *args, **kw):
        return self.x.submit(fn, *args, **kw)

    def close(self):
        self.x.shutdown(wait=True)
