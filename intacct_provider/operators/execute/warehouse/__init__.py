"""What only the warehouse operators use: the SQL side of a load, the load itself and the tie-out.

``target`` speaks to the database through its common-sql hook (its dialect's quoting and
upserts, its ``get_conn()``); ``fields`` picks and types the columns; ``load`` writes one run in
one transaction; ``tie_out`` compares a table with Intacct. Imported when a task runs, never
when a DAG is parsed.
"""
