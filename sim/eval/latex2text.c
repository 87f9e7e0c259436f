/* latex2text.c -- pylatexenc-compatible LaTeX-to-text conversion (see
 * latex2text.h for what and why).
 *
 * How it works: a tokenizer (get_token) and a recursive parser build a
 * small node tree in the arena exactly as pylatexenc's LatexWalker does in
 * tolerant mode -- chars, braced groups, macros with the arguments their
 * spec asks for, environments, specials, inline/display math -- and a
 * renderer walks the tree applying LatexNodes2Text's rules: macro table
 * replacements, whitespace kept outside equations but trimmed inside,
 * matrices as "[ a b; c d ]", display math as an indented block. */
#include "sim/eval/latex2text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define L2T_MAX_DEPTH 200

enum { T_CHAR, T_MACRO, T_BEGIN, T_END, T_BOPEN, T_BCLOSE, T_MATH, T_SPECIALS, T_COMMENT, T_EOS };
enum { N_CHARS, N_GROUP, N_MACRO, N_ENV, N_SPECIALS, N_MATH, N_COMMENT };

typedef struct tok {
    int type;
    const char *arg; /* name / char(s) / delimiter                   */
    size_t arglen;
    size_t pos, len;
    const char *pre; /* whitespace gobbled before the token          */
    size_t prelen;
    const char *post; /* whitespace after an alphabetic macro name   */
    size_t postlen;
} tok;

typedef struct node node;
typedef struct nlist {
    node **v;
    int n, cap;
} nlist;

struct node {
    int type;
    const char *s; /* chars / macro name / env name / specials / comment post space */
    size_t n;
    const char *post; /* macro post space */
    size_t npost;
    nlist kids;       /* group, env and math contents */
    node **args;      /* parsed arguments, NULL entries for absent optionals */
    int nargs;
    bool has_args;    /* false: no ParsedMacroArgs (none in spec, or parse failed) */
    const char *argspec;
    const etsim_l2t_macro *spec;
    bool display;
    bool as_arg;      /* a macro read as another macro's argument: no nodeargs at all */
};

typedef struct parser {
    etsim_arena *a;
    const char *s;
    size_t n;
    int depth;
    bool fail;
} parser;

static void nl_push(parser *P, nlist *l, node *x) {
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        node **v = etsim_arena_alloc(P->a, sizeof(node *) * (size_t)cap);
        if (l->n) memcpy(v, l->v, sizeof(node *) * (size_t)l->n);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = x;
}

static node *mknode(parser *P, int type, const char *s, size_t n) {
    node *x = etsim_arena_alloc(P->a, sizeof *x);
    memset(x, 0, sizeof *x);
    x->type = type;
    x->s = s;
    x->n = n;
    return x;
}

static const etsim_l2t_macro *find_macro(const char *name, size_t n) {
    int lo = 0, hi = etsim_l2t_n_macros - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const char *m = etsim_l2t_macros[mid].name;
        int c = strncmp(m, name, n);
        if (c == 0) c = m[n] ? 1 : 0;
        if (c == 0) return &etsim_l2t_macros[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return NULL;
}

/* argument specs of the environments pylatexenc's parser knows */
static const char *env_argspec(const char *name, size_t n) {
    static const char *const table[][2] = {
        {"alignat", "{"}, {"alignat*", "{"}, {"array", "[{"}, {"conj", "["}, {"conjecture", "["},
        {"cor", "["}, {"corollary", "["}, {"definition", "["}, {"defn", "["}, {"description", "["},
        {"enumerate", "["}, {"figure", "["}, {"figure*", "["}, {"itemize", "["}, {"lem", "["},
        {"lemma", "["}, {"proof", "["}, {"prop", "["}, {"proposition", "["}, {"rem", "["},
        {"remark", "["}, {"table", "["}, {"table*", "["}, {"tabular", "{"}, {"tabular*", "{{"},
        {"tabularx", "{[{"}, {"theorem", "["}, {"thm", "["}, {"verbatim", "{"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strlen(table[i][0]) == n && !memcmp(table[i][0], name, n)) return table[i][1];
    return "";
}

static bool name_is(const node *x, const char *name) { return x->n == strlen(name) && !memcmp(x->s, name, x->n); }

/* ---- tokenizer ------------------------------------------------------------ */
static bool is_space_at(parser *P, size_t pos, size_t *l) {
    if (pos >= P->n) return false;
    unsigned char c = (unsigned char)P->s[pos];
    if (c < 0x80) {
        *l = 1;
        return c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x1F);
    }
    return etsim_py_isspace_at(P->s + pos, l);
}

static bool is_alpha_at(parser *P, size_t pos, size_t *l) {
    if (pos >= P->n) return false;
    uint32_t cp = etsim_utf8_decode(P->s + pos, l);
    return etsim_py_isalpha(cp);
}

/* `^\s*\{([\w* ._-]+)\}` at pos: the environment name after \begin / \end */
static bool match_envname(parser *P, size_t pos, size_t *name, size_t *namelen, size_t *end) {
    size_t l;
    while (is_space_at(P, pos, &l)) pos += l;
    if (pos >= P->n || P->s[pos] != '{') return false;
    size_t st = ++pos;
    while (pos < P->n) {
        uint32_t cp = etsim_utf8_decode(P->s + pos, &l);
        if (!(etsim_py_isalnum(cp) || cp == '_' || cp == '*' || cp == ' ' || cp == '.' || cp == '-')) break;
        pos += l;
    }
    if (pos == st || pos >= P->n || P->s[pos] != '}') return false;
    *name = st;
    *namelen = pos - st;
    *end = pos + 1;
    return true;
}

static const char *const specials[] = {"---", "--", "``", "''", "!`", "?`", "&", "~"};

static tok get_token(parser *P, size_t pos, bool brackets, bool environments, bool in_dollar_math) {
    tok t;
    memset(&t, 0, sizeof t);
    size_t sp = pos, l;
    while (is_space_at(P, pos, &l)) {
        pos += l;
        if (pos - sp >= 2 && P->s[pos - 1] == '\n' && P->s[pos - 2] == '\n') {
            t.type = T_CHAR;
            t.arg = P->s + pos - 2;
            t.arglen = 2;
            t.pos = pos - 2;
            t.len = 2;
            t.pre = P->s + sp;
            t.prelen = pos - 2 - sp;
            return t;
        }
    }
    t.pre = P->s + sp;
    t.prelen = pos - sp;
    t.pos = pos;
    if (pos >= P->n) {
        t.type = T_EOS;
        return t;
    }
    const char *s = P->s;
    char c = s[pos];
    if (c == '\\') {
        if (pos + 1 >= P->n) { /* pylatexenc raises EndOfStream without the space */
            t.type = T_EOS;
            t.prelen = 0;
            return t;
        }
        size_t i = 1 + etsim_utf8_len(s + pos + 1);
        bool alpha = is_alpha_at(P, pos + 1, &l);
        if (alpha)
            while (is_alpha_at(P, pos + i, &l)) i += l;
        t.arg = s + pos + 1;
        t.arglen = i - 1;
        t.len = i;
        if (t.arglen == 1 && (t.arg[0] == '[' || t.arg[0] == ']' || t.arg[0] == '(' || t.arg[0] == ')')) {
            t.type = T_MATH;
            t.arg = s + pos;
            t.arglen = 2;
            return t;
        }
        if (environments && ((t.arglen == 5 && !memcmp(t.arg, "begin", 5)) || (t.arglen == 3 && !memcmp(t.arg, "end", 3)))) {
            size_t nm, nml, end;
            if (!match_envname(P, pos + i, &nm, &nml, &end)) {
                t.type = T_CHAR; /* tolerant: the bad \begin becomes plain text */
                t.arg = s + pos;
                t.arglen = i;
                return t;
            }
            t.type = t.arglen == 5 ? T_BEGIN : T_END;
            t.arg = s + nm;
            t.arglen = nml;
            t.len = end - pos;
            return t;
        }
        t.type = T_MACRO;
        if (alpha) {
            size_t ps = pos + i;
            while (is_space_at(P, pos + i, &l)) {
                i += l;
                if (pos + i - ps >= 2 && s[pos + i - 1] == '\n' && s[pos + i - 2] == '\n') {
                    i -= 2;
                    break;
                }
            }
            t.post = s + ps;
            t.postlen = pos + i - ps;
            t.len = i;
        }
        return t;
    }
    if (c == '%') {
        size_t e = pos;
        while (e < P->n && s[e] != '\n' && s[e] != '\r') e++;
        t.type = T_COMMENT;
        t.arg = s + pos + 1;
        t.arglen = e - pos - 1;
        size_t ps = e;
        if (e < P->n) {
            e++;
            size_t q = e;
            while (is_space_at(P, q, &l)) q += l;
            if (q > e && (s[e] == '\n' || s[e] == '\r')) q = e - 1, e = e - 1; /* paragraph follows */
            else e = q;
        }
        t.post = s + ps;
        t.postlen = e - ps;
        t.len = e - pos;
        return t;
    }
    if (c == '{' || (brackets && c == '[')) {
        t.type = T_BOPEN;
        t.arg = s + pos;
        t.arglen = t.len = 1;
        return t;
    }
    if (c == '}' || (brackets && c == ']')) {
        t.type = T_BCLOSE;
        t.arg = s + pos;
        t.arglen = t.len = 1;
        return t;
    }
    if (c == '$') {
        t.type = T_MATH;
        t.arg = s + pos;
        t.arglen = t.len = (pos + 1 < P->n && s[pos + 1] == '$' && !in_dollar_math) ? 2 : 1;
        return t;
    }
    for (size_t k = 0; strchr("-`'!?&~", c) && k < sizeof specials / sizeof specials[0]; k++) {
        size_t kn = strlen(specials[k]);
        if (pos + kn <= P->n && !memcmp(s + pos, specials[k], kn)) {
            t.type = T_SPECIALS;
            t.arg = s + pos;
            t.arglen = t.len = kn;
            return t;
        }
    }
    t.type = T_CHAR;
    t.arg = s + pos;
    t.arglen = t.len = etsim_utf8_len(s + pos);
    return t;
}

/* ---- parser --------------------------------------------------------------- */
static nlist get_nodes(parser *P, size_t pos, char stop_brace, const char *stop_env, size_t stop_envlen,
                       const char *stop_math, bool dollar, size_t *endpos);

static node *braced_group(parser *P, size_t pos, char open, bool dollar, size_t *endpos) {
    tok t = get_token(P, pos, open == '[', true, dollar);
    node *g = mknode(P, N_GROUP, NULL, 0);
    g->kids = get_nodes(P, t.pos + 1, open == '[' ? ']' : '}', NULL, 0, NULL, dollar, endpos);
    return g;
}

/* One mandatory argument: a braced group or a single token. false at end
 * of input (the caller then gives the macro no arguments at all). */
static bool get_expression(parser *P, size_t pos, bool dollar, node **out, size_t *endpos) {
    tok t = get_token(P, pos, false, false, dollar);
    if (t.type == T_EOS) return false;
    switch (t.type) {
    case T_MACRO:
        if (t.arglen == 3 && !memcmp(t.arg, "end", 3)) {
            *out = mknode(P, N_CHARS, "", 0);
            *endpos = t.pos; /* length 0: "\end{...}" is read again by the enclosing list */
            return true;
        }
        *out = mknode(P, N_MACRO, t.arg, t.arglen);
        (*out)->as_arg = true;
        (*out)->post = t.post;
        (*out)->npost = t.postlen;
        (*out)->spec = find_macro(t.arg, t.arglen);
        *endpos = t.pos + t.len;
        return true;
    case T_SPECIALS:
        *out = mknode(P, N_SPECIALS, t.arg, t.arglen);
        *endpos = t.pos + t.len;
        return true;
    case T_COMMENT:
        return get_expression(P, t.pos + t.len, dollar, out, endpos);
    case T_BOPEN:
        *out = braced_group(P, t.pos, '{', dollar, endpos);
        return true;
    case T_BCLOSE:
        *out = mknode(P, N_CHARS, "", 0);
        *endpos = t.pos; /* the brace is left for the enclosing group */
        return true;
    case T_MATH:
        *out = mknode(P, t.arg[0] == '\\' ? N_MACRO : N_CHARS, t.arg, t.arglen);
        *endpos = t.pos + t.len;
        return true;
    default: /* T_CHAR */
        *out = mknode(P, N_CHARS, t.arg, t.arglen);
        *endpos = t.pos + t.len;
        return true;
    }
}

/* Parse the arguments `spec` asks for; false when input ends first. */
static bool parse_args(parser *P, node *m, const char *spec, size_t pos, bool dollar, size_t *endpos) {
    int na = (int)strlen(spec);
    node **args = etsim_arena_alloc(P->a, sizeof(node *) * (size_t)(na ? na : 1));
    for (int j = 0; j < na; j++) {
        args[j] = NULL;
        if (spec[j] == '{') {
            if (!get_expression(P, pos, dollar, &args[j], &pos)) return false;
        } else if (spec[j] == '[') {
            tok t = get_token(P, pos, true, false, dollar);
            if (t.type == T_BOPEN && t.arg[0] == '[') args[j] = braced_group(P, t.pos, '[', dollar, &pos);
        } else if (spec[j] == '*') {
            tok t = get_token(P, pos, false, true, dollar);
            if (t.type == T_EOS) return false;
            if (t.type == T_CHAR && t.arglen == 1 && t.arg[0] == '*') {
                args[j] = mknode(P, N_CHARS, t.arg, 1);
                pos = t.pos + t.len;
            }
        }
    }
    m->args = args;
    m->nargs = na;
    m->has_args = true;
    m->argspec = spec;
    *endpos = pos;
    return true;
}

static nlist get_nodes(parser *P, size_t pos, char stop_brace, const char *stop_env, size_t stop_envlen,
                       const char *stop_math, bool dollar, size_t *endpos) {
    nlist out = {0};
    etsim_sb last;
    bool have_last = false;
    etsim_sb_init(&last, P->a, 16);
    if (++P->depth > L2T_MAX_DEPTH) {
        P->fail = true;
        P->depth--;
        *endpos = P->n;
        return out;
    }
    for (;;) {
        tok t = get_token(P, pos, stop_brace == ']', true, dollar);
        if (t.type == T_EOS) {
            /* tolerant parsing keeps the final whitespace, nested or not */
            etsim_sb_putn(&last, t.pre, t.prelen);
            have_last = have_last || t.prelen;
            pos = P->n;
            break;
        }
        pos = t.pos + t.len;
        if (t.type == T_CHAR) {
            etsim_sb_putn(&last, t.pre, t.prelen);
            etsim_sb_putn(&last, t.arg, t.arglen);
            have_last = true;
            continue;
        }
        if (have_last) {
            etsim_sb_putn(&last, t.pre, t.prelen);
            nl_push(P, &out, mknode(P, N_CHARS, etsim_sb_str(&last), last.len));
            etsim_sb_init(&last, P->a, 16);
            have_last = false;
        } else if (t.prelen) {
            nl_push(P, &out, mknode(P, N_CHARS, t.pre, t.prelen));
        }
        if (t.type == T_BCLOSE) {
            if (t.arg[0] == stop_brace) break;
            continue; /* tolerant: a stray closing brace is dropped */
        }
        if (t.type == T_END) {
            if (stop_env && t.arglen == stop_envlen && !memcmp(t.arg, stop_env, t.arglen)) break;
            continue;
        }
        if (t.type == T_MATH) {
            bool closing = t.arg[0] == '\\' && (t.arg[1] == ')' || t.arg[1] == ']');
            if (stop_math && t.arglen == strlen(stop_math) && !memcmp(t.arg, stop_math, t.arglen)) break;
            if (closing) continue;
            const char *close = t.arg[0] != '\\' ? (t.arglen == 2 ? "$$" : "$") : (t.arg[1] == '(' ? "\\)" : "\\]");
            node *m = mknode(P, N_MATH, NULL, 0);
            m->display = !(t.arglen == 1 || t.arg[1] == '(');
            m->kids = get_nodes(P, pos, 0, NULL, 0, close, t.arglen == 1, &pos);
            nl_push(P, &out, m);
            continue;
        }
        if (t.type == T_COMMENT) {
            nl_push(P, &out, mknode(P, N_COMMENT, t.post, t.postlen));
            continue;
        }
        if (t.type == T_BOPEN) {
            nl_push(P, &out, braced_group(P, t.pos, t.arg[0], dollar, &pos));
            continue;
        }
        if (t.type == T_BEGIN) {
            node *e = mknode(P, N_ENV, t.arg, t.arglen);
            size_t ap;
            if (!parse_args(P, e, env_argspec(t.arg, t.arglen), pos, dollar, &ap)) ap = pos;
            e->kids = get_nodes(P, ap, 0, t.arg, t.arglen, NULL, dollar, &pos);
            nl_push(P, &out, e);
            continue;
        }
        if (t.type == T_MACRO) {
            node *m = mknode(P, N_MACRO, t.arg, t.arglen);
            m->post = t.post;
            m->npost = t.postlen;
            m->spec = find_macro(t.arg, t.arglen);
            size_t ap;
            if (m->spec && m->spec->argspec[0] && parse_args(P, m, m->spec->argspec, pos, dollar, &ap)) pos = ap;
            else if (m->spec && !m->spec->argspec[0]) m->has_args = true, m->argspec = "";
            nl_push(P, &out, m);
            continue;
        }
        nl_push(P, &out, mknode(P, N_SPECIALS, t.arg, t.arglen)); /* T_SPECIALS */
    }
    if (have_last) nl_push(P, &out, mknode(P, N_CHARS, etsim_sb_str(&last), last.len));
    P->depth--;
    *endpos = pos;
    return out;
}

/* ---- renderer -------------------------------------------------------------- */
static void render_list(parser *P, etsim_sb *b, const nlist *l, bool eq);
static void render_node(parser *P, etsim_sb *b, const node *x, bool eq);

static const char *render_str(parser *P, const node *x, bool eq) {
    etsim_sb b;
    etsim_sb_init(&b, P->a, 32);
    if (x) {
        if (x->type == N_GROUP) render_list(P, &b, &x->kids, eq);
        else render_node(P, &b, x, eq);
    }
    return etsim_sb_str(&b);
}

static bool is_bare_macro(const node *x) {
    if (!x || x->type != N_MACRO) return false;
    if (!x->has_args || x->nargs == 0) return true;
    const char *sp = x->argspec;
    int skip = 0;
    while (sp[skip] == '*') skip++;
    bool legacy = sp[skip] == '[' && strspn(sp + skip + 1, "{") == strlen(sp + skip + 1);
    if (legacy) return x->args[skip] == NULL && x->nargs - skip - 1 == 0;
    return false;
}

static void indented_block(etsim_sb *b, parser *P, const char *content) {
    etsim_sb_puts(b, "\n    ");
    etsim_sb_puts(b, etsim_py_replace(P->a, content, "\n", "\n    "));
    etsim_sb_putc(b, '\n');
}

/* Python's `repl % args` for the %s and %(n)s forms pylatexenc uses. */
static void apply_repl(parser *P, etsim_sb *b, const node *x, const char *repl, bool eq) {
    size_t rl = strlen(repl);
    if (!strchr(repl, '%') || rl == 1) {
        etsim_sb_puts(b, repl);
        return;
    }
    int nargs = x->has_args ? x->nargs : 0;
    bool positional = false;
    for (size_t i = 0; i + 1 < rl; i++) {
        if (repl[i] == '%' && repl[i + 1] == '%') { i++; continue; }
        if (repl[i] == '%' && repl[i + 1] == 's') { positional = true; break; }
    }
    etsim_sb o;
    etsim_sb_init(&o, P->a, rl + 32);
    int used = 0;
    for (size_t i = 0; i < rl; i++) {
        if (repl[i] != '%') { etsim_sb_putc(&o, repl[i]); continue; }
        if (repl[i + 1] == '%') { etsim_sb_putc(&o, '%'); i++; continue; }
        if (positional && repl[i + 1] == 's') {
            if (used >= nargs) { etsim_sb_puts(b, repl); return; } /* TypeError: kept verbatim */
            etsim_sb_puts(&o, render_str(P, x->args[used++], eq));
            i++;
            continue;
        }
        if (!positional && repl[i + 1] == '(') {
            int k = atoi(repl + i + 2);
            const char *close = strchr(repl + i, ')');
            if (!close || close[1] != 's') { etsim_sb_puts(b, repl); return; }
            if (k < 1 || k > nargs) { P->fail = true; return; } /* KeyError propagates */
            etsim_sb_puts(&o, render_str(P, x->args[k - 1], eq));
            i = (size_t)(close - repl) + 1;
            continue;
        }
        etsim_sb_puts(b, repl); /* any other format: ValueError, kept verbatim */
        return;
    }
    if (positional && used != nargs) { etsim_sb_puts(b, repl); return; }
    etsim_sb_puts(b, etsim_sb_str(&o));
}

static void render_mathstyle(parser *P, etsim_sb *b, const char *text, const char *style) {
    const etsim_l2t_mathstyle *ms = NULL;
    for (int i = 0; i < etsim_l2t_n_mathstyles; i++)
        if (!strcmp(etsim_l2t_mathstyles[i].style, style)) ms = &etsim_l2t_mathstyles[i];
    while (*text) {
        size_t l;
        uint32_t cp = etsim_utf8_decode(text, &l);
        const char *ex = ms ? ms->exceptions : "";
        bool done = false;
        while (*ex && !done) {
            size_t el = etsim_utf8_len(ex + 1);
            if ((uint32_t)(unsigned char)ex[0] == cp) {
                etsim_sb_putn(b, ex + 1, el);
                done = true;
            }
            ex += 1 + el;
        }
        if (!done) {
            if (ms && cp >= 'A' && cp <= 'Z') etsim_sb_put_cp(b, ms->upper + cp - 'A');
            else if (ms && cp >= 'a' && cp <= 'z') etsim_sb_put_cp(b, ms->lower + cp - 'a');
            else etsim_sb_putn(b, text, l);
        }
        text += l;
    }
    (void)P;
}

static void render_macro(parser *P, etsim_sb *b, const node *x, bool eq) {
    const etsim_l2t_macro *sp = x->spec;
    if (!sp) return; /* unknown macro: discarded */
    int nargs = x->has_args ? x->nargs : 0;
    switch (sp->kind) {
    case L2T_STR: apply_repl(P, b, x, sp->repl, eq); break;
    case L2T_ARGS:
        for (int i = 0; i < nargs; i++) etsim_sb_puts(b, render_str(P, x->args[i], eq));
        break;
    case L2T_ACCENT: {
        const char *c = nargs > 0 ? etsim_py_strip(P->a, render_str(P, x->args[0], eq)) : " ";
        while (*c) {
            size_t l;
            uint32_t cp = etsim_utf8_decode(c, &l);
            char base[8];
            if (cp == 0x131 || cp == 0x237) base[0] = cp == 0x131 ? 'i' : 'j', base[1] = 0;
            else memcpy(base, c, l), base[l] = 0;
            const char *composed = NULL;
            for (int k = 0; k < etsim_l2t_n_compositions && !composed; k++)
                if (!strcmp(etsim_l2t_compositions[k].letter, base) && !strcmp(etsim_l2t_compositions[k].mark, sp->repl))
                    composed = etsim_l2t_compositions[k].composed;
            if (composed) etsim_sb_puts(b, composed);
            else {
                etsim_sb_puts(b, base);
                etsim_sb_puts(b, sp->repl);
            }
            c += l;
        }
        break;
    }
    case L2T_MATHSTYLE:
        render_mathstyle(P, b, nargs > 0 ? render_str(P, x->args[0], eq) : "", sp->repl);
        break;
    case L2T_SECOND_ARG:
        if (x->as_arg) P->fail = true; /* node.nodeargs is None: TypeError */
        else if (nargs > 1) etsim_sb_puts(b, render_str(P, x->args[1], eq));
        break;
    case L2T_ITEM:
        etsim_sb_puts(b, "\n  ");
        etsim_sb_puts(b, nargs > 0 && x->args[0] ? render_str(P, x->args[0], eq) : "* ");
        break;
    case L2T_HREF:
        if (nargs < 2) { P->fail = true; break; }
        etsim_sb_puts(b, render_str(P, x->args[1], eq));
        etsim_sb_puts(b, " <");
        etsim_sb_puts(b, render_str(P, x->args[0], eq));
        etsim_sb_putc(b, '>');
        break;
    default: break; /* L2T_DISCARD */
    }
}

static void render_matrix(parser *P, etsim_sb *b, const node *x, bool eq) {
    /* cells[] = texts; rowlen[] = cells per row */
    int cap = x->kids.n + 2, ncell = 0, nrow = 0;
    const char **cells = etsim_arena_alloc(P->a, sizeof(char *) * (size_t)cap);
    int *rowlen = etsim_arena_alloc(P->a, sizeof(int) * (size_t)cap);
    nlist buf = {0};
    int in_row = 0;
    for (int i = 0; i <= x->kids.n; i++) {
        const node *k = i < x->kids.n ? x->kids.v[i] : NULL;
        bool col = k && k->type == N_SPECIALS && k->n == 1 && k->s[0] == '&';
        bool row = !k || (k->type == N_MACRO && k->n == 1 && k->s[0] == '\\');
        if (!col && !row) { nl_push(P, &buf, (node *)k); continue; }
        if (buf.n) {
            etsim_sb t;
            etsim_sb_init(&t, P->a, 32);
            render_list(P, &t, &buf, eq);
            cells[ncell++] = etsim_py_strip(P->a, etsim_sb_str(&t));
            in_row++;
            buf.n = 0;
        }
        if (row) {
            rowlen[nrow++] = in_row;
            in_row = 0;
        }
    }
    if (ncell == 0) { P->fail = true; return; } /* max() of nothing: ValueError */
    size_t width = 0;
    for (int i = 0; i < ncell; i++) {
        size_t w = etsim_utf8_count(cells[i]);
        if (w > width) width = w;
    }
    etsim_sb_puts(b, "[ ");
    for (int r = 0, c = 0; r < nrow; r++) {
        if (r) etsim_sb_puts(b, "; ");
        for (int j = 0; j < rowlen[r]; j++, c++) {
            if (j) etsim_sb_putc(b, ' ');
            for (size_t w = etsim_utf8_count(cells[c]); w < width; w++) etsim_sb_putc(b, ' ');
            etsim_sb_puts(b, cells[c]);
        }
    }
    etsim_sb_puts(b, " ]");
}

static void render_env(parser *P, etsim_sb *b, const node *x, bool eq) {
    static const char *const matrix[] = {"array", "pmatrix", "bmatrix", "smallmatrix", "psmallmatrix", "bsmallmatrix"};
    static const char *const equation[] = {"align", "align*", "dmath", "dmath*", "eqnarray", "eqnarray*",
                                           "equation", "equation*", "gather", "gather*", "multline", "multline*"};
    for (size_t i = 0; i < sizeof matrix / sizeof matrix[0]; i++)
        if (name_is(x, matrix[i])) { render_matrix(P, b, x, eq); return; }
    for (size_t i = 0; i < sizeof equation / sizeof equation[0]; i++)
        if (name_is(x, equation[i])) {
            etsim_sb t;
            etsim_sb_init(&t, P->a, 32);
            render_list(P, &t, &x->kids, true);
            indented_block(b, P, etsim_py_strip(P->a, etsim_sb_str(&t)));
            return;
        }
    bool center = name_is(x, "center") || name_is(x, "flushleft") || name_is(x, "flushright");
    if (center) etsim_sb_putc(b, '\n');
    render_list(P, b, &x->kids, eq);
    if (center) etsim_sb_putc(b, '\n');
}

static void render_node(parser *P, etsim_sb *b, const node *x, bool eq) {
    if (P->fail) return;
    switch (x->type) {
    case N_CHARS: {
        if (eq) {
            const char *t = etsim_arena_strndup(P->a, x->s, x->n);
            if (!*etsim_py_strip(P->a, t)) return;
        }
        etsim_sb_putn(b, x->s, x->n);
        return;
    }
    case N_COMMENT: etsim_sb_putn(b, x->s, x->n); return;
    case N_GROUP: render_list(P, b, &x->kids, eq); return;
    case N_MACRO: render_macro(P, b, x, eq); return;
    case N_ENV: render_env(P, b, x, eq); return;
    case N_SPECIALS: {
        static const char *const repl[][2] = {{"---", "\xe2\x80\x94"}, {"--", "\xe2\x80\x93"}, {"``", "\xe2\x80\x9c"},
                                              {"''", "\xe2\x80\x9d"}, {"!`", "\xc2\xa1"}, {"?`", "\xc2\xbf"},
                                              {"&", "   "}, {"~", "\xc2\xa0"}};
        for (size_t i = 0; i < sizeof repl / sizeof repl[0]; i++)
            if (name_is(x, repl[i][0])) etsim_sb_puts(b, repl[i][1]);
        return;
    }
    case N_MATH: {
        etsim_sb t;
        etsim_sb_init(&t, P->a, 32);
        render_list(P, &t, &x->kids, true);
        const char *content = etsim_py_strip(P->a, etsim_sb_str(&t));
        if (x->display) indented_block(b, P, content);
        else etsim_sb_puts(b, content);
        return;
    }
    }
}

static void render_list(parser *P, etsim_sb *b, const nlist *l, bool eq) {
    if (++P->depth > L2T_MAX_DEPTH) {
        P->fail = true;
        P->depth--;
        return;
    }
    const node *prev = NULL;
    for (int i = 0; i < l->n && !P->fail; i++) {
        const node *x = l->v[i];
        if (eq && is_bare_macro(prev) && x->type == N_CHARS) etsim_sb_putn(b, prev->post, prev->npost);
        render_node(P, b, x, eq);
        prev = x;
    }
    P->depth--;
}

const char *etsim_latex_to_text(etsim_arena *a, const char *s) {
    parser P = {a, s, strlen(s), 0, false};
    size_t end;
    nlist top = get_nodes(&P, 0, 0, NULL, 0, NULL, false, &end);
    if (P.fail) return NULL;
    etsim_sb b;
    etsim_sb_init(&b, a, P.n + 16);
    render_list(&P, &b, &top, false);
    return P.fail ? NULL : etsim_sb_str(&b);
}
