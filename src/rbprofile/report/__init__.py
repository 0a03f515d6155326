"""`report` core: a profiling-results markdown built only from measured run files.

    build_report(labels, *, compare=None, profiles_dir=None, output_dir=None, progress=None) -> str
        (rbprofile.report.build) GitHub-flavored markdown; links relative to `output_dir`
        (default docs/performance/), charts written beside the run data.

One module per section (summary, methodology, cpu, memory, modules, categories, targets,
decimal_overhead, comparison, raw_data), each `section(ReportContext) -> Section | list[Section]`;
`runs` reads run directories, `charts` draws the SVGs, `model` holds the shared values.
"""
