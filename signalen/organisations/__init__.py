"""Client organisations (tenants): the melders whose volunteers register signals."""
