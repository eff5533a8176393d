"""Writing Whoosh segments without Whoosh's per-posting pipeline (same on-disk format, W3 codec).

Whoosh indexes a document by running each field's analyzer token by token, turning every
(term, document) posting into a tuple in an external-sort pool, sorting the pool, then adding the
postings one call at a time while reading each document's field length back from disk; that is
~20 µs of Python per posting, and a 400-syllable record has ~950 postings (folded, exact,
bigram). Here a record's text is tokenised once with C-level string operations (one regex pass,
`lower`, `translate`), each field's terms are counted with `Counter`, postings are appended to
per-term arrays in memory by `map` over C methods (no per-posting Python loop), and a segment's
posting lists and term-info rows are built as the bytes W3FieldWriter would write, without its
~15 Python calls per term (`write_pool`). Non-text fields, merges of older segments and
deletions still go through Whoosh.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import shutil
import traceback
import zlib
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator
from hashlib import md5
from itertools import compress, repeat
from operator import add, ge, sub
from pathlib import Path
from pickle import dumps
from struct import Struct
from typing import Any

from whoosh import formats
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3TermInfo, _lenfield
from whoosh.fields import TEXT
from whoosh.filedb.filetables import _lengths as _ROW_LENGTHS
from whoosh.filedb.filetables import md5_hash
from whoosh.index import TOC, FileIndex, clean_files
from whoosh.system import IS_LITTLE, pack_int, pack_long, pack_uint, pack_ushort, unpack_uint
from whoosh.writing import SegmentWriter

from indexer.analysis import BIGRAM_JOINER, FOLD_TABLE, WORD_RE, exact_word, fold_word, nfc
from indexer.errors import IndexerError

logger = logging.getLogger(__name__)

FOLDED, EXACT, BIGRAM = "folded", "exact", "bigram"
SEGMENT_DOCS = 10_000
COMPRESS_MIN = 32
# Postings per block (Whoosh writes 128): readers decode whole lists, and each block costs a
# read, a decompress, an unpickle and an array conversion whatever its size.
BLOCK_POSTINGS = 1024
_FREQ_BYTES = [pack_uint(i) for i in range(1024)]
_SEP = "\x00"
_TERMINFO = W3TermInfo._struct
_FLOAT32 = Struct("f")
_FLUSH_BYTES = 1 << 20
_consume = deque(maxlen=0).extend  # runs an iterator of C calls (appends) to its end


class VText(TEXT):
    """A TEXT field whose terms FastSegmentWriter computes itself (`vkind`: folded, exact, bigram)."""

    def __init__(self, vkind: str, analyzer: Any, phrase: bool) -> None:
        super().__init__(analyzer=analyzer, phrase=phrase)
        self.vkind = vkind


def analyze(text: str) -> tuple[list[str], list[str]]:
    """(lowercase words, folded words) of a text, tokenised exactly as the index analyzers do."""
    raw = WORD_RE.findall(nfc(text))
    if not raw:
        return [], []
    joined = _SEP.join(raw).lower()
    lowered = joined.split(_SEP)
    folded_joined = joined.translate(FOLD_TABLE)
    if folded_joined.isascii():
        folded = folded_joined.split(_SEP)
    else:  # letters outside the table (Greek, Cyrillic, stray marks): word by word
        folded = [w if w.isascii() else fold_word(w) for w in folded_joined.split(_SEP)]
    if len(lowered) != len(raw) or len(folded) != len(raw):  # lower() made a separator
        lowered = [w.lower() for w in raw]
        folded = [fold_word(w) for w in raw]
    return lowered, folded


def _freq(n: int) -> bytes:
    return _FREQ_BYTES[n] if n < 1024 else pack_uint(n)


_ONE_POSITION = [pack_uint(1) + dumps([p], 2) for p in range(4096)]


def _one_position(p: int) -> bytes:
    return _ONE_POSITION[p] if p < 4096 else pack_uint(1) + dumps([p], 2)


def _encode_positions(poslist: list[int]) -> bytes:
    """Whoosh's Positions encoding: the count, then the pickled position deltas."""
    if len(poslist) == 1:
        return _one_position(poslist[0])
    deltas = [poslist[0], *map(sub, poslist[1:], poslist)]
    return pack_uint(len(deltas)) + dumps(deltas, 2)


def _positions(tokens: list[str]) -> tuple[list[str], list[int], list[bytes]]:
    """(terms, frequencies, encoded positions) of a token list, without a per-token Python loop."""
    one = _ONE_POSITION.__getitem__ if len(tokens) <= len(_ONE_POSITION) else _one_position
    last = dict(zip(tokens, range(len(tokens)), strict=True))
    if len(last) == len(tokens):
        return list(last), [1] * len(last), list(map(one, last.values()))
    groups: defaultdict[str, list[int]] = defaultdict(list)
    _consume(map(list.append, map(groups.__getitem__, tokens), range(len(tokens))))
    poslists = list(groups.values())
    counts = list(map(len, poslists))
    values = list(map(one, last.values()))  # right for the terms seen once (same key order)
    for i in compress(range(len(counts)), map((1).__lt__, counts)):
        values[i] = _encode_positions(poslists[i])
    return list(groups), counts, values


def _exact_counts(counts: dict[str, int]) -> dict[str, int]:
    """Frequencies of lowercase words keyed by their exact (canonical tone) form, merged."""
    words = list(counts)
    exact = list(map(exact_word, words))
    if exact == words:
        return counts
    merged = dict(zip(exact, counts.values(), strict=True))
    if len(merged) == len(words):
        return merged
    merged = {}
    for key, n in zip(exact, counts.values(), strict=True):
        merged[key] = merged.get(key, 0) + n
    return merged


def field_postings(
    field: VText, value: str, memo: dict[int, tuple[list[str], list[str]]]
) -> tuple[list[str], list[Any], list[bytes] | None, int]:
    """Terms, weights (frequencies), value bytes (None: packed frequencies) of a VText value; length."""
    analysis = memo.get(id(value))
    if analysis is None:
        analysis = memo[id(value)] = analyze(value)
    lowered, folded = analysis
    kind = field.vkind
    if kind == BIGRAM:
        tokens = list(map(add, map(add, folded, repeat(BIGRAM_JOINER)), folded[1:]))
    elif kind == EXACT:
        tokens = lowered
    else:
        tokens = folded
    boost = field.format.field_boost
    if isinstance(field.format, formats.Positions):
        if kind == EXACT:
            tokens = list(map(exact_word, tokens))
        terms, counts, values = _positions(tokens)
        weights = counts if boost == 1.0 else [n * boost for n in counts]
        return terms, weights, values, len(tokens)
    counts: dict[str, int] = Counter(tokens)
    if kind == EXACT:
        counts = _exact_counts(counts)
    freqs = list(counts.values())
    if boost == 1.0:
        return list(counts), freqs, None, len(tokens)
    return list(counts), [n * boost for n in freqs], list(map(_freq, freqs)), len(tokens)


def _new_pairs() -> array:
    return array("I")


class TermPool:
    """Postings of the segment being written, per field and term, in memory (no sort, no runs).

    In `freq_fields` (frequency format, boost 1) a term's postings are one array of docnum,
    frequency pairs, flattened; weights and packed values are derived when written. In other
    fields they are one list of docnum, weight, value bytes triples, flattened.
    """

    def __init__(self, freq_fields: Iterable[str] = (), text_fields: Iterable[str] = ()) -> None:
        self.fields: dict[str, defaultdict[Any, Any]] = {}
        self.fieldnames: set[str] = set()
        self.freq_fields = frozenset(freq_fields)
        self.text_fields = frozenset(text_fields)  # terms kept as str (encoded when written)
        self.merged: set[str] = set()  # fields with postings from merged segments

    def _terms(self, fieldname: str) -> defaultdict[Any, Any]:
        terms = self.fields.get(fieldname)
        if terms is None:
            factory = _new_pairs if fieldname in self.freq_fields else list
            terms = self.fields[fieldname] = defaultdict(factory)
            self.fieldnames.add(fieldname)
        return terms

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add one Whoosh posting tuple (fieldname, term bytes, docnum, weight, value bytes)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self.merged.add(fieldname)
        terms = self._terms(fieldname)
        term: str | bytes = tbytes.decode("utf-8") if fieldname in self.text_fields else tbytes
        if fieldname in self.freq_fields:
            freq = unpack_uint(vbytes)[0] if vbytes else round(weight)
            terms[term].extend((docnum, freq))
        else:
            terms[term].extend((docnum, weight, vbytes))

    def add_postings(
        self,
        fieldname: str,
        docnum: int,
        terms: list[Any],
        weights: list[Any],
        values: list[bytes] | None = None,
    ) -> None:
        """Add one document's postings of one field (`values` None: packed frequencies)."""
        slots = list(map(self._terms(fieldname).__getitem__, terms))
        if fieldname in self.freq_fields:
            _consume(map(array.append, slots, repeat(docnum)))
            _consume(map(array.append, slots, weights))
            return
        if values is None:
            values = list(map(_freq, weights))
        _consume(map(list.append, slots, repeat(docnum)))
        _consume(map(list.append, slots, weights))
        _consume(map(list.append, slots, values))

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """Every posting in Whoosh's order (field, term, docnum)."""
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            freq = fieldname in self.freq_fields
            for term in sorted(terms):
                flat = terms[term]
                tbytes = term.encode("utf-8") if isinstance(term, str) else term
                if freq:
                    for docnum, n in zip(flat[0::2], flat[1::2], strict=True):
                        yield fieldname, tbytes, docnum, float(n), _freq(n)
                else:
                    weights = array("f", flat[1::3])  # Whoosh keeps weights as 32-bit floats
                    for docnum, weight, vbytes in zip(flat[0::3], weights, flat[2::3], strict=True):
                        yield fieldname, tbytes, docnum, weight, vbytes or None

    def cleanup(self) -> None:
        """Drop the postings."""
        self.fields.clear()


def _packed(freqs: Any) -> bytes:
    """Frequencies as Whoosh's fixed-size values: big-endian unsigned ints, concatenated."""
    packed = array("I", freqs)
    if IS_LITTLE:
        packed.byteswap()
    return packed.tobytes()


def _length_bytes(pdr: Any, fieldname: str, doccount: int) -> bytes | None:
    """The segment's length byte of each document for a field, or None when not scored."""
    try:
        reader = pdr._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    except Exception:
        return None
    if reader is None:
        return None
    if isinstance(reader, bytes):
        raw = reader
    else:
        raw = bytes(reader._dbfile.get(reader._basepos, reader._count))
    return raw + bytes(max(0, doccount - len(raw)))


def _md5_hash(key: bytes) -> int:
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")


def write_pool(fieldwriter: Any, schema: Any, pool: TermPool, pdr: Any, doccount: int) -> None:
    """Write a pool's posting lists and term infos as a W3FieldWriter would, whole blocks at a time."""
    for fieldname in sorted(pool.fields):
        field = schema[fieldname]
        lengths = _length_bytes(pdr, fieldname, doccount) if pdr is not None else None
        fieldwriter.start_field(fieldname, field)
        _write_field(
            fieldwriter,
            pool.fields[fieldname],
            lengths,
            freq=fieldname in pool.freq_fields,
            fixed=field.format.fixed_value_size(),
            check_order=fieldname in pool.merged,
        )
        fieldwriter.finish_field()


def _block_values(values: list[bytes], fixed: int | None) -> Any:
    """A block's values as W3PostingsWriter stores them for a format's fixed value size."""
    if fixed is None or fixed < 0:
        return tuple(values)
    return None if fixed == 0 else b"".join(values)


def _term_postings(
    ids: Any,
    weights: Any,
    values: Any,
    lengths: bytes | None,
    limit: int,
    compression: int,
    fixed: int | None,
) -> tuple[bytes, Any, float, int, int]:
    """A posting list's bytes (magic, then blocks); total weight, max weight, min and max length
    bytes. `values` None: the weights are frequencies, stored packed.

    A block is `pack_int(±size)`, the pickled block info (postings, last docnum, max weight,
    compression, min and max length bytes), then the pickled (docnum deltas, weights, values),
    compressed from COMPRESS_MIN postings; the last block's size is negative.
    """
    count = len(ids)
    parts = [WHOOSH3_HEADER_MAGIC]
    total: Any = 0
    maxweight = 0.0
    minbyte = maxbyte = 0
    for start in range(0, count, limit):
        chunk = ids[start : start + limit] if count > limit else ids
        chunk_weights = weights[start : start + limit] if count > limit else weights
        size = len(chunk)
        low, high = min(chunk_weights), max(chunk_weights)
        if low != high:
            mini_weights: Any = tuple(map(float, chunk_weights))
        else:
            mini_weights = None if high == 1 else float(high)
        if values is None:
            mini_values = _packed(chunk_weights)
        else:
            chunk_values = values[start : start + limit] if count > limit else values
            mini_values = _block_values(chunk_values, fixed)
        deltas = (chunk[0], *map(sub, chunk[1:], chunk))
        data = dumps((deltas, mini_weights, mini_values), 2)
        # zlib's setup costs more than it saves on a block of a few postings
        comp = compression if size >= COMPRESS_MIN else 0
        if comp:
            data = zlib.compress(data, comp)
        if lengths is None:
            low_byte = high_byte = 0
        else:
            found = bytes(map(lengths.__getitem__, chunk))
            low_byte, high_byte = min(found), max(found)
            if not low_byte:
                low_byte = min(found.replace(b"\0", b""), default=0)
        info = dumps((size, chunk[-1], float(high), comp, low_byte, high_byte), 2)
        blocksize = len(info) + len(data)
        parts += (pack_int(blocksize if start + limit < count else -blocksize), info, data)
        total += sum(chunk_weights)
        maxweight = max(maxweight, float(high))
        if low_byte and (not minbyte or low_byte < minbyte):
            minbyte = low_byte
        maxbyte = max(maxbyte, high_byte)
    return b"".join(parts), total, maxweight, minbyte, maxbyte


def _write_field(
    fieldwriter: Any,
    terms: dict[Any, Any],
    lengths: bytes | None,
    *,
    freq: bool,
    fixed: int | None,
    check_order: bool,
) -> None:
    """Write one field's terms: W3PostingsWriter's posting lists and OrderedHashWriter's rows."""
    postfile = fieldwriter._postfile
    tindex = fieldwriter._tindex
    compression = fieldwriter._postwriter._compression
    limit = max(fieldwriter._postwriter._blocklimit, BLOCK_POSTINGS)
    hashfn = _md5_hash if tindex.hashfn is md5_hash else tindex.hashfn
    buckets = tindex.buckets
    fieldkey = pack_ushort(fieldwriter._fieldid)
    stride = 2 if freq else 3
    postpos = postfile.tell()
    keypos = tindex.dbfile.tell()
    postparts: list[bytes] = []
    keyparts: list[bytes] = []
    keypositions: list[int] = []
    pending = 0
    key = b""
    for term in sorted(terms):  # code point order is UTF-8 byte order
        flat = terms[term]
        if len(flat) == stride:  # one posting (most terms): one block, never compressed
            first = last = flat[0]
            total = flat[1]
            if freq:
                mini_values: Any = _freq(total)
            else:
                if type(total) is not int:
                    total = _FLOAT32.unpack(_FLOAT32.pack(total))[0]
                mini_values = _block_values([flat[2]] if flat[2] else [], fixed)
            maxweight = float(total)
            minbyte = maxbyte = lengths[first] if lengths is not None else 0
            data = dumps(((first,), None if total == 1 else maxweight, mini_values), 2)
            info = dumps((1, first, maxweight, 0, minbyte, maxbyte), 2)
            postings = WHOOSH3_HEADER_MAGIC + pack_int(-len(info) - len(data)) + info + data
            maxweight = max(0.0, maxweight)
            count = 1
        else:
            ids = flat[0::stride]
            weights = flat[1::stride]
            raw = flat[2::3] if not freq else None
            if check_order and any(map(ge, ids, ids[1:])):
                order = sorted(range(len(ids)), key=ids.__getitem__)
                ids = [ids[i] for i in order]
                weights = [weights[i] for i in order]
                raw = [raw[i] for i in order] if raw is not None else None
            values = None
            if raw is not None:
                weights = array("f", weights)  # Whoosh keeps weights as 32-bit floats
                values = list(filter(None, raw))
            postings, total, maxweight, minbyte, maxbyte = _term_postings(
                ids, weights, values, lengths, limit, compression, fixed
            )
            first, last, count = ids[0], ids[-1], len(ids)
        postparts.append(postings)
        terminfo = (
            _TERMINFO.pack(0, total, count, minbyte, maxbyte, maxweight, first, last)
            + pack_long(postpos)
            + pack_int(len(postings))
        )
        postpos += len(postings)
        key = fieldkey + (term.encode("utf-8") if isinstance(term, str) else term)
        row = _ROW_LENGTHS.pack(len(key), len(terminfo)) + key + terminfo
        keyparts.append(row)
        keypositions.append(keypos)
        hashed = hashfn(key)
        buckets[hashed & 255].append((hashed, keypos))
        keypos += len(row)
        pending += len(postings)
        if pending > _FLUSH_BYTES:
            postfile.write(b"".join(postparts))
            postparts.clear()
            pending = 0
    postfile.write(b"".join(postparts))
    tindex.dbfile.write(b"".join(keyparts))
    tindex.index.extend(keypositions)
    if key:
        tindex.lastkey = key


class FastSegmentWriter(SegmentWriter):
    """A SegmentWriter whose VText fields are analysed and written without per-posting calls."""

    def __init__(self, ix: FileIndex, **kwargs: Any) -> None:
        # Separate segment files, not one compound file: without mmap, every read of a compound
        # sub-file goes through a Python wrapper (a block header alone is ~20 reads).
        kwargs.setdefault("compound", False)
        super().__init__(ix, **kwargs)
        # Store the stored-record offsets in every segment: below 32,768 documents Whoosh derives
        # them from the lengths, a Python loop over the whole segment each time a searcher
        # loads a record from it.
        stored = getattr(self.perdocwriter, "_colwriters", {}).get("_stored")
        child = getattr(stored, "_child", None)
        if child is not None and hasattr(child, "cutoff"):
            child.cutoff = 0
        text = [name for name, field in self.schema.items() if isinstance(field, VText)]
        self.pool = TermPool(
            [
                name
                for name in text
                if type(self.schema[name].format) is formats.Frequency
                and self.schema[name].format.field_boost == 1.0
            ],
            text,
        )
        self._fast = not any(
            field.vector or field.separate_spelling() for _, field in self.schema.items()
        )

    def add_document(self, **fields: Any) -> None:
        """Add a document (same semantics as Whoosh's, without boosts, vectors or spelling)."""
        if not self._fast or any(name.startswith("_") for name in fields):
            super().add_document(**fields)
            return
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        fieldnames = sorted(fields)
        self._check_fields(schema, fieldnames)
        memo: dict[int, tuple[list[str], list[str]]] = {}
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    if isinstance(field, VText):
                        terms, weights, values, length = field_postings(field, value, memo)
                        pool.add_postings(fieldname, docnum, terms, weights, values)
                        if not field.scorable:
                            length = 0
                    else:
                        scorable = field.scorable
                        for tbytes, freq, weight, vbytes in field.index(value):
                            if scorable:
                                length += freq
                            pool.add((fieldname, tbytes, docnum, weight, vbytes))
                perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        write_pool(self.fieldwriter, self.schema, self.pool, pdr, self.docnum)
        self.fieldwriter.close()
        if pdr is not None:
            pdr.close()
        self.pool.cleanup()


# --- parallel bulk build ------------------------------------------------------------------------


def _worker(index_dir: str, jobs: Any, results: Any, segment_docs: int) -> None:
    """Index record batches from `jobs` into new segments; put their Segment objects on `results`."""
    from indexer.index import _storage
    from indexer.schema import record_to_document

    try:
        ix = _storage(Path(index_dir)).open_index()
        segments = []
        writer: FastSegmentWriter | None = None
        while True:
            batch = jobs.get()
            if batch is None:
                break
            for record in batch:
                if writer is None:
                    writer = FastSegmentWriter(ix, _lk=False)
                writer.add_document(**record_to_document(record))
                if writer.doc_count() >= segment_docs:
                    segments.append(_close(writer))
                    writer = None
        if writer is not None:
            if writer.doc_count():
                segments.append(_close(writer))
            else:
                writer.cancel()
        results.put(("ok", segments))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def _close(writer: FastSegmentWriter) -> Any:
    # Not `_finish()`: the workers share the writer's temp directory; the parent removes it.
    segment = writer._finalize_segment()
    writer.is_closed = True
    return segment


def bulk_add(
    ix: FileIndex,
    index_dir: Path,
    records: Iterable[dict[str, Any]],
    *,
    procs: int,
    segment_docs: int = SEGMENT_DOCS,
    batch_size: int = 250,
) -> tuple[int, int]:
    """Index `records` (unique URLs, none already in the index) in `procs` worker processes.

    The caller holds the index's write lock. Each worker writes whole segments; the new TOC lists
    the old segments and every new one, in one commit. Returns (documents added, segments).
    """
    context = multiprocessing.get_context("fork")
    jobs = context.Queue(maxsize=4 * procs)
    results = context.Queue()
    workers = [
        context.Process(target=_worker, args=(str(index_dir), jobs, results, segment_docs))
        for _ in range(procs)
    ]
    for worker in workers:
        worker.start()
    added = 0
    new_segments: list[Any] = []
    failure: str | None = None
    try:
        batch: list[dict[str, Any]] = []
        try:
            for record in records:
                batch.append(record)
                added += 1
                if len(batch) >= batch_size:
                    _put(jobs, batch, workers)
                    batch = []
            if batch:
                _put(jobs, batch, workers)
            for _ in workers:
                _put(jobs, None, workers)
        except IndexerError:
            try:  # a worker that failed left its traceback on the result queue
                status, payload = results.get(timeout=2)
            except queue.Empty:
                raise
            raise IndexerError(f"an index worker failed:\n{payload}") from None
        for _ in workers:
            status, payload = _get(results, workers)
            if status == "ok":
                new_segments.extend(payload)
            else:
                failure = failure or payload
    except BaseException:
        jobs.cancel_join_thread()  # batches no worker will read must not block our exit
        raise
    finally:
        for worker in workers:
            worker.join(timeout=5 if failure is None else 0.1)
            if worker.is_alive():
                worker.terminate()
                worker.join()
    shutil.rmtree(Path(index_dir) / f"{ix.indexname}.tmp", ignore_errors=True)
    if failure is not None:
        raise IndexerError(f"an index worker failed:\n{failure}")
    info = ix._read_toc()
    generation = info.generation + 1
    segments = list(info.segments) + new_segments
    TOC(info.schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)
    return added, len(new_segments)


def _put(jobs: Any, item: Any, workers: list[Any]) -> None:
    while True:
        try:
            jobs.put(item, timeout=1)
            return
        except queue.Full:
            if not all(w.is_alive() for w in workers):
                raise IndexerError("an index worker died") from None


def _get(results: Any, workers: list[Any]) -> tuple[str, Any]:
    while True:
        try:
            return results.get(timeout=1)
        except queue.Empty:
            if not any(w.is_alive() for w in workers):
                try:
                    return results.get(timeout=1)
                except queue.Empty:
                    raise IndexerError("the index workers died without a result") from None
