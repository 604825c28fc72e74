"""Citizens who use every service of the catalog on the real kiosk window, with the device
simulators as their cards, phones and faces: one full visit each, from the attract screen to the
rating, as the end-to-end tests play them. A visit the kiosk cannot serve ends as a citizen's
does: they read why and walk away, and the kiosk's own time-out takes it back to the start."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import requests

import main
from bench.driving import WAIT_S, Finger, Stuck, run_until
from devices.idcard.card import parse_text
from devices.idcard.commands import FIND_CARD
from devices.sim.camera import CameraSimulator
from devices.sim.faces import Side, turn_script
from devices.sim.idcard import CITIZENS, IdCardSimulator, SimCard
from devices.sim.printer import PrinterSimulator
from devices.sim.scanner import ScannerSimulator
from kiosk.config import TimeLimits
from kiosk.timers import ManualScheduler
from kiosk.visit import Phase, VisitSnapshot
from offline_queue import wire

ELDER, PARENT = CITIZENS[0], CITIZENS[1]  # 王秀英 (68, a platform demo citizen), 李明 (35)
LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
REASONS = ("等候时间长", "操作太复杂", "设备有故障", "服务态度差", "其他原因")
TURN_PROMPTS: dict[str, Side] = {"请慢慢向左转头。": "left", "请慢慢向右转头。": "right"}
TURN_STEP_S = 0.5  # an elder's pace: the check sees the face on its way out
FACE_WAIT_S = 60.0
UNAVAILABLE = "暂不可用"  # what a tile adds when the service cannot start now
RETRY = "再试一次"  # offered when a step could not be done (a face check ran out)


@dataclass
class Visit:
    service: str
    outcome: str = "finished"  # "finished", "turned away" or "interrupted"
    reason: str = ""  # what the screen said when it was not finished
    # Case numbers the platform must come to hold: of a finished service that queues a record
    # or a ticket, and of a rating given.
    case_numbers: list[str] = field(default_factory=list)
    seconds: float = 0.0


class TurnedAway(Exception):
    """The service could not start; the message is what the screen said."""


class Citizens:
    """Plays a visit of a service, by its catalog id, on the kiosk of `devices`."""

    def __init__(
        self,
        kiosk: main.Kiosk,
        devices: main.Devices,
        clock: ManualScheduler,
        limits: TimeLimits,
        platform_url: str,
        rng: random.Random,
        finger: Finger,
    ) -> None:
        self.kiosk, self.clock, self.limits = kiosk, clock, limits
        self.platform_url, self.rng = platform_url, rng
        self.finger = finger
        self.reader = devices.simulator(IdCardSimulator)
        self.printer = devices.simulator(PrinterSimulator)
        self.scanner = devices.simulator(ScannerSimulator)
        self.camera = devices.simulator(CameraSimulator)
        self._lifted_at = 0.0
        self.scripts: dict[str, Callable[[], None]] = {
            "social-insurance-certificate": self._certificate,
            "pension-qualification": self._pension,
            "senior-preferential-card": self._senior_card,
            "queue-ticket": self._ticket,
            "newborn-bundle": self._newborn,
            "eid-code-verification": self._eid,
        }

    def visit(self, service_id: str) -> Visit:
        visit = Visit(service_id)
        started = time.perf_counter()
        try:
            self.scripts[service_id]()
            self._finish_and_rate(visit)
        except TurnedAway as why:
            visit.outcome, visit.reason = "turned away", str(why)
        except Stuck as stuck:
            visit.outcome, visit.reason = "interrupted", self._why(stuck)
        finally:
            self._leave()
            visit.seconds = time.perf_counter() - started
        return visit

    @property
    def snapshot(self) -> VisitSnapshot:
        return self.kiosk.visit.snapshot

    # -- the services ------------------------------------------------------------------------

    def _certificate(self) -> None:
        self._open("社保参保证明打印")
        self._identify(ELDER)
        self._until(lambda: self.snapshot.step == "confirm", "confirm step")
        self.finger.tap("确认办理")
        self.finger.tap("小票打印")

    def _pension(self) -> None:
        self._open("养老金资格认证")
        self._identify(ELDER)
        self.camera.show_face("front")
        asked: list[Side] = []

        def prompted() -> bool:
            shown = self.finger.shown()
            asked[:] = [side for prompt, side in TURN_PROMPTS.items() if prompt in shown]
            return bool(asked) or self.snapshot.phase is Phase.FINISH or self._trouble()

        run_until(prompted, "turn prompt", FACE_WAIT_S)
        if asked:
            self.camera.play_frames(turn_script(asked[0], step_s=TURN_STEP_S)[1:], loop=True)

    def _senior_card(self) -> None:
        self._open("老年人优待证申领")
        self._identify(ELDER)
        self.finger.key_in("13800000001")
        self.camera.show_face("front")  # her photo, taken here
        self._until(lambda: self.snapshot.step == "confirm", "confirm step", FACE_WAIT_S)
        self.finger.tap("确认办理")

    def _ticket(self) -> None:
        self._open("取号")
        self.finger.tap("社保医保")

    def _newborn(self) -> None:
        self._open("新生儿出生")
        self._identify(PARENT)
        self._until(lambda: self.snapshot.step == "form", "form")
        self.finger.type_words(("wang", "王"), ("xiaoming", "小明"))
        self.finger.tap("女")
        born = self.kiosk.flow.today() - timedelta(days=self.rng.randint(1, 20))
        self.finger.key_in(born.strftime("%Y%m%d"))
        self.finger.type_words(("renmin", "人民"), ("yiyuan", "医院"))
        self.finger.key_in("13800000002")
        self.finger.tap("确认办理")

    def _eid(self) -> None:
        self._open("电子证照亮码核验")
        number = parse_text(ELDER.text).number
        answer = requests.post(  # her phone has the code from the platform's app
            f"{self.platform_url}{wire.API}/eid/codes",
            json={"id_number": number, "valid_s": 300},
            timeout=10,
        )
        answer.raise_for_status()
        self.scanner.scan(answer.json()["payload"])
        self._until(lambda: self.snapshot.step == "confirm", "checked code")
        self.finger.tap("确认办理")
        if self.finger.offers("小票打印"):
            self.finger.tap("小票打印")

    # -- what every visit does ---------------------------------------------------------------

    def _open(self, name: str) -> None:
        """From the attract screen to the first step of the service called `name`."""
        self.finger.tap("开始办理")
        said = self._tile(name)
        if UNAVAILABLE in said:
            raise TurnedAway(said)
        self.finger.tap(name)
        try:
            run_until(lambda: self.finger.offers("开始办理"), "start on the guide", 5.0)
        except Stuck:
            raise TurnedAway(" / ".join(self.finger.shown())) from None
        self.finger.tap("开始办理")

    def _tile(self, name: str) -> str:
        """What the catalog's tile of the service says, paging on until it is shown."""
        while True:
            for button in self.finger.buttons():
                if button.accessibleName().startswith(name):
                    return button.accessibleName()
            self.finger.tap("下一页")

    def _identify(self, card: SimCard) -> None:
        """Place the card (once the reader has seen the last one go) and decline elder mode."""
        self._until(
            lambda: any(at > self._lifted_at and c == FIND_CARD.key for at, c in self._commands()),
            "reader looking for a card",
        )
        self.reader.place(card)
        self._until(lambda: self.snapshot.step != "identify", "card read")
        if self.snapshot.elder_offer:
            self.finger.tap("不用了")

    def _commands(self) -> list[tuple[float, bytes]]:
        return self.reader.commands[-5:]

    def _until(self, done: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
        run_until(lambda: done() or self._trouble(), what, timeout_s)

    def _trouble(self) -> bool:
        """`Stuck` when the kiosk says something went wrong: waiting longer will not help."""
        notice = self.snapshot.notice
        if notice is not None:
            raise Stuck(f"notice {notice.key}")
        if self.finger.offers(RETRY):
            raise Stuck(f"offered {RETRY}: " + " / ".join(self.finger.shown()))
        return False

    def _finish_and_rate(self, visit: Visit) -> None:
        self._until(lambda: self.snapshot.phase is Phase.FINISH, "finish screen")
        self.finger.settle()
        service, case_number = self.snapshot.service, self.snapshot.case.case_number
        if service is not None and {"record", "ticket"} & set(service.produces):
            visit.case_numbers.append(case_number)
        if self.rng.random() < 0.2:
            self.finger.tap("不评价，结束")
            return
        self.finger.tap("评价本次服务")
        self.finger.tap(self.rng.choice(LEVELS))
        while self.snapshot.phase is Phase.RATE:  # a poor level: a reason and a call-back first
            if self.finger.offers(REASONS[0]):
                self.finger.tap(self.rng.choice(REASONS))
            elif self.finger.offers("不需要回电"):
                if self.rng.random() < 0.5:
                    self.finger.tap("不需要回电")
                else:
                    self.finger.key_in("13800000003")
            else:
                self.finger.tap("提交评价" if self.finger.offers("提交评价") else "跳过此项")
        if case_number not in visit.case_numbers:
            visit.case_numbers.append(case_number)  # the rating carries it

    def _why(self, stuck: Stuck) -> str:
        notice = self.snapshot.notice
        return f"{notice.key}: {stuck}" if notice is not None else str(stuck)

    def _leave(self) -> None:
        """Take the card and the paper and go; the kiosk's time-outs bring it back to the start."""
        self.reader.lift()
        self._lifted_at = time.monotonic()
        self.camera.blank()
        self.printer.take_receipts()
        for _ in range(5):
            if self.snapshot.phase is Phase.ATTRACT:
                return
            self.clock.advance(self.limits.idle_s + self.limits.warning_s + 1)
            self.finger.settle()
        raise Stuck(f"the kiosk did not return to the start: {self.snapshot}")
