-- The project register as analysts query it: one row per project and month, current version.
select
    project_code || '|' || period as project_month_key,
    period,
    period_month,
    project_code,
    project_name,
    project_category,
    project_status,
    start_date,
    street_name,
    total_investment_100m_yuan,
    investment_this_month_10k_yuan,
    funds_arrived_100m_yuan,
    file_sha256,
    sheet_name,
    source_row,
    version_number,
    received_at
from {{ ref('int_investment_current') }}
