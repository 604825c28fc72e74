"""The soak's fault plan: how long a device takes to come back after its fault is mended, and a
device that never comes back, which every other verdict of the soak would let pass."""

from __future__ import annotations

import random
import time

from bench.faults import Fault, FaultPlan, Recoveries


class Site:
    """Which devices are online; `unplug` and `replug` are the faults' strike and mend."""

    def __init__(self) -> None:
        self.online = {"id_card_reader": True, "camera": True}
        self.comes_back = True

    def fault(self, device: str) -> Fault:
        def strike() -> None:
            self.online[device] = False

        def mend() -> None:
            self.online[device] = self.comes_back

        return Fault(f"{device} unplugged", strike, mend, device)


def strike_and_mend(site: Site, plan: FaultPlan) -> None:
    plan.before_tap()  # per_tap 1.0: strikes
    plan.visit_ended()  # longest 1: mends


def test_a_device_back_at_once_is_timed_by_its_fault() -> None:
    site = Site()
    recoveries = Recoveries(lambda kind: site.online[kind])
    plan = FaultPlan([site.fault("camera")], random.Random(1), 1.0, recoveries, longest=1)
    strike_and_mend(site, plan)
    recoveries.look()
    assert recoveries.pending == []
    assert recoveries.summary()["camera unplugged"]["count"] == 1
    assert recoveries.longest_s() < 0.1


def test_a_device_that_never_comes_back_stays_pending_and_counts_its_time() -> None:
    site = Site()
    site.comes_back = False
    recoveries = Recoveries(lambda kind: site.online[kind])
    plan = FaultPlan([site.fault("id_card_reader")], random.Random(1), 1.0, recoveries, longest=1)
    strike_and_mend(site, plan)
    time.sleep(0.05)
    recoveries.look()
    assert recoveries.pending == ["id_card_reader unplugged"]
    assert recoveries.longest_s() >= 0.05
    site.online["id_card_reader"] = True  # a technician plugs it in again
    recoveries.look()
    assert recoveries.pending == []
    assert recoveries.summary()["id_card_reader unplugged"]["longest_s"] >= 0.05


def test_a_platform_fault_has_no_device_to_wait_for() -> None:
    recoveries = Recoveries(lambda kind: False)
    plan = FaultPlan([Fault("platform down", lambda: None, lambda: None)], random.Random(1), 1.0,
                     recoveries, longest=1)  # fmt: skip
    plan.before_tap()
    plan.visit_ended()
    assert recoveries.pending == []
    assert recoveries.summary() == {}
