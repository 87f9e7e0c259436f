/* capture_shard.c -- a capture split across machines: which problems shard
 * i of n captures, how a shard is told apart in the trace header, and the
 * header settings of the shards joined back into one trace
 * (etsim_capture_settings_merge, for `etsim trace merge`).
 *
 * A shard's canonical settings are the whole capture's plus "shard": [i, n],
 * and its config_hash covers them, so --resume of one shard never takes
 * another shard's partial file. The problem range stays the configured
 * one in the settings; the shard's slice of it is contiguous and balanced,
 * so the shards' traces hold consecutive runs of problems. Joining removes
 * "shard" again, recomputes the hash and sums the counters: the header a
 * capture of the whole range in one piece writes. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "traces/capture/capture_internal.h"

void cap_config_shard(cap_config *c, int i, int n) {
    cJSON *canon = cJSON_Parse(c->capture_json);
    cJSON *sh = cJSON_AddArrayToObject(canon, "shard");
    cJSON_AddItemToArray(sh, cJSON_CreateNumber(i));
    cJSON_AddItemToArray(sh, cJSON_CreateNumber(n));
    free(c->capture_json);
    c->capture_json = cJSON_PrintUnformatted(canon);
    c->hash = cap_canon_hash(canon);
    cJSON_Delete(canon);
    c->shard_i = i;
    c->shard_n = n;
    if (c->end >= 0) cap_shard_range(i, n, &c->first, &c->end);
}

void cap_shard_range(int i, int n, int32_t *first, int32_t *end) {
    int64_t len = (int64_t)*end - *first;
    int32_t lo = *first + (int32_t)(len * (i - 1) / n);
    int32_t hi = *first + (int32_t)(len * i / n);
    *first = lo;
    *end = hi;
}

/* The "capture" object of settings `s` without "shard" and the server
 * URLs, printed: what must agree between shards. */
static char *comparable(const cJSON *cap) {
    cJSON *c = cJSON_Duplicate(cap, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(c, "shard");
    cJSON *src = cJSON_GetObjectItemCaseSensitive(c, "source");
    cJSON_DeleteItemFromObjectCaseSensitive(src, "policy_url");
    cJSON_DeleteItemFromObjectCaseSensitive(src, "prm_url");
    cJSON_DeleteItemFromObjectCaseSensitive(src, "embed_url");
    char *s = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    return s;
}

/* Add the numbers of object `from` into `into`, key by key. */
static void add_counts(cJSON *into, const cJSON *from) {
    const cJSON *f;
    cJSON_ArrayForEach(f, from) {
        if (!cJSON_IsNumber(f)) continue;
        cJSON *acc = cJSON_GetObjectItemCaseSensitive(into, f->string);
        if (acc) cJSON_SetNumberValue(acc, acc->valuedouble + f->valuedouble);
        else cJSON_AddNumberToObject(into, f->string, f->valuedouble);
    }
}

char *etsim_capture_settings_merge(void *ctx, const char *const *settings,
                                   const char *const *names, int n, int overlap,
                                   etsim_err *err) {
    (void)ctx;
    cJSON **o = etsim_calloc((size_t)n, sizeof *o);
    char *first = NULL, *out = NULL;
    uint8_t *seen = NULL;
    cJSON *merged = NULL, *counts = NULL;
    int shard_n = -1, all_counts = 1;
    for (int i = 0; i < n; i++) {
        o[i] = settings[i] ? cJSON_Parse(settings[i]) : NULL;
        const cJSON *cap = cJSON_GetObjectItemCaseSensitive(o[i], "capture");
        if (!cJSON_IsObject(cap)) {
            /* not a capture: the settings must be identical */
            for (int k = 0; k < n; k++)
                if ((settings[k] == NULL) != (settings[0] == NULL) ||
                    (settings[k] && strcmp(settings[k], settings[0]))) {
                    etsim_errf(err, "%s: header field settings differs from %s's", names[k],
                               names[0]);
                    goto done;
                }
            out = settings[0] ? etsim_strdup(settings[0]) : NULL;
            goto done;
        }
        char *c = comparable(cap);
        if (!first) {
            first = c;
        } else {
            int same = strcmp(first, c) == 0;
            free(c);
            if (!same) {
                etsim_errf(err, "%s: header field settings.capture differs from %s's (other "
                                "than \"shard\" and the server URLs): not shards of one capture",
                           names[i], names[0]);
                goto done;
            }
        }
        const cJSON *sh = cJSON_GetObjectItemCaseSensitive(cap, "shard");
        int si = cJSON_IsNumber(cJSON_GetArrayItem(sh, 0)) ? cJSON_GetArrayItem(sh, 0)->valueint : 0;
        int sn = cJSON_IsNumber(cJSON_GetArrayItem(sh, 1)) ? cJSON_GetArrayItem(sh, 1)->valueint : 0;
        if (i == 0) shard_n = sn;
        else if (sn != shard_n) shard_n = 0; /* mixed: no completeness check */
        if (sn > 0 && si >= 1 && si <= sn) {
            if (!seen) seen = etsim_calloc((size_t)sn + 1, 1);
            if (sn == shard_n) seen[si] = 1;
        }
        if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o[i], "counts"))) all_counts = 0;
    }
    if (shard_n > 0)
        for (int s = 1; s <= shard_n; s++)
            if (!seen[s]) {
                etsim_errf(err, "shard %d/%d is missing: the inputs hold only some shards of "
                                "the capture (capture it with --shard %d/%d)",
                           s, shard_n, s, shard_n);
                goto done;
            }
    merged = cJSON_CreateObject();
    cJSON *cap = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(o[0], "capture"), 1);
    cJSON_DeleteItemFromObjectCaseSensitive(cap, "shard");
    char hx[24];
    snprintf(hx, sizeof hx, "%016llx", (unsigned long long)cap_canon_hash(cap));
    cJSON_AddItemToObject(merged, "capture", cap);
    cJSON_AddStringToObject(merged, "config_hash", hx);
    if (all_counts && !overlap) {
        counts = cJSON_AddObjectToObject(merged, "counts");
        for (int i = 0; i < n; i++)
            add_counts(counts, cJSON_GetObjectItemCaseSensitive(o[i], "counts"));
    }
    out = cJSON_PrintUnformatted(merged);
done:
    for (int i = 0; i < n; i++) cJSON_Delete(o[i]);
    free(o);
    free(first);
    free(seen);
    cJSON_Delete(merged);
    return out;
}
