-- A year-to-date sum can only grow from month to month: any row returned is a failure.
with progress as (
    select
        target_code,
        period,
        ytd_actual_base,
        lag(ytd_actual_base) over (partition by target_code order by period) as previous_ytd
    from {{ ref('target_progress') }}
    where measure_type = 'ytd_sum'
)
select * from progress where ytd_actual_base < previous_ytd
