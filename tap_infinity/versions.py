"""Table versions: a full-table stream's run is one version of the table, activated once whole."""

from __future__ import annotations

import time
import typing as t

from singer_sdk.streams import Stream
from typing_extensions import override

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class VersionedTable(Stream):
    """A full-table stream whose runs are table versions: each run's rows carry a new version,
    activated (ACTIVATE_VERSION) after all of them, so a target drops or marks deleted the rows
    the API no longer returns."""

    @property
    def emit_activate_version_messages(self) -> bool:
        """Never the SDK's own: it would come before the records, and a target could drop rows
        before their replacements arrive, or for good if the sync then failed."""
        return False

    @override
    def _sync_records(
        self, context: Context | None = None, *, write_messages: bool = True
    ) -> t.Generator[dict, t.Any, t.Any]:
        """The records under a new version, then its activation; not when a partition was
        skipped (its rows would be dropped), not with BATCH (its files carry no version for the
        target), not with `activate_version` off. A sync that stops early never gets here."""
        activates = (
            write_messages
            and context is None
            and self.config.get("activate_version", True)
            and self.get_batch_config(self.config) is None
        )
        if activates:
            self._stream_version = time.time_ns() // 1_000_000
        yield from super()._sync_records(context, write_messages=write_messages)
        if not activates:
            return
        if getattr(self, "skipped", None):
            self.logger.warning("%s: version not activated, since a partition was skipped", self.name)
            return
        self._write_state_message()
        self._write_activate_version_message(t.cast("int", self._stream_version))
