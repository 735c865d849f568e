"""The embedded broker: kombu's filesystem transport, with each message written atomically.

kombu creates a message's file in the queue folder and then writes into it. A consumer listing
the folder in between takes the still empty file, cannot parse it, and its worker stops
("Unrecoverable error: JSONDecodeError"): on the embedded defaults the default-queue worker died
that way and no job was made any more. Here a message is written under a name no consumer
takes and renamed into place once whole; a message that cannot be parsed (written by an older
version or by hand) is logged and skipped instead of stopping the worker.
"""

import contextlib
import logging
import os
import uuid
from queue import Empty
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

log = logging.getLogger(__name__)

# kombu takes "<stamp>_<uuid>.<queue>.msg" for <queue>; this suffix makes a name it skips.
_PARTIAL = ".part"


class Channel(filesystem.Channel):
    # kombu's filesystem Channel already differs from its base here (payload, not message).
    def _put(self, queue: str, payload: dict[str, Any],  # type: ignore[override]
             **kwargs: Any) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + _PARTIAL
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)  # atomic: consumers see the whole message or none
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise ChannelError(f"Cannot add a message to {self.data_folder_out}") from error

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        try:
            return super()._get(queue)
        except ValueError:  # kombu has already taken the file out of the queue
            log.error("A message in the %s queue could not be read and was dropped.", queue)
            raise Empty() from None


class Transport(filesystem.Transport):
    Channel = Channel
