"""Sample enterprise directories: the whole 四上 directory each month, with entries and exits.

One enterprise leaves in April and comes back in July (the same credit code): it is one
enterprise, not a new one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from orchestration.contract import uscc
from orchestration.contract.reference import Reference
from orchestration.demo.samples import SEED, SampleFile, routine_arrival, sample_file

# category -> (share of the directory, GB/T 4754 section)
_CATEGORIES = {
    "规上服务业": (0.36, None),
    "限上批发业": (0.22, "批发和零售业"),
    "限上零售业": (0.12, "批发和零售业"),
    "限上住宿业": (0.04, "住宿和餐饮业"),
    "限上餐饮业": (0.08, "住宿和餐饮业"),
    "房地产开发经营业": (0.08, "房地产业"),
    "资质内建筑业": (0.06, "建筑业"),
    "规上工业": (0.04, "制造业"),
}
_SERVICE_SECTIONS = (
    "交通运输、仓储和邮政业",
    "信息传输、软件和信息技术服务业",
    "租赁和商务服务业",
    "科学研究和技术服务业",
    "文化、体育和娱乐业",
    "居民服务、修理和其他服务业",
)
_WORDS = (
    "汉江",
    "长江",
    "江汉",
    "楚天",
    "鹏程",
    "汇通",
    "博远",
    "星河",
    "中诚",
    "华信",
    "恒达",
    "安泰",
    "新源",
    "卓越",
    "九州",
    "东湖",
    "融创",
    "启明",
    "嘉禾",
    "鼎盛",
    "宏图",
    "金桥",
)
_TRADES = {
    "批发和零售业": "商贸",
    "住宿和餐饮业": "餐饮管理",
    "房地产业": "置业",
    "建筑业": "建设工程",
    "制造业": "科技制造",
    "交通运输、仓储和邮政业": "物流",
    "金融业": "投资",
}
RETURNING_MONTHS = (4, 7)  # leaves in April, back in July


@dataclass(frozen=True)
class Enterprise:
    credit_code: str
    enterprise_name: str
    size_category: str
    industry_section: str
    entry_month: str
    street: str
    is_high_tech: str

    def row(self) -> dict[str, object]:
        return dict(self.__dict__)


def _credit_code(rng: random.Random) -> str:
    body = "91420103" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc.check_character(body)


def _enterprise(rng, streets, entry_month: str, category: str | None = None) -> Enterprise:
    if category is None:
        category = rng.choices(list(_CATEGORIES), weights=[w for w, _ in _CATEGORIES.values()])[0]
    section = _CATEGORIES[category][1]
    if section is None:
        section = rng.choices(_SERVICE_SECTIONS, weights=(3, 4, 6, 3, 2, 2))[0]
    trade = _TRADES.get(section, "服务")
    return Enterprise(
        credit_code=_credit_code(rng),
        enterprise_name=f"武汉{rng.choice(_WORDS)}{rng.choice(_WORDS)}{trade}有限公司",
        size_category=category,
        industry_section=section,
        entry_month=entry_month,
        street=rng.choice(streets),
        is_high_tech="是" if rng.random() < 0.08 else "否",
    )


def sample_files(
    year: int, months: int, reference: Reference, size: int = 1930
) -> list[SampleFile]:
    rng = random.Random(f"{SEED}-enterprises")
    streets = list(reference.streets)
    directory = [
        _enterprise(rng, streets, f"{rng.randint(2012, year - 1)}-{rng.randint(1, 12):02d}")
        for _ in range(size)
    ]
    leaver = directory[7]
    files = []
    trade = ("限上批发业", "限上零售业", "限上住宿业", "限上餐饮业")
    for month in range(1, months + 1):
        period = f"{year}-{month:02d}"
        if month > 1:
            exits = max(1, size // 450)
            for _ in range(exits):
                directory.pop(rng.randrange(10, len(directory)))
            entries = max(2, size // 160)
            for i in range(entries):  # new entries: all but the last in trade
                category = trade[i % 4] if i < entries - 1 else None
                directory.append(_enterprise(rng, streets, period, category))
            if size >= 100 and rng.random() < 0.5:
                directory.append(
                    replace(
                        _enterprise(rng, streets, period),
                        industry_section="交通运输、仓储和邮政业",
                        size_category="规上服务业",
                    )
                )
            # An existing enterprise is certified high-tech this month.
            flip = rng.randrange(10, len(directory))
            directory[flip] = replace(directory[flip], is_high_tech="是")
        first_gone, back = RETURNING_MONTHS
        present = [e for e in directory if not (e is leaver and first_gone <= month < back)]
        files.append(
            sample_file(
                "tjj",
                "enterprises",
                period,
                routine_arrival(year, month),
                [e.row() for e in present],
            )
        )
    return files
