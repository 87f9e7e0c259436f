/* paper_ref.c -- loading the paper's published numbers (see paper_ref.h):
 * a given file, else the compiled-in copy. */
#include "sim/data/paper_ref.h"

#include "sim/core/json.h"

#include <stdlib.h>
#include <string.h>

cJSON *etsim_paper_ref_load(const char *path, char **where, etsim_err *err) {
    if (where) *where = NULL;
    cJSON *j;
    if (path) {
        size_t len;
        char *text = etsim_read_file(path, &len, err);
        if (!text) return NULL;
        j = etsim_json_parse(text, len, path, err);
        free(text);
        if (!j) return NULL;
    } else {
        j = cJSON_Parse(etsim_paper_ref_json);
    }
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        etsim_errf(err, "%s: invalid JSON (expected an object)", path ? path : ETSIM_PAPER_REF_BUILTIN);
        return NULL;
    }
    if (where) *where = etsim_strdup(path ? path : ETSIM_PAPER_REF_BUILTIN);
    return j;
}
