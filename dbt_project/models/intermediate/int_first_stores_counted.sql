-- Every first store opened this year, flagged when it counts: a brand opening a store of
-- the same level again in the same year counts once (its earliest opening).
select
    *,
    row_number() over (
        partition by brand, store_level
        order by opening_date, period_month, source_row
    ) = 1 as is_counted
from {{ ref('int_first_stores_current') }}
