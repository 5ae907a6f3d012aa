-- 新增首店 by month, level, format and street: stores opened and stores counted.
select
    period || '|' || store_level || '|' || store_format || '|' || street_name as breakdown_key,
    period,
    store_level,
    store_format,
    street_name,
    count(*) as stores_opened,
    count(*) filter (where is_counted) as stores_counted
from {{ ref('int_first_stores_counted') }}
group by period, store_level, store_format, street_name
