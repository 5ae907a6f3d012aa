{{ config(materialized='table') }}
-- A table, not a view: its tests and the marts each read it, and as a view each one
-- recomputed the chain beneath it (dbt build 10.6 s -> 8.6 s on the demo, three such models).
-- The targets of every year the warehouse shows (a year with a register, or with figures):
-- the year's own register once it is loaded; until then (or for history before the first
-- register) the targets of the register in force are listed to carry the year's actuals,
-- with no target value, so no figure of one year ever counts toward another year's target.
with

register as (

    select * from {{ ref('target_register') }}

),

register_years as (

    select distinct reporting_year from register

),

years as (

    select reporting_year from register_years
    union
    select distinct reporting_year from {{ ref('int_measures_monthly') }}

),

in_force as (

    select
        years.reporting_year,
        coalesce(
            max(register_years.reporting_year)
                filter (where register_years.reporting_year <= years.reporting_year),
            min(register_years.reporting_year)
        ) as register_year
    from years
    cross join register_years
    group by years.reporting_year

)

select
    in_force.reporting_year,
    in_force.register_year,
    in_force.register_year = in_force.reporting_year as has_target,
    register.* exclude (reporting_year, target_value),
    case
        when in_force.register_year = in_force.reporting_year then register.target_value
    end as target_value
from in_force
inner join register on register.reporting_year = in_force.register_year
