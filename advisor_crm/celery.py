import os
from typing import Any

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor_crm.settings")

app = Celery("advisor_crm")
# Every Celery option lives in settings.py under the CELERY_ prefix, read from the
# environment there, so the worker and the web process cannot disagree.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _warm_up(**kwargs: Any) -> None:
    # Runs in the worker's main process before it forks the pool (and after Celery's
    # Django fixup, connected first, has set Django up). Done here, every pool process
    # starts warm (kms: WeasyPrint and the fonts loaded), also those that replace a
    # process recycled after CELERY_WORKER_MAX_TASKS_PER_CHILD. The hooks are named in
    # settings.WORKER_WARM_UP, so that this module knows nothing of the apps above it.
    from django.conf import settings
    from django.utils.module_loading import import_string

    for path in settings.WORKER_WARM_UP:
        import_string(path)()
