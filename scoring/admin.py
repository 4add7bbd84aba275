from django.contrib import admin

from scoring.models import RescoreJob, RuleSetVersion

admin.site.register(RuleSetVersion)
admin.site.register(RescoreJob)
