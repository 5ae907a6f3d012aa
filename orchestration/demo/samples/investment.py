"""Sample investment returns: a project register whose projects move through their states."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from orchestration.contract.reference import Reference
from orchestration.demo.samples import SEED, SampleFile, routine_arrival, sample_file

_NAMES = (
    "汉口",
    "江汉",
    "青年路",
    "解放大道",
    "武商",
    "汉正街",
    "西北湖",
    "常青",
    "唐家墩",
    "北湖",
    "万松园",
    "菱角湖",
    "新华路",
    "前进",
    "民意",
    "花楼",
    "水塔",
    "满春",
)
_KINDS = {
    "政府投资项目": ("学校改扩建", "道路微循环", "社区卫生服务中心", "口袋公园", "排水管网改造"),
    "产业项目": ("数字产业园", "金融总部大楼", "人力资源服务产业园", "航运服务中心", "科创楼宇"),
    "城市更新项目": ("片区更新", "老旧小区改造", "历史街区活化", "里分保护利用"),
    "招商引资项目": ("区域总部", "商业综合体", "高端酒店", "文旅综合体", "供应链平台"),
}


@dataclass(frozen=True)
class Project:
    code: str
    name: str
    category: str
    total: float  # 亿元
    street: str
    listed_from: int  # first month in the register (0: before the year)
    start_month: int | None  # 2026 month it starts (0: started before 2026)
    start_date: dt.date | None
    complete_month: int | None

    def status(self, month: int) -> str | None:
        if month < self.listed_from:
            return None
        if self.start_month is None or month < self.start_month:
            return "谋划储备"
        if month == self.start_month:
            return "新开工"
        if self.complete_month is not None and month >= self.complete_month:
            return "竣工"
        return "续建"


def _projects(year: int, reference: Reference) -> list[Project]:
    rng = random.Random(f"{SEED}-investment-register")
    streets = list(reference.streets)
    projects = []

    def add(category, listed_from, start_month, complete_month=None, total=None):
        n = len(projects) + 1
        start_date = None
        if start_month == 0:
            start_date = dt.date(year - rng.choice((1, 2)), rng.randint(1, 12), rng.randint(1, 28))
        elif start_month:
            start_date = dt.date(year, start_month, rng.randint(1, 28))
        projects.append(
            Project(
                code=f"JH{year}-{n:03d}",
                name=f"{rng.choice(_NAMES)}{rng.choice(_KINDS[category])}项目",
                category=category,
                total=total if total is not None else round(rng.uniform(1.2, 45.0), 2),
                street=rng.choice(streets),
                listed_from=listed_from,
                start_month=start_month,
                start_date=start_date,
                complete_month=complete_month,
            )
        )

    builders = ("政府投资项目", "产业项目", "城市更新项目")
    for i in range(24):  # under way since before 2026; some finish this year
        add(builders[i % 3], 0, 0, complete_month=rng.choice((None, None, None, 5, 8, 11)))
    for i in range(33):  # start in 2026, reserved one to three months before
        start = 1 + (i * 12) // 33
        add(builders[i % 3], max(0, start - rng.randint(1, 3)), start)
    for i in range(6):  # stay in reserve
        add(builders[i % 3], rng.randint(0, 6), None)
    for i in range(66):  # investment-promotion projects, listed when they start
        start = 1 + (i * 12) // 66
        total = round(rng.uniform(0.4, 0.9), 2) if i % 11 == 0 else None  # a few under 1 亿
        add("招商引资项目", start, start, total=total)
    return projects


def _rows(projects: list[Project], year: int, month: int) -> list[dict[str, object]]:
    rng = random.Random(f"{SEED}-investment-{year}-{month:02d}")
    rows = []
    for p in projects:
        status = p.status(month)
        if status is None:
            continue
        under_way = status in ("新开工", "续建")
        funds = 0.0
        if under_way and p.category in ("招商引资项目", "产业项目"):
            funds = round(p.total * rng.uniform(0.009, 0.026), 2)
        rows.append(
            {
                "project_code": p.code,
                "project_name": p.name,
                "project_category": p.category,
                "total_investment": p.total,
                "project_status": status,
                "start_date": p.start_date if status != "谋划储备" else None,
                "investment_this_month": round(p.total * 10000 / 36 * rng.uniform(0.6, 1.4), 1)
                if under_way
                else 0,
                "funds_arrived": funds,
                "street": p.street,
            }
        )
    return rows


def sample_files(year: int, months: int, reference: Reference) -> list[SampleFile]:
    projects = _projects(year, reference)
    return [
        sample_file(
            "fgj",
            "investment",
            f"{year}-{m:02d}",
            routine_arrival(year, m),
            _rows(projects, year, m),
        )
        for m in range(1, months + 1)
    ]
