"""Configuration tables (doc 000) and organisations (doc 001): read whole per igrp on every run."""

from __future__ import annotations

import typing as t

from tap_infinity.client import InfinityStream
from tap_infinity.paging import OffsetPaging
from tap_infinity.schemas.config import DGRP_FIELDS, NUMBER_FIELDS, ORGANISATION_FIELDS
from tap_infinity.versions import VersionedTable

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_infinity.paging import Paging
    from tap_infinity.schemas import Field


class TableStream(VersionedTable, InfinityStream):
    """A table: full table per igrp, sorted by its key, ``limit``/``offset`` until a short page."""

    paging = OffsetPaging
    #: No document shows igrp as a field of these routes: each row gets its partition's.
    tap_fields = ("igrp",)

    def stamp(self, context: Context | None, paging: Paging) -> list[tuple[str, t.Any]]:
        return [("igrp", context["igrp"])] if context else []


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
