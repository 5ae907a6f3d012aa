with

source as (

    select * from {{ source('raw', 'enterprises') }}

),

renamed as (

    select
        ---------- lineage
        {{ lineage_columns() }}

        ---------- enterprise
        credit_code,
        enterprise_name,
        size_category,
        industry_section,
        entry_month,
        street as street_name,

        ---------- flags
        is_high_tech

    from source

)

select * from renamed
