"""Configuration and organisation tables (doc 000 example reports, doc 001 "Output Format")."""

from __future__ import annotations

from . import DATETIME, INTEGER, STRING, Field
from .triggers import CH, DGRP, IGRP

ORG_ID: Field = ("orgId", INTEGER, "Organisation ID")

DGRP_FIELDS: list[Field] = [
    IGRP,
    DGRP,
    ("dgrpName", STRING, "The DGRP's name"),
    ("dgrpRef", STRING, "The DGRP's own reference"),
    ORG_ID,
    ("autoDiscoveryNumber", STRING, "The DGRP's auto-discovery number"),
    ("callRatingId", INTEGER, ""),
    ("startDate", DATETIME, "When the DGRP started, in the `timezone` setting, with offset"),
]

NUMBER_FIELDS: list[Field] = [
    IGRP,
    DGRP,
    ("dgrpName", STRING, "The DGRP's name"),
    ORG_ID,
    ("phoneNumber", STRING, "The phone number"),
    ("usageType", STRING, "How the number is used: fixed (the fall-back number) or pool"),
    CH,
    ("numType", INTEGER, "Number type"),
    ("telcoCode", STRING, "Carrier code"),
]

ORGANISATION_FIELDS: list[Field] = [
    IGRP,
    ORG_ID,
    ("orgTitle", STRING, "Organisation title"),
    ("orgName", STRING, "Organisation name"),
    ("orgCreated", DATETIME, "When the organisation was created, in the `timezone` setting, with offset"),
    ("parentOrgId", INTEGER, "Parent organisation ID (0 for the root)"),
]
