-- Register measures from the first-store return, per month:
--   first_stores          first stores, a brand's store of the same level counted once a year
--   famous_dining_brands  distinct brands marked 知名餐饮品牌 (each year anew)
--   luxury_hotels         distinct brands marked 高端酒店
with

months as (

    select period, period_month, reporting_year, file_sha256, files_to_date
    from {{ ref('int_months_with_files') }}
    where return_code = 'first_stores'

),

stores as (

    select * from {{ ref('int_first_stores_counted') }}

),

firsts as (

    select
        reporting_year,
        brand,
        min(period_month) filter (where is_counted) as first_store_month,
        min(period_month) filter (where is_famous_dining_brand) as first_dining_month,
        min(period_month) filter (where is_luxury_hotel) as first_hotel_month
    from stores
    group by reporting_year, brand

),

counted_stores as (

    select period_month, count(*) filter (where is_counted) as counted
    from stores
    group by period_month

),

cumulative as (

    select
        months.period,
        months.period_month,
        months.reporting_year,
        months.files_to_date,
        coalesce(max(counted_stores.counted), 0) as stores_new,
        count(firsts.brand) filter (where firsts.first_dining_month = months.period_month)
            as dining_new,
        count(firsts.brand) filter (where firsts.first_dining_month <= months.period_month)
            as dining_ytd,
        count(firsts.brand) filter (where firsts.first_hotel_month = months.period_month)
            as hotels_new,
        count(firsts.brand) filter (where firsts.first_hotel_month <= months.period_month)
            as hotels_ytd
    from months
    left join counted_stores using (period_month)
    left join firsts using (reporting_year)
    group by all

),

measures as (

    select 'first_stores' as feeding_measure, period, period_month, stores_new as monthly,
        sum(stores_new) over (partition by reporting_year order by period_month) as ytd, files_to_date as files
    from cumulative
    union all
    select 'famous_dining_brands', period, period_month, dining_new, dining_ytd, files_to_date
    from cumulative
    union all
    select 'luxury_hotels', period, period_month, hotels_new, hotels_ytd, files_to_date
    from cumulative

)

{{ measures_output('first_stores') }}
