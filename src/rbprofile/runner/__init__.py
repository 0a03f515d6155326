"""`rbprofile run` core: child processes, timing repeats, the registered profilers, the manifest.

Kept import-free on purpose: `python -m rbprofile.runner.child` executes this file inside the
profiled child, before it measures interpreter start-up and import time.

Public entry points (import them from their modules):
- `rbprofile.runner.orchestrate.run_profiles(request, progress=None) -> RunSummary`
- `rbprofile.runner.request.RunRequest`, `resolve_targets(...)`
Run directories are written through `rbprofile.rundir.writer.RunDir` (lock, temporary
directory, atomic rename) and read through `rbprofile.rundir`.
"""
