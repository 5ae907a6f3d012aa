-- The enterprises rows of the current version of each month's return.
{{ current_version_rows('enterprises', 'stg_raw__enterprises') }}
