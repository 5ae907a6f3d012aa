-- The current (latest accepted) file of each department, return and month, every year
-- kept: the months a return has data for, even a file with no rows. A month that has not
-- ended by the as-of date has no figures yet, whatever was filed for it.
select
    return_code,
    department_code,
    period,
    period_month,
    year(period_month) as reporting_year,
    file_sha256,
    version_number,
    received_at
from {{ ref('int_return_versions') }}
where is_current
  and period_month < date_trunc('month', {{ as_of_date() }})
