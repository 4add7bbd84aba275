from django.contrib.auth import views as auth_views
from django.urls import path

from advisor_crm.accounts import forms, views

app_name = "accounts"

urlpatterns = [
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_edit, name="user_create"),
    path("users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_edit, name="team_create"),
    path("teams/<int:team_id>/", views.team_edit, name="team_edit"),
]

# The auth views keep Django's URL names (login, logout, password_change...) so that
# LOGIN_URL and the templates of django.contrib.auth resolve them.
auth_urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=forms.LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
