"""A simulated month of use (issue 8; DESIGN.md §8: memory growth over thousands of visits).

Citizens use every service of the catalog, in the mix of `MIX`, each visit played in full on
the real kiosk window: the device simulators over pseudo-terminals, the encrypted queue on disk
and a real `central` behind a fault proxy. Faults strike at random in the middle of visits (a device
unplugged, the printer out of paper, the platform down or slow) and are mended a few visits
later. At the end every fault is mended, the queue drains, and the run compares what the kiosk
made with what the platform holds.

Reported: visits by outcome; records accepted by the platform against records made; records of a
finished visit the platform never got (lost); records the platform holds twice; this process's
resident memory, threads and open files over the run. Baseline: the same measures at the end
of the warm-up (the first tenth of the visits), in the same run. Targets: nothing lost, nothing
duplicated, memory growth under 20 MB after warm-up, no growth in threads or open files.
"""

from __future__ import annotations

import contextlib
import logging
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import main
from bench.citizens import Citizens, Visit
from bench.driving import Finger, Stuck, run_until, running_kiosk
from bench.faults import Fault, FaultPlan, Recoveries, site_faults
from bench.output import provenance
from bench.vitals import vitals
from central.fault_proxy import FaultProxy
from central.process import CentralProcess, stored_records
from devices.model import DeviceState
from devices.sim.camera import CameraSimulator
from devices.sim.idcard import IdCardSimulator
from devices.sim.printer import PrinterSimulator
from devices.sim.scanner import ScannerSimulator
from kiosk.config import Config, load_config
from kiosk.logs import configure_logging
from kiosk.timers import ManualScheduler
from offline_queue.outbox import Outbox
from screens.input_method import prepare_environment
from screens.voice import Voice, choose_engine

ROOT = Path(__file__).resolve().parent.parent
# Visits per service in every round of 20, shuffled: a day at a community centre as we assume it
# until a site's logs say otherwise. Most citizens take a ticket or print a certificate; few
# apply for a newborn or confirm their pension (it is yearly). Every round plays every service.
MIX = {
    "queue-ticket": 8,
    "social-insurance-certificate": 4,
    "eid-code-verification": 3,
    "senior-preferential-card": 2,
    "pension-qualification": 2,
    "newborn-bundle": 1,
}
ROUND = [service for service, count in MIX.items() for _ in range(count)]
MEMORY_TARGET_MB = 20.0
# A device back on its own within this after its fault is mended: the supervisor retries at
# least every 2 s and a reader gives up on a dead port after three 2 s silences.
RECOVERY_TARGET_S = 15.0
RECOVERY_LOOK_MS = 100
SAMPLES = 100  # vitals taken over the run
DRAIN_TIMEOUT_S = 300.0


@dataclass
class Site:
    kiosk: main.Kiosk
    devices: main.Devices
    outbox: Outbox
    central: CentralProcess
    proxy: FaultProxy
    clock: ManualScheduler
    config: Config


def run(
    visits: int,
    seed: int = 1,
    fault_rate: float = 0.01,
    minutes: float | None = None,
    faults: list[str] | None = None,
) -> dict[str, Any]:
    """The soak's document: `rows` (the verdicts), `samples` (vitals over the run) and what
    happened (`outcomes` by service, `faults` struck, `errors` raised in the kiosk). It stops
    after `visits`, after the first visit that ends past `minutes`, or after the visit during
    which SIGINT or SIGTERM came. `faults` names the only faults to strike (all of
    `bench/faults.py` by default), to find which one costs memory."""
    stop = _stop_when_signalled()
    commit = provenance()["commit"]  # the code that runs, whatever is committed meanwhile
    prepare_environment()
    app = QApplication.instance() or QApplication([])
    app.setApplicationName("kiosk-soak")
    errors: list[str] = []
    with _errors_kept(errors), running_site() as site:
        rng = random.Random(seed)
        recoveries = Recoveries(lambda kind: _online(site, kind))
        plan = FaultPlan(_faults(site, faults), rng, fault_rate, recoveries)
        # Looked at on a timer, not between taps: a visit may wait many seconds without one.
        looking = QTimer(interval=RECOVERY_LOOK_MS)
        looking.timeout.connect(lambda: recoveries.look())
        looking.start()
        finger = Finger(site.kiosk.window, before_tap=plan.before_tap)
        citizens = Citizens(
            site.kiosk,
            site.devices,
            site.clock,
            site.config.time_limits,
            site.central.url,
            rng,
            finger,
        )
        played = _play(citizens, plan, rng, site, visits, minutes, stop)
        plan.mend()
        drained_s = _drain(site.outbox)
        _wait_for_recoveries(recoveries)
        made = sum(site.outbox.stats().result().counts.values())
        held = stored_records(site.central.url, site.config.kiosk_id)
    options = {
        "visits": visits,
        "minutes": minutes,
        "seed": seed,
        "fault_rate": fault_rate,
        "faults": faults,
    }
    return {
        **_document(played, plan, made, held, drained_s, errors),
        "options": {k: v for k, v in options.items() if v is not None},
        "stopped_by_signal": stop.is_set(),
        **provenance(),
        "commit": commit,
    }


@dataclass
class Played:
    """What the visits came to, kept as counts: a list of 10,000 visits would be memory the
    soak itself grows by. Only the case numbers to look for at the platform are kept (about
    a megabyte for 10,000 visits, counted in the kiosk process's memory)."""

    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)
    owed: set[str] = field(default_factory=set)
    samples: list[dict[str, float]] = field(default_factory=list)
    visits: int = 0
    finished: int = 0
    told_why: int = 0  # not finished, with what the screen said
    elapsed_s: float = 0.0

    def add(self, visit: Visit) -> None:
        self.visits += 1
        self.outcomes.setdefault(visit.service, Counter())[visit.outcome] += 1
        self.seconds.setdefault(visit.service, []).append(visit.seconds)
        self.owed.update(visit.case_numbers)
        if visit.outcome == "finished":
            self.finished += 1
        elif visit.reason:
            self.told_why += 1
            self.reasons[f"{visit.service}: {visit.reason}"] += 1


def _play(
    citizens: Citizens,
    plan: FaultPlan,
    rng: random.Random,
    site: Site,
    visits: int,
    minutes: float | None,
    stop: threading.Event,
) -> Played:
    every = max(1, visits // SAMPLES)
    played = Played()
    started = time.perf_counter()
    deadline = started + minutes * 60 if minutes is not None else float("inf")
    order: list[str] = []
    while played.visits < visits and time.perf_counter() < deadline and not stop.is_set():
        if not order:
            order = rng.sample(ROUND, len(ROUND))
        played.add(citizens.visit(order.pop()))
        plan.visit_ended()
        if played.visits % every == 0:
            _sample(played, site, started)
            _progress(played, visits)
    if not played.samples or played.samples[-1]["visit"] != played.visits:
        _sample(played, site, started)  # cut short: how it ended
    return played


def _sample(played: Played, site: Site, started: float) -> None:
    played.elapsed_s = time.perf_counter() - started
    played.samples.append(
        {
            "visit": played.visits,
            "seconds": played.elapsed_s,
            **vitals().as_dict(),
            "central_rss_mb": vitals(site.central.pid).rss_mb,
        }
    )


def _stop_when_signalled() -> threading.Event:
    """Set by the first SIGINT or SIGTERM: the soak then ends after the visit being played and
    still mends its faults, drains the queue and reports (hours of a soak are worth their
    numbers), and closes the kiosk and its central. Exiting from the handler instead would
    leave central running: in Qt's event loop PySide6 ends the process on SystemExit at once.
    A second signal ends it the default way."""
    asked = threading.Event()

    def handle(number: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        print(f"soak: {signal.Signals(number).name}: ending after this visit", file=sys.stderr)
        asked.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return asked


def _progress(played: Played, visits: int) -> None:
    sample = played.samples[-1]
    print(
        f"soak: {played.visits}/{visits} visits, {played.finished} finished, "
        f"{sample['seconds']:.0f} s, "
        f"RSS {sample['rss_mb']:.1f} MB ({sample['rss_anon_mb']:.1f} anonymous), "
        f"{sample['threads']:.0f} threads, "
        f"{sample['fds']:.0f} fds",
        file=sys.stderr,
        flush=True,
    )


def _faults(site: Site, names: list[str] | None) -> list[Fault]:
    d = site.devices
    every = site_faults(
        d.simulator(IdCardSimulator),
        d.simulator(PrinterSimulator),
        d.simulator(ScannerSimulator),
        d.simulator(CameraSimulator),
        site.proxy,
    )
    return [fault for fault in every if names is None or fault.name in names]


def _online(site: Site, kind: str) -> bool:
    devices = site.devices.supervisor.devices.values()
    return all(d.state is DeviceState.ONLINE for d in devices if d.kind == kind)


def _wait_for_recoveries(recoveries: Recoveries) -> None:
    """Give the devices of the last faults mended the time they are allowed, and a little more
    to tell a slow recovery from none."""

    def recovered() -> bool:
        recoveries.look()
        return not recoveries.pending

    with contextlib.suppress(Stuck):
        run_until(recovered, "devices back after their faults", 2 * RECOVERY_TARGET_S)


def _drain(outbox: Outbox) -> float:
    """Seconds until the queue has sent everything, after the faults are mended."""
    started = time.perf_counter()
    outbox.sync_now()

    def drained() -> bool:
        counts = outbox.stats().result().counts
        return counts["pending"] == counts["in_flight"] == 0

    run_until(drained, "drained queue", DRAIN_TIMEOUT_S)
    return time.perf_counter() - started


# -- the verdicts ----------------------------------------------------------------------------


def _document(
    played: Played,
    plan: FaultPlan,
    made: int,
    held: list[dict[str, Any]],
    drained_s: float,
    errors: list[str],
) -> dict[str, Any]:
    visits, samples, owed = played.visits, played.samples, played.owed
    accepted = [r for r in held if r["status"] == "accepted"]
    held_cases = {r["payload"].get("case_number") for r in held}
    lost = sorted(owed - held_cases)
    seqs = Counter(r["seq"] for r in held)
    same_record = Counter(_business_key(r) for r in held)
    duplicates = sum(n - 1 for n in seqs.values() if n > 1) + sum(
        n - 1 for n in same_record.values() if n > 1
    )
    finished = played.finished
    warm, late = _warm_and_late(samples)
    recoveries = plan.recoveries
    longest_down = recoveries.longest_s()
    times = [t for seconds in recoveries.seconds.values() for t in seconds]
    growth = {k: _median(late, k) - _median(warm, k) for k in ("rss_mb", "threads", "fds")}
    rows = [
        _row("visits finished", finished, visits, "every visit ends (finished or told why)",
             finished + played.told_why == visits),
        _row("records accepted by the platform", len(accepted), made, "all made",
             len(accepted) == made),
        _row("records of finished visits lost", len(lost), len(owed), "0", not lost),
        _row("records held twice", duplicates, 0, "0", duplicates == 0),
        _row("errors raised in the kiosk", len(errors), 0, "0", not errors),
        _row("longest a device stayed down after its fault was mended (s)", longest_down,
             statistics.median(times) if times else 0.0, f"< {RECOVERY_TARGET_S:g} s",
             longest_down < RECOVERY_TARGET_S and not recoveries.pending),
        _row("resident memory growth after warm-up (MB)", growth["rss_mb"],
             _median(warm, "rss_mb"), f"< {MEMORY_TARGET_MB:g} MB",
             growth["rss_mb"] < MEMORY_TARGET_MB),
        _row("thread growth after warm-up", growth["threads"], _median(warm, "threads"), "0",
             growth["threads"] <= 0),
        _row("open file growth after warm-up", growth["fds"], _median(warm, "fds"), "0",
             growth["fds"] <= 0),
    ]  # fmt: skip
    return {
        "rows": rows,
        "visits": visits,
        "seconds": played.elapsed_s,
        "visits_per_hour": visits / played.elapsed_s * 3600,
        "drain_s": drained_s,
        "outcomes": _outcomes(played),
        "reasons": played.reasons.most_common(20),
        "faults": dict(plan.struck),
        "recoveries": recoveries.summary(),
        "never_recovered": recoveries.pending,
        "lost": lost[:20],
        "errors": errors[:20],
        "samples": samples,
    }


def _row(measure: str, value: float, baseline: float, target: str, passed: bool) -> dict[str, Any]:
    return {
        "measure": measure,
        "value": value,
        "baseline": baseline,
        "ratio": value / baseline if baseline else None,
        "target": target,
        "pass": passed,
    }


def _business_key(record: dict[str, Any]) -> tuple[str, ...]:
    """What one record of one visit is: a second record with the same key is a duplicate."""
    payload = record["payload"]
    return (
        record["kind"],
        str(payload.get("case_number") or record["seq"]),
        str(payload.get("item", "")),
    )


def _warm_and_late(
    samples: list[dict[str, float]],
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """The samples just after the warm-up (the first tenth) and the last tenth of the run (the
    first and the last, of a run too short for tenths)."""
    tenth = max(1, len(samples) // 10)
    return samples[tenth : 2 * tenth] or samples[:tenth], samples[-tenth:]


def _median(samples: list[dict[str, float]], key: str) -> float:
    return statistics.median(s[key] for s in samples)


def _outcomes(played: Played) -> dict[str, dict[str, float]]:
    """Per service: visits by outcome, and the median seconds a visit took."""
    return {
        service: {**played.outcomes[service], "median_s": statistics.median(seconds)}
        for service, seconds in played.seconds.items()
    }


# -- the site --------------------------------------------------------------------------------


@contextmanager
def running_site() -> Iterator[Site]:
    """The default site's kiosk, on its simulators, its queue on disk, with a real central
    behind a fault proxy; the visit's time limits on a clock the citizens advance."""
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="soak-", dir=var) as workdir:
        work = Path(workdir)
        with CentralProcess(work / "central.sqlite") as central:
            proxy = FaultProxy(central.url).start()
            try:
                base = load_config(ROOT / "config" / "default.toml")
                config = replace(base, platform_url=proxy.url, data_dir=work / "kiosk")
                configure_logging(config.logging, config.data_dir / "logs")
                logging.getLogger().handlers[0].setLevel(logging.ERROR)  # the console: errors
                with _kiosk(config) as site_parts:
                    kiosk, devices, outbox, clock = site_parts
                    yield Site(kiosk, devices, outbox, central, proxy, clock, config)
            finally:
                proxy.stop()


@contextmanager
def _kiosk(config: Config) -> Iterator[tuple[main.Kiosk, main.Devices, Outbox, ManualScheduler]]:
    """The kiosk on a clock the citizens advance, silent, once its devices and the platform
    are up (as a citizen finds it in the morning)."""
    clock = ManualScheduler()
    with running_kiosk(config, Voice(choose_engine("silent")), clock) as (kiosk, devices, outbox):
        run_until(
            lambda: all(s.state is DeviceState.ONLINE for s in devices.supervisor.statuses()),
            "every simulated device online",
        )
        platform = kiosk.flow.backend.platform
        run_until(lambda: platform is not None and platform.online(), "platform reached")
        yield kiosk, devices, outbox, clock


@contextmanager
def _errors_kept(errors: list[str]) -> Iterator[None]:
    """Exceptions raised in Qt slots (which PySide6 prints and goes on from) are counted."""
    previous = sys.excepthook

    def keep(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        errors.append("".join(traceback.format_exception_only(kind, error)).strip())
        previous(kind, error, tb)

    sys.excepthook = keep
    try:
        yield
    finally:
        sys.excepthook = previous
