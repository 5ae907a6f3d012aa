with

source as (

    select * from {{ source('raw', 'indicators') }}

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
