from __future__ import annotations

from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from advisor_crm.accounts import services
from advisor_crm.accounts.forms import TeamForm, UserForm
from advisor_crm.accounts.models import Team, User
from advisor_crm.http import AuthenticatedRequest, admin_required


def _saved(request: AuthenticatedRequest, url: str) -> HttpResponse:
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return HttpResponse(status=303, headers={"Location": url})


@admin_required
@require_GET
def user_list(request: AuthenticatedRequest) -> HttpResponse:
    users = User.objects.select_related("team").annotate(client_count=Count("clients"))
    return render(request, "accounts/user_list.html", {"users": users.order_by("username")})


@admin_required
@require_http_methods(["GET", "POST"])
def user_edit(request: AuthenticatedRequest, user_id: int | None = None) -> HttpResponse:
    user = get_object_or_404(User, pk=user_id) if user_id else User()
    form = UserForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        services.user_save(
            user=user, data=form.cleaned_data, password=form.cleaned_data["password"]
        )
        return _saved(request, reverse("accounts:user_list"))
    if user.pk:
        user.refresh_from_db()
    return render(request, "accounts/user_form.html", {"form": form, "edited_user": user})


@admin_required
@require_GET
def team_list(request: AuthenticatedRequest) -> HttpResponse:
    teams = Team.objects.select_related("lead").prefetch_related("members").order_by("name")
    return render(request, "accounts/team_list.html", {"teams": teams})


@admin_required
@require_http_methods(["GET", "POST"])
def team_edit(request: AuthenticatedRequest, team_id: int | None = None) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id) if team_id else Team()
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        services.team_save(
            team=team, name=form.cleaned_data["name"], lead=form.cleaned_data["lead"]
        )
        return _saved(request, reverse("accounts:team_list"))
    return render(request, "accounts/team_form.html", {"form": form, "team": team})
