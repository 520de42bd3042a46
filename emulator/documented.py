"""The vendor documents' own examples, verbatim: served byte for byte, and read by the tap's tests.

The bytes below are copied from shared/api-docs (tests/test_documents.py checks, where the
documents are present, that each still appears there exactly). Two installations carry them:

- igrp 1: doc 002's "Retrieve all triggers" lines (rowIds 1 and 2, with their unescaped
  ``notes``), two call triggers behind doc 002's itemised-call lines (rowIds 4 and 7), and
  doc 001's "Output Format" lines as its organisations;
- igrp 2: three triggers that answer doc 001's ``display[]`` alias example exactly.

Chronicall: doc 004's example request (report "Agent Talking Summary", 2019-09-09..10 at
-06:00, Agent1(200)) is answered with doc 004's example response, byte for byte.
"""

from __future__ import annotations

import json
from typing import Any

from . import schema
from .datagen import GeneratedTrigger
from .installation import Installation
from .pools import CALL_BLANK, TXN_BLANK
from .timefmt import parse_utc

DOC_002_TRIGGER_LINES: tuple[bytes, ...] = (
    (
        b'{"rowId":"1","triggerDatetime":"2018-01-16 13:20:11","igrp":"1","dgrp":"0","ch":'
        b'"1","src":"direct","act":"land","algo":"","attr":"","vref":"","href":"","num":""'
        b',"term":"","vid":"93393a8e","t":"","goal":"0","srcHash":"abe88d1f435bafca9d8ba33'
        b'5c9bff04d","new":"2","pageTitle":"TTS number allocation test site UK\'s","pub":""'
        b',"segment":"4","segmentGroupId":"0","dom":"","ref":"","network":"","matchRef":""'
        b',"matchType":"","campaign":"","adGroup":"","adRef":"","keywordRef":"","dialledPh'
        b'oneNumber":"02035555610","srcPhoneNumber":"0123456","destPhoneNumber":"test.user'
        b'@localhost.net","callDuration":"0","bridgeDuration":"0","ringTime":"0","ivrDurat'
        b'ion":"4","queueDuration":"2","operatorRef":"shahrukh.omar","ivrRef":"","dialplan'
        b'Ref":"","callRating":"","callState":"","callDirection":"in","callStage":"","oper'
        b'atorRealm":"","telcoCode":"ict","numType":"37","rec":"0","transcriptionConfidenc'
        b'e":"0","totalKeywordScore":"0","totalOperatorKeywordScore":"26","totalContactKey'
        b'wordScore":"-176","operatorPositiveKeywordCount":"0","operatorNeutralKeywordCoun'
        b't":"0","operatorNegativeKeywordCount":"0","contactPositiveKeywordCount":"0","con'
        b'tactNeutralKeywordCount":"0","contactNegativeKeywordCount":"0","callPciDataCheck'
        b'ed":"0","callPciDataFound":"0","callSsnDataChecked":"0","callSsnDataFound":"0","'
        b'callPiiDataChecked":"0","callPiiDataFound":"0","callKeywordSpotting":"0","callTr'
        b'anscription":"0","whois":"WHOIS PII Data","ip":"127.0.0.1","ua":"Mozilla 5.0","c'
        b'ountry":"","city":"","continent":"","res":"2560x1440","lat":"0.0000","long":"0.0'
        b'000","region":"","postcode":"","area":"","spider":"","host":"","visitorType":"S"'
        b',"sfWhoRef":"","visitorPageCount":"1","visitorGoalCount":"0","visitorCallCount":'
        b'"3","visitorFirstDatetime":"2018-01-16 13:20:11","landingPageId": "0","conversio'
        b'nPageId": "0","chName":"Direct","chType":"direct","segmentName":"test2","segment'
        b'Ref":"test2","orgId":"1","segmentGroupName":"Default","notes":"[{"note": "Test N'
        b'ote 1", "createDatetime": "2023-01-01 09:00:00"}, {"note": "Test Note 2", "creat'
        b'eDatetime": "2023-01-02 10:30:00"}]", "leadScore":"100"}'
    ),
    (
        b'{"rowId":"2","triggerDatetime":"2018-01-24 11:34:14","igrp":"1","dgrp":"10008","'
        b'ch":"0","src":"","act":"callBlegStart","algo":"failsafe","attr":"","vref":"","hr'
        b'ef":"","num":"02035555610","term":"","vid":"","t":"","goal":"0","srcHash":"","ne'
        b'w":"0","pageTitle":"","pub":"","segment":"4","segmentGroupId":"0","txr":"2401","'
        b'txv":"0.00","txc":"","goalValue":"0.00","goalCurrency":"","outcomeType":"C","dia'
        b'lledPhoneNumber":"02035555610","srcPhoneNumber":"test.user2","destPhoneNumber":"'
        b'test.user@localhost.net","callDuration":"0","bridgeDuration":"0","ringTime":"0",'
        b'"ivrDuration":"4","queueDuration":"2","operatorRef":"test.user","ivrRef":"","dia'
        b'lplanRef":"","callRating":"","callState":"","callDirection":"in","callStage":"",'
        b'"operatorRealm":"","telcoCode":"ict","numType":"37","rec":"0","transcriptionConf'
        b'idence":"0","totalKeywordScore":"0","totalOperatorKeywordScore":"26","totalConta'
        b'ctKeywordScore":"-176","operatorPositiveKeywordCount":"0","operatorNeutralKeywor'
        b'dCount":"0","operatorNegativeKeywordCount":"0","contactPositiveKeywordCount":"0"'
        b',"contactNeutralKeywordCount":"0","contactNegativeKeywordCount":"0","callPciData'
        b'Checked":"0","callPciDataFound":"0","callSsnDataChecked":"0","callSsnDataFound":'
        b'"0","callPiiDataChecked":"0","callPiiDataFound":"0","callKeywordSpotting":"0","c'
        b'allTranscription":"0","chName":"Unknown","chType":"offline","dgrpName":"Test DGR'
        b' P SO  ","dgrpRef":"","callRatingId":"1","segmentName":"test2","segmentRef":"tes'
        b't2","orgId":"1","segmentGroupName":"Default","lands":0,"notes":"[{"note": "Test '
        b'Note 1", "createDatetime": "2023-01-01 09:00:00"}, {"note": "Test Note 2", "crea'
        b'teDatetime": "2023-01-02 10:30:00"}]", "leadScore":"300"}'
    ),
)
DOC_002_ITEMISED_LINES: tuple[bytes, ...] = (
    (
        b'{"rowId":"4","callDuration":"8","srcPhoneNumber":"test.user2","dialledPhoneNumbe'
        b'r":"012312345610","destPhoneNumber":"test.user2@localhost.net","callDirection":"'
        b'in","callCharge":"0.020000","chargeCurrencyCode":"","perMinuteCharge":"0.020000"'
        b',"triggerDatetime":"2018-01-24 11:34:08","igrp":"1","dgrp":"10008","ch":"0","seg'
        b'ment":"4","segmentGroupId":"0","chName":"Unknown","chType":"offline","dgrpName":'
        b'"Test DGR P SO  ","dgrpRef":"","callRatingId":"1","segmentName":"test2","segment'
        b'Ref":"test2","orgId":"1","segmentGroupName":"Default"}'
    ),
    (
        b'{"rowId":"7","callDuration":"12","srcPhoneNumber":"test.user2","dialledPhoneNumb'
        b'er":"012312345610","destPhoneNumber":"test.user2@localhost.net","callDirection":'
        b'"in","callCharge":"0.000000","chargeCurrencyCode":"","perMinuteCharge":"0.000000'
        b'","triggerDatetime":"2018-01-26 12:07:55","igrp":"1","dgrp":"10008","ch":"0","se'
        b'gment":"4","segmentGroupId":"0","chName":"Unknown","chType":"offline","dgrpName"'
        b':"DGRP","dgrpRef":"","callRatingId":"1","segmentName":"test2","segmentRef":"test'
        b'2","orgId":"1","segmentGroupName":"Default"}'
    ),
)
DOC_001_ORGANISATION_LINES: tuple[bytes, ...] = (
    (b'{"orgId":101,"orgTitle":"Organisation One","orgCreated":"2012-02-29 15:20:13"}'),
    (b'{"orgId":102,"orgTitle":"Organisation Two","orgCreated":"2012-02-29 15:20:13"}'),
    (b'{"orgId":103,"orgTitle":"Organisation Three","orgCreated":"2012-02-29 15:20:13"}'),
)
DOC_001_ALIAS_LINES: tuple[bytes, ...] = (
    (
        b'{"triggerDatetime":"2014-01-01 00:00:00","act":"land","visitorId":"b5bb14cc-7cf6'
        b'-49ff-a131-538d85bd143d"}'
    ),
    (
        b'{"triggerDatetime":"2014-01-02 00:00:00","act":"page","visitorId":"b5bb14cc-7cf6'
        b'-49ff-a131-538d85bd143d"}'
    ),
    (
        b'{"triggerDatetime":"2014-01-03 00:00:00","act":"page","visitorId":"b5bb14cc-7cf6'
        b'-49ff-a131-538d85bd143d"}'
    ),
)
DOC_004_REQUEST_BODY: tuple[bytes, ...] = (
    (
        b'{\n"format":"json",\n"parameters":[\n{\n"name":"Report Timeframe",\n"valueType":"REPO'
        b'RT_TIMEFRAME",\n"value":{\n"type":"REPORT_TIMEFRAME",\n"start":"2019-09-09T00:00:00'
        b'.000-06:00",\n"end":"2019-09-10T23:59:59.000-06:00"\n}\n},\n{\n"name":"Rows (Agent)",'
        b'\n"valueType":"PBX_USERS",\n"value":{\n"type":"PBX_USERS",\n"pbxUsers":[\n{\n"key":"Ag'
        b'ent1(200)"\n}\n]\n}\n}\n]\n}\n'
    ),
)
DOC_004_RESPONSE_BODY: tuple[bytes, ...] = (
    (
        b'{\n"reportId": 48,\n"executionId": "3eb08a9a-0f05-44b8-a0b0-ba7338a1d2e5",\n"title"'
        b': "Agent Talking Summary",\n"timeframe": {\n"type": "REPORT_TIMEFRAME",\n"start": "'
        b'2019-09-09T00:00:00-06:00",\n"end": "2019-09-10T23:59:59-06:00"\n},\n"skin": "Avaya'
        b' Default",\n"columns": [\n{\n"key": "0",\n"title": "Agent",\n"format": "STRING"\n},\n{\n'
        b'"key": "1",\n"title": "Inbound Calls",\n"format": "NUMBER"\n},\n{\n"key": "2",\n"title'
        b'": "Outbound Calls",\n"format": "NUMBER"\n},\n{\n"key": "3",\n"title": "Internal Call'
        b's",\n"format": "NUMBER"\n},\n{\n"key": "4",\n"title": "Total Calls",\n"format": "NUMBE'
        b'R"\n},\n{\n"key": "5",\n"title": "Total Talking",\n"format": "DURATION"\n},\n{\n"key": "'
        b'6",\n"title": "Avg Talking",\n"format": "DURATION"\n}\n],\n"dataFlag": "INCLUDED",\n"s'
        b'ummaryItems": [\n{\n"title": "Agents",\n"value": 1,\n"formattedValue": "1",\n"format"'
        b': "NUMBER"\n},\n{\n"title": "Total Inbound Calls",\n"value": 4,\n"formattedValue": "4'
        b'",\n"format": "NUMBER"\n},\n{\n"title": "Total Outbound Calls",\n"value": 6,\n"formatt'
        b'edValue": "6",\n"format": "NUMBER"\n},\n{\n"title": "Total Internal Calls",\n"value":'
        b' 4,\n"formattedValue": "4",\n"format": "NUMBER"\n},\n{\n"title": "Total Calls",\n"valu'
        b'e": 14,\n"formattedValue": "14",\n"format": "NUMBER"\n},\n{\n"title": "Avg Total Call'
        b's",\n"value": 14.0,\n"formattedValue": "14.0",\n"format": "NUMBER"\n},\n{\n"title": "T'
        b'otal Talking",\n"value": 12673424,\n"formattedValue": "3:31:13",\n"format": "NUMBER'
        b'"\n},\n{\n"title": "Avg Talking",\n"value": 1810489,\n"formattedValue": "0:30:10",\n"f'
        b'ormat": "NUMBER"\n}\n],\n"rows": [\n{\n"values": {\n"0": {\n"value": "Agent1(200)"\n},\n"'
        b'1": {\n"value": 4,\n"formattedValue": "4"\n},\n"2": {\n"value": 6,\n"formattedValue": '
        b'"6"\n},\n"3": {\n"value": 4,\n"formattedValue": "4"\n},\n"4": {\n"value": 14,\n"formatte'
        b'dValue": "14"\n},\n"5": {\n"value": 12673424,\n"formattedValue": "3:31:13"\n},\n"6": {'
        b'\n"value": 1810489,\n"formattedValue": "0:30:10"\n}\n}\n}\n],\n"charts": {\n"type": "CHA'
        b'RTS",\n"rows": []\n}\n}\n'
    ),
)

#: The ``notes`` value of doc 002's examples, as the text it spells.
DOC_002_NOTES = (
    '[{"note": "Test Note 1", "createDatetime": "2023-01-01 09:00:00"}, '
    '{"note": "Test Note 2", "createDatetime": "2023-01-02 10:30:00"}]'
)
#: Doc 001's alias example request, on igrp 2's triggers.
DOC_001_ALIAS_QUERY = "display[]=triggerDatetime&display[]=act&display[]=vid-visitorId"
#: Doc 004's example timeframe and row selection (its request body).
DOC_004_TIMEFRAME = ("2019-09-09T00:00:00-06:00", "2019-09-10T23:59:59-06:00")
DOC_004_AGENTS = ["Agent1(200)"]


def unescape_notes(line: bytes, notes: str) -> bytes:
    """A compact trigger line with its notes written as doc 002 writes them: the JSON text
    unescaped inside the quotes, and a space before the next key."""
    return line.replace(
        b'"notes":' + json.dumps(notes).encode() + b",", b'"notes":"' + notes.encode() + b'", ', 1
    )


def parse_doc_trigger(line: bytes) -> dict[str, Any]:
    """A doc 002 line as the row it means (its notes escaped first)."""
    escaped = b'"notes":' + json.dumps(DOC_002_NOTES).encode()
    return json.loads(line.replace(b'"notes":"' + DOC_002_NOTES.encode() + b'"', escaped))  # type: ignore[no-any-return]


def _call_behind(itemised: dict[str, Any]) -> dict[str, Any]:
    """A call trigger with the fields of its doc 002 itemised line (the rest blank)."""
    row: dict[str, Any] = {name: "" for name in schema.CALL_SHAPE}
    row.update(CALL_BLANK)
    row.update(TXN_BLANK)
    row.update({name: itemised[name] for name in schema.ITEMISED_FIELDS if name in row})
    row.update(act="call", goal="0", new="0", lands=0, leadScore="0")
    return row


def documented_installations() -> tuple[list[Installation], dict[int, list[GeneratedTrigger]]]:
    """igrps 1 and 2 and their triggers, in rowId order, with the lines they are served as."""
    orgs = [json.loads(line) for line in DOC_001_ORGANISATION_LINES]
    dgrps = [
        {
            "dgrp": "10008",
            "dgrpName": "Test DGR P SO  ",
            "autoDiscoveryNumber": "",
            "startDate": "2018-01-01",
            "dgrpRef": "",
            "orgId": "1",
            "callRatingId": "1",
        }
    ]
    numbers = [
        {"dgrp": "10008", "dgrpName": "Test DGR P SO  ", "phoneNumber": number, "usageType": kind, "ch": "0"}
        for number, kind in (("02035555610", "fixed"), ("012312345610", "pool"))
    ]
    one = Installation(1, orgs, dgrps, numbers, ())
    triggers = [
        GeneratedTrigger(
            parse_doc_trigger(line), parse_utc(parse_doc_trigger(line)["triggerDatetime"]), None, line + b"\n"
        )
        for line in DOC_002_TRIGGER_LINES
    ]
    for line in DOC_002_ITEMISED_LINES:
        itemised = json.loads(line)
        row = _call_behind(itemised)
        triggers.append(
            GeneratedTrigger(row, parse_utc(row["triggerDatetime"]), itemised, None, line + b"\n")
        )
    two = Installation(2, [], [], [], ())
    visits = []
    for number, line in enumerate(DOC_001_ALIAS_LINES, start=1):
        shown = json.loads(line)
        row = {name: "" for name in schema.WEB_SHAPE}
        row.update(CALL_BLANK)
        row.update(
            rowId=str(number),
            igrp="2",
            act=shown["act"],
            vid=shown["visitorId"],
            goal="0",
            leadScore="0",
            triggerDatetime=shown["triggerDatetime"],
            dgrp="0",
            ch="1",
            orgId="0",
        )
        visits.append(GeneratedTrigger(row, parse_utc(row["triggerDatetime"]), None))
    return [one, two], {1: triggers, 2: visits}


def parse_served(line: bytes | str) -> dict[str, Any]:
    """A served trigger line as the row it means, whether or not its notes are written as doc
    002 writes them (for the emulator's own tests; the tap repairs such lines itself)."""
    raw = line.encode() if isinstance(line, str) else line
    try:
        return json.loads(raw)  # type: ignore[no-any-return]
    except ValueError:
        start = raw.index(b'"notes":"') + len(b'"notes":"')
        end = raw.index(b'", "leadScore":', start)
        notes = raw[start:end].decode()
        return json.loads(raw[: start - 1] + json.dumps(notes).encode() + b"," + raw[end + 3 :])  # type: ignore[no-any-return]
