"""Chronicall report templates: the PBX roster, additive call totals and how each template's
columns and summary items derive from them (the model that serves them is chronicall.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

AGENT_GROUPS: dict[str, str] = {
    "Agent1(200)": "Sales(700)",
    "Agent2(201)": "Sales(700)",
    "Agent3(202)": "Sales(700)",
    "Agent4(203)": "Support(701)",
    "Agent5(204)": "Support(701)",
    "Supervisor(300)": "Support(701)",
}
"""The PBX roster: every agent (``Name(extension)``, as in the doc) and its hunt group."""
AGENTS: tuple[str, ...] = tuple(AGENT_GROUPS)
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(AGENT_GROUPS.values()))

AGENT_TALKING_SUMMARY_KEY = "0b9f4a3e-5c1d-4e8f-a7b2-6d3c9e1f0a48"
GROUP_SUMMARY_KEY = "7d2e6c1a-9f4b-4a3d-b8e5-1c0f2a9d3b52"

DATA_START = date(2024, 1, 1)
DATA_END = date(2027, 12, 31)

FORBIDDEN_MESSAGE = (
    "The authenticated user doesn't have Chronicall access to view data for one or more "
    "of the requested agents or groups."
)

Number = int | float


def format_duration(ms: int) -> str:
    """Chronicall's DURATION rendering: milliseconds as H:MM:SS, fraction truncated."""
    seconds = ms // 1000
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Event(NamedTuple):
    """One call: start second (UTC epoch), direction, talking time, wait (inbound only)."""

    ts: int
    direction: str
    talking_ms: int
    wait_ms: int

    @property
    def ended(self) -> int:
        """When the call ended (UTC epoch): the server reports a call once it has ended."""
        return self.ts + (self.wait_ms + self.talking_ms + 999) // 1000


#: No generated call lasts longer (seconds): a day older than this plus a day is complete.
LONGEST_CALL = 3600


@dataclass(slots=True)
class Totals:
    """Additive counters of a set of calls, enough to derive every column of every template."""

    inbound: int = 0
    outbound: int = 0
    internal: int = 0
    talked: int = 0
    talking_ms: int = 0
    inbound_answered: int = 0
    inbound_talking_ms: int = 0
    answer_wait_ms: int = 0
    max_wait_ms: int = 0

    @classmethod
    def of_events(cls, events: Iterable[Event]) -> Totals:
        total = cls()
        for event in events:
            total.add(event)
        return total

    @classmethod
    def of_parts(cls, parts: Iterable[Totals]) -> Totals:
        total = cls()
        for part in parts:
            total.merge(part)
        return total

    def add(self, event: Event) -> None:
        if event.direction == "inbound":
            self.inbound += 1
            self.max_wait_ms = max(self.max_wait_ms, event.wait_ms)
            if event.talking_ms:
                self.inbound_answered += 1
                self.inbound_talking_ms += event.talking_ms
                self.answer_wait_ms += event.wait_ms
        elif event.direction == "outbound":
            self.outbound += 1
        else:
            self.internal += 1
        if event.talking_ms:
            self.talked += 1
            self.talking_ms += event.talking_ms

    def merge(self, other: Totals) -> None:
        self.inbound += other.inbound
        self.outbound += other.outbound
        self.internal += other.internal
        self.talked += other.talked
        self.talking_ms += other.talking_ms
        self.inbound_answered += other.inbound_answered
        self.inbound_talking_ms += other.inbound_talking_ms
        self.answer_wait_ms += other.answer_wait_ms
        self.max_wait_ms = max(self.max_wait_ms, other.max_wait_ms)

    @property
    def calls(self) -> int:
        return self.inbound + self.outbound + self.internal

    @property
    def avg_talking_ms(self) -> int:
        return self.talking_ms // self.talked if self.talked else 0

    @property
    def abandoned(self) -> int:
        return self.inbound - self.inbound_answered

    @property
    def avg_answer_s(self) -> float:
        return self.answer_wait_ms / self.inbound_answered / 1000 if self.inbound_answered else 0.0


SummaryItem = tuple[str, Number, str]
"""(title, value, format that renders formattedValue)."""


@dataclass(frozen=True)
class Template:
    """A report template: its row parameter, its columns and how they derive from totals."""

    row_title: str
    value_type: str
    list_field: str
    row_key: Callable[[str], str]
    columns: tuple[tuple[str, str], ...]
    cells: Callable[[Totals], tuple[Number, ...]]
    has_data: Callable[[Totals], bool]
    summary: Callable[[list[Totals]], list[SummaryItem]]


def _agent_talking_summary(rows: list[Totals]) -> list[SummaryItem]:
    t = Totals.of_parts(rows)
    return [
        ("Agents", len(rows), "NUMBER"),
        ("Total Inbound Calls", t.inbound, "NUMBER"),
        ("Total Outbound Calls", t.outbound, "NUMBER"),
        ("Total Internal Calls", t.internal, "NUMBER"),
        ("Total Calls", t.calls, "NUMBER"),
        ("Avg Total Calls", t.calls / len(rows) if rows else 0.0, "NUMBER"),
        ("Total Talking", t.talking_ms, "DURATION"),
        ("Avg Talking", t.avg_talking_ms, "DURATION"),
    ]


def _group_summary(rows: list[Totals]) -> list[SummaryItem]:
    t = Totals.of_parts(rows)
    return [
        ("Groups", len(rows), "NUMBER"),
        ("Total Calls Presented", t.inbound, "NUMBER"),
        ("Total Calls Answered", t.inbound_answered, "NUMBER"),
        ("Total Calls Abandoned", t.abandoned, "NUMBER"),
        ("Avg. Speed of Answer (s)", t.avg_answer_s, "NUMBER"),
        ("Total Talking", t.inbound_talking_ms, "DURATION"),
        ("Max Wait", t.max_wait_ms, "DURATION"),
    ]


TEMPLATES: dict[str, Template] = {
    "agent_talking_summary": Template(
        row_title="Agent",
        value_type="PBX_USERS",
        list_field="pbxUsers",
        row_key=lambda agent: agent,
        columns=(
            ("Inbound Calls", "NUMBER"),
            ("Outbound Calls", "NUMBER"),
            ("Internal Calls", "NUMBER"),
            ("Total Calls", "NUMBER"),
            ("Total Talking", "DURATION"),
            ("Avg Talking", "DURATION"),
        ),
        cells=lambda t: (
            t.inbound,
            t.outbound,
            t.internal,
            t.calls,
            t.talking_ms,
            t.avg_talking_ms,
        ),
        has_data=lambda t: t.calls > 0,
        summary=_agent_talking_summary,
    ),
    "group_summary": Template(
        row_title="Group",
        value_type="PBX_GROUPS",
        list_field="pbxGroups",
        row_key=AGENT_GROUPS.__getitem__,
        columns=(
            ("Calls Presented", "NUMBER"),
            ("Calls Answered", "NUMBER"),
            ("Calls Abandoned", "NUMBER"),
            ("Avg. Speed of Answer (s)", "NUMBER"),
            ("Total Talking", "DURATION"),
            ("Max Wait", "DURATION"),
        ),
        cells=lambda t: (
            t.inbound,
            t.inbound_answered,
            t.abandoned,
            t.avg_answer_s,
            t.inbound_talking_ms,
            t.max_wait_ms,
        ),
        has_data=lambda t: t.inbound > 0,
        summary=_group_summary,
    ),
}


@dataclass(frozen=True)
class ChronicallReport:
    """An API-enabled report profile: its UUID key, template, and what its service user sees.

    ``template`` is "agent_talking_summary" or "group_summary"; ``visible`` holds the agent
    (or group) keys the profile's service user has Chronicall access to.
    """

    key: str
    report_id: int
    title: str
    template: str
    visible: frozenset[str]
    skin: str = "Avaya Default"

    def __post_init__(self) -> None:
        if self.template not in TEMPLATES:
            raise ValueError(f"unknown template {self.template!r}, not in {sorted(TEMPLATES)}")

    @property
    def columns(self) -> list[tuple[str, str]]:
        """(title, format) of each column, in key order "0", "1", ..."""
        template = TEMPLATES[self.template]
        return [(template.row_title, "STRING"), *template.columns]


DEFAULT_REPORTS: tuple[ChronicallReport, ...] = (
    # This profile's service user may not view the supervisor: naming it is 403.
    ChronicallReport(
        key=AGENT_TALKING_SUMMARY_KEY,
        report_id=48,
        title="Agent Talking Summary",
        template="agent_talking_summary",
        visible=frozenset(AGENTS) - {"Supervisor(300)"},
    ),
    ChronicallReport(
        key=GROUP_SUMMARY_KEY,
        report_id=52,
        title="Group Summary",
        template="group_summary",
        visible=frozenset(GROUPS),
    ),
)


def cell(value: str | Number, fmt: str) -> dict[str, Any]:
    """A row cell: STRING has only a value; NUMBER and DURATION add formattedValue."""
    if isinstance(value, str):
        return {"value": value}
    if fmt == "DURATION":
        return {"value": value, "formattedValue": format_duration(int(value))}
    if isinstance(value, float):
        value = round(value, 2)
        return {"value": value, "formattedValue": repr(value)}
    return {"value": value, "formattedValue": str(value)}
