-- The ledger of every file received: what it was, what became of it, and of its rows.
with

files as (

    select * from {{ ref('stg_raw__files') }}

),

versions as (

    select file_sha256, version_number, superseded_by_sha256, superseded_at
    from {{ ref('int_return_versions') }}

),

deliveries as (

    select
        file_sha256,
        count(*) as times_received,
        max(received_at) filter (where is_duplicate) as last_duplicate_at
    from {{ ref('stg_raw__deliveries') }}
    group by file_sha256

)

select
    files.file_sha256,
    files.original_name,
    files.file_format,
    files.intake_department,
    files.department_code,
    files.return_code,
    files.template_version,
    files.period,
    files.received_at,
    files.outcome,
    files.rows_read,
    files.rows_loaded,
    files.rows_rejected,
    files.blocking_findings,
    files.other_findings,
    files.receipt_path,
    files.archive_path,
    versions.version_number,
    versions.superseded_by_sha256,
    versions.superseded_at,
    coalesce(deliveries.times_received, 1) as times_received,
    deliveries.last_duplicate_at
from files
left join versions using (file_sha256)
left join deliveries using (file_sha256)
