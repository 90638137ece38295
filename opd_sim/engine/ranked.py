"""A sequence kept sorted by a unique key, stored in buckets.

One sorted Python list moves every item after the place it changes: taking the head of a
waitlist of 100,000 tokens moves 100,000 pointers. Here the items sit in buckets of at most
``2 * LOAD`` items (with the key of each bucket's last item in a list of its own), so adding,
removing or finding an item bisects the bucket maxima, then changes one short bucket: the cost
grows with the logarithm of the length, not with the length.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from itertools import chain, islice
from typing import Any, Generic, TypeVar

__all__ = ["LOAD", "Ranked"]

T = TypeVar("T")

#: A bucket splits in two when it reaches twice this many items. A few hundred keeps a change
#: inside a bucket (moving at most 2 * LOAD pointers) far cheaper than the bisections around it.
LOAD = 256
_NONE = ()


class Ranked(Generic[T]):
    """Items in increasing order of ``key(item)``, which must be unique and never change while
    the item is held: iterate, ``len``, ``in``, :meth:`add`, :meth:`remove`, :meth:`first` and
    :meth:`after`. Not to be changed while it is being iterated."""

    __slots__ = ("_buckets", "_key", "_len", "_maxes")

    def __init__(self, key: Callable[[T], Any], ordered: Sequence[T] = ()) -> None:
        """Hold the ``ordered`` items, which must already be in increasing order of key."""
        self._key = key
        # Both lists come with the first item (add replaces these empty tuples): an empty
        # Ranked is then one object, not three, for the cyclic garbage collector to walk.
        self._buckets: list[list[T]] = _NONE  # type: ignore[assignment]
        self._maxes: list[Any] = _NONE  # type: ignore[assignment]  # each bucket's last key
        self._len = len(ordered)
        if ordered:
            self._buckets = [list(ordered[i:i + LOAD]) for i in range(0, len(ordered), LOAD)]
            self._maxes = [key(bucket[-1]) for bucket in self._buckets]

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return self._len > 0

    def __iter__(self) -> Iterator[T]:
        return chain.from_iterable(self._buckets)

    def __contains__(self, item: object) -> bool:
        try:
            return self._find(item) is not None
        except (AttributeError, TypeError):  # not an item of this kind: it has no key
            return False

    def __repr__(self) -> str:
        return f"Ranked({list(self)!r})"

    def first(self) -> T:
        """The item of smallest key (IndexError when empty)."""
        return self._buckets[0][0]

    def pop_first(self) -> T:
        """Take out and return the item of smallest key (IndexError when empty)."""
        bucket = self._buckets[0]
        item = bucket.pop(0)  # moves at most 2 * LOAD pointers
        self._len -= 1
        if not bucket:
            if self._len == 0:  # back to no lists at all, as when new
                self._buckets = self._maxes = _NONE  # type: ignore[assignment]
            else:
                del self._buckets[0]
                del self._maxes[0]
        return item

    def add(self, item: T) -> None:
        """Insert ``item`` at its place by key."""
        key = self._key(item)
        buckets, maxes = self._buckets, self._maxes
        if not maxes:
            self._buckets, self._maxes, self._len = [[item]], [key], 1
            return
        if key > maxes[-1]:  # after every item: the usual case of a new request or slot
            index = len(maxes) - 1
            bucket = buckets[index]
            bucket.append(item)
            maxes[index] = key
        else:
            index = bisect_left(maxes, key)
            bucket = buckets[index]
            bucket.insert(bisect_left(bucket, key, key=self._key), item)
        self._len += 1
        if len(bucket) >= 2 * LOAD:
            buckets.insert(index + 1, bucket[LOAD:])
            maxes.insert(index + 1, maxes[index])
            del bucket[LOAD:]
            maxes[index] = self._key(bucket[-1])

    def remove(self, item: T) -> None:
        """Take ``item`` out (ValueError if it is not held)."""
        place = self._find(item)
        if place is None:
            raise ValueError(f"{item!r} is not held")
        index, position = place
        bucket = self._buckets[index]
        del bucket[position]
        self._len -= 1
        if not bucket:  # an empty bucket goes, so every bucket has a last item
            if self._len == 0:  # back to no lists at all, as when new
                self._buckets = self._maxes = _NONE  # type: ignore[assignment]
            else:
                del self._buckets[index]
                del self._maxes[index]
        elif position == len(bucket):
            self._maxes[index] = self._key(bucket[-1])

    def after(self, key: Any) -> Iterator[T]:
        """The items whose key is greater than ``key``, in order."""
        buckets, maxes = self._buckets, self._maxes
        index = bisect_right(maxes, key)
        if index == len(maxes):
            return iter(())
        bucket = buckets[index]
        start = bisect_right(bucket, key, key=self._key)
        rest = chain.from_iterable(islice(buckets, index + 1, None))
        return chain(islice(bucket, start, None), rest)

    def _find(self, item: object) -> tuple[int, int] | None:
        """The bucket and position holding ``item`` itself, or None."""
        key = self._key(item)  # type: ignore[arg-type]
        index = bisect_left(self._maxes, key)
        if index < len(self._maxes):
            bucket = self._buckets[index]
            position = bisect_left(bucket, key, key=self._key)
            if position < len(bucket) and bucket[position] is item:
                return index, position
        return None
