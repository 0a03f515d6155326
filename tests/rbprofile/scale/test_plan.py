"""Size grids: parsing, the cross product, the run count, and one-line errors."""

from __future__ import annotations

import pytest

from rbprofile.errors import EXIT_USAGE, RbprofileError
from rbprofile.scale.plan import fill_placeholders, make_plan, parse_size, parse_values


def test_values_are_parsed_and_sorted() -> None:
    assert parse_values("--assets", "100, 25,50") == (25, 50, 100)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25,abc", "--assets: 'abc' is not a whole number; give sizes like --assets 25,50,100."),
        ("25,2.5", "--assets: '2.5' is not a whole number; give sizes like --assets 25,50,100."),
        ("25,0", "--assets: sizes must be positive, got 0; e.g. --assets 25,50,100."),
        ("-5,25", "--assets: sizes must be positive, got -5; e.g. --assets 25,50,100."),
        ("25,50,25", "--assets: 25 is listed twice; list each size once."),
        (
            "25",
            "--assets: a growth fit needs at least two sizes, got only 25; "
            "e.g. --assets 25,50,100.",
        ),
        ("", "--assets: give sizes separated by commas, e.g. --assets 25,50,100."),
        ("25,", "--assets: '' is not a whole number; give sizes like --assets 25,50,100."),
    ],
)
def test_bad_values_are_one_line_usage_errors(text: str, message: str) -> None:
    with pytest.raises(RbprofileError) as caught:
        parse_values("--assets", text)
    assert caught.value.message == message
    assert caught.value.exit_code == EXIT_USAGE
    assert "\n" not in caught.value.message


def test_a_size_option_names_its_variable() -> None:
    assert parse_size("n=8000,2000,4000") == ("n", (2000, 4000, 8000))
    with pytest.raises(RbprofileError, match=r"^--size n: 4000 is listed twice"):
        parse_size("n=4000,4000")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("n2000", r"^--size: expected NAME=V1,V2,\.\.\. \(e\.g\. --size n=2000,4000,8000\)"),
        ("n-1=1,2", r"^--size: 'n-1' is not a usable name"),
        ("=1,2", r"^--size: '' is not a usable name"),
    ],
)
def test_bad_size_options_are_refused(text: str, message: str) -> None:
    with pytest.raises(RbprofileError, match=message):
        parse_size(text)


def test_the_plan_is_the_full_grid_smallest_first_and_counts_its_runs() -> None:
    plan = make_plan(
        [("assets", (25, 50, 100)), ("sessions", (250, 500))], repeats=3, profilers=["cprofile"]
    )
    assert plan.points == [  # by assets x sessions, ties by the values
        {"assets": 25, "sessions": 250},
        {"assets": 25, "sessions": 500},
        {"assets": 50, "sessions": 250},
        {"assets": 50, "sessions": 500},
        {"assets": 100, "sessions": 250},
        {"assets": 100, "sessions": 500},
    ]
    assert plan.runs == 18
    assert plan.describe() == (
        "6 size points (assets 3 x sessions 2) x 3 repeats x 1 profiler = 18 runs"
    )


def test_profilers_multiply_the_runs() -> None:
    plan = make_plan({"n": (2000, 4000, 8000)}, repeats=1, profilers=("cprofile", "pyspy"))
    assert plan.runs == 6
    assert plan.describe() == "3 size points (n 3) x 1 repeat x 2 profilers = 6 runs"


@pytest.mark.parametrize(
    ("variables", "repeats", "profilers", "message"),
    [
        ([], 1, ("cprofile",), "give at least one size variable"),
        ([("n", (1, 2, 3)), ("n", (4, 5))], 1, ("cprofile",), "'n' is given twice"),
        ([("n", (1, 2, 3))], 0, ("cprofile",), "--repeat must be at least 1, got 0."),
        ([("n", (1, 2, 3))], 1, (), "give at least one profiler"),
        (
            [("n", (1, 2))],
            1,
            ("cprofile",),
            "2 size points x 1 repeat leave no spread for an interval on the fit; "
            "add a size or use --repeat 2.",
        ),
    ],
)
def test_plans_that_cannot_be_fitted_are_refused(
    variables: list, repeats: int, profilers: tuple[str, ...], message: str
) -> None:
    with pytest.raises(RbprofileError) as caught:
        make_plan(variables, repeats=repeats, profilers=profilers)
    assert message in caught.value.message
    assert caught.value.exit_code == EXIT_USAGE


def test_two_sizes_with_two_repeats_can_be_fitted() -> None:
    assert make_plan([("n", (1, 2))], repeats=2).runs == 4


def test_placeholders_are_filled_per_size_point() -> None:
    command = ["python", "prog.py", "--n", "{n}", "--out=run-{n}-{m}.txt", "{other}"]
    filled = fill_placeholders(command, {"n": 2000, "m": 3})
    assert filled == ["python", "prog.py", "--n", "2000", "--out=run-2000-3.txt", "{other}"]


def test_a_size_the_command_never_uses_is_refused() -> None:
    with pytest.raises(RbprofileError) as caught:
        fill_placeholders(["python", "prog.py"], {"n": 2000})
    assert caught.value.message == (
        "the command never uses {n}; put it where the size goes, e.g. -- python prog.py --n {n}."
    )
