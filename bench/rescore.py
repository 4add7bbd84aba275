"""Benchmark: rescoring 1,000,000 clients, the P100 pages and one explanation, on PostgreSQL.

Run:  scripts/with-services.sh .venv/bin/python bench/rescore.py --clients 1000000

In one run it:
1. migrates a throwaway database, loads the demo data (which publishes the default
   rule set) and generates clients for a team of 10 advisors under one lead;
2. times the full rescoring and re-tiering through the product's code (rescore_now,
   the same service the Celery job runs);
3. times a hand-written single SQL UPDATE applying the same default rules (the
   reference) and checks that it gives the same scores and tiers;
4. times the P100 page (p50/p95 over repeated requests) for an advisor and for the
   lead of the 10 advisors, with their query counts;
5. times one client's explanation.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor_crm.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from advisor_crm.accounts.models import Role, Team, User  # noqa: E402
from clients.models import Client  # noqa: E402
from scoring.explain import explain  # noqa: E402
from scoring.selectors import published_version  # noqa: E402
from scoring.services import rescore_now  # noqa: E402

# The default rule set (scoring/defaults.py) written by hand as one UPDATE.
REFERENCE_SQL = """
WITH referrals AS (
    SELECT referred_by_id AS id, count(*) AS n FROM clients_client
    WHERE referred_by_id IS NOT NULL GROUP BY referred_by_id
), policies AS (
    SELECT client_id AS id, count(*) AS n, sum(annual_premium) AS premium
    FROM kyc_existingpolicy WHERE status IN ('in_force', 'paid_up') GROUP BY client_id
), scored AS (
    SELECT c.id,
      (CASE WHEN c.industry IN ('internet','tmt','trade_consumer','manufacturing','real_estate','new_energy',
            'new_materials','high_end_equipment','nev','agi','aerospace','low_altitude','quantum') THEN 15 ELSE 0 END)
    + (CASE WHEN c.annual_income >= 1000000 THEN 25 ELSE 0 END)
    + (CASE WHEN c.annual_income BETWEEN 300000 AND 999999.99 THEN 12 ELSE 0 END)
    + (CASE WHEN c.wealth_stratum IN ('hnw','uhnw') THEN 20 ELSE 0 END)
    + (CASE WHEN c.education IN ('bachelor','master','doctorate') THEN 8 ELSE 0 END)
    + (CASE WHEN c.occupation_class <= 2 THEN 5 ELSE 0 END)
    + (CASE WHEN c.occupation_class >= 5 THEN -10 ELSE 0 END)
    + (CASE WHEN c.credit_status = 'good' THEN 8 ELSE 0 END)
    + (CASE WHEN c.credit_status = 'poor' THEN -25 ELSE 0 END)
    + (CASE WHEN coalesce(r.n, 0) >= 3 THEN 20 ELSE 0 END)
    + (CASE WHEN coalesce(r.n, 0) BETWEEN 1 AND 2 THEN 8 ELSE 0 END)
    + (CASE WHEN coalesce(p.n, 0) >= 1 THEN 10 ELSE 0 END)
    + (CASE WHEN coalesce(p.n, 0) <= 1 AND c.wealth_stratum IN ('hnw','uhnw') THEN 10 ELSE 0 END)
    + (CASE WHEN coalesce(p.premium, 0) >= 100000 THEN 10 ELSE 0 END)
    + (CASE WHEN c.cvm_stage = 'develop' THEN 10 ELSE 0 END)
    + (CASE WHEN date_part('year', age(%(as_of)s::date, c.birth_date)) BETWEEN 30 AND 55 THEN 5 ELSE 0 END)
    + (CASE WHEN c.kyc_completeness >= 80 THEN 5 ELSE 0 END)
    + (CASE WHEN c.health_flag THEN -15 ELSE 0 END)
    + (CASE WHEN c.moral_hazard_flag THEN -40 ELSE 0 END)
    + (CASE WHEN c.late_payments >= 2 THEN -15 ELSE 0 END)
    + (CASE WHEN c.cvm_stage = 'acquire' AND coalesce(r.n, 0) = 0 AND c.kyc_completeness < 20 THEN -5 ELSE 0 END)
      AS score
    FROM clients_client c
    LEFT JOIN referrals r ON r.id = c.id
    LEFT JOIN policies p ON p.id = c.id
    -- OFFSET 0 keeps "scored" a subquery: inlined, PostgreSQL would add up the rules
    -- again for ref_score and for each tier threshold.
    OFFSET 0
)
UPDATE scoring_clientscore cs SET
  ref_score = s.score,
  ref_tier = CASE WHEN s.score >= 80 THEN '钻石' WHEN s.score >= 55 THEN '铂金' WHEN s.score >= 30 THEN '黄金' ELSE '白银' END
FROM scored s WHERE s.id = cs.client_id
"""


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


def team_of_ten() -> tuple[User, list[User]]:
    lead, _ = User.objects.get_or_create(username="benchlead", defaults={"role": Role.TEAM_LEAD})
    team, _ = Team.objects.get_or_create(name="基准测试团队", defaults={"lead": lead})
    advisors = []
    for n in range(1, 11):
        advisor, _ = User.objects.get_or_create(
            username=f"bench{n:02d}", defaults={"role": Role.ADVISOR, "team": team}
        )
        advisors.append(advisor)
    return lead, advisors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    print(f"database: {connection.vendor}")
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    lead, advisors = team_of_ten()
    missing = args.clients - Client.objects.count()
    if missing > 0:
        call_command(
            "generate_clients",
            count=missing,
            seed=5,
            batch_size=50_000,
            owners=[a.username for a in advisors],
        )
    total = Client.objects.count()
    print(f"clients: {total:,}")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE clients_client")

    version = published_version()
    assert version is not None
    admin = User.objects.get(username="admin")
    # The first run creates every client's score row; later runs rewrite them, which
    # is what publishing does from then on. Both are reported; the ratio uses the later.
    job, first_seconds = rescore_now(version=version, user=admin)
    print(
        f"product rescoring, first (creates score rows): {job.done:,} rows in {first_seconds:.2f} s"
    )
    job, product_seconds = rescore_now(version=version, user=admin)
    print(f"product rescoring, again: {job.done:,} rows in {product_seconds:.2f} s")

    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE scoring_clientscore ADD COLUMN IF NOT EXISTS ref_score integer, ADD COLUMN IF NOT EXISTS ref_tier varchar(30)"
        )
        started = time.perf_counter()
        cursor.execute(REFERENCE_SQL, {"as_of": timezone.localdate()})
        reference_seconds = time.perf_counter() - started
        cursor.execute(
            "SELECT count(*) FROM scoring_clientscore WHERE ref_score <> score OR ref_tier <> tier"
        )
        (mismatches,) = cursor.fetchone()
        cursor.execute(
            "ALTER TABLE scoring_clientscore DROP COLUMN ref_score, DROP COLUMN ref_tier"
        )
    print(
        f"reference single UPDATE: {reference_seconds:.2f} s; rows that disagree with the product: {mismatches}"
    )

    results = {}
    for label, user in (
        ("advisor (P100 of ~100k clients)", advisors[0]),
        ("lead of 10 advisors", lead),
    ):
        http = HttpClient()
        http.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert http.get("/p100/").status_code == 200
        query_count = len(queries.captured_queries)
        p50, p95 = timed(partial(http.get, "/p100/"), args.repeat)
        results[label] = (p50, p95, query_count)

    client = Client.objects.filter(owner=advisors[0]).order_by("-value__score").first()
    assert client is not None
    explain_p50, explain_p95 = timed(lambda: explain(client, version), args.repeat)

    print()
    print(
        f"rescoring {total:,} clients: product {product_seconds:.2f} s, reference {reference_seconds:.2f} s, ratio {product_seconds / reference_seconds:.2f}x"
    )
    for label, (p50, p95, count) in results.items():
        print(f"P100 page, {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {count} queries")
    print(f"explanation of one client: p50 {explain_p50:.1f} ms, p95 {explain_p95:.1f} ms")


if __name__ == "__main__":
    main()
