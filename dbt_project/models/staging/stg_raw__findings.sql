with

source as (

    select * from {{ source('raw', 'findings') }}

),

renamed as (

    select
        ---------- ids
        file_sha256,
        finding_no,
        rule_code,

        ---------- classification
        rule_class,
        rule_class = '强制性' as is_blocking,

        ---------- where
        sheet_name,
        row_number as excel_row,
        column_label,
        cell,

        ---------- what
        value,
        expected,
        message,
        hint

    from source

)

select * from renamed
