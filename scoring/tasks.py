from celery import shared_task

from scoring import services


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=3, default_retry_delay=10)
def rescore(job_id: int) -> int:
    """Thin: the service rescans from the job's saved progress, so redelivery is safe."""
    job = services.rescore_run(job_id=job_id)
    return job.done
