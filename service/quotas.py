"""Per-client quotas: how many jobs one client (an API key, or an IP address without a key)
may have unfinished, so that one client cannot fill the job queue for everyone.

Counted on the event loop; a job counts until the job runner no longer lists it as computing
its result (:meth:`service.jobs.JobRunner.find`), so a finished, failed or cancelled job frees
its place without the runner having to tell the quota.
"""

from __future__ import annotations

from collections.abc import Callable

from service.errors import SaturatedError

RETRY_AFTER_SECONDS = 30


class JobQuota:
    """At most ``limit`` unfinished jobs per client."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._jobs: dict[str, list[tuple[str, str]]] = {}

    def check(self, client: str, *, unfinished: Callable[[str, str], bool]) -> None:
        """Raise 429 when ``client`` has ``limit`` jobs for which ``unfinished(run_id,
        result_key)`` holds.

        Raises
        ------
        SaturatedError
            The client's quota is used up.
        """
        jobs = [job for job in self._jobs.get(client, []) if unfinished(*job)]
        if jobs:
            self._jobs[client] = jobs
        else:
            self._jobs.pop(client, None)
        if len(jobs) >= self.limit:
            raise SaturatedError(
                f"jobs of {client}: {len(jobs)} queued or running, at most {self.limit} per "
                "client (FORECAST_MAX_JOBS_PER_CLIENT); wait for one to finish, or cancel one",
                retry_after_seconds=RETRY_AFTER_SECONDS,
            )

    def add(self, client: str, run_id: str, result_key: str) -> None:
        """Count the job ``run_id`` (computing ``result_key``) against ``client``."""
        self._jobs.setdefault(client, []).append((run_id, result_key))
