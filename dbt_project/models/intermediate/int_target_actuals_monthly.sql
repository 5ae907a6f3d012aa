{{ config(materialized='table') }}
-- A table, not a view: its tests and the marts each read it, and as a view each one
-- recomputed the chain beneath it (dbt build 10.6 s -> 8.6 s on the demo, three such models).
-- Every target's actual for every month of its year a feeding return has data: the month's
-- own figure and the year-to-date or month-end figure, in the base unit. A target stated as
-- growth of an absolute figure (yoy_growth) is measured as that figure's growth over the same
-- months of the previous year, in percent.
with

measures as (

    select * from {{ ref('int_measures_monthly') }}

),

targets as (

    select
        *,
        measure_type in ('growth_rate', 'yoy_growth') as is_rate
    from {{ ref('int_targets_by_year') }}

)

select
    targets.reporting_year,
    targets.target_code,
    measures.period,
    measures.period_month,
    case
        when targets.measure_type = 'yoy_growth' then measures.monthly_yoy_growth_pct
        else measures.monthly_actual_base
    end as monthly_actual_base,
    case
        when targets.measure_type = 'yoy_growth' then measures.ytd_yoy_growth_pct
        else measures.ytd_actual_base
    end as ytd_actual_base,
    -- 同比 of the figure itself; for a rate (growth_rate, yoy_growth) a change of a rate is
    -- not a growth, so it is left out
    if(targets.is_rate, null, measures.prior_year_monthly_base) as prior_year_monthly_base,
    if(targets.is_rate, null, measures.prior_year_ytd_base) as prior_year_ytd_base,
    if(targets.is_rate, null, measures.monthly_yoy_growth_pct) as monthly_yoy_growth_pct,
    if(targets.is_rate, null, measures.ytd_yoy_growth_pct) as ytd_yoy_growth_pct,
    case
        when targets.measure_type = 'yoy_growth'
            then list_concat(measures.source_file_sha256s, measures.prior_year_source_file_sha256s)
        else measures.source_file_sha256s
    end as source_file_sha256s
from targets
inner join measures
    on targets.feeding_return = measures.feeding_return
    and targets.feeding_measure = measures.feeding_measure
    and targets.reporting_year = measures.reporting_year
