-- The 四上 directory as analysts query it: one row per enterprise listed in a month.
select
    credit_code || '|' || period as enterprise_month_key,
    period,
    period_month,
    credit_code,
    enterprise_name,
    size_category,
    industry_section,
    entry_month,
    street_name,
    is_high_tech,
    file_sha256,
    sheet_name,
    source_row
from {{ ref('int_enterprises_current') }}
