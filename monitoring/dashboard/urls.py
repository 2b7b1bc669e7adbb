from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="dashboard/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("panels/<slug:name>/", views.panel, name="panel"),
    path("kill-switch/", views.kill_switch, name="kill-switch"),
    path("alerts/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("strategies/<slug:slug>/", views.strategy, name="strategy"),
    path("strategies/<slug:slug>/state/", views.strategy_state, name="strategy-state"),
    path("strategies/<slug:slug>/curve/", views.strategy_curve, name="strategy-curve"),
    path("markets/", views.markets, name="markets"),
    path("redemptions/", views.redemptions, name="redemptions"),
    path("health/", views.health, name="health"),
]
