"""Writing Whoosh segments without Whoosh's per-posting pipeline (same on-disk format, W3 codec).

Whoosh indexes a document by running each field's analyzer token by token, turning every
(term, document) posting into a tuple in an external-sort pool, sorting the pool, then adding the
postings one call at a time while reading each document's field length back from disk; that is
~20 µs of Python per posting, and a 400-syllable record has ~950 postings (folded, exact,
bigram). Here a record's text is tokenised once with C-level string operations (one regex pass,
`lower`, `translate`), each field's terms are counted with `Counter`, postings are appended to
per-term arrays in memory, and a segment's posting lists are written block by block. Non-text
fields, merges of older segments and deletions still go through Whoosh.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import shutil
import traceback
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import pairwise, repeat
from operator import add
from pathlib import Path
from pickle import dumps
from typing import Any

from whoosh import formats
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.fields import TEXT
from whoosh.index import TOC, FileIndex, clean_files
from whoosh.system import IS_LITTLE, pack_uint, unpack_uint
from whoosh.util.numeric import byte_to_length
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


def _encode_positions(poslist: list[int]) -> bytes:
    """Whoosh's Positions encoding: the count, then the pickled position deltas."""
    if len(poslist) == 1:
        p = poslist[0]
        if p < 4096:
            return _ONE_POSITION[p]
        deltas = poslist
    else:
        deltas = [poslist[0], *(b - a for a, b in pairwise(poslist))]
    return pack_uint(len(deltas)) + dumps(deltas, 2)


def _positions_items(tokens: list[str], boost: float) -> list[tuple[str, float, bytes]]:
    """(term, weight, encoded positions) of a token list, mostly without a per-token loop."""
    counts = Counter(tokens)
    last = dict(zip(tokens, range(len(tokens)), strict=True))
    items: list[tuple[str, float, bytes]] = []
    repeated: dict[str, list[int]] = {}
    for token, n in counts.items():
        if n == 1:
            items.append((token, boost, _encode_positions([last[token]])))
        else:
            repeated[token] = []
    if repeated:
        for i, token in enumerate(tokens):
            found = repeated.get(token)
            if found is not None:
                found.append(i)
        items.extend((t, len(p) * boost, _encode_positions(p)) for t, p in repeated.items())
    return items


def field_terms(
    field: VText, value: str, memo: dict[int, tuple[list[str], list[str]]]
) -> tuple[Iterable[tuple[str, Any, bytes | None]], int]:
    """(term, weight or frequency, value bytes or None) of each term of a VText value; length."""
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
            tokens = [exact_word(w) for w in tokens]
        return _positions_items(tokens, boost), len(tokens)
    counts: dict[str, int] = Counter(tokens)
    if kind == EXACT:
        merged: dict[str, int] = {}
        for word, n in counts.items():
            key = exact_word(word)
            merged[key] = merged.get(key, 0) + n
        counts = merged
    if boost == 1.0:  # weight = frequency and value = packed frequency: kept as one int
        return [(t, n, None) for t, n in counts.items()], len(tokens)
    return [(t, n * boost, _freq(n)) for t, n in counts.items()], len(tokens)


class TermPool:
    """Postings of the segment being written, per field and term, in memory (no sort, no runs).

    A term's entry is (docnums, weights, values); in `freq_fields` (frequency format, boost 1)
    it is (docnums, frequencies, None): weights and packed values are derived when written.
    """

    def __init__(self, freq_fields: Iterable[str] = (), text_fields: Iterable[str] = ()) -> None:
        self.fields: dict[str, dict[Any, tuple[array, array, list[bytes] | None]]] = {}
        self.fieldnames: set[str] = set()
        self.freq_fields = frozenset(freq_fields)
        self.text_fields = frozenset(text_fields)  # terms kept as str (encoded when written)
        self.merged: set[str] = set()  # fields with postings from merged segments

    def _terms(self, fieldname: str) -> dict[Any, tuple[array, array, list[bytes] | None]]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add one Whoosh posting tuple (fieldname, term bytes, docnum, weight, value bytes)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self.merged.add(fieldname)
        term: str | bytes = tbytes.decode("utf-8") if fieldname in self.text_fields else tbytes
        if fieldname in self.freq_fields:
            freq = unpack_uint(vbytes)[0] if vbytes else round(weight)
            self.add_terms(fieldname, docnum, [(term, freq, None)])
        else:
            self.add_terms(fieldname, docnum, [(term, weight, vbytes)])

    def add_terms(
        self, fieldname: str, docnum: int, items: Iterable[tuple[str, Any, bytes | None]]
    ) -> None:
        """Add one document's postings of one field (frequencies only in `freq_fields`)."""
        terms = self._terms(fieldname)
        get = terms.get
        if fieldname in self.freq_fields:
            for term, freq, _ in items:
                entry = get(term)
                if entry is None:
                    entry = terms[term] = (array("I"), array("I"), None)
                entry[0].append(docnum)
                entry[1].append(freq)
            return
        for term, weight, vbytes in items:
            entry = get(term)
            if entry is None:
                entry = terms[term] = (array("I"), array("f"), [])
            entry[0].append(docnum)
            entry[1].append(weight)
            if vbytes:
                entry[2].append(vbytes)

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """Every posting in Whoosh's order (field, term, docnum)."""
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for term in sorted(terms):
                ids, weights, values = terms[term]
                tbytes = term.encode("utf-8") if isinstance(term, str) else term
                for i, docnum in enumerate(ids):
                    if values is None:
                        yield fieldname, tbytes, docnum, float(weights[i]), _freq(weights[i])
                    else:
                        yield fieldname, tbytes, docnum, weights[i], values[i] if values else None

    def cleanup(self) -> None:
        """Drop the postings."""
        self.fields.clear()


def _packed(freqs: array) -> bytes:
    """Frequencies as Whoosh's fixed-size values: big-endian unsigned ints, concatenated."""
    if IS_LITTLE:
        freqs = array("I", freqs)
        freqs.byteswap()
    return freqs.tobytes()


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


def write_pool(fieldwriter: Any, schema: Any, pool: TermPool, pdr: Any, doccount: int) -> None:
    """Write a pool's posting lists through a W3FieldWriter, whole blocks at a time."""
    for fieldname in sorted(pool.fields):
        terms = pool.fields[fieldname]
        lengths = _length_bytes(pdr, fieldname, doccount) if pdr is not None else None
        fieldwriter.start_field(fieldname, schema[fieldname])
        pw = fieldwriter._postwriter
        limit = max(pw._blocklimit, BLOCK_POSTINGS)
        compression = pw._compression
        check_order = fieldname in pool.merged  # merged postings: sort them if out of order
        for term in sorted(terms):  # code point order is UTF-8 byte order
            ids, weights, values = terms[term]
            if check_order and len(ids) > 1 and any(a >= b for a, b in pairwise(ids)):
                order = sorted(range(len(ids)), key=ids.__getitem__)
                ids = array("I", [ids[i] for i in order])
                weights = array(weights.typecode, [weights[i] for i in order])
                values = [values[i] for i in order] if values else values
            fieldwriter.start_term(term.encode("utf-8") if isinstance(term, str) else term)
            for start in range(0, len(ids), limit):
                if start:
                    pw._write_block()
                chunk = ids[start : start + limit]
                block_weights = weights[start : start + limit]
                pw._ids = chunk
                pw._maxweight = float(max(block_weights))
                if values is None:  # frequencies
                    pw._weights = array("f", block_weights)
                    pw._values = [_packed(block_weights)]
                else:
                    pw._weights = block_weights
                    pw._values = values[start : start + limit] if values else []
                # zlib's setup costs more than it saves on a block of a few postings
                pw._compression = compression if len(chunk) >= COMPRESS_MIN else 0
                pw._minlength, pw._maxlength = None, 0
                if lengths is not None:
                    found = [lengths[d] for d in chunk]
                    low = min(found)
                    if not low:
                        low = min((b for b in found if b), default=0)
                    high = max(found)
                    pw._minlength = byte_to_length(low) if low else None
                    pw._maxlength = byte_to_length(high) if high else 0
            fieldwriter.finish_term()
        fieldwriter.finish_field()


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
                        items, length = field_terms(field, value, memo)
                        pool.add_terms(fieldname, docnum, items)
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
