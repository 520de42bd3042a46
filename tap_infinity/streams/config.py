"""Configuration tables (doc 000): DGRPs and their phone numbers, full table per igrp."""

from __future__ import annotations

import typing as t

from tap_infinity.client import OffsetStream
from tap_infinity.schemas.config import DGRP_FIELDS, NUMBER_FIELDS

if t.TYPE_CHECKING:
    from tap_infinity.schemas import Field


class DgrpsStream(OffsetStream):
    """The installation's DGRPs (number groups) with their auto-discovery numbers."""

    name = "dgrps"
    route = "/config/v2/igrps/{igrp}/dgrps"
    fields: t.ClassVar[list[Field]] = DGRP_FIELDS
    primary_keys: t.ClassVar[list[str]] = ["igrp", "dgrp"]


class NumbersStream(OffsetStream):
    """Every phone number of every DGRP (``dgrps/all/numbers``)."""

    name = "numbers"
    route = "/config/v2/igrps/{igrp}/dgrps/all/numbers"
    fields: t.ClassVar[list[Field]] = NUMBER_FIELDS
    primary_keys: t.ClassVar[list[str]] = ["igrp", "dgrp", "phoneNumber"]
