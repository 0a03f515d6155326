"""The run directory: one owner for its file names, formats and reading.

    files        every file name of a run directory, and what each holds
    manifest     `Manifest` (typed, immutable), read through a version map
    timing       `Timing` (timing.json), `MEASURES` compare judges
    memory       `Memory` (memory.json)
    jsonfile     the one policy for versioned JSON files (refuse unknown versions loudly)
    run          `Run`: a run directory (or bare profiler files) with lazy accessors and a
                 record of what is missing and why
    locate       what a TARGET argument names; the runs under a label; a float-mode twin
    categories   `categorized(run, rules=None)`: the one categorization every view shows
    writer       `RunDir`: lock, temporary directory, atomic rename into place

Kept import-free: `rbprofile run --help` and the profiled child import parts of it.
"""
