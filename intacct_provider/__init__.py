"""Apache Airflow provider for Sage Intacct.

Only the version lives here: Airflow imports provider packages while parsing
DAG files, so this module must stay free of heavy imports.
"""

__version__ = "0.1.0"
