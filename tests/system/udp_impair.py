#!/usr/bin/python3
"""A lossy, slow UDP path for the fault tests: what `tc qdisc ... netem
loss 5% delay 50ms 10ms` does on a link, for kernels without sch_netem.

    udp_impair.py LISTEN_IP LISTEN_PORT TARGET_IP TARGET_PORT LOSS DELAY_MS JITTER_MS

Endpoints send to LISTEN; each source address gets its own upstream socket
towards TARGET, so the target sees one address per endpoint, as through a
NAT. Every datagram, in both directions, is dropped with probability LOSS
or delivered after DELAY +- JITTER ms (uniform, so packets reorder, as
netem's jitter does). Prints "ready PORT" when listening and a counter
line on SIGTERM. Bounded: at most 256 endpoints and 20000 datagrams in
flight; it exits after 600 s whatever happens.
"""

import heapq
import random
import select
import signal
import socket
import sys
import time


def main():
    lip, lport, tip, tport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    loss, delay, jitter = float(sys.argv[5]), float(sys.argv[6]) / 1000, float(sys.argv[7]) / 1000
    rnd = random.Random(8)
    down = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    down.bind((lip, lport))
    down.setblocking(False)
    print("ready %d" % down.getsockname()[1], flush=True)
    ups = {}      # endpoint address -> upstream socket
    owner = {}    # upstream fd -> endpoint address
    queue = []    # (due, seq, socket, data, address)
    seq = 0
    stats = {"in": 0, "lost": 0, "out": 0}
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    end = time.monotonic() + 600

    def enqueue(sock, data, addr):
        nonlocal seq
        stats["in"] += 1
        if rnd.random() < loss or len(queue) >= 20000:
            stats["lost"] += 1
            return
        seq += 1
        due = time.monotonic() + max(0.0, delay + rnd.uniform(-jitter, jitter))
        heapq.heappush(queue, (due, seq, sock, data, addr))

    while not stop and time.monotonic() < end:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, sock, data, addr = heapq.heappop(queue)
            try:
                _send(sock, data, addr)
                stats["out"] += 1
            except OSError:
                pass
        timeout = 0.05 if not queue else max(0.0, min(0.05, queue[0][0] - now))
        socks = [down] + list(ups.values())
        try:
            ready, _, _ = select.select(socks, [], [], timeout)
        except InterruptedError:
            continue
        for s in ready:
            for _ in range(64):
                try:
                    data, addr = s.recvfrom(65536)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break
                if s is down:
                    up = ups.get(addr)
                    if up is None:
                        if len(ups) >= 256:
                            continue
                        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                        up.setblocking(False)
                        up.connect((tip, tport))
                        ups[addr] = up
                        owner[up.fileno()] = addr
                    enqueue(up, data, None)
                else:
                    enqueue(down, data, owner[s.fileno()])
    print("impair in=%(in)d lost=%(lost)d out=%(out)d" % stats, flush=True)


def _send(sock, data, addr):
    if addr is None:
        sock.send(data)
    else:
        sock.sendto(data, addr)


if __name__ == "__main__":
    main()
