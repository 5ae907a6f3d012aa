-- Each enterprise (by 统一社会信用代码) against each month's directory: present or not, and
-- its movement: an entry when it appears (or, in the first directory kept, when its
-- 入库年月 falls in that directory's year), an exit when it disappears. Leaving and coming back is
-- the same enterprise, with an exit and a later entry.
with

snapshots as (

    select department_code, period, period_month, reporting_year, file_sha256
    from {{ ref('int_current_files') }}
    where return_code = 'enterprises'

),

listed as (

    select * from {{ ref('int_enterprises_current') }}

),

enterprises as (

    select distinct credit_code from listed

),

grid as (

    select enterprises.credit_code, snapshots.period, snapshots.period_month, snapshots.file_sha256
    from enterprises
    cross join snapshots

),

presence as (

    select
        grid.credit_code,
        grid.period,
        grid.period_month,
        year(grid.period_month) as reporting_year,
        grid.file_sha256 as snapshot_file_sha256,
        listed.credit_code is not null as is_present,
        listed.enterprise_name,
        listed.size_category,
        listed.industry_section,
        listed.entry_month,
        listed.street_name,
        listed.is_high_tech,
        listed.source_row,
        lag(listed.credit_code is not null) over (
            partition by grid.credit_code order by grid.period_month
        ) as was_present
    from grid
    left join listed using (credit_code, period)

)

select
    *,
    case
        when is_present and was_present = false then 'entry'
        when is_present and was_present is null
            and entry_month >= strftime(period_month, '%Y-01') then 'entry'
        when not is_present and was_present then 'exit'
    end as movement
from presence
