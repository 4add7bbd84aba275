"""Realistic generated Chinese clients for demos and benchmarks.

Deterministic for a given seed, so that `seed_demo` creates the same data every
time. Distributions follow the domain brief: industries weighted by seed 000's
share of covered clients, incomes skewed like an advisor's book, a third of clients
from referrals.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from clients.validators import id_number_check_char

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛"
MALE_CHARS = (
    "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林峰建国志文博宏毅诚睿泽轩晨昊天"
)
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲桂英红梅琳雪婷慧莹晶颖佳欣怡悦璐瑶倩雅琪萱彤妍薇岚洁蓉"

# (6-digit administrative code, city) pairs of real districts.
REGIONS = (
    ("330106", "杭州"), ("330108", "杭州"), ("310115", "上海"), ("310104", "上海"),
    ("110105", "北京"), ("110108", "北京"), ("440305", "深圳"), ("440106", "广州"),
    ("320508", "苏州"), ("320106", "南京"), ("510107", "成都"), ("420106", "武汉"),
    ("370212", "青岛"), ("350203", "厦门"), ("610113", "西安"), ("500112", "重庆"),
    ("120104", "天津"), ("430104", "长沙"), ("330203", "宁波"), ("340104", "合肥"),
)  # fmt: skip
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "155", "156", "158", "159", "177", "180", "181", "182", "183", "185", "186", "187",
    "188", "189", "199",
)  # fmt: skip

# Industry code, weight (seed 000's share of covered clients where it gives one),
# occupations with their risk class.
INDUSTRY_PROFILES: tuple[tuple[str, int, tuple[tuple[str, int], ...]], ...] = (
    (
        "internet",
        20,
        (("软件工程师", 1), ("产品经理", 1), ("互联网公司创始人", 1), ("技术总监", 1)),
    ),
    ("tmt", 14, (("通信工程师", 2), ("媒体制作人", 2), ("芯片设计师", 1))),
    ("trade_consumer", 14, (("贸易公司老板", 2), ("连锁店店主", 2), ("电商运营总监", 1))),
    ("manufacturing", 13, (("工厂主", 3), ("生产经理", 3), ("质量工程师", 2))),
    ("real_estate", 8, (("房地产开发商", 2), ("建筑项目经理", 4), ("设计院建筑师", 1))),
    ("new_energy", 4, (("光伏企业高管", 2), ("储能工程师", 2))),
    ("nev", 3, (("新能源汽车研发工程师", 2), ("汽车经销商", 2))),
    ("agi", 3, (("算法工程师", 1), ("AI 创业者", 1))),
    ("finance", 6, (("基金经理", 1), ("银行客户经理", 1), ("投行副总裁", 1))),
    ("healthcare", 5, (("医生", 2), ("药企销售总监", 1), ("诊所院长", 2))),
    ("education", 3, (("大学教授", 1), ("培训机构校长", 1))),
    ("government", 2, (("公务员", 1), ("事业单位干部", 1))),
    ("professional_services", 3, (("律师", 1), ("会计师事务所合伙人", 1))),
    ("logistics", 2, (("物流公司老板", 3), ("货车车队长", 5))),
    ("catering_tourism", 2, (("餐饮连锁老板", 2), ("酒店总经理", 1))),
)
_INDUSTRY_WEIGHTS = [weight for _code, weight, _jobs in INDUSTRY_PROFILES]

TAGS = (
    "企业主",
    "高净值",
    "转介绍",
    "关注传承",
    "关注养老",
    "子女教育",
    "医生",
    "海外资产",
    "VIP",
    "待回访",
)
NEXT_ACTIONS = (
    "", "", "半年度保单检视", "生日问候", "邀请参加客户沙龙", "跟进转介绍", "补充 KYC", "讲解保险金信托",
    "续期缴费提醒", "子女教育金规划面谈",
)  # fmt: skip
COMPANY_WORDS = (
    "华信",
    "远航",
    "恒泰",
    "瑞丰",
    "中科",
    "智联",
    "鼎盛",
    "天成",
    "宏达",
    "新锐",
    "博远",
    "星河",
)
COMPANY_KINDS = ("科技有限公司", "贸易有限公司", "实业有限公司", "制造有限公司", "投资有限公司")


@dataclass
class GeneratedClient:
    client_type: str
    name: str
    gender: str
    birth_date: dt.date | None
    phone: str
    id_number: str
    city: str
    education: str
    industry: str
    occupation: str
    occupation_class: int | None
    annual_income: Decimal | None
    wealth_stratum: str
    credit_status: str
    cvm_stage: str
    source: str
    notes: str
    created_at: dt.datetime
    tags: list[str] = field(default_factory=list)
    late_payments: int = 0
    health_flag: bool = False
    moral_hazard_flag: bool = False
    last_contact_at: dt.date | None = None
    next_action: str = ""


def _income(rng: random.Random) -> Decimal:
    # Log-normal around 300k yuan with a long tail of business owners.
    yuan = min(rng.lognormvariate(12.6, 0.9), 50_000_000)
    return Decimal(round(yuan / 1000) * 1000).quantize(Decimal("0.01"))


def _stratum(income: Decimal | None, rng: random.Random) -> str:
    if income is None:
        return rng.choice(["mass_affluent", "hnw"])
    if income >= 3_000_000:
        return "uhnw"
    if income >= 800_000:
        return "hnw"
    if income >= 200_000:
        return "mass_affluent"
    return "mass"


def _education(income: Decimal | None, rng: random.Random) -> str:
    levels = ["secondary", "college", "bachelor", "master", "doctorate"]
    weights = [2.0, 3, 5, 3, 1] if (income or 0) >= 500_000 else [3.0, 4, 5, 2, 0.5]
    return rng.choices(levels, weights)[0]


def generate_clients(count: int, *, seed: int, now: dt.datetime) -> Iterator[GeneratedClient]:
    """Yield `count` clients; the same seed and `now` give the same clients."""
    rng = random.Random(seed)
    for _ in range(count):
        region, city = rng.choice(REGIONS)
        industry, _weight, jobs = rng.choices(INDUSTRY_PROFILES, _INDUSTRY_WEIGHTS)[0]
        occupation, occupation_class = rng.choice(jobs)
        client_type = rng.choices(["individual", "family", "enterprise"], [70, 20, 10])[0]
        created_at = now - dt.timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
        income: Decimal | None = _income(rng) if rng.random() > 0.1 else None
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
        tags = rng.sample(TAGS, k=rng.choice([0, 0, 1, 1, 2, 3]))
        source = rng.choices(
            ["referral", "own_network", "event", "online", "company", "other"],
            [35, 25, 15, 10, 10, 5],
        )[0]
        common: dict[str, Any] = {
            "city": city,
            "industry": industry,
            "credit_status": rng.choices(["good", "fair", "poor", "unknown"], [60, 20, 5, 15])[0],
            "cvm_stage": rng.choices(["acquire", "retain", "develop"], [30, 45, 25])[0],
            "source": source,
            "created_at": created_at,
            "phone": phone,
            "tags": tags,
            # After-sale and screening facts of seed 003, rare as in a real book.
            "late_payments": rng.choices([0, 1, 2, 3], [85, 9, 4, 2])[0],
            "health_flag": rng.random() < 0.08,
            "moral_hazard_flag": rng.random() < 0.01,
            "last_contact_at": (now - dt.timedelta(days=rng.randint(0, 240))).date(),
            "next_action": rng.choice(NEXT_ACTIONS),
        }
        if client_type == "enterprise":
            name = city + rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_KINDS)
            yield GeneratedClient(
                client_type=client_type, name=name, gender="", birth_date=None, id_number="",
                education="", occupation="", occupation_class=None,
                annual_income=None if income is None else income * 10,
                wealth_stratum=rng.choice(["hnw", "uhnw"]),
                notes="企业客户：关注团体保障与企业主个人风险隔离。", **common,
            )  # fmt: skip
            continue
        gender = rng.choice(["male", "female"])
        surname = rng.choice(SURNAMES)
        chars = MALE_CHARS if gender == "male" else FEMALE_CHARS
        given = "".join(rng.choice(chars) for _ in range(rng.choice([1, 2, 2])))
        birth = dt.date(now.year - rng.randint(25, 68), rng.randint(1, 12), rng.randint(1, 28))
        # The 17th digit is odd for men and even for women (GB 11643).
        sequence = f"{rng.randint(0, 99):02d}{rng.choice('13579' if gender == 'male' else '02468')}"
        first17 = f"{region}{birth:%Y%m%d}{sequence}"
        name = surname + given
        yield GeneratedClient(
            client_type=client_type,
            name=f"{name}家庭" if client_type == "family" else name,
            gender=gender,
            birth_date=birth,
            id_number=first17 + id_number_check_char(first17),
            education=_education(income, rng),
            occupation=occupation,
            occupation_class=occupation_class,
            annual_income=income,
            wealth_stratum=_stratum(income, rng),
            notes="",
            **common,
        )
