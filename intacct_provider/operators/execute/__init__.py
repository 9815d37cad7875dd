"""What an operator runs when its task runs: imported from ``execute``, never when a DAG is parsed.

The modules beside this package (``operators/create.py``, ``bulk.py``, ...) declare the operators:
their arguments, templating and documentation, which every DAG parse loads. Everything a task
does once it runs — checking the rendered arguments, the reads and writes, links, asset events,
lineage — lives here and is imported inside ``execute``, so parsing a DAG never compiles it
(``bench/bench_import.py`` measures it, ``tests/unit/test_layers.py`` enforces it). Nothing here
imports an operator's module: a task's code reads its operator's rendered arguments (``operator:
Any``, as Airflow renders them), and only the link classes are imported, for their XCom keys.
"""
