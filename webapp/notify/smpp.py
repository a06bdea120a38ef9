"""SMS through an SMS centre over SMPP 3.4: SMS_URL=smpp://system_id:password@host:2775
(?system_type=... if the operator asks for one).

One transceiver session serves a worker: bound on the first send, kept open, bound again
after a connection error. The SMS centre pushes delivery receipts on the same session;
`receipts()` collects them. Not thread-safe: one Smpp per worker thread.
"""

import re
import select
from contextlib import suppress
from time import monotonic
from urllib.parse import parse_qs, unquote, urlsplit

from smpplib import consts, gsm, smpp
from smpplib.client import Client
from smpplib.exceptions import ConnectionError as SmppConnectionError
from smpplib.exceptions import PDUError, UnknownCommandError

from .providers import Outgoing, PermanentFailure, Provider, Sent, TemporaryFailure

GSM7, UCS2 = consts.SMPP_ENCODING_DEFAULT, consts.SMPP_ENCODING_ISO10646
# Worth trying again later; any other refusal is final. RINVBNDSTS: our session was lost.
TEMPORARY = {consts.SMPP_ESME_RSYSERR, consts.SMPP_ESME_RMSGQFUL, consts.SMPP_ESME_RTHROTTLED,
             consts.SMPP_ESME_RINVBNDSTS, 0x64}  # 0x64 ESME_RX_T_APPN, a temporary ESME error
RECEIPT = 0x04  # esm_class: an SMSC delivery receipt
STATES = {1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD",
          7: "UNKNOWN", 8: "REJECTD"}
NOT_FINAL = {"ENROUTE", "ACCEPTD", "UNKNOWN"}  # says nothing yet about the phone
RECEIPT_TEXT = re.compile(r"\bid:(?P<id>\S+).*?\bstat:(?P<stat>\w+)", re.S | re.I)
BROKEN = (OSError, SmppConnectionError, PDUError, UnknownCommandError)  # the session is unusable


def international(phone: str) -> str:
    """0770112233, as the app stores an Algerian mobile, becomes 213770112233."""
    digits = re.sub(r"[\s.-]", "", phone)
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = "213" + digits[1:]
    if not re.fullmatch(r"[0-9]{8,15}", digits):
        raise PermanentFailure("invalid phone number")
    return digits


def _gsm7(text: str) -> bytes | None:
    if "`" in text:  # smpplib's table maps it to 0x5F, which phones show as "§"
        return None
    try:
        return gsm.gsm_encode(text)
    except UnicodeError:
        return None


def parts(text: str, reference: int) -> tuple[list[bytes], int, int]:
    """(short_message of each part, data_coding, esm_class). GSM-7 goes unpacked, one septet
    a byte, else UCS-2. Unlike smpplib.gsm.make_parts, a part never ends inside an escape
    (€, [) or a surrogate pair, and `reference` ties the parts together the same way on a
    resend, so that the phone can join parts from two attempts."""
    data = _gsm7(text)
    if data is not None:
        coding, single, size, unit = GSM7, consts.SEVENBIT_LENGTH, consts.SEVENBIT_PART_SIZE, 1
    else:
        data = text.encode("utf-16-be")
        coding, single, size, unit = UCS2, consts.UCS2_LENGTH, consts.UCS2_PART_SIZE, 2
    if len(data) <= single:
        return [data], coding, consts.SMPP_MSGTYPE_DEFAULT
    chunks = []
    while data:
        cut = min(size, len(data))
        if cut < len(data) and (data[cut - 1] == 0x1B if coding == GSM7 else 0xD8 <= data[cut - 2] <= 0xDB):
            cut -= unit
        chunks.append(data[:cut])
        data = data[cut:]
    if len(chunks) > 255:
        raise PermanentFailure("text too long for one SMS")
    header = bytes([5, 0, 3, reference & 0xFF, len(chunks)])  # UDH: 8-bit concatenation reference
    return [header + bytes([n]) + chunk for n, chunk in enumerate(chunks, 1)], coding, consts.SMPP_GSMFEAT_UDHI


def receipt(pdu) -> tuple[str, bool, str | None] | None:
    """(provider_id, delivered, error) from a deliver_sm, or None if it is no final receipt."""
    if not (pdu.esm_class or 0) & RECEIPT:
        return None
    found = RECEIPT_TEXT.search((pdu.short_message or pdu.message_payload or b"").decode("latin-1"))
    provider_id = pdu.receipted_message_id.decode("latin-1") if pdu.receipted_message_id else \
        found and found["id"]
    stat = STATES.get(pdu.message_state) or (found and found["stat"].upper())
    if not provider_id or not stat or stat in NOT_FINAL:
        return None
    return provider_id, stat == "DELIVRD", None if stat == "DELIVRD" else f"SMSC: {stat}"


class Smpp(Provider):
    """`sender` is the sender id the operator registered: alphanumeric ("CNAS") or a number."""

    def __init__(self, url: str, sender: str, timeout: float = 10):
        address = urlsplit(url)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 2775
        self.system_id, self.password = unquote(address.username or ""), unquote(address.password or "")
        self.system_type = parse_qs(address.query).get("system_type", [""])[0]
        self.sender, self.timeout = sender, timeout
        self.client: Client | None = None
        self.pending: list[tuple[str, bool, str | None]] = []  # receipts read while sending

    def send(self, message: Outgoing) -> Sent:
        destination = international(message.recipient)
        pieces, coding, esm_class = parts(message.body, int(message.uid[4:6], 16))
        alphanumeric = not self.sender.isdigit()
        fields = {
            "source_addr_ton": consts.SMPP_TON_ALNUM if alphanumeric else consts.SMPP_TON_INTL,
            "source_addr_npi": consts.SMPP_NPI_UNK if alphanumeric else consts.SMPP_NPI_ISDN,
            "source_addr": self.sender, "dest_addr_ton": consts.SMPP_TON_INTL,
            "dest_addr_npi": consts.SMPP_NPI_ISDN, "destination_addr": destination,
            "esm_class": esm_class, "data_coding": coding,
            "user_message_reference": int(message.uid[:4], 16),  # the SMSC may drop a resend by it
        }
        try:
            client = self._session()
            for number, piece in enumerate(pieces, 1):
                request = client.send_message(short_message=piece, registered_delivery=int(number == len(pieces)),
                                              **fields)
                answer = self._answer(client, request.sequence)
                if answer.status != consts.SMPP_ESME_ROK:
                    self._refused(answer.status)
        except TimeoutError:
            self._drop()
            raise TemporaryFailure(f"SMPP: no answer within {self.timeout:g} s") from None
        except PDUError as exc:  # a refused bind, or a broken PDU; says codes, never the text
            self._drop()
            raise TemporaryFailure(f"SMPP: {exc.args[0]}") from None
        except BROKEN as exc:
            self._drop()
            raise TemporaryFailure(f"SMPP: {exc or type(exc).__name__}") from None
        return Sent((answer.message_id or b"").decode("latin-1"), delivered=False)

    def receipts(self) -> list[tuple[str, bool, str | None]]:
        self._drain(wait=0.2)
        found, self.pending = self.pending, []
        return found

    def close(self) -> None:
        """Unbind politely. Receipts that arrive meanwhile stay unanswered, so that the SMS
        centre pushes them again to the next session instead of losing them."""
        client = self.client
        if client is None:
            return
        with suppress(*BROKEN):
            request = smpp.make_pdu("unbind", client=client)
            client.send_pdu(request)
            deadline = monotonic() + min(self.timeout, 2)
            while monotonic() < deadline:
                client._socket.settimeout(max(deadline - monotonic(), 0.01))
                pdu = client.read_pdu()
                if pdu.command == "unbind_resp" and pdu.sequence == request.sequence:
                    break
        self._drop()

    def _session(self) -> Client:
        """The bound session, first noticing one the SMS centre closed while we were idle."""
        self._drain(wait=0)
        if self.client is None:
            client = Client(self.host, self.port, timeout=self.timeout, logger_name="smpp.client",
                            allow_unknown_opt_params=True)
            self.client = client  # so that _drop closes its socket if binding fails
            client.connect()
            client.bind_transceiver(system_id=self.system_id, password=self.password,
                                    system_type=self.system_type)
        return self.client

    def _answer(self, client: Client, sequence: int):
        """The submit_sm_resp (or generic_nack) to `sequence`, handling what comes before it."""
        deadline = monotonic() + self.timeout
        while True:
            remaining = deadline - monotonic()
            if remaining <= 0:
                raise TimeoutError
            client._socket.settimeout(remaining)
            pdu = self._read(client)
            if pdu is None or pdu.sequence != sequence:
                continue
            if pdu.command == "submit_sm_resp":
                return pdu
            if pdu.command == "generic_nack":
                pdu.status = pdu.status or consts.SMPP_ESME_RSYSERR
                return pdu

    def _refused(self, status: int) -> None:
        reason = f"SMSC refused: 0x{status:08X} {consts.DESCRIPTIONS.get(status, '')}".rstrip()
        if status == consts.SMPP_ESME_RINVBNDSTS:
            self._drop()
        raise (TemporaryFailure if status in TEMPORARY else PermanentFailure)(reason)

    def _drain(self, wait: float) -> None:
        """Handle what the SMS centre pushed: up to `wait` seconds for the first PDU, then only
        what is already there. A closed or broken session is dropped."""
        client = self.client
        if client is None or client._socket is None:
            return
        try:
            while select.select([client._socket], [], [], wait)[0]:
                client._socket.settimeout(self.timeout)
                self._read(client)
                wait = 0
        except BROKEN:
            self._drop()

    def _read(self, client: Client):
        """The next PDU, after answering it if the SMS centre asked something; None if unknown."""
        try:
            pdu = client.read_pdu()
        except UnknownCommandError:  # a vendor PDU: read whole, skipped
            return None
        if pdu.command == "deliver_sm":
            found = receipt(pdu)
            if found:
                self.pending.append(found)
            self._respond(client, pdu, "deliver_sm_resp")
        elif pdu.command == "enquire_link":
            self._respond(client, pdu, "enquire_link_resp")
        elif pdu.command == "unbind":
            self._respond(client, pdu, "unbind_resp")
            raise SmppConnectionError("unbound by the SMS centre")
        return pdu

    @staticmethod
    def _respond(client: Client, request, command: str) -> None:
        answer = smpp.make_pdu(command, client=client)
        answer.sequence = request.sequence  # smpplib ignores sequence= given to make_pdu
        client.send_pdu(answer)

    def _drop(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            with suppress(Exception):
                client.disconnect()
