#!/usr/bin/env python3
"""smtp_raw.py HOST PORT SOURCE_IP MAIL_ARG RCPT_ARG [RCPT_ARG...]

One SMTP transaction whose MAIL FROM and RCPT TO arguments are sent byte
for byte as given (no quoting, no brackets added), so a test can send the
address forms a hostile client would. Prints every server reply line; a
message is sent only when some recipient was accepted. Exit status 0 when
the dialogue completed, 1 when the connection failed.
"""
import socket
import sys


def main():
    host, port, src, mail = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rcpts = sys.argv[5:]
    try:
        s = socket.create_connection((host, port), timeout=30, source_address=(src, 0))
    except OSError as e:
        print("connect failed: %s" % e)
        return 1
    f = s.makefile("rb")

    def reply():
        lines = []
        while True:
            line = f.readline().decode("utf-8", "replace").rstrip("\r\n")
            print(line)
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return lines[-1]

    def cmd(text):
        s.sendall(text.encode("utf-8") + b"\r\n")
        return reply()

    reply()
    cmd("EHLO client.test")
    cmd("MAIL FROM:" + mail)
    ok = [r for r in rcpts if cmd("RCPT TO:" + r).startswith("250")]
    if ok:
        if cmd("DATA").startswith("354"):
            s.sendall(b"From: news@acme.example\r\nSubject: form\r\n\r\nbody\r\n.\r\n")
            reply()
    cmd("QUIT")
    s.close()
    return 0


sys.exit(main())
