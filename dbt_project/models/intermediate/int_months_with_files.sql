-- The months each return has a current file for, with that file and every current file of
-- its year so far: the lineage of a cumulative figure. The returns read here (all but
-- indicators) are filed by one department, so a month has one file.
select
    return_code,
    period,
    period_month,
    reporting_year,
    file_sha256,
    list(file_sha256) over (
        partition by return_code, reporting_year order by period_month
    ) as files_to_date
from {{ ref('int_current_files') }}
where return_code <> 'indicators'
