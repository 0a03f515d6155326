"""Declarative rules: built-in defaults, user overrides by name, errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rbprofile.analysis.rules import CATEGORIES, load_rules, parse_rules
from rbprofile.errors import RbprofileError


@pytest.mark.parametrize(
    ("module", "qualname", "file", "rule", "category"),
    [
        ("decimal", "Decimal.quantize", "~", "decimal-module", "Decimal arithmetic"),
        ("posix", "fork", "~", "os-fork-exec", "subprocesses"),
        ("posix", "waitpid", "~", "os-fork-exec", "subprocesses"),
        ("posix", "stat", "~", "io-modules", "I/O"),
        ("subprocess", "Popen.communicate", "/x/subprocess.py", "subprocess-modules",
         "subprocesses"),
        ("concurrent.futures.thread", "_worker", "/x/thread.py", "subprocess-modules",
         "subprocesses"),
        ("polars.io.parquet.functions", "read_parquet", "/x.py", "parquet-io", "I/O"),
        ("polars.dataframe.frame", "DataFrame.sort", "/x.py", "data-libraries", "data processing"),
        ("polars", "PyLazyFrame.collect", "~", "data-libraries", "data processing"),
        ("builtins", "PyDataFrame.sort", "~", "polars-native", "data processing"),
        ("rustybt.data.polars.portal", "PolarsDataPortal.history", "/x.py", "project-data",
         "data processing"),
        ("pandas._libs.tslibs.timestamps", "Timestamp.__new__", "/x.py", "pandas-datetime",
         "datetime/calendar"),
        ("exchange_calendars.calendar_utils", "get_calendar", "/x.py", "datetime-modules",
         "datetime/calendar"),
        ("rustybt.indicators", "sma", "/x.py", "project-indicators", "indicators"),
        ("mypkg.signals", "rolling_zscore", "/x.py", "indicator-names", "indicators"),
        ("builtins", "isinstance", "~", "python-overhead-modules", "Python overhead"),
        ("importlib._bootstrap", "_find_and_load", "<frozen importlib._bootstrap>",
         "python-overhead-modules", "Python overhead"),
        ("time", "sleep", "~", "sleeping", "other"),
        # other engines' layers: backtrader's line buffers and feeds, zipline's data portal
        # and Cython window, their clocks and indicators
        ("backtrader.linebuffer", "LineBuffer.__getitem__", "/x.py", "engine-data-layers",
         "data processing"),
        ("backtrader.feeds.pandafeed", "PandasData._load", "/x.py", "engine-data-layers",
         "data processing"),
        ("zipline.data.data_portal", "DataPortal.get_spot_value", "/x.py",
         "engine-data-layers", "data processing"),
        ("zipline.lib._windowtemplate", "AdjustedArrayWindow.__next__", "/x.pyx",
         "engine-data-layers", "data processing"),
        ("backtrader.utils.dateintern", "num2date", "/x.py", "engine-clocks",
         "datetime/calendar"),
        ("zipline.utils.calendar_utils", "get_calendar", "/x.py", "engine-clocks",
         "datetime/calendar"),
        ("backtrader.indicators.basicops", "Average.once", "/x.py", "engine-indicators",
         "indicators"),
        ("zipline.finance.ledger", "Ledger.process_transaction", "/x.py", "python-code",
         "Python per-call logic"),
    ],
)  # fmt: skip
def test_builtin_rules_match(
    module: str, qualname: str, file: str, rule: str, category: str
) -> None:
    found = load_rules().match(module, qualname, file)
    assert found is not None
    assert (found.name, found.category, found.origin) == (rule, category, "built-in")


def test_unknown_code_matches_no_rule_but_python_code_is_per_call_logic() -> None:
    rules = load_rules()
    assert rules.match("mypkg._engine", "Engine.step", "~") is None  # a C function
    python = rules.match("mypkg.engine", "Engine.step", "/src/mypkg/engine.py")
    assert python is not None
    assert (python.name, python.category, python.priority) == (
        "python-code", "Python per-call logic", 1,
    )  # fmt: skip


def test_plain_module_pattern_matches_submodules_not_prefixes() -> None:
    rules = load_rules()
    assert rules.match("polarsx", "f", "~") is None
    assert rules.match("polars", "f", "/x.py").name == "data-libraries"  # type: ignore[union-attr]


def test_default_speedups_cover_every_category() -> None:
    speedups = load_rules().speedups
    assert set(speedups) == {*CATEGORIES, "native"}
    assert (speedups["loops"], speedups["Decimal arithmetic"], speedups["native"]) == (20, 5, 1)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return path


def test_user_rules_add_override_and_disable(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[rule]]
name = "engine-loop"
category = "loops"
priority = 45
module = "mypkg.engine"
function = '^Engine\\.step$'

[[rule]]
name = "decimal-module"
category = "other"
priority = 100
module = "decimal"

[[rule]]
name = "sleeping"
enabled = false

[speedup]
loops = 30
""",
    )
    rules = load_rules(path)
    engine = rules.match("mypkg.engine", "Engine.step", "/src/mypkg/engine.py")
    assert engine is not None
    assert (engine.name, engine.category, engine.where) == ("engine-loop", "loops", f"{path}:2")
    decimal = rules.match("decimal", "Decimal.quantize", "~")
    assert decimal is not None and (decimal.category, decimal.origin) == ("other", str(path))
    assert rules.match("time", "sleep", "~").name == "datetime-modules"  # type: ignore[union-attr]
    assert rules.speedups["loops"] == 30.0
    assert rules.speedups["Decimal arithmetic"] == 5.0


def test_higher_priority_wins_and_ties_keep_file_order() -> None:
    text = """
[[rule]]
name = "first"
category = "I/O"
priority = 10
module = "pkg"

[[rule]]
name = "second"
category = "loops"
priority = 10
module = "pkg"

[[rule]]
name = "third"
category = "other"
priority = 11
function = "special"
"""
    rules, _ = parse_rules(text, "t.toml")
    ordered = sorted(rules, key=lambda r: -r.priority)
    assert [r.name for r in ordered] == ["third", "first", "second"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[rule]]\nname = "x"\ncategory = "loops"\nmodule = ["a",\n', ":4: invalid TOML"),
        ('[[rule]]\nname = "x" "y"\ncategory = "loops"\n', ":2: invalid TOML: Expected newline"),
        ('[[rule]]\nname = "x"\ncategory = "fast code"\nmodule = "a"\n',
         ":3: rule 'x': category must be one of"),
        ('[[rule]]\nname = "ok"\ncategory = "loops"\nmodule = "a"\n\n'
         '[[rule]]\nname = "bad"\ncategory = "loops"\nfunction = "(unclosed"\n',
         ":9: rule 'bad': bad regular expression '(unclosed'"),
        ('[[rule]]\nname = "x"\ncategory = "loops"\n', ":1: rule 'x': needs at least one of"),
        ('[[rule]]\nname = "x"\ncategory = "loops"\nmodule = "a"\nmodel = "b"\n',
         ":5: rule 'x': unknown field 'model'"),
        ('[[rule]]\nname = "x"\ncategory = "loops"\nmodule = "a"\npriority = "high"\n',
         ":5: rule 'x': priority must be an integer"),
        ('[[rule]]\ncategory = "loops"\nmodule = "a"\n',
         ":1: rule: needs a non-empty string `name`"),
        ('[speedup]\nloops = 20\nfast = 3\n', ":3: speedup for unknown category 'fast'"),
        ('[speedup]\nloops = 0.5\n', ":2: speedup 'loops' must be a finite number >= 1"),
        ('[rules]\nname = "x"\n', ":1: unknown table 'rules'"),
    ],
)  # fmt: skip
def test_malformed_rules_name_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RbprofileError) as err:
        load_rules(path)
    assert err.value.message.startswith(f"{path}{message}")
    assert err.value.message.endswith("; fix the rules file")
    assert "\n" not in err.value.message


def test_missing_rules_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(RbprofileError, match=r"cannot read rules file .*missing\.toml"):
        load_rules(tmp_path / "missing.toml")


def test_file_globs_and_all_given_matchers_must_match(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[rule]]
name = "vendored-io"
category = "I/O"
priority = 120
file = ["*/vendor/*.py"]
function = "^read_"
""",
    )
    rules = load_rules(path)
    hit = rules.match("app.vendor.csvlib", "read_rows", "/src/app/vendor/csvlib.py")
    assert hit is not None and hit.name == "vendored-io"
    miss = rules.match("app.vendor.csvlib", "write_rows", "/src/app/vendor/csvlib.py")
    assert miss is not None and miss.name == "python-code"  # only the fallback matches
    assert rules.match("app.core", "read_rows", "/src/app/core.py").name == "python-code"  # type: ignore[union-attr]
