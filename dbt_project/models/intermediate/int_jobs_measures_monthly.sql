-- Monthly and year-to-date (within each year) sums of the jobs return's columns that feed register targets.
with

monthly as (

    select
        period,
        period_month,
        sum(new_jobs) as new_jobs,
        sum(graduates) as graduates,
        sum(recruitment_events) as recruitment_events,
        sum(training_sessions) as training_sessions,
        sum(social_insurance_expansions) as social_insurance_expansions
    from {{ ref('int_jobs_current') }}
    group by period, period_month

),

measures as (

    unpivot monthly
    on new_jobs, graduates, recruitment_events, training_sessions, social_insurance_expansions
    into name feeding_measure value monthly_actual_base

),

files as (

    select period, period_month, reporting_year, file_sha256, files_to_date
    from {{ ref('int_months_with_files') }}
    where return_code = 'jobs'

)

select
    'jobs' as feeding_return,
    measures.feeding_measure,
    measures.period,
    measures.period_month,
    year(measures.period_month) as reporting_year,
    cast(measures.monthly_actual_base as decimal(20, 4)) as monthly_actual_base,
    cast(
        sum(measures.monthly_actual_base) over (
            partition by measures.feeding_measure, year(measures.period_month) order by measures.period_month
        ) as decimal(20, 4)
    ) as ytd_actual_base,
    files.files_to_date as source_file_sha256s
from measures
left join files using (period)
