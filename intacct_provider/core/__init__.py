"""The provider's decisions, free of I/O: the sync hook and the async client are loops around them.

``requests`` and ``httpx`` differ only in how bytes move; what an answer means (retry,
renew the token, settle a write, fail, done), how long to wait, whether a body is the
documented envelope and which pages to read next is decided here once, and tested
without a server.
"""
