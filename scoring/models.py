"""Client value: rule sets with versions, rules, tiers, rescoring jobs, P100 reviews."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client

# A client's matched rules are stored as a bitmask (bit i = the rule at position i),
# so that rescoring stays one set-based UPDATE; hence at most 62 rules per version.
MAX_RULES = 62


class RuleSet(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class RuleSetVersion(models.Model):
    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "number"], name="ruleset_version_unique")
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class Rule(models.Model):
    version = models.ForeignKey(RuleSetVersion, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("label"), max_length=100)
    condition = models.JSONField(_("condition"))
    points = models.IntegerField(_("points"))
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class Tier(models.Model):
    version = models.ForeignKey(RuleSetVersion, on_delete=models.CASCADE, related_name="tiers")
    label = models.CharField(_("label"), max_length=30)
    min_score = models.IntegerField(_("minimum score"))

    class Meta:
        ordering = ["-min_score", "id"]

    def __str__(self) -> str:
        return self.label


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RescoreJob(models.Model):
    """Rescoring every client with one version, in batches of id ranges.

    last_pk and done advance in the same transaction as each batch's UPDATE, so a
    rerun after a crash continues after the last finished batch.
    """

    version = models.ForeignKey(RuleSetVersion, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    last_pk = models.BigIntegerField(default=0)
    max_pk = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    # What the job's publication changed, to undo it if the rescoring fails: the status
    # the version had before (blank when the job published nothing: a restore, the
    # rescore command) and the version it replaced as the published one.
    status_before = models.CharField(max_length=10, choices=VersionStatus.choices, blank=True)
    replaced = models.ForeignKey(
        RuleSetVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.version} {self.status} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return (
            round(100 * self.done / self.total)
            if self.total
            else (100 if self.status == JobStatus.DONE else 0)
        )


class ClientScore(models.Model):
    """A client's current value, in a narrow table of its own.

    Rescoring rewrites every row; kept apart from the wide, heavily indexed client table,
    each rewrite touches two small indexes instead of a dozen, and none when the score
    is unchanged (a HOT update, see migration 0003). The referral and policy aggregates
    are refreshed, set-based, in the same batch just before scoring.
    """

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, primary_key=True, related_name="value"
    )
    # The client's owner at the last rescoring; pages also check the client's real owner.
    # No index of its own: the (owner, score) index below serves lookups by owner.
    owner = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    score = models.IntegerField(_("score"), default=0)
    tier = models.CharField(_("tier"), max_length=30, blank=True)
    matched_rules = models.BigIntegerField(default=0)
    # Not indexed: every publish changes it on every row, and an index on it would make
    # each of those updates write index entries, even for clients whose score is
    # unchanged. Only deleting a version looks rows up by it.
    version = models.ForeignKey(
        RuleSetVersion, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    referrals = models.IntegerField(default=0)
    policies = models.IntegerField(default=0)
    premium = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-score", "client"], name="clientscore_owner_score"),
            # The client list sorted by score (clients.listing, registered by
            # scoring/listing.py) walks these: every client the user sees for an admin,
            # one tier's for the tier filter. The tier changes only with the score (or
            # when a publish renames tiers, which rewrites every row anyway), so this
            # index costs rescoring no HOT update that the score index did not already.
            models.Index(fields=["-score", "client"], name="clientscore_score"),
            models.Index(fields=["tier", "-score", "client"], name="clientscore_tier_score"),
            # The few rows that count referrals or policies: rescoring reads them to find
            # aggregates gone stale without reading every row. Rescoring leaves these
            # columns alone, so the index does not stop its updates from being HOT.
            models.Index(
                fields=["client"],
                name="clientscore_aggregates",
                condition=~Q(referrals=0) | ~Q(policies=0) | ~Q(premium=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.score} {self.tier}"


class ScoreHistory(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="score_history")
    version = models.ForeignKey(RuleSetVersion, on_delete=models.CASCADE, related_name="+")
    score = models.IntegerField()
    tier = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "-created_at"], name="score_history_client")]

    def __str__(self) -> str:
        return f"{self.client_id} {self.version} {self.score}"


class P100Review(models.Model):
    """A team lead's sign-off of an advisor's P100 list, with the list as it was."""

    advisor = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="p100_reviews"
    )
    reviewer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    snapshot = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.advisor} {self.created_at:%Y-%m-%d}"


class P100Note(models.Model):
    review = models.ForeignKey(P100Review, on_delete=models.CASCADE, related_name="notes")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    flagged = models.BooleanField(_("flagged"), default=False)
    comment = models.CharField(_("comment"), max_length=200, blank=True)
    # The advisor's answer: the review is a conversation, not a verdict handed down.
    # Acknowledging with an empty reply is allowed ("seen, will do").
    reply = models.CharField(_("reply"), max_length=200, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "client"], name="p100_note_unique")
        ]

    def __str__(self) -> str:
        return f"{self.review} {self.client_id}"
