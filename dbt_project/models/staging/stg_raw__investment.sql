with

source as (

    select * from {{ source('raw', 'investment') }}

),

renamed as (

    select
        ---------- lineage
        {{ lineage_columns() }}

        ---------- project
        project_code,
        project_name,
        project_category,
        project_status,
        start_date,
        street as street_name,

        ---------- amounts
        total_investment as total_investment_100m_yuan,
        investment_this_month as investment_this_month_10k_yuan,
        funds_arrived as funds_arrived_100m_yuan

    from source

)

select * from renamed
