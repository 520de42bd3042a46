"""Visitors of the trigger simulation: who lands, from which channel, and their returning visits.

`VisitorSource` is a mixin of datagen.TriggerGenerator: it draws with the generator's main
random sequence (`rng`, `pick`) for new visitors and with its own `revisits` sequence for
returning visits, so adding returning visits left the rest of the data as it was.
"""

from __future__ import annotations

import hashlib
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .installation import Installation
from .pools import (
    CAMPAIGN_SOURCES,
    CAMPAIGNS,
    CHANNEL_WEIGHTS,
    CHANNELS,
    GEOS,
    ISPS,
    KEYWORDS,
    REFERRERS,
    RESOLUTIONS,
    SEGMENTS,
    USER_AGENTS,
    uuid_like,
)
from .timefmt import fmt_utc

#: Share of a known visitor's page views that are instead a returning land from another channel.
REVISIT_RATE = 0.12


@dataclass
class Visitor:
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


class VisitorSource:
    """New visitors and returning visits, for TriggerGenerator."""

    inst: Installation
    rng: random.Random
    revisits: random.Random
    visitors: deque[Visitor]
    org_ids: list[int]

    def pick(self, seq: Sequence[Any]) -> Any:
        raise NotImplementedError

    def _new_visitor(self, epoch: int) -> Visitor:
        rng = self.rng
        ch = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        chtype = ch[3]
        vid = uuid_like(rng)
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
        v = Visitor(
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

    def _revisit(self, v: Visitor) -> None:
        """`v` comes back from another channel: its marketing source changes from now on."""
        rng = self.revisits
        ch = v.channel["chType"]
        while ch == v.channel["chType"]:
            choice = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
            ch = choice[3]
        keyword = rng.choice(KEYWORDS) if ch in ("ppc", "seo") else ""
        campaign, ad_group = rng.choice(CAMPAIGNS) if ch in ("ppc", "display", "social") else ("", "")
        vref = "" if ch == "direct" else rng.choice(REFERRERS)
        v.head.update(
            ch=choice[0],
            src=choice[1],
            vref=vref,
            term=keyword if ch == "seo" else "",
            pub=choice[1] if ch in ("ppc", "display", "affiliate") else "",
            srcHash=hashlib.md5(f"{choice[1]}|{campaign}|{keyword}".encode()).hexdigest(),
        )
        v.marketing.update(
            ref=vref.split("/")[2] if vref else "",
            network="search" if ch in ("ppc", "seo") else ("display" if ch == "display" else ""),
            matchRef=keyword,
            matchType=rng.choice(("e", "p", "b")) if ch == "ppc" else "",
            campaign=campaign,
            adGroup=ad_group,
            adRef=f"ad-{rng.randint(1000, 9999)}" if campaign else "",
            keywordRef=f"kw-{rng.randint(10000, 99999)}" if ch == "ppc" else "",
        )
        v.channel.update(chName=choice[2], chType=ch)
