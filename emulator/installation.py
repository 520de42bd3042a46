"""One installation's configuration (organisation tree, dgrps, numbers) and its generation."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .pools import AREA_CODES, CHANNELS, CUSTOM_FIELDS, DGRP_NAMES, ORG_NAMES, START_EPOCH, phone
from .timefmt import fmt_utc

#: Table name -> the field that keys its rows (delete_rows() matches keys on it, as text).
TABLE_KEYS = {"organisations": "orgId", "dgrps": "dgrp", "numbers": "phoneNumber"}


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
        self._lock = threading.Lock()
        self.subtrees = self._subtrees(self.orgs)

    @staticmethod
    def _subtrees(orgs: list[dict[str, Any]]) -> dict[int, frozenset[int]]:
        children: dict[int, list[int]] = {}
        for org in orgs:
            children.setdefault(org.get("parentOrgId", 0), []).append(org["orgId"])
        subtrees = {}
        for org in orgs:
            stack, seen = [org["orgId"]], set()
            while stack:
                oid = stack.pop()
                seen.add(oid)
                stack.extend(children.get(oid, ()))
            subtrees[org["orgId"]] = frozenset(seen)
        return subtrees

    def org_subtree(self, root: int) -> frozenset[int]:
        """The organisation and all its descendants; empty when it is not in this installation."""
        return self.subtrees.get(root, frozenset())

    def table(self, name: str) -> list[dict[str, Any]]:
        if name not in TABLE_KEYS:
            raise ValueError(f"unknown table {name!r}; known: {sorted(TABLE_KEYS)}")
        return {"organisations": self.orgs, "dgrps": self.dgrps, "numbers": self.numbers}[name]

    def delete_rows(
        self, name: str, match: Iterable[Any] | Callable[[dict[str, Any]], bool]
    ) -> list[dict[str, Any]]:
        """Remove rows of table `name` (keys compared as text, or a predicate on the row) and
        return them. A dgrp goes with its numbers; an organisation with its whole subtree.
        Tables are replaced, never edited in place, so a request in flight sees one version."""
        with self._lock:
            rows = self.table(name)
            if callable(match):
                doomed = [r for r in rows if match(dict(r))]
            else:
                keys = {str(k) for k in match}
                doomed = [r for r in rows if str(r.get(TABLE_KEYS[name])) in keys]
            if name == "organisations":
                gone = set().union(*(self.subtrees.get(r["orgId"], {r["orgId"]}) for r in doomed))
                doomed = [r for r in rows if r["orgId"] in gone]
            ids = {id(r) for r in doomed}
            kept = [r for r in rows if id(r) not in ids]
            if name == "organisations":
                self.orgs = kept
                self.subtrees = self._subtrees(kept)
            elif name == "dgrps":
                dead = {r["dgrp"] for r in doomed}
                self.numbers = [n for n in self.numbers if n["dgrp"] not in dead]
                self.dgrps = kept
            else:
                self.numbers = kept
            return [dict(r) for r in doomed]


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
            "autoDiscoveryNumber": phone(rng, rng.choice(AREA_CODES)) if rng.random() < 0.5 else "",
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
                    "phoneNumber": phone(rng, rng.choice(AREA_CODES)),
                    "usageType": "fixed" if j == 0 else "pool",
                    "ch": ch,
                    "numType": rng.choice(("37", "37", "1")),
                    "telcoCode": "ict",
                }
            )
    custom = CUSTOM_FIELDS if igrp % 2 == 1 else ()
    return Installation(igrp, orgs, dgrps, numbers, custom)
