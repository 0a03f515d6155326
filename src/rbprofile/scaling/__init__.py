"""`rbprofile scale` outside the pure core: sized bundles, child runs, the scaling directory.

    core.run_scaling(request, progress) / core.show_scaling(label, name, ...) -> store.Stored
    core.scaling_view(stored) -> Document
    bundles     one synthetic bundle per (assets, sessions) of a scenario, and run estimates
    measure     every (size point, repeat) in a fresh child under cProfile
    store       `<profiles-dir>/<label>/scaling-<name>/`, written and read back
    cprofile_wrap.py   the in-child cProfile wrapper of the `-- COMMAND` form (stdlib only)

The analysis itself (fits, projections, the Document) is `rbprofile.scale`, which stays pure.
"""
