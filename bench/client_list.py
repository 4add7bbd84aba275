"""Benchmark: server time of the client list page with many clients on PostgreSQL.

Run:  scripts/with-services.sh .venv/bin/python bench/client_list.py --clients 1000000

It migrates a throwaway database, loads the demo data, generates the clients (unless
they exist), then times the list view in-process (Django test client: the full view,
queries and template, without network) for an advisor, a team lead and an admin, on
the first page and on a page deep into the list. As a reference measured in the same
run, it times what the list would cost with the usual OFFSET + count(*) pagination at
the same depth, and prints the ratio.

The score order and the tier filter (issue 12, D.15) are timed too, once every client
has a score (the first run rescores them with the published rule set), against the
default order's first page measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor_crm.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from advisor_crm.accounts.models import User  # noqa: E402
from advisor_crm.pagination import _encode  # noqa: E402
from clients.models import Client  # noqa: E402
from clients.selectors import ClientFilters, client_list  # noqa: E402
from scoring.models import ClientScore, Tier  # noqa: E402
from scoring.selectors import published_version  # noqa: E402
from scoring.services import rescore_now  # noqa: E402


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and worst of `repeat` runs after one warm-up, in milliseconds."""
    action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def deep_cursor(http: HttpClient, pages: int, query: str = "") -> str:
    """Follow the Next links `pages` times and return the cursor reached."""
    url = f"/clients/?{query}" if query else "/clients/"
    cursor = ""
    for _ in range(pages):
        response = http.get(url)
        page = response.context["page"]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
        url = f"/clients/?{query}&cursor={cursor}" if query else f"/clients/?cursor={cursor}"
    return cursor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    setup_test_environment()  # lets the test client expose the page context
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    missing = args.clients - Client.objects.count()
    if missing > 0:
        call_command("generate_clients", count=missing, seed=11, batch_size=50_000)
    total = Client.objects.count()
    print(f"clients: {total:,}")
    version = published_version()
    assert version is not None, "seed_demo publishes the default rule set"
    if ClientScore.objects.count() < total:
        job, seconds = rescore_now(version=version, user=User.objects.get(username="admin"))
        print(f"scored {job.done:,} clients in {seconds:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE scoring_clientscore")

    rows: list[tuple[str, int, str, float, float, int]] = []
    for username in ("advisor", "lead", "admin"):
        rows += measure(User.objects.get(username=username), args.repeat)
    report(rows)


def measure(user: User, repeat: int) -> list[tuple[str, int, str, float, float, int]]:
    """Time the list view and its database work for one user."""
    rows = []
    username = user.username
    http = HttpClient()
    http.force_login(user)
    visible = Client.objects.visible_to(user).active().count()
    deep = deep_cursor(http, 40)

    def first_page() -> None:
        assert http.get("/clients/").status_code == 200

    def deep_page() -> None:
        assert http.get(f"/clients/?cursor={deep}").status_code == 200

    def search_name() -> None:
        assert (
            http.get(
                "/clients/?q=王", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="client-results"
            ).status_code
            == 200
        )

    def filtered() -> None:
        assert http.get("/clients/?industry=manufacturing&cvm_stage=develop").status_code == 200

    top_tier = Tier.objects.filter(version=published_version()).order_by("-min_score")[0].label
    score_deep = deep_cursor(http, 40, query="sort=score")

    def score_first() -> None:
        assert http.get("/clients/?sort=score").status_code == 200

    def score_deep_page() -> None:
        assert http.get(f"/clients/?sort=score&cursor={score_deep}").status_code == 200

    def tier_score() -> None:
        assert http.get(f"/clients/?sort=score&tier={top_tier}").status_code == 200

    with CaptureQueriesContext(connection) as queries:
        first_page()
    query_count = len(queries.captured_queries)
    depth = max(visible // 2, 1)
    keyset_cursor = deep_cursor_at(user, depth)

    def keyset_query() -> None:
        # The database work of one list page reached by keyset at `depth`.
        page = client_list(user=user, filters=ClientFilters(), cursor=keyset_cursor)
        assert len(page.items) == 25

    def offset_query() -> None:
        # The same page with the usual Paginator: count(*) plus OFFSET `depth`.
        queryset = (
            Client.objects.visible_to(user).active().select_related("owner")
            .prefetch_related("tags").order_by("-updated_at", "-id")
        )  # fmt: skip
        page = Paginator(queryset, 25).page(depth // 25 + 1)
        assert len(list(page.object_list)) == 25

    for label, action in (
        ("view: first page", first_page),
        ("view: page 41 via Next", deep_page),
        ("view: search 王", search_name),
        ("view: filter industry+stage", filtered),
        ("view: sort by score", score_first),
        ("view: score page 41 via Next", score_deep_page),
        ("view: top tier by score", tier_score),
        (f"db: keyset page at row {depth:,}", keyset_query),
        (f"db: OFFSET+count at row {depth:,} (ref)", offset_query),
    ):
        median, worst = timed(action, repeat)
        rows.append((username, visible, label, median, worst, query_count))

    return rows


def report(rows: list[tuple[str, int, str, float, float, int]]) -> None:
    print()
    print(f"{'user':<8} {'visible':>10}  {'request':<34} {'median ms':>10} {'max ms':>8}")
    for username, visible, label, median, worst, _queries in rows:
        print(f"{username:<8} {visible:>10,}  {label:<34} {median:>10.1f} {worst:>8.1f}")
    print()
    for username in ("advisor", "lead", "admin"):
        mine = {
            label.split(" at row")[0]: median
            for user, _v, label, median, _w, _q in rows
            if user == username
        }
        queries = next(q for user, _v, _l, _m, _w, q in rows if user == username)
        print(
            f"{username}: list page {mine['view: first page']:.1f} ms in {queries} queries, "
            f"page 41 {mine['view: page 41 via Next']:.1f} ms; at half depth the keyset query takes "
            f"{mine['db: keyset page']:.1f} ms vs {mine['db: OFFSET+count']:.1f} ms for OFFSET+count(*) "
            f"(ratio {mine['db: OFFSET+count'] / mine['db: keyset page']:.1f}x)"
        )
        print(
            f"{username}: by score {mine['view: sort by score']:.1f} ms, page 41 "
            f"{mine['view: score page 41 via Next']:.1f} ms, top tier "
            f"{mine['view: top tier by score']:.1f} ms (ratio to the default first page "
            f"{mine['view: sort by score'] / mine['view: first page']:.2f}x)"
        )


def deep_cursor_at(user: User, depth: int) -> str:
    """A keyset cursor pointing just after the row at `depth` in the default order."""
    row = (
        Client.objects.visible_to(user).active().order_by("-updated_at", "-id")
        .values_list("updated_at", "id")[depth - 1]
    )  # fmt: skip
    return _encode("n", list(row))


if __name__ == "__main__":
    main()
