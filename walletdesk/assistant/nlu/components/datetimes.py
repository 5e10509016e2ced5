"""Dates and times, resolved against the moment the message was sent, in the operator's zone.

Covers what customers write about past transactions: 昨天晚上8点, 前天, 3天前, 半小时前,
上周五, 5月3日, 2024-05-03, 下午3:20, "yesterday", "last Friday", "2 hours ago", "May 3",
"at 8pm". A weekday alone means the most recent one (people report what already happened), and a
time of day later than now without a day means yesterday.

The value is an ISO-8601 datetime with offset; `normalized` also carries the grain
("minute", "hour", "day", "week", "month") so a flow can search a window, not an instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from walletdesk.assistant.contracts import Entity
from walletdesk.assistant.nlu.components.base import Component, Message, register
from walletdesk.assistant.nlu.text import ZH_NUMERAL_CHARS, parse_zh_integer

_N = rf"(?:\d+|[{ZH_NUMERAL_CHARS}]+)"
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_EN_WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
_EN_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for name in names
}
_ZH_DAY_OFFSETS = {
    "今天": 0,
    "今日": 0,
    "今早": 0,
    "今晚": 0,
    "今儿": 0,
    "昨天": -1,
    "昨日": -1,
    "昨晚": -1,
    "昨儿": -1,
    "前天": -2,
    "大前天": -3,
    "明天": 1,
    "后天": 2,
}
_EN_DAY_OFFSETS = {
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "yesterday": -1,
    "last night": -1,
    "the day before yesterday": -2,
    "tomorrow": 1,
}
_ZH_PERIODS = {
    "凌晨": 3,
    "早上": 8,
    "早晨": 8,
    "上午": 10,
    "中午": 12,
    "下午": 15,
    "傍晚": 18,
    "晚上": 20,
    "夜里": 22,
    "半夜": 0,
    "今早": 8,
    "今晚": 20,
    "昨晚": 20,
}
_ZH_UNITS = {
    "分钟": "minutes",
    "分": "minutes",
    "小时": "hours",
    "个小时": "hours",
    "钟头": "hours",
    "个钟头": "hours",
    "天": "days",
    "日": "days",
    "周": "weeks",
    "个星期": "weeks",
    "星期": "weeks",
    "礼拜": "weeks",
    "个礼拜": "weeks",
    "个月": "months",
    "月": "months",
}
_EN_UNITS = {"minute": "minutes", "min": "minutes", "hour": "hours", "hr": "hours",
             "day": "days", "week": "weeks", "month": "months"}  # fmt: skip

_ZH_DAY_RE = re.compile("大前天|前天|昨天|昨日|昨晚|昨儿|今天|今日|今早|今晚|今儿|明天|后天")
_ZH_AGO_RE = re.compile(
    rf"(?P<n>{_N}|半|几)(?P<unit>个小时|小时|个钟头|钟头|分钟|天|个星期|星期|个礼拜|礼拜|周|个月)(?:以前|之前|前)"
)
_ZH_WEEK_RE = re.compile(
    r"(?P<which>上上|上个?|这个?|本)?(?:周|星期|礼拜)(?P<d>[一二三四五六日天1-7])"
)
_ZH_REL_PERIOD_RE = re.compile(
    r"(?P<which>上个?|这个?|本)(?P<unit>月|周|星期|礼拜)(?![一二三四五六日天1-7])"
)
_ZH_DATE_RE = re.compile(
    r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月"
    r"(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})[日号]"
)
_ISO_DATE_RE = re.compile(r"(?<!\d)(?P<y>20\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)")
_ZH_TIME_RE = re.compile(
    r"(?P<period>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|半夜)?"
    rf"(?P<h>\d{{1,2}}|[{ZH_NUMERAL_CHARS}]{{1,3}})[点:：时](?:(?P<half>半)|(?P<quarter>一刻)|"
    rf"(?P<min>\d{{1,2}}|[{ZH_NUMERAL_CHARS}]{{1,3}})分?)?"
)
_CLOCK_RE = re.compile(r"(?<![\d.:])(?P<h>\d{1,2}):(?P<min>\d{2})(?:\s?(?P<ampm>am|pm))?(?![\d:])")
_EN_TIME_RE = re.compile(r"(?<![\d.:$])(?:at\s)?(?P<h>\d{1,2})\s?(?P<ampm>am|pm|a\.m\.|p\.m\.)")
_ZH_PERIOD_ONLY_RE = re.compile(r"凌晨|早上|上午|中午|下午|傍晚|晚上|半夜")
_EN_DAY_RE = re.compile(
    r"\b(the day before yesterday|yesterday|today|tonight|tomorrow|last night|this morning|"
    r"this afternoon|this evening)\b"
)
_EN_AGO_RE = re.compile(
    r"\b(?P<n>\d+|an?|one|two|three|four|five|six|seven|a few|few|couple of|a couple of)\s"
    r"(?P<unit>minute|min|hour|hr|day|week|month)s?\s(?:ago|back|before)\b"
)
_EN_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                    "six": 6, "seven": 7, "few": 3, "a few": 3, "couple of": 2,
                    "a couple of": 2}  # fmt: skip
_EN_WEEK_RE = re.compile(
    r"\b(?:(?P<which>last|this|past|on)\s)?(?P<d>monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|mon|tues|tue|wed|thurs|thu|fri|sat|sun)\b"
)
_EN_REL_PERIOD_RE = re.compile(r"\b(?P<which>last|this)\s(?P<unit>week|month)\b")
_EN_DATE_RE = re.compile(
    r"\b(?:(?P<m1>january|february|march|april|may|june|july|august|september|october|"
    r"november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?\s(?P<d1>\d{1,2})"
    r"(?:st|nd|rd|th)?|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s(?:of\s)?(?P<m2>january|february|march|"
    r"april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|"
    r"aug|sept|sep|oct|nov|dec))\b"
)


def _number(raw: str) -> int | None:
    if raw.isdigit():
        return int(raw)
    if raw == "半":
        return None
    if raw == "几":
        return 3
    return parse_zh_integer(raw)


@dataclass
class _Match:
    start: int
    end: int
    day: date | None = None
    moment: datetime | None = None
    clock: tuple[int, int] | None = None
    grain: str = "day"
    kind: str = "date"  # date | time | instant


def _most_recent_weekday(today: date, weekday: int) -> date:
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def _hour_for_period(hour: int, period: str | None) -> int:
    if period in ("下午", "傍晚", "晚上", "夜里", "pm") and hour < 12:
        return hour + 12
    if period == "中午" and hour < 6:
        return hour + 12
    if period in ("半夜", "凌晨", "am") and hour == 12:
        return 0
    return hour


def _shift_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, 1)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


class _Finder:
    def __init__(self, text: str, now: datetime) -> None:
        self.text = text
        self.now = now
        self.today = now.date()
        self.matches: list[_Match] = []

    def add(self, match: _Match) -> None:
        for other in self.matches:
            if match.start < other.end and other.start < match.end:
                return
        self.matches.append(match)

    def past_date(self, month: int, day: int, year: int | None) -> date | None:
        if year is not None:
            return _safe_date(year, month, day)
        candidate = _safe_date(self.today.year, month, day)
        if candidate is not None and candidate > self.today:
            candidate = _safe_date(self.today.year - 1, month, day)
        return candidate

    def find_instants(self) -> None:
        for m in _ZH_AGO_RE.finditer(self.text):
            unit = _ZH_UNITS[m.group("unit")]
            amount: float = 0.5 if m.group("n") == "半" else float(_number(m.group("n")) or 0)
            self.add(self._ago(m.start(), m.end(), amount, unit))
        for m in _EN_AGO_RE.finditer(self.text):
            raw = m.group("n")
            amount = float(raw) if raw.isdigit() else float(_EN_WORD_NUMBERS.get(raw, 1))
            self.add(self._ago(m.start(), m.end(), amount, _EN_UNITS[m.group("unit")]))

    def _ago(self, start: int, end: int, amount: float, unit: str) -> _Match:
        if unit == "months":
            day = _shift_months(self.today, -int(amount))
            return _Match(start, end, day=day, grain="month")
        delta = timedelta(**{unit: amount})
        moment = self.now - delta
        grain = {"minutes": "minute", "hours": "hour", "days": "day", "weeks": "week"}[unit]
        if grain in ("day", "week"):
            return _Match(start, end, day=moment.date(), grain=grain)
        return _Match(start, end, moment=moment, grain=grain, kind="instant")

    def find_dates(self) -> None:
        for m in _ZH_DAY_RE.finditer(self.text):
            day = self.today + timedelta(days=_ZH_DAY_OFFSETS[m.group(0)])
            self.add(_Match(m.start(), m.end(), day=day))
        for m in _EN_DAY_RE.finditer(self.text):
            day = self.today + timedelta(days=_EN_DAY_OFFSETS[m.group(1)])
            self.add(_Match(m.start(), m.end(), day=day))
        for m in _ISO_DATE_RE.finditer(self.text):
            found = _safe_date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
            if found:
                self.add(_Match(m.start(), m.end(), day=found))
        for m in _ZH_DATE_RE.finditer(self.text):
            month, day_n = _number(m.group("m")), _number(m.group("d"))
            year = int(m.group("y")) if m.group("y") else None
            if month and day_n and (found := self.past_date(month, day_n, year)):
                self.add(_Match(m.start(), m.end(), day=found))
        for m in _EN_DATE_RE.finditer(self.text):
            month = _EN_MONTHS[m.group("m1") or m.group("m2")]
            day_n = int(m.group("d1") or m.group("d2"))
            if found := self.past_date(month, day_n, None):
                self.add(_Match(m.start(), m.end(), day=found))
        self._find_weeks()

    def _find_weeks(self) -> None:
        for m in _ZH_WEEK_RE.finditer(self.text):
            raw = m.group("d")
            weekday = int(raw) - 1 if raw.isdigit() else _ZH_WEEKDAYS[raw]
            self.add(_Match(m.start(), m.end(), day=self._weekday(weekday, m.group("which"))))
        for m in _EN_WEEK_RE.finditer(self.text):
            if m.group("d") in ("sat", "sun", "mon", "wed") and not m.group("which"):
                continue  # too ambiguous alone ("sun", "wed" are words too)
            which = "last" if m.group("which") in ("last", "past") else m.group("which")
            self.add(
                _Match(m.start(), m.end(), day=self._weekday(_EN_WEEKDAYS[m.group("d")], which))
            )
        for m in _ZH_REL_PERIOD_RE.finditer(self.text):
            unit = "month" if m.group("unit") == "月" else "week"
            self.add(self._period(m.start(), m.end(), m.group("which").startswith("上"), unit))
        for m in _EN_REL_PERIOD_RE.finditer(self.text):
            self.add(self._period(m.start(), m.end(), m.group("which") == "last", m.group("unit")))

    def _weekday(self, weekday: int, which: str | None) -> date:
        monday = self.today - timedelta(days=self.today.weekday())
        if which in ("上", "上个"):
            return monday - timedelta(days=7) + timedelta(days=weekday)
        if which == "上上":
            return monday - timedelta(days=14) + timedelta(days=weekday)
        if which in ("这", "这个", "本", "this"):
            return monday + timedelta(days=weekday)
        if which == "last":
            recent = _most_recent_weekday(self.today, weekday)
            return recent - timedelta(days=7) if recent == self.today else recent
        return _most_recent_weekday(self.today, weekday)

    def _period(self, start: int, end: int, previous: bool, unit: str) -> _Match:
        if unit == "month":
            first = _shift_months(self.today, -1 if previous else 0)
            return _Match(start, end, day=first, grain="month")
        monday = self.today - timedelta(days=self.today.weekday())
        return _Match(start, end, day=monday - timedelta(days=7 if previous else 0), grain="week")

    def find_times(self) -> None:
        for m in _ZH_TIME_RE.finditer(self.text):
            hour = _number(m.group("h"))
            if hour is None or hour > 24:
                continue
            minute = 30 if m.group("half") else 15 if m.group("quarter") else 0
            if m.group("min"):
                minute = _number(m.group("min")) or 0
            hour = _hour_for_period(hour, m.group("period"))
            if minute < 60:
                self._add_time(m.start(), m.end(), hour % 24, minute)
        for m in _CLOCK_RE.finditer(self.text):
            hour, minute = int(m.group("h")), int(m.group("min"))
            hour = _hour_for_period(hour, m.group("ampm"))
            if hour < 24 and minute < 60:
                self._add_time(m.start(), m.end(), hour, minute)
        for m in _EN_TIME_RE.finditer(self.text):
            hour = int(m.group("h"))
            if 1 <= hour <= 12:
                ampm = m.group("ampm").replace(".", "")
                self._add_time(m.start(), m.end(), _hour_for_period(hour, ampm), 0)

    def _add_time(self, start: int, end: int, hour: int, minute: int) -> None:
        self.add(_Match(start, end, clock=(hour, minute), grain="minute", kind="time"))

    def combine(self, zone: ZoneInfo) -> list[tuple[int, int, datetime, str]]:
        results: list[tuple[int, int, datetime, str]] = []
        ordered = sorted(self.matches, key=lambda match: match.start)
        used: set[int] = set()
        for i, match in enumerate(ordered):
            if i in used:
                continue
            if match.kind == "instant" and match.moment is not None:
                results.append((match.start, match.end, match.moment, match.grain))
                continue
            if match.kind == "date" and match.day is not None:
                nxt = ordered[i + 1] if i + 1 < len(ordered) else None
                gap = self.text[match.end : nxt.start] if nxt else ""
                if nxt and nxt.kind == "time" and nxt.clock and len(gap.strip(" 的,at")) == 0:
                    used.add(i + 1)
                    clock = nxt.clock
                    if self.text[match.start : match.end] in ("昨晚", "今晚", "last night"):
                        clock = (_hour_for_period(clock[0], "晚上"), clock[1])
                    moment = datetime.combine(match.day, time(*clock), tzinfo=zone)
                    results.append((match.start, nxt.end, moment, "minute"))
                else:
                    moment = datetime.combine(match.day, time(0, 0), tzinfo=zone)
                    results.append((match.start, match.end, moment, match.grain))
                continue
            if match.kind == "time" and match.clock is not None:
                moment = datetime.combine(self.today, time(*match.clock), tzinfo=zone)
                if moment > self.now + timedelta(hours=1):
                    moment -= timedelta(days=1)
                results.append((match.start, match.end, moment, "minute"))
        return results


@register
class DateTimeExtractor(Component):
    name = "datetime_extractor"
    requires = ("normalized_text",)
    provides = ("entities",)

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {"time_zone": "Asia/Shanghai"}

    def process(self, message: Message) -> None:
        message.entities.extend(self.extract(message.working_text, message.now))

    def extract(self, text: str, now: datetime) -> list[Entity]:
        zone = ZoneInfo(str(self.config["time_zone"]))
        local_now = now.astimezone(zone)
        finder = _Finder(text, local_now)
        finder.find_instants()
        finder.find_dates()
        finder.find_times()
        entities = []
        for start, end, moment, grain in finder.combine(zone):
            value = moment.replace(microsecond=0, second=0).isoformat()
            entities.append(
                Entity(
                    type="datetime",
                    value=value,
                    text=text[start:end],
                    start=start,
                    end=end,
                    normalized={"start": value, "grain": grain},
                    confidence=0.9,
                    extractor=self.name,
                )
            )
        return entities
