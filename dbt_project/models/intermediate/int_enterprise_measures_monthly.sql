-- Register measures from the enterprise directory, per month:
--   above_size_stock       enterprises in the month-end directory
--   transport_firms_stock  of which in 交通运输、仓储和邮政业
--   new_trade_firms        distinct enterprises new in the year in 限上批发业/零售业/住宿业/餐饮业
--   new_high_tech_firms    distinct enterprises first listed as 高新技术企业 in the year
--                          (new entries, or listed ones becoming 是), not those already so
-- Each year counts anew: "new" is judged within the year of the month.
with

presence as (

    select * from {{ ref('int_enterprise_presence') }}

),

first_snapshots as (

    select reporting_year, min(period_month) as first_month from presence group by reporting_year

),

per_enterprise as (

    select
        reporting_year,
        credit_code,
        min(period_month) filter (where is_present) as first_present_month,
        arg_min(coalesce(movement, 'none'), period_month) filter (where is_present) as first_movement,
        arg_min(size_category, period_month) filter (where is_present) as first_category,
        min(period_month) filter (where is_present and is_high_tech) as first_high_tech_month
    from presence
    group by reporting_year, credit_code

),

flagged as (

    select
        per_enterprise.*,
        first_movement = 'entry' as is_new_in_year,
        first_high_tech_month is not null
            and not (
                first_high_tech_month = first_snapshots.first_month
                and coalesce(first_movement, '') <> 'entry'
            ) as is_new_high_tech
    from per_enterprise
    inner join first_snapshots using (reporting_year)

),

months as (

    select
        period,
        period_month,
        reporting_year,
        any_value(snapshot_file_sha256) as file_sha256,
        count(*) filter (where is_present) as above_size_stock,
        count(*) filter (where is_present and industry_section = '交通运输、仓储和邮政业')
            as transport_firms_stock
    from presence
    group by period, period_month, reporting_year

),

cumulative as (

    select
        months.*,
        list(months.file_sha256) over (
            partition by months.reporting_year order by months.period_month
        ) as files_to_date,
        (
            select count(*) from flagged
            where flagged.reporting_year = months.reporting_year
              and is_new_in_year
              and first_category in (
                  {{ return_values(
                      'enterprises', 'size_category', ['限上批发业', '限上零售业', '限上住宿业', '限上餐饮业']
                  ) }}
              )
              and first_present_month <= months.period_month
        ) as new_trade_ytd,
        (
            select count(*) from flagged
            where flagged.reporting_year = months.reporting_year
              and is_new_high_tech
              and first_high_tech_month <= months.period_month
        ) as new_high_tech_ytd
    from months

),

measures as (

    select 'above_size_stock' as feeding_measure, period, period_month, null as monthly,
        above_size_stock as ytd, [file_sha256] as files
    from cumulative
    union all
    select 'transport_firms_stock', period, period_month, null, transport_firms_stock, [file_sha256]
    from cumulative
    union all
    select 'new_trade_firms', period, period_month,
        new_trade_ytd - coalesce(
            lag(new_trade_ytd) over (partition by reporting_year order by period_month), 0
        ),
        new_trade_ytd, files_to_date
    from cumulative
    union all
    select 'new_high_tech_firms', period, period_month,
        new_high_tech_ytd - coalesce(
            lag(new_high_tech_ytd) over (partition by reporting_year order by period_month), 0
        ),
        new_high_tech_ytd, files_to_date
    from cumulative

)

{{ measures_output('enterprises') }}
