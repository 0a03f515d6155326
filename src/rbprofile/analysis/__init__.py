"""`analyze` / `categorize` core: loaders, hotspots, modules, owners, cross-check, categories.

Loaders:
    pstats_source.load_pstats(path, resolver=None) -> CProfile
        .functions (FUNCTIONS_SCHEMA; key "module:qualname"), .edges (caller_key, callee_key,
        ncalls, primcalls, self_s, cum_s), .total_s (pstats total_tt), .path
    pyspy_source.load_pyspy(path, resolver=None) -> Samples      (collapsed or speedscope)
        samples.Samples: .frames (one row per stack frame: stack, count, depth, key, module,
        native, idle, leaf, python_leaf ...), .stacks, .total, .has_idle, .has_native,
        .format; samples.write_samples / read_samples persist it (Parquet)
    modules.ModuleResolver().resolve(file) -> ModuleInfo(name, kind)
    qualnames.QualnameIndex().qualname(file, name, line, is_def_line=...)
    locate.locate(target, scenario=None, profiles_dir=None) -> Sources

Processing (each returns a Polars frame or a small value):
    hotspots.hotspots / bottlenecks / function_samples
    modules.module_at_depth / module_self_table / module_inclusive_table
    owners.owners_from_cprofile / owners_from_samples
    crosscheck.crosscheck(profile, samples, top) -> CrossCheck; crosscheck.profiled_window
    categories, rules, evidence, loops, decimal_cost, targets (see their docstrings)

Documents:
    analyze.analyze_run(target, AnalyzeOptions(...)) -> rbprofile.render.Document
    categorize_run.categorize_run(target, CategorizeOptions(...)) -> Document
"""
