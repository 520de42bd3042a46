"""Field names, field types and route membership of the Infinity Reports API v2 model.

Field names and their order come from the doc 002 example records. A web (land/page) row and a
call row carry different key sets, exactly as in those examples; the union order below is what
``display[]``-less rows are laid out in, so every shape is a subsequence of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HEAD = (
    "rowId",
    "triggerDatetime",
    "igrp",
    "dgrp",
    "ch",
    "src",
    "act",
    "algo",
    "attr",
    "vref",
    "href",
    "num",
    "term",
    "vid",
    "t",
    "goal",
    "srcHash",
    "new",
    "pageTitle",
    "pub",
    "segment",
    "segmentGroupId",
)
TXN = ("txr", "txv", "txc", "goalValue", "goalCurrency", "outcomeType")
WEB_MARKETING = (
    "dom",
    "ref",
    "network",
    "matchRef",
    "matchType",
    "campaign",
    "adGroup",
    "adRef",
    "keywordRef",
)
CALL = (
    "dialledPhoneNumber",
    "srcPhoneNumber",
    "destPhoneNumber",
    "callDuration",
    "bridgeDuration",
    "ringTime",
    "ivrDuration",
    "queueDuration",
    "operatorRef",
    "ivrRef",
    "dialplanRef",
    "callRating",
    "callState",
    "callDirection",
    "callStage",
    "operatorRealm",
    "telcoCode",
    "numType",
    "rec",
    "transcriptionConfidence",
    "totalKeywordScore",
    "totalOperatorKeywordScore",
    "totalContactKeywordScore",
    "operatorPositiveKeywordCount",
    "operatorNeutralKeywordCount",
    "operatorNegativeKeywordCount",
    "contactPositiveKeywordCount",
    "contactNeutralKeywordCount",
    "contactNegativeKeywordCount",
    "callPciDataChecked",
    "callPciDataFound",
    "callSsnDataChecked",
    "callSsnDataFound",
    "callPiiDataChecked",
    "callPiiDataFound",
    "callKeywordSpotting",
    "callTranscription",
)
VISITOR = (
    "whois",
    "ip",
    "ua",
    "country",
    "city",
    "continent",
    "res",
    "lat",
    "long",
    "region",
    "postcode",
    "area",
    "spider",
    "host",
    "visitorType",
    "sfWhoRef",
    "visitorPageCount",
    "visitorGoalCount",
    "visitorCallCount",
    "visitorFirstDatetime",
    "landingPageId",
    "conversionPageId",
)
CHANNEL = ("chName", "chType")
DGRP = ("dgrpName", "dgrpRef", "callRatingId")
SEGMENT = ("segmentName", "segmentRef", "orgId", "segmentGroupName")
LANDS = ("lands",)
TAIL = ("notes", "leadScore")

#: Key sets per trigger shape (doc 002: example 1 is WEB, example 2 is CALL_SHAPE).
WEB_SHAPE = HEAD + WEB_MARKETING + CALL + VISITOR + CHANNEL + SEGMENT + TAIL
WEB_TXN_SHAPE = HEAD + TXN + WEB_MARKETING + CALL + VISITOR + CHANNEL + SEGMENT + TAIL
CALL_SHAPE = HEAD + TXN + CALL + CHANNEL + DGRP + SEGMENT + LANDS + TAIL
TRIGGER_FIELDS = HEAD + TXN + WEB_MARKETING + CALL + VISITOR + CHANNEL + DGRP + SEGMENT + LANDS + TAIL

ITEMISED_FIELDS = (
    "rowId",
    "callDuration",
    "srcPhoneNumber",
    "dialledPhoneNumber",
    "destPhoneNumber",
    "callDirection",
    "callCharge",
    "chargeCurrencyCode",
    "perMinuteCharge",
    "triggerDatetime",
    "igrp",
    "dgrp",
    "ch",
    "segment",
    "segmentGroupId",
    "chName",
    "chType",
    "dgrpName",
    "dgrpRef",
    "callRatingId",
    "segmentName",
    "segmentRef",
    "orgId",
    "segmentGroupName",
)
ORG_FIELDS = ("orgId", "orgTitle", "orgName", "orgCreated", "parentOrgId")
DGRP_FIELDS = (
    "dgrp",
    "dgrpName",
    "dgrpRef",
    "orgId",
    "autoDiscoveryNumber",
    "callRatingId",
    "startDate",
)
NUMBER_FIELDS = (
    "dgrp",
    "dgrpName",
    "orgId",
    "phoneNumber",
    "usageType",
    "ch",
    "numType",
    "telcoCode",
)

#: Fields compared and sorted numerically; everything else not in DATETIME_FIELDS is a string.
NUMERIC_FIELDS = frozenset(
    {
        "rowId",
        "igrp",
        "dgrp",
        "ch",
        "goal",
        "new",
        "segment",
        "segmentGroupId",
        "txv",
        "goalValue",
        "callDuration",
        "bridgeDuration",
        "ringTime",
        "ivrDuration",
        "queueDuration",
        "numType",
        "rec",
        "transcriptionConfidence",
        "totalKeywordScore",
        "totalOperatorKeywordScore",
        "totalContactKeywordScore",
        "operatorPositiveKeywordCount",
        "operatorNeutralKeywordCount",
        "operatorNegativeKeywordCount",
        "contactPositiveKeywordCount",
        "contactNeutralKeywordCount",
        "contactNegativeKeywordCount",
        "callPciDataChecked",
        "callPciDataFound",
        "callSsnDataChecked",
        "callSsnDataFound",
        "callPiiDataChecked",
        "callPiiDataFound",
        "callKeywordSpotting",
        "callTranscription",
        "lat",
        "long",
        "visitorPageCount",
        "visitorGoalCount",
        "visitorCallCount",
        "landingPageId",
        "conversionPageId",
        "callRatingId",
        "orgId",
        "lands",
        "leadScore",
        "callCharge",
        "perMinuteCharge",
        "parentOrgId",
        "duration",
    }
)
#: Fields holding 'YYYY-MM-DD HH:MM:SS' UTC in storage, rendered in the request's tz.
DATETIME_FIELDS = frozenset(
    {
        "triggerDatetime",
        "visitorFirstDatetime",
        "orgCreated",
        "startDate",
        "startDatetime",
        "stateStartDatetime",
    }
)

CUSTOM_PREFIXES = ("pt_", "c_")

# Route membership bits, stored per trigger.
F_CALL, F_USER, F_GOAL, F_TXN, F_LAND = 1, 2, 4, 8, 16

#: Trigger route -> membership bits (a trigger belongs when flags & bits; 0 means every trigger).
TRIGGER_ROUTES: dict[str, int] = {
    "all": 0,
    "calls": F_CALL,
    "users": F_USER,
    "goals": F_GOAL,
    "transactions": F_TXN,
    "callsGoalsTransactions": F_CALL | F_GOAL | F_TXN,
    "touchPoints": F_LAND | F_CALL | F_GOAL,
    "visits": F_LAND,
}
ITEMISED_ROUTE = "itemisedCalls"


def is_custom(name: str) -> bool:
    """True for installation-specific pass-through (pt_*) and custom variable (c_*) fields."""
    return name.startswith(CUSTOM_PREFIXES) and len(name) > 3


@dataclass(frozen=True)
class FieldSet:
    """The fields a route knows, for validating display[], filter[] and sort[]."""

    names: tuple[str, ...]
    allows_custom: bool = False
    known: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "known", frozenset(self.names))

    def displayable(self, name: str) -> bool:
        return name in self.known or (self.allows_custom and is_custom(name))


TRIGGER_FIELDSET = FieldSet(TRIGGER_FIELDS, allows_custom=True)
ITEMISED_FIELDSET = FieldSet(ITEMISED_FIELDS)
ORG_FIELDSET = FieldSet(ORG_FIELDS)
DGRP_FIELDSET = FieldSet(DGRP_FIELDS)
NUMBER_FIELDSET = FieldSet(NUMBER_FIELDS)


def route_flags(row: dict) -> int:
    """Route membership bits of a trigger, following the doc 002 route definitions."""
    act = row["act"]
    flags = {"call": F_CALL, "callUser": F_USER, "land": F_LAND}.get(act, 0)
    if row.get("goal", "0") not in ("0", ""):
        flags |= F_GOAL
    if (row.get("txc") or row.get("goalCurrency")) and act != "callRate":
        flags |= F_TXN
    return flags
