with

source as (

    select * from {{ source('raw', 'jobs') }}

),

renamed as (

    select
        ---------- lineage
        {{ lineage_columns() }}

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
