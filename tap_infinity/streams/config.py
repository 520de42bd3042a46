"""Configuration tables (doc 000) and organisations (doc 001): read whole per igrp on every run."""

from __future__ import annotations

import typing as t

from tap_infinity.client import InfinityStream
from tap_infinity.paging import OffsetPaging
from tap_infinity.schemas.config import DGRP_FIELDS, NUMBER_FIELDS, ORGANISATION_FIELDS

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_infinity.conversion import Record
    from tap_infinity.schemas import Field


class TableStream(InfinityStream):
    """A table: full table per igrp, sorted by its key, ``limit``/``offset`` until a short page."""

    paging = OffsetPaging

    def display_fields(self) -> list[str] | None:
        """The table's own fields: igrp is the partition's (see `post_process`), and no document
        shows it as a field of these routes, so it is never asked for."""
        display = super().display_fields()
        return None if display is None else [name for name in display if name != "igrp"]

    def post_process(self, row: Record, context: Context | None = None) -> Record:
        """Table rows carry no igrp of their own: add the partition's."""
        if context and row.get("igrp") is None:
            row["igrp"] = context["igrp"]
        return row


class DgrpsStream(TableStream):
    """The installation's DGRPs (number groups) with their auto-discovery numbers."""

    name = "dgrps"
    route = "/config/v2/igrps/{igrp}/dgrps"
    fields: t.ClassVar[list[Field]] = DGRP_FIELDS
    primary_keys: t.ClassVar[list[str]] = ["igrp", "dgrp"]


class NumbersStream(TableStream):
    """Every phone number of every DGRP (``dgrps/all/numbers``)."""

    name = "numbers"
    route = "/config/v2/igrps/{igrp}/dgrps/all/numbers"
    fields: t.ClassVar[list[Field]] = NUMBER_FIELDS
    primary_keys: t.ClassVar[list[str]] = ["igrp", "dgrp", "phoneNumber"]


class OrganisationsStream(TableStream):
    """Organisations, restricted to `root_org_id` and its descendants when that is set."""

    name = "organisations"
    route = "/reports/v2/igrps/{igrp}/organisations"
    fields: t.ClassVar[list[Field]] = ORGANISATION_FIELDS
    primary_keys: t.ClassVar[list[str]] = ["igrp", "orgId"]


TABLE_STREAMS: list[type[TableStream]] = [DgrpsStream, NumbersStream, OrganisationsStream]
