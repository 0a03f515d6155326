"""Views: the `Document`s commands print and the report renders, built from a `Run`.

analyze.analyze_run(target, AnalyzeOptions(...)) / analyze.analyze(run, options)
categorize.categorize_run(target, CategorizeOptions(...)) / categorize.categorize(run, options)
targets.targets_table(run, project=..., rules=None, speedups=None, top=10)
"""
