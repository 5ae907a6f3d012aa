with

source as (

    select * from {{ source('raw', 'jobs') }}

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

        ---------- dimensions
        street as street_name,

        ---------- measures (the month's own figures)
        new_jobs,
        graduates,
        recruitment_events,
        training_sessions,
        social_insurance_expansions

    from source

)

select * from renamed
