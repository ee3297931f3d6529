/*
 * SPDX-License-Identifier: MIT
 *
 * tmpl_parse.c — template text → syntax tree (see tmpl_internal.h).
 *
 * Two passes: the lexer cuts the source into alternating text and tag pieces
 * and applies whitespace control to the text pieces' bounds; the parser then
 * builds nodes, parsing each tag's inside with a small expression tokenizer.
 * The first error stops the parse and is reported as ORIGIN:LINE:COL.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_internal.h"

typedef enum { P_TEXT, P_OUT, P_STMT, P_COMMENT } piece_kind_t;

typedef struct piece {
    piece_kind_t kind;
    size_t start, end;         /* TEXT: bytes kept; tags: the inside, markers and '-' excluded */
    size_t tag_start, tag_end; /* tags: from '{' to past '}' */
    uint32_t line, col;        /* of start (TEXT) or tag_start */
    bool trim_left, trim_right;
} piece_t;

typedef struct parser {
    tmpl_template_t *t;
    shmgen_diags_t *diags;
    piece_t *pieces;
    size_t npieces, next;
    bool error;
    /* tokenizer over the current tag */
    size_t pos, end;
    uint32_t tag_line, tag_col;
    size_t tag_base;           /* tokens' positions are counted from here */
    size_t cur_at;             /* lexer's position cursor */
    uint32_t cur_line, cur_col;
} parser_t;

static void perr(parser_t *p, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void perr(parser_t *p, uint32_t line, uint32_t col, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (p->error) return;
    p->error = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    shmgen_diag_add(p->diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){p->t->origin, line, col}, "%s", msg);
}

/* Line and column (1-based) of byte `at`, counting from a known position
 * (from_at, line, col) at or before it; callers move forward only, so a
 * whole template costs one pass. */
static void position_from(const char *s, size_t from_at, uint32_t line, uint32_t col, size_t at,
                          uint32_t *out_line, uint32_t *out_col)
{
    for (size_t i = from_at; i < at; i++) {
        if (s[i] == '\n') line++, col = 1;
        else col++;
    }
    *out_line = line;
    *out_col = col;
}

/* The lexer's monotonic cursor. */
static void position(parser_t *p, size_t at, uint32_t *line, uint32_t *col)
{
    position_from(p->t->source, p->cur_at, p->cur_line, p->cur_col, at, line, col);
    p->cur_at = at;
    p->cur_line = *line;
    p->cur_col = *col;
}

/* ---- lexer ---------------------------------------------------------------- */

static int push_piece(parser_t *p, piece_t pc)
{
    piece_t *n = realloc(p->pieces, (p->npieces + 1) * sizeof *n);
    if (!n) return -1;
    p->pieces = n;
    p->pieces[p->npieces++] = pc;
    return 0;
}

/* Offset of the closing marker of the tag opened at `at`, or (size_t)-1.
 * Skips "..." literals in {{ }} and {% %} so they may contain the marker. */
static size_t find_close(const char *s, size_t len, size_t at, char closer)
{
    bool strings = closer != '#';
    for (size_t i = at + 2; i + 1 < len; i++) {
        if (strings && s[i] == '"') {
            for (i++; i < len && s[i] != '"'; i++)
                if (s[i] == '\\' && i + 1 < len) i++;
            if (i >= len) return (size_t)-1;
            continue;
        }
        if (s[i] == closer && s[i + 1] == '}') return i;
    }
    return (size_t)-1;
}

static size_t find_open(const char *s, size_t len, size_t from)
{
    for (size_t i = from; i + 1 < len; i++)
        if (s[i] == '{' && (s[i + 1] == '{' || s[i + 1] == '%' || s[i + 1] == '#')) return i;
    return len;
}

static int lex_tag(parser_t *p, size_t at, size_t *resume)
{
    const char *s = p->t->source;
    char kindc = s[at + 1], closer = kindc == '{' ? '}' : kindc;
    piece_t pc = {0};
    size_t close = find_close(s, p->t->len, at, closer);

    position(p, at, &pc.line, &pc.col);
    if (close == (size_t)-1) {
        perr(p, pc.line, pc.col, "unclosed '{%c' (no matching '%c}')", kindc, closer);
        return -1;
    }
    pc.kind = kindc == '{' ? P_OUT : kindc == '%' ? P_STMT : P_COMMENT;
    pc.tag_start = at;
    pc.tag_end = close + 2;
    pc.start = at + 2;
    pc.end = close;
    if (pc.start < pc.end && s[pc.start] == '-') pc.trim_left = true, pc.start++;
    if (pc.end > pc.start && s[pc.end - 1] == '-') pc.trim_right = true, pc.end--;
    *resume = pc.tag_end;
    return push_piece(p, pc);
}

static int lex(parser_t *p)
{
    const char *s = p->t->source;
    size_t len = p->t->len, pos = 0;
    for (;;) {
        size_t at = find_open(s, len, pos);
        piece_t text = {.kind = P_TEXT, .start = pos, .end = at};
        position(p, pos, &text.line, &text.col);
        if (push_piece(p, text) != 0) return -1;
        if (at == len) return 0;
        if (lex_tag(p, at, &pos) != 0) return -1;
    }
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }
static bool is_space(char c) { return is_blank(c) || c == '\n' || c == '\r'; }

/* Whitespace control: trims the text pieces around each tag (pieces alternate
 * text, tag, text, ..., text, so a tag's neighbours are i-1 and i+1). */
static void apply_trim(parser_t *p)
{
    const char *s = p->t->source;
    size_t len = p->t->len;
    for (size_t i = 1; i + 1 < p->npieces; i += 2) {
        piece_t *tag = &p->pieces[i], *prev = &p->pieces[i - 1], *next = &p->pieces[i + 1];
        size_t ls = tag->tag_start, after = tag->tag_end;
        if (tag->trim_left)
            while (prev->end > prev->start && is_space(s[prev->end - 1])) prev->end--;
        if (tag->trim_right)
            while (next->start < next->end && is_space(s[next->start])) next->start++;
        if (tag->kind == P_OUT || tag->trim_left || tag->trim_right) continue;
        while (ls > 0 && is_blank(s[ls - 1])) ls--;
        while (after < len && is_blank(s[after])) after++;
        if (after < len && s[after] == '\r') after++;
        if ((ls == 0 || s[ls - 1] == '\n') && (after == len || s[after] == '\n')) {
            if (prev->end > ls) prev->end = ls < prev->start ? prev->start : ls;
            if (after < len) after++;
            if (next->start < after) next->start = after > next->end ? next->end : after;
        }
    }
}

/* ---- expression tokenizer ------------------------------------------------- */

typedef enum { T_END, T_IDENT, T_STR, T_INT, T_PUNCT, T_BAD } tok_kind_t;

typedef struct tok {
    tok_kind_t kind;
    size_t start, len;
    uint32_t line, col;
} tok_t;

static void tok_pos(parser_t *p, size_t at, uint32_t *line, uint32_t *col)
{
    position_from(p->t->source, p->tag_base, p->tag_line, p->tag_col, at, line, col);
}

static tok_t peek(parser_t *p)
{
    const char *s = p->t->source;
    size_t i = p->pos;
    tok_t t = {T_END, 0, 0, 0, 0};
    while (i < p->end && is_space(s[i])) i++;
    t.start = i;
    tok_pos(p, i, &t.line, &t.col);
    if (i >= p->end) return t;
    if (isalpha((unsigned char)s[i]) || s[i] == '_') {
        t.kind = T_IDENT;
        while (i < p->end && (isalnum((unsigned char)s[i]) || s[i] == '_')) i++;
    } else if (isdigit((unsigned char)s[i]) || (s[i] == '-' && i + 1 < p->end && isdigit((unsigned char)s[i + 1]))) {
        t.kind = T_INT;
        for (i++; i < p->end && isdigit((unsigned char)s[i]); i++) {}
    } else if (s[i] == '"') {
        t.kind = T_BAD;
        for (i++; i < p->end && s[i] != '"'; i++)
            if (s[i] == '\\') i++;
        if (i < p->end) t.kind = T_STR, i++;
    } else if ((s[i] == '=' || s[i] == '!') && i + 1 < p->end && s[i + 1] == '=') {
        t.kind = T_PUNCT;
        i += 2;
    } else {
        t.kind = strchr("|(),.~", s[i]) ? T_PUNCT : T_BAD;
        i++;
    }
    t.len = i - t.start;
    return t;
}

static tok_t next_tok(parser_t *p)
{
    tok_t t = peek(p);
    p->pos = t.start + t.len;
    return t;
}

static bool tok_is(parser_t *p, tok_t t, const char *text)
{
    return (t.kind == T_IDENT || t.kind == T_PUNCT) && t.len == strlen(text) &&
           memcmp(p->t->source + t.start, text, t.len) == 0;
}

static bool accept(parser_t *p, const char *text)
{
    tok_t t = peek(p);
    if (!tok_is(p, t, text)) return false;
    p->pos = t.start + t.len;
    return true;
}

static void tok_error(parser_t *p, tok_t t, const char *what)
{
    if (t.kind == T_END) perr(p, t.line, t.col, "expected %s, found the end of the tag", what);
    else if (t.kind == T_BAD && p->t->source[t.start] == '"') perr(p, t.line, t.col, "unterminated string");
    else perr(p, t.line, t.col, "expected %s, found '%.*s'", what, (int)t.len, p->t->source + t.start);
}

static bool expect(parser_t *p, const char *text)
{
    tok_t t = peek(p);
    char what[32];
    if (accept(p, text)) return true;
    snprintf(what, sizeof what, "'%s'", text);
    tok_error(p, t, what);
    return false;
}

/* ---- expressions ---------------------------------------------------------- */

static const char *const reserved[] = {"not", "and", "or", "in", "true", "false", NULL};

static bool is_reserved(parser_t *p, tok_t t)
{
    for (size_t i = 0; reserved[i]; i++)
        if (tok_is(p, t, reserved[i])) return true;
    return false;
}

static tmpl_expr_t *expr_new(parser_t *p, tmpl_expr_kind_t kind, tok_t at)
{
    tmpl_expr_t *e = calloc(1, sizeof *e);
    if (!e) {
        perr(p, at.line, at.col, "out of memory");
        return NULL;
    }
    e->kind = kind;
    e->line = at.line;
    e->col = at.col;
    return e;
}

static char *unescape(const char *s, size_t len, size_t *outlen)
{
    char *out = malloc(len + 1);
    size_t n = 0;
    if (!out) return NULL;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < len) {
            c = s[++i];
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    *outlen = n;
    return out;
}

static tmpl_expr_t *parse_or(parser_t *p);

static tmpl_expr_t *parse_path(parser_t *p, tok_t t)
{
    tmpl_expr_t *e = expr_new(p, TE_PATH, t);
    for (; e;) {
        char **segs = realloc(e->path, (e->npath + 1) * sizeof *segs);
        if (!segs || !(segs[e->npath] = strndup(p->t->source + t.start, t.len))) {
            if (segs) e->path = segs;
            perr(p, t.line, t.col, "out of memory");
            shmgen__tmpl_expr_free(e);
            return NULL;
        }
        e->path = segs;
        e->npath++;
        if (!accept(p, ".")) break;
        t = next_tok(p);
        if (t.kind != T_IDENT) {
            tok_error(p, t, "a name after '.'");
            shmgen__tmpl_expr_free(e);
            return NULL;
        }
    }
    return e;
}

static tmpl_expr_t *parse_literal(parser_t *p, tok_t t)
{
    tmpl_expr_t *e;
    if (t.kind == T_STR) {
        size_t n;
        char *s = unescape(p->t->source + t.start + 1, t.len - 2, &n);
        e = expr_new(p, TE_STR, t);
        if (e && s) e->lit = shmgen_value_stringn(s, n);
        free(s);
    } else if (t.kind == T_INT) {
        e = expr_new(p, TE_INT, t);
        if (e) e->lit = shmgen_value_int(strtoll(p->t->source + t.start, NULL, 10));
    } else {
        e = expr_new(p, TE_BOOL, t);
        if (e) e->lit = shmgen_value_bool(tok_is(p, t, "true"));
    }
    if (e && !e->lit) {
        perr(p, t.line, t.col, "out of memory");
        shmgen__tmpl_expr_free(e);
        return NULL;
    }
    return e;
}

static tmpl_expr_t *parse_primary(parser_t *p)
{
    tok_t t = next_tok(p);
    if (tok_is(p, t, "(")) {
        tmpl_expr_t *e = parse_or(p);
        if (e && !expect(p, ")")) {
            shmgen__tmpl_expr_free(e);
            return NULL;
        }
        return e;
    }
    if (t.kind == T_STR || t.kind == T_INT || tok_is(p, t, "true") || tok_is(p, t, "false"))
        return parse_literal(p, t);
    if (t.kind == T_IDENT && !is_reserved(p, t)) return parse_path(p, t);
    tok_error(p, t, "a value");
    return NULL;
}

static int parse_filter_args(parser_t *p, tmpl_expr_t *f)
{
    if (!accept(p, "(")) return 0;
    if (accept(p, ")")) return 0;
    do {
        tmpl_expr_t **args = realloc(f->args, (f->nargs + 1) * sizeof *args);
        if (!args) return -1;
        f->args = args;
        if (!(f->args[f->nargs] = parse_or(p))) return -1;
        f->nargs++;
    } while (accept(p, ","));
    return expect(p, ")") ? 0 : -1;
}

static tmpl_expr_t *parse_filtered(parser_t *p)
{
    tmpl_expr_t *e = parse_primary(p);
    while (e && accept(p, "|")) {
        tok_t t = next_tok(p);
        const tmpl_filter_t *def;
        tmpl_expr_t *f;
        if (t.kind != T_IDENT) {
            tok_error(p, t, "a filter name after '|'");
            break;
        }
        if (!(f = expr_new(p, TE_FILTER, t))) break;
        f->lhs = e;
        e = f;
        if (!(f->filter = strndup(p->t->source + t.start, t.len))) break;
        if (!(def = shmgen__tmpl_filter(f->filter))) {
            perr(p, t.line, t.col, "unknown filter '%s'", f->filter);
            break;
        }
        if (parse_filter_args(p, f) != 0) break;
        if (f->nargs < def->min_args || f->nargs > def->max_args) {
            perr(p, t.line, t.col, "filter '%s' takes %zu to %zu arguments, given %zu", f->filter,
                 def->min_args, def->max_args, f->nargs);
            break;
        }
    }
    if (p->error) {
        shmgen__tmpl_expr_free(e);
        return NULL;
    }
    return e;
}

static tmpl_expr_t *binary(parser_t *p, tmpl_expr_kind_t kind, tok_t at, tmpl_expr_t *lhs,
                           tmpl_expr_t *(*rhs_fn)(parser_t *))
{
    tmpl_expr_t *e, *rhs = rhs_fn(p);
    if (!rhs || !(e = expr_new(p, kind, at))) {
        shmgen__tmpl_expr_free(lhs);
        shmgen__tmpl_expr_free(rhs);
        return NULL;
    }
    e->lhs = lhs;
    e->rhs = rhs;
    return e;
}

static tmpl_expr_t *parse_compare(parser_t *p)
{
    tmpl_expr_t *e = parse_filtered(p);
    for (;;) {
        tok_t t = peek(p);
        tmpl_expr_kind_t kind;
        if (!e) return NULL;
        if (tok_is(p, t, "==")) kind = TE_EQ;
        else if (tok_is(p, t, "!=")) kind = TE_NE;
        else if (tok_is(p, t, "~")) kind = TE_CONCAT;
        else return e;
        next_tok(p);
        e = binary(p, kind, t, e, parse_filtered);
    }
}

static tmpl_expr_t *parse_not(parser_t *p)
{
    tok_t t = peek(p);
    if (tok_is(p, t, "not")) {
        tmpl_expr_t *e, *inner;
        next_tok(p);
        if (!(inner = parse_not(p))) return NULL;
        if (!(e = expr_new(p, TE_NOT, t))) {
            shmgen__tmpl_expr_free(inner);
            return NULL;
        }
        e->lhs = inner;
        return e;
    }
    return parse_compare(p);
}

static tmpl_expr_t *parse_and(parser_t *p)
{
    tmpl_expr_t *e = parse_not(p);
    tok_t t;
    while (e && tok_is(p, t = peek(p), "and")) {
        next_tok(p);
        e = binary(p, TE_AND, t, e, parse_not);
    }
    return e;
}

static tmpl_expr_t *parse_or(parser_t *p)
{
    tmpl_expr_t *e = parse_and(p);
    tok_t t;
    while (e && tok_is(p, t = peek(p), "or")) {
        next_tok(p);
        e = binary(p, TE_OR, t, e, parse_and);
    }
    return e;
}

/* A whole expression that must fill the rest of the tag. */
static tmpl_expr_t *parse_full_expr(parser_t *p)
{
    tmpl_expr_t *e = parse_or(p);
    tok_t t = peek(p);
    if (e && t.kind != T_END) {
        tok_error(p, t, "the end of the tag");
        shmgen__tmpl_expr_free(e);
        return NULL;
    }
    return e;
}

/* ---- statements ----------------------------------------------------------- */

static void start_tag(parser_t *p, const piece_t *pc)
{
    p->pos = pc->start;
    p->end = pc->end;
    p->tag_line = pc->line;
    p->tag_col = pc->col;
    p->tag_base = pc->tag_start;
}

static tmpl_node_t *node_new(parser_t *p, tmpl_node_kind_t kind, uint32_t line, uint32_t col)
{
    tmpl_node_t *n = calloc(1, sizeof *n);
    if (!n) {
        perr(p, line, col, "out of memory");
        return NULL;
    }
    n->kind = kind;
    n->line = line;
    n->col = col;
    return n;
}

static void node_free(tmpl_node_t *n)
{
    if (!n) return;
    shmgen__tmpl_expr_free(n->expr);
    free(n->var);
    shmgen__tmpl_nodes_free(&n->body);
    for (size_t i = 0; i < n->nbranches; i++) {
        shmgen__tmpl_expr_free(n->conds[i]);
        shmgen__tmpl_nodes_free(&n->bodies[i]);
    }
    free(n->conds);
    free(n->bodies);
    shmgen__tmpl_nodes_free(&n->else_body);
    free(n);
}

static void add_node(parser_t *p, tmpl_nodes_t *list, tmpl_node_t *n)
{
    if (!n) return;
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 8;
        tmpl_node_t **items = realloc(list->items, cap * sizeof *items);
        if (!items) {
            perr(p, n->line, n->col, "out of memory");
            node_free(n);
            return;
        }
        list->items = items;
        list->cap = cap;
    }
    list->items[list->count++] = n;
}

/* Parses nodes until a statement whose keyword is in `stops` (returned, with
 * the tokenizer positioned after the keyword), or the end (NULL). */
static const char *parse_nodes(parser_t *p, tmpl_nodes_t *out, const char *const *stops);

static tmpl_node_t *parse_if(parser_t *p, const piece_t *pc)
{
    static const char *const stops[] = {"elif", "else", "endif", NULL};
    tmpl_node_t *n = node_new(p, TN_IF, pc->line, pc->col);
    const char *stop = "elif";
    while (n && !p->error && strcmp(stop, "elif") == 0) {
        size_t k = n->nbranches;
        tmpl_expr_t **conds = realloc(n->conds, (k + 1) * sizeof *conds);
        tmpl_nodes_t *bodies = conds ? realloc(n->bodies, (k + 1) * sizeof *bodies) : NULL;
        if (conds) n->conds = conds;
        if (!bodies) {
            perr(p, pc->line, pc->col, "out of memory");
            break;
        }
        n->bodies = bodies;
        memset(&bodies[k], 0, sizeof bodies[k]);
        n->conds[k] = NULL;
        n->nbranches++;
        if (!(n->conds[k] = parse_full_expr(p))) break;
        stop = parse_nodes(p, &n->bodies[k], stops);
        if (!stop && !p->error) perr(p, pc->line, pc->col, "'if' is never closed by 'endif'");
        if (!stop) break;
    }
    if (!p->error && stop && strcmp(stop, "else") == 0) {
        if (peek(p).kind != T_END) tok_error(p, peek(p), "the end of the tag after 'else'");
        else if (!parse_nodes(p, &n->else_body, stops + 2) && !p->error)
            perr(p, pc->line, pc->col, "'if' is never closed by 'endif'");
    }
    if (!p->error && peek(p).kind != T_END) tok_error(p, peek(p), "the end of the tag after 'endif'");
    if (p->error) {
        node_free(n);
        return NULL;
    }
    return n;
}

static tmpl_node_t *parse_for(parser_t *p, const piece_t *pc)
{
    static const char *const stops[] = {"endfor", NULL};
    tmpl_node_t *n = node_new(p, TN_FOR, pc->line, pc->col);
    tok_t t = next_tok(p);
    if (!n) return NULL;
    if (t.kind != T_IDENT || is_reserved(p, t)) tok_error(p, t, "a loop variable name");
    else if (!(n->var = strndup(p->t->source + t.start, t.len))) perr(p, t.line, t.col, "out of memory");
    else if (tok_is(p, t, "loop")) perr(p, t.line, t.col, "'loop' is reserved for the loop's state");
    else if (expect(p, "in") && (n->expr = parse_full_expr(p))) {
        if (!parse_nodes(p, &n->body, stops) && !p->error)
            perr(p, pc->line, pc->col, "'for' is never closed by 'endfor'");
        else if (!p->error && peek(p).kind != T_END)
            tok_error(p, peek(p), "the end of the tag after 'endfor'");
    }
    if (p->error) {
        node_free(n);
        return NULL;
    }
    return n;
}

static tmpl_node_t *parse_expr_node(parser_t *p, const piece_t *pc, tmpl_node_kind_t kind)
{
    tmpl_node_t *n = node_new(p, kind, pc->line, pc->col);
    if (n && !(n->expr = parse_full_expr(p))) {
        node_free(n);
        return NULL;
    }
    return n;
}

static bool in_list(const char *word, const char *const *list)
{
    for (; list && *list; list++)
        if (strcmp(word, *list) == 0) return true;
    return false;
}

static const char *parse_stmt(parser_t *p, const piece_t *pc, tmpl_nodes_t *out, const char *const *stops)
{
    static const char *const closers[] = {"elif", "else", "endif", "endfor", NULL};
    tok_t t = next_tok(p);
    char word[16] = "";
    if (t.kind != T_IDENT || t.len >= sizeof word) {
        tok_error(p, t, "a statement (if, elif, else, endif, for, endfor, include)");
        return NULL;
    }
    memcpy(word, p->t->source + t.start, t.len);
    for (size_t i = 0; stops && stops[i]; i++)
        if (strcmp(word, stops[i]) == 0) return stops[i];
    if (strcmp(word, "if") == 0) add_node(p, out, parse_if(p, pc));
    else if (strcmp(word, "for") == 0) add_node(p, out, parse_for(p, pc));
    else if (strcmp(word, "include") == 0) add_node(p, out, parse_expr_node(p, pc, TN_INCLUDE));
    else if (in_list(word, closers)) perr(p, t.line, t.col, "'%s' without a matching opening statement", word);
    else perr(p, t.line, t.col, "unknown statement '%s'", word);
    return NULL;
}

static const char *parse_nodes(parser_t *p, tmpl_nodes_t *out, const char *const *stops)
{
    while (!p->error && p->next < p->npieces) {
        const piece_t *pc = &p->pieces[p->next++];
        const char *stop;
        if (pc->kind == P_COMMENT) continue;
        if (pc->kind == P_TEXT) {
            tmpl_node_t *n;
            if (pc->end <= pc->start) continue;
            if ((n = node_new(p, TN_TEXT, pc->line, pc->col))) {
                n->text = p->t->source + pc->start;
                n->len = pc->end - pc->start;
            }
            add_node(p, out, n);
            continue;
        }
        start_tag(p, pc);
        if (pc->kind == P_OUT) add_node(p, out, parse_expr_node(p, pc, TN_OUT));
        else if ((stop = parse_stmt(p, pc, out, stops))) return stop;
    }
    return NULL;
}

int shmgen__tmpl_parse(tmpl_template_t *t, shmgen_diags_t *diags)
{
    parser_t p = {.t = t, .diags = diags, .cur_line = 1, .cur_col = 1};
    if (lex(&p) == 0) {
        apply_trim(&p);
        parse_nodes(&p, &t->nodes, NULL);
    } else if (!p.error) {
        perr(&p, 1, 1, "out of memory");
    }
    free(p.pieces);
    if (p.error) {
        shmgen__tmpl_nodes_free(&t->nodes);
        t->failed = true;
        return -1;
    }
    return 0;
}

void shmgen__tmpl_nodes_free(tmpl_nodes_t *nodes)
{
    for (size_t i = 0; i < nodes->count; i++) node_free(nodes->items[i]);
    free(nodes->items);
    memset(nodes, 0, sizeof *nodes);
}

void shmgen__tmpl_expr_free(tmpl_expr_t *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->npath; i++) free(e->path[i]);
    free(e->path);
    shmgen_value_free(e->lit);
    shmgen__tmpl_expr_free(e->lhs);
    shmgen__tmpl_expr_free(e->rhs);
    free(e->filter);
    for (size_t i = 0; i < e->nargs; i++) shmgen__tmpl_expr_free(e->args[i]);
    free(e->args);
    free(e);
}
