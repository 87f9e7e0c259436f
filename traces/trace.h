/* trace.h -- trace files, format v1 (specified in traces/FORMAT.md): write
 * recorded search trees problem by problem, read any problem (or a shard)
 * back without decompressing the others, recover an interrupted capture.
 *
 * Writer: etsim_trace_writer_open writes <path>.tmp.<pid>, one zstd frame
 * per problem (flushed, so a crash leaves complete frames), and
 * etsim_trace_writer_finish appends the index and renames it onto <path>.
 *
 * Reader: etsim_trace_open validates the file header, header, index and
 * trailer; etsim_trace_load validates one problem frame (checksums, bounds,
 * parents before children, counts, sizes, strings, embeddings) and fills a
 * tree. A reader is immutable after open: any number of threads may load
 * problems at once, each with its own etsim_trace_scratch.
 *
 * Every error is one line naming the file and, where they apply, the
 * problem (its position in the file), the node and the field. */
#ifndef ETSIM_TRACE_H
#define ETSIM_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/meta.h"
#include "sim/core/tree.h"
#include "sim/core/util.h"

#define ETSIM_TRACE_VERSION 1
#define ETSIM_TRACE_DEFAULT_LEVEL 3          /* zstd level                   */
#define ETSIM_TRACE_MAX_FRAME (1u << 30)     /* default reader limit, bytes  */

/* ---- writer ------------------------------------------------------------- */

typedef struct etsim_trace_writer etsim_trace_writer;

/* Create <path>.tmp.<pid> and write the file header and the header record
 * from `meta` (n_problems is stored as "problems_planned" when > 0;
 * embed_encoding NULL means "f16" when emb_dim > 0). zstd_level 0 means
 * ETSIM_TRACE_DEFAULT_LEVEL. */
etsim_trace_writer *etsim_trace_writer_open(const char *path, const etsim_meta *meta,
                                            int zstd_level, etsim_err *err);

/* Resume an interrupted capture: `partial` is the temporary file it left
 * (NULL: the newest <path>.tmp.* file). Keeps every complete problem frame,
 * drops a torn last one, and continues appending; finish renames onto
 * <path>. *meta_out (may be NULL) gets the header's metadata (caller frees
 * with etsim_meta_free). */
etsim_trace_writer *etsim_trace_writer_resume(const char *path, const char *partial,
                                              etsim_meta *meta_out, int zstd_level,
                                              etsim_err *err);

/* Append one problem: all nodes of t in id order (parents precede
 * children in a tree arena). Problem indices (t->prob.index) must strictly
 * increase. The tree's embeddings must have the header's dimension. */
int etsim_trace_writer_add(etsim_trace_writer *w, const etsim_tree *t, etsim_err *err);

int32_t etsim_trace_writer_count(const etsim_trace_writer *w);      /* problems written */
int32_t etsim_trace_writer_last_index(const etsim_trace_writer *w); /* -1 if none       */
/* After resume: bytes of torn tail dropped. */
int64_t etsim_trace_writer_dropped_bytes(const etsim_trace_writer *w);

/* Write the index and trailer, rename onto <path>. Frees w either way. */
int etsim_trace_writer_finish(etsim_trace_writer *w, etsim_err *err);
/* Drop everything written (unlinks the temporary file). Frees w. NULL ok. */
void etsim_trace_writer_abort(etsim_trace_writer *w);

/* ---- reader ------------------------------------------------------------- */

typedef struct etsim_trace etsim_trace;
typedef struct etsim_trace_scratch etsim_trace_scratch;

enum {
    /* Build the index by scanning the frames (a file whose capture was
     * interrupted); stops at the first incomplete or invalid record. */
    ETSIM_TRACE_SCAN = 1u << 0,
};

etsim_trace *etsim_trace_open(const char *path, etsim_err *err);
/* flags: ETSIM_TRACE_*; max_frame: reader limit on one record's raw or
 * compressed size, 0 = ETSIM_TRACE_MAX_FRAME. */
etsim_trace *etsim_trace_open_ex(const char *path, unsigned flags, size_t max_frame,
                                 etsim_err *err);
/* Read from memory (borrowed; must outlive the reader). `name` is used in
 * error messages. */
etsim_trace *etsim_trace_open_mem(const void *data, size_t len, const char *name,
                                  unsigned flags, size_t max_frame, etsim_err *err);
void etsim_trace_close(etsim_trace *tr); /* NULL ok */

const char *etsim_trace_name(const etsim_trace *tr);
/* Header metadata; n_problems is the number of problems in the file. */
const etsim_meta *etsim_trace_meta(const etsim_trace *tr);
int32_t etsim_trace_n_problems(const etsim_trace *tr);
int64_t etsim_trace_n_nodes(const etsim_trace *tr);
int64_t etsim_trace_file_bytes(const etsim_trace *tr);
int32_t etsim_trace_problems_planned(const etsim_trace *tr); /* 0 unknown */
/* How the index was obtained: 1 = from the file, 0 = by scanning. */
int etsim_trace_has_index(const etsim_trace *tr);
/* With ETSIM_TRACE_SCAN: bytes after the last complete record (dropped). */
int64_t etsim_trace_dropped_bytes(const etsim_trace *tr);

/* Per-position facts from the index (k in 0..n_problems-1). */
typedef struct etsim_trace_entry {
    int64_t offset;      /* of the record header                        */
    uint32_t record_len; /* 32 + compressed frame                       */
    int32_t problem;     /* problem index in its set                    */
    int32_t n_nodes;
    uint32_t raw_len;
} etsim_trace_entry;
const etsim_trace_entry *etsim_trace_entry_at(const etsim_trace *tr, int32_t k);
/* Position of the problem with index `problem`, or -1 (binary search). */
int32_t etsim_trace_find(const etsim_trace *tr, int32_t problem);
/* Shard s of n: positions [*lo, *hi), contiguous and balanced. */
void etsim_trace_shard(const etsim_trace *tr, int32_t s, int32_t n, int32_t *lo,
                       int32_t *hi);

/* Totals as the index records them (leaves, scored, ...). */
typedef struct etsim_trace_counters {
    int64_t n_nodes, n_leaves, n_scored, n_text, n_answer, n_emb;
} etsim_trace_counters;
void etsim_trace_counters_get(const etsim_trace *tr, etsim_trace_counters *c);

/* Reused decompression context and buffers; one per thread. */
etsim_trace_scratch *etsim_trace_scratch_new(void);
void etsim_trace_scratch_free(etsim_trace_scratch *s); /* NULL ok */

/* Load problem k (position) into t: t is reset, its emb_dim set to the
 * header's, the tree rebuilt node by node. On error t is left reset. */
int etsim_trace_load(const etsim_trace *tr, int32_t k, etsim_tree *t,
                     etsim_trace_scratch *s, etsim_err *err);

/* Column accounting of problem k (for `etsim inspect`): decompressed bytes
 * of each part of the frame, and (comp != NULL) each part compressed alone
 * at `level`. */
enum {
    ETSIM_TRACE_COL_PROBLEM = 0, /* fixed fields and problem strings */
    ETSIM_TRACE_COL_FLAGS,
    ETSIM_TRACE_COL_PARENT,
    ETSIM_TRACE_COL_TOKENS,
    ETSIM_TRACE_COL_SCORE,
    ETSIM_TRACE_COL_HASH,
    ETSIM_TRACE_COL_ANSWER,
    ETSIM_TRACE_COL_TEXT,
    ETSIM_TRACE_COL_EMB,
    ETSIM_TRACE_NCOLS
};
extern const char *const etsim_trace_col_names[ETSIM_TRACE_NCOLS];
int etsim_trace_columns(const etsim_trace *tr, int32_t k, etsim_trace_scratch *s,
                        int level, int64_t raw[ETSIM_TRACE_NCOLS],
                        int64_t comp[ETSIM_TRACE_NCOLS], etsim_err *err);

/* ---- helpers ------------------------------------------------------------ */

/* Metadata is freed and copied with etsim_meta_free / etsim_meta_copy
 * (sim/core/meta.h). */

/* Embedding encodings: "f32", "f16", "i8". Returns the code or -1. */
enum { ETSIM_EMB_F32 = 0, ETSIM_EMB_F16 = 1, ETSIM_EMB_I8 = 2 };
int etsim_trace_emb_encoding(const char *name);
/* Bytes one row of `dim` values takes in an encoding. */
size_t etsim_trace_emb_row_bytes(int enc, int32_t dim);
/* Encode/decode `rows` rows (byte-planed, see FORMAT.md); out must hold
 * rows * row_bytes / rows * dim floats. Used by the bench for error figures. */
void etsim_trace_emb_encode(int enc, const float *in, int64_t rows, int32_t dim,
                            unsigned char *out);
void etsim_trace_emb_decode(int enc, const unsigned char *in, int64_t rows, int32_t dim,
                            float *out);

#endif
