"""The demo builder's residents (a part of ``devtools.demo.builder._DemoBuilder``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from devtools.demo.builder_state import DemoBuilderState
from devtools.demo.common import (
    _ACCESSIBILITY,
    _AGE_BANDS,
    _HOUSEHOLDS,
    _OWN_DEVICES,
    _PROXY_RELATIONS,
    _RESIDENT_NOTES,
    JST,
    _explicit_created_at,
    birth_date_for_age,
)
from devtools.demo.names import NAMES, landline_number, mobile_number
from residents.models import OwnDevice, Resident


class ResidentSteps(DemoBuilderState):
    """Residents and their proxies; uses the builder's ``rng``, ``today``, ``venues``, ``users``."""

    # Residents --------------------------------------------------------------------------------
    def _residents(self, count: int = 300) -> None:
        rng, today = self.rng, self.today
        districts = [v.district or v.name for v in self.venues]
        weights = [v.default_seats for v in self.venues]
        phones = rng.sample(range(450_000), count)
        mobiles = rng.sample(range(10_000_000), count)
        residents = []
        for i in range(count):
            band = rng.choices(_AGE_BANDS, (7, 40, 38, 13, 2))[0]
            age = rng.randint(*band) if band else None
            female = rng.random() < 0.58
            name, kana = NAMES.person(rng, female=female, senior=bool(age and age >= 70))
            own = rng.choices(_OWN_DEVICES, (30, 30, 20, 15, 5))[0]
            has_smartphone = own in (OwnDevice.ANDROID, OwnDevice.IPHONE)
            phone = (
                mobile_number(mobiles[i])
                if has_smartphone and rng.random() < 0.4
                else landline_number(phones[i])
            )
            consent = rng.random() < 0.94
            relation = rng.choice(_PROXY_RELATIONS) if rng.random() < 0.15 else ""
            resident = Resident(
                name=name,
                name_kana=kana,
                birth_date=birth_date_for_age(rng, today, age) if age else None,
                phone=phone,
                district=rng.choices(districts, weights)[0],
                household=rng.choices(_HOUSEHOLDS, (25, 35, 30, 10))[0],
                own_device=own,
                accessibility_needs=rng.choice(_ACCESSIBILITY) if rng.random() < 0.12 else "",
                proxy_name=self._proxy_name(name, relation),
                proxy_phone=mobile_number(mobiles[(i + 1) % count]) if relation else "",
                proxy_relation=relation,
                consent_given=consent,
                consent_date=today - timedelta(days=rng.randint(0, 365)) if consent else None,
                notes=rng.choice(_RESIDENT_NOTES) if rng.random() < 0.1 else "",
                email=(
                    f"{self.fake.user_name()}@example.jp"
                    if has_smartphone and rng.random() < 0.2
                    else ""
                ),
                created_by=self.users["staff"],
            )
            resident.set_search_keys()
            residents.append(resident)
        for r in residents:
            r.created_at = datetime.combine(
                r.consent_date or today - timedelta(days=200), time(10, 15), JST
            )
        with _explicit_created_at(Resident):
            self.residents = Resident.objects.bulk_create(residents)
        self.by_district = defaultdict(list)
        for r in self.residents:
            self.by_district[r.district].append(r)
        self.result.counts["residents"] = len(self.residents)

    def _proxy_name(self, resident_name: str, relation: str) -> str:
        """A family member shares the family name; a welfare commissioner (民生委員) does not."""
        if not relation:
            return ""
        other = NAMES.person(
            self.rng, female=relation in ("長女", "次女", "息子の妻"), senior=False
        )
        if relation == "民生委員":
            return other[0]
        return f"{resident_name.split(' ')[0]} {other[0].split(' ')[1]}"
