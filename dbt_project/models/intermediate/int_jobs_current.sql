-- The jobs rows of the current version of each month's return, with the street's code.
with

current_rows as (

    select
        returned_rows.*,
        current_files.version_number,
        current_files.received_at,
        current_files.reporting_year
    from {{ ref('stg_raw__jobs') }} as returned_rows
    inner join {{ ref('int_current_files') }} as current_files using (file_sha256)

),

streets as (

    select * from {{ ref('streets') }}

)

select
    current_rows.*,
    streets.street_code
from current_rows
left join streets using (street_name)
