"""Deterministic, realistic triggers for one installation (igrp).

Triggers are produced by a small visitor simulation (lands, pages, goals, transactions, calls
matched to visitors, offline and PBX calls) so rows relate to each other the way real ones do.
To generate hundreds of thousands of ~100-field rows quickly, per-visitor and per-dgrp blocks
are built once and merged into each row; only a handful of values are drawn per trigger.

Returning visits: a page view of a known visitor is, now and then, a new land from another
channel; the visitor's later triggers (and calls matched to it) carry that channel, while its
first land keeps the one it arrived by, so first- and last-touch attribution differ. Those
choices come from a second generator, so the rest of the data is what it would be without them.
"""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from . import schema
from .installation import Installation
from .pools import (
    CALL_BLANK,
    CALL_GOALS,
    CALL_STATES,
    CURRENCIES,
    ECOMMERCE_GOAL,
    FIRST_ROW_ID,
    NOTE_TEXTS,
    OFFLINE,
    ONLINE_GOALS,
    OPERATORS,
    PAGES,
    PBX_CHANNELS,
    SEGMENTS,
    SPAN_SECONDS,
    START_EPOCH,
    TXN_BLANK,
    phone,
)
from .timefmt import fmt_utc
from .visitors import REVISIT_RATE, Visitor, VisitorSource


@dataclass
class GeneratedTrigger:
    """A trigger in API string form plus what the store indexes about it."""

    row: dict[str, Any]
    epoch: int
    itemised: dict[str, Any] | None
    #: The exact lines it is served as, when not its compact JSON (the documents' examples).
    served: bytes | None = None
    served_itemised: bytes | None = None


class TriggerGenerator(VisitorSource):
    """Produces triggers for one installation; keeps its state so appends continue the series."""

    def __init__(self, inst: Installation, seed: int, expected: int) -> None:
        self.inst = inst
        self.rng = random.Random(f"{seed}:{inst.igrp}:triggers")
        self._random = self.rng.random
        #: Returning visits only (see the module docstring): the main sequence stays as it was.
        self.revisits = random.Random(f"{seed}:{inst.igrp}:revisits")
        self.next_row_id = FIRST_ROW_ID + self.rng.randrange(0, 1000)
        self.clock = float(START_EPOCH)
        self.gap = max(1.0, SPAN_SECONDS / max(expected, 1))
        self.min_epoch = START_EPOCH
        self.txr = self.rng.randrange(2000, 9000)
        self.visitors: deque[Visitor] = deque(maxlen=400)
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

    def _tail(self) -> dict[str, str]:
        rng = self.rng
        return {
            "notes": self.pick(self.notes) if rng.random() < 0.08 else "",
            "leadScore": self.pick(("0", "0", "100", "200", "300")),
        }

    def _web(self, epoch: int, v: Visitor, act: str) -> GeneratedTrigger:
        rng = self.rng
        path, title = PAGES[0] if act == "land" and rng.random() < 0.4 else self.pick(PAGES)
        if act == "page" and self.revisits.random() < REVISIT_RATE:
            self._revisit(v)
            act = "land"
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
            "anonymous" if rng.random() < 0.03 else phone(rng, self.pick(("07700", "0161", "0203", "0117")))
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
                f"{operator}@pbx.example.co.uk" if operator and rng.random() < 0.3 else phone(rng, "0203")
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
