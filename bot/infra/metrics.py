"""Prometheus metrics of one running Foyer (FOYER_METRICS_LISTEN), in their own registry.

A registry per Application, not prometheus-client's global one, so tests and several apps in
one process never share a counter. Labels come from closed vocabularies only (the outbox kinds,
the send outcomes): no label ever carries a person, a chat, a group or a text. The metric
objects live here and nowhere else; docs/architecture.md lists them for operators.
"""

from __future__ import annotations

import threading
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from bot.domain.outbox_kinds import OutboxKind

# What happened to a message the sender tried: bot/delivery/outcomes.py's label() names them.
OUTCOMES = ("sent", "retry", "flood_wait", "failed", "blocked")
KINDS = frozenset(OutboxKind)
# A kind read from an older row that this version does not know, or an outcome not named above:
# the label says "other", never the row's own text (and a send never fails for a metric).
OTHER_KIND = "other"
# A Bot API round trip is ~0.1-0.3 s; a slow Telegram or a proxy shows in the upper buckets.
_SEND_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A tick costs milliseconds when little is due, and seconds for a fan-out to thousands.
_TICK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0)


class MetricsUnavailable(Exception):
    """FOYER_METRICS_LISTEN names an address Foyer cannot listen on (in use, not ours)."""


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter("foyer_updates_handled", "Telegram updates handled", registry=r)
        self.sends = Counter(
            "foyer_sends",
            "Messages the sender tried, by outbox kind and outcome",
            ["kind", "outcome"],
            registry=r,
        )
        self.send_seconds = Histogram(
            "foyer_send_seconds", "Bot API call of one send", buckets=_SEND_BUCKETS, registry=r
        )
        self.backlog = Gauge(
            "foyer_outbox_backlog", "Messages due and not yet sent (pending)", registry=r
        )
        self.tick_seconds = Histogram(
            "foyer_planner_tick_seconds", "One planner tick", buckets=_TICK_BUCKETS, registry=r
        )
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def sent(self, kind: str, outcome: str, seconds: float | None) -> None:
        """One send's outcome; ``seconds``: its Bot API call, when one was made."""
        self.sends.labels(
            kind=kind if kind in KINDS else OTHER_KIND,
            outcome=outcome if outcome in OUTCOMES else OTHER_KIND,
        ).inc()
        if seconds is not None:
            self.send_seconds.observe(seconds)

    def serve(self, host: str, port: int) -> None:
        """The text format on http://host:port/ in a thread (any platform)."""
        try:
            self._server, self._thread = start_http_server(port, host, registry=self.registry)
        except OSError as exc:
            raise MetricsUnavailable(
                f"FOYER_METRICS_LISTEN {host}:{port}: Foyer cannot listen there "
                f"({exc.strerror or type(exc).__name__}): choose a free port"
            ) from None

    @property
    def port(self) -> int | None:
        """The port served on (the one the OS chose for port 0), or None."""
        return int(self._server.server_port) if self._server is not None else None

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None
