-- The investment rows of the current version of each month's return.
select
    returned_rows.*,
    current_files.version_number,
    current_files.received_at,
    current_files.reporting_year
from {{ ref('stg_raw__investment') }} as returned_rows
inner join {{ ref('int_current_files') }} as current_files using (file_sha256)
