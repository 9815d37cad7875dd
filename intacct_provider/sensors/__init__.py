"""Intacct sensors; importing this package stays cheap (no HTTP stack until a task runs)."""

from intacct_provider.sensors.record import IntacctRecordSensor

__all__ = ["IntacctRecordSensor"]
