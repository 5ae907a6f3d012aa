-- Nothing lost: every row read from a file is either loaded or rejected (and listed in
-- its receipt). Any file returned here breaks that ledger.
select file_sha256, rows_read, rows_loaded, rows_rejected
from {{ ref('intake_ledger') }}
where rows_read <> rows_loaded + rows_rejected
   or rows_read is null
