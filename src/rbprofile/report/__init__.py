"""`report` core: a profiling-results report built only from measured run files.

    build.build_report(labels, *, compare=None, profiles_dir=None, output_dir=None,
                       progress=None, project=None) -> Report
    render.render(report, ReportFormat.markdown | .json) -> str

One module per section (summary, methodology, cpu, memory, modules, categories, targets,
decimal_overhead, comparison, raw_data), each `section(ReportContext) -> Section | list[Section]`.
Sections show the `Document`s the commands return (`report.documents`, from `rbprofile.views`);
`model` holds the values, `charts` draws the SVGs beside the report.
"""
