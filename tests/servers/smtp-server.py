#!/usr/bin/python3
"""A real SMTP server for the mail tests: Debian's python3-aiosmtpd, on 127.0.0.1 and a port the system picks.

It prints one JSON line per event on standard output:
  {"listening": PORT}                                      once bound
  {"accepted": MESSAGE_ID, "to": [...], "subject", "body"}  the server took the message whole, to deliver it
  {"held": MESSAGE_ID}                                      ... and holds its 250 until "release"
  {"deferred": MESSAGE_ID, "code": 451}                     answered 4xx
  {"refused": MESSAGE_ID, "code": 550}                      answered 5xx
and reads commands, one per line, on standard input:
  accept | defer N (answer 451 to the next N messages) | refuse (550 until told otherwise) | hold | release
A held message is taken before its sender hears so: when the sender dies waiting, it is delivered all the same,
as a real mail server that has written a message to its queue delivers it, and a resend is a second copy.
"""
import asyncio
import email
import email.policy
import json
import sys

from aiosmtpd.smtp import SMTP


def say(**event):
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


class Handler:
    def __init__(self):
        self.mode = "accept"
        self.defer = 0
        self.released = asyncio.Event()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        message_id = (message["Message-ID"] or "").strip()
        if self.defer > 0:
            self.defer -= 1
            say(deferred=message_id, code=451)
            return "451 4.3.0 Try again later"
        if self.mode == "refuse":
            say(refused=message_id, code=550)
            return "550 5.7.1 Delivery not authorized, message refused"
        body = message.get_body(preferencelist=("plain",))
        say(accepted=message_id, to=envelope.rcpt_tos, subject=str(message["Subject"]),
            body=body.get_content() if body is not None else "", language=str(message["Content-Language"] or ""))
        if self.mode == "hold":
            say(held=message_id)
            await self.released.wait()
        return "250 2.0.0 OK: queued"


async def commands(handler):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        words = line.decode().split()
        if not words:
            continue
        if words[0] == "defer":
            handler.defer = int(words[1])
        elif words[0] == "release":
            handler.released.set()
            handler.mode = "accept"
        elif words[0] in ("accept", "refuse", "hold"):
            handler.mode = words[0]
            handler.released.clear()
        say(command=words[0])


async def main():
    handler = Handler()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="idarati-test-smtp"), "127.0.0.1", 0)
    say(listening=server.sockets[0].getsockname()[1])
    await commands(handler)
    server.close()


asyncio.run(main())
