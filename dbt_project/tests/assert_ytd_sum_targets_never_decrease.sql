-- A year-to-date sum can only grow from month to month. A warning, not an error: a
-- department's falling 本年累计值 is queried with the department, it must not stop the
-- whole district's snapshot from publishing.
{{ config(severity='warn') }}
with progress as (
    select
        target_code,
        period,
        ytd_actual_base,
        lag(ytd_actual_base) over (partition by target_code order by period) as previous_ytd
    from {{ ref('target_progress') }}
    where measure_type in ('ytd_sum', 'distinct_count') and period is not null
)
select * from progress where ytd_actual_base < previous_ytd
