#!/usr/bin/python3
"""dkim_verify.py RECORD_FILE MESSAGE... - verify DKIM signatures with dkimpy
(python3-dkim), a verifier that is not our code. RECORD_FILE holds the
selector's TXT record value ("v=DKIM1; k=rsa; p=..."), answered for any
_domainkey query, so no DNS is used. Prints "MESSAGE: pass h=..." or
"MESSAGE: fail REASON" per message; exits 1 if any fails."""
import re
import sys

import dkim

record = open(sys.argv[1], "rb").read().strip()
bad = 0
for path in sys.argv[2:]:
    raw = open(path, "rb").read()
    # smtp-sink stores lines with LF; on the wire they were CRLF
    msg = re.sub(rb"\r?\n", b"\r\n", raw)
    d = dkim.DKIM(msg)
    try:
        ok = d.verify(dnsfunc=lambda name, timeout=5: record)
    except Exception as e:  # a malformed signature is a failure, not a crash
        ok, d.err = False, e
    m = re.search(rb"DKIM-Signature:.*?[;\s]h=([^;]*);", msg, re.S | re.I)
    h = re.sub(rb"\s+", b"", m.group(1)).decode() if m else "-"
    if ok:
        print(f"{path}: pass h={h}")
    else:
        bad = 1
        print(f"{path}: fail {getattr(d, 'err', '')} h={h}")
sys.exit(bad)
