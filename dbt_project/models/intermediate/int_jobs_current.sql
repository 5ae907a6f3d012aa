-- The jobs rows of the current version of each month's return.
with

jobs as (

    select * from {{ ref('stg_raw__jobs') }}

),

current_versions as (

    select * from {{ ref('int_return_versions') }}
    where return_code = 'jobs' and is_current

),

streets as (

    select * from {{ ref('streets') }}

)

select
    jobs.*,
    streets.street_code,
    current_versions.version_number,
    current_versions.received_at
from jobs
inner join current_versions using (file_sha256)
left join streets using (street_name)
