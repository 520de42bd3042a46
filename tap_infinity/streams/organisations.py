"""Organisations (doc 001): the installation's organisation tree, full table per igrp."""

from __future__ import annotations

import typing as t

from tap_infinity.client import OffsetStream
from tap_infinity.schemas.config import ORGANISATION_FIELDS

if t.TYPE_CHECKING:
    from tap_infinity.schemas import Field


class OrganisationsStream(OffsetStream):
    """Organisations, restricted to `root_org_id` and its descendants when that is set."""

    name = "organisations"
    route = "/reports/v2/igrps/{igrp}/organisations"
    fields: t.ClassVar[list[Field]] = ORGANISATION_FIELDS
    primary_keys: t.ClassVar[list[str]] = ["igrp", "orgId"]
