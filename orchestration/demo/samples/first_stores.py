"""Sample first-store returns: about ten openings a month, one brand opening twice."""

from __future__ import annotations

import datetime as dt
import random

from orchestration.contract.reference import Reference
from orchestration.demo.samples import SEED, SampleFile, routine_arrival, sample_file

_PREFIXES = (
    "鹿角",
    "云栖",
    "拾光",
    "半山",
    "青禾",
    "墨白",
    "南岸",
    "知味",
    "长街",
    "星野",
    "木心",
    "初白",
    "野兽",
    "晴川",
    "江屿",
    "山茶",
    "小满",
    "汉味",
    "麓湖",
    "北纬",
)
# suffix -> format
_SUFFIXES = {
    "咖啡": "餐饮",
    "茶社": "餐饮",
    "火锅": "餐饮",
    "烘焙": "餐饮",
    "面馆": "餐饮",
    "潮玩": "零售",
    "眼镜": "零售",
    "书店": "零售",
    "香氛": "零售",
    "剧场": "休闲娱乐",
    "电竞馆": "休闲娱乐",
    "健身": "生活服务",
    "花艺": "生活服务",
    "酒店": "酒店",
    "艺术空间": "其他",
}
_LEVELS = ("武汉首店", "武汉首店", "湖北首店", "湖北首店", "华中首店", "全国首店", "亚洲首店")
_VENUES = (
    "武商梦时代",
    "武汉国际广场",
    "武汉天地",
    "江汉路步行街",
    "汉街",
    "K11",
    "西北湖商圈",
    "",
)
REPEAT_BRAND_MONTHS = (3, 7)  # the same brand opens a second 武汉首店 in July: counted once
LUXURY_HOTEL_MONTHS = (2, 5, 7, 10)


def _month_rows(year: int, month: int, streets: list[str]) -> list[dict[str, object]]:
    rng = random.Random(f"{SEED}-first-stores-{year}-{month:02d}")
    rows = []
    for i in range(rng.randint(8, 12)):
        suffix = rng.choice([s for s, f in _SUFFIXES.items() if f != "酒店"])
        fmt = _SUFFIXES[suffix]
        brand = f"{rng.choice(_PREFIXES)}{suffix}"
        rows.append(
            {
                "store_name": f"{brand}（{rng.choice(_VENUES) or '临街'}店）",
                "brand": f"{brand}{month:02d}{i:02d}",
                "store_level": rng.choice(_LEVELS),
                "store_format": fmt,
                "opening_date": dt.date(year, month, rng.randint(1, 28)),
                "venue": rng.choice(_VENUES) or None,
                "street": rng.choice(streets),
                "is_famous_dining_brand": "是" if fmt == "餐饮" and i == 0 else "否",
                "is_luxury_hotel": "否",
            }
        )
    if month in LUXURY_HOTEL_MONTHS:
        rows.append(
            {
                "store_name": f"江汉{rng.choice(_PREFIXES)}酒店",
                "brand": f"{rng.choice(_PREFIXES)}酒店{month:02d}",
                "store_level": "华中首店",
                "store_format": "酒店",
                "opening_date": dt.date(year, month, rng.randint(1, 28)),
                "venue": None,
                "street": rng.choice(streets),
                "is_famous_dining_brand": "否",
                "is_luxury_hotel": "是",
            }
        )
    return rows


def sample_files(year: int, months: int, reference: Reference) -> list[SampleFile]:
    streets = list(reference.streets)
    by_month = {m: _month_rows(year, m, streets) for m in range(1, months + 1)}
    first, again = REPEAT_BRAND_MONTHS
    if again in by_month:
        repeat = dict(by_month[first][0])
        repeat.update(
            store_name=repeat["store_name"] + "二店",
            opening_date=dt.date(year, again, 18),
            venue="武汉天地",
        )
        by_month[again].append(repeat)
    return [
        sample_file("swj", "first_stores", f"{year}-{m:02d}", routine_arrival(year, m), rows)
        for m, rows in by_month.items()
    ]
