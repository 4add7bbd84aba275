import logging

from celery import Task, shared_task
from django.conf import settings

from kms import plan_services
from kms.plan_services import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def render_plan(self: Task, document_id: int) -> int | None:
    """Thin: the service renders, stores and records; this only schedules retries.

    Transient errors are retried with exponential backoff up to a maximum; in-process
    (eager) runs have no queue to come back to, so their first attempt is the last.
    A failure the service recorded on the document is logged, not raised: the
    advisor sees it on the page and retries from there.
    """
    final = bool(self.request.is_eager) or self.request.retries >= settings.PLAN_RENDER_MAX_RETRIES
    try:
        document = plan_services.plan_render(document_id=document_id, final_attempt=final)
    except TRANSIENT_ERRORS as error:
        if not final:
            raise self.retry(
                exc=error, countdown=settings.PLAN_RENDER_RETRY_BACKOFF * 2**self.request.retries
            ) from error
        logger.exception("plan %s failed after %s retries", document_id, self.request.retries)
        return None
    except Exception:
        logger.exception("plan %s failed", document_id)
        return None
    return document.page_count if document else None
