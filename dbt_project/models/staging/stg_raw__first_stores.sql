with

source as (

    select * from {{ source('raw', 'first_stores') }}

),

renamed as (

    select
        ---------- lineage
        file_sha256,
        department_code,
        period,
        cast(period || '-01' as date) as period_month,
        sheet_name,
        source_row,

        ---------- store
        store_name,
        brand,
        store_level,
        store_format,
        opening_date,
        venue,
        street as street_name,

        ---------- flags
        is_famous_dining_brand,
        is_luxury_hotel

    from source

)

select * from renamed
