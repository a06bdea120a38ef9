"""A small SMS centre for tests and benchmarks, on 127.0.0.1 only:

    python -m tools.smpp_server --port 2775 [--hold 0] [--record arrived.jsonl]

It speaks the part of SMPP 3.4 that webapp/notify/smpp.py uses, and behaves like an SMS
centre where it matters to the outbox: concatenated parts are joined by their UDH; a resend
(same destination, user_message_reference and text) gets the first message_id back and is
counted in `duplicates`, not stored twice; a delivery receipt follows each message on a
bound session. Knobs refuse (`fail_destinations`), throttle (`throttle_every`), stall
(`hold_seconds`) or fail delivery (`undelivered_destinations`).
"""

import argparse
import asyncio
import json
import logging
import secrets
import signal
import struct
import sys
import threading
import time
from datetime import UTC, datetime

from smpplib import consts, smpp
from smpplib.client import SimpleSequenceGenerator

log = logging.getLogger("smpp_server")

LOOPBACK = "127.0.0.1"
BINDS = {"bind_transmitter": (True, False), "bind_receiver": (False, True), "bind_transceiver": (True, True)}
# GSM 03.38, written out here rather than taken from smpplib, so that a wrong encoder shows.
GSM_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
             "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~", 0x3E: "]",
                0x40: "|", 0x65: "€"}
ESME_RINVCMDID = 0x03


def decode(data: bytes, coding: int) -> str:
    """One part's text, as a phone shows it: a broken escape or surrogate becomes U+FFFD."""
    if coding == consts.SMPP_ENCODING_ISO10646:
        return data.decode("utf-16-be", "replace")
    if coding == consts.SMPP_ENCODING_ISO88591:
        return data.decode("latin-1")
    if coding != consts.SMPP_ENCODING_DEFAULT:
        return data.decode("ascii", "replace")
    text, escaped = [], False
    for byte in data:
        if byte > 0x7F:
            text.append("\ufffd")
        elif escaped:
            text.append(GSM_EXTENDED.get(byte, GSM_BASIC[byte]))
        elif byte != 0x1B:
            text.append(GSM_BASIC[byte])
        escaped = not escaped and byte == 0x1B
    return "".join(text) + ("\ufffd" if escaped else "")


def concatenation(udh: bytes) -> tuple[int, int, int] | None:
    """(reference, total, number) from a UDH's concatenation element (8- or 16-bit reference)."""
    position = 0
    while position + 2 <= len(udh):
        element, length = udh[position], udh[position + 1]
        value = udh[position + 2:position + 2 + length]
        if element == 0x00 and length == 3:
            return value[0], value[1], value[2]
        if element == 0x08 and length == 4:
            return value[0] << 8 | value[1], value[2], value[3]
        position += 2 + length
    return None


def international(number: str) -> str:
    return "213" + number[1:] if number.startswith("0") else number.removeprefix("+")


class Session:
    def __init__(self, writer: asyncio.StreamWriter):
        self.writer = writer
        self.transmits = self.receives = False

    def write(self, pdu) -> None:
        if not self.writer.is_closing():
            self.writer.write(pdu.generate())


class SmppServer:
    """`start()` serves from a background thread and sets `port`; `stop()` ends it."""

    def __init__(self, port: int = 0, host: str = LOOPBACK, *, system_id: str | None = None,
                 password: str | None = None, receipt_delay: float = 0.05, fail_destinations=(),
                 undelivered_destinations=(), throttle_every: int = 0, hold_seconds: float = 0.0,
                 record: str | None = None):
        if host != LOOPBACK:
            raise ValueError("the test SMS centre listens on 127.0.0.1 only")
        self.port, self.system_id, self.password = port, system_id, password
        self.receipt_delay, self.throttle_every, self.hold_seconds = receipt_delay, throttle_every, hold_seconds
        self.fail_destinations = {international(n) for n in fail_destinations}
        self.undelivered_destinations = {international(n) for n in undelivered_destinations}
        self.record = record
        self.messages: list[dict] = []  # accepted, appended under the lock; read with snapshot()
        self.duplicates = self.submits = self.binds = self.enquire_link_answers = 0
        self._lock = threading.Lock()
        self._seen: dict[tuple, dict] = {}
        self._partial: dict[tuple, dict[int, str]] = {}
        self._sessions: set[Session] = set()
        self._unsent_receipts: list[dict] = []  # waiting for a session that can take them
        self._tasks: set[asyncio.Task] = set()
        self._sequence = SimpleSequenceGenerator()  # smpplib's PDUs need a "client" for sequences
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._record_file = None

    # --- the test's side (any thread) ---------------------------------------------------

    def start(self) -> "SmppServer":
        ready, failure = threading.Event(), []
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main(ready, failure)),
                                        name="smpp-server", daemon=True)
        self._thread.start()
        ready.wait(5)
        if failure:
            self._thread.join()
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopping.set)
            self._thread.join(5)

    def snapshot(self) -> list[dict]:
        """A copy of the accepted messages, safe to read while the server runs."""
        with self._lock:
            return [dict(message) for message in self.messages]

    def disconnect_all(self) -> None:
        """Close every session, as an SMS centre restarting or timing out idle sessions does."""
        self._call(self._disconnect_all)

    def enquire_link(self) -> None:
        """Ask every bound session whether it is alive; answers count in enquire_link_answers."""
        self._call(self._enquire_link)

    def _call(self, function) -> None:
        async def run():
            function()
            await asyncio.sleep(0)  # let the transports act on it
        asyncio.run_coroutine_threadsafe(run(), self._loop).result(5)

    # --- the SMS centre (its own thread's event loop) -----------------------------------

    async def _main(self, ready: threading.Event, failure: list) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        try:
            server = await asyncio.start_server(self._serve, LOOPBACK, self.port)
            if self.record:
                self._record_file = open(self.record, "a", encoding="utf-8")
        except OSError as exc:
            failure.append(exc)
            ready.set()
            return
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        async with server:
            await self._stopping.wait()
            server.close()
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._record_file:
            self._record_file.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tasks.add(asyncio.current_task())
        session = Session(writer)
        self._sessions.add(session)
        try:
            while True:
                header = await reader.readexactly(16)
                length = struct.unpack(">L", header[:4])[0]
                if not 16 <= length <= 65536:
                    break
                if not await self._handle(session, header + await reader.readexactly(length - 16)):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._sessions.discard(session)
            self._tasks.discard(asyncio.current_task())
            writer.close()

    async def _handle(self, session: Session, data: bytes) -> bool:
        """Answer one PDU; False when the session should end."""
        try:
            pdu = smpp.parse_pdu(data, client=self._sequence, allow_unknown_opt_params=True)
        except Exception:  # unknown command or malformed body
            nack = smpp.make_pdu("generic_nack", client=self._sequence, status=ESME_RINVCMDID)
            nack.sequence = struct.unpack(">L", data[12:16])[0]
            session.write(nack)
            return True
        if pdu.command in BINDS:
            self._bind(session, pdu)
        elif pdu.command == "submit_sm":
            await self._submit(session, pdu)
        elif pdu.command == "enquire_link":
            self._answer(session, pdu, consts.SMPP_ESME_ROK)
        elif pdu.command == "enquire_link_resp":
            self.enquire_link_answers += 1
        elif pdu.command == "unbind":
            self._answer(session, pdu, consts.SMPP_ESME_ROK)
            return False
        elif not pdu.is_response():
            self._answer(session, pdu, ESME_RINVCMDID, command="generic_nack")
        return True

    def _answer(self, session: Session, request, status: int, command: str | None = None, **fields) -> None:
        answer = smpp.make_pdu(command or request.command + "_resp", client=self._sequence, status=status,
                               **fields)
        answer.sequence = request.sequence  # smpplib ignores sequence= given to make_pdu
        session.write(answer)

    def _bind(self, session: Session, pdu) -> None:
        status = consts.SMPP_ESME_ROK
        if session.transmits or session.receives:
            status = consts.SMPP_ESME_RALYBND
        elif self.system_id is not None and (pdu.system_id or b"").decode() != self.system_id:
            status = consts.SMPP_ESME_RINVSYSID
        elif self.password is not None and (pdu.password or b"").decode() != self.password:
            status = consts.SMPP_ESME_RINVPASWD
        self._answer(session, pdu, status, system_id="tools.smpp")
        if status == consts.SMPP_ESME_ROK:
            session.transmits, session.receives = BINDS[pdu.command]
            self.binds += 1
            unsent, self._unsent_receipts = self._unsent_receipts, []
            for message in unsent:
                self._push_receipt(session, message)

    async def _submit(self, session: Session, pdu) -> None:
        with self._lock:
            self.submits += 1
            throttled = self.throttle_every and self.submits % self.throttle_every == 0
        destination = (pdu.destination_addr or b"").decode("latin-1")
        refusal = (consts.SMPP_ESME_RINVBNDSTS if not session.transmits else
                   consts.SMPP_ESME_RTHROTTLED if throttled else
                   consts.SMPP_ESME_RINVDSTADR if destination in self.fail_destinations else None)
        if refusal is not None:
            self._answer(session, pdu, refusal)
            return
        message_id, message = self._accept(pdu, destination)
        if self.hold_seconds:
            await asyncio.sleep(self.hold_seconds)  # the message is in; the answer is late
        self._answer(session, pdu, consts.SMPP_ESME_ROK, message_id=message_id)
        if message and pdu.registered_delivery & 0x03:
            self._loop.call_later(self.receipt_delay, self._push_receipt, session, message)

    def _accept(self, pdu, destination: str) -> tuple[str, dict | None]:
        """The message_id to answer, and the message once its last part is in."""
        short_message = pdu.short_message or pdu.message_payload or b""
        coding, source = pdu.data_coding or 0, (pdu.source_addr or b"").decode("latin-1")
        part = None
        if pdu.esm_class & consts.SMPP_GSMFEAT_UDHI and short_message:
            size = short_message[0]
            part = concatenation(short_message[1:1 + size])
            short_message = short_message[1 + size:]
        text, message_id, count = decode(short_message, coding), secrets.token_hex(5), 1
        if part:
            reference, count, number = part
            key = (source, destination, reference, count)
            parts = self._partial.setdefault(key, {})
            parts[number] = text  # a resent part replaces the first one, as on a phone
            if any(n not in parts for n in range(1, count + 1)):
                return message_id, None
            text = "".join(parts.pop(n) for n in range(1, count + 1))
            del self._partial[key]
        reference = pdu.user_message_reference
        with self._lock:
            first = self._seen.get((destination, reference, text)) if reference is not None else None
            if first:
                self.duplicates += 1
            else:
                first = {"message_id": message_id, "destination": destination, "source": source,
                         "data_coding": coding, "text": text, "user_message_reference": reference,
                         "parts": count, "received_at": datetime.now(UTC).isoformat(timespec="milliseconds")}
                self.messages.append(first)
                if reference is not None:
                    self._seen[(destination, reference, text)] = first
        log.info("%s to %s, %d characters", "duplicate" if first["message_id"] != message_id else "message",
                 destination, len(text))
        if self._record_file and first["message_id"] == message_id:
            self._record_file.write(json.dumps(first, ensure_ascii=False) + "\n")
            self._record_file.flush()
        return first["message_id"], first

    def _push_receipt(self, session: Session, message: dict) -> None:
        """To the session that sent it, else to another bound one, else to the next to bind."""
        def can_take(s: Session) -> bool:
            return s in self._sessions and s.receives and not s.writer.is_closing()

        if not can_take(session):
            session = next((s for s in self._sessions if can_take(s)), None)
        if session is None:
            self._unsent_receipts.append(message)
            return
        delivered = message["destination"] not in self.undelivered_destinations
        stat, state, err = ("DELIVRD", 2, "000") if delivered else ("UNDELIV", 5, "001")
        submitted = datetime.fromisoformat(message["received_at"]).strftime("%y%m%d%H%M")
        text = (f"id:{message['message_id']} sub:001 dlvrd:{'001' if delivered else '000'} "
                f"submit date:{submitted} done date:{time.strftime('%y%m%d%H%M', time.gmtime())} "
                f"stat:{stat} err:{err} text:{message['text'][:20]}")
        session.write(smpp.make_pdu(
            "deliver_sm", client=self._sequence, source_addr_ton=consts.SMPP_TON_INTL,
            source_addr_npi=consts.SMPP_NPI_ISDN, source_addr=message["destination"],
            destination_addr=message["source"], esm_class=0x04, data_coding=consts.SMPP_ENCODING_DEFAULT,
            short_message=text.encode("ascii", "replace"), receipted_message_id=message["message_id"],
            message_state=state))

    def _disconnect_all(self) -> None:
        for session in list(self._sessions):
            session.writer.close()

    def _enquire_link(self) -> None:
        for session in self._sessions:
            if session.transmits or session.receives:
                session.write(smpp.make_pdu("enquire_link", client=self._sequence))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.smpp_server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=2775)
    parser.add_argument("--hold", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long before answering each submit_sm")
    parser.add_argument("--delay", type=float, default=0.05, metavar="SECONDS",
                        help="between accepting a message and pushing its receipt")
    parser.add_argument("--fail-destination", action="append", default=[], metavar="NUMBER",
                        help="refuse this number with ESME_RINVDSTADR (repeatable)")
    parser.add_argument("--undelivered-destination", action="append", default=[], metavar="NUMBER",
                        help="accept, then report stat:UNDELIV (repeatable)")
    parser.add_argument("--throttle-every", type=int, default=0, metavar="N",
                        help="answer every Nth submit_sm with ESME_RTHROTTLED")
    parser.add_argument("--system-id", help="refuse binds with another system_id")
    parser.add_argument("--password", help="refuse binds with another password")
    parser.add_argument("--record", metavar="FILE", help="append one JSON line per accepted message")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(message)s")
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # before "listening", so that a quick stop is clean
        signal.signal(signum, lambda *_: stopped.set())
    server = SmppServer(args.port, system_id=args.system_id, password=args.password, receipt_delay=args.delay,
                        fail_destinations=args.fail_destination,
                        undelivered_destinations=args.undelivered_destination,
                        throttle_every=args.throttle_every, hold_seconds=args.hold, record=args.record).start()
    print(f"listening on {LOOPBACK}:{server.port}", flush=True)
    stopped.wait()
    server.stop()


if __name__ == "__main__":
    main()
