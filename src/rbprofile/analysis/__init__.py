"""`analyze` / `categorize` core: loaders, hotspots, modules, owners, cross-check.

Loaders (start here):
    rbprofile.analysis.pstats_source.load_pstats(path, resolver=None) -> CProfile
        .functions (FUNCTIONS_SCHEMA), .edges (caller_key, callee_key, ncalls, primcalls,
        self_s, cum_s), .total_s (pstats total_tt), .path
    rbprofile.analysis.pyspy_source.load_pyspy(path, resolver=None) -> Samples
        .stacks (Stack(frames root..leaf, count, idle)), .frame(), .total, .has_idle,
        .has_native, .format
    rbprofile.analysis.modules.ModuleResolver().resolve(file) -> ModuleInfo(name, kind)
    rbprofile.analysis.qualnames.QualnameIndex().qualname(file, name, line, is_def_line=...)
"""
