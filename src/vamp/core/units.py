"""Units of Vamp's DSL: percentages, memory, CPU and time (vamp.md §1.2).

Each unit is a small immutable value with a ``parse`` that accepts every spelling Vamp accepts (and,
for percentages, the bare numbers Vamp users wrote anyway) and a canonical ``str``. Parsing raises
``UnitError`` with a sentence that says what would be valid; the DSL reader turns it into an issue at
the right path. The values also validate and serialise themselves inside pydantic models.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any, ClassVar, Self

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema


class UnitError(ValueError):
    """A unit value cannot be read; the message says what is valid."""


_TWO_PLACES = Decimal("0.01")


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _hundredths(value: Decimal, refusal: str) -> int:
    """``value`` in hundredths, rounded half up; a number too large to keep two decimals is refused.

    Up to 80 digits are kept, so that a huge value reaches the server's scale limits, whose message says
    the limit, rather than being refused here.
    """
    try:
        with localcontext(prec=80):
            return int(value.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP) * 100)
    except InvalidOperation as exc:
        raise UnitError(f"{refusal}: the number is far too large.") from exc


class _Unit:
    """Shared plumbing: ordering, hashing and pydantic integration over one integer ``_key``."""

    __slots__ = ()
    _key_name: ClassVar[str]

    @property
    def _key(self) -> int:
        return int(getattr(self, self._key_name))

    @classmethod
    def parse(cls, value: object) -> Self:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Unit) and type(other) is type(self) and other._key == self._key

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key))

    def __lt__(self, other: Self) -> bool:
        return self._key < other._key

    def __le__(self, other: Self) -> bool:
        return self._key <= other._key

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: object) -> _Unit:
            if isinstance(value, cls):
                return value
            try:
                return cls.parse(value)
            except UnitError as exc:
                raise ValueError(str(exc)) from exc

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )


class Percentage(_Unit):
    """A percentage with two decimals, 0–100, kept as hundredths of a percent (``50%`` is 5000).

    Accepts ``50%``, ``50``, ``0.5%``, ``12.25 %`` and numbers; prints ``50%``, ``0.5%``, ``12.25%``.
    """

    __slots__ = ("hundredths",)
    _key_name = "hundredths"
    FULL = 10_000

    def __init__(self, hundredths: int) -> None:
        if not 0 <= hundredths <= self.FULL:
            raise UnitError(f"A percentage must be between 0% and 100%, not {hundredths / 100}%.")
        self.hundredths = hundredths

    @classmethod
    def of(cls, percent: int | str | Decimal) -> Percentage:
        """A percentage from a whole or decimal number of percent (``Percentage.of(90)``)."""
        return cls.parse(percent)

    @classmethod
    def parse(cls, value: object) -> Self:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise UnitError(f"Expected a percentage such as '50%', '0.5%' or 50, not {value!r}.")
        text = str(value).strip()
        if text.endswith("%"):
            text = text[:-1].strip()
        number = _decimal(text)
        if number is None:
            raise UnitError(f"Expected a percentage such as '50%', '0.5%' or 50, not {value!r}.")
        if not 0 <= number <= 100:
            raise UnitError(f"A percentage must be between 0% and 100%, not {value!r}.")
        if number != number.quantize(_TWO_PLACES):
            raise UnitError(f"A percentage has at most two decimals (such as '12.25%'), not {value!r}.")
        return cls(int(number * 100))

    @property
    def percent(self) -> Decimal:
        return Decimal(self.hundredths) / 100

    @property
    def fraction(self) -> float:
        return self.hundredths / self.FULL

    def __str__(self) -> str:
        return percent_text(self.hundredths)


def percent_text(hundredths: int) -> str:
    """Hundredths of a percent as a user writes them: ``50%``, ``0.5%``, ``12.25%``; totals of weights,
    which may pass 100 %, too (``150%``)."""
    whole, rest = divmod(hundredths, 100)
    if rest == 0:
        return f"{whole}%"
    return f"{whole}.{rest:02d}".rstrip("0") + "%"


_MEMORY = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]+)\s*$")
# Vamp's factors to megabytes, as its UnitValue reader has them (vamp.md §1.2).
_MEMORY_FACTORS: dict[str, Decimal] = {
    "kb": Decimal("0.001"),
    "k": Decimal("0.001"),
    "mb": Decimal(1),
    "m": Decimal(1),
    "gb": Decimal(1000),
    "g": Decimal(1000),
    "ki": Decimal(1) / Decimal(1024),
    "mi": Decimal("1.024"),
    "gi": Decimal(1024),
}


class Memory(_Unit):
    """Memory in megabytes, two decimals (``512MB``, ``.5GB``, ``1024KB``, ``128Mi``); prints ``64.00MB``."""

    __slots__ = ("centimegabytes",)
    _key_name = "centimegabytes"

    def __init__(self, centimegabytes: int) -> None:
        if centimegabytes < 0:
            raise UnitError("Memory cannot be negative.")
        self.centimegabytes = centimegabytes

    @classmethod
    def parse(cls, value: object) -> Self:
        hint = "Expected memory such as '512MB', '0.5GB', '1024KB' or '128Mi'"
        if not isinstance(value, str):
            raise UnitError(f"{hint}, not {value!r} (a plain number has no unit).")
        match = _MEMORY.match(value)
        if not match:
            raise UnitError(f"{hint}, not {value!r}.")
        factor = _MEMORY_FACTORS.get(match.group(2).lower())
        if factor is None:
            raise UnitError(f"{hint}, not {value!r}: unknown unit {match.group(2)!r}.")
        megabytes = Decimal(match.group(1)) * factor
        return cls(_hundredths(megabytes, f"{hint}, not {value!r}"))

    @property
    def megabytes(self) -> Decimal:
        return Decimal(self.centimegabytes) / 100

    def __str__(self) -> str:
        return f"{self.megabytes:.2f}MB"


_CPU = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(m?)\s*$")


class Cpu(_Unit):
    """CPU cores with two decimals (``0.2``, ``2``, ``500m``); prints ``0.20``."""

    __slots__ = ("hundredths",)
    _key_name = "hundredths"

    def __init__(self, hundredths: int) -> None:
        if hundredths < 0:
            raise UnitError("CPU cannot be negative.")
        self.hundredths = hundredths

    @classmethod
    def parse(cls, value: object) -> Self:
        hint = "Expected CPU cores such as 0.2, 2 or '500m'"
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise UnitError(f"{hint}, not {value!r}.")
        match = _CPU.match(str(value))
        if not match:
            raise UnitError(f"{hint}, not {value!r}.")
        cores = Decimal(match.group(1))
        if match.group(2):
            cores /= 1000
        return cls(_hundredths(cores, f"{hint}, not {value!r}"))

    @property
    def cores(self) -> Decimal:
        return Decimal(self.hundredths) / 100

    def __str__(self) -> str:
        return f"{self.cores:.2f}"


_TIME = re.compile(
    r"^\s*(\d+)\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours)?\s*$"
)
_TIME_FACTORS = {"s": 1, "m": 60, "h": 3600}


class Duration(_Unit):
    """A whole number of seconds (``10``, ``10s``, ``5min``, ``1hour``; lowercase units); prints ``10s``."""

    __slots__ = ("seconds",)
    _key_name = "seconds"

    def __init__(self, seconds: int) -> None:
        if seconds < 0:
            raise UnitError("A time cannot be negative.")
        self.seconds = seconds

    @classmethod
    def parse(cls, value: object) -> Self:
        hint = "Expected a time such as 10, '10s', '5m', '5min' or '1h'"
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise UnitError(f"{hint}, not {value!r}.")
        match = _TIME.match(str(value))
        if not match:
            raise UnitError(f"{hint}, not {value!r}.")
        unit = (match.group(2) or "s")[0]
        return cls(int(match.group(1)) * _TIME_FACTORS[unit])

    def __str__(self) -> str:
        return f"{self.seconds}s"
