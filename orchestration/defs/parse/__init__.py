"""Parse: archived files become raw tables, findings and receipts."""
