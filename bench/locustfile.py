"""Simulated advisors, team leads and admins for the load test (driven by bench/load.py).

Each simulated user logs in once with an account of its role taken in turn from the
targets file that bench/load.py writes (LOAD_TARGETS: usernames, the password, and for
each advisor a client with a filled KYC map and a KMS case), then works like a person
does, with 1 to 5 s of thought between pages. Requests are named by page, so that the
statistics group per page. Any status other than the one the page answers normally is
a failure; bench/load.py requires none.

- Advisors (most): their client list and its next page, search by name, by mobile and
  by ID number (posted, as the page does), a client's page, the KYC map, a KYC item
  edit (the form as served, posted back with its hidden fields and `row_version`, one
  field changed), the KMS wizard steps of their case, their P100, and now and then a
  plan: the request, polling its row until the worker has rendered it, the download.
  A refusal by the plan quota is expected and counted as "plan refused (quota)".
- Team leads: the team's client list and search, a client's page, the P100 overview
  and the P100 review of each of their advisors.
- Admins: the scoring rules, the client list of everyone and its search, a client's
  page, the P100 overview.
- Everyone, rarely: /healthz, the reference that bench/load.py compares pages with.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

TARGETS: dict[str, Any] = json.loads(Path(os.environ["LOAD_TARGETS"]).read_text(encoding="utf-8"))
# One plan request in about this many advisor tasks (bench/load.py --plan-every).
PLAN_EVERY = int(os.environ.get("LOAD_PLAN_EVERY", "200"))
# How long a user waits for a plan before going on (the row keeps polling in a browser).
PLAN_WAIT_SECONDS = 120
HTMX = {"HX-Request": "true"}
CLIENT_LINK = re.compile(r'href="/clients/(\d+)/"')
NEXT_LINK = re.compile(r'href="[^"]*[?&]cursor=([^"&]+)')
PLAN_ROW = re.compile(r'<tr id="plan-(\d+)" class="plan-row status-(\w+)"')
# Accounts of each role are handed out in turn, so that no two users share one while
# there are enough of them.
_accounts: dict[str, Iterator[dict[str, Any]]] = {
    role: itertools.cycle(TARGETS[role]) for role in ("advisors", "leads", "admins")
}


class FormFields(HTMLParser):
    """The values a browser would post for the first form of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None
        self._forms = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._forms += 1
        if self._forms != 1 or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            elif kind not in {"submit", "button", "file"}:
                self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            if self._select_first is None:
                self._select_first = a.get("value", "")
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            # A select without a selected option posts its first option, as a browser does.
            self.fields.setdefault(self._select, self._select_first or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            # The first newline after <textarea> is not part of the value.
            value = self.fields[self._textarea] + data
            self.fields[self._textarea] = value.removeprefix("\n")


def form_fields(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


def count_event(name: str) -> None:
    """A row of its own in the statistics, for an outcome that is not a request."""
    events.request.fire(
        request_type="INFO", name=name, response_time=0, response_length=0, exception=None
    )


class CrmUser(FastHttpUser):
    abstract = True
    wait_time = between(1, 5)
    role = ""

    def on_start(self) -> None:
        self.account = next(_accounts[self.role])
        self.client_ids: list[int] = []
        page = self.client.get("/accounts/login/", name="login page")
        token = form_fields(page.text or "").get("csrfmiddlewaretoken", "")
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.account["username"],
                "password": TARGETS["password"],
                "csrfmiddlewaretoken": token,
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # A successful login redirects to the client list; a failed one shows the form.
            if response.status_code != 302 or "/clients/" not in response.headers.get(
                "Location", ""
            ):
                response.failure(f"login failed for {self.account['username']}")

    def _remember_clients(self, html: str) -> None:
        ids = [int(pk) for pk in CLIENT_LINK.findall(html)]
        if ids:
            self.client_ids = ids

    def csrf(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name == "csrftoken":
                return cookie.value or ""
        return ""

    # Pages every role uses.

    def client_list(self) -> None:
        response = self.client.get("/clients/", name="client list")
        html = response.text or ""
        self._remember_clients(html)
        cursor = NEXT_LINK.search(html)
        if cursor and random.random() < 0.3:
            self.client.get(f"/clients/?cursor={cursor.group(1)}", name="client list next page")

    def search(self, text: str, name: str) -> None:
        headers = {**HTMX, "HX-Target": "client-results"}
        response = self.client.get("/clients/", params={"q": text}, headers=headers, name=name)
        self._remember_clients(response.text or "")

    def client_page(self) -> None:
        if not self.client_ids:
            self.client_list()
        if self.client_ids:
            self.client.get(f"/clients/{random.choice(self.client_ids)}/", name="client page")

    @task(1)
    def healthz(self) -> None:
        self.client.get("/healthz", name="reference: /healthz")


class Advisor(CrmUser):
    weight = 85
    role = "advisors"

    @task(10)
    def my_clients(self) -> None:
        self.client_list()

    @task(5)
    def search_name(self) -> None:
        self.search(random.choice(self.account["names"]), "search by name")

    @task(3)
    def search_mobile(self) -> None:
        phone = random.choice(self.account["phones"])
        start = random.randint(0, 4)
        self.search(phone[start : start + 7], "search by mobile")

    @task(1)
    def search_id_number(self) -> None:
        # Posted, so that the number stays out of the address; htmx shows the results.
        headers = {**HTMX, "HX-Target": "client-results", "X-CSRFToken": self.csrf()}
        self.client.post(
            "/clients/",
            data={"q": random.choice(self.account["id_numbers"])},
            headers=headers,
            name="search by ID number",
        )

    @task(10)
    def open_client(self) -> None:
        self.client_page()

    @task(4)
    def kyc_page(self) -> None:
        self.client.get(f"/clients/{self.account['kyc_client']}/kyc/", name="KYC page")

    @task(2)
    def kyc_edit(self) -> None:
        """Open a person of the map and change their occupation, as the form autosaves."""
        url = f"/clients/{self.account['kyc_client']}/kyc/people/{self.account['kyc_person']}/"
        form = self.client.get(url, headers=HTMX, name="KYC item form")
        fields = form_fields(form.text or "")
        if "row_version" not in fields:
            count_event("KYC item form without row_version")
        fields["occupation"] = f"全职太太（负载测试 {random.randint(1, 9999)}）"
        with self.client.post(
            url,
            data=fields,
            headers={**HTMX, "X-CSRFToken": self.csrf()},
            name="KYC item save",
            catch_response=True,
        ) as response:
            if "kycChanged" not in (response.headers.get("HX-Trigger") or ""):
                response.failure("the KYC edit was not saved")

    @task(4)
    def kms_step(self) -> None:
        step = random.choice(["know", "map", "suggest", "review"])
        self.client.get(f"/kms/cases/{self.account['kms_case']}/{step}/", name=f"KMS {step}")

    @task(3)
    def p100(self) -> None:
        self.client.get("/p100/", name="P100")

    @task(1)
    def plan(self) -> None:
        # Picked once in len(self.tasks) tasks (the weights); go on in a share of those
        # so that a plan comes once in about PLAN_EVERY tasks.
        if random.random() * PLAN_EVERY > len(self.tasks):
            return
        case = self.account["kms_case"]
        with self.client.post(
            f"/kms/cases/{case}/plans/new/",
            headers={**HTMX, "X-CSRFToken": self.csrf()},
            name="plan request",
            catch_response=True,
        ) as response:
            if response.status_code == 422:
                # The per-user quota (3 in progress, 30 an hour) said no: as designed.
                response.success()
                count_event("plan refused (quota)")
                return
            rows = [(int(pk), status) for pk, status in PLAN_ROW.findall(response.text or "")]
            if not rows:
                response.failure("no plan row in the answer")
                return
        document = max(rows)[0]
        deadline = time.monotonic() + PLAN_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(1)  # the row's own htmx poll ("load delay:1s")
            row = self.client.get(f"/kms/plans/{document}/", headers=HTMX, name="plan status")
            found = PLAN_ROW.search(row.text or "")
            status = found.group(2) if found else ""
            if status == "ready":
                self.client.post(
                    f"/kms/plans/{document}/download/",
                    headers={"X-CSRFToken": self.csrf()},
                    name="plan download",
                )
                return
            if status == "failed":
                count_event("plan failed")
                return
        count_event("plan not ready within 120 s")


class TeamLead(CrmUser):
    weight = 10
    role = "leads"

    @task(5)
    def team_clients(self) -> None:
        self.client_list()

    @task(2)
    def search_name(self) -> None:
        self.search(random.choice("王李张刘陈杨黄赵吴周"), "search by name")

    @task(4)
    def open_client(self) -> None:
        self.client_page()

    @task(2)
    def p100_overview(self) -> None:
        self.client.get("/p100/", name="P100 team overview")

    @task(5)
    def p100_review(self) -> None:
        advisor = random.choice(self.account["advisors"])
        self.client.get(f"/p100/advisors/{advisor}/", name="P100 review")


class Admin(CrmUser):
    weight = 5
    role = "admins"

    @task(4)
    def scoring_rules(self) -> None:
        self.client.get("/scoring/rules/", name="scoring rules")

    @task(4)
    def all_clients(self) -> None:
        self.client_list()

    @task(2)
    def search_name(self) -> None:
        self.search(
            random.choice("王李张刘陈杨黄赵吴周") + random.choice("伟芳敏静"), "search by name"
        )

    @task(3)
    def open_client(self) -> None:
        self.client_page()

    @task(1)
    def p100_overview(self) -> None:
        self.client.get("/p100/", name="P100 team overview")
