"""Stage 7, receipts: the 回执 a department gets back for every file."""
