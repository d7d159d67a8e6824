"""Units of the DSL: every spelling Vamp accepts, the canonical form, and what is refused."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from vamp.core.units import Cpu, Duration, Memory, Percentage, UnitError, percent_text


@pytest.mark.parametrize(
    ("given_value", "hundredths", "printed"),
    [
        ("50%", 5000, "50%"),
        ("50", 5000, "50%"),
        (50, 5000, "50%"),
        ("0.5%", 50, "0.5%"),
        (" 12.25 % ", 1225, "12.25%"),
        ("100%", 10000, "100%"),
        ("0%", 0, "0%"),
        (0.01, 1, "0.01%"),
        (Decimal("33.30"), 3330, "33.3%"),
    ],
)
def test_percentages_read_every_spelling(given_value, hundredths, printed):
    percentage = Percentage.parse(given_value)
    assert percentage.hundredths == hundredths
    assert str(percentage) == printed


@pytest.mark.parametrize(
    ("given_value", "message"),
    [
        ("101%", r"^A percentage must be between 0% and 100%, not '101%'\.$"),
        ("100.5", r"^A percentage must be between 0% and 100%, not '100.5'\.$"),
        (100.01, r"^A percentage must be between 0% and 100%, not 100.01\.$"),
        ("-1%", r"^A percentage must be between 0% and 100%, not '-1%'\.$"),
        ("0.125%", "at most two decimals"),
        ("half", "Expected a percentage such as '50%'"),
        (True, "Expected a percentage"),
        (None, "Expected a percentage"),
    ],
)
def test_percentages_refuse_what_is_not_one(given_value, message):
    with pytest.raises(UnitError, match=message):
        Percentage.parse(given_value)


@given(st.integers(min_value=0, max_value=10_000))
def test_a_percentage_reads_back_from_its_text(hundredths):
    assert Percentage.parse(str(Percentage(hundredths))) == Percentage(hundredths)


@pytest.mark.parametrize(
    ("hundredths", "printed"),
    [(0, "0%"), (5, "0.05%"), (50, "0.5%"), (1225, "12.25%"), (10_000, "100%"), (15_050, "150.5%")],
)
def test_totals_of_weights_print_like_percentages_also_past_100(hundredths: int, printed: str) -> None:
    assert percent_text(hundredths) == printed


@pytest.mark.parametrize(
    ("given_value", "printed"),
    [
        ("512MB", "512.00MB"),
        ("512 mb", "512.00MB"),
        (".5GB", "500.00MB"),
        ("2gb", "2000.00MB"),
        ("1024KB", "1.02MB"),
        ("1Gi", "1024.00MB"),
        ("100Mi", "102.40MB"),
        ("64.00MB", "64.00MB"),
        ("0.125MB", "0.13MB"),
        ("0.124MB", "0.12MB"),
    ],
)
def test_memory_reads_every_unit_rounding_half_up_to_two_decimals(given_value, printed):
    assert str(Memory.parse(given_value)) == printed


@pytest.mark.parametrize("given_value", [512, "512", "12 parsecs", "-1MB"])
def test_memory_needs_a_unit(given_value):
    with pytest.raises(UnitError, match="Expected memory such as '512MB'"):
        Memory.parse(given_value)


@pytest.mark.parametrize(
    ("given_value", "printed"),
    [
        (0.2, "0.20"),
        (2, "2.00"),
        ("500m", "0.50"),
        ("1.5", "1.50"),
        ("0.25", "0.25"),
        ("10000m", "10.00"),
        ("0.125", "0.13"),
        ("125m", "0.13"),
        ("0.124", "0.12"),
    ],
)
def test_cpu_reads_cores_and_millicores_rounding_half_up_to_two_decimals(given_value, printed):
    assert str(Cpu.parse(given_value)) == printed


@pytest.mark.parametrize("given_value", ["two", "-1", True, "5 cores"])
def test_cpu_refuses_what_is_not_a_number_of_cores(given_value):
    with pytest.raises(UnitError, match="Expected CPU cores"):
        Cpu.parse(given_value)


@pytest.mark.parametrize(
    ("given_value", "seconds"),
    [
        (10, 10),
        ("10", 10),
        ("10s", 10),
        ("10sec", 10),
        ("10 seconds", 10),
        ("5m", 300),
        ("5min", 300),
        ("5minutes", 300),
        ("1h", 3600),
        ("1hrs", 3600),
        ("2hours", 7200),
    ],
)
def test_time_reads_every_unit(given_value, seconds):
    assert Duration.parse(given_value).seconds == seconds
    assert str(Duration.parse(given_value)) == f"{seconds}s"


@pytest.mark.parametrize("given_value", ["10S", "ten", "1.5h", "10 days", True])
def test_time_refuses_other_spellings(given_value):
    with pytest.raises(UnitError, match="Expected a time such as 10"):
        Duration.parse(given_value)


def test_units_validate_inside_models():
    from vamp.core import model

    route = model.Route.model_validate({"weight": "90%", "condition_strength": 50})
    assert route.weight == Percentage(9000)
    assert route.model_dump()["condition_strength"] == "50%"


@pytest.mark.parametrize(
    ("parse", "given_value", "small"),
    [
        (Memory.parse, "1" + "0" * 23 + "GB", "1GB"),
        (Cpu.parse, "1" + "0" * 40, "1"),
        (Cpu.parse, 10**30, "1"),
    ],
)
def test_huge_values_up_to_80_digits_are_read_for_the_servers_limits_to_judge(parse, given_value, small):
    assert parse(given_value) > parse(small)


@pytest.mark.parametrize(
    ("parse", "given_value", "hint"),
    [
        (
            Memory.parse,
            "1" + "0" * 90 + "GB",
            "Expected memory such as '512MB', '0.5GB', '1024KB' or '128Mi'",
        ),
        (Cpu.parse, "9" * 90, "Expected CPU cores such as 0.2, 2 or '500m'"),
        (Cpu.parse, "1" + "0" * 78, "Expected CPU cores such as 0.2, 2 or '500m'"),
    ],
)
def test_values_too_large_to_hold_are_a_unit_error_that_says_so(parse, given_value, hint):
    with pytest.raises(UnitError) as raised:
        parse(given_value)
    assert str(raised.value) == f"{hint}, not {given_value!r}: the number is far too large."


def test_80_digits_of_hundredths_are_the_most_a_value_keeps():
    assert Cpu.parse("9" * 78).hundredths == int("9" * 78) * 100


PERCENTAGE_HINT = "Expected a percentage such as '50%', '0.5%' or 50"
MEMORY_HINT = "Expected memory such as '512MB', '0.5GB', '1024KB' or '128Mi'"
CPU_HINT = "Expected CPU cores such as 0.2, 2 or '500m'"
TIME_HINT = "Expected a time such as 10, '10s', '5m', '5min' or '1h'"


@pytest.mark.parametrize(
    ("parse", "given_value", "message"),
    [
        (Percentage.parse, "NaN", f"{PERCENTAGE_HINT}, not 'NaN'."),
        (Percentage.parse, "nan%", f"{PERCENTAGE_HINT}, not 'nan%'."),
        (Percentage.parse, "inf", f"{PERCENTAGE_HINT}, not 'inf'."),
        (Percentage.parse, "-Infinity %", f"{PERCENTAGE_HINT}, not '-Infinity %'."),
        (Percentage.parse, float("nan"), f"{PERCENTAGE_HINT}, not nan."),
        (Percentage.parse, float("inf"), f"{PERCENTAGE_HINT}, not inf."),
        (Percentage.parse, Decimal("NaN"), f"{PERCENTAGE_HINT}, not Decimal('NaN')."),
        (Memory.parse, "NaN MB", f"{MEMORY_HINT}, not 'NaN MB'."),
        (Memory.parse, "infGB", f"{MEMORY_HINT}, not 'infGB'."),
        (Cpu.parse, "nan", f"{CPU_HINT}, not 'nan'."),
        (Cpu.parse, float("inf"), f"{CPU_HINT}, not inf."),
        (Cpu.parse, Decimal("Infinity"), f"{CPU_HINT}, not Decimal('Infinity')."),
        (Duration.parse, "inf", f"{TIME_HINT}, not 'inf'."),
        (Duration.parse, float("nan"), f"{TIME_HINT}, not nan."),
    ],
)
def test_not_a_number_and_infinity_are_refused_with_the_units_own_message(parse, given_value, message):
    with pytest.raises(UnitError) as raised:
        parse(given_value)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("unit", "value", "message"),
    [
        (Memory, -1, "Memory cannot be negative."),
        (Cpu, -1, "CPU cannot be negative."),
        (Duration, -1, "A time cannot be negative."),
        (Percentage, -1, "A percentage must be between 0% and 100%, not -0.01%."),
        (Percentage, 10_001, "A percentage must be between 0% and 100%, not 100.01%."),
    ],
)
def test_a_unit_out_of_its_range_says_which_and_why(unit, value, message):
    with pytest.raises(UnitError) as raised:
        unit(value)
    assert str(raised.value) == message


def test_zero_is_a_valid_amount_of_every_unit():
    assert str(Memory.parse("0MB")) == "0.00MB"
    assert str(Cpu.parse(0)) == "0.00"
    assert str(Duration.parse("0s")) == "0s"
    assert str(Percentage.parse(0)) == "0%"


@pytest.mark.parametrize(
    ("parse", "given_value", "message"),
    [
        (Percentage.parse, Cpu.parse("0.5"), f"{PERCENTAGE_HINT}, not Cpu('0.50')."),
        (Percentage.parse, Fraction(50), f"{PERCENTAGE_HINT}, not Fraction(50, 1)."),
        (Cpu.parse, Fraction(2), f"{CPU_HINT}, not Fraction(2, 1)."),
        (Duration.parse, Decimal(10), f"{TIME_HINT}, not Decimal('10')."),
        (Duration.parse, 10.0, f"{TIME_HINT}, not 10.0."),
    ],
)
def test_values_of_other_types_are_refused_even_when_their_text_reads_as_a_number(
    parse, given_value, message
):
    with pytest.raises(UnitError) as raised:
        parse(given_value)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("unit", "text", "value", "printed", "refused", "message"),
    [
        (Percentage, "90", Percentage(9000), "90%", "half", f"{PERCENTAGE_HINT}, not 'half'."),
        (
            Memory,
            "1GB",
            Memory(100_000),
            "1000.00MB",
            "1 parsec",
            f"{MEMORY_HINT}, not '1 parsec': unknown unit 'parsec'.",
        ),
        (Cpu, "500m", Cpu(50), "0.50", "two", f"{CPU_HINT}, not 'two'."),
        (Duration, "5min", Duration(300), "300s", "5 days", f"{TIME_HINT}, not '5 days'."),
    ],
)
def test_a_unit_in_a_schema_reads_its_spellings_prints_its_canonical_text_and_refuses_with_its_message(
    unit, text, value, printed, refused, message
):
    adapter = TypeAdapter(unit)

    assert adapter.validate_python(text) == value
    assert adapter.validate_python(value) is value
    assert adapter.dump_python(value) == printed
    assert adapter.dump_json(value) == f'"{printed}"'.encode()
    with pytest.raises(ValidationError) as raised:
        adapter.validate_python(refused)
    assert raised.value.errors()[0]["msg"] == f"Value error, {message}"


def test_a_unit_shows_as_its_type_and_canonical_text():
    assert repr(Memory.parse("64MB")) == "Memory('64.00MB')"
    assert repr(Percentage.parse("12.5")) == "Percentage('12.5%')"
