#!/usr/bin/python3
"""dkim_verify.py RECORD_FILE|--dns HOST:PORT MESSAGE... - verify DKIM signatures
with dkimpy (python3-dkim), a verifier that is not our code. RECORD_FILE holds
the selector's TXT record value ("v=DKIM1; k=rsa; p=..."), answered for any
_domainkey query, so no DNS is used; with --dns HOST:PORT the key is looked up
in DNS, at that server only (dnspython, never the system's resolver). Prints
"MESSAGE: pass h=..." or "MESSAGE: fail REASON" per message; exits 1 if any
fails."""
import re
import sys

import dkim


def dns_lookup(server):
    """a dnsfunc for dkimpy that asks only SERVER (HOST:PORT)"""
    import dns.resolver

    host, port = server.rsplit(":", 1)
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [host]
    res.port = int(port)

    def get_txt(name, timeout=5):
        res.lifetime = timeout
        qname = name.decode() if isinstance(name, bytes) else name
        answer = res.resolve(qname, "TXT", tcp=False)
        return b"".join(answer[0].strings)

    return get_txt


args = sys.argv[1:]
if len(args) >= 2 and args[0] == "--dns":
    dnsfunc = dns_lookup(args[1])
    args = args[2:]
else:
    record = open(args[0], "rb").read().strip()
    dnsfunc = lambda name, timeout=5: record  # noqa: E731
    args = args[1:]
bad = 0
for path in args:
    raw = open(path, "rb").read()
    # smtp-sink stores lines with LF; on the wire they were CRLF
    msg = re.sub(rb"\r?\n", b"\r\n", raw)
    d = dkim.DKIM(msg)
    try:
        ok = d.verify(dnsfunc=dnsfunc)
    except Exception as e:  # a malformed signature or a failed lookup is a failure, not a crash
        ok, d.err = False, e
    m = re.search(rb"DKIM-Signature:.*?[;\s]h=([^;]*);", msg, re.S | re.I)
    h = re.sub(rb"\s+", b"", m.group(1)).decode() if m else "-"
    if ok:
        print(f"{path}: pass h={h}")
    else:
        bad = 1
        print(f"{path}: fail {getattr(d, 'err', '')} h={h}")
sys.exit(bad)
