-- The investment rows of the current version of each month's return.
{{ current_version_rows('investment', 'stg_raw__investment') }}
