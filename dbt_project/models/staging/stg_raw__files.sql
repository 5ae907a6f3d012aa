with

source as (

    select * from {{ source('raw', 'files') }}

),

renamed as (

    select
        ---------- ids
        file_sha256,
        department_code,
        intake_department,
        declared_department,
        return_code,

        ---------- file
        original_name,
        file_format,
        archive_path,
        template_version,
        sheet_name,
        receipt_path,

        ---------- header area
        period,
        cast(period || '-01' as date) as period_month,
        reporting_unit,
        filer,
        phone,

        ---------- outcome
        outcome,
        rows_read,
        rows_loaded,
        rows_rejected,
        blocking_findings,
        other_findings,

        ---------- timestamps
        received_at

    from source

)

select * from renamed
