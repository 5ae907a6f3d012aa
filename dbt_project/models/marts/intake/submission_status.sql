-- Where each department's return stands for each month up to the as-of month, from the
-- first year the archive holds (or the as-of year); December's return is due in January.
with

filers as (

    select * from {{ ref('return_filers') }}

),

departments as (

    select * from {{ ref('departments') }}

),

catalog as (

    select * from {{ ref('stg_raw__return_catalog') }}

),

first_year as (

    select least(
        coalesce(min(year(period_month)), year({{ as_of_date() }})), year({{ as_of_date() }})
    ) as first_year
    from {{ ref('int_return_versions') }}

),

months as (

    select
        strftime(month_start, '%Y-%m') as period,
        cast(month_start as date) as period_month,
        year(month_start) as reporting_year
    from first_year,
        range(
            make_timestamp(first_year.first_year, 1, 1, 0, 0, 0),
            date_trunc('month', {{ as_of_date() }}) + interval 1 month,
            interval 1 month
        ) as t(month_start)

),

versions as (

    select
        department_code,
        return_code,
        period,
        count(*) as version_count,
        min(received_at) as first_received_at,
        max(received_at) as current_received_at,
        arg_max(file_sha256, version_number) as current_file_sha256,
        arg_max(original_name, version_number) as current_original_name,
        max(version_number) as current_version
    from {{ ref('int_return_versions') }}
    group by all

),

rejections as (

    select
        department_code,
        return_code,
        period,
        count(*) as rejected_file_count,
        max(received_at) as last_rejected_at
    from {{ ref('stg_raw__files') }}
    -- A file dropped in another department's folder is not that department's attempt.
    where outcome = 'rejected' and period is not null and intake_department = department_code
    group by all

),

expected as (

    select
        filers.department_code,
        departments.department_name,
        filers.return_code,
        catalog.return_title,
        months.reporting_year,
        months.period,
        months.period_month,
        cast(
            months.period_month + interval 1 month + to_days({{ var('due_day') }} - 1) as date
        ) as due_date
    from filers
    cross join months
    left join departments using (department_code)
    left join catalog using (return_code)

),

joined as (

    select
        expected.*,
        coalesce(versions.version_count, 0) as version_count,
        versions.current_version,
        versions.current_file_sha256,
        versions.current_original_name,
        versions.current_received_at,
        versions.first_received_at,
        coalesce(rejections.rejected_file_count, 0) as rejected_file_count,
        rejections.last_rejected_at,
        cast(versions.first_received_at as date) > expected.due_date as is_late,
        coalesce(versions.version_count, 0) > 1 as is_corrected
    from expected
    left join versions using (department_code, return_code, period)
    left join rejections using (department_code, return_code, period)

),

statused as (

    select
        *,
        case
            when version_count > 1 then 'corrected'
            when version_count = 1 and is_late then 'late'
            when version_count = 1 then 'accepted'
            when rejected_file_count > 0 then 'rejected'
            when {{ as_of_date() }} > due_date then 'missing'
            else 'pending'
        end as status
    from joined

)

select
    department_code || '|' || return_code || '|' || period as submission_key,
    *,
    case status
        when 'accepted' then '已接收'
        when 'corrected' then '已更正'
        when 'late' then '逾期报送'
        when 'rejected' then '已退回'
        when 'missing' then '未报送'
        when 'pending' then '未到报送期'
    end as status_zh
from statused
