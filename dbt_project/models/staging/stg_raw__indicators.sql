with

source as (

    select * from {{ source('raw', 'indicators') }}

),

renamed as (

    select
        ---------- lineage
        {{ lineage_columns() }}

        ---------- indicator
        target_code,
        target_name as target_name_as_filed,
        unit,

        ---------- values
        month_value,
        ytd_value

    from source

)

select * from renamed
