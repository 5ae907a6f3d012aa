-- Every accepted file is a version of its department's return for its month; the latest
-- received is current and supersedes the earlier ones, which stay for the history.
with

accepted_files as (

    select * from {{ ref('stg_raw__files') }}
    where outcome <> 'rejected'

),

versioned as (

    select
        file_sha256,
        department_code,
        return_code,
        period,
        period_month,
        original_name,
        template_version,
        outcome,
        received_at,
        row_number() over by_return_month as version_number,
        count(*) over (partition by department_code, return_code, period) as version_count,
        lead(file_sha256) over by_return_month as superseded_by_sha256,
        lead(received_at) over by_return_month as superseded_at

    from accepted_files
    window by_return_month as (
        partition by department_code, return_code, period
        order by received_at, file_sha256
    )

)

select
    *,
    superseded_by_sha256 is null as is_current
from versioned
