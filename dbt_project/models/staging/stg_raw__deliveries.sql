with

source as (

    select * from {{ source('raw', 'deliveries') }}

),

renamed as (

    select
        ---------- ids
        delivery_id,
        file_sha256,
        intake_department,

        ---------- attributes
        original_name,
        is_duplicate,
        receipt_path,

        ---------- timestamps
        received_at

    from source

)

select * from renamed
