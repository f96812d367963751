"""The demo builder's devices, loans and loan applications (a part of
``devtools.demo.builder._DemoBuilder``)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, time, timedelta

from classes.models import Venue
from devtools.demo.builder_state import DemoBuilderState
from devtools.demo.common import JST, _active_policy, is_session_day
from devtools.demo.names import imei_number
from loans.models import Device, Loan, LoanApplication, LoanCheckIn
from residents.models import Household, OwnDevice


class LoanSteps(DemoBuilderState):
    """Devices, loans, applications and a lottery; uses the builder's ``rng``, ``today``, ``users``."""

    # Devices and loans ------------------------------------------------------------------------
    def _devices_and_loans(self) -> None:
        rng, today = self.rng, self.today
        policy = _active_policy()
        by_code = {v.code: v for v in self.venues}
        home_codes = ("iwaki-chuo", "iwaki-plaza", "onahama", "nakoso", "joban")
        homes = [by_code[c] for c in home_codes if c in by_code] or self.venues[:3]
        home_weights = [16, 8, 8, 4, 4][: len(homes)]
        carriers = ("NTTドコモ", "au", "ソフトバンク", "楽天モバイル")
        models_by_kind = {
            Device.Kind.SMARTPHONE: (
                ("シャープ", "AQUOS wish3", "Android 14"),
                ("京セラ", "かんたんスマホ3", "Android 12"),
                ("Apple", "iPhone SE（第3世代）", "iOS 17"),
            ),
            Device.Kind.TABLET: (
                ("Apple", "iPad（第9世代）", "iPadOS 17"),
                ("Lenovo", "Tab M10", "Android 13"),
            ),
            Device.Kind.ROUTER: (("NEC", "Speed Wi-Fi 5G X12", ""),),
        }
        plan = {
            Device.Kind.SMARTPHONE: "月5GB・国際電話不可・有害サイトフィルタあり",
            Device.Kind.TABLET: "Wi-Fiのみ",
            Device.Kind.ROUTER: "月20GB",
        }
        kit = {
            Device.Kind.SMARTPHONE: "充電器,ケーブル,ケース,説明書,SIMカード",
            Device.Kind.TABLET: "充電器,ケーブル,カバー,説明書",
            Device.Kind.ROUTER: "充電器,ケーブル,説明書,SIMカード",
        }
        devices = []
        counters: Counter[str] = Counter()
        kinds = [Device.Kind.SMARTPHONE] * 24 + [Device.Kind.TABLET] * 10 + [Device.Kind.ROUTER] * 6
        prefix = {Device.Kind.SMARTPHONE: "SP", Device.Kind.TABLET: "TB", Device.Kind.ROUTER: "WR"}
        for i, kind in enumerate(kinds):
            counters[kind] += 1
            maker, model_name, os_name = models_by_kind[kind][
                counters[kind] % len(models_by_kind[kind])
            ]
            cellular = kind != Device.Kind.TABLET
            devices.append(
                Device(
                    asset_tag=f"IWK-{prefix[kind]}-{counters[kind]:03d}",
                    kind=kind,
                    maker=maker,
                    model_name=model_name,
                    os=os_name,
                    serial=f"{prefix[kind]}{2026_0000 + i * 37:08d}",
                    imei=imei_number(1000 + i) if cellular else "",
                    sim_phone_number=(
                        f"070-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}"
                        if kind == Device.Kind.SMARTPHONE
                        else ""
                    ),
                    carrier=rng.choice(carriers) if cellular else "",
                    data_plan=plan[kind],
                    accessories=kit[kind],
                    condition=Device.Condition.WORN
                    if rng.random() < 0.2
                    else Device.Condition.GOOD,
                    home_venue=rng.choices(homes, home_weights)[0],
                )
            )
        self.devices = Device.objects.bulk_create(devices)

        # Borrowers: 65+, no smartphone of their own, consent given; alone/senior-only first.
        eligible = [
            r
            for r in self.residents
            if r.consent_given
            and (age := r.age_on(today)) is not None
            and age >= policy.min_age
            and r.own_device in (OwnDevice.NONE, OwnDevice.FEATURE_PHONE)
        ]
        rng.shuffle(eligible)
        eligible.sort(key=lambda r: r.household not in (Household.ALONE, Household.SENIORS_ONLY))
        borrowers = iter(eligible)
        term = policy.term_days
        chuo_first = sorted(self.devices, key=lambda d: (_home(d).code != "iwaki-chuo", d.pk))
        # Due dates (days from today) of the 20 active loans: 4 due this week, 3 overdue, one
        # renewed once, the rest later in the term.
        due_offsets = [0, 2, 4, 6, -3, -9, -20] + [rng.randint(10, 170) for _ in range(13)]
        active_devices = chuo_first[:4] + chuo_first[8:11] + chuo_first[14:27]
        loans: list[Loan] = []
        self.active_loan_devices: set[int] = set()
        for n, (device, offset) in enumerate(zip(active_devices, due_offsets, strict=True)):
            renewed = n == 10
            due = today + timedelta(days=offset)
            while not is_session_day(due):  # devices come back on days the center is open
                due += timedelta(days=1)
            start = due - timedelta(days=term * (2 if renewed else 1))
            loans.append(
                self._loan(device, next(borrowers), policy, start, due, renewals=int(renewed))
            )
            self.active_loan_devices.add(device.pk)
        # Finished loans: most ended before the device's current loan began.
        outcomes = (
            [Loan.Outcome.OWN_DEVICE] * 7
            + [Loan.Outcome.RETURNED_WITHOUT] * 3
            + [Loan.Outcome.OTHER_PROGRAM]
        )
        current_start = {ln.device_id: ln.start_date for ln in loans}
        returned_devices = [d for d in self.devices if d.kind != Device.Kind.ROUTER][:12]
        for device, outcome in zip(returned_devices, outcomes, strict=False):
            returned_on = current_start.get(device.pk, today) - timedelta(days=rng.randint(3, 40))
            start = returned_on - timedelta(days=rng.randint(150, 200))
            loan = self._loan(device, next(borrowers), policy, start, start + timedelta(days=term))
            loan.status = Loan.Status.RETURNED
            loan.returned_on = returned_on
            loan.outcome = outcome
            loan.kit_returned = device.accessories
            loan.return_condition = device.condition
            loan.data_wiped_at = datetime.combine(returned_on, time(14, 0), JST)
            loan.returned_by = loan.created_by
            loans.append(loan)
        # One device lost, one back from repair after the last borrower dropped it.
        spare = [d for d in self.devices if d.pk not in self.active_loan_devices]
        lost_device = spare[-1]
        repair_device = [d for d in spare if d.kind == Device.Kind.SMARTPHONE][-1]
        start = today - timedelta(days=120)
        lost = self._loan(lost_device, next(borrowers), policy, start, start + timedelta(days=term))
        lost.status = Loan.Status.LOST
        lost.outcome = Loan.Outcome.LOST
        lost.notes = "外出先で紛失。遠隔ロック済み、警察に遺失届提出。"
        loans.append(lost)
        self.loans = Loan.objects.bulk_create(loans)
        for device in self.devices:
            if device.pk in self.active_loan_devices:
                device.status = Device.Status.ON_LOAN
            elif device is lost_device:
                device.status = Device.Status.LOST
            elif device is repair_device:
                device.status = Device.Status.IN_REPAIR
                device.condition = Device.Condition.DAMAGED
                device.notes = "画面割れ。修理見積中。"
        Device.objects.bulk_update(self.devices, ["status", "condition", "notes"])
        self._check_ins()
        self._applications(policy, borrowers)
        self.result.counts["devices"] = len(self.devices)
        self.result.counts["loans"] = len(self.loans)
        self.result.counts["active loans"] = len(self.active_loan_devices)

    def _check_ins(self) -> None:
        """Follow-up calls about a month into each loan and every two months after, up to
        today or the loan's end: what the resident now uses and how satisfied they are."""
        # A stream of its own, so the rest of the demo draws what it drew before.
        rng, today = random.Random(f"check-ins {self.today}"), self.today
        functions = list(LoanCheckIn.Function.values)
        check_ins = []
        for loan in self.loans:
            last = loan.returned_on or (today if loan.status == Loan.Status.ACTIVE else None)
            last = min(last or loan.due_date, today)
            on = loan.start_date + timedelta(days=30)
            while on <= last:
                used = [f for f in functions if rng.random() < 0.45]
                check_ins.append(
                    LoanCheckIn(
                        loan=loan,
                        on=on,
                        channel=rng.choice(LoanCheckIn.Channel.values),
                        functions_used=",".join(used),
                        satisfaction=rng.choice((3, 4, 4, 5, 5)),
                        created_by=loan.created_by,
                    )
                )
                on += timedelta(days=60)
        LoanCheckIn.objects.bulk_create(check_ins)
        self.result.counts["loan check-ins"] = len(check_ins)

    def _applications(self, policy, borrowers) -> None:
        """Ten applications at the three busiest venues, a drawn lottery of three places and one
        device reserved for the first selected applicant (through the services, like staff)."""
        from loans.services_devices import device_reserve
        from loans.services_lottery import loan_application_create, loan_lottery_draw

        admin = self.users["admin"]
        homes = [_home(d) for d in self.devices[:3]]
        applicants = [r for r, _ in zip(borrowers, range(10), strict=False)]
        for n, resident in enumerate(applicants):
            venue = homes[n % len(homes)]
            loan_application_create(
                resident=resident,
                policy=policy,
                venue=venue,
                by=self.staff_by_venue.get(venue.pk, admin),
            )
        if not applicants:
            return
        lottery = loan_lottery_draw(policy=policy, places=3, by=admin, seed=20261101)
        first = (
            LoanApplication.objects.filter(lottery=lottery, status=LoanApplication.Status.SELECTED)
            .order_by("draw_position")
            .first()
        )
        spare = next(
            (
                d
                for d in self.devices
                if d.status == Device.Status.AVAILABLE and d.kind == Device.Kind.SMARTPHONE
            ),
            None,
        )
        if first is not None and spare is not None:
            device_reserve(
                device=spare,
                resident=first.resident,
                by=self.staff_by_venue.get(_home(spare).pk, admin),
            )
        self.result.counts["loan applications"] = len(applicants)

    def _loan(self, device, resident, policy, start, due, *, renewals: int = 0) -> Loan:
        return Loan(
            device=device,
            resident=resident,
            policy=policy,
            venue=device.home_venue,
            status=Loan.Status.ACTIVE,
            holding_slot=1,
            allowed_loans=policy.max_active_loans,
            start_date=start,
            due_date=due,
            renewals=renewals,
            kit_handed_over=device.accessories,
            agreement_signed=True,
            signed_by="resident",
            notes="LINE・防災アプリ設定済み" if self.rng.random() < 0.5 else "",
            created_by=self.staff_by_venue.get(device.home_venue_id, self.users["admin"]),
        )


def _home(device: Device) -> Venue:
    """The device's home venue: every demo device has one (``_devices_and_loans`` sets it)."""
    assert device.home_venue is not None, "every demo device is given a home venue"
    return device.home_venue
