"""The SQLite database: records in (checked), records out, and one line for whatever goes wrong.

`Store` is loaded on first use (PEP 562): sqlite-utils is a third of the CLI's start-up, and the CLI
must be able to name a database error without paying for it in the commands that never open one.
"""

from typing import TYPE_CHECKING

from handhabit.store.errors import InvalidRecord, NotHandhabit, StoreError

if TYPE_CHECKING:
    from handhabit.store.database import Store

__all__ = ["InvalidRecord", "NotHandhabit", "Store", "StoreError"]


def __getattr__(name: str) -> object:
    if name == "Store":
        from handhabit.store.database import Store

        return Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
