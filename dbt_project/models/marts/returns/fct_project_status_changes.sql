-- The project register's history: one row per project and month its status changed
-- (its first month in the register included).
with

projects as (

    select
        *,
        lag(project_status) over (partition by project_code order by period_month)
            as previous_status
    from {{ ref('int_investment_current') }}

)

select
    project_code || '|' || period as project_month_key,
    project_code,
    project_name,
    project_category,
    period,
    previous_status,
    project_status,
    file_sha256,
    source_row
from projects
where previous_status is distinct from project_status
