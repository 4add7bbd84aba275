from django.contrib import admin

from kms.models import Finding, KmsCase, Parameter, ProposalItem

admin.site.register(Parameter)
admin.site.register(KmsCase)
admin.site.register(Finding)
admin.site.register(ProposalItem)
