#!/usr/bin/env python3
"""socketmap_load.py SOCKET N DOMAIN

Asks a socketmap server (Postfix's netstring protocol) for N distinct
senders u0@DOMAIN .. u(N-1)@DOMAIN on one connection, as trivial-rewrite
would for sender_dependent_default_transport_maps, and prints how often
each answer came back ("COUNT x ANSWER"), most frequent first.
"""
import collections
import socket
import sys


def netstring(s):
    b = s.encode()
    return b"%d:%s," % (len(b), b)


def read_netstring(f):
    n = b""
    while True:
        c = f.read(1)
        if not c:
            raise EOFError("connection closed")
        if c == b":":
            break
        n += c
    data = f.read(int(n))
    if f.read(1) != b",":
        raise ValueError("bad netstring")
    return data.decode()


def main():
    path, n, domain = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(path)
    f = s.makefile("rb")
    counts = collections.Counter()
    for i in range(n):
        s.sendall(netstring("sender u%d@%s" % (i, domain)))
        counts[read_netstring(f)] += 1
    for answer, c in counts.most_common():
        print("%6d x %s" % (c, answer))
    return 0


sys.exit(main())
