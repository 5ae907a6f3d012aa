-- The jobs rows of the current version of each month's return, with the street's code.
with

current_rows as (

    {{ current_version_rows('jobs', 'stg_raw__jobs') }}

),

streets as (

    select * from {{ ref('streets') }}

)

select
    current_rows.*,
    streets.street_code
from current_rows
left join streets using (street_name)
