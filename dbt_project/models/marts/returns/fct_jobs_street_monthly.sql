-- The jobs return as analysts query it: one row per street and month, current version,
-- with the cell it came from.
select
    period || '|' || street_code as street_month_key,
    period,
    period_month,
    department_code,
    street_code,
    street_name,
    new_jobs,
    graduates,
    recruitment_events,
    training_sessions,
    social_insurance_expansions,
    file_sha256,
    sheet_name,
    source_row,
    version_number,
    received_at
from {{ ref('int_jobs_current') }}
