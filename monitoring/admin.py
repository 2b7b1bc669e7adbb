from __future__ import annotations

from django.contrib import admin

from ltproject.admin_utils import ReadOnlyAdmin

from .models import Alert, HealthCheck


@admin.register(HealthCheck)
class HealthCheckAdmin(ReadOnlyAdmin):
    list_display = ("checked_at", "name", "status", "message", "duration_ms")
    list_filter = ("status", "name")
    date_hierarchy = "checked_at"


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "severity", "reason_code", "strategy", "subject", "status")
    list_filter = ("severity", "status", "reason_code")
    search_fields = ("subject", "message")
    date_hierarchy = "created_at"
