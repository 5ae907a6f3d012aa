-- Per department and year: its targets and how many are on track at their latest month of
-- the year, and its submission record for the year (so far).
with

departments as (

    select * from {{ ref('departments') }}

),

years as (

    select distinct reporting_year from {{ ref('target_progress') }}
    union
    select distinct reporting_year from {{ ref('submission_status') }}

),

latest_progress as (

    select *
    from {{ ref('target_progress') }}
    qualify row_number() over (
        partition by reporting_year, target_code order by period desc nulls last
    ) = 1

),

targets as (

    select
        department_code,
        reporting_year,
        count(*) filter (where has_target) as targets,
        count(*) filter (where status in ('超前', '正常')) as targets_on_track,
        count(*) filter (where status = '超前') as targets_ahead,
        count(*) filter (where status = '滞后') as targets_behind,
        count(*) filter (where status = '未报送') as targets_without_data,
        count(*) filter (where status = '目标未设定') as targets_not_set
    from latest_progress
    group by department_code, reporting_year

),

submissions as (

    select
        department_code,
        reporting_year,
        count(*) filter (where status <> 'pending') as returns_due,
        count(*) filter (where status in ('accepted', 'corrected') and not is_late) as on_time,
        count(*) filter (where is_late) as late,
        count(*) filter (where status = 'missing') as missing,
        count(*) filter (where is_corrected) as corrected,
        count(*) filter (where status = 'rejected') as rejected_outstanding,
        sum(rejected_file_count) as files_returned
    from {{ ref('submission_status') }}
    group by department_code, reporting_year

)

select
    departments.department_code || '|' || years.reporting_year as department_year_key,
    departments.department_code,
    departments.department_name,
    years.reporting_year,
    coalesce(targets.targets, 0) as targets,
    coalesce(targets.targets_on_track, 0) as targets_on_track,
    coalesce(targets.targets_ahead, 0) as targets_ahead,
    coalesce(targets.targets_behind, 0) as targets_behind,
    coalesce(targets.targets_without_data, 0) as targets_without_data,
    coalesce(targets.targets_not_set, 0) as targets_not_set,
    coalesce(submissions.returns_due, 0) as returns_due,
    coalesce(submissions.on_time, 0) as returns_on_time,
    coalesce(submissions.late, 0) as returns_late,
    coalesce(submissions.missing, 0) as returns_missing,
    coalesce(submissions.corrected, 0) as returns_corrected,
    coalesce(submissions.rejected_outstanding, 0) as returns_rejected_outstanding,
    coalesce(submissions.files_returned, 0) as files_returned
from departments
cross join years
left join targets using (department_code, reporting_year)
left join submissions using (department_code, reporting_year)
