"""Trigger fields (doc 002 example records; descriptions from docs 001-003 where they give one)."""

from __future__ import annotations

from . import DATETIME, DECIMAL, INTEGER, NUMBER, STRING, Field

ROW_ID: Field = ("rowId", INTEGER, "Unique, increasing trigger id (the replication key)")
TRIGGER_DATETIME: Field = (
    "triggerDatetime",
    DATETIME,
    "When the trigger happened (UTC)",
)
IGRP: Field = ("igrp", INTEGER, "Installation ID")
DGRP: Field = ("dgrp", INTEGER, "DGRP ID related to the trigger")
CH: Field = ("ch", INTEGER, "Marketing source channel ID")

CALL_PARTIES: list[Field] = [
    ("dialledPhoneNumber", STRING, "Dialled (tracking) phone number"),
    ("srcPhoneNumber", STRING, "Source phone number (caller ID)"),
    ("destPhoneNumber", STRING, "Destination phone number"),
]
CHANNEL: list[Field] = [
    ("chName", STRING, "Marketing source channel name"),
    ("chType", STRING, "Marketing source channel type"),
]
DGRP_DETAILS: list[Field] = [
    ("dgrpName", STRING, "The name of the DGRP the call was linked to"),
    ("dgrpRef", STRING, "The DGRP's own reference"),
    ("callRatingId", INTEGER, ""),
]
SEGMENT: list[Field] = [
    ("segment", INTEGER, "Segment ID"),
    ("segmentGroupId", INTEGER, "Segment group ID"),
]
SEGMENT_DETAILS: list[Field] = [
    ("segmentName", STRING, ""),
    ("segmentRef", STRING, ""),
    ("orgId", INTEGER, "Organisation ID"),
    ("segmentGroupName", STRING, ""),
]

TRIGGER_FIELDS: list[Field] = [
    ROW_ID,
    TRIGGER_DATETIME,
    IGRP,
    DGRP,
    CH,
    ("src", STRING, "Marketing source"),
    ("act", STRING, "Trigger action: land, page, call, callUser, callRate, callBlegStart, ..."),
    ("algo", STRING, "Attribution algorithm"),
    ("attr", STRING, ""),
    ("vref", STRING, "The visitor referrer URI: the page the visitor came from"),
    ("href", STRING, "The page URI of the trigger"),
    ("num", STRING, "Tracking number"),
    ("term", STRING, "Search term"),
    ("vid", STRING, "The ID of the visitor"),
    ("t", STRING, ""),
    ("goal", INTEGER, "Goal ID (0 when the trigger is not a goal)"),
    ("srcHash", STRING, ""),
    ("new", INTEGER, "New-visitor flag"),
    ("pageTitle", STRING, "Title of the page the user was on"),
    ("pub", STRING, "Marketing source publisher"),
    *SEGMENT,
    ("txr", STRING, "Unique transaction or call reference"),
    ("txv", DECIMAL, "Transaction value (exact decimal)"),
    ("txc", STRING, "Transaction currency"),
    ("goalValue", DECIMAL, "Goal value (exact decimal)"),
    ("goalCurrency", STRING, "Goal currency"),
    ("outcomeType", STRING, "Outcome type (V = void)"),
    ("dom", STRING, "Domain"),
    ("ref", STRING, "Referrer"),
    ("network", STRING, "Ad network"),
    ("matchRef", STRING, "Marketing source keyword"),
    ("matchType", STRING, "Keyword match type"),
    ("campaign", STRING, "Marketing source campaign"),
    ("adGroup", STRING, "Marketing source ad group"),
    ("adRef", STRING, "Ad reference"),
    ("keywordRef", STRING, "Keyword reference"),
    *CALL_PARTIES,
    ("callDuration", INTEGER, "Call duration of the A-leg (seconds the A-leg was in answered state)"),
    ("bridgeDuration", INTEGER, "Call bridge duration (seconds the A-leg and B-leg were bridged together)"),
    ("ringTime", NUMBER, "Seconds ringing"),
    ("ivrDuration", NUMBER, "Seconds in the IVR"),
    ("queueDuration", NUMBER, "Seconds queueing"),
    ("operatorRef", STRING, "Operator who handled the call"),
    ("ivrRef", STRING, ""),
    ("dialplanRef", STRING, ""),
    ("callRating", STRING, ""),
    ("callState", STRING, "The hangup state of the call, {REASON}_{LEG}"),
    ("callDirection", STRING, "in or out"),
    ("callStage", STRING, ""),
    ("operatorRealm", STRING, ""),
    ("telcoCode", STRING, ""),
    ("numType", INTEGER, "Number type"),
    ("rec", INTEGER, "Call recording flag"),
    ("transcriptionConfidence", NUMBER, "Confidence of the call transcription"),
    ("totalKeywordScore", NUMBER, "Keyword spotting score of the call"),
    ("totalOperatorKeywordScore", NUMBER, "Keyword score of the operator"),
    ("totalContactKeywordScore", NUMBER, "Keyword score of the contact"),
    ("operatorPositiveKeywordCount", INTEGER, ""),
    ("operatorNeutralKeywordCount", INTEGER, ""),
    ("operatorNegativeKeywordCount", INTEGER, ""),
    ("contactPositiveKeywordCount", INTEGER, ""),
    ("contactNeutralKeywordCount", INTEGER, ""),
    ("contactNegativeKeywordCount", INTEGER, ""),
    ("callPciDataChecked", INTEGER, "1 when the call was checked for PCI data"),
    ("callPciDataFound", INTEGER, "1 when PCI data was found in the call"),
    ("callSsnDataChecked", INTEGER, "1 when the call was checked for SSN data"),
    ("callSsnDataFound", INTEGER, "1 when SSN data was found in the call"),
    ("callPiiDataChecked", INTEGER, "1 when the call was checked for PII data"),
    ("callPiiDataFound", INTEGER, "1 when PII data was found in the call"),
    ("callKeywordSpotting", INTEGER, "1 when keyword spotting ran on the call"),
    ("callTranscription", INTEGER, "1 when the call was transcribed"),
    ("whois", STRING, "WHOIS data (PII; empty with exclude_pii_data)"),
    ("ip", STRING, "Visitor IP address (PII; last octet redacted with exclude_pii_data)"),
    ("ua", STRING, "User agent"),
    ("country", STRING, ""),
    ("city", STRING, ""),
    ("continent", STRING, ""),
    ("res", STRING, "Screen resolution"),
    ("lat", NUMBER, "Latitude"),
    ("long", NUMBER, "Longitude"),
    ("region", STRING, ""),
    ("postcode", STRING, ""),
    ("area", STRING, ""),
    ("spider", STRING, ""),
    ("host", STRING, "Visitor host name (PII)"),
    ("visitorType", STRING, ""),
    ("sfWhoRef", STRING, ""),
    ("visitorPageCount", INTEGER, ""),
    ("visitorGoalCount", INTEGER, ""),
    ("visitorCallCount", INTEGER, ""),
    ("visitorFirstDatetime", DATETIME, "First visit of the visitor (UTC)"),
    ("landingPageId", INTEGER, ""),
    ("conversionPageId", INTEGER, ""),
    *CHANNEL,
    *DGRP_DETAILS,
    *SEGMENT_DETAILS,
    ("lands", INTEGER, ""),
    ("notes", STRING, "Notes on the trigger, a JSON document in a string"),
    ("leadScore", NUMBER, "Lead score"),
]

ITEMISED_CALL_FIELDS: list[Field] = [
    ROW_ID,
    ("callDuration", INTEGER, "Call duration (seconds)"),
    *CALL_PARTIES,
    ("callDirection", STRING, "in or out"),
    ("callCharge", DECIMAL, "Charge for the call (exact decimal)"),
    ("chargeCurrencyCode", STRING, ""),
    ("perMinuteCharge", DECIMAL, "Charge per minute (exact decimal)"),
    TRIGGER_DATETIME,
    IGRP,
    DGRP,
    CH,
    *SEGMENT,
    *CHANNEL,
    *DGRP_DETAILS,
    *SEGMENT_DETAILS,
]


def custom_fields(names: list[str]) -> list[Field]:
    """Installation-specific pass-through (pt_*) and custom variable (c_*) fields, as strings."""
    return [(name, STRING, "Custom field") for name in names]
