#!/usr/bin/python3
"""A real SMTP server for the tests (tests/src/smtp.rs starts it), built on aiosmtpd.

    /usr/bin/python3 smtp_server.py --port P --dir D [--auth user:password]
                                    [--tls-cert F --tls-key F]

Listens on 127.0.0.1:P (P = 0 picks a free port) and prints "ready <port>" on stdout once it
accepts connections. Each accepted message becomes D/messages/<n>.eml (the raw bytes as received,
after dot-unstuffing) with D/messages/<n>.json beside it ({"mail_from", "rcpt_tos",
"received_at", "auth_login", "tls"}); n counts up from 1, carrying on after the messages already
in D. The .json is written first and each file appears by a rename, so a reader that sees
<n>.eml sees both whole. No fsync: the files only need to outlive this process, not the machine.

D/mode, read at each transaction, switches the behaviour:
  absent or "accept"  accept
  "tempfail"          451 4.3.0 try again later, at the end of DATA (the message is not kept)
  "reject"            550 5.1.1 mailbox unavailable, to every RCPT
  "slow"              wait 0.5 s at the end of DATA, then keep the message and answer 250, so
                      that a test can kill a client while it waits (like a real server, the
                      message is kept even when the client has gone by then)

--watch-stdin makes the server exit when its stdin closes, so that it does not outlive a test
process that was killed. --auth requires AUTH (PLAIN or LOGIN, without TLS too) before MAIL; --tls-cert and --tls-key
offer STARTTLS and require it before MAIL.
"""

import argparse
import asyncio
import json
import logging
import os
import ssl
import sys
import threading
import time
import warnings

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError as error:  # pragma: no cover
    print(
        f"smtp_server.py: the aiosmtpd module is missing ({error}); "
        "install it with: apt-get install python3-aiosmtpd",
        file=sys.stderr,
    )
    sys.exit(3)


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.messages = os.path.join(directory, "messages")
        os.makedirs(self.messages, exist_ok=True)
        numbers = [
            int(name[: -len(".eml")])
            for name in os.listdir(self.messages)
            if name.endswith(".eml") and name[: -len(".eml")].isdigit()
        ]
        self.next = max(numbers, default=0) + 1

    def mode(self):
        try:
            with open(os.path.join(self.directory, "mode"), encoding="utf-8") as file:
                return file.read().strip() or "accept"
        except FileNotFoundError:
            return "accept"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode() == "reject":
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mode = self.mode()
        if mode == "tempfail":
            return "451 4.3.0 try again later"
        if mode == "slow":
            await asyncio.sleep(0.5)
        number = self.next
        self.next += 1
        auth = getattr(session, "auth_data", None)
        login = auth.login.decode("utf-8", "replace") if isinstance(auth, LoginPassword) else None
        sidecar = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "received_at": time.time(),
            "auth_login": login,
            "tls": session.ssl is not None,
        }
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        self.write(f"{number}.json", json.dumps(sidecar).encode("utf-8"))
        self.write(f"{number}.eml", content)
        return f"250 2.0.0 OK queued as {number}"

    def write(self, name, data):
        tmp = os.path.join(self.messages, f".{name}.tmp")
        with open(tmp, "wb") as file:
            file.write(data)
        os.replace(tmp, os.path.join(self.messages, name))


def authenticator_for(credentials):
    user, _, password = credentials.partition(":")
    expected = LoginPassword(user.encode("utf-8"), password.encode("utf-8"))

    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data == expected:
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    return authenticate


async def serve(args):
    handler = Handler(args.dir)
    kwargs = {"hostname": "localhost", "enable_SMTPUTF8": True}
    if args.auth:
        kwargs.update(
            authenticator=authenticator_for(args.auth),
            auth_required=True,
            auth_require_tls=False,
        )
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        kwargs.update(tls_context=context, require_starttls=True)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, loop=loop, **kwargs), host="127.0.0.1", port=args.port, backlog=1024
    )
    port = server.sockets[0].getsockname()[1]
    print(f"ready {port}", flush=True)
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--auth", help="user:password")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--watch-stdin", action="store_true")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.watch_stdin:
        threading.Thread(target=lambda: (sys.stdin.buffer.read(), os._exit(0)), daemon=True).start()
    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
