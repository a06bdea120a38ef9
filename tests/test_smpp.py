"""The SMPP provider against the test SMS centre (tools/smpp_server.py), over loopback: the
real protocol, both ends, no mocks."""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.smpp_server import SmppServer
from webapp.notify.providers import Outgoing, PermanentFailure, TemporaryFailure
from webapp.notify.smpp import Smpp

FRENCH = "Rappel : rendez-vous demain à 09:30 à l'agence CNAS d'Alger (Hussein Dey). Réf. 7K2-PQ9."
ARABIC = ("تذكير: موعدكم غدا على الساعة التاسعة والنصف في وكالة الجزائر. يرجى إحضار بطاقة الشفاء. " * 2)[:120]


def outgoing(body: str, uid: str = "a1b2c3d4" * 4, recipient: str = "0770112233") -> Outgoing:
    return Outgoing(uid=uid, kind="reminder", channel="sms", recipient=recipient, lang="fr", body=body)


@pytest.fixture
def start():
    """Start test SMS centres with the given knobs; all stop at the end of the test."""
    servers = []

    def start(**knobs) -> SmppServer:
        servers.append(SmppServer(receipt_delay=0.01, **knobs).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def connect():
    """Providers on a given port; each is closed at the end of the test."""
    providers = []

    def connect(port: int) -> Smpp:
        providers.append(Smpp(f"smpp://cnas:secret@127.0.0.1:{port}", "CNAS", timeout=2))
        return providers[-1]

    yield connect
    for provider in providers:
        provider.close()


def eventually(condition) -> bool:
    deadline = time.monotonic() + 2
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    return condition()


def wait_for_receipts(provider: Smpp, count: int = 1) -> list:
    found, deadline = [], time.monotonic() + 2
    while len(found) < count and time.monotonic() < deadline:
        found += provider.receipts()
    return found


def test_a_french_text_goes_as_one_gsm7_part_and_arrives_intact(start, connect):
    server = start()
    message = outgoing(FRENCH)
    connect(server.port).send(message)
    [arrived] = server.snapshot()
    assert (arrived["text"], arrived["data_coding"], arrived["parts"]) == (FRENCH, 0, 1)
    assert (arrived["destination"], arrived["source"]) == ("213770112233", "CNAS")
    assert arrived["user_message_reference"] == int(message.uid[:4], 16)


def test_an_arabic_text_goes_as_two_ucs2_parts_and_is_joined_intact(start, connect):
    assert len(ARABIC) == 120
    server = start()
    connect(server.port).send(outgoing(ARABIC))
    [arrived] = server.snapshot()
    assert (arrived["text"], arrived["data_coding"], arrived["parts"]) == (ARABIC, 8, 2)


def test_a_part_never_ends_inside_a_gsm7_escape(start, connect):
    text = "x" * 152 + "€ de frais de dossier, et le reste du texte."  # € falls on septets 153-154
    server = start()
    connect(server.port).send(outgoing(text))
    [arrived] = server.snapshot()
    assert (arrived["text"], arrived["data_coding"], arrived["parts"]) == (text, 0, 2)


def test_the_delivery_receipt_names_the_id_that_send_returned(start, connect):
    server = start()
    provider = connect(server.port)
    sent = provider.send(outgoing(FRENCH))
    assert not sent.delivered
    assert wait_for_receipts(provider) == [(sent.provider_id, True, None)]


def test_an_undelivered_receipt_says_the_smsc_state(start, connect):
    server = start(undelivered_destinations={"0770112233"})
    provider = connect(server.port)
    sent = provider.send(outgoing(FRENCH))
    assert wait_for_receipts(provider) == [(sent.provider_id, False, "SMSC: UNDELIV")]


def test_an_invalid_destination_is_a_permanent_failure_that_does_not_quote_the_text(start, connect):
    server = start(fail_destinations={"0550000000"})
    with pytest.raises(PermanentFailure) as failure:
        connect(server.port).send(outgoing(FRENCH, recipient="0550000000"))
    assert "0x0000000B" in str(failure.value) and "Rappel" not in str(failure.value)
    assert server.snapshot() == []


def test_throttling_is_a_temporary_failure(start, connect):
    server = start(throttle_every=1)
    with pytest.raises(TemporaryFailure) as failure:
        connect(server.port).send(outgoing(FRENCH))
    assert "0x00000058" in str(failure.value) and "Rappel" not in str(failure.value)


def test_a_server_that_is_down_is_a_temporary_failure(connect):
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TemporaryFailure):
        connect(port).send(outgoing(FRENCH))


def test_the_same_message_sent_twice_is_stored_once(start, connect):
    server = start()
    message = outgoing(ARABIC)
    first = connect(server.port).send(message)
    again = connect(server.port).send(message)  # another worker, after the first one died
    assert len(server.snapshot()) == 1 and server.duplicates == 1
    assert again.provider_id == first.provider_id


def test_no_answer_in_time_is_a_temporary_failure_and_the_resend_is_stored_once(start, connect):
    server = start(hold_seconds=0.3)
    impatient = Smpp(f"smpp://cnas:secret@127.0.0.1:{server.port}", "CNAS", timeout=0.1)
    with pytest.raises(TemporaryFailure, match="no answer"):
        impatient.send(outgoing(FRENCH))  # the SMS centre has it; we never hear so
    impatient.close()
    server.hold_seconds = 0
    connect(server.port).send(outgoing(FRENCH))
    assert len(server.snapshot()) == 1 and server.duplicates == 1


def test_a_refused_bind_is_a_temporary_failure(start, connect):
    server = start(system_id="cnas", password="other")
    with pytest.raises(TemporaryFailure, match="Invalid Password"):
        connect(server.port).send(outgoing(FRENCH))
    assert server.binds == 0


def test_a_session_the_smsc_closed_is_bound_again(start, connect):
    server = start()
    provider = connect(server.port)
    provider.send(outgoing(FRENCH))
    server.disconnect_all()
    provider.send(outgoing(FRENCH, uid="b" * 32))
    assert len(server.snapshot()) == 2 and server.binds == 2


def test_enquire_link_is_answered(start, connect):
    server = start()
    provider = connect(server.port)
    provider.send(outgoing(FRENCH))
    server.enquire_link()
    provider.receipts()
    assert eventually(lambda: server.enquire_link_answers == 1)


def test_the_test_smsc_listens_on_loopback_only():
    with pytest.raises(ValueError):
        SmppServer(host="0.0.0.0")


def test_the_command_line_smsc_records_what_arrives_for_other_processes(tmp_path, connect):
    record = tmp_path / "arrived.jsonl"
    command = [sys.executable, "-m", "tools.smpp_server", "--port", "0", "--record", str(record)]
    with subprocess.Popen(command, cwd=Path(__file__).parents[1], stdout=subprocess.PIPE, text=True) as server:
        try:
            listening = server.stdout.readline()
            assert listening.startswith("listening on 127.0.0.1:")
            connect(int(listening.rsplit(":", 1)[1])).send(outgoing(FRENCH))
            [line] = record.read_text(encoding="utf-8").splitlines()
            assert json.loads(line)["text"] == FRENCH
            logged = server.stdout.readline()
            assert "213770112233" in logged and f"{len(FRENCH)} characters" in logged and "Rappel" not in logged
        finally:
            server.terminate()
    assert server.returncode == 0
