"""Configuration and organisation tables: only the fields the documents show for each route
(doc 000's example reports and filters, doc 001's "Output Format"); igrp is the partition's."""

from __future__ import annotations

from . import DATETIME, INTEGER, STRING, Field
from .triggers import CH, DGRP, IGRP

DGRP_FIELDS: list[Field] = [
    IGRP,
    DGRP,
    ("dgrpName", STRING, "The DGRP's name"),
    ("autoDiscoveryNumber", STRING, "The DGRP's auto-discovery number"),
    ("startDate", DATETIME, "When the DGRP started (UTC; a date alone is its midnight)"),
]

NUMBER_FIELDS: list[Field] = [
    IGRP,
    DGRP,
    ("dgrpName", STRING, "The DGRP's name"),
    ("phoneNumber", STRING, "The phone number"),
    ("usageType", STRING, "How the number is used, e.g. fixed (the fall-back number)"),
    CH,
]

ORGANISATION_FIELDS: list[Field] = [
    IGRP,
    ("orgId", INTEGER, "Organisation ID"),
    ("orgTitle", STRING, "Organisation title"),
    ("orgName", STRING, "Organisation name"),
    ("orgCreated", DATETIME, "When the organisation was created (UTC)"),
]
