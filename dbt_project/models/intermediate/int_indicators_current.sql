-- The indicators rows of the current version of each month's return.
{{ current_version_rows('indicators', 'stg_raw__indicators') }}
