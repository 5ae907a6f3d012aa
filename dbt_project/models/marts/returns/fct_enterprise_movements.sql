-- Entries into and exits from the directory, derived by comparing month-end directories.
select
    credit_code || '|' || period as movement_key,
    credit_code,
    period,
    movement,
    coalesce(enterprise_name, previous_name) as enterprise_name,
    coalesce(size_category, previous_category) as size_category,
    snapshot_file_sha256
from (
    select
        *,
        lag(enterprise_name) over by_enterprise as previous_name,
        lag(size_category) over by_enterprise as previous_category
    from {{ ref('int_enterprise_presence') }}
    window by_enterprise as (partition by credit_code order by period_month)
)
where movement is not null
