"""The default client-value rule set, built from the seeds.

Seed 003 (screening): credit, financial stability, industry and occupation risk, needs
match, long-term potential (lifetime value, referrals, service cost), health and moral
hazard, late premiums. Seed 000: high-potential industries, hub clients (枢纽客户),
cross-selling within CVM. Points are a starting point the admins tune in the editor.
"""

from __future__ import annotations

from django.db import transaction

from advisor_crm.accounts.models import User
from scoring.conditions import parse
from scoring.models import Rule, RuleSetVersion, Tier
from scoring.services import rule_set_default

HIGH_POTENTIAL = (
    '["internet", "tmt", "trade_consumer", "manufacturing", "real_estate", "new_energy", '
    '"new_materials", "high_end_equipment", "nev", "agi", "aerospace", "low_altitude", "quantum"]'
)

DEFAULT_RULES: tuple[tuple[str, str, int], ...] = (
    ("高潜力行业", f"industry in {HIGH_POTENTIAL}", 15),
    ("年收入 100 万以上", "annual_income >= 1000000", 25),
    ("年收入 30–100 万", "annual_income between 300000 and 999999.99", 12),
    ("高净值或超高净值", 'wealth_stratum in ["hnw", "uhnw"]', 20),
    ("本科及以上学历", 'education in ["bachelor", "master", "doctorate"]', 8),
    ("低风险职业（1–2 类）", "occupation_class <= 2", 5),
    ("高风险职业（5–6 类）", "occupation_class >= 5", -10),
    ("征信良好", 'credit_status = "good"', 8),
    ("征信不良", 'credit_status = "poor"', -25),
    ("枢纽客户：转介绍 3 人以上", "referrals >= 3", 20),
    ("有转介绍", "referrals between 1 and 2", 8),
    ("已有保单", "policies >= 1", 10),
    ("交叉销售空间：高净值但保单少", 'policies <= 1 and wealth_stratum in ["hnw", "uhnw"]', 10),
    ("年缴保费 10 万以上", "annual_premium >= 100000", 10),
    ("进一步开发阶段", 'cvm_stage = "develop"', 10),
    ("收入黄金期（30–55 岁）", "age between 30 and 55", 5),
    ("KYC 完整", "kyc_completeness >= 80", 5),
    ("健康风险", "health_flag = true", -15),
    ("道德风险", "moral_hazard_flag = true", -40),
    ("多次逾期缴费", "late_payments >= 2", -15),
    (
        "服务成本高：新客且无转介绍、KYC 空白",
        'cvm_stage = "acquire" and referrals = 0 and kyc_completeness < 20',
        -5,
    ),
)

DEFAULT_TIERS: tuple[tuple[str, int], ...] = (
    ("钻石", 80),
    ("铂金", 55),
    ("黄金", 30),
    ("白银", -1000),
)


@transaction.atomic
def default_version(user: User) -> RuleSetVersion:
    """Create version 1 of the default rule set as a draft (parsing validates every rule)."""
    rule_set = rule_set_default()
    version = RuleSetVersion.objects.create(
        rule_set=rule_set, number=1, created_by=user, note="由资料 000 与 003 生成的默认规则"
    )
    Rule.objects.bulk_create(
        Rule(version=version, position=index, label=label, condition=parse(text), points=points)
        for index, (label, text, points) in enumerate(DEFAULT_RULES, start=1)
    )
    Tier.objects.bulk_create(
        Tier(version=version, label=label, min_score=score) for label, score in DEFAULT_TIERS
    )
    return version
