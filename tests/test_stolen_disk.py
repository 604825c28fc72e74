"""What a stolen kiosk disk reveals (DESIGN.md §7): with the queue's keys on other storage
(`[data] keys`), the data directory of a kiosk that served a citizen holds no name, identity
number or address in any file, and its queue cannot be opened without the key file."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from adapters import person_from_card
from central.process import CentralProcess
from devices.idcard.card import parse_text
from devices.sim.idcard import CITIZENS
from kiosk.case import Case
from kiosk.config import Config
from offline_queue.outbox import QueuePaths
from offline_queue.store import QueueKeyError, QueueStore
from tests.conftest import KioskFactory
from tests.kiosk_site import print_a_certificate, wired_site


def traces(text: str) -> list[bytes]:
    """`text` as the bytes a file could hold it in."""
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("gb18030")]


def test_a_stolen_data_disk_holds_no_citizen_and_its_queue_stays_shut(
    qtbot: QtBot,
    make_kiosk: KioskFactory,
    config: Config,
    central: CentralProcess,
    tmp_path: Path,
) -> None:
    disk, token = tmp_path / "disk", tmp_path / "token"
    card = parse_text(CITIZENS[0].text)
    local = replace(config, platform_url=central.url, data_dir=disk, key_dir=token)
    with wired_site(make_kiosk, local, central) as site:
        print_a_certificate(qtbot, site)  # her card read, her certificate printed, logged
        # And an application of hers, as the flow queues it: sent or not, it stays on the
        # kiosk for the retention period.
        person = person_from_card(card, date.today())
        builder = site.kiosk.flow.records
        service = next(s for s in site.kiosk.visit.services if s.id == "senior-preferential-card")
        case = Case(citizen=person, case_number="K-DEMO-0001-20261203-0001")
        case = replace(case, values={"address": card.address})
        for record in builder.records(service, case, datetime.now(UTC)):
            site.outbox.submit(*record).result(10)
    assert sorted(p.name for p in token.iterdir()) == ["kiosk-ed25519.pem", "queue.key"]

    stolen = tmp_path / "stolen"
    shutil.copytree(disk, stolen)  # the disk, without the key token
    secrets = [card.number, card.name, card.address, card.number[6:14]]
    # The simulated printers' paper (simulators/receipts, a4-printouts) is the citizen's
    # printout: on a kiosk it is in her hand, not on the disk. Everything else counts.
    paper = (stolen / "simulators" / "receipts", stolen / "a4-printouts")
    files = [
        path
        for path in stolen.rglob("*")
        if path.is_file() and not any(path.is_relative_to(folder) for folder in paper)
    ]
    assert any(path.name == "queue.sqlite" for path in files)
    found = [
        f"{path.relative_to(stolen)} holds {secret!r}"
        for path in files
        for secret in secrets
        if any(trace in path.read_bytes() for trace in traces(secret))
    ]
    assert not found, "\n".join(found)

    paths = QueuePaths.under(stolen, stolen / "keys")
    with pytest.raises(QueueKeyError) as refused:
        QueueStore(paths.database, paths.data_key, config.kiosk_id)
    assert "missing" in str(refused.value)
