"""Deterministic, realistic data for one installation (igrp): config tables and triggers.

Triggers are produced by a small visitor simulation (lands, pages, goals, transactions, calls
matched to visitors, offline and PBX calls) so rows relate to each other the way real ones do.
To generate hundreds of thousands of ~100-field rows quickly, per-visitor and per-dgrp blocks
are built once and merged into each row; only a handful of values are drawn per trigger.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import schema
from .timefmt import fmt_utc

START_EPOCH = 1709251200  # 2024-03-01 00:00:00 UTC: the span crosses the March DST changes
SPAN_SECONDS = 90 * 86400  # initial triggers are spread over ~90 days whatever their count
FIRST_ROW_ID = 141247288  # the doc 002 batching example starts here

CUSTOM_FIELDS = ("pt_campaignSource", "c_gua_cid")

CHANNELS = (  # ch, src, chName, chType
    ("1", "direct", "Direct", "direct"),
    ("2", "google", "Organic Search", "seo"),
    ("3", "google", "Google Ads", "ppc"),
    ("4", "bing", "Microsoft Ads", "ppc"),
    ("5", "facebook", "Facebook", "social"),
    ("6", "newsletter", "Email", "email"),
    ("7", "referral", "Website Referrer", "ref"),
    ("8", "gdn", "Display", "display"),
    ("9", "awin", "Affiliate", "affiliate"),
    ("10", "youtube", "Video", "video"),
)
CHANNEL_WEIGHTS = (22, 25, 18, 5, 8, 6, 6, 4, 4, 2)
OFFLINE = ("0", "", "Unknown", "offline")
PBX_CHANNELS = (
    ("0", "", "PBX Outbound", "pbxOutbound"),
    ("0", "", "PBX Internal", "pbxInternal"),
    ("0", "", "PBX DDI", "pbxDdi"),
)
SEGMENTS = (  # segment, segmentName, segmentRef, segmentGroupId, segmentGroupName
    ("4", "test2", "test2", "0", "Default"),
    ("5", "Retail", "retail", "1", "Customers"),
    ("6", "Trade", "trade", "1", "Customers"),
    ("7", "Prospects", "prospects", "0", "Default"),
)
PAGES = (
    ("/", "Example Ltd | Widgets & Gadgets"),
    ("/products/widgets", "Widgets | Example Ltd"),
    ("/products/pro-widget", 'The "Pro" Widget – Example Ltd'),  # noqa: RUF001  (non-ASCII on purpose)
    ("/products/gadgets", "Gadgets | Example Ltd"),
    ("/pricing", "Pricing | Example Ltd"),
    ("/locations/cafe", "Café Locations | Example Ltd"),
    ("/blog/widget-tips", "Blog: 10 tips for widget owners"),
    ("/blog/o-reilly-review", "Review: O'Reilly's widget guide"),
    ("/contact", "Contact Us | Example Ltd"),
    ("/quote", "Request a Quote | Example Ltd"),
    ("/basket", "Basket | Example Ltd"),
    ("/checkout", "Checkout | Example Ltd"),
    ("/thank-you", "Thank You | Example Ltd"),
)
REFERRERS = (
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://www.facebook.com/",
    "https://news.example.org/widgets-roundup",
    "",
)
KEYWORDS = (
    "blue widgets",
    "widget repair",
    "buy gadgets online",
    "pro widget price",
    "widgets near me",
    "(not provided)",
)
CAMPAIGNS = (
    ("Brand - UK", "Brand Exact"),
    ("Widgets - Generic", "Widgets Broad"),
    ("Gadgets - Shopping", "All Gadgets"),
    ("Remarketing", "Past Visitors"),
)
GEOS = (  # country, city, continent, region, postcode, area, lat, long
    ("GB", "London", "EU", "England", "SW1A", "London", "51.5074", "-0.1278"),
    ("GB", "Manchester", "EU", "England", "M1", "Greater Manchester", "53.4808", "-2.2426"),
    ("GB", "Leeds", "EU", "England", "LS1", "West Yorkshire", "53.8008", "-1.5491"),
    ("GB", "Bristol", "EU", "England", "BS1", "Bristol", "51.4545", "-2.5879"),
    ("GB", "Glasgow", "EU", "Scotland", "G1", "Glasgow City", "55.8642", "-4.2518"),
    ("IE", "Dublin", "EU", "Leinster", "D01", "Dublin", "53.3498", "-6.2603"),
    ("US", "New York", "NA", "New York", "10001", "New York", "40.7128", "-74.0060"),
    ("FR", "Paris", "EU", "Ile-de-France", "75001", "Paris", "48.8566", "2.3522"),
    ("", "", "", "", "", "", "0.0000", "0.0000"),
)
ISPS = (  # whois, host domain ('' = no reverse DNS)
    ("BT Public Internet Service", "btcentralplus.com"),
    ("Virgin Media Limited", "virginm.net"),
    ("Sky Broadband", "sky.com"),
    ("TalkTalk Communications Limited", "talktalk.net"),
    ("Vodafone Limited", ""),
    ("Infinity Call Tracking, Ltd", "infinity.co"),
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
)
RESOLUTIONS = ("1920x1080", "2560x1440", "1366x768", "390x844", "412x915", "1440x900")
CALL_STATES = (
    "NORMAL_CLEARING_A",
    "NORMAL_CLEARING_A",
    "NORMAL_CLEARING_A",
    "NORMAL_CLEARING_B",
    "NO_ANSWER",
    "USER_BUSY",
    "ORIGINATOR_CANCEL",
    "NO_USER_RESPONSE",
    "UNALLOCATED_NUMBER",
    "NORMAL_TEMPORARY_FAILURE_B",
)
OPERATORS = ("jane.smith", "tom.jones", "priya.patel", "sam.okafor", "li.wei", "")
CURRENCIES = ("GBP", "GBP", "GBP", "EUR", "USD")
ONLINE_GOALS = ("246", "543", "763", "356")
CALL_GOALS = ("801", "802")
ECOMMERCE_GOAL = "900"
ORG_NAMES = (
    "Head Office",
    "North Region",
    "South Region",
    "Manchester Branch",
    "Leeds Branch",
    "London Branch",
    "Bristol Branch",
    "Online Sales",
    "Partner Network",
)
DGRP_NAMES = (
    "Sales",
    "Support",
    "PPC Pool",
    "Brochure Line",
    "Billing",
    "Bookings",
    "Service Desk",
    "Display Pool",
    "SEO Pool",
    "Newspaper Ad",
    "Radio Ad",
    "Trade Line",
)
AREA_CODES = ("0203", "0161", "0113", "0117", "0141", "0800")
CAMPAIGN_SOURCES = ("spring_sale", "newsletter_apr", "partner_feed", "brand_tv")
NOTE_TEXTS = (
    "Called back, left voicemail",
    "Interested in the Pro range",
    "Wants a quote",
    'Said "call after 5pm"',
    "Existing customer",
)

CALL_BLANK = {f: ("0" if f in schema.NUMERIC_FIELDS else "") for f in schema.CALL}
TXN_BLANK = {"txr": "", "txv": "0.00", "txc": "", "goalValue": "0.00", "goalCurrency": "", "outcomeType": ""}


@dataclass
class Installation:
    """One igrp's configuration: organisation tree, dgrps and their numbers (API string form)."""

    igrp: int
    orgs: list[dict[str, Any]]
    dgrps: list[dict[str, Any]]
    numbers: list[dict[str, Any]]
    custom_fields: tuple[str, ...]
    subtrees: dict[int, frozenset[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        children: dict[int, list[int]] = {}
        for org in self.orgs:
            children.setdefault(org.get("parentOrgId", 0), []).append(org["orgId"])
        for org in self.orgs:
            stack, seen = [org["orgId"]], set()
            while stack:
                oid = stack.pop()
                seen.add(oid)
                stack.extend(children.get(oid, ()))
            self.subtrees[org["orgId"]] = frozenset(seen)

    def org_subtree(self, root: int) -> frozenset[int]:
        """The organisation and all its descendants; empty when it is not in this installation."""
        return self.subtrees.get(root, frozenset())


def _phone(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choices("0123456789", k=11 - len(prefix)))


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def _uuid(rng: random.Random) -> str:
    h = _hex(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def build_installation(igrp: int, seed: int) -> Installation:
    """Orgs (a small tree), 10-50 dgrps and 2-6 numbers per dgrp, all deterministic per seed."""
    rng = random.Random(f"{seed}:{igrp}:config")
    org_count = rng.randint(4, len(ORG_NAMES))
    root = igrp * 100 + 1
    orgs: list[dict[str, Any]] = []
    for i in range(org_count):
        name = ORG_NAMES[i]
        parent = 0 if i == 0 else orgs[rng.randrange(0, min(i, 3))]["orgId"]
        created = START_EPOCH - rng.randint(200, 4000) * 86400 + rng.randint(0, 86399)
        orgs.append(
            {
                "orgId": root + i,
                "orgTitle": name,
                "orgName": name,
                "orgCreated": fmt_utc(created),
                "parentOrgId": parent,
            }
        )
    dgrps: list[dict[str, Any]] = []
    numbers: list[dict[str, Any]] = []
    for k in range(rng.randint(10, 50)):
        org_id = str(rng.choice(orgs)["orgId"])
        dgrp = {
            "dgrp": str(10000 + igrp * 100 + k),
            "dgrpName": f"{DGRP_NAMES[k % len(DGRP_NAMES)]} {k // len(DGRP_NAMES) + 1}",
            "dgrpRef": f"DG-{k:03d}" if rng.random() < 0.4 else "",
            "orgId": org_id,
            "autoDiscoveryNumber": _phone(rng, rng.choice(AREA_CODES)) if rng.random() < 0.5 else "",
            "callRatingId": str(rng.randint(1, 3)),
            "startDate": fmt_utc(START_EPOCH - rng.randint(30, 900) * 86400 + rng.randint(0, 86399)),
        }
        dgrps.append(dgrp)
        for j in range(rng.randint(2, 6)):
            ch = "0" if j == 0 else rng.choice(CHANNELS)[0]
            numbers.append(
                {
                    "dgrp": dgrp["dgrp"],
                    "dgrpName": dgrp["dgrpName"],
                    "orgId": org_id,
                    "phoneNumber": _phone(rng, rng.choice(AREA_CODES)),
                    "usageType": "fixed" if j == 0 else "pool",
                    "ch": ch,
                    "numType": rng.choice(("37", "37", "1")),
                    "telcoCode": "ict",
                }
            )
    custom = CUSTOM_FIELDS if igrp % 2 == 1 else ()
    return Installation(igrp, orgs, dgrps, numbers, custom)


@dataclass
class GeneratedTrigger:
    """A trigger in API string form plus what the store indexes about it."""

    row: dict[str, Any]
    epoch: int
    itemised: dict[str, Any] | None
    #: The exact lines it is served as, when not its compact JSON (the documents' examples).
    served: bytes | None = None
    served_itemised: bytes | None = None


@dataclass
class _Visitor:
    vid: str
    head: dict[str, str]  # per-visitor HEAD values (ch, src, vref, pub, term, srcHash, ...)
    marketing: dict[str, str]  # WEB_MARKETING block
    visitor: dict[str, str]  # VISITOR block (counts updated per trigger)
    channel: dict[str, str]
    segment: dict[str, str]
    custom: dict[str, str]
    pages: int = 0
    goals: int = 0
    calls: int = 0


class TriggerGenerator:
    """Produces triggers for one installation; keeps its state so appends continue the series."""

    def __init__(self, inst: Installation, seed: int, expected: int) -> None:
        self.inst = inst
        self.rng = random.Random(f"{seed}:{inst.igrp}:triggers")
        self._random = self.rng.random
        self.next_row_id = FIRST_ROW_ID + self.rng.randrange(0, 1000)
        self.clock = float(START_EPOCH)
        self.gap = max(1.0, SPAN_SECONDS / max(expected, 1))
        self.min_epoch = START_EPOCH
        self.txr = self.rng.randrange(2000, 9000)
        self.visitors: deque[_Visitor] = deque(maxlen=400)
        self.org_ids = [o["orgId"] for o in inst.orgs]
        self.igrp = str(inst.igrp)
        self.notes = [self._note_pool_entry(i) for i in range(40)]
        self.dgrp_blocks = [self._dgrp_block(d) for d in inst.dgrps]
        by_dgrp: dict[str, list[str]] = {}
        for n in inst.numbers:
            by_dgrp.setdefault(n["dgrp"], []).append(n["phoneNumber"])
        self.dgrp_numbers = [by_dgrp[d["dgrp"]] for d in inst.dgrps]

    # -- pools -------------------------------------------------------------------------------

    def _note_pool_entry(self, i: int) -> str:
        rng = self.rng
        notes = [
            {
                "note": self.pick(NOTE_TEXTS),
                "createDatetime": fmt_utc(START_EPOCH + rng.randint(0, SPAN_SECONDS)),
            }
            for _ in range(1 + i % 3)
        ]
        return json.dumps(notes)  # default separators, as in the doc 002 example

    @staticmethod
    def _dgrp_block(d: dict[str, Any]) -> dict[str, str]:
        return {"dgrpName": d["dgrpName"], "dgrpRef": d["dgrpRef"], "callRatingId": d["callRatingId"]}

    def pick(self, seq: Sequence[Any]) -> Any:
        """rng.choice, several times faster (it dominates generation time otherwise)."""
        return seq[int(self._random() * len(seq))]

    # -- public --------------------------------------------------------------------------------

    def generate(self, count: int, late_fraction: float = 0.02) -> Iterator[GeneratedTrigger]:
        """`count` new triggers, lazily; `late_fraction` of them are dated well before the clock."""
        rng = self.rng
        for _ in range(count):
            self.clock += rng.expovariate(1.0 / self.gap)
            if rng.random() < late_fraction:
                lo = self.min_epoch + (self.clock - self.min_epoch) * 0.1
                hi = self.clock - min(3600.0, self.gap * 50)
                epoch = max(self.min_epoch, int(rng.uniform(lo, hi)))
            else:
                epoch = max(self.min_epoch, int(self.clock) + rng.randint(-90, 90))
            yield self._one(epoch)

    def at(self, epoch: int) -> GeneratedTrigger:
        """One new trigger at `epoch` (a test's chosen instant)."""
        return self._one(epoch)

    # -- triggers ------------------------------------------------------------------------------

    def _row_id(self) -> str:
        rng = self.rng
        rid = self.next_row_id
        r = rng.random()
        self.next_row_id += 1 if r < 0.8 else (rng.randint(2, 5) if r < 0.95 else rng.randint(6, 300))
        return str(rid)

    def _one(self, epoch: int) -> GeneratedTrigger:
        r = self.rng.random()
        if r < 0.30 or not self.visitors:
            return self._web(epoch, self._new_visitor(epoch), "land")
        if r < 0.62:
            return self._web(epoch, self.pick(self.visitors), "page")
        if r < 0.82:
            return self._call(epoch, "call")
        if r < 0.84:
            return self._call(epoch, "callUser")
        if r < 0.85:
            return self._call(epoch, "callRate")
        if r < 0.86:
            return self._call(epoch, "callBlegStart")
        if r < 0.92:
            return self._web(epoch, self.pick(self.visitors), "goal")
        if r < 0.95:
            return self._web(epoch, self.pick(self.visitors), "trans")
        return self._web(epoch, self.pick(self.visitors), "page")

    def _new_visitor(self, epoch: int) -> _Visitor:
        rng = self.rng
        ch = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        chtype = ch[3]
        vid = _uuid(rng)
        keyword = self.pick(KEYWORDS) if chtype in ("ppc", "seo") else ""
        campaign, ad_group = self.pick(CAMPAIGNS) if chtype in ("ppc", "display", "social") else ("", "")
        vref = "" if chtype == "direct" else self.pick(REFERRERS)
        geo = self.pick(GEOS)
        whois, domain = self.pick(ISPS)
        ip = f"{rng.randint(2, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        host = f"host{ip.replace('.', '-')}.{domain}" if domain else ""
        seg = self.pick(SEGMENTS)
        head = {
            "ch": ch[0],
            "src": ch[1],
            "vref": vref,
            "term": keyword if chtype == "seo" else "",
            "vid": vid,
            "pub": ch[1] if chtype in ("ppc", "display", "affiliate") else "",
            "srcHash": hashlib.md5(f"{ch[1]}|{campaign}|{keyword}".encode()).hexdigest(),
            "segment": seg[0],
            "segmentGroupId": seg[3],
        }
        marketing = {
            "dom": "www.example.co.uk",
            "ref": vref.split("/")[2] if vref else "",
            "network": "search" if chtype in ("ppc", "seo") else ("display" if chtype == "display" else ""),
            "matchRef": keyword,
            "matchType": self.pick(("e", "p", "b")) if chtype == "ppc" else "",
            "campaign": campaign,
            "adGroup": ad_group,
            "adRef": f"ad-{rng.randint(1000, 9999)}" if campaign else "",
            "keywordRef": f"kw-{rng.randint(10000, 99999)}" if chtype == "ppc" else "",
        }
        visitor = {
            "whois": whois,
            "ip": ip,
            "ua": self.pick(USER_AGENTS),
            "country": geo[0],
            "city": geo[1],
            "continent": geo[2],
            "res": self.pick(RESOLUTIONS),
            "lat": geo[6],
            "long": geo[7],
            "region": geo[3],
            "postcode": geo[4],
            "area": geo[5],
            "spider": "",
            "host": host,
            "visitorType": self.pick(("N", "R", "S")),
            "sfWhoRef": "",
            "visitorPageCount": "0",
            "visitorGoalCount": "0",
            "visitorCallCount": "0",
            "visitorFirstDatetime": fmt_utc(epoch),
            "landingPageId": str(rng.randint(1, 40)),
            "conversionPageId": "0",
        }
        custom: dict[str, str] = {}
        if self.inst.custom_fields:
            if rng.random() < 0.3:
                custom["pt_campaignSource"] = self.pick(CAMPAIGN_SOURCES)
            if rng.random() < 0.4:
                custom["c_gua_cid"] = f"{rng.randint(10**9, 10**10 - 1)}.{epoch}"
        org = str(self.pick(self.org_ids))
        v = _Visitor(
            vid,
            head,
            marketing,
            visitor,
            {"chName": ch[2], "chType": ch[3]},
            {"segmentName": seg[1], "segmentRef": seg[2], "orgId": org, "segmentGroupName": seg[4]},
            custom,
        )
        self.visitors.append(v)
        return v

    def _tail(self) -> dict[str, str]:
        rng = self.rng
        return {
            "notes": self.pick(self.notes) if rng.random() < 0.08 else "",
            "leadScore": self.pick(("0", "0", "100", "200", "300")),
        }

    def _web(self, epoch: int, v: _Visitor, act: str) -> GeneratedTrigger:
        rng = self.rng
        path, title = PAGES[0] if act == "land" and rng.random() < 0.4 else self.pick(PAGES)
        v.pages += act in ("land", "page")
        row: dict[str, Any] = {
            "rowId": self._row_id(),
            "triggerDatetime": fmt_utc(epoch),
            "igrp": self.igrp,
            "dgrp": "0",
            "ch": v.head["ch"],
            "src": v.head["src"],
            "act": act,
            "algo": "",
            "attr": "",
            "vref": v.head["vref"] if act == "land" else "https://www.example.co.uk/",
            "href": "https://www.example.co.uk" + path,
            "num": "",
            "term": v.head["term"],
            "vid": v.vid,
            "t": "",
            "goal": "0",
            "srcHash": v.head["srcHash"],
            "new": "1" if act == "land" and v.pages <= 1 else "0",
            "pageTitle": title,
            "pub": v.head["pub"],
            "segment": v.head["segment"],
            "segmentGroupId": v.head["segmentGroupId"],
        }
        if act in ("goal", "trans"):
            v.goals += 1
            txn = dict(TXN_BLANK)
            if act == "goal":
                row["goal"] = self.pick(ONLINE_GOALS)
                if rng.random() < 0.5:
                    txn["goalValue"] = f"{self.pick((10, 25, 50, 100))}.00"
                    txn["goalCurrency"] = "GBP"
            else:
                row["goal"] = ECOMMERCE_GOAL
                value = f"{rng.randint(199, 49999) / 100:.2f}"
                currency = self.pick(CURRENCIES)
                txn.update(
                    txr=f"ORD-{rng.randint(100000, 999999)}",
                    txv=value,
                    txc=currency,
                    goalValue=value,
                    goalCurrency=currency,
                )
            row.update(txn)
        row.update(v.marketing)
        row.update(CALL_BLANK)
        visitor = dict(v.visitor)
        visitor["visitorPageCount"] = str(v.pages)
        visitor["visitorGoalCount"] = str(v.goals)
        visitor["visitorCallCount"] = str(v.calls)
        row.update(visitor)
        row.update(v.channel)
        row.update(v.segment)
        row.update(self._tail())
        row.update(v.custom)
        return GeneratedTrigger(row, epoch, None)

    def _call(self, epoch: int, act: str) -> GeneratedTrigger:
        rng = self.rng
        k = rng.randrange(len(self.dgrp_blocks))
        dgrp = self.inst.dgrps[k]
        num = self.pick(self.dgrp_numbers[k])
        visitor = self.pick(self.visitors) if act == "call" and rng.random() < 0.6 else None
        if act == "callUser":
            channel = self.pick(PBX_CHANNELS)
        elif visitor is not None:
            channel = (
                visitor.head["ch"],
                visitor.head["src"],
                visitor.channel["chName"],
                visitor.channel["chType"],
            )
        else:
            channel = OFFLINE
        seg = self.pick(SEGMENTS)
        answered = rng.random() < 0.8
        ivr = self.pick((0, 0, 4, 12))
        queue = self.pick((0, 0, 2, 35)) if answered else 0
        talk = int(rng.expovariate(1 / 150)) + 1 if answered else 0
        duration = ivr + queue + talk if answered else 0
        goal = self.pick(CALL_GOALS) if act == "call" and answered and rng.random() < 0.25 else "0"
        self.txr += rng.randint(1, 7)
        row: dict[str, Any] = {
            "rowId": self._row_id(),
            "triggerDatetime": fmt_utc(epoch),
            "igrp": self.igrp,
            "dgrp": dgrp["dgrp"],
            "ch": channel[0],
            "src": channel[1],
            "act": act,
            "algo": "dni" if visitor else ("failsafe" if act in ("call", "callBlegStart") else ""),
            "attr": "",
            "vref": visitor.head["vref"] if visitor else "",
            "href": "https://www.example.co.uk/contact" if visitor else "",
            "num": num,
            "term": visitor.head["term"] if visitor else "",
            "vid": visitor.vid if visitor else "",
            "t": "",
            "goal": goal,
            "srcHash": visitor.head["srcHash"] if visitor else "",
            "new": "0",
            "pageTitle": "Contact Us | Example Ltd" if visitor else "",
            "pub": visitor.head["pub"] if visitor else "",
            "segment": seg[0],
            "segmentGroupId": seg[3],
        }
        txn = dict(TXN_BLANK)
        txn["txr"] = str(self.txr)
        txn["outcomeType"] = "V" if rng.random() < 0.06 else ("C" if act != "callUser" else "")
        if goal != "0":
            txn["goalValue"] = f"{self.pick((25, 50, 75))}.00"
            txn["goalCurrency"] = "GBP"
        if act == "callRate":
            txn["txc"] = "GBP"
        row.update(txn)
        caller = (
            "anonymous" if rng.random() < 0.03 else _phone(rng, self.pick(("07700", "0161", "0203", "0117")))
        )
        operator = self.pick(OPERATORS) if answered else ""
        if act == "callUser":
            src_number, direction = f"{rng.randint(200, 299)}", self.pick(("out", "internal"))
        else:
            src_number, direction = caller, "in"
        ring = rng.randint(2, 30)
        rec = "1" if answered and rng.random() < 0.5 else "0"
        call = dict(CALL_BLANK)
        call.update(
            dialledPhoneNumber=num,
            srcPhoneNumber=src_number,
            destPhoneNumber=(
                f"{operator}@pbx.example.co.uk" if operator and rng.random() < 0.3 else _phone(rng, "0203")
            ),
            callDuration=str(duration),
            bridgeDuration=str(talk),
            ringTime=str(ring),
            ivrDuration=str(ivr),
            queueDuration=str(queue),
            operatorRef=operator,
            ivrRef="main-menu" if ivr else "",
            dialplanRef="default",
            callRating=self.pick(("", "", "3", "5")) if act == "callRate" else "",
            callState=self.pick(CALL_STATES[:4]) if answered else self.pick(CALL_STATES[4:]),
            callDirection=direction,
            telcoCode="ict",
            numType="37",
            rec=rec,
            transcriptionConfidence=str(rng.randint(60, 98)) if rec == "1" else "0",
        )
        row.update(call)
        row["chName"], row["chType"] = channel[2], channel[3]
        row.update(self.dgrp_blocks[k])
        row.update(segmentName=seg[1], segmentRef=seg[2], orgId=dgrp["orgId"], segmentGroupName=seg[4])
        row["lands"] = 1 if visitor is not None and rng.random() < 0.5 else 0
        row.update(self._tail())
        if visitor is not None:
            visitor.calls += 1
            row.update(visitor.custom)
        itemised = self._itemise(row) if act == "call" else None
        return GeneratedTrigger(row, epoch, itemised)

    def _itemise(self, row: dict[str, Any]) -> dict[str, Any]:
        """The itemised-calls projection of a call trigger (doc 002 field set), with its charge."""
        per_minute = self.pick((0.02, 0.02, 0.035, 0.0))
        minutes = -(-int(row["callDuration"]) // 60)
        extra = {
            "callCharge": f"{per_minute * minutes:.6f}",
            "chargeCurrencyCode": "GBP" if per_minute and self.rng.random() < 0.3 else "",
            "perMinuteCharge": f"{per_minute:.6f}",
        }
        return {f: extra[f] if f in extra else row[f] for f in schema.ITEMISED_FIELDS}
