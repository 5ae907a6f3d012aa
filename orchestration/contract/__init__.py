"""The contract every stage reads: return definitions, reference data (departments,
streets, the target register of each year) and the rule catalogue that words every finding."""
