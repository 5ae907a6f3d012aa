-- Every first store opened this year, with whether it counts towards 新增首店 (a brand's
-- store of the same level counts once a year) and the cell it came from.
select
    file_sha256 || '|' || source_row as store_key,
    period,
    period_month,
    store_name,
    brand,
    store_level,
    store_format,
    opening_date,
    venue,
    street_name,
    is_famous_dining_brand,
    is_luxury_hotel,
    is_counted,
    file_sha256,
    sheet_name,
    source_row
from {{ ref('int_first_stores_counted') }}
