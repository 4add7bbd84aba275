import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor_crm.settings")

app = Celery("advisor_crm")
# Every Celery option lives in settings.py under the CELERY_ prefix, read from the
# environment there, so the worker and the web process cannot disagree.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
