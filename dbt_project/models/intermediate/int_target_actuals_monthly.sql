-- The month's own actual of every register target fed by a return column, in the
-- register's base unit, with the files it comes from.
with

register as (

    select * from {{ ref('target_register') }}

),

jobs_monthly as (

    select
        period,
        period_month,
        sum(new_jobs) as new_jobs,
        sum(graduates) as graduates,
        sum(recruitment_events) as recruitment_events,
        sum(training_sessions) as training_sessions,
        sum(social_insurance_expansions) as social_insurance_expansions,
        list(distinct file_sha256) as source_file_sha256s
    from {{ ref('int_jobs_current') }}
    group by period, period_month

),

jobs_measures as (

    unpivot jobs_monthly
    on new_jobs, graduates, recruitment_events, training_sessions, social_insurance_expansions
    into name feeding_measure value monthly_actual_base

)

select
    register.target_code,
    jobs_measures.period,
    jobs_measures.period_month,
    cast(jobs_measures.monthly_actual_base as decimal(18, 4)) as monthly_actual_base,
    jobs_measures.source_file_sha256s
from register
inner join jobs_measures
    on register.feeding_return = 'jobs'
    and register.feeding_measure = jobs_measures.feeding_measure
where year(jobs_measures.period_month) = {{ var('reporting_year') }}
