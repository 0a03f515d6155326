"""`rbprofile run` core: child processes, timing, the three profilers, manifest, atomic run dirs.

Kept import-free on purpose: `python -m rbprofile.runner.child` executes this file inside the
profiled child, before it measures interpreter start-up and import time.

Public entry points (import them from their modules):
- `rbprofile.runner.orchestrate.run_profiles(request, progress=None) -> RunSummary`
- `rbprofile.runner.request.RunRequest`, `resolve_targets(...)`
- `rbprofile.runner.manifest.load_manifest(run_dir) -> dict` (refuses unknown schema versions)
- `rbprofile.runner.rundir.RunDir` (lock, temporary directory, atomic rename)
"""
