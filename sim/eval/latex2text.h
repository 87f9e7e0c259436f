/* latex2text.h -- the LaTeX-to-text step of the PRM800K grader.
 *
 * The reference grader turns answers containing a backslash into plain text
 * with pylatexenc's LatexNodes2Text before comparing them ("\frac{1}{2}" ->
 * "1/2", "\sqrt{3}" -> "√(3)", "\pi" -> "π"). This is a C re-implementation
 * of that conversion with pylatexenc 2.10's default settings: the same
 * tokenizer (macros, braces, specials such as "~" and "--", \( \) \[ \]
 * math, environments), the same tolerant error recovery (a macro whose
 * arguments run past the end of input takes no arguments), the same
 * whitespace rules, and the same macro table (l2t_table.c, generated from
 * pylatexenc's own tables by tools/gen_l2t_table.py).
 *
 * Known differences (documented, rare in answers): accents compose (NFC)
 * only over ASCII letters; comments ('%') never reach this code in the
 * grader (the caller removes '%'). Python's Unicode isalpha() and \w are
 * the generated tables of pystr.h. */
#ifndef ETSIM_EVAL_LATEX2TEXT_H
#define ETSIM_EVAL_LATEX2TEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/eval/pystr.h"

enum {
    L2T_STR,        /* replacement text with %s / %(n)s argument slots    */
    L2T_ARGS,       /* the arguments' text, concatenated                  */
    L2T_DISCARD,    /* nothing                                            */
    L2T_ACCENT,     /* each char of the argument + this combining mark    */
    L2T_MATHSTYLE,  /* argument letters mapped to a math alphabet         */
    L2T_SECOND_ARG, /* \texorpdfstring: the second argument               */
    L2T_ITEM,       /* \item[opt]: "\n  " + opt or "* "                   */
    L2T_HREF,       /* \href{url}{text}: "text <url>"                     */
};

typedef struct etsim_l2t_macro {
    const char *name;
    const char *argspec;
    int kind;
    const char *repl;
} etsim_l2t_macro;

typedef struct etsim_l2t_mathstyle {
    const char *style;
    uint32_t upper, lower;   /* code points of 'A' and 'a' in this alphabet */
    const char *exceptions;  /* pairs: ASCII letter, UTF-8 replacement      */
} etsim_l2t_mathstyle;

typedef struct etsim_l2t_compose {
    const char *letter, *mark, *composed;
} etsim_l2t_compose;

extern const etsim_l2t_macro etsim_l2t_macros[];
extern const etsim_l2t_compose etsim_l2t_compositions[];
extern const int etsim_l2t_n_compositions;
extern const int etsim_l2t_n_macros;
extern const etsim_l2t_mathstyle etsim_l2t_mathstyles[];
extern const int etsim_l2t_n_mathstyles;

/* Convert `s` to text. Returns NULL (the reference raises, so its caller
 * keeps the input unchanged) where pylatexenc would raise: a %(n)s slot of
 * a macro that got no arguments, an empty matrix, or nesting deeper than
 * 200 levels (Python's own recursion limit is far above what answers use;
 * the cap keeps hostile input from exhausting our stack). */
const char *etsim_latex_to_text(etsim_arena *a, const char *s);

#endif
