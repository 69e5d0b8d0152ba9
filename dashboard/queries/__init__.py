"""Read queries for the pages, one module per page area (`fleet`, `service*`).

Every function here makes a fixed number of queries whatever the number of services and
scans: per-service facts come from correlated subqueries or one grouped query over the
page's rows, never from a query per row.
"""
