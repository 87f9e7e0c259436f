/* json.h -- the one loader for every JSON input of etsim (grids, profiles,
 * select instances, synth --configs, capture configs, the trace header).
 *
 * One policy, stricter than cJSON alone:
 *   - the text holds exactly one JSON value: anything but whitespace after
 *     it (a second object, a stray brace, a NUL byte) is rejected;
 *   - no object has the same key twice (cJSON would keep both and the
 *     readers would disagree on which one wins);
 *   - no string holds a NUL character (\u0000): C strings would silently
 *     cut it ("math\u0000500" would read back as "math").
 * Every error is one line naming the input, the line (counted from the
 * byte offset of the offending key or position) and, for a duplicate, the
 * key: "grid.json: line 7: duplicate key 'width'".
 *
 * How it works: cJSON parses the text (its end pointer tells where the
 * value stopped, or where it failed); a small scanner over the raw text
 * then lists the byte offset of every object key in document order, which
 * is also the pre-order of cJSON's tree, so a duplicate found by walking
 * each object's children is mapped back to its line. */
#ifndef ETSIM_JSON_H
#define ETSIM_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sim/core/sbuf.h" /* the writing side: JSON strings into a buffer */
#include "sim/core/util.h"

/* Parse text[0..len) (need not be NUL-terminated) under the policy above.
 * `name` prefixes errors (a file name, "header", ...; NULL: no prefix, for
 * callers that add their own). Returns the tree
 * (free with cJSON_Delete) or NULL with err set. */
cJSON *etsim_json_parse(const char *text, size_t len, const char *name, etsim_err *err);

/* Read `path` and parse it; errors are named by path. */
cJSON *etsim_json_load(const char *path, etsim_err *err);

/* 1-based line of byte offset `off` in text[0..len). */
int etsim_json_line_of(const char *text, size_t len, size_t off);

/* U+0000 in JSON strings that are kept (sim/eval/pystr.h: the bytes C0 80
 * carry U+0000 through C strings, as Python keeps it): rewrite every
 * "\u0000" escape in text[0..n) to the bytes C0 80, in place (the text
 * only shrinks; a NUL is written after the new end when there is room);
 * returns the new length. The JSON Lines reader (sim/eval/jsonl.h) does
 * this on every line; call it on whole-file JSON before cJSON_Parse to
 * keep strings whole. Other escapes, "\\u0000" included, are left for
 * cJSON. */
size_t etsim_json_decode_nul_escapes(char *text, size_t n);
/* The reverse, for JSON printed by cJSON that Python will read: a copy of
 * `json` with each C0 80 written as the escape \u0000 (malloc'd). */
char *etsim_json_nul_to_escape(const char *json);

#endif
