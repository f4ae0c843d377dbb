#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/. Run from anywhere."""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def frame(js):
    body = json.dumps(js, separators=(",", ":")).encode()
    return struct.pack(">I", len(body)) + body


def eth(dst, src, etype, payload):
    return bytes(dst) + bytes(src) + struct.pack(">H", etype) + payload


CLIENT = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55]
BCAST = [0xFF] * 6
ALLNODES = [0x33, 0x33, 0, 0, 0, 1]


def ipv4_udp(sport, dport, n=8):
    udp = struct.pack(">HHHH", sport, dport, 8 + n, 0) + bytes(n)
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17,
                      0, bytes([10, 0, 0, 1]), bytes([255] * 4))
    return hdr + udp


def ipv6(nh, payload):
    return (struct.pack(">IHBB", 0x60000000, len(payload), nh, 255) +
            bytes(32) + payload)


def main():
    chunks = bytes([0, 1, 2, 3, 7, 31, 127, 255])
    hello = frame({"type": "hello", "version": 1, "role": "client",
                   "room": "LAN1", "mac": "02:00:00:00:00:01",
                   "datagram_budget": 1398, "software": "lanparty"})
    welcome = frame({"type": "welcome", "peer_id": 1, "mode": "ethernet",
                     "effective_mtu": 1380, "gateway_present": True,
                     "gateway_peer_id": 1})
    stats = frame({"type": "stats", "frames_tx": 1, "frames_rx": 2,
                   "datagrams_tx": 3, "datagrams_rx": 4,
                   "drops": {"runt": 1}, "bytes_tx": 100})
    peer = frame({"type": "peer_left", "peer_id": 2, "role": "gateway",
                  "mac": "00:11:22:33:44:55", "reason": "timeout"})
    write("ctrl", "hello", chunks + hello)
    write("ctrl", "stream", chunks + hello + welcome + stats + peer)
    write("ctrl", "reject", chunks + frame(
        {"type": "reject", "reason": "room_full", "message": "full"}))
    write("ctrl", "disconnect", chunks + frame(
        {"type": "disconnect", "reason": "bye"}))
    write("ctrl", "unknown", chunks + frame({"type": "future", "x": [1]}))
    write("ctrl", "len0", chunks + bytes(4))

    f = eth(BCAST, CLIENT, 0x0806, bytes(28))
    write("overlay", "arp", bytes([1, 0, 0, 0]) + f)
    write("overlay", "peer7", bytes([1, 0, 0, 7]) + f)
    write("overlay", "flags", bytes([1, 1, 0, 0]) + f)
    write("overlay", "short", bytes([1, 0, 0]))

    write("policy", "arp", f)
    write("policy", "dhcp_server", eth(BCAST, CLIENT, 0x0800,
                                       ipv4_udp(67, 68, 240)))
    write("policy", "dhcp_client", eth(BCAST, CLIENT, 0x0800,
                                       ipv4_udp(68, 67, 240)))
    ra = bytes([134, 0, 0, 0]) + bytes(12)
    write("policy", "ra", eth(ALLNODES, CLIENT, 0x86DD, ipv6(58, ra)))
    hbh = bytes([58, 0]) + bytes(6)
    write("policy", "ra_hbh", eth(ALLNODES, CLIENT, 0x86DD,
                                  ipv6(0, hbh + ra)))
    frag = bytes([17, 0, 0, 1, 0, 0, 0, 1])
    write("policy", "frag6", eth(ALLNODES, CLIENT, 0x86DD,
                                 ipv6(44, frag + bytes(16))))
    write("policy", "vlan", eth(BCAST, CLIENT, 0x8100,
                                bytes([0, 100, 8, 6]) + bytes(28)))
    write("policy", "stp", eth([1, 0x80, 0xC2, 0, 0, 0], CLIENT, 0x0026,
                               bytes(38)))

    for name, s in [("host", "relay.example.com"),
                    ("hostport", "relay.example.com:4433"),
                    ("v4", "192.0.2.1:443"), ("v6", "[2001:db8::1]:443"),
                    ("v6bare", "2001:db8::1"), ("listen", "443/udp"),
                    ("listen6", "[::1]:0")]:
        write("endpoint", name, s.encode())

    # frag, mode byte even: frame length, budget, frame bytes, schedule.
    def split(framelen, budget, schedule):
        return (bytes([0]) + struct.pack(">HH", framelen - 14, budget) +
                (f * 40)[:framelen] + bytes(schedule))
    write("frag", "whole", split(60, 1200, []))
    write("frag", "two", split(1514, 1200, [1, 0]))
    write("frag", "eight_shuffled", split(1514, 198, [5, 3, 7, 0, 0, 6, 1,
                                                      2, 4, 4]))
    write("frag", "three_dups", split(1200, 408, [2, 2, 1, 0, 2, 1]))
    write("frag", "too_small", split(1514, 197, []))
    # frag, mode byte odd: datagrams behind a length byte.
    def frag_dg(frame_id, index, count, data):
        d = bytes([1, 1, 0, 2]) + struct.pack(">HBB", frame_id, index,
                                              count) + data
        return bytes([len(d)]) + d
    write("frag", "garbage_ok", bytes([1]) + frag_dg(1, 1, 2, bytes(5)) +
          frag_dg(1, 0, 2, bytes(range(64))))
    write("frag", "garbage_bad", bytes([1]) + frag_dg(1, 0, 2, bytes(64)) +
          frag_dg(1, 0, 3, bytes(64)) + frag_dg(2, 0, 2, bytes(63)) +
          frag_dg(3, 9, 8, bytes(70)) + bytes([3, 1, 1, 0]))


if __name__ == "__main__":
    main()
