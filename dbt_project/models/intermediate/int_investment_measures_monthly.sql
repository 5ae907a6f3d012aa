-- Register measures from the project register, per month:
--   reserve_projects          distinct projects shown as 谋划储备 so far in the year
--   new_start_projects_100m   distinct non-招商 projects of 总投资 ≥ 1 亿元 first shown as 新开工 (once each)
--   new_start_promotion_100m  the same for 招商引资项目
--   active_projects           non-招商 projects under way (新开工 or 续建) at month end (a stock)
--   funds_arrived             本月到资, summed over the year
with

months as (

    select period, period_month, reporting_year, file_sha256, files_to_date
    from {{ ref('int_months_with_files') }}
    where return_code = 'investment'

),

projects as (

    select * from {{ ref('int_investment_current') }}

),

firsts as (

    select
        year(period_month) as reporting_year,
        project_code,
        min(period_month) filter (
            where project_status = {{ return_value('investment', 'project_status', '谋划储备') }}
        ) as first_reserve_month,
        min(period_month) filter (
            where project_status = {{ return_value('investment', 'project_status', '新开工') }}
              and project_category <> {{ return_value('investment', 'project_category', '招商引资项目') }}
              and total_investment_100m_yuan >= 1
        ) as first_start_month,
        min(period_month) filter (
            where project_status = {{ return_value('investment', 'project_status', '新开工') }}
              and project_category = {{ return_value('investment', 'project_category', '招商引资项目') }}
              and total_investment_100m_yuan >= 1
        ) as first_promotion_start_month
    from projects
    group by all

),

cumulative as (

    select
        months.period,
        count(*) filter (where firsts.first_reserve_month = months.period_month) as reserve_new,
        count(*) filter (where firsts.first_reserve_month <= months.period_month) as reserve_ytd,
        count(*) filter (where firsts.first_start_month = months.period_month) as start_new,
        count(*) filter (where firsts.first_start_month <= months.period_month) as start_ytd,
        count(*) filter (where firsts.first_promotion_start_month = months.period_month)
            as promotion_new,
        count(*) filter (where firsts.first_promotion_start_month <= months.period_month)
            as promotion_ytd
    from months
    left join firsts using (reporting_year)
    group by months.period

),

month_sums as (

    select
        months.period,
        count(projects.project_code) filter (
            where projects.project_status in ({{ return_values('investment', 'project_status', ['新开工', '续建']) }})
              and projects.project_category <> {{ return_value('investment', 'project_category', '招商引资项目') }}
        ) as active_projects,
        coalesce(sum(projects.funds_arrived_100m_yuan), 0) as funds_arrived
    from months
    left join projects using (period)
    group by months.period

),

joined as (

    select
        months.period,
        months.period_month,
        months.file_sha256,
        months.files_to_date,
        coalesce(cumulative.reserve_new, 0) as reserve_new,
        coalesce(cumulative.reserve_ytd, 0) as reserve_ytd,
        coalesce(cumulative.start_new, 0) as start_new,
        coalesce(cumulative.start_ytd, 0) as start_ytd,
        coalesce(cumulative.promotion_new, 0) as promotion_new,
        coalesce(cumulative.promotion_ytd, 0) as promotion_ytd,
        month_sums.active_projects,
        month_sums.funds_arrived,
        sum(month_sums.funds_arrived) over (
            partition by months.reporting_year order by months.period_month
        ) as funds_arrived_ytd
    from months
    left join cumulative using (period)
    left join month_sums using (period)

),

measures as (

    select 'reserve_projects' as feeding_measure, period, period_month,
        reserve_new as monthly, reserve_ytd as ytd, files_to_date as files
    from joined
    union all
    select 'new_start_projects_100m', period, period_month, start_new, start_ytd, files_to_date
    from joined
    union all
    select 'new_start_promotion_100m', period, period_month, promotion_new, promotion_ytd,
        files_to_date
    from joined
    union all
    select 'active_projects', period, period_month, null, active_projects, [file_sha256]
    from joined
    union all
    select 'funds_arrived', period, period_month, funds_arrived, funds_arrived_ytd, files_to_date
    from joined

)

{{ measures_output('investment') }}
