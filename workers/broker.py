"""One broker configuration for every process of a site, Django or not.

With ``CELERY_BROKER_URL`` unset, the web process, the default-queue worker and the gpu worker
all derive the same embedded broker from ``ASSIST_DATA_DIR``: kombu's filesystem transport
(with whole messages only: workers/broker_filesystem.py), which needs no server. Production
sets ``CELERY_BROKER_URL`` to Redis.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("ASSIST_DATA_DIR", "var")).resolve()


@dataclass(frozen=True)
class BrokerConfig:
    url: str
    transport_options: dict[str, object] = field(default_factory=dict)
    transport: str | None = None  # a kombu transport class in place of the URL scheme's

    @property
    def embedded(self) -> bool:
        return self.url.startswith("filesystem://")


def broker_config() -> BrokerConfig:
    url = os.environ.get("CELERY_BROKER_URL", "").strip()
    if url:
        return BrokerConfig(url=url)
    folder = data_dir() / "broker"
    (folder / "queue").mkdir(parents=True, exist_ok=True)
    (folder / "processed").mkdir(parents=True, exist_ok=True)
    return BrokerConfig(
        url="filesystem://",
        transport="workers.broker_filesystem:Transport",
        transport_options={
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "store_processed": False,
            "control_folder": str(folder / "control"),
            # kombu's default of one poll a second is most of a small study's queue wait;
            # a directory listing four times a second costs next to nothing.
            "polling_interval": 0.25,
        },
    )


def celery_settings() -> dict[str, object]:
    """Settings shared by both Celery apps: JSON only, late acks, one task at a time per slot."""
    config = broker_config()
    settings: dict[str, object] = {
        "broker_url": config.url,
        "broker_transport_options": config.transport_options,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "task_default_queue": "default",
    }
    if config.transport:
        settings["broker_transport"] = config.transport
    if config.embedded:
        # The filesystem transport has no fanout exchange for remote control and events.
        settings["worker_enable_remote_control"] = False
        settings["worker_send_task_events"] = False
    return settings
