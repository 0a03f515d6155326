"""The peer benchmark (``benchmarks/bench_peers.py``): rustybt beside zipline-reloaded, backtrader
and a bare Python loop on the same bars.

Two kinds of modules live here:

- the parent side, imported as ``benchmarks.peers.*`` in the project's venv: ``export`` (bundle
  -> CSV), ``venvs`` (the peers' venvs), ``workers`` (one worker process per engine, rounds
  interleaved) and ``summary`` (the rows);
- the runner programs, run as scripts, each in its engine's venv: ``zipline_sma.py``,
  ``zipline_zscore.py`` (with ``zipline_setup``), ``backtrader_sma.py``, ``backtrader_zscore.py``
  (with ``backtrader_setup``), ``rustybt_runner.py`` and ``bare_loop.py``. They import their
  stdlib-only siblings ``csv_layout`` and ``peer_worker`` as top-level modules (the script's
  directory is on sys.path), so they need neither rbprofile nor rustybt installed (except
  ``rustybt_runner.py``, which runs in the project's venv).
"""
