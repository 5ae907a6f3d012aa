with

source as (

    select * from {{ source('raw', 'enterprises') }}

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
