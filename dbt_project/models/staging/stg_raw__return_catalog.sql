with

source as (

    select * from {{ source('raw', 'return_catalog') }}

),

renamed as (

    select
        return_code,
        title as return_title,
        template_version,
        sheet_name,
        grain

    from source

)

select * from renamed
