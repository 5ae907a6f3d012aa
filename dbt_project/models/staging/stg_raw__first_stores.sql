with

source as (

    select * from {{ source('raw', 'first_stores') }}

),

renamed as (

    select
        ---------- lineage
        {{ lineage_columns() }}

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
