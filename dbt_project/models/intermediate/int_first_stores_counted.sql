-- Every first store opened, flagged when it counts: a brand opening a store of the same
-- level again in the same year counts once (its earliest opening that year).
select
    *,
    row_number() over (
        partition by reporting_year, brand, store_level
        order by opening_date, period_month, source_row
    ) = 1 as is_counted
from {{ ref('int_first_stores_current') }}
