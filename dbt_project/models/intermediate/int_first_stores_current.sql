-- The first_stores rows of the current version of each month's return.
{{ current_version_rows('first_stores', 'stg_raw__first_stores') }}
