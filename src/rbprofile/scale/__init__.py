"""`scale` core: how each function's cost grows with the size of the run, and projection.

    measurements.measurement_rows(functions, sizes, repeat) -> rows of the measurement table
    fit.fit_scaling(measurements, variables=None, *, min_share, top, max_rse, level)
        -> ScalingFits (.table FIT_SCHEMA: exponent, 95% interval, r2, rse, status per
           function, measure and size variable; .models for projection)
    project.project(fits, at, rules=None) -> Projection (.table, .above(), .message)
    plan.parse_values / parse_size / make_plan -> ScalePlan (.points, .runs, .describe())
    document.scaling_document(fits, projection=None) -> rbprofile.render.Document

Pure analysis: no processes, no files, no printing. The runner measures; this fits.
"""
